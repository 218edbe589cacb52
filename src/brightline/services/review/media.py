"""Review media on disk, encrypted, and what a reviewer is shown of them.

Each item's file is encrypted with its own data key (wrapped by the master key) under
``BRIGHTLINE_HOME/media/``; the file name is the item's random uid, so nothing about
the content shows on disk. Reviewers see a small, blurred, greyscale JPEG made on the
fly; the unblurred picture (still small and greyscale) only on an explicit reveal.
A video is shown as a contact sheet of sampled frames, blurred the same way;
anything else is a placeholder.
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from brightline.core.crypto import Keyring, encrypt_stream, new_data_key
from brightline.services.review.events import aad_for
from brightline.services.review.video import contact_sheet

BLURRED_SIZE = 256
REVEALED_SIZE = 480
BLUR_RADIUS = 14
#: A video's contact sheet (3 x 3 sampled frames) is shown at most this wide.
CONTACT_SHEET_SIZE = 480
#: Pictures larger than this are not decoded for a preview.
PREVIEW_MAX_PIXELS = 50_000_000


def media_dir(home: Path) -> Path:
    return home / "media"


def store_media(
    home: Path, keyring: Keyring, src: BinaryIO, uid: str | None = None
) -> tuple[str, Path, bytes]:
    """Encrypt ``src`` to a new file: ``(uid, path, wrapped data key)``.

    ``uid`` is given for an idempotent intake (derived from its key): the file is then
    never put over one that exists (FileExistsError: the same request is under way,
    or was stored already)."""
    fixed = uid is not None
    uid = uid or secrets.token_hex(16)
    folder = media_dir(home)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{uid}.bin"
    partial = (
        folder / f"{uid}.{secrets.token_hex(4)}.partial" if fixed else path.with_suffix(".partial")
    )
    data_key = new_data_key(keyring, aad_for(uid))
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        encrypt_stream(src, out, data_key.key, aad_for(uid))
        out.flush()
        os.fsync(out.fileno())
    if fixed:
        try:
            os.link(partial, path)  # fails if it exists: never replaces another's media
        finally:
            partial.unlink()
    else:
        partial.rename(path)
    return uid, path, data_key.wrapped


def preview(chunks: Iterable[bytes], media_type: str | None, revealed: bool) -> bytes:
    """A JPEG for the reviewer: small and greyscale; blurred unless ``revealed``."""
    if media_type and media_type.startswith("video/"):
        sheet = contact_sheet(b"".join(chunks))
        if sheet is None:
            return placeholder("this video could not be decoded")
        return _shown(sheet, revealed, CONTACT_SHEET_SIZE)
    if not media_type or not media_type.startswith("image/"):
        return placeholder("no preview for this kind of file")
    data = b"".join(chunks)
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > PREVIEW_MAX_PIXELS:
                return placeholder("picture too large to preview")
            img.draft("L", (REVEALED_SIZE * 2, REVEALED_SIZE * 2))
            grey = ImageOps.exif_transpose(img).convert("L")
    except Exception:  # any decoder failure: the reviewer gets a placeholder
        return placeholder("this picture could not be decoded")
    return _shown(grey, revealed, REVEALED_SIZE if revealed else BLURRED_SIZE)


def _shown(grey: Image.Image, revealed: bool, size: int) -> bytes:
    grey.thumbnail((size, size))
    if not revealed:
        grey = grey.filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
    return _jpeg(grey)


def placeholder(text: str) -> bytes:
    img = Image.new("L", (BLURRED_SIZE, BLURRED_SIZE), 90)
    ImageDraw.Draw(img).text((12, BLURRED_SIZE // 2 - 6), text, fill=220)
    return _jpeg(img)


def _jpeg(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    return buf.getvalue()
