"""Hash one file with every signal type that applies to it.

Digest types (``new_digest``: MD5, SHA-1, SHA-256, any a plugin adds) are fed the
bytes in one streamed pass; types that decode (``hash_content``: PDQ for photos, a
plugin's perceptual hash, vPDQ for videos) get the content when its content type is
one of theirs. Which types exist and what they apply to comes from the registry,
never from names written here.

Never raises for a bad file: the problem comes back as ``ScanResult.error`` with a
plain reason and ``ScanResult.error_code`` with its stable code, both set where the
problem is met (never re-derived from the text later); whatever could be computed
(the digests) is kept.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from brightline.core import signals as signal_types
from brightline.core.models import FileSignals, ScanResult
from brightline.core.signals import FILE, PHOTO, Content, SignalType, SignalValue
from brightline.core.signals.content import HEAD_BYTES, content_type_of, sniff
from brightline.core.sources import ContentItem
from brightline.errors import DecodeError

EMPTY = "empty file"
NOT_AN_IMAGE = "not a recognised image format"

#: Images larger than this are not decoded (their digests are still computed).
MAX_IMAGE_BYTES = 256 * 1024 * 1024
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class HashOptions:
    max_pixels: int = 200_000_000
    dihedral: bool = False
    #: Images whose decode would take more memory than this are refused (DecodeError).
    max_decode_bytes: int = 256 * 1024 * 1024  # = decode.DEFAULT_MAX_DECODE_BYTES


def hash_bytes(data: bytes, opts: HashOptions, name: str = "<upload>") -> ScanResult:
    if not data:
        return _failed(name, EMPTY, "empty_file")
    media_type = sniff(data[:HEAD_BYTES])
    digests, _ = _digests([data])
    signals = FileSignals(len(data), media_type, digests)
    return _add_content_signals(ScanResult(name, signals), data, opts)


def hash_path(path: Path, opts: HashOptions) -> ScanResult:
    name = str(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
            media_type = sniff(head)
            size = path.stat().st_size
            kind = content_type_of(media_type)
            if kind == PHOTO and size <= MAX_IMAGE_BYTES:
                return hash_bytes(head + fh.read(), opts, name)
            fh.seek(0)
            digests, size = _digests(iter(lambda: fh.read(_CHUNK), b""))
    except OSError as exc:
        return _failed(name, f"cannot read file: {exc.strerror or exc}", "unreadable")
    if size == 0:
        return _failed(name, EMPTY, "empty_file")
    result = ScanResult(name, FileSignals(size, media_type, digests))
    if kind == PHOTO:
        return _set_error(result, f"image too large to decode ({size:,} bytes)", "too_large")
    return _add_content_signals(result, path, opts)


def hash_stream(fh: BinaryIO, opts: HashOptions, name: str, size: int | None = None) -> ScanResult:
    """Hash content read from a stream, in bounded memory: a picture up to
    ``MAX_IMAGE_BYTES`` is read once (digests and its perceptual hash from the same
    bytes); other media a signal type decodes (video) are spooled to a private temp
    file while their digests are taken; anything else is only digested."""
    head = fh.read(HEAD_BYTES)
    media_type = sniff(head)
    kind = content_type_of(media_type)
    if kind == PHOTO and (size is None or size <= MAX_IMAGE_BYTES):
        data = head + fh.read(MAX_IMAGE_BYTES + 1 - len(head))
        if len(data) <= MAX_IMAGE_BYTES:
            return hash_bytes(data, opts, name)
        head = data  # larger than it said: digest what was read, then the rest
    chunks = itertools.chain([head], iter(lambda: fh.read(_CHUNK), b""))
    if kind in (FILE, PHOTO) or not content_hashers(kind):
        digests, total = _digests(chunks)
        return _finish(name, FileSignals(total, media_type, digests), kind, opts, None)
    with tempfile.NamedTemporaryFile(prefix="brightline-", suffix=".media") as spool:
        digests, total = _digests(_teed(chunks, spool))
        spool.flush()
        return _finish(name, FileSignals(total, media_type, digests), kind, opts, Path(spool.name))


def _teed(chunks: Iterable[bytes], sink: IO[bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        sink.write(chunk)
        yield chunk


def _finish(
    name: str, signals: FileSignals, kind: str, opts: HashOptions, spooled: Path | None
) -> ScanResult:
    if signals.size == 0:
        return _failed(name, EMPTY, "empty_file")
    result = ScanResult(name, signals)
    if kind == PHOTO:
        return _set_error(
            result, f"image too large to decode ({signals.size:,} bytes)", "too_large"
        )
    if spooled is None:
        return _set_error(result, NOT_AN_IMAGE, "not_an_image")
    return _add_content_signals(result, spooled, opts)


def content_hashers(content_type: str) -> list[SignalType]:
    """Registered types that hash content of ``content_type`` by decoding it."""
    return [
        t
        for t in signal_types.all_types()
        if t.new_digest() is None and content_type in t.content_types
    ]


def _digests(chunks: Iterable[bytes]) -> tuple[dict[str, SignalValue], int]:
    """Every digest type's value over ``chunks``, in one pass; and the bytes read."""
    running = []
    for signal in signal_types.all_types():
        digest = signal.new_digest()
        if digest is not None:
            running.append((signal.name, digest))
    total = 0
    for chunk in chunks:
        total += len(chunk)
        for _, digest in running:
            digest.update(chunk)
    return {name: SignalValue(digest.hexdigest()) for name, digest in running}, total


def _add_content_signals(result: ScanResult, source: bytes | Path, opts: HashOptions) -> ScanResult:
    signals = result.signals
    assert signals is not None
    kind = content_type_of(signals.media_type)
    hashers = content_hashers(kind) if kind != FILE else []
    if not hashers:
        if kind in (FILE, PHOTO):
            code = "not_an_image" if signals.media_type is None else "undecodable"
            return _set_error(result, NOT_AN_IMAGE, code)
        return _set_error(result, f"no signal type for {kind} content is installed", "undecodable")
    digests = {name: v.value for name, v in signals.signals.items()}
    content = Content(
        source,
        signals.media_type,
        kind,
        opts.max_pixels,
        opts.dihedral,
        opts.max_decode_bytes,
        digests,
    )
    for signal in hashers:
        try:
            found = signal.hash_content(content)
        except DecodeError as exc:
            _set_error(result, str(exc), _row_code(exc.code))
            continue
        if found is not None:
            signals.signals[signal.name] = found
            partial = found.extra.get("decode_error")  # kept what it could, then broke
            if isinstance(partial, str):
                given = found.extra.get("decode_error_code")
                _set_error(result, partial, _row_code(given if isinstance(given, str) else ""))
    return result


#: Result rows keep the codes they have always had (a contract of ``match --json``,
#: the API and case exports): a decode failure is ``undecodable`` unless a bomb.
_ROW_DECODE_CODES = frozenset({"decompression_bomb"})


def _row_code(code: str) -> str:
    return code if code in _ROW_DECODE_CODES else "undecodable"


def _failed(name: str, message: str, code: str) -> ScanResult:
    return ScanResult(name, error=message, error_code=code)


def _set_error(result: ScanResult, message: str, code: str | None) -> ScanResult:
    """The first problem met is the row's (its message and its code, together)."""
    if result.error is None:
        result.error = message
        result.error_code = code or "undecodable"
    return result


def decode_cost(data: bytes, opts: HashOptions) -> int:
    """Memory hashing ``data`` will take to decode, from its header: what a caller
    running several hashes at once reserves (0 when nothing will be decoded)."""
    if not data or content_type_of(sniff(data[:HEAD_BYTES])) != PHOTO:
        return 0
    from brightline.core.signals.pdq import decode_cost_of_file  # numpy: only when needed

    try:
        cost = decode_cost_of_file(data, opts.max_pixels)
    except DecodeError:
        return 0
    return cost if cost <= opts.max_decode_bytes else 0


#: Enough of a file for its image header (JPEG's frame header can follow a large EXIF).
_COST_HEAD = 1 << 20


def item_decode_cost(item: ContentItem, opts: HashOptions) -> int:
    """``decode_cost`` of a content item, from the first MiB of its stream."""
    if not item.readable or item.open is None:
        return 0
    try:
        with item.open() as fh:
            return decode_cost(fh.read(_COST_HEAD), opts)
    except OSError:
        return 0
