"""Video entries end to end: import (folder, vpdq files, pytx), export, matching of
changed copies with shares and ranges, video frames against image lists and back,
the change feed, per-list thresholds."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest

from brightline.core.actor import local_operator
from brightline.core.models import Match, ScanResult
from brightline.core.signals import vpdq
from brightline.core.video.compare import brute_pairs, compare
from brightline.core.video.synth import Clip, pictures
from brightline.services.context import Services
from brightline.services.hashing import HashOptions, hash_path
from brightline.services.lists import ingest
from brightline.services.lists.video_ingest import export_vpdq_folder
from brightline.services.pipeline.match import match_results
from brightline.services.store import lists
from brightline.services.store.entries import delete_entry, iter_entries, set_entry_state
from brightline.services.video import lists as video_lists


def _list(svc: Services, name: str = "videos") -> None:
    with svc.store.begin() as conn:
        lists.create_list(conn, name, "none", 31)


def _import_known(svc: Services, videos: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "listed"
    folder.mkdir()
    shutil.copy(videos["known"], folder / "known-1.mp4")
    _list(svc)
    report = ingest.import_file(svc.store, "videos", folder)
    assert report.imported == 1


def _match(svc: Services, path: Path) -> ScanResult:
    result = hash_path(path, HashOptions())
    svc.matcher.refresh()
    match_results([result], svc.matcher, None)
    return result


def _video_matches(result: ScanResult) -> list[Match]:
    return [m for m in result.matches if m.signal_type == "vpdq"]


def _close(a: list[float], b: list[float], tol: float = 1.01) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize(
    ("name", "query", "listed"),
    [
        ("known", [0, 15], [0, 15]),
        ("reencoded", [0, 15], [0, 15]),
        ("mpeg4", [0, 15], [0, 15]),
        ("resized", [0, 15], [0, 15]),
        ("cropped", [0, 15], [0, 15]),
        ("trimmed", [0, 7], [4, 11]),
        ("embedded", [10, 25], [0, 15]),
        ("concatenated", [0, 15], [0, 15]),
    ],
)
def test_changed_copies_match_with_their_ranges(
    svc: Services, videos: dict[str, Path], tmp_path: Path, name: str, query: list[float],
    listed: list[float],
) -> None:  # fmt: skip
    _import_known(svc, videos, tmp_path)
    (m,) = _video_matches(_match(svc, videos[name]))
    assert m.list_name == "videos" and m.source_id == "known-1"
    extra = m.extra or {}
    assert set(extra) >= {"query_share", "listed_share", "ranges"}
    ranges = extra["ranges"]
    assert isinstance(ranges, list)
    best = max(ranges, key=lambda r: r["query"][1] - r["query"][0])
    # The last two cropped frames are 34-36 bits off; with the loop filter skipped (the
    # default since issue 20) so are the last two of the resized copy.
    tol = 2.5 if name in ("cropped", "resized") else 1.5
    assert _close(best["query"], query, tol) and _close(best["listed"], listed, tol), ranges
    assert m.as_dict()["query_share"] == extra["query_share"]


def test_unrelated_video_does_not_match(
    svc: Services, videos: dict[str, Path], tmp_path: Path
) -> None:
    _import_known(svc, videos, tmp_path)
    assert _match(svc, videos["unrelated"]).matches == []


def test_index_answers_as_brute_force(
    svc: Services, videos: dict[str, Path], tmp_path: Path
) -> None:
    _import_known(svc, videos, tmp_path)
    listed = hash_path(videos["known"], HashOptions()).signals
    assert listed is not None and listed.vpdq
    for name in ("embedded", "trimmed", "resized", "unrelated"):
        s = hash_path(videos[name], HashOptions()).signals
        assert s is not None and s.vpdq
        oracle = compare(s.vpdq, listed.vpdq, brute_pairs(s.vpdq, listed.vpdq, 31))
        found = _video_matches(_match(svc, videos[name]))
        if oracle.query_share >= 0.8 or oracle.listed_share >= 0.8:
            (m,) = found
            assert m.extra and m.extra["query_share"] == round(oracle.query_share, 4)
            assert m.extra["listed_share"] == round(oracle.listed_share, 4)
            assert m.extra["ranges"] == oracle.ranges
        else:
            assert found == []


def test_md5_kept_and_folder_of_vpdq_files(
    svc: Services, videos: dict[str, Path], tmp_path: Path
) -> None:
    _import_known(svc, videos, tmp_path)
    out = tmp_path / "out"
    assert export_vpdq_folder(svc.store, "videos", out) == 1
    (written,) = out.iterdir()
    assert written.name == "known-1.txt"
    _list(svc, "again")
    report = ingest.import_file(svc.store, "again", out)
    assert report.imported == 1
    with svc.store.connect() as conn:
        a = [e for e in iter_entries(conn, lists.get_list(conn, "videos").id)]
        b = [e for e in iter_entries(conn, lists.get_list(conn, "again").id)]
    assert a[0].value == b[0].value and b[0].source_id == "known-1"


@pytest.mark.parametrize("fmt", ["csv", "pytx"])
def test_export_and_reimport(
    svc: Services, videos: dict[str, Path], tmp_path: Path, fmt: str
) -> None:
    _import_known(svc, videos, tmp_path)
    buf = io.StringIO()
    ingest.export_list(svc.store, "videos", fmt, buf)
    assert "vpdq" in buf.getvalue()
    _list(svc, "copy")
    report = ingest.import_stream(
        svc.store, "copy", io.BytesIO(buf.getvalue().encode()), source_name="export"
    )
    assert report.imported == 1
    found = _video_matches(_match(svc, videos["trimmed"]))
    assert {m.list_name for m in found} == {"videos", "copy"}


def test_deleted_and_disabled_videos_stop_matching(
    svc: Services, videos: dict[str, Path], tmp_path: Path
) -> None:
    _import_known(svc, videos, tmp_path)
    assert _video_matches(_match(svc, videos["known"]))
    with svc.store.connect() as conn:
        (entry,) = list(iter_entries(conn, lists.get_list(conn, "videos").id))
    with svc.store.begin() as conn:
        set_entry_state(conn, entry.id, enabled=False)
    assert not _video_matches(_match(svc, videos["known"]))
    with svc.store.begin() as conn:
        set_entry_state(conn, entry.id, enabled=True)
    assert _video_matches(_match(svc, videos["known"]))
    with svc.store.begin() as conn:
        delete_entry(conn, entry.id)
    assert not _video_matches(_match(svc, videos["known"]))
    assert svc.matcher.index_size("vpdq") == 0


def test_per_list_shares(svc: Services, videos: dict[str, Path], tmp_path: Path) -> None:
    _import_known(svc, videos, tmp_path)
    assert _video_matches(_match(svc, videos["trimmed"]))  # query share 1.0
    video_lists.set_thresholds(svc.store, local_operator(), "videos", 1.0, 1.0, defaults=(0.8, 0.8))
    assert _video_matches(_match(svc, videos["known"]))
    video_lists.set_thresholds(
        svc.store, local_operator(), "videos", 1.0, 0.99, defaults=(0.8, 0.8)
    )
    svc.matcher.refresh()
    got = _video_matches(_match(svc, videos["trimmed"]))
    assert got == [] or (got[0].extra or {}).get("query_share") == 1.0


def test_video_frames_match_image_lists_and_images_match_video_frames(
    svc: Services, videos: dict[str, Path], tmp_path: Path
) -> None:
    # A still of the known video's third picture, as a listed image.
    still = tmp_path / "still.png"
    s = hash_path(videos["known"], HashOptions()).signals
    assert s is not None and s.vpdq
    shown = s.vpdq[9]
    with svc.store.begin() as conn:
        hl = lists.create_list(conn, "images", "none", 31)
        from brightline.services.store.entries import upsert_entries

        upsert_entries(conn, hl.id, [{"signal_type": "pdq", "value": shown.pdq}], source="t", rev=1)
    result = _match(svc, videos["known"])
    pdq = [m for m in result.matches if m.list_name == "images"]
    assert pdq and pdq[0].extra and pdq[0].extra["frame"] == shown.frame
    # And an image upload of that frame finds the listed video's frame.
    _import_known(svc, videos, tmp_path)
    import av

    with av.open(str(videos["known"])) as c:
        frame = next(f for i, f in enumerate(c.decode(video=0)) if i == shown.frame)
        frame.to_image().save(still)
    hits = [m for m in _match(svc, still).matches if m.list_name == "videos"]
    assert hits and hits[0].extra and hits[0].extra["listed_frame"] == shown.frame


def test_animated_gif_frame_two_matches_an_image_list(svc: Services, tmp_path: Path) -> None:
    pics = [p.resize((128, 96)) for p in pictures(Clip())]
    gif = tmp_path / "a.gif"
    pics[0].save(gif, save_all=True, append_images=pics[1:], duration=400)
    r = hash_path(gif, HashOptions())
    assert r.signals is not None and r.signals.vpdq and len(r.signals.vpdq) == 4
    with svc.store.begin() as conn:
        hl = lists.create_list(conn, "images", "none", 31)
        from brightline.services.store.entries import upsert_entries

        upsert_entries(
            conn, hl.id, [{"signal_type": "pdq", "value": r.signals.vpdq[1].pdq}], source="t", rev=1
        )
    result = _match(svc, gif)
    assert any((m.extra or {}).get("frame") == 1 for m in result.matches)


def test_hostile_video_is_an_error_row_with_digests(
    tmp_path: Path, videos: dict[str, Path]
) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(videos["known"].read_bytes()[:5000])
    r = hash_path(cut, HashOptions())
    assert r.error and r.signals is not None and r.signals.md5


def test_digest_is_stable() -> None:
    frames = vpdq.parse(f"0,100,{'a' * 64},0.000")
    assert vpdq.digest(frames) == vpdq.digest(list(frames))
    assert np.array_equal(np.array([1]), np.array([1]))


def test_video_index_is_saved_and_reloaded(
    svc: Services, videos: dict[str, Path], tmp_path: Path
) -> None:
    from brightline.services.context import index_dir_for
    from brightline.services.lists.matching import Matcher

    _import_known(svc, videos, tmp_path)
    svc.matcher.refresh()
    folder = index_dir_for(svc.settings)
    assert any(p.name.startswith("vpdq-") for p in folder.iterdir())
    again = Matcher(svc.store, folder).open()
    assert again.index_size("vpdq") == svc.matcher.index_size("vpdq") > 0
    result = hash_path(videos["trimmed"], HashOptions())
    match_results([result], again, None)
    assert _video_matches(result)


def test_a_byte_identical_file_matches_by_md5_even_without_good_frames(
    svc: Services, videos: dict[str, Path], tmp_path: Path
) -> None:
    _import_known(svc, videos, tmp_path)
    from brightline.core.signals import SignalValue

    result = hash_path(videos["known"], HashOptions())
    assert result.signals is not None
    md5 = result.signals.md5  # as if every frame were below quality 50:
    result.signals.signals["vpdq"] = SignalValue("0" * 64, None, (f"md5:{md5}",), {"vpdq": []})
    svc.matcher.refresh()
    match_results([result], svc.matcher, None)
    (m,) = result.matches
    assert m.source_id == "known-1" and (m.extra or {}).get("md5") == result.signals.md5
