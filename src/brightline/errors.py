"""Every error Brightline raises on purpose, in one tree.

::

    BrightlineError                 base; carries a plain-language message
    ├── UsageError                  the caller asked for something impossible (CLI exit 2)
    ├── NotFoundError               a list, entry or key that does not exist
    ├── ConflictError               a name that is already taken
    ├── AuthError                   no valid API key was presented (API 401)
    ├── ForbiddenError              the key's role does not allow this (API 403)
    ├── InputError                  bad input data (CLI exit 2)
    │   ├── InvalidHashError        a hash value that is not valid for its signal type
    │   │   ├── InvalidUrlError     a URL (list entry) that cannot be canonicalised
    │   │   └── InvalidKeywordError a keyword that folds to nothing
    │   ├── InvalidCategoryError    a category that the list's scheme does not define
    │   ├── DecodeError             a file that is not a decodable image (corrupt, bomb…)
    │   │   └── DecodeMemoryError   one that would take more than max_decode_bytes to decode
    │   ├── FormatError             a hash-list file that cannot be read; has a location
    │   ├── TooLargeError           an upload or fetched file over its size limit (API 413)
    │   ├── FetchError              a URL that may not, or could not, be fetched
    │   ├── InvalidThresholdError   a list threshold for an exact type, or out of range
    │   ├── InvalidNameError        a list name that breaks the naming rule
    │   ├── InvalidTextError        text with a NUL character (refused on every database)
    │   ├── ModelFileError          a saved conversation model that cannot be trusted
    │   └── UnreadableContentError  a path or item a source met but cannot read (a FIFO,
    │       │                       a broken link); ``code`` says why in one word
    │       └── EvidenceError       triage evidence that cannot be read (has a ``code``)
    │           ├── DiskImageError      a disk image cut short or damaged (``disk_image_damaged``)
    │           └── OverlappingMembersError  zip members sharing bytes (``overlapping_members``)
    ├── ThrottledError              too many attempts from one address, or at once; has
    │                               ``retry_after`` seconds (API 429 with Retry-After)
    ├── ExchangeError               a hash exchange that could not be reached or read
    │                               (a fetch that could not finish; bad XML or JSON)
    ├── IndexCorruptError           an on-disk index that cannot be loaded (rebuilt from
    │                               the database, never trusted)
    └── CryptoError                 encrypted data or a key that cannot be used (wrong
                                    key, tampered, truncated)

Adapters map these to exit codes (CLI) and to one JSON error body (API). Anything
else escaping is a bug.

Every class has a stable machine ``code`` (``not_found``, ``invalid_hash``, …), the
``code`` of the API's error body; a ``DecodeError`` carries a finer one per instance
(``not_an_image``, ``decompression_bomb``, ``truncated``, ``empty_file``, …).
:func:`error_dict` gives ``{"code", "message"}`` for a JSON row. Messages never echo a
long value whole: :func:`shorten` cuts it, and a message is capped at
``MAX_MESSAGE`` characters.
"""

from __future__ import annotations

from typing import Any

#: Longest message an error carries; longer ones are cut in the middle.
MAX_MESSAGE = 1000
#: Longest value :func:`shorten` shows whole.
MAX_SHOWN = 80


def shorten(value: object, limit: int = MAX_SHOWN) -> str:
    """``repr(value)``, cut to about ``limit`` characters with its length said, so an
    error about a megabyte-long value is not itself a megabyte long."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def _capped(message: str) -> str:
    if len(message) <= MAX_MESSAGE:
        return message
    half = MAX_MESSAGE // 2
    return f"{message[:half]} … {message[-half:]}"


class BrightlineError(Exception):
    """Base of all deliberate errors; ``str(err)`` is safe to show to a person."""

    #: Stable machine code (the API's ``error.code``); never reworded once released.
    code: str = "bad_request"

    def __init__(self, *args: Any) -> None:
        if args and isinstance(args[0], str):
            args = (_capped(args[0]), *args[1:])
        super().__init__(*args)


class UsageError(BrightlineError):
    """The request cannot be carried out as asked."""

    code = "bad_request"


class NotFoundError(BrightlineError):
    """The named thing does not exist."""

    code = "not_found"


class ConflictError(BrightlineError):
    """The named thing already exists."""

    code = "conflict"


class AuthError(BrightlineError):
    """No API key, or one that is unknown or revoked."""

    code = "unauthenticated"


class ForbiddenError(BrightlineError):
    """The caller is known but may not do this."""

    code = "forbidden"


class InputError(BrightlineError):
    """Input data is malformed."""

    code = "invalid_input"


class InvalidHashError(InputError):
    """A hash value is not valid for its signal type."""

    code = "invalid_hash"


class InvalidCategoryError(InputError):
    """A category is not defined by the list's scheme."""

    code = "invalid_category"


class DecodeError(InputError):
    """A file could not be decoded as an image (or could not be read to try).

    ``code`` says why, per instance: given by the raiser, or else told from the
    message (the reasons ``core/signals/decode`` and ``services/hashing`` give).
    """

    code = "undecodable"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code or decode_code(message)

    def __reduce__(self) -> tuple[type[DecodeError], tuple[str, str]]:
        return (type(self), (str(self), self.code))


#: Why a file could not be decoded, as ``DecodeError.code`` and result rows say it.
DECODE_CODES = {
    "empty_file": "the file is empty",
    "not_an_image": "not a picture format Brightline reads",
    "decompression_bomb": "more pixels than the limit (a decompression bomb)",
    "truncated": "a picture that is corrupt or cut short",
    "no_pixels": "a picture with no pixels",
    "too_large_to_decode": "a picture file too large to decode",
    "decode_memory": "a picture that would take more than max_decode_bytes to decode",
    "unreadable": "the file could not be read",
    "undecodable": "any other reason a picture could not be decoded",
}

# Fragments of today's messages, most specific first -> their code.
_DECODE_REASONS = (
    ("(max_decode_bytes)", "decode_memory"),
    ("decompression bomb", "decompression_bomb"),
    ("empty", "empty_file"),
    ("corrupt or truncated", "truncated"),
    ("truncated", "truncated"),
    ("no pixels", "no_pixels"),
    ("too large to decode", "too_large_to_decode"),
    ("cannot read", "unreadable"),
    ("not a recognised image", "not_an_image"),
    ("not a decodable image", "not_an_image"),
)


def decode_code(message: str) -> str:
    """The code of a decode failure from its message (for raisers that give none,
    and for result rows that carry only the text)."""
    lowered = message.lower()
    for fragment, code in _DECODE_REASONS:
        if fragment in lowered:
            return code
    return "undecodable"


class FormatError(InputError):
    """A hash-list file could not be read.

    ``location`` names where: ``"line 12"``, ``"record 3"``, ``"byte 1024"``.
    """

    code = "invalid_file"

    def __init__(self, reason: str, location: str | None = None, source: str | None = None):
        self.reason = reason
        self.location = location
        self.source = source
        where = ", ".join(part for part in (source, location) if part)
        super().__init__(f"{where}: {reason}" if where else reason)

    def __reduce__(self) -> tuple[type[FormatError], tuple[str, str | None, str | None]]:
        # Keep the fields when the error crosses a process boundary (parallel import).
        return (type(self), (self.reason, self.location, self.source))


class TooLargeError(InputError):
    """A body or file exceeds its size limit."""

    code = "too_large"


class FetchError(InputError):
    """A URL was refused (not allowed, private address) or could not be fetched."""

    code = "fetch_failed"


class ThrottledError(BrightlineError):
    """Too many attempts (sign-ins from one address) or too many at once: try again
    after ``retry_after`` seconds."""

    code = "throttled"

    def __init__(self, message: str, retry_after: float = 1.0):
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(message)

    def __reduce__(self) -> tuple[type[ThrottledError], tuple[str, float]]:
        return (type(self), (str(self), float(self.retry_after)))


class ExchangeError(BrightlineError):
    """A hash exchange (NCMEC, StopNCII, a file) could not be reached or read."""

    code = "exchange_failed"


class IndexCorruptError(BrightlineError):
    """An index file is damaged or from an incompatible version."""

    code = "index_corrupt"


class CryptoError(BrightlineError):
    """Encrypted data could not be decrypted, or a key is unusable."""

    code = "crypto_failed"


def error_dict(exc: BaseException) -> dict[str, str]:
    """``{"code", "message"}`` for a JSON row or body; ``code`` is ``internal`` for an
    error that is not Brightline's (its text is not shown: it may hold anything)."""
    if isinstance(exc, BrightlineError):
        return {"code": exc.code, "message": str(exc)}
    return {"code": "internal", "message": "internal error"}


class InvalidUrlError(InvalidHashError):
    """A URL that cannot be canonicalised (not http(s), no host, too long)."""

    code = "invalid_url"


class InvalidKeywordError(InvalidHashError):
    """A keyword that is empty once folded, or too long."""

    code = "invalid_keyword"


class ModelFileError(InputError):
    """A saved model that cannot be loaded safely (wrong format, digest mismatch)."""

    code = "invalid_model"


class InvalidNameError(InputError):
    """A name (of a list) that breaks the naming rule."""

    code = "invalid_name"


class InvalidTextError(InputError):
    """Text that cannot be stored as given (a NUL character: PostgreSQL refuses it)."""

    code = "invalid_text"


class InvalidThresholdError(InputError):
    """A threshold set for an exact signal type, or outside its type's range."""

    code = "invalid_threshold"


class UnreadableContentError(InputError):
    """Content a source met but cannot read; ``code`` names why (``fifo``,
    ``broken_symlink``, ``unreadable_folder``...)."""

    code = "unreadable_content"  # the class's; each instance carries its own reason

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)

    def __reduce__(self) -> tuple[type[UnreadableContentError], tuple[str, str]]:
        return (type(self), (self.code, str(self)))


class DecodeMemoryError(DecodeError):
    """An image would take more memory to decode than ``max_decode_bytes`` allows."""

    code = "decode_memory"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message, code or "decode_memory")


class EvidenceError(UnreadableContentError):
    """Evidence that cannot be read as asked (triage): a hostile or damaged archive
    member, a special file, an unreadable disk image. It becomes a file row with
    ``code`` and the message; the exhibit goes on.

    Codes: ``unsafe_path``, ``archive_bomb``, ``too_deep``, ``encrypted``,
    ``corrupt_archive``, ``symlink``, ``special_file``, ``unreadable``,
    ``disk_unreadable``, ``deleted_unrecoverable``, ``decode_error``.
    """

    code = "evidence_unreadable"  # the class's; each instance carries its own reason


class DiskImageError(EvidenceError):
    """A disk image (E01 or raw) that cannot be read through: truncated, a segment
    missing, a damaged chunk. It becomes one error row for the exhibit (or the part of
    it that could not be read); the rest of the case goes on."""

    code = "disk_image_damaged"

    def __init__(self, message: str, code: str = "disk_image_damaged"):
        super().__init__(code, message)


class OverlappingMembersError(EvidenceError):
    """A zip whose members share compressed bytes (one stream declared by many
    members): each would decompress the same data again, a bomb under the ratio
    limit. Refused before anything is decompressed."""

    code = "overlapping_members"

    def __init__(self, message: str, code: str = "overlapping_members"):
        super().__init__(code, message)
