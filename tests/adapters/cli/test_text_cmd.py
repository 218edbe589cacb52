"""``brightline match --text`` and URL/keyword list files: plain text and JSON lines,
standard input, exit codes, the match log; term files with ``--type keyword``, URL
files recognised, CSV with both, export (withdrawal: the API test)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brightline.adapters.cli.main import app
from brightline.services import actions
from brightline.services.context import open_services
from brightline.settings import Settings

runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Path:
    monkeypatch.setenv("BRIGHTLINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BRIGHTLINE_DATABASE_URL", database_url)
    return tmp_path


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


@pytest.fixture
def lists(env: Path) -> Path:
    terms = env / "terms.txt"
    terms.write_text("# placeholder terms\nSecret Plan\nurl shortener\n\nzebra\n")
    urls = env / "urls.txt"
    urls.write_text("http://example.com/a/page.html\n*.example.org/*\nhxxp://example[.]net/f/*\n")
    both = env / "both.csv"
    both.write_text(
        'signal_type,value,category\nurl,example.com/b/*,A1\nkeyword,"meet up, now",B1\n'
    )
    assert run("list", "create", "terms")[0] == 0
    code, out = run("list", "import", "terms", str(terms), "--type", "keyword")
    assert code == 0 and "3 new" in out
    assert run("list", "create", "links")[0] == 0
    code, out = run("list", "import", "links", str(urls))
    assert code == 0 and "3 new" in out, out
    assert run("list", "create", "mixed", "--scheme", "industry")[0] == 0
    code, out = run("list", "import", "mixed", str(both))
    assert code == 0 and "2 new" in out, out
    return env


def test_plain_text_is_one_document(lists: Path) -> None:
    doc = lists / "chat.txt"
    doc.write_text("our S3CR3T plan:\nsee www.example.org/x and example.com/b/c, meet up now")
    code, out = run("match", "--text", str(doc), "--json")
    assert code == 1
    [row] = [json.loads(line) for line in out.splitlines()]
    assert row["id"] == str(doc) and row["error"] is None
    text = doc.read_text()
    found = [(m["list"], m["value"], m["found"]) for m in row["matches"]]
    assert found == [
        ("terms", "secret plan", "S3CR3T plan"),
        ("links", "*.example.org/*", "www.example.org/x"),
        ("mixed", "example.com/b/*", "example.com/b/c"),
        ("mixed", "meet up, now", "meet up now"),
    ]
    assert all(text[m["span"][0] : m["span"][1]] == m["found"] for m in row["matches"])
    assert row["matches"][3]["category"] == "B1"
    code, out = run("match", "--text", str(doc), "--list", "links")
    assert code == 1 and "www.example.org/x" in out and "secret" not in out


def test_json_lines_from_standard_input(lists: Path) -> None:
    lines = [
        {"id": "m1", "text": "hxxp://example[.]net/f/g"},
        {"id": "m2", "text": "nothing here"},
    ]
    stdin = "\n".join(json.dumps(x) for x in lines) + "\nnot json\n"
    code, out = run("match", "--text", "-", "--json", stdin=stdin)
    assert code == 1
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["m1", "m2", "line 3"]
    assert rows[0]["matches"][0]["value"] == "example.net/f/*"
    assert rows[1]["matches"] == [] and rows[2]["error"]["code"] == "invalid_file"
    code, _ = run("match", "--text", "-", stdin='{"id": 1, "text": "a zebra crossing"}\n')
    assert code == 1
    code, _ = run("match", "--text", "-", stdin="nothing to see\n")
    assert code == 0
    svc = open_services(Settings())
    log = actions.match_log(svc.store, list_name="terms")
    assert {r["value"] for r in log} == {"zebra"}
    svc.close()


def test_export_keeps_provenance(lists: Path) -> None:
    code, out = run("list", "export", "terms")
    assert code == 0
    assert "keyword,secret plan" in out and "keyword,url shortener" in out
    assert "terms.txt" in out  # the source each entry came from
    code, out = run("list", "export", "links")
    assert code == 0 and "url,example.net/f/*" in out


def test_usage_errors(lists: Path) -> None:
    assert run("match", "--text", str(lists / "missing.txt"))[0] == 2
    assert run("match")[0] == 2
