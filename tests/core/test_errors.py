"""Errors carry stable machine codes from one place, and never echo a huge value."""

from __future__ import annotations

import io
import pickle

import pytest
from PIL import Image

from brightline import errors
from brightline.core.names import check_list_name, check_text
from brightline.core.signals.decode import load_plane
from brightline.core.wording import article, plural


def _classes() -> list[type[errors.BrightlineError]]:
    found = [errors.BrightlineError]
    for cls in found:
        found.extend(c for c in cls.__subclasses__() if c.__module__ == errors.__name__)
    return found


def test_every_error_class_has_its_own_code() -> None:
    codes = {cls: cls.code for cls in _classes()}
    assert all(code and code.islower() for code in codes.values())
    # Only the base and UsageError share "bad_request" (the API's answer for both).
    shared = [c for c, code in codes.items() if list(codes.values()).count(code) > 1]
    assert set(shared) <= {errors.BrightlineError, errors.UsageError}


def test_error_dict() -> None:
    assert errors.error_dict(errors.NotFoundError("no list named 'x'")) == {
        "code": "not_found",
        "message": "no list named 'x'",
    }
    assert errors.error_dict(RuntimeError("secret")) == {
        "code": "internal",
        "message": "internal error",
    }


def _png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("L", size, 128).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "max_pixels", "code"),
    [
        (b"not a picture at all", 10_000, "not_an_image"),
        (_png((200, 200)), 100, "decompression_bomb"),
        (_png((200, 200))[:200], 100_000, "truncated"),
    ],
)
def test_decode_failures_have_fine_codes(data: bytes, max_pixels: int, code: str) -> None:
    with pytest.raises(errors.DecodeError) as info:
        load_plane(data, max_pixels)
    assert info.value.code == code
    assert code in errors.DECODE_CODES
    again = pickle.loads(pickle.dumps(info.value))  # crosses process pools intact
    assert (again.code, str(again)) == (code, str(info.value))


def test_a_given_code_wins() -> None:
    assert errors.DecodeError("whatever", code="empty_file").code == "empty_file"


def test_long_values_are_cut() -> None:
    shown = errors.shorten("x" * 1_000_000)
    assert len(shown) < 120 and "1,000,000 characters" in shown
    assert errors.shorten("short") == "'short'"
    huge = errors.InputError("bad: " + "y" * 1_000_000)
    assert len(str(huge)) <= errors.MAX_MESSAGE + 5
    fmt = errors.FormatError("z" * 100_000, "line 3", "f.csv")
    assert len(str(fmt)) <= errors.MAX_MESSAGE + 5 and str(fmt).startswith("f.csv, line 3")


def test_names_and_text() -> None:
    assert check_list_name("  iwf-2024 ") == "iwf-2024"
    with pytest.raises(errors.InvalidNameError):
        check_list_name("a/b")
    assert check_text("note", None) is None and check_text("note", "ok") == "ok"
    with pytest.raises(errors.InvalidTextError, match="note contains a NUL"):
        check_text("note", "a\x00")


def test_wording() -> None:
    assert [plural(n, "file") for n in (0, 1, 2)] == ["0 files", "1 file", "2 files"]
    assert plural(1000, "hash") == "1,000 hashes" and plural(1, "hash") == "1 hash"
    assert plural(2, "entry") == "2 entries" and plural(3, "medium", "media") == "3 media"
    assert article("admin") == "an admin" and article("scanner") == "a scanner"
