"""Review queues, items, decisions, exposure counters and false positives
(migration 0008). Item media live encrypted on disk; rows hold only the wrapped key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Row,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from brightline.errors import ConflictError, NotFoundError
from brightline.services.store.tables import Id, UtcDateTime, metadata

queues = Table(
    "review_queues",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("scheme", String(20), nullable=False),
    Column("agreement", Integer, nullable=False),
    Column("target_list", String(200)),
    Column("created_at", UtcDateTime(), nullable=False),
)

items = Table(
    "review_items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("uid", String(32), nullable=False, unique=True),
    Column("queue_id", Id, ForeignKey("review_queues.id"), nullable=False),
    Column("source", String(16), nullable=False),
    Column("quality", Boolean, nullable=False, default=False),
    Column("known_answer", String(64)),
    Column("state", String(16), nullable=False),
    Column("agreement", Integer, nullable=False),
    Column("scheme", String(20), nullable=False),
    Column("category", String(64)),
    Column("list_name", String(200)),
    Column("matches", Text, nullable=False),
    Column("report_to", Text, nullable=False),
    Column("md5", String(32), nullable=False),
    Column("sha1", String(40), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("pdq", String(64)),
    Column("size", BigInteger, nullable=False),
    Column("media_type", String(100)),
    Column("filename", String(300)),
    Column("media_path", String(1000), nullable=False),
    Column("media_key", LargeBinary, nullable=False),
    Column("meta", Text, nullable=False),
    Column("claimed_by", BigInteger),
    Column("claimed_name", String(64)),
    Column("claim_until", UtcDateTime()),
    Column("created_by", String(300), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("decided_at", UtcDateTime()),
    Column("listed_in", String(200)),
    # The job that found it (migration 0013_pipeline): its id on the events database and kind
    # (scan, upload, watch, …); a name, not a foreign key (another database on SQLite).
    Column("job_id", BigInteger),
    Column("job_kind", String(16)),
    Index("ix_review_items_state", "state", "id"),
    sqlite_autoincrement=True,
)

decisions = Table(
    "review_decisions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("item_id", Id, ForeignKey("review_items.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("user_name", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("decision", String(64), nullable=False),
    Column("ruling", Boolean, nullable=False, default=False),
    Column("at", UtcDateTime(), nullable=False),
    UniqueConstraint("item_id", "user_id", name="uq_review_decisions_item_user"),
    Index("ix_review_decisions_user", "user_id"),
)

exposure = Table(
    "review_exposure",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("day", String(10), primary_key=True),
    Column("user_name", String(64), nullable=False),
    Column("items", Integer, nullable=False, default=0),
    Column("reveals", Integer, nullable=False, default=0),
    Column("seconds", Integer, nullable=False, default=0),
)

false_positives = Table(
    "review_false_positives",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("list_name", String(200), nullable=False),
    Column("entry_id", BigInteger, nullable=False),
    Column("item_id", BigInteger, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Index("ix_review_false_positives_entry", "entry_id"),
)

flags = Table(
    "review_entry_flags",
    metadata,
    Column("entry_id", BigInteger, primary_key=True, autoincrement=False),
    Column("list_name", String(200), nullable=False),
    Column("false_positives", Integer, nullable=False),
    Column("flagged_at", UtcDateTime(), nullable=False),
)

# Options of a list action of kind "review" (where its items go, where reports go).
review_actions = Table(
    "review_actions",
    metadata,
    Column(
        "action_id",
        Id,
        ForeignKey("list_actions.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("queue", String(100), nullable=False),
    Column("report_to", Text, nullable=False),
)

# An item's signals, one row per signal type (migration 0013_pipeline): a plugin type's value
# shows on review pages and goes with its reports.
item_signals = Table(
    "review_item_signals",
    metadata,
    Column("item_id", Id, ForeignKey("review_items.id", ondelete="CASCADE"), primary_key=True),
    Column("signal_type", String(32), primary_key=True),
    Column("value", Text, nullable=False),
    Column("quality", Integer),
)

TABLES = (queues, items, decisions, exposure, false_positives, flags, review_actions)

# -- queues -------------------------------------------------------------------


def insert_queue(
    conn: Connection, name: str, scheme: str, agreement: int, target: str | None, now: datetime
) -> None:
    try:
        with conn.begin_nested():
            conn.execute(
                insert(queues).values(
                    name=name,
                    scheme=scheme,
                    agreement=agreement,
                    target_list=target,
                    created_at=now,
                )
            )
    except IntegrityError:
        raise ConflictError(f"a queue named {name!r} already exists") from None


def queue_by_name(conn: Connection, name: str) -> Row[Any] | None:
    return conn.execute(select(queues).where(queues.c.name == name)).one_or_none()


def all_queues(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(queues).order_by(queues.c.name)).all())


# -- items --------------------------------------------------------------------


def _item_query() -> Any:
    return select(items, queues.c.name.label("queue")).join(queues, queues.c.id == items.c.queue_id)


def insert_item_signals(
    conn: Connection, item_id: int, signals: list[tuple[str, str, int | None]]
) -> None:
    rows = [{"item_id": item_id, "signal_type": t, "value": v, "quality": q} for t, v, q in signals]
    if rows:
        conn.execute(insert(item_signals), rows)


def signals_of_item(conn: Connection, item_id: int) -> dict[str, str]:
    """``{signal type: value}`` of a review item."""
    q = select(item_signals.c.signal_type, item_signals.c.value).where(
        item_signals.c.item_id == item_id
    )
    return {str(t): str(v) for t, v in conn.execute(q)}


def insert_item(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(items).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def item_id_by_uid(conn: Connection, uid: str) -> int | None:
    """The id of the item whose media is ``uid`` (an idempotent intake's), or None."""
    found = conn.execute(select(items.c.id).where(items.c.uid == uid)).scalar_one_or_none()
    return None if found is None else int(found)


def get_item(conn: Connection, item_id: int, *, lock: bool = False) -> Row[Any]:
    query = _item_query().where(items.c.id == item_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=items)
    row = conn.execute(query).one_or_none()
    if row is None:
        raise NotFoundError(f"no review item {item_id}")
    return row


def find_items(
    conn: Connection,
    *,
    states: list[str] | None,
    queue: str | None,
    source: str | None,
    limit: int,
    after_id: int = 0,
) -> list[Row[Any]]:
    query = _item_query().where(items.c.id > after_id)
    if states:
        query = query.where(items.c.state.in_(states))
    if queue:
        query = query.where(queues.c.name == queue)
    if source:
        query = query.where(items.c.source == source)
    return list(conn.execute(query.order_by(items.c.id).limit(limit)).all())


def next_candidates(
    conn: Connection, states: list[str], queue: str | None, user_id: int, now: datetime
) -> list[Row[Any]]:
    """Items in ``states`` nobody else holds and ``user_id`` has not decided, oldest first."""
    mine = select(decisions.c.item_id).where(decisions.c.user_id == user_id)
    free = or_(
        items.c.claimed_by.is_(None), items.c.claim_until < now, items.c.claimed_by == user_id
    )
    query = _item_query().where(items.c.state.in_(states), free, items.c.id.not_in(mine))
    if queue:
        query = query.where(queues.c.name == queue)
    return list(conn.execute(query.order_by(items.c.id).limit(20)).all())


def take_claim(
    conn: Connection, item_id: int, user_id: int, user_name: str, now: datetime, until: datetime
) -> bool:
    """Claim atomically: False when someone else holds a live claim (or it is decided)."""
    free = or_(
        items.c.claimed_by.is_(None), items.c.claim_until < now, items.c.claimed_by == user_id
    )
    result = conn.execute(
        update(items)
        .where(items.c.id == item_id, free, items.c.state.not_in(["confirmed", "rejected"]))
        .values(claimed_by=user_id, claimed_name=user_name, claim_until=until)
    )
    return bool(result.rowcount == 1)


def update_item(conn: Connection, item_id: int, **values: Any) -> None:
    conn.execute(update(items).where(items.c.id == item_id).values(**values))


def release_claims_of(conn: Connection, user_id: int, keep: int | None = None) -> None:
    cond = and_(items.c.claimed_by == user_id, items.c.id != (keep or 0))
    conn.execute(
        update(items).where(cond).values(claimed_by=None, claimed_name=None, claim_until=None)
    )


# -- decisions ----------------------------------------------------------------


def insert_decision(conn: Connection, values: dict[str, Any]) -> None:
    try:
        with conn.begin_nested():
            conn.execute(insert(decisions).values(**values))
    except IntegrityError:
        raise ConflictError("you have already decided this item") from None


def decisions_of(conn: Connection, item_id: int) -> list[Row[Any]]:
    query = select(decisions).where(decisions.c.item_id == item_id).order_by(decisions.c.id)
    return list(conn.execute(query).all())


def delete_decision(conn: Connection, decision_id: int) -> None:
    conn.execute(decisions.delete().where(decisions.c.id == decision_id))


def decisions_with_items(conn: Connection) -> list[Row[Any]]:
    """Every counted decision with its item's quality flag, answer and final outcome."""
    query = (
        select(
            decisions.c.item_id,
            decisions.c.user_id,
            decisions.c.user_name,
            decisions.c.decision,
            decisions.c.role,
            items.c.quality,
            items.c.known_answer,
            items.c.state,
            items.c.category,
        )
        .join(items, items.c.id == decisions.c.item_id)
        .where(decisions.c.decision != "skip", decisions.c.ruling.is_(False))
    )
    result: Any = conn.execute(query)
    return list(result.all())


# -- exposure -----------------------------------------------------------------


def add_exposure(conn: Connection, user_id: int, user_name: str, day: str, **deltas: int) -> None:
    values = {k: exposure.c[k] + v for k, v in deltas.items()}
    cond = and_(exposure.c.user_id == user_id, exposure.c.day == day)
    if conn.execute(update(exposure).where(cond).values(**values)).rowcount:
        return
    try:
        with conn.begin_nested():
            row = {"items": 0, "reveals": 0, "seconds": 0, **deltas}
            conn.execute(
                insert(exposure).values(user_id=user_id, day=day, user_name=user_name, **row)
            )
    except IntegrityError:  # a concurrent first write of the day
        conn.execute(update(exposure).where(cond).values(**values))


def exposure_rows(conn: Connection, day: str | None, user_id: int | None) -> list[Row[Any]]:
    query = select(exposure)
    if day:
        query = query.where(exposure.c.day == day)
    if user_id is not None:
        query = query.where(exposure.c.user_id == user_id)
    return list(conn.execute(query.order_by(exposure.c.day.desc(), exposure.c.user_name)).all())


# -- false positives ----------------------------------------------------------


def add_false_positive(
    conn: Connection, list_name: str, entry_id: int, item_id: int, now: datetime
) -> int:
    """Record one; returns how many the entry now has."""
    conn.execute(
        insert(false_positives).values(
            list_name=list_name, entry_id=entry_id, item_id=item_id, at=now
        )
    )
    count = conn.execute(
        select(func.count()).where(false_positives.c.entry_id == entry_id)
    ).scalar_one()
    return int(count)


def flag_entry(conn: Connection, list_name: str, entry_id: int, count: int, now: datetime) -> bool:
    """Flag (or update the count of) an entry; True when newly flagged."""
    cond = flags.c.entry_id == entry_id
    if conn.execute(update(flags).where(cond).values(false_positives=count)).rowcount:
        return False
    conn.execute(
        insert(flags).values(
            entry_id=entry_id, list_name=list_name, false_positives=count, flagged_at=now
        )
    )
    return True


def flagged_entries(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(flags).order_by(flags.c.flagged_at)).all())


# -- review actions -----------------------------------------------------------


def insert_review_action(conn: Connection, action_id: int, queue: str, report_to: str) -> None:
    conn.execute(
        insert(review_actions).values(action_id=action_id, queue=queue, report_to=report_to)
    )


def review_actions_for(conn: Connection, action_ids: list[int]) -> dict[int, Row[Any]]:
    if not action_ids:
        return {}
    query = select(review_actions).where(review_actions.c.action_id.in_(action_ids))
    return {int(r.action_id): r for r in conn.execute(query).all()}
