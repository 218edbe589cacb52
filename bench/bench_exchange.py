"""Fetching and applying NCMEC hash-sharing entries from the local stand-in
(``brightline.testing.exchange_servers``, 1,000 entries a page): entries/s, and the
time from the end of the fetch until the fetched hashes match.

Anchor, measured in the same run against the same server: python-threatexchange's
``NCMECHashAPI.get_entries_iter`` (pytx 1.2.17, when installed) writing each page's
signals into HMA-style storage (a SQLite table of bank content signals, one
transaction per page), keeping only what pytx's NCMEC exchange keeps (video MD5,
image PDQ and PDNA). Brightline keeps every fingerprint (MD5, SHA-1, PDQ, PhotoDNA),
provenance per entry, and a resumable checkpoint per page.

    .venv/bin/python bench/bench_exchange.py [--n 1000000] [--smoke]

``--smoke``: the same path at a tiny size (``make bench-smoke``); figures mean nothing.
The anchor is skipped, with a note, when python-threatexchange is not installed.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from brightline.services import lists
from brightline.services.context import open_services
from brightline.services.exchanges import service
from brightline.services.exchanges.service import ExchangeEnv
from brightline.services.lists.matching import Matcher, Query
from brightline.settings import Settings
from brightline.testing.exchange_servers import NcmecHashServer, made_up_entries


def ours(server: NcmecHashServer, home: Path) -> tuple[float, float, dict[str, object]]:
    settings = Settings(home=home)
    svc = open_services(settings)
    lists.create_list(svc.store, "ncmec", "industry")
    env = ExchangeEnv(svc.store, settings)
    service.add_exchange(env, "nc", "ncmec", "ncmec", url=server.url, credentials="user:secret")
    matcher = Matcher(svc.store, None).open()  # a server's matcher, open before the fetch
    started = time.perf_counter()
    result = service.fetch(env, "nc")
    fetched = time.perf_counter() - started
    if not result.get("ok"):
        raise SystemExit(f"the fetch did not finish: {result}")
    last = server.window(0, int(result["checkpoint"]["to"]))[-1]  # type: ignore[index]
    probe = [Query("pdq", last.fingerprints.get("pdq", "0" * 64))]
    if "pdq" not in last.fingerprints:
        probe = [Query("md5", last.fingerprints["md5"])]
    mark = time.perf_counter()
    matcher.refresh(save=False)
    assert matcher.match(probe)[0], "the last fetched entry does not match"
    to_match = time.perf_counter() - mark
    svc.close()
    return fetched, to_match, result


def anchor(server: NcmecHashServer, home: Path) -> float | None:
    try:
        from threatexchange.exchanges.clients.ncmec import hash_api
    except ImportError:
        return None
    api = hash_api.NCMECHashAPI("user", "secret", hash_api.NCMECEnvironment.test_Industry)
    api._base_url = server.url  # its environments are fixed URLs: point it at the stand-in
    db = sqlite3.connect(home / "hma.db")
    db.execute(
        "CREATE TABLE bank_content_signal (bank_content_id TEXT, signal_type TEXT, "
        "signal_val TEXT, UNIQUE (signal_type, signal_val, bank_content_id))"
    )
    keep = {("video", "md5"), ("image", "pdq"), ("image", "pdna")}
    started = time.perf_counter()
    end = int(datetime.now(UTC).timestamp())
    for page in api.get_entries_iter(start_timestamp=0, end_timestamp=end):
        rows = [
            (f"{u.member_id}-{u.id}", k, v)
            for u in page.updates
            if not u.deleted
            for k, v in u.fingerprints.items()
            if (u.entry_type.value, k) in keep
        ]
        with db:
            db.executemany("INSERT OR REPLACE INTO bank_content_signal VALUES (?, ?, ?)", rows)
    took = time.perf_counter() - started
    db.close()
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, to check the script runs")
    args = parser.parse_args()
    if args.smoke:
        args.n = 2_500  # three pages, the last one short
    server = NcmecHashServer(made_up_entries(args.n), page_size=1000).start()
    server.window(0, int(datetime.now(UTC).timestamp()))  # build the stand-in's pages first
    try:
        with tempfile.TemporaryDirectory() as tmp:
            took_anchor = anchor(server, Path(tmp))
        with tempfile.TemporaryDirectory() as tmp:
            fetched, to_match, result = ours(server, Path(tmp))
    finally:
        server.stop()
    print(f"entries: {args.n:,} (1,000 a page); result: {result}")
    print(f"brightline: {fetched:.1f} s, {args.n / fetched:,.0f} entries/s; "
          f"last entry matchable {to_match:.2f} s after the fetch ended")  # fmt: skip
    if took_anchor is None:
        print(
            "anchor: skipped, python-threatexchange is not installed (pip install threatexchange)"
        )
    else:
        rate = args.n / took_anchor
        print(f"anchor (pytx fetch into HMA-style storage): {took_anchor:.1f} s, "
              f"{rate:,.0f} entries/s; ratio {took_anchor / fetched:.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
