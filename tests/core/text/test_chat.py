"""Conversation files, the transparent baseline, the warning rule and the measures,
on the synthetic PAN-format corpus (``chat_corpus.py``) and small hand-written cases.
Every conversation is synthetic and non-explicit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brightline.core.text.chat.conversation import (
    Conversation,
    Message,
    read_conversations,
    read_truth,
)
from brightline.core.text.chat.evaluate import average_precision, evaluate
from brightline.core.text.chat.indicators import Lexicon
from brightline.core.text.chat.scoring import (
    ConversationScorer,
    WarningRule,
    score_all,
    score_conversation,
)
from brightline.errors import FormatError

from .chat_corpus import HARD_NEGATIVES, corpus

DATA = Path(__file__).parents[2] / "data" / "chat"
LEXICON = Lexicon()


def _conv(lines: list[tuple[str, str]], conv_id: str = "c") -> Conversation:
    return Conversation(conv_id, [Message(a, t) for a, t in lines])


def test_pan_xml_and_json_lines_read_the_same(tmp_path: Path) -> None:
    xml, predators = corpus(seed=5, grooming=2, ordinary=2)
    (tmp_path / "c.xml").write_text(xml)
    from_xml = read_conversations(tmp_path / "c.xml")
    lines = [
        json.dumps({"conversation": c.id, "author": m.author, "time": m.time, "text": m.text})
        for c in from_xml
        for m in c.messages
    ]
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n")
    assert read_conversations(tmp_path / "c.jsonl") == from_xml
    assert len(from_xml) == 4 and all(c.messages for c in from_xml)
    (tmp_path / "truth.txt").write_text("\n".join(predators) + "\n\n")
    assert read_truth(tmp_path / "truth.txt") == set(predators)


@pytest.mark.parametrize(
    "content",
    [
        "<conversations><conversation>",  # broken XML
        "<other/>",
        '<!DOCTYPE x [<!ENTITY a "aaaa">]><conversations>&a;</conversations>',  # entities
        '{"conversation": "c"}\n',  # no author
    ],
)
def test_bad_files_are_format_errors(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad"
    path.write_text(content)
    with pytest.raises(FormatError):
        read_conversations(path)


@pytest.mark.parametrize("lines", HARD_NEGATIVES)
def test_hard_negatives_raise_no_warning(lines: list[tuple[str, str]]) -> None:
    result = score_conversation(_conv(lines), LEXICON)
    assert result.warnings == [] and result.risk < 0.5


def test_a_grooming_course_warns_with_its_reasons() -> None:
    lines = [
        ("g", "hi"),
        ("c", "hi"),
        ("g", "how old are you"),
        ("c", "12"),
        ("g", "are your parents home"),
        ("g", "don't tell anyone we talk"),
        ("g", "add me on snapchat"),
        ("g", "send me a pic"),
        ("g", "let's meet up"),
        ("c", "ok"),
    ]
    result = score_conversation(_conv(lines), LEXICON, WarningRule(0.5, 2, 5, 20))
    [warning] = result.warnings
    assert warning.author == "g" and warning.risk >= 0.5
    reasons = {i["category"]: i["messages"] for i in warning.indicators}
    assert reasons["age_location"] == [2] and reasons["secrecy"] == [5]
    assert result.participants["c"] == 0.0
    # Risk rises over the conversation's course: never down.
    assert result.course == sorted(result.course)


def test_the_rule_counts_k_of_n_and_cools_down() -> None:
    rule = WarningRule(threshold=0.3, k=3, n=3, cooldown=4)
    scorer = ConversationScorer(LEXICON, rule)
    texts = ["don't tell anyone", "our little secret", "add me on snapchat"] + ["ok"] * 8
    fired = [i for i, t in enumerate(texts) if scorer.add("g", t).warning]
    # Over the threshold from message 2; three in a row first at 4; then every 4.
    assert fired == [4, 8]


def test_state_survives_a_round_trip() -> None:
    a = ConversationScorer(LEXICON)
    for t in ["how old are you", "don't tell anyone", "ok"]:
        a.add("g", t)
    b = ConversationScorer(LEXICON).restore(json.loads(json.dumps(a.state())))
    assert b.add("g", "send me a pic") == a.add("g", "send me a pic")


def test_measures_on_a_known_case() -> None:
    convs = [
        _conv([("p1", "x"), ("k1", "y")], "a"),
        _conv([("p2", "x"), ("k2", "y")], "b"),
    ]
    from brightline.core.text.chat.scoring import ConversationResult
    from brightline.core.text.chat.scoring import Warning as W

    results = [
        ConversationResult("a", 0.9, {"p1": 0.9, "k1": 0.1}, [W(1, "p1", 0.9, [])], [0.1, 0.9]),
        ConversationResult("b", 0.4, {"p2": 0.4, "k2": 0.6}, [W(0, "k2", 0.6, [])], [0.6, 0.6]),
    ]
    found = evaluate(convs, results, {"p1", "p2"}, p=1.0)
    assert (found.precision, found.recall, found.f1) == (0.5, 0.5, 0.5)
    assert found.f05 == pytest.approx(0.5)
    assert found.median_latency == 2
    # penalty(2) with p = 1: -1 + 2 / (1 + e^-1)
    assert found.speed == pytest.approx(1 - (-1 + 2 / (1 + 2.718281828**-1)))
    assert found.pr_auc == pytest.approx((1 / 2) * 1 + (1 / 2) * (2 / 3))
    assert average_precision([(0.1, False)]) == 0.0


def test_the_baseline_on_the_synthetic_test_set() -> None:
    convs = read_conversations(DATA / "synthetic-test.xml")
    truth = read_truth(DATA / "synthetic-test-predators.txt")
    found = evaluate(convs, score_all(convs, LEXICON), truth)
    assert found.precision == 1.0 and found.recall >= 0.9 and found.pr_auc > 0.95
