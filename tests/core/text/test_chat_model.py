"""The trainable model: it learns from labelled conversations, saves without pickle
(skops) or with a checked digest (joblib), and refuses files it cannot trust."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from brightline.core.text.chat import model
from brightline.core.text.chat.conversation import Message, read_conversations
from brightline.core.text.chat.evaluate import evaluate
from brightline.core.text.chat.indicators import Lexicon
from brightline.core.text.chat.scoring import ConversationScorer, score_all
from brightline.errors import ModelFileError, UsageError

from .chat_corpus import corpus


def _data(tmp_path: Path, seed: int, g: int, o: int) -> tuple[list, set[str]]:  # type: ignore[type-arg]
    xml, predators = corpus(seed, g, o)
    path = tmp_path / f"c{seed}.xml"
    path.write_text(xml)
    return read_conversations(path), set(predators)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> model.ChatModel:
    convs, truth = _data(tmp_path_factory.mktemp("m"), 11, 10, 20)
    return model.train(convs, truth)


def test_it_learns_the_synthetic_set(trained: model.ChatModel, tmp_path: Path) -> None:
    convs, truth = _data(tmp_path, 12, 6, 12)
    found = evaluate(convs, score_all(convs, model=trained), truth)
    assert found.pr_auc > 0.8 and found.recall > 0.5


@dataclass
class _JoinedText:
    """The old way: the author's whole text so far scored again on each message."""

    model: model.ChatModel

    def score(self, text: str) -> float:
        return self.model.score(text)


def test_running_features_score_as_the_joined_text(
    trained: model.ChatModel, tmp_path: Path
) -> None:
    convs, _ = _data(tmp_path, 13, 3, 4)
    first = convs[0].messages[0].author  # a message with no words between two
    convs[0].messages[1:1] = [Message(first, "!!! ..."), Message(first, "Ok OK ok")]
    for conv in convs:
        running = ConversationScorer(Lexicon(), model=trained)
        joined = ConversationScorer(Lexicon(), model=_JoinedText(trained))
        for m in conv.messages:
            a, b = running.add(m.author, m.text), joined.add(m.author, m.text)
            assert a.author_risk == pytest.approx(b.author_risk, rel=1e-9, abs=1e-12)
            assert a.risk == pytest.approx(b.risk, rel=1e-9, abs=1e-12)
        assert all(not s.text and s.features is not None for s in running.authors.values())
        assert all(s.features is None for s in joined.authors.values())


def test_skops_round_trip(trained: model.ChatModel, tmp_path: Path) -> None:
    path = tmp_path / "m.skops"
    assert model.save(trained, path) == "skops"
    again = model.load(path)
    text = "don't tell anyone, add me on snapchat"
    assert again.score(text) == pytest.approx(trained.score(text))


def test_joblib_with_its_digest(
    trained: model.ChatModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "skops.io", None)  # as if skops were not installed
    path = tmp_path / "m.joblib"
    assert model.save(trained, path) == "joblib+sha256"
    assert model.load(path).score("hello") == pytest.approx(trained.score("hello"))
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ModelFileError, match="digest"):
        model.load(path)
    (tmp_path / "m.joblib.sha256").unlink()
    with pytest.raises(ModelFileError, match="refusing"):
        model.load(path)


def test_files_that_are_not_models(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError):
        model.load(tmp_path / "missing")
    junk = tmp_path / "junk.skops"
    junk.write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(ModelFileError):
        model.load(junk)


def test_training_needs_both_classes(tmp_path: Path) -> None:
    convs, _ = _data(tmp_path, 13, 1, 3)
    with pytest.raises(UsageError):
        model.train(convs, set())
