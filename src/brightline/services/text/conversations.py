"""Live conversations: messages scored as they arrive, warnings sent to review.

A platform (a scanner's API key) posts each conversation's messages as they are
sent. Each is scored with the transparent baseline (``core.text.chat.scoring``);
the conversation keeps its scoring state (indicators by author, with message
indices), and every message keeps its scores and indicators.

Text is kept as little as possible:

- the text of the last ``chat_context`` messages is held, so a warning can show
  what led to it; older text is dropped as new messages arrive;
- the text of a message that raised an indicator, and of the messages around a
  warning, is kept for ``chat_retention_days`` (the review item shows it), then
  dropped by ``purge_text`` (run on every post and by ``brightline chat purge``);
- scores, indicators and warnings are kept.

A warning becomes a review item (source ``chat``) showing the flagged messages with
their context and the indicators, as text; the analyst decides as for any item.
Nothing is enforced automatically.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from brightline.core.actor import Actor
from brightline.core.models import FileSignals
from brightline.core.names import check_text
from brightline.core.text.chat.indicators import Lexicon
from brightline.core.text.chat.scoring import ConversationScorer, MessageScore, Warning, WarningRule
from brightline.errors import InputError, NotFoundError, TooLargeError
from brightline.services import audit
from brightline.services.review import intake
from brightline.services.review.env import ReviewEnv
from brightline.services.store import Store
from brightline.services.store import chat as store_chat
from brightline.settings import Settings

log = logging.getLogger("brightline.chat")
MAX_AUTHOR = 200
MAX_ID = 200
MAX_BATCH = 1000


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return Lexicon()


@dataclass(frozen=True, slots=True)
class NewMessage:
    author: str
    text: str
    time: str | None = None


def rule_of(settings: Settings) -> WarningRule:
    return WarningRule(
        settings.chat_warn_threshold,
        settings.chat_warn_k,
        settings.chat_warn_n,
        settings.chat_warn_cooldown,
    )


def post_messages(
    store: Store,
    settings: Settings,
    review: ReviewEnv | None,
    actor: Actor,
    conversation: str,
    new: Sequence[NewMessage],
) -> dict[str, Any]:
    """Score the messages in order; the conversation's and each participant's risk,
    the warnings raised (``warning``: the last, or None), each in review."""
    _check(settings, conversation, new)
    now = datetime.now(UTC)
    keep = now + timedelta(days=settings.chat_retention_days)
    raised: list[tuple[int, int, Warning]] = []
    with store.begin() as conn:
        row = store_chat.lock_conversation(conn, conversation, now)
        scorer = ConversationScorer(lexicon(), rule_of(settings))
        scorer.restore(json.loads(row.state or "{}"))
        for message in new:
            score = scorer.add(message.author, message.text)
            store_chat.insert_message(conn, _message_row(row.id, message, score, now, keep))
            if score.warning is not None:
                first = max(0, score.index - settings.chat_context)
                store_chat.keep_text(conn, row.id, first, score.index, keep)
                warning_id = store_chat.insert_warning(conn, _warning_row(row.id, score, now))
                raised.append((warning_id, int(row.id), score.warning))
            # Held: the last ``chat_context`` messages, the context of a next warning.
            forget = score.index - settings.chat_context + 1
            store_chat.forget_text_before(conn, row.id, forget)
        state = json.dumps(scorer.state())
        store_chat.save_conversation(conn, row.id, scorer.count, scorer.risk, state, now)
        if raised:
            details = {"conversation": conversation, "warnings": len(raised)}
            audit.record(conn, actor, "chat.warning", f"conversation:{conversation}", details)
    for warning_id, conv_id, warning in raised:
        _to_review(store, review, actor, conversation, conv_id, warning_id, warning, settings)
    purge_text(store, now)
    return {
        "conversation": conversation,
        "messages": scorer.count,
        "risk": round(scorer.risk, 4),
        "participants": {a: round(s.risk, 4) for a, s in scorer.authors.items()},
        "warning": raised[-1][2].as_dict() if raised else None,
        "warnings": [w.as_dict() for _, _, w in raised],
    }


def get_conversation(store: Store, conversation: str) -> dict[str, Any]:
    with store.connect() as conn:
        row = store_chat.find_conversation(conn, conversation)
        if row is None:
            raise NotFoundError(f"no conversation {conversation!r}")
        warnings = store_chat.conversation_warnings(conn, row.id)
    state = json.loads(row.state or "{}")
    return {
        "conversation": conversation,
        "messages": int(row.messages),
        "risk": round(float(row.risk), 4),
        "participants": {
            a: round(float(s["risk"]), 4) for a, s in state.get("authors", {}).items()
        },
        "warnings": [
            {
                "message": int(w.message_idx),
                "author": w.author,
                "risk": round(float(w.risk), 4),
                "indicators": json.loads(w.indicators),
                "review_item": None if w.review_item_id is None else int(w.review_item_id),
            }
            for w in warnings
        ],
    }


def purge_text(store: Store, now: datetime | None = None) -> int:
    """Drop the text whose retention is over; returns how many messages lost it."""
    with store.begin() as conn:
        return store_chat.purge_text(conn, now or datetime.now(UTC))


def _check(settings: Settings, conversation: str, new: Sequence[NewMessage]) -> None:
    if not conversation or len(conversation) > MAX_ID:
        raise InputError(f"a conversation id has 1 to {MAX_ID} characters")
    check_text("conversation", conversation)
    if not new:
        raise InputError("no messages")
    if len(new) > MAX_BATCH:
        raise InputError(f"at most {MAX_BATCH} messages at once")
    for m in new:
        if not m.author or len(m.author) > MAX_AUTHOR:
            raise InputError(f"a message's author has 1 to {MAX_AUTHOR} characters")
        if len(m.text) > settings.text_max_chars:
            raise TooLargeError(f"a message is longer than {settings.text_max_chars:,} characters")
        check_text("author", m.author)
        check_text("text", m.text)


def _message_row(
    conv_id: int, m: NewMessage, score: MessageScore, now: datetime, keep: datetime
) -> dict[str, Any]:
    categories = sorted({h.category for h in score.hits})
    return {
        "conversation_id": conv_id,
        "idx": score.index,
        "author": m.author,
        "sent_at": (m.time or None) and str(m.time)[:64],
        "at": now,
        "risk": score.risk,
        "author_risk": score.author_risk,
        "indicators": json.dumps(categories),
        "text": m.text,
        # A message that raised an indicator may be evidence for a later warning.
        "keep_until": keep if categories else None,
    }


def _warning_row(conv_id: int, score: MessageScore, now: datetime) -> dict[str, Any]:
    assert score.warning is not None
    w = score.warning
    return {
        "conversation_id": conv_id,
        "message_idx": w.message,
        "author": w.author,
        "risk": w.risk,
        "indicators": json.dumps(w.indicators),
        "created_at": now,
    }


def _to_review(
    store: Store,
    review: ReviewEnv | None,
    actor: Actor,
    conversation: str,
    conv_id: int,
    warning_id: int,
    warning: Warning,
    settings: Settings,
) -> None:
    """The warning as a review item: the flagged messages with context, as text."""
    if review is None:
        return
    try:
        flagged = sorted({i for ind in warning.indicators for i in ind["messages"]})
        around = range(max(0, warning.message - settings.chat_context), warning.message + 1)
        with store.connect() as conn:
            rows = store_chat.context_messages(conn, conv_id, sorted({*flagged, *around}))
        data = render_warning(conversation, warning, rows, set(flagged)).encode("utf-8")
        signals = FileSignals.of(
            hashlib.md5(data).hexdigest(),
            hashlib.sha1(data).hexdigest(),
            hashlib.sha256(data).hexdigest(),
            len(data),
            "text/plain",
        )
        meta = {
            "conversation": conversation,
            "message": warning.message,
            "author": warning.author,
            "risk": round(warning.risk, 4),
            "indicators": warning.indicators,
        }
        item = intake.NewItem("chat", signals, f"conversation-{conversation}.txt", meta)
        item_id = intake.create_item(review, actor, data, item)
        with store.begin() as conn:
            store_chat.set_review_item(conn, warning_id, item_id)
    except Exception:
        log.exception("could not put a conversation warning in review")


def render_warning(
    conversation: str, warning: Warning, rows: Sequence[Any], flagged: set[int]
) -> str:
    lines = [
        f"Conversation {conversation}: grooming-risk warning at message {warning.message}",
        f"Author: {warning.author}    risk {warning.risk:.2f} (a score to check, not a finding)",
        "",
        "Indicators (messages are numbered from 0):",
    ]
    for ind in warning.indicators:
        lines.append(f"  - {ind['category']}: messages {', '.join(map(str, ind['messages']))}")
    lines += ["", "Messages (* raised an indicator):"]
    for r in rows:
        text = r.text if r.text is not None else "(text no longer kept)"
        mark = "*" if int(r.idx) in flagged else " "
        lines.append(f"  [{int(r.idx)}] {mark} {r.author}: {text}")
    return "\n".join(lines) + "\n"
