"""``brightline chat score|train|eval`` on synthetic PAN 2012 files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brightline.adapters.cli.main import app

sys.path.insert(0, str(Path(__file__).parents[2] / "core" / "text"))
from chat_corpus import HARD_NEGATIVES, corpus

runner = CliRunner()


@pytest.fixture
def files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, Path]:
    monkeypatch.setenv("BRIGHTLINE_HOME", str(tmp_path / "home"))
    xml, predators = corpus(seed=21, grooming=8, ordinary=16)
    (tmp_path / "c.xml").write_text(xml)
    (tmp_path / "truth.txt").write_text("\n".join(predators) + "\n")
    return tmp_path / "c.xml", tmp_path / "truth.txt"


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_score_json_has_the_contract_shape(files: tuple[Path, Path], tmp_path: Path) -> None:
    code, out = run("chat", "score", str(files[0]), "--json")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 24
    for row in rows:
        assert set(row) == {"conversation", "risk", "participants", "warnings"}
        assert 0 <= row["risk"] <= 1 and row["risk"] == max(row["participants"].values())
        for w in row["warnings"]:
            assert set(w) == {"message", "author", "risk", "indicators"}
            assert all(set(i) == {"category", "messages"} for i in w["indicators"])
    truth = set(files[1].read_text().split())
    warned = {w["author"] for r in rows for w in r["warnings"]}
    assert warned and warned <= truth
    # JSON lines in, too: the hard negatives raise nothing.
    lines = [
        json.dumps({"conversation": f"h{n}", "author": a, "time": None, "text": t})
        for n, conv in enumerate(HARD_NEGATIVES)
        for a, t in conv
    ]
    (tmp_path / "h.jsonl").write_text("\n".join(lines) + "\n")
    code, out = run("chat", "score", str(tmp_path / "h.jsonl"), "--json")
    assert code == 0 and all(not json.loads(x)["warnings"] for x in out.splitlines())
    code, out = run("chat", "score", str(files[0]))
    assert code == 0 and "WARNING" in out


def test_eval_baseline_and_trained_model(files: tuple[Path, Path], tmp_path: Path) -> None:
    xml, truth = files  # type: ignore[assignment]
    code, out = run("chat", "eval", str(xml), "--truth", str(truth))
    assert code == 0
    for label in ("precision", "recall", "F0.5", "F1", "PR-AUC", "latency-weighted F1"):
        assert label in out
    xml, predators = corpus(seed=22, grooming=4, ordinary=6)  # small: the model is slow
    (tmp_path / "small.xml").write_text(xml)
    (tmp_path / "small.txt").write_text("\n".join(predators) + "\n")
    xml, truth = tmp_path / "small.xml", tmp_path / "small.txt"
    model = tmp_path / "chat.model"
    code, out = run("chat", "train", str(xml), "--truth", str(truth), "-o", str(model))
    assert code == 0 and "skops" in out and model.is_file()
    code, out = run(
        "chat", "eval", str(xml), "--truth", str(truth), "--model", str(model), "--json"
    )
    assert code == 0
    found = json.loads(out)
    assert found["pr_auc"] > 0.8 and 0 <= found["latency_f1"] <= found["f1"]


def test_bad_input_is_exit_2(files: tuple[Path, Path], tmp_path: Path) -> None:
    (tmp_path / "bad.xml").write_text("<conversations><oops>")
    assert run("chat", "score", str(tmp_path / "bad.xml"))[0] == 2
    assert run("chat", "eval", str(files[0]), "--truth", str(tmp_path / "none"))[0] == 2
    assert (
        run("chat", "eval", str(files[0]), "--truth", str(files[1]), "--model", str(files[1]))[0]
        == 2
    )
