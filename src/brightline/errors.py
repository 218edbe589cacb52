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
    │   ├── InvalidCategoryError    a category that the list's scheme does not define
    │   ├── DecodeError             a file that is not a decodable image (corrupt, bomb…)
    │   ├── FormatError             a hash-list file that cannot be read; has a location
    │   ├── TooLargeError           an upload or fetched file over its size limit (API 413)
    │   ├── FetchError              a URL that may not, or could not, be fetched
    │   └── EvidenceError           triage evidence that cannot be read (has a ``code``)
    ├── IndexCorruptError           an on-disk index that cannot be loaded (rebuilt from
    │                               the database, never trusted)
    └── CryptoError                 encrypted data or a key that cannot be used (wrong
                                    key, tampered, truncated)

Adapters map these to exit codes (CLI) and to one JSON error body (API). Anything
else escaping is a bug.
"""

from __future__ import annotations


class BrightlineError(Exception):
    """Base of all deliberate errors; ``str(err)`` is safe to show to a person."""


class UsageError(BrightlineError):
    """The request cannot be carried out as asked."""


class NotFoundError(BrightlineError):
    """The named thing does not exist."""


class ConflictError(BrightlineError):
    """The named thing already exists."""


class AuthError(BrightlineError):
    """No API key, or one that is unknown or revoked."""


class ForbiddenError(BrightlineError):
    """The caller is known but may not do this."""


class InputError(BrightlineError):
    """Input data is malformed."""


class InvalidHashError(InputError):
    """A hash value is not valid for its signal type."""


class InvalidCategoryError(InputError):
    """A category is not defined by the list's scheme."""


class DecodeError(InputError):
    """A file could not be decoded as an image."""


class FormatError(InputError):
    """A hash-list file could not be read.

    ``location`` names where: ``"line 12"``, ``"record 3"``, ``"byte 1024"``.
    """

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


class FetchError(InputError):
    """A URL was refused (not allowed, private address) or could not be fetched."""


class IndexCorruptError(BrightlineError):
    """An index file is damaged or from an incompatible version."""


class CryptoError(BrightlineError):
    """Encrypted data could not be decrypted, or a key is unusable."""


class EvidenceError(InputError):
    """Evidence that cannot be read as asked (triage): a hostile or damaged archive
    member, a special file, an unreadable disk image. It becomes a file row with
    ``code`` and the message; the exhibit goes on.

    Codes: ``unsafe_path``, ``archive_bomb``, ``too_deep``, ``encrypted``,
    ``corrupt_archive``, ``symlink``, ``special_file``, ``unreadable``,
    ``disk_unreadable``, ``deleted_unrecoverable``, ``decode_error``.
    """

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)

    def __reduce__(self) -> tuple[type[EvidenceError], tuple[str, str]]:
        return (type(self), (self.code, str(self)))
