"""``brightline audit verify|show``, and what the list commands now say and refuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update
from typer.testing import CliRunner

from brightline.adapters.cli.main import app
from brightline.services.store import Store
from brightline.services.store.tables import audit_head, audit_log
from brightline.settings import normalize_database_url

runner = CliRunner()
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Path:
    monkeypatch.setenv("BRIGHTLINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BRIGHTLINE_DATABASE_URL", database_url)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def store() -> Store:
    import os

    return Store(normalize_database_url(os.environ["BRIGHTLINE_DATABASE_URL"]))


def test_show_and_verify(env: Path) -> None:
    assert run("audit", "verify")[0] == 0  # an empty chain is intact
    hashes = env / "one.txt"
    hashes.write_text(f"md5 {MD5}\n")
    assert run("list", "create", "known")[0] == 0
    code, out = run("list", "import", "known", str(hashes))
    assert code == 0 and "Imported 1 hash into" in out
    assert run("keys", "create", "--role", "admin")[0] == 0
    code, out = run("audit", "show", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["action"] for r in rows] == ["key.create", "entries.import", "list.create"]
    assert rows[1]["details"]["file"] == str(hashes) and rows[1]["details"]["imported"] == 1
    assert all(r["actor"].startswith("operator:") for r in rows)
    code, out = run("audit", "show", "--json", "--action", "list.", "--limit", "5")
    assert [json.loads(line)["action"] for line in out.splitlines()] == ["list.create"]
    code, out = run("audit", "show", "--actor", rows[0]["actor"], "--limit", "1")
    assert code == 0 and "key.create" in out and "list.create" not in out
    code, out = run("audit", "verify")
    assert code == 0 and "intact (3 records)" in out


@pytest.mark.parametrize("tamper", ["edit", "delete", "insert"])
def test_verify_names_the_first_tampered_record(env: Path, tamper: str) -> None:
    for name in ("a", "b", "c", "d"):
        assert run("list", "create", name)[0] == 0
    s = store()
    with s.begin() as conn:
        if tamper == "edit":
            conn.execute(update(audit_log).where(audit_log.c.seq == 2).values(target="list:z"))
        elif tamper == "delete":
            conn.execute(delete(audit_log).where(audit_log.c.seq == 2))
        else:
            row = conn.execute(select(audit_log).where(audit_log.c.seq == 2)).one()._asdict()
            conn.execute(
                update(audit_log).where(audit_log.c.seq >= 2).values(seq=audit_log.c.seq + 10)
            )
            conn.execute(insert(audit_log).values(**{**row, "target": "list:forged"}))
    s.dispose()
    code, out = run("audit", "verify", "--json")
    assert code == 1
    broken = json.loads(out)["broken"]
    assert broken["seq"] == 2 or (tamper == "insert" and broken["seq"] in (2, 3))
    code, out = run("audit", "verify")
    assert code == 1 and "record 2" in out


def test_list_names_and_nul_are_refused_with_exit_2(env: Path) -> None:
    code, out = run("list", "create", "a/b")
    assert code == 2 and "letters" in out
    assert run("list", "create", "known")[0] == 0
    bad = env / "nul.csv"  # the NUL late in the file, past what the format sniffer reads
    rows = [f"{i:032x},fine" for i in range(3000)]
    bad.write_text("value,note\n" + "\n".join(rows) + f"\n{MD5},a\x00b\n")
    code, out = run("list", "import", "known", str(bad))
    assert code == 2 and "NUL" in out and "Traceback" not in out
    code, out = run("list", "import", "known", str(bad), "--source", "s\x00")
    assert code == 2 and "NUL" in out


def test_import_help_documents_the_csv_columns(env: Path) -> None:
    code, out = run("list", "import", "--help")
    assert code == 0
    for column in ("signal_type", "value", "category", "source_id", "note"):
        assert column in out


def test_checkpoint_then_verify_against_it(env: Path) -> None:
    for name in ("a", "b", "c", "d"):
        assert run("list", "create", name)[0] == 0
    saved = env / "checkpoint.json"
    code, out = run("audit", "checkpoint", "-o", str(saved))
    assert code == 0 and "record 4" in out
    made = json.loads(saved.read_text())
    assert {"seq", "digest", "made_at", "mac"} <= set(made) and made["keyed"] is True
    code, out = run("audit", "verify", "--against", str(saved))
    assert code == 0 and "holds the checkpoint" in out and "signed with the audit key" in out
    # Cut back to record 2 with the head reset: the chain alone still verifies.
    s = store()
    with s.begin() as conn:
        kept = conn.execute(select(audit_log).where(audit_log.c.seq == 2)).one()
        conn.execute(delete(audit_log).where(audit_log.c.seq > 2))
        conn.execute(update(audit_head).values(seq=2, digest=kept.digest))
    s.dispose()
    assert run("audit", "verify")[0] == 0
    code, out = run("audit", "verify", "--against", str(saved), "--json")
    assert code == 1 and json.loads(out)["broken"]["seq"] == 4
    # A checkpoint that was changed is not one to trust: the check cannot run.
    saved.write_text(json.dumps({**made, "seq": 2}))
    assert run("audit", "verify", "--against", str(saved))[0] == 2
    assert run("audit", "verify", "--against", str(env / "missing.json"))[0] == 2
