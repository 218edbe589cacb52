"""Hash one file: cryptographic digests always, PDQ when it is an image.

Never raises for a bad file: the problem comes back as ``ScanResult.error`` with a
plain reason, and whatever could be computed (the digests) is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from brightline.core.models import FileSignals, ScanResult
from brightline.core.signals.crypto import digests_of_bytes, digests_of_stream
from brightline.core.signals.decode import DEFAULT_MAX_DECODE_BYTES, sniff_media_type
from brightline.core.signals.pdq import decode_cost_of_file, pdq_of_file
from brightline.errors import DecodeError

#: Images larger than this are not decoded (their digests are still computed).
MAX_IMAGE_BYTES = 256 * 1024 * 1024
_HEAD = 32


@dataclass(frozen=True, slots=True)
class HashOptions:
    max_pixels: int = 200_000_000
    dihedral: bool = False
    #: Images whose decode would take more memory than this are refused (DecodeError).
    max_decode_bytes: int = DEFAULT_MAX_DECODE_BYTES


def hash_bytes(data: bytes, opts: HashOptions, name: str = "<upload>") -> ScanResult:
    if not data:
        return ScanResult(name, error="empty file")
    md5, sha1, sha256 = digests_of_bytes(data)
    signals = FileSignals(md5, sha1, sha256, len(data), sniff_media_type(data[:_HEAD]))
    return _add_pdq(ScanResult(name, signals), data, opts)


def hash_path(path: Path, opts: HashOptions) -> ScanResult:
    name = str(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD)
            media_type = sniff_media_type(head)
            size = path.stat().st_size
            if media_type is not None and size <= MAX_IMAGE_BYTES:
                return hash_bytes(head + fh.read(), opts, name)
            fh.seek(0)
            md5, sha1, sha256, size = digests_of_stream(fh)
    except OSError as exc:
        return ScanResult(name, error=f"cannot read file: {exc.strerror or exc}")
    if size == 0:
        return ScanResult(name, error="empty file")
    signals = FileSignals(md5, sha1, sha256, size, media_type)
    if media_type is None:
        return ScanResult(name, signals, error="not a recognised image format")
    return ScanResult(name, signals, error=f"image too large to decode ({size:,} bytes)")


def _add_pdq(result: ScanResult, data: bytes, opts: HashOptions) -> ScanResult:
    signals = result.signals
    assert signals is not None
    if signals.media_type is None:
        result.error = "not a recognised image format"
        return result
    try:
        pdq = pdq_of_file(
            data, opts.max_pixels, dihedral=opts.dihedral, max_bytes=opts.max_decode_bytes
        )
    except DecodeError as exc:
        result.error = str(exc)
        return result
    signals.pdq, signals.pdq_quality = pdq.hash, pdq.quality
    if pdq.dihedral is not None:
        signals.pdq_dihedral = list(pdq.dihedral)
    return result


def decode_cost(data: bytes, opts: HashOptions) -> int:
    """Memory hashing ``data`` will take to decode, from its header: what a caller
    running several hashes at once reserves (0 when nothing will be decoded)."""
    if not data or sniff_media_type(data[:_HEAD]) is None:
        return 0
    try:
        cost = decode_cost_of_file(data, opts.max_pixels)
    except DecodeError:
        return 0
    return cost if cost <= opts.max_decode_bytes else 0
