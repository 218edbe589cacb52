"""Evaluating conversation scoring against PAN 2012's truth (predator author ids).

The unit is the author, as in PAN 2012's predator identification: an author is
flagged when a warning names them in any conversation, and scored by their highest
risk in any conversation.

- precision, recall, F0.5 (PAN 2012's measure) and F1 of the flagged authors;
- PR-AUC: average precision of the authors ranked by score;
- latency-weighted F1 (eSPD, Vogt et al. 2021, after Sadeque et al.'s F_latency):
  F1 × speed, speed = 1 − median over true positives of
  penalty(k) = −1 + 2 / (1 + e^(−p(k−1))), ``k`` the messages seen up to and
  including the first warning that names the predator. ``p`` makes the penalty 0.5
  at the median length of the conversations that hold a predator (our choice; give
  ``p`` to use another).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from brightline.core.text.chat.conversation import Conversation
from brightline.core.text.chat.scoring import ConversationResult


@dataclass(frozen=True, slots=True)
class Evaluation:
    authors: int
    predators: int
    flagged: int
    true_positives: int
    precision: float
    recall: float
    f05: float
    f1: float
    pr_auc: float
    latency_f1: float
    speed: float
    median_latency: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return {k: getattr(self, k) for k in self.__slots__}


def evaluate(
    conversations: Sequence[Conversation],
    results: Sequence[ConversationResult],
    truth: set[str],
    p: float | None = None,
) -> Evaluation:
    scores: dict[str, float] = {}
    latency: dict[str, int] = {}
    for result in results:
        for author, risk in result.participants.items():
            scores[author] = max(scores.get(author, 0.0), risk)
        for w in result.warnings:
            latency.setdefault(w.author, w.message + 1)
    flagged = set(latency)
    predators = truth & set(scores) if scores else set()
    tp = flagged & predators
    precision = len(tp) / len(flagged) if flagged else 0.0
    recall = len(tp) / len(predators) if predators else 0.0
    f1 = _f(precision, recall, 1.0)
    lengths = [len(c.messages) for c in conversations if truth & set(c.authors)]
    if p is None:
        median_len = statistics.median(lengths) if lengths else 2
        p = math.log(3) / max(1.0, median_len - 1)
    penalties = [_penalty(latency[a], p) for a in tp]
    speed = 1 - statistics.median(penalties) if penalties else 0.0
    return Evaluation(
        authors=len(scores),
        predators=len(predators),
        flagged=len(flagged),
        true_positives=len(tp),
        precision=precision,
        recall=recall,
        f05=_f(precision, recall, 0.5),
        f1=f1,
        pr_auc=average_precision([(scores[a], a in truth) for a in scores]),
        latency_f1=f1 * speed,
        speed=speed,
        median_latency=statistics.median(latency[a] for a in tp) if tp else None,
    )


def _f(precision: float, recall: float, beta: float) -> float:
    if precision == 0 and recall == 0:
        return 0.0
    b2 = beta * beta
    return (1 + b2) * precision * recall / (b2 * precision + recall)


def _penalty(k: int, p: float) -> float:
    return -1 + 2 / (1 + math.exp(-p * (k - 1)))


def average_precision(scored: Sequence[tuple[float, bool]]) -> float:
    """Area under the precision-recall curve as average precision (ties as one step)."""
    positives = sum(1 for _, y in scored if y)
    if positives == 0:
        return 0.0
    ranked = sorted(scored, key=lambda sy: -sy[0])
    ap = 0.0
    tp = fp = 0
    i = 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            tp += ranked[j][1]
            fp += not ranked[j][1]
            j += 1
        new_tp = sum(1 for _, y in ranked[i:j] if y)
        ap += new_tp / positives * (tp / (tp + fp))
        i = j
    return ap
