"""Statistics from rollups against a plain GROUP BY over the events, and what
recording events costs on the match path.

1. ``report``: N events (default 10 M) spread over 2026, generated with NumPy and
   loaded straight into ``stats_events`` and ``stats_rollup`` in bulk (SQLite
   ``executemany``, PostgreSQL ``COPY``); then a monthly report by list and category
   for the year through ``services.stats.report.figures`` (the rollups) against the
   anchor, ``SELECT month, kind, list, category, sum(count) … GROUP BY`` over the
   event table, in the same run. Also the same report in Europe/London (periods off
   UTC months: days and quarter-hours are read). Goal: ≤ 100 ms and ≥ 50× the anchor.
2. ``record``: ``Job.record`` of one matched upload at a time (the API's upload
   path: job, item, signals, match, match log), with the event stream on and off
   (emit replaced by a no-op), in alternating blocks in the same run; ``upload``: the
   same around whole ``POST /v1/match`` requests to a real server on loopback.

    PYTHONPATH=src python bench/bench_stats.py report [EVENTS] [--pg URL] [--no-sqlite]
    PYTHONPATH=src python bench/bench_stats.py record [UPLOADS]
    PYTHONPATH=src python bench/bench_stats.py upload [UPLOADS]
    PYTHONPATH=src python bench/bench_stats.py --smoke [--pg URL]

``--smoke`` runs all three at a tiny size (``make bench-smoke``; PostgreSQL only with
``--pg``); its figures mean nothing.
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text

from brightline.services.stats import report
from brightline.services.store import Store
from brightline.services.store.stats import DIMENSIONS

YEAR_START = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
YEAR_S = 365 * 86400
LISTS = ["iwf", "ncmec", "nca-cait", "industry", "local", "partner-a", "partner-b", "review"]
CATEGORIES = ["A", "B", "C", "A1", "A2", "B1"]
SIGNALS = ["md5", "sha1", "sha256", "pdq"]
SOURCES = ["scan", "upload", "case", "stream"]
CONTENT = ["photo", "video", "file"]
KINDS = ["item", "hash", "match", "action", "review", "report"]
KIND_P = [0.55, 0.30, 0.10, 0.02, 0.02, 0.01]


def generate(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    """Columns of N events (codes into the name lists; -1: absent)."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(len(KINDS), n, p=KIND_P).astype(np.int8)
    at = np.sort(YEAR_START + rng.integers(0, YEAR_S, n))
    cols = {"kind": kind, "at": at}
    none = np.full(n, -1, np.int8)
    lst = rng.choice(len(LISTS), n, p=[0.3, 0.2, 0.15, 0.1, 0.1, 0.05, 0.05, 0.05])
    cat = (lst % 3 + rng.integers(0, 2, n)).astype(np.int8)  # each list: two or three
    sig = rng.choice(len(SIGNALS), n, p=[0.4, 0.05, 0.15, 0.4]).astype(np.int8)
    is_match = kind == 2
    cols["list_name"] = np.where(is_match | (kind >= 3), lst, none)
    cols["category"] = np.where(is_match | (kind == 4), cat, none)
    cols["signal_type"] = np.where(is_match | (kind == 1), sig, none)
    cols["method"] = np.where(is_match, (sig == 3).astype(np.int8), none)  # 0 exact, 1 perc.
    cols["source"] = np.where(kind <= 2, rng.choice(4, n, p=[0.3, 0.5, 0.15, 0.05]), none)
    cols["content_type"] = np.where(kind <= 2, rng.choice(3, n, p=[0.8, 0.1, 0.1]), none)
    cols["outcome"] = np.where(kind == 0, rng.choice(3, n, p=[0.9, 0.07, 0.03]), none)
    cols["destination"] = np.where(kind == 5, rng.integers(0, 2, n), none)
    return {k: np.asarray(v, dtype=np.int64) for k, v in cols.items()}


NAMES: dict[str, list[str]] = {
    "kind": KINDS,
    "list_name": LISTS,
    "category": CATEGORIES,
    "signal_type": SIGNALS,
    "method": ["exact", "perceptual"],
    "source": SOURCES,
    "content_type": CONTENT,
    "outcome": ["unmatched", "matched", "error"],
    "destination": ["ncmec", "nca"],
}


def rollup_rows(cols: dict[str, np.ndarray]) -> list[tuple[Any, ...]]:
    """The three levels' cells, grouped with NumPy (what emit would have upserted)."""
    at = cols["at"]
    months = np.array([int(datetime(2026, m, 1, tzinfo=UTC).timestamp()) for m in range(1, 13)])
    starts = {
        "q": at - at % 900,
        "d": at - at % 86400,
        "m": months[np.searchsorted(months, at, side="right") - 1],
    }
    dims = ["kind", *DIMENSIONS]
    out: list[tuple[Any, ...]] = []
    for level, start in starts.items():
        keys = np.stack([start] + [cols[d] + 1 for d in dims], axis=1)
        uniq, counts = np.unique(keys, axis=0, return_counts=True)
        for row, count in zip(uniq.tolist(), counts.tolist(), strict=True):
            names = [NAMES[d][v - 1] if v else "" for d, v in zip(dims, row[1:], strict=True)]
            out.append((level, row[0], *names, count))
    return out


def event_rows(cols: dict[str, np.ndarray], lo: int, hi: int) -> list[tuple[Any, ...]]:
    dims = list(DIMENSIONS)
    out = []
    ats = cols["at"][lo:hi].tolist()
    coded = {d: cols[d][lo:hi].tolist() for d in ["kind", *dims]}
    for i, t in enumerate(ats):
        when = datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S.000000")
        names = [NAMES[d][coded[d][i]] if coded[d][i] >= 0 else None for d in dims]
        out.append((NAMES["kind"][coded["kind"][i]], when, None, *names, None, 1))
    return out


EVENT_COLS = ["kind", "at", "actor", *DIMENSIONS, "ids", "count"]
ROLLUP_COLS = ["level", "start", "kind", *DIMENSIONS, "count"]


def load(store: Store, cols: dict[str, np.ndarray]) -> tuple[float, int]:
    started = time.perf_counter()
    n = len(cols["at"])
    rollups = rollup_rows(cols)
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        if store.dialect == "sqlite":
            cur.execute("PRAGMA synchronous=OFF")
            marks = ",".join("?" * len(EVENT_COLS))
            for lo in range(0, n, 200_000):
                cur.executemany(
                    f"INSERT INTO stats_events ({','.join(EVENT_COLS)}) VALUES ({marks})",
                    event_rows(cols, lo, min(n, lo + 200_000)),
                )
            marks = ",".join("?" * len(ROLLUP_COLS))
            cur.executemany(
                f"INSERT INTO stats_rollup ({','.join(ROLLUP_COLS)}) VALUES ({marks})", rollups
            )
        else:
            for lo in range(0, n, 500_000):
                _copy(cur, "stats_events", EVENT_COLS, event_rows(cols, lo, min(n, lo + 500_000)))
            _copy(cur, "stats_rollup", ROLLUP_COLS, rollups)
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - started, len(rollups)


def _copy(cur: Any, table: str, names: list[str], rows: list[tuple[Any, ...]]) -> None:
    buf = io.StringIO()
    for row in rows:
        buf.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    with cur.copy(f"COPY {table} ({','.join(names)}) FROM STDIN") as copy:
        copy.write(buf.getvalue())


def anchor(store: Store) -> Callable[[], int]:
    month = "strftime('%Y-%m', at)" if store.dialect == "sqlite" else "date_trunc('month', at)"
    sql = text(
        f"SELECT {month} AS m, kind, list_name, category, sum(count) FROM stats_events "
        "WHERE at >= :lo AND at < :hi GROUP BY 1, 2, 3, 4"
    )
    lo, hi = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    if store.dialect == "sqlite":
        lo_s, hi_s = "2026-01-01 00:00:00.000000", "2027-01-01 00:00:00.000000"
        params: dict[str, Any] = {"lo": lo_s, "hi": hi_s}
    else:
        params = {"lo": lo, "hi": hi}

    def run() -> int:
        with store.connect() as conn:
            return len(conn.execute(sql, params).all())

    return run


def ours(store: Store, tz: str) -> Callable[[], int]:
    q = report.make_query("2026-01-01", "2026-12-31", "month", ["list", "category"], tz)

    def run() -> int:
        return len(report.figures(store, q).cells)

    return run


def timed(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def bench_report(n: int, url: str) -> None:
    store = Store(url)
    store.migrate()
    cols = generate(n)
    seconds, rollups = load(store, cols)
    print(f"{store.dialect}: loaded {n:,} events and {rollups:,} rollup rows in {seconds:.0f} s")
    base, base_rows = timed(anchor(store), 3)
    mine, rows = timed(ours(store, "UTC"), 7)
    london, _ = timed(ours(store, "Europe/London"), 5)
    print(f"  anchor GROUP BY over events : {base * 1000:9.1f} ms ({base_rows} groups)")
    print(
        f"  rollups, UTC months         : {mine * 1000:9.1f} ms ({rows} cells)  {base / mine:,.0f}x"
    )
    print(f"  rollups, Europe/London      : {london * 1000:9.1f} ms  {base / london:,.0f}x")
    store.dispose()


def bench_record(uploads: int) -> None:
    from brightline.core.actor import local_operator
    from brightline.core.models import FileSignals, Match, ScanResult
    from brightline.services.pipeline.job import Job
    from brightline.services.review.env import ReviewEnv
    from brightline.services.stats import hooks
    from brightline.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{Path(tmp) / 'b.db'}")
        store.migrate()
        signals = FileSignals.of(
            md5="0" * 32,
            sha1="1" * 40,
            sha256="2" * 64,
            size=1000,
            media_type="image/jpeg",
            pdq="f" * 64,
            pdq_quality=90,
        )
        match = Match("iwf", 1, 7, "md5", "0" * 32, 0, "A", "uk", "hashes.csv", None)
        result = ScanResult("<upload>", signals, [match])
        real_results, real_job = hooks.results, hooks.job
        env = ReviewEnv(store, Settings())

        def one(on: bool) -> float:
            hooks.results = real_results if on else (lambda *a, **k: None)  # type: ignore[assignment]
            hooks.job = real_job if on else (lambda *a, **k: None)  # type: ignore[assignment]
            rec = Job(env, local_operator(), "upload", run_actions=False)
            started = time.perf_counter()
            rec.record([result])
            return time.perf_counter() - started

        on: list[float] = []
        off: list[float] = []
        for i in range(uploads):
            events_on = (i // 100) % 2 == 1  # blocks of 100
            (on if events_on else off).append(one(events_on))
        hooks.results, hooks.job = real_results, real_job
        m_on, m_off = statistics.median(on), statistics.median(off)
        print(
            f"record one matched upload (SQLite, two files): events off {m_off * 1e6:.0f} µs, "
            f"on {m_on * 1e6:.0f} µs (+{(m_on - m_off) * 1e6:.0f} µs, "
            f"{m_on / m_off:.2f}x)"
        )
        store.dispose()


def bench_upload(uploads: int) -> None:
    """POST /v1/match of a small JPEG to a real server on loopback (one worker, in
    this process), in blocks with the event stream on and off."""
    import httpx

    from brightline.adapters.api import create_app
    from brightline.adapters.api.testing import serve_in_thread
    from brightline.services.context import open_services
    from brightline.services.demo import jpeg, picture
    from brightline.services.people import auth
    from brightline.services.stats import hooks
    from brightline.settings import Settings

    real_results, real_job = hooks.results, hooks.job
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp))
        svc = open_services(settings)
        token = auth.create_key(svc.store, "scanner", "bench")[1]
        svc.close()
        body = jpeg(picture(3))
        with (
            serve_in_thread(create_app(settings)) as url,
            httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as c,
        ):
            while c.get("/health/ready").status_code != 200:
                time.sleep(0.05)
            on: list[float] = []
            off: list[float] = []
            for block in range(10):
                events_on = block % 2 == 1
                hooks.results = real_results if events_on else (lambda *a, **k: None)  # type: ignore[assignment]
                hooks.job = real_job if events_on else (lambda *a, **k: None)  # type: ignore[assignment]
                for _ in range(uploads // 10):
                    started = time.perf_counter()
                    assert c.post("/v1/match", content=body).status_code == 200
                    (on if events_on else off).append(time.perf_counter() - started)
        hooks.results, hooks.job = real_results, real_job
    m_on, m_off = statistics.median(on), statistics.median(off)
    print(
        f"POST /v1/match (640x480 JPEG, SQLite): events off {m_off * 1000:.2f} ms, "
        f"on {m_on * 1000:.2f} ms ({(m_on / m_off - 1) * 100:+.1f}%)"
    )


def main() -> None:
    args = sys.argv[1:]
    if "--smoke" in args:
        pg = args[args.index("--pg") + 1] if "--pg" in args else None
        smoke(pg)
        return
    what = args[0] if args else "report"
    if what == "record":
        bench_record(int(args[1]) if len(args) > 1 else 2000)
        return
    if what == "upload":
        bench_upload(int(args[1]) if len(args) > 1 else 1000)
        return
    n = int(args[1]) if len(args) > 1 and not args[1].startswith("--") else 10_000_000
    pg = args[args.index("--pg") + 1] if "--pg" in args else None
    if "--no-sqlite" not in args:
        with tempfile.TemporaryDirectory() as tmp:
            bench_report(n, f"sqlite:///{Path(tmp) / 'stats.db'}")
    if pg:
        from brightline.services.store.testing import temporary_database

        with temporary_database(Path(tempfile.gettempdir()), pg) as url:
            bench_report(n, url)


def smoke(pg: str | None) -> None:
    """Every part at a tiny size: report, record (two blocks), upload (ten blocks)."""
    with tempfile.TemporaryDirectory() as tmp:
        bench_report(20_000, f"sqlite:///{Path(tmp) / 'stats.db'}")
    if pg:
        from brightline.services.store.testing import temporary_database

        with temporary_database(Path(tempfile.gettempdir()), pg) as url:
            bench_report(20_000, url)
    bench_record(200)
    bench_upload(20)


if __name__ == "__main__":
    main()
