"""The evidence vault: what was reported, kept encrypted, held, exported, destroyed.

Every object (a reported file, the report document, each archived request and
answer) is one file under ``BRIGHTLINE_HOME/vault/`` encrypted with its own data key;
the data key is stored only wrapped by the master key, so ``rotate`` re-wraps keys
without touching the data. Reads need a role that may see evidence and each read is
in the audit chain. A report's objects are held until its ``hold_until`` (the report
date plus the jurisdiction's hold days, extendable); ``purge`` destroys only objects
past their hold: the wrapped key is dropped (the data can no longer be decrypted)
and the file deleted, while the row stays as the record of what was destroyed, when
and by whom.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, cast

from sqlalchemy import Connection, Row, and_, insert, select, update

from brightline.core.actor import Actor
from brightline.core.crypto import Keyring, decrypt_chunks, encrypt_stream, new_data_key
from brightline.errors import ForbiddenError, NotFoundError, UsageError
from brightline.services import audit
from brightline.services.private_files import create_private_file, private_folder
from brightline.services.store import Store
from brightline.services.store.reports import reports, vault_objects

#: Roles that may read evidence: the local operator, Brightline's own workers, seniors.
READERS = frozenset({"operator", "system", "senior"})


@dataclass(frozen=True, slots=True)
class Blob:
    """An encrypted file written to the vault folder, not yet recorded."""

    blob: str
    sha256: str
    md5: str
    size: int
    wrapped: bytes
    key_id: str


@dataclass(frozen=True, slots=True)
class VaultObject:
    id: int
    report_id: int | None
    kind: str
    name: str
    sha256: str
    md5: str
    size: int
    created_at: datetime
    purged_at: datetime | None
    purged_by: str | None

    @classmethod
    def from_row(cls, row: Row[Any]) -> VaultObject:
        return cls(
            int(row.id),
            row.report_id,
            row.kind,
            row.name,
            row.sha256,
            row.md5,
            int(row.size),
            row.created_at,
            row.purged_at,
            row.purged_by,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "report": self.report_id,
            "kind": self.kind,
            "name": self.name,
            "sha256": self.sha256,
            "md5": self.md5,
            "size": self.size,
            "created_at": self.created_at.isoformat(),
            "purged_at": self.purged_at.isoformat() if self.purged_at else None,
            "purged_by": self.purged_by,
        }


class Vault:
    def __init__(self, store: Store, keyring: Keyring, root: Path):
        self.store = store
        self.keyring = keyring
        self.root = root

    # -- writing -------------------------------------------------------------

    def write(self, chunks: Iterable[bytes]) -> Blob:
        """Encrypt ``chunks`` into a new file (fsynced); record it with :meth:`record`."""
        blob = secrets.token_hex(16)
        aad = _aad(blob)
        key = new_data_key(self.keyring, aad)
        path = self._path(blob)
        private_folder(path.parent)
        reader = _HashingReader(chunks)
        tmp = path.with_suffix(".partial")
        with os.fdopen(create_private_file(tmp), "wb") as out:
            encrypt_stream(cast(BinaryIO, reader), out, key.key, aad)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        return Blob(
            blob,
            reader.sha256.hexdigest(),
            reader.md5.hexdigest(),
            reader.size,
            key.wrapped,
            self.keyring.current.id,
        )

    def record(self, conn: Connection, report_id: int | None, kind: str, name: str, b: Blob) -> int:
        row = conn.execute(
            insert(vault_objects)
            .values(
                report_id=report_id,
                kind=kind,
                name=name,
                blob=b.blob,
                sha256=b.sha256,
                md5=b.md5,
                size=b.size,
                wrapped_key=b.wrapped,
                key_id=b.key_id,
                created_at=datetime.now(UTC),
            )
            .returning(vault_objects.c.id)
        ).one()
        return int(row.id)

    def put(self, report_id: int | None, kind: str, name: str, data: bytes) -> int:
        blob = self.write([data])
        with self.store.begin() as conn:
            return self.record(conn, report_id, kind, name, blob)

    # -- reading -------------------------------------------------------------

    def get(self, object_id: int) -> VaultObject:
        with self.store.connect() as conn:
            row = conn.execute(select(vault_objects).where(vault_objects.c.id == object_id)).first()
        if row is None:
            raise NotFoundError(f"no vault object {object_id}")
        return VaultObject.from_row(row)

    def objects(self, report_id: int) -> list[VaultObject]:
        with self.store.connect() as conn:
            rows = conn.execute(
                select(vault_objects)
                .where(vault_objects.c.report_id == report_id)
                .order_by(vault_objects.c.id)
            ).all()
        return [VaultObject.from_row(r) for r in rows]

    def read(self, object_id: int, actor: Actor, purpose: str) -> Iterator[bytes]:
        """The plaintext of one object, chunk by chunk; the read is audited first."""
        check_reader(actor)
        with self.store.begin() as conn:
            row = conn.execute(select(vault_objects).where(vault_objects.c.id == object_id)).first()
            if row is None:
                raise NotFoundError(f"no vault object {object_id}")
            if row.wrapped_key is None:
                raise NotFoundError(f"vault object {object_id} was destroyed at {row.purged_at}")
            audit.record(
                conn,
                actor,
                "vault.read",
                f"vault:{object_id}",
                {"report": row.report_id, "kind": row.kind, "purpose": purpose},
            )
        return self._chunks(row.blob, bytes(row.wrapped_key))

    def read_bytes(self, object_id: int, actor: Actor, purpose: str) -> bytes:
        return b"".join(self.read(object_id, actor, purpose))

    def _chunks(self, blob: str, wrapped: bytes) -> Iterator[bytes]:
        aad = _aad(blob)
        key = self.keyring.unwrap(wrapped, aad)
        with open(self._path(blob), "rb") as fh:
            yield from decrypt_chunks(fh, key, aad)

    # -- keys, holds, destruction ----------------------------------------------

    def rotate(self, actor: Actor) -> int:
        """Re-wrap every data key not wrapped by the current master key."""
        current = self.keyring.current.id
        done = 0
        with self.store.begin() as conn:
            rows = conn.execute(
                select(vault_objects.c.id, vault_objects.c.blob, vault_objects.c.wrapped_key)
                .where(vault_objects.c.wrapped_key.is_not(None))
                .where(vault_objects.c.key_id != current)
            ).all()
            for row in rows:
                wrapped = self.keyring.rewrap(bytes(row.wrapped_key), _aad(row.blob))
                conn.execute(
                    update(vault_objects)
                    .where(vault_objects.c.id == row.id)
                    .values(wrapped_key=wrapped, key_id=current)
                )
                done += 1
            audit.record(conn, actor, "vault.rotate", "vault", {"rewrapped": done, "key": current})
        return done

    def hold(self, report_id: int, until: datetime, reason: str, actor: Actor) -> datetime:
        """Extend a report's hold to ``until`` (a hold is never shortened)."""
        with self.store.begin() as conn:
            row = conn.execute(select(reports).where(reports.c.id == report_id)).first()
            if row is None:
                raise NotFoundError(f"no report {report_id}")
            if row.hold_until is not None and row.hold_until >= until:
                raise UsageError(
                    f"report {report_id} is already held until {row.hold_until:%Y-%m-%d}; "
                    "a hold is only ever extended"
                )
            conn.execute(
                update(reports)
                .where(reports.c.id == report_id)
                .values(hold_until=until, hold_reason=reason)
            )
            audit.record(
                conn,
                actor,
                "vault.hold",
                f"report:{report_id}",
                {"until": until.isoformat(), "reason": reason},
            )
        return until

    def purge(self, actor: Actor, now: datetime | None = None) -> list[VaultObject]:
        """Destroy every object whose report's hold has ended; returns what was destroyed."""
        now = now or datetime.now(UTC)
        with self.store.begin() as conn:
            rows = conn.execute(
                select(vault_objects)
                .join(reports, reports.c.id == vault_objects.c.report_id)
                .where(vault_objects.c.purged_at.is_(None))
                .where(and_(reports.c.hold_until.is_not(None), reports.c.hold_until <= now))
                # never the evidence of a report still to be filed, whatever its hold
                .where(reports.c.state.in_(("finished", "retracted")))
                .order_by(vault_objects.c.id)
            ).all()
            ids = [r.id for r in rows]
            if ids:
                conn.execute(
                    update(vault_objects)
                    .where(vault_objects.c.id.in_(ids))
                    .values(wrapped_key=None, purged_at=now, purged_by=actor.label)
                )
            audit.record(
                conn,
                actor,
                "vault.purge",
                "vault",
                {
                    "destroyed": [
                        {"id": r.id, "report": r.report_id, "kind": r.kind, "sha256": r.sha256}
                        for r in rows
                    ]
                },
            )
        for row in rows:  # the keys are gone already; this only frees the space
            self._path(row.blob).unlink(missing_ok=True)
        self._sweep(now)
        return [_purged(VaultObject.from_row(r), now, actor.label) for r in rows]

    def _sweep(self, now: datetime) -> None:
        """Delete files a crash left between writing and recording them (a day old: a
        file being written now is recorded within seconds)."""
        if not self.root.exists():
            return
        with self.store.connect() as conn:
            known = {str(b) for (b,) in conn.execute(select(vault_objects.c.blob))}
        cutoff = (now - timedelta(days=1)).timestamp()
        for path in self.root.glob("*/*"):
            blob = path.name.split(".", 1)[0]
            if blob not in known and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)

    def chunks(self, blob: str, wrapped: bytes) -> Iterator[bytes]:
        """Decrypted content of a blob (no checks, no audit: callers do both)."""
        return self._chunks(blob, wrapped)

    def _path(self, blob: str) -> Path:
        return self.root / blob[:2] / f"{blob}.ble"


def hold_until(
    settings_days: int, by_jurisdiction: dict[str, int], jurisdiction: str, reported_at: datetime
) -> datetime:
    """When a report's evidence may go: the report date plus its jurisdiction's days
    (the destination's: ``reports.destinations``)."""
    days = by_jurisdiction.get(jurisdiction, settings_days)
    return reported_at + timedelta(days=days)


def check_reader(actor: Actor) -> None:
    if actor.role not in READERS:
        raise ForbiddenError(
            f"reading evidence needs the senior role; {actor.label} acts as {actor.role!r}"
        )


def _purged(obj: VaultObject, at: datetime, by: str) -> VaultObject:
    return VaultObject(
        obj.id,
        obj.report_id,
        obj.kind,
        obj.name,
        obj.sha256,
        obj.md5,
        obj.size,
        obj.created_at,
        at,
        by,
    )


def _aad(blob: str) -> bytes:
    return b"brightline-vault:" + blob.encode()


class _HashingReader(io.RawIOBase):
    """A readable stream over chunks that digests what passes through it."""

    def __init__(self, chunks: Iterable[bytes]):
        self._it = iter(chunks)
        self._buf = b""
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        while n < 0 or len(self._buf) < n:
            chunk = next(self._it, None)
            if chunk is None:
                break
            self._buf += chunk
        out, self._buf = (self._buf, b"") if n < 0 else (self._buf[:n], self._buf[n:])
        self.md5.update(out)
        self.sha256.update(out)
        self.size += len(out)
        return out
