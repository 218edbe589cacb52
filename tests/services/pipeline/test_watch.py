"""``brightline watch`` on a live HLS stream served over loopback.

ffmpeg plays unrelated video, then a clip of a listed video, then unrelated video
again, writing HLS segments in real time (``-re``); a tiny HTTP server on 127.0.0.1
serves them. The watcher must alert naming the list, the entry, the stream time and
the wall time. The delay from the publication of the first segment holding the
clip to the alert is printed (no wall-clock assertion; the goal is <= 5 s at 1 fps).
"""

from __future__ import annotations

import functools
import http.server
import io
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from brightline.core.actor import local_operator
from brightline.core.video.synth import Clip, write_video
from brightline.services import actions
from brightline.services.context import Services
from brightline.services.lists import ingest
from brightline.services.people import users
from brightline.services.pipeline.watch import Alert, Watcher, WatchOptions, watch_job
from brightline.services.review import items as review_items
from brightline.services.store import lists

SEGMENT_S = 2
BEFORE_S = 6


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/live.m3u8"


def _published(folder: Path, seen: dict[str, float], stop: threading.Event) -> None:
    while not stop.is_set():
        for p in folder.glob("*.ts"):
            seen.setdefault(p.name, time.time())
        time.sleep(0.05)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg command")
def test_alert_on_a_known_clip_in_a_live_hls_stream(
    svc: Services, videos: dict[str, Path], tmp_path: Path
) -> None:
    listed = tmp_path / "listed"
    listed.mkdir()
    shutil.copy(videos["known"], listed / "known-1.mp4")
    with svc.store.begin() as conn:
        lists.create_list(conn, "videos", "none", 31)
    ingest.import_file(svc.store, "videos", listed)

    source = write_video(
        tmp_path / "source.mp4",
        [Clip(images=(), seed=21), Clip(), Clip(images=(), seed=22)],
        seconds=[BEFORE_S, 8, 4],
    )
    live = tmp_path / "live"
    live.mkdir()
    httpd, url = _serve(live)
    seen: dict[str, float] = {}
    stop = threading.Event()
    threading.Thread(target=_published, args=(live, seen, stop), daemon=True).start()
    ffmpeg = subprocess.Popen(
        ["ffmpeg", "-loglevel", "error", "-re", "-i", str(source), "-c:v", "libx264",
         "-preset", "veryfast", "-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_S})",
         "-f", "hls", "-hls_time", str(SEGMENT_S), "-hls_list_size", "6",
         "-hls_flags", "delete_segments+temp_file", "-hls_segment_filename",
         str(live / "seg%03d.ts"), str(live / "live.m3u8")],
    )  # fmt: skip
    alerts: list[tuple[float, Alert]] = []
    try:
        deadline = time.time() + 30
        while not (live / "live.m3u8").exists() and time.time() < deadline:
            time.sleep(0.1)
        svc.matcher.refresh()
        watcher = Watcher(
            url,
            svc.matcher,
            ["videos"],
            WatchOptions(read_timeout_s=5, reconnect_max_s=2),
            lambda a: alerts.append((time.time(), a)),
        )
        runner = threading.Thread(target=watcher.run, daemon=True)
        runner.start()
        deadline = time.time() + 60
        while not alerts and time.time() < deadline:
            time.sleep(0.05)
        watcher.stop.set()
        runner.join(timeout=10)
    finally:
        stop.set()
        ffmpeg.terminate()
        ffmpeg.wait(timeout=10)
        httpd.shutdown()
    assert alerts, "no alert within 60 s"
    at, alert = alerts[0]
    assert alert.match.list_name == "videos" and alert.match.source_id == "known-1"
    assert alert.wall_time.tzinfo is not None
    first = f"seg{BEFORE_S // SEGMENT_S:03d}.ts"  # the first segment holding the clip
    delay = at - seen[first]
    print(f"\nwatch: alert {delay:.2f} s after {first} was published; stream time "
          f"{alert.stream_time:.1f} s")  # fmt: skip
    assert alert.stream_time >= BEFORE_S  # not before the clip started


def test_a_dead_source_is_retried_with_backoff_then_given_up(svc: Services) -> None:
    watcher = Watcher(
        "http://127.0.0.1:9/live.m3u8",
        svc.matcher,
        None,
        WatchOptions(read_timeout_s=1, reconnect_max_s=1, max_reconnects=2),
        lambda a: None,
    )
    stats = watcher.run()
    assert stats.reconnects == 3 and stats.frames == 0
    assert all(stats.errors)


def test_a_file_being_written_is_followed(
    svc: Services, videos: dict[str, Path], tmp_path: Path
) -> None:
    listed = tmp_path / "listed"
    listed.mkdir()
    shutil.copy(videos["known"], listed / "known-1.mp4")
    with svc.store.begin() as conn:
        lists.create_list(conn, "videos", "none", 31)
    ingest.import_file(svc.store, "videos", listed)
    svc.matcher.refresh()
    ts = write_video(
        tmp_path / "whole.ts", [Clip(images=(), seed=31), Clip(), Clip(images=(), seed=32)],
        seconds=[4, 6, 2],
    )  # fmt: skip
    data = ts.read_bytes()
    growing = tmp_path / "growing.ts"
    growing.write_bytes(data[: len(data) // 4])

    def writer() -> None:
        for i in range(2, 5):
            time.sleep(0.3)
            with open(growing, "ab") as fh:
                fh.write(data[(i - 1) * len(data) // 4 : i * len(data) // 4])

    threading.Thread(target=writer, daemon=True).start()
    alerts: list[Alert] = []
    watcher = Watcher(
        str(growing), svc.matcher, ["videos"], WatchOptions(follow_idle_s=2), alerts.append,
    )  # fmt: skip
    stats = watcher.run()
    assert stats.frames >= 10
    assert [a.match.source_id for a in alerts] == ["known-1"]
    assert 4 <= alerts[0].stream_time <= 10.5


def test_an_alert_on_a_review_list_puts_the_matching_frames_in_the_review_queue(
    svc: Services, videos: dict[str, Path], tmp_path: Path
) -> None:
    listed = tmp_path / "listed"
    listed.mkdir()
    shutil.copy(videos["known"], listed / "known-1.mp4")
    with svc.store.begin() as conn:
        lists.create_list(conn, "videos", "none", 31)
    ingest.import_file(svc.store, "videos", listed)
    actions.add_action(svc.store, "videos", "review")
    svc.matcher.refresh()
    stream = write_video(tmp_path / "stream.ts", [Clip(images=(), seed=41), Clip()], seconds=[2, 6])
    alerts: list[Alert] = []
    job = watch_job(svc.review_env(), local_operator(), str(stream), ["videos"])
    watcher = Watcher(
        str(stream), svc.matcher, ["videos"], WatchOptions(follow_idle_s=0.5), alerts.append,
        job=job,
    )  # fmt: skip
    watcher.run()
    job.finish()
    assert [a.match.source_id for a in alerts] == ["known-1"]
    users.create_user(svc.store, local_operator(), "ana", "analyst", "correct horse battery")
    analyst = users.get_user(svc.store, "ana").actor
    [item] = review_items.list_items(svc.review_env(), analyst)
    assert item["source"] == "match" and item["list"] == "videos"
    assert item["job_id"] == job.id and item["job_source"] == "watch"
    assert item["signals"]["media_type"] == "image/jpeg"  # the matching frames, one strip
    assert [m["source_id"] for m in item["matches"]] == ["known-1"]
    body, kind = review_items.media_preview(svc.review_env(), analyst, item["id"], False)
    assert kind == "image/jpeg"
    assert Image.open(io.BytesIO(body)).mode == "L"  # like any item: greyed (and blurred)
    [logged] = actions.match_log(svc.store)
    assert logged["job_id"] == job.id and logged["ref"] == f"watch:{stream.name}"
