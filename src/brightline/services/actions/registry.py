"""What a match triggers, as a registry: one ``ActionHandler`` per action kind.

A list's actions are rows (``list_actions``: kind, url, secret; a review action's
queue and destinations beside it). A job reads the actions of the lists it matched
once (``ActionCache``) and hands each registered kind its actions and the job's hits
(``dispatch``). A handler runs in one of two phases:

- ``record``: inside the job's recording transaction on the events database, so what
  it writes (a webhook delivery in the outbox) commits with the matches or not at all;
- ``after``: once the matches are committed, in its own transactions (a review item
  is an encrypted file and a row in the main database).

Adding a kind is one module that calls ``register(handler)`` (``log``, ``webhook`` and
``review`` are built in, registered by the ``actions`` package;
``tests/services/actions/test_registry.py`` registers one of its own). ``log`` runs
for every match, whether or not its list names it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, Protocol

from sqlalchemy import Connection

from brightline.core.actor import Actor
from brightline.core.models import Match, ScanResult, Suppressed
from brightline.errors import UsageError

if TYPE_CHECKING:
    from brightline.services.review.env import ReviewEnv

Phase = Literal["record", "after"]
#: Opens the content an item was hashed from (a new stream each call).
Opener = Callable[[], BinaryIO]


@dataclass(frozen=True, slots=True)
class Action:
    id: int
    list_name: str
    kind: str
    url: str | None
    created_at: datetime
    #: Review actions: ``{"queue": …, "report_to": [...]}``.
    review: dict[str, Any] | None = None
    list_id: int = 0

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.id,
            "list": self.list_name,
            "kind": str(self.kind),
            "url": self.url,
            "created_at": self.created_at.isoformat(),
        }
        if self.review is not None:
            out.update(self.review)
        return out


@dataclass(frozen=True, slots=True)
class MatchContext:
    """Who asked and about what, recorded with each match."""

    request_id: str | None = None
    key_prefix: str | None = None
    ref: str | None = None
    #: ``Actor.label`` of who asked (``key:ab12cd34``, ``operator:alice``).
    actor: str | None = None
    #: The job (scan, upload request, case) that found the matches.
    job_id: int | None = None
    #: The job's kind (its source): ``scan``, ``upload``, ``lookup``, ``watch``, ``case``.
    job_kind: str | None = None


@dataclass(slots=True)
class Hit:
    """One matched item of a job (or one looked-up hash, without content).

    ``matches`` are all logged; only those that ``act`` (not quarantined by a flood)
    run the lists' other actions (``acting``). ``suppressed``: the matches a negative
    list held back, logged as such and acted on by nothing."""

    matches: Sequence[Match]
    result: ScanResult | None = None
    item_id: int | None = None
    #: The content, for actions that keep it (review); None for a hash lookup.
    media: Opener | None = None
    filename: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    suppressed: Sequence[Suppressed] = ()

    @property
    def acting(self) -> list[Match]:
        """The matches that run their lists' actions (``Match.acts``)."""
        return [m for m in self.matches if m.acts]


@dataclass(slots=True)
class ActionRun:
    """What one handler gets: its kind's actions on the matched lists, every hit of
    the batch (each handler picks the hits on its actions' lists), the job."""

    actions: Sequence[Action]
    hits: Sequence[Hit]
    context: MatchContext
    actor: Actor
    #: Store, settings and keyring (None outside a job: ``actions.record_matches``).
    env: ReviewEnv | None = None
    #: The job's transaction on the events database (``record`` phase only).
    events: Connection | None = None

    def hits_on(self, action: Action) -> list[tuple[Hit, list[Match]]]:
        """The hits with acting matches on ``action``'s list, and those matches (a
        quarantined match runs no action)."""
        out = []
        for hit in self.hits:
            on = [m for m in hit.acting if m.list_id == action.list_id]
            if on:
                out.append((hit, on))
        return out


class ActionHandler(Protocol):
    """One kind of action."""

    kind: str
    phase: Phase

    def run(self, run: ActionRun) -> int:
        """Act on the hits; returns how many things it did (deliveries, items…)."""
        ...


_HANDLERS: dict[str, ActionHandler] = {}


def register(handler: ActionHandler) -> ActionHandler:
    """Add (or replace) the handler of ``handler.kind``."""
    if not handler.kind or len(handler.kind) > 16:
        raise ValueError("an action kind is 1-16 characters")
    _HANDLERS[handler.kind] = handler
    return handler


def unregister(kind: str) -> None:
    _HANDLERS.pop(kind, None)


def handler(kind: str) -> ActionHandler:
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise UsageError(f"unknown action kind {kind!r} (known: {', '.join(kinds())})") from None


def kinds() -> list[str]:
    return list(_HANDLERS)


def handlers(phase: Phase) -> list[ActionHandler]:
    return [h for h in _HANDLERS.values() if h.phase == phase]


class ActionCache:
    """A job's view of its lists' actions: each list's read once per job."""

    def __init__(self, read: Callable[[Sequence[int]], list[Action]]):
        self._read = read
        self._by_list: dict[int, list[Action]] = {}

    def for_matches(self, matches: Sequence[Match]) -> list[Action]:
        wanted = sorted({m.list_id for m in matches})
        missing = [i for i in wanted if i not in self._by_list]
        if missing:
            for i in missing:
                self._by_list[i] = []
            for action in self._read(missing):
                self._by_list[action.list_id].append(action)
        return [a for i in wanted for a in self._by_list[i]]


def dispatch(
    phase: Phase, actions: Sequence[Action], make: Callable[[list[Action]], ActionRun]
) -> dict[str, int]:
    """Run every handler of ``phase`` that has actions here (``log`` always);
    returns what each did, by kind."""
    done: dict[str, int] = {}
    for h in handlers(phase):
        mine = [a for a in actions if a.kind == h.kind]
        if mine or h.kind == "log":
            done[h.kind] = h.run(make(mine))
    return done
