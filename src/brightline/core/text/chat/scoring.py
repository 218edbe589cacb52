"""Scoring a conversation message by message, and the warning rule.

The transparent baseline needs no training data. Each message's indicators come
from the lexicons (``indicators.Lexicon``); each author keeps, per category, the
indices of the messages that raised it. An author's risk is

    risk = 1 - exp(-0.45 * (Σ_c weight_c * (1 - 0.5^hits_c) + 0.25 * (stages - 1)))

where ``hits_c`` is how many of the author's messages raised category ``c`` (the
first counts half, each further one half of what is left), ``weight_c`` the
category's weight and ``stages`` how many grooming stages (trust, exclusivity,
sexual/image requests, meeting) the author has reached in order over the
conversation's course. One category alone stays below 0.3; a conversation that
walks through several stages rises above 0.5. The conversation's risk is its
riskiest participant's.

A trained model (``model.ChatModel``) may replace the author's risk: it scores the
author's messages so far; the indicators still explain it. It keeps each author's
running features (``model.AuthorFeatures``), so a message costs its own words, not
the author's whole text again.

The warning rule fires on a message when at least ``k`` of the last ``n`` messages
left the conversation at or above ``threshold``, and the last warning is at least
``cooldown`` messages back. A warning names the riskiest author, the risk, and
each of that author's indicators with the messages that raised it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from brightline.core.text.chat.conversation import Conversation
from brightline.core.text.chat.indicators import STAGES, WEIGHTS, IndicatorHit, Lexicon

_SCALE = 0.45
_STAGE_BONUS = 0.25


class AuthorModel(Protocol):
    def score(self, text: str) -> float: ...


@dataclass(frozen=True, slots=True)
class WarningRule:
    threshold: float = 0.5
    k: int = 2
    n: int = 5
    cooldown: int = 20


@dataclass(slots=True)
class AuthorState:
    hits: dict[str, list[int]] = field(default_factory=dict)
    messages: int = 0
    risk: float = 0.0
    #: The author's text so far: only kept while a model without running features
    #: scores (never persisted).
    text: list[str] = field(default_factory=list)
    #: A model's running features for the author (``model.AuthorFeatures``): each
    #: message updates them, nothing is read twice (never persisted).
    features: Any = None

    def indicators(self) -> list[dict[str, Any]]:
        return [{"category": c, "messages": list(m)} for c, m in sorted(self.hits.items())]


@dataclass(frozen=True, slots=True)
class Warning:
    message: int
    author: str
    risk: float
    indicators: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "author": self.author,
            "risk": round(self.risk, 4),
            "indicators": self.indicators,
        }


@dataclass(frozen=True, slots=True)
class MessageScore:
    index: int
    author: str
    author_risk: float
    risk: float
    hits: list[IndicatorHit]
    warning: Warning | None


def baseline_risk(hits: dict[str, list[int]]) -> float:
    """An author's risk from their indicators (see the module docstring)."""
    if not hits:
        return 0.0
    evidence = sum(WEIGHTS.get(c, 0.5) * (1 - 0.5 ** len(m)) for c, m in hits.items())
    firsts = sorted((min(m), STAGES.get(c, 1)) for c, m in hits.items() if m)
    reached = 0
    stages = 0
    for _, stage in firsts:  # stages reached in order over the conversation
        if stage > reached:
            stages += 1
            reached = stage
    return 1 - math.exp(-_SCALE * (evidence + _STAGE_BONUS * max(0, stages - 1)))


class ConversationScorer:
    """One conversation's running scores. ``add`` takes the next message."""

    def __init__(
        self,
        lexicon: Lexicon,
        rule: WarningRule | None = None,
        model: AuthorModel | None = None,
    ):
        self.lexicon = lexicon
        self.rule = rule or WarningRule()
        self.model = model
        self.authors: dict[str, AuthorState] = {}
        self.count = 0
        self.recent: deque[bool] = deque(maxlen=self.rule.n)
        self.last_warning: int | None = None
        self.warnings: list[Warning] = []

    @property
    def risk(self) -> float:
        return max((a.risk for a in self.authors.values()), default=0.0)

    def add(self, author: str, text: str) -> MessageScore:
        index = self.count
        self.count += 1
        state = self.authors.setdefault(author, AuthorState())
        state.messages += 1
        hits = self.lexicon.hits(text)
        for hit in hits:
            found = state.hits.setdefault(hit.category, [])
            if not found or found[-1] != index:
                found.append(index)
        if self.model is not None:
            if state.features is None and not state.text:
                start = getattr(self.model, "author", None)
                state.features = start() if start is not None else None
            if state.features is not None:
                state.risk = float(state.features.add(text))
            else:
                state.text.append(text)
                state.risk = float(self.model.score("\n".join(state.text)))
        else:
            state.risk = baseline_risk(state.hits)
        risk = self.risk
        self.recent.append(risk >= self.rule.threshold)
        warning = self._warn(index, risk)
        return MessageScore(index, author, state.risk, risk, hits, warning)

    def _warn(self, index: int, risk: float) -> Warning | None:
        cooling = self.last_warning is not None and index - self.last_warning < self.rule.cooldown
        if cooling or sum(self.recent) < self.rule.k:
            return None
        author, state = max(self.authors.items(), key=lambda kv: kv[1].risk)
        warning = Warning(index, author, risk, state.indicators())
        self.last_warning = index
        self.warnings.append(warning)
        return warning

    # -- persistence (live conversations keep scores and indicators, never text) ----

    def state(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "recent": list(self.recent),
            "last_warning": self.last_warning,
            "authors": {
                name: {"hits": a.hits, "messages": a.messages, "risk": a.risk}
                for name, a in self.authors.items()
            },
        }

    def restore(self, state: dict[str, Any]) -> ConversationScorer:
        self.count = int(state.get("count", 0))
        self.recent.extend(bool(x) for x in state.get("recent", []))
        last = state.get("last_warning")
        self.last_warning = None if last is None else int(last)
        for name, a in state.get("authors", {}).items():
            hits = {str(c): [int(i) for i in m] for c, m in a.get("hits", {}).items()}
            self.authors[name] = AuthorState(hits, int(a.get("messages", 0)), float(a["risk"]))
        return self


@dataclass(frozen=True, slots=True)
class ConversationResult:
    conversation: str
    risk: float
    participants: dict[str, float]
    warnings: list[Warning]
    #: The conversation's risk after each message.
    course: list[float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "conversation": self.conversation,
            "risk": round(self.risk, 4),
            "participants": {a: round(r, 4) for a, r in self.participants.items()},
            "warnings": [w.as_dict() for w in self.warnings],
        }


def score_conversation(
    conversation: Conversation,
    lexicon: Lexicon,
    rule: WarningRule | None = None,
    model: AuthorModel | None = None,
) -> ConversationResult:
    scorer = ConversationScorer(lexicon, rule, model)
    course = [scorer.add(m.author, m.text).risk for m in conversation.messages]
    participants = {a: scorer.authors[a].risk for a in conversation.authors}
    return ConversationResult(
        conversation.id, scorer.risk, participants, list(scorer.warnings), course
    )


def score_all(
    conversations: Iterable[Conversation],
    lexicon: Lexicon | None = None,
    rule: WarningRule | None = None,
    model: AuthorModel | None = None,
) -> list[ConversationResult]:
    lexicon = lexicon or Lexicon()
    return [score_conversation(c, lexicon, rule, model) for c in conversations]
