"""Exchanges as operations: add, list, show, remove, fetch, push; each change audited.

Credentials are read once (``--credentials -``), encrypted with their own data key
wrapped by the master key (``core/crypto``, the key kept as the vault's), and only
ever decrypted into a fetch's ``Config``: never printed, logged or put in an audit
record. A fetch takes a lease on its exchange (one worker at a time), applies each
page and the fetch's resume state in one transaction, and records the outcome.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from brightline.core.actor import Actor
from brightline.core.crypto import Keyring, decrypt_bytes, encrypt_bytes, new_data_key
from brightline.core.names import check_list_name, check_text
from brightline.errors import ConflictError, ExchangeError, UsageError
from brightline.services import audit
from brightline.services.children import owner_gone
from brightline.services.exchanges import registry
from brightline.services.exchanges.apply import Counts, apply_page
from brightline.services.exchanges.base import Config
from brightline.services.exchanges.http import HttpOptions
from brightline.services.exchanges.prefetch import prefetched
from brightline.services.store import Store
from brightline.services.store import exchanges as store_ex
from brightline.services.store import lists as store_lists
from brightline.services.vault.keys import keyring_from_settings
from brightline.settings import Settings

#: How long one fetch holds its exchange between pages before another worker may take it.
LEASE_S = 300


@dataclass
class ExchangeEnv:
    store: Store
    settings: Settings
    _keyring: Keyring | None = field(default=None, repr=False)

    @property
    def keyring(self) -> Keyring:
        if self._keyring is None:
            self._keyring = keyring_from_settings(self.settings)
        return self._keyring

    def http(self) -> HttpOptions:
        s = self.settings
        return HttpOptions(s.exchange_timeout_s, s.exchange_attempts, s.exchange_backoff_s)

    def config(self, row: Any) -> Config:
        return Config(
            name=str(row.name),
            url=row.url,
            environment=row.environment,
            credentials=_decrypt(self.keyring, row),
            http=self.http(),
            feedback_reason=self.settings.exchange_feedback_reason,
            file_hosts=tuple(self.settings.exchange_file_hosts),
            max_file_bytes=self.settings.max_import_bytes,
        )


def _aad(name: str) -> bytes:
    return f"brightline-exchange-credentials:{name}".encode()


def _encrypt(keyring: Keyring, name: str, credentials: str) -> tuple[bytes, bytes]:
    key = new_data_key(keyring, _aad(name))
    return encrypt_bytes(credentials.encode(), key.key, _aad(name)), key.wrapped


def _decrypt(keyring: Keyring, row: Any) -> str | None:
    if row.credentials is None:
        return None
    key = keyring.unwrap(bytes(row.credentials_key), _aad(str(row.name)))
    return decrypt_bytes(bytes(row.credentials), key, _aad(str(row.name))).decode()


def target(name: str) -> str:
    return f"exchange:{name}"


def add_exchange(
    env: ExchangeEnv,
    name: str,
    kind: str,
    list_name: str,
    *,
    url: str | None = None,
    environment: str | None = None,
    interval_s: int | None = None,
    credentials: str | None = None,
    actor: Actor | None = None,
) -> dict[str, Any]:
    name = check_list_name(name)
    etype = registry.get(kind)
    check_text("url", url)
    check_text("environment", environment)
    check_text("credentials", credentials)
    credentials = credentials.strip() if credentials is not None else None
    if credentials == "":
        raise UsageError("the credentials are empty")
    if etype.credentials_form and credentials is None and kind != "file":
        raise UsageError(f"a {kind} exchange needs --credentials - ({etype.credentials_form})")
    etype.check_config(url, environment, credentials)
    interval = interval_s if interval_s is not None else env.settings.exchange_interval_s
    if interval < 1:
        raise UsageError("--interval is at least 1 second")
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "url": url,
        "environment": environment,
        "interval_s": interval,
        "created_at": now,
        "updated_at": now,
    }
    if credentials is not None:
        values["credentials"], values["credentials_key"] = _encrypt(env.keyring, name, credentials)
    with env.store.begin() as conn:
        hl = store_lists.get_list(conn, list_name)
        try:
            get = store_ex.get_exchange(conn, name)
        except Exception:
            get = None
        if get is not None:
            raise ConflictError(f"an exchange named {name!r} already exists")
        store_ex.insert_exchange(conn, {**values, "list_id": hl.id})
        row = store_ex.get_exchange(conn, name)
        details = {"type": kind, "list": hl.name, "url": url, "interval_s": interval}
        details["credentials"] = "set" if credentials is not None else "none"
        audit.record(conn, audit.who(actor), "exchange.add", target(name), details)
        return exchange_dict(row)


def exchange_dict(row: Any, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    def when(v: datetime | None) -> str | None:
        return v.isoformat() if v else None

    out: dict[str, Any] = {
        "name": row.name,
        "type": row.kind,
        "list": row.list_name,
        "url": row.url,
        "environment": row.environment,
        "interval_s": int(row.interval_s),
        "credentials": row.credentials is not None,
        "checkpoint": json.loads(row.checkpoint) if row.checkpoint else None,
        "resuming": row.resume is not None,
        "last_fetch_at": when(row.last_fetch_at),
        "last_result": json.loads(row.last_result) if row.last_result else None,
        "last_error": row.last_error,
        "next_fetch_at": when(row.next_fetch_at),
        "created_at": when(row.created_at),
    }
    if detail:
        out.update(detail)
    return out


def list_exchanges(env: ExchangeEnv) -> list[dict[str, Any]]:
    with env.store.connect() as conn:
        return [exchange_dict(r) for r in store_ex.all_exchanges(conn)]


def show_exchange(env: ExchangeEnv, name: str) -> dict[str, Any]:
    with env.store.connect() as conn:
        row = store_ex.get_exchange(conn, name)
        entries = len(store_ex.all_source_ids(conn, int(row.id)))
        feedback = store_ex.feedback_counts(conn, int(row.id))
        return exchange_dict(row, {"entries": entries, "feedback": feedback})


def remove_exchange(env: ExchangeEnv, name: str, *, actor: Actor | None = None) -> dict[str, Any]:
    """Forget an exchange, its provenance and pending feedback; the entries it put in
    its list stay there (delete them with the list, or curate them)."""
    with env.store.begin() as conn:
        row = store_ex.get_exchange(conn, name)
        store_ex.delete_exchange(conn, int(row.id))
        audit.record(
            conn, audit.who(actor), "exchange.remove", target(name), {"list": row.list_name}
        )
        return {"removed": name}


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _abandoned(owner: str | None) -> bool:
    """A lease held by a process of this machine that is gone (killed mid-fetch)."""
    return bool(owner) and owner_gone(str(owner))


def fetch(env: ExchangeEnv, name: str, *, actor: Actor | None = None) -> dict[str, Any]:
    """One incremental fetch now. Returns ``{"added", "updated", "deleted", "errors",
    "checkpoint", "ok"}``; ``ok`` is False when the fetch could not finish (its
    ``error`` says why; the next fetch resumes where it stopped)."""
    owner, now = _owner(), datetime.now(UTC)
    with env.store.begin() as conn:
        row = store_ex.get_exchange(conn, name, lock=True)
        until = now + timedelta(seconds=LEASE_S)
        if _abandoned(row.lease_owner):
            store_ex.update_exchange(conn, int(row.id), lease_owner=None, lease_until=None)
        if not store_ex.take_lease(conn, int(row.id), owner, now, until):
            raise ConflictError(f"exchange {name!r} is being fetched by another worker")
        scheme = store_lists.get_list(conn, str(row.list_name)).scheme
    counts, error = Counts(), None
    checkpoint = json.loads(row.checkpoint) if row.checkpoint else None
    try:
        etype = registry.get(str(row.kind))
        config = env.config(row)
        resume = json.loads(row.resume) if row.resume else None
        for page in prefetched(etype.pages(config, checkpoint, resume)):
            # bulk: a big page cache keeps the list's unique index in memory on SQLite.
            with env.store.begin(bulk=True) as conn:
                current = store_ex.get_exchange(conn, name)
                apply_page(conn, current, etype, scheme, page, counts)
                values: dict[str, Any] = {
                    "resume": json.dumps(page.resume) if page.resume else None,
                    "lease_until": datetime.now(UTC) + timedelta(seconds=LEASE_S),
                }
                if page.checkpoint is not None:
                    checkpoint = page.checkpoint
                    values["checkpoint"] = json.dumps(checkpoint)
                store_ex.update_exchange(conn, int(row.id), **values)
    except ExchangeError as exc:
        error = str(exc)
    result: dict[str, Any] = {
        "added": counts.added,
        "updated": counts.updated,
        "deleted": counts.deleted,
        "errors": counts.errors,
        "checkpoint": checkpoint,
        "ok": error is None,
    }
    if error is not None:
        result["error"] = error
    if counts.examples:
        result["error_examples"] = counts.examples
    _finish(env, row, result, error, actor)
    return result


def _finish(
    env: ExchangeEnv, row: Any, result: dict[str, Any], error: str | None, actor: Actor | None
) -> None:
    now = datetime.now(UTC)
    with env.store.begin() as conn:
        store_ex.update_exchange(
            conn,
            int(row.id),
            last_fetch_at=now,
            last_result=json.dumps(result),
            last_error=error,
            next_fetch_at=now + timedelta(seconds=int(row.interval_s)),
            lease_owner=None,
            lease_until=None,
        )
        details = {k: v for k, v in result.items() if k != "error_examples"}
        audit.record(conn, audit.who(actor), "exchange.fetch", target(str(row.name)), details)
