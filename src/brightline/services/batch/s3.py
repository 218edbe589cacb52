"""S3-compatible object stores (AWS, MinIO, Ceph, moto): list a prefix, open an object.

boto3 takes its credentials the usual way (``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE``, the shared files, an instance role);
``endpoint_url`` points it at a store other than AWS. A client is made per process
(a worker makes its own once): clients are not picklable. An object that cannot be
read (missing, access denied, the store down) is an ``OSError`` to the hashing
code, so it becomes a result row with its error like an unreadable file.
"""

from __future__ import annotations

import errno
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from brightline.services.batch.plan import FileRecord, split_s3

#: Objects up to this size are read into memory in one request; larger ones stream.
READ_WHOLE = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class S3Config:
    endpoint_url: str | None = None


class S3:
    """One boto3 client, made on first use."""

    def __init__(self, config: S3Config):
        self.config = config
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            retries = Config(retries={"max_attempts": 5, "mode": "standard"})
            self._client = boto3.client("s3", endpoint_url=self.config.endpoint_url, config=retries)
        return self._client

    def list(self, uri: str) -> Iterator[FileRecord]:
        """Every object under ``s3://bucket/prefix``, a page (1,000 keys) at a time, in
        key order; "folder" placeholders (keys ending in ``/``) are skipped."""
        bucket, prefix = split_s3(uri)
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        try:
            for page in pages:
                for obj in page.get("Contents", ()):
                    key = str(obj["Key"])
                    if not key.endswith("/"):
                        yield FileRecord(f"s3://{bucket}/{key}", int(obj["Size"]))
        except Exception as exc:
            from brightline.errors import UsageError

            raise UsageError(f"cannot list {uri}: {_reason(exc)}") from None

    def open(self, uri: str) -> BinaryIO:
        """The object's bytes: in memory up to ``READ_WHOLE``, else a stream."""
        bucket, key = split_s3(uri)
        try:
            got = self.client.get_object(Bucket=bucket, Key=key)
            body = got["Body"]
            if int(got.get("ContentLength") or 0) <= READ_WHOLE:
                return io.BytesIO(body.read())
            return io.BufferedReader(_Stream(body), 1 << 20)
        except Exception as exc:  # botocore's errors are not OSErrors
            raise OSError(errno.EIO, _reason(exc)) from None


def _reason(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        code = error.get("Code") or "error"
        message = error.get("Message") or ""
        return f"{code} {message}".strip()
    return str(exc) or type(exc).__name__


class _Stream(io.RawIOBase):
    """A botocore body as a readable binary stream; read errors are OSErrors."""

    def __init__(self, body: Any):
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._body.read(len(buffer))
        except Exception as exc:
            raise OSError(errno.EIO, _reason(exc)) from None
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._body.close()
        finally:
            super().close()
