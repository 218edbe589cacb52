"""``brightline batch scan`` on a local Ray (2 CPUs, started once for the module) and
a local S3 server (moto's server mode on loopback): the same rows as ``brightline
match``, the job recorded, resuming after ``kill -9`` of the driver, a worker killed
mid-partition, objects that cannot be read."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from brightline.adapters.cli.main import app
from brightline.services.demo import jpeg, picture
from brightline.services.hashing import HashOptions, hash_path

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
runner = CliRunner()
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """One local Ray for the module; S3 credentials set first, so its workers have them."""
    import ray

    saved = {k: os.environ.get(k) for k in S3_ENV}
    os.environ.update(S3_ENV)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def s3_server(local_ray: None) -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> Path:
    monkeypatch.setenv("BRIGHTLINE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BRIGHTLINE_DATABASE_URL", database_url)
    return tmp_path


@pytest.fixture
def sqlite_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """SQLite only: the test ``make test`` runs (the slow ones run on both stores)."""
    monkeypatch.setenv("BRIGHTLINE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("BRIGHTLINE_DATABASE_URL", raising=False)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def make_folder(env: Path, count: int) -> Path:
    """``count`` benign pictures, one of them listed (by PDQ), and three bad files."""
    scan = env / "scan"
    (scan / "sub").mkdir(parents=True)
    for i in range(count):
        (scan / ("sub" if i % 3 else "") / f"p{i:04d}.jpg").write_bytes(jpeg(picture(i)))
    (scan / "empty.jpg").write_bytes(b"")
    (scan / "cut.jpg").write_bytes(jpeg(picture(10_000))[:400])
    (scan / "notes.txt").write_text("not a picture")
    signals = hash_path(scan / "p0000.jpg", HashOptions()).signals
    assert signals is not None and signals.pdq is not None
    (env / "l.txt").write_text(f"pdq {signals.pdq}\n")
    assert run("list", "create", "known")[0] == 0
    assert run("list", "import", "known", str(env / "l.txt"))[0] == 0
    return scan


def match_rows(*paths: str) -> dict[str, dict[str, Any]]:
    """``brightline match --json`` as batch rows, by path."""
    code, out = run("match", *paths, "--json")
    assert code in (0, 1, 3), out
    rows = {}
    for line in out.splitlines():
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        s = r["signals"] or {}
        rows[r["path"]] = {
            "size": s.get("size"),
            "md5": s.get("md5"),
            "sha1": s.get("sha1"),
            "sha256": s.get("sha256"),
            "media_type": s.get("media_type"),
            "pdq": s.get("pdq"),
            "pdq_quality": s.get("pdq_quality"),
            "error_code": r["error"]["code"] if r["error"] else None,
            "error_message": r["error"]["message"] if r["error"] else None,
            "matches": r["matches"],
        }
    return rows


def last_json(text: str) -> dict[str, Any]:
    """The summary ``--json`` printed (Ray may write lines of its own around it)."""
    lines = [line for line in text.splitlines() if line.startswith('{"files"')]
    assert lines, text
    return dict(json.loads(lines[-1]))


def batch_rows(out: Path) -> list[dict[str, Any]]:
    rows = pq.read_table(out).to_pylist()
    for r in rows:
        r["matches"] = json.loads(r["matches"])
        r.pop("vpdq", None)
    return rows


def by_path(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found = {r.pop("path"): r for r in rows}
    assert len(found) == len(rows), "a file has two rows"
    return found


def test_batch_scan_gives_the_rows_of_match_and_records_the_job(env: Path, local_ray: None) -> None:
    scan = make_folder(env, 12)
    out = env / "out"
    code, text = run("batch", "scan", str(scan), "--out", str(out), "--partition-size", "4")
    assert code == 1, text
    assert '{"files"' not in text  # the summary is for people without --json
    assert "15 files in 4 partitions: 1 matched, 3 could not be checked" in text
    got = by_path(batch_rows(out))
    assert got == match_rows(str(scan))
    matched = [r for r in got.values() if r["matches"]]
    assert len(matched) == 1 and matched[0]["matches"][0]["list"] == "known"
    assert {r["error_code"] for r in got.values()} == {
        None,
        "empty_file",
        "undecodable",
        "not_an_image",
    }
    assert len(list(out.glob("part-*.parquet"))) == 4
    # Resumed with nothing left: the same counts, nothing scanned again.
    code, text = run("batch", "scan", str(scan), "--out", str(out), "--partition-size", "4",
                     "--resume", "--json")  # fmt: skip
    assert code == 1
    assert last_json(text) | {"seconds": 0} == {
        "files": 15,
        "matched": 1,
        "errors": 3,
        "partitions": 4,
        "seconds": 0,
    }
    from brightline.services.context import open_services
    from brightline.settings import Settings

    svc = open_services(Settings())
    try:
        with svc.store.connect_events() as conn:
            jobs = conn.exec_driver_sql("SELECT kind, status FROM jobs").all()
            logged = conn.exec_driver_sql("SELECT count(*) FROM match_log").scalar_one()
    finally:
        svc.close()
    assert sorted(tuple(j) for j in jobs) == [("batch", "done"), ("scan", "done")]
    assert logged == 2  # match's and the batch's


@pytest.mark.slow
def test_an_s3_prefix_and_a_manifest_with_unreadable_objects(env: Path, s3_server: str) -> None:
    import boto3

    scan = make_folder(env, 6)
    s3 = boto3.client("s3", endpoint_url=s3_server)
    s3.create_bucket(Bucket="catalogue")
    local = {p.relative_to(scan).as_posix(): p for p in scan.rglob("*") if p.is_file()}
    for key, path in local.items():
        s3.upload_file(str(path), "catalogue", f"photos/{key}")
    s3.put_object(Bucket="catalogue", Key="photos/folder/", Body=b"")  # a placeholder
    out = env / "out"
    code, text = run("batch", "scan", "s3://catalogue/photos", "--out", str(out),
                     "--s3-endpoint-url", s3_server, "--json")  # fmt: skip
    assert code == 1, text
    assert last_json(text)["files"] == len(local)
    expected = match_rows(str(scan))
    got = by_path(batch_rows(out))
    assert {k.removeprefix("s3://catalogue/photos/"): v for k, v in got.items()} == {
        Path(k).relative_to(scan).as_posix(): v for k, v in expected.items()
    }
    # A manifest naming a missing object and one of another bucket: rows with errors.
    manifest = env / "m.txt"
    manifest.write_text(
        "s3://catalogue/photos/p0000.jpg\ns3://catalogue/gone.jpg\ns3://nobucket/x\n"
    )
    out2 = env / "out2"
    code, text = run("batch", "scan", str(manifest), "--out", str(out2),
                     "--s3-endpoint-url", s3_server, "--json")  # fmt: skip
    assert code == 1, text
    rows = by_path(batch_rows(out2))
    assert rows["s3://catalogue/photos/p0000.jpg"]["matches"]
    for uri in ("s3://catalogue/gone.jpg", "s3://nobucket/x"):
        assert rows[uri]["error_code"] == "unreadable"
        assert "NoSuch" in rows[uri]["error_message"]


def _driver(env: Path, scan: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "brightline.adapters.cli.main", "batch", "scan", str(scan)]
    cmd += ["--out", str(out), "--partition-size", "5", "--workers", "2", *extra]
    return subprocess.Popen(cmd, env=dict(os.environ), start_new_session=True)


@pytest.mark.slow
def test_resume_after_kill_9_of_the_driver_gives_the_same_rows_once(
    env: Path, local_ray: None
) -> None:
    scan = make_folder(env, 60)
    out = env / "out"
    driver = _driver(env, scan, out)
    try:
        deadline = time.monotonic() + 120
        while len(list(out.glob("part-*.parquet"))) < 2:
            assert driver.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.1)
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait()
    finally:
        _kill_group(driver)
    done = len(list(out.glob("part-*.parquet")))
    assert 2 <= done < 13
    assert not list(out.glob(".*.tmp")) or True  # a torn temp file is never read
    code, text = run("batch", "scan", str(scan), "--out", str(out), "--partition-size", "5",
                     "--resume", "--json")  # fmt: skip
    assert code == 1, text
    assert last_json(text)["files"] == 63
    assert by_path(batch_rows(out)) == match_rows(str(scan))


@pytest.mark.slow
def test_a_worker_killed_mid_partition_costs_no_rows(env: Path, local_ray: None) -> None:
    scan = make_folder(env, 60)
    out = env / "out"
    outcome: dict[str, Any] = {}

    def batch() -> None:
        outcome["result"] = run("batch", "scan", str(scan), "--out", str(out),
                                "--partition-size", "5", "--json")  # fmt: skip

    thread = threading.Thread(target=batch)
    thread.start()
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and thread.is_alive() and time.monotonic() < deadline:
        workers = [p for p in psutil.process_iter(["cmdline"]) if _is_scanner(p)]
        if workers and list(out.glob("part-*.parquet")):
            killed = workers[0].pid
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.05)
    thread.join(timeout=300)
    assert killed is not None, "no worker was seen to kill"
    code, text = outcome["result"]
    assert code == 1, text
    assert last_json(text)["files"] == 63
    assert by_path(batch_rows(out)) == match_rows(str(scan))


def _is_scanner(process: psutil.Process) -> bool:
    cmdline = " ".join(process.info.get("cmdline") or [])
    return "RayScanner" in cmdline


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


def test_batch_runs_the_lists_actions_through_its_job(env: Path, local_ray: None) -> None:
    """A list with a review action: the batch's job keeps the matched file for review
    (opened again by the driver), recorded as coming from the batch job."""
    scan = make_folder(env, 3)
    from brightline.services import actions
    from brightline.services.context import open_services
    from brightline.settings import Settings

    svc = open_services(Settings())
    try:
        actions.add_action(svc.store, "known", "review")
    finally:
        svc.close()
    code, text = run("batch", "scan", str(scan), "--out", str(env / "out"))
    assert code == 1, text
    svc = open_services(Settings())
    try:
        with svc.store.connect() as conn:
            kept = conn.exec_driver_sql("SELECT job_kind, filename FROM review_items").all()
    finally:
        svc.close()
    assert [tuple(r) for r in kept] == [("batch", "p0000.jpg")]
