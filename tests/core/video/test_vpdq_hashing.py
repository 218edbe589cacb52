"""vPDQ hashing of videos and animations: sampling, conformance with Meta's vpdq,
hostile input."""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from brightline.core.signals.vpdq import VpdqFrame
from brightline.core.video.animated import hash_animation
from brightline.core.video.decode import VideoOptions, hash_video
from brightline.core.video.sniff import sniff_video_type
from brightline.core.video.synth import Clip, write_video
from brightline.errors import DecodeError


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def test_samples_one_frame_a_second_with_numbers_and_times(videos: dict[str, Path]) -> None:
    h = hash_video(videos["known"])
    assert h.fps == 10 and h.sampled == 16
    assert [f.frame for f in h.all_frames] == list(range(0, 160, 10))
    assert [f.timestamp for f in h.all_frames] == [float(i) for i in range(16)]
    assert all(f.quality >= 50 for f in h.frames)
    assert len({f.pdq for f in h.frames}) == len(h.frames)


def test_rate_zero_hashes_every_frame(videos: dict[str, Path]) -> None:
    h = hash_video(videos["known"], VideoOptions(rate=0))
    assert h.sampled == 160


def test_skipping_nonreference_frames_changes_nothing(videos: dict[str, Path]) -> None:
    fast = hash_video(videos["known"], VideoOptions(threads=1))
    full = hash_video(videos["known"], VideoOptions(threads=1, skip="none"))
    assert fast.all_frames == full.all_frames


@pytest.mark.parametrize("name", ["known", "reencoded", "mpeg4", "concatenated"])
def test_agrees_with_meta_vpdq(videos: dict[str, Path], name: str) -> None:
    """The PDQ conformance bound (mean <= 2, p95 <= 8 bits at quality >= 80)."""
    vpdq = pytest.importorskip("vpdq")
    theirs = {f.frame_number: f for f in vpdq.computeHash(str(videos[name]), seconds_per_hash=1)}
    ours = hash_video(videos[name]).all_frames
    assert {f.frame for f in ours} == set(theirs)
    distances = [
        _distance(f.pdq, theirs[f.frame].hex)
        for f in ours
        if f.quality >= 80 and theirs[f.frame].quality >= 80
    ]
    assert distances
    assert np.mean(distances) <= 2 and np.percentile(distances, 95) <= 8
    for f in ours:
        assert f.timestamp == pytest.approx(theirs[f.frame].timestamp, abs=1e-3)


def test_reads_a_stream_as_well_as_a_path(videos: dict[str, Path]) -> None:
    data = videos["known"].read_bytes()
    assert hash_video(io.BytesIO(data)).all_frames == hash_video(videos["known"]).all_frames


def test_sniffs_containers(videos: dict[str, Path]) -> None:
    kinds = {n: sniff_video_type(p.read_bytes()[:512]) for n, p in videos.items()}
    assert kinds["known"] == "video/mp4"
    assert kinds["reencoded"] == "video/webm"
    assert kinds["mpeg4"] == "video/x-msvideo"
    assert kinds["concatenated"] == "video/x-matroska"
    assert sniff_video_type(b"\x00\x00\x00\x18ftypheic") is None


def test_mpeg_ts_and_flv(tmp_path: Path, videos: dict[str, Path]) -> None:
    for ext, kind in (("ts", "video/mp2t"), ("flv", "video/x-flv"), ("mov", "video/quicktime")):
        path = write_video(tmp_path / f"v.{ext}", Clip(), seconds=3)
        assert sniff_video_type(path.read_bytes()[:512]) == kind
        assert len(hash_video(path).all_frames) == 3


# -- animations ---------------------------------------------------------------------


def _animation(fmt: str) -> bytes:
    from brightline.core.video.synth import pictures

    pics = [p.resize((128, 96)) for p in pictures(Clip())]
    buf = io.BytesIO()
    pics[0].save(buf, format=fmt, save_all=True, append_images=pics[1:], duration=500, loop=0)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_every_frame_of_an_animation(fmt: str) -> None:
    h = hash_animation(_animation(fmt), VideoOptions(), 10**8)
    assert [f.frame for f in h.all_frames] == [0, 1, 2, 3]
    assert [f.timestamp for f in h.all_frames] == [0.0, 0.5, 1.0, 1.5]
    assert len({f.pdq for f in h.frames}) == 4


# -- hostile input ------------------------------------------------------------------


def test_truncated_video_is_an_error(videos: dict[str, Path], tmp_path: Path) -> None:
    data = videos["known"].read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(DecodeError):
        hash_video(cut)


def test_garbage_and_empty_are_errors(tmp_path: Path) -> None:
    for data in (b"", b"\x1a\x45\xdf\xa3" + b"\x00" * 100, b"\x00\x00\x00\x20ftypisom" + b"x" * 64):
        path = tmp_path / "bad.bin"
        path.write_bytes(data)
        with pytest.raises(DecodeError):
            hash_video(path)


def test_huge_declared_frame_size_is_refused(tmp_path: Path) -> None:
    path = write_video(tmp_path / "big.mp4", Clip(), size=(640, 480), seconds=1)
    with pytest.raises(DecodeError, match="over the limit"):
        hash_video(path, VideoOptions(max_pixels=100_000))


def test_too_many_frames_is_refused(tmp_path: Path) -> None:
    """A 'million tiny frames' video, scaled down: the frame budget stops it."""
    path = tmp_path / "many.mp4"
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("libx264", rate=1000)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        tiny = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
        for _ in range(3000):
            for packet in stream.encode(tiny):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    with pytest.raises(DecodeError, match="video_max_frames"):
        hash_video(path, VideoOptions(max_frames=1000))
    with pytest.raises(DecodeError, match="video_max_seconds"):
        hash_video(path, VideoOptions(max_seconds=1.0))


def test_frames_dict_shape() -> None:
    f = VpdqFrame(10, 100, "ab" * 32, 1.23456)
    assert f.as_dict() == {"frame": 10, "quality": 100, "pdq": "ab" * 32, "timestamp": 1.235}


def test_still_png_is_not_an_animation() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64)).save(buf, format="PNG")
    from brightline.core.video.animated import frame_count

    assert frame_count(buf.getvalue()) == 1
