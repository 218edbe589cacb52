"""Signed webhook delivery, with retries and a persisted delivery log.

Each delivery is a JSON POST signed with the action's secret::

    X-Brightline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

The timestamp is signed too, so a receiver can refuse replays (``verify_signature``
checks it is recent). A delivery that fails (connection error, timeout, any non-2xx
answer) is retried after ``backoff_s``, doubling each time, up to ``max_attempts``;
every attempt's outcome is kept in ``webhook_deliveries``. Workers lease a delivery
before sending it, so two workers never send the same one at the same time; the
lease runs from the moment of the claim, and an outcome is recorded only by the
worker still holding it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx

from brightline.errors import FetchError, NotFoundError
from brightline.services.actions import ActionKind
from brightline.services.fetch import Resolver, is_public_address, resolve
from brightline.services.store import Store
from brightline.services.store import actions as store_actions

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Brightline-Signature"
DELIVERY_HEADER = "X-Brightline-Delivery"
MAX_BACKOFF_S = 3600.0


def sign(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_signature(
    secret: str, header: str, body: bytes, now: float, tolerance_s: float = 300
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is at most ``tolerance_s`` old."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))


def backoff_delay(base_s: float, attempts: int, cap_s: float = MAX_BACKOFF_S) -> float:
    """Seconds to wait after the ``attempts``-th failure: base, 2×base, 4×base, …"""
    return float(min(cap_s, base_s * 2 ** max(0, attempts - 1)))


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Deliverer:
    """Sends due deliveries. ``clock`` and ``transport`` are injectable for tests."""

    def __init__(
        self,
        store: Store,
        *,
        timeout_s: float = 5.0,
        max_attempts: int = 6,
        backoff_s: float = 2.0,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] = _utcnow,
        allow_private: bool = False,
        resolver: Resolver = resolve,
    ):
        self.store = store
        self.allow_private = allow_private
        self.resolver = resolver
        self.timeout_s = timeout_s
        self.max_attempts = max(1, max_attempts)
        self.backoff_s = backoff_s
        self.clock = clock
        # No proxies from the environment, no redirects: the receiver is the URL given.
        self._client = httpx.Client(
            timeout=timeout_s, transport=transport, trust_env=False, follow_redirects=False
        )

    def run_due(self, limit: int = 50) -> int:
        """Attempt every delivery that is due now; returns how many were attempted."""
        with self.store.connect_events() as conn:
            due = store_actions.due_delivery_ids(conn, self.clock(), limit)
        attempted = 0
        for delivery_id in due:
            # The time now, not when the batch was read: earlier sends in the batch
            # may have taken a while, and a lease dated from then could already have
            # run out, letting another worker send this delivery at the same time.
            now = self.clock()
            lease = now + timedelta(seconds=self.timeout_s + 30)
            with self.store.begin_events() as conn:
                claimed = store_actions.claim_delivery(conn, delivery_id, now, lease)
            if claimed:
                self._attempt(delivery_id, now, lease)
                attempted += 1
        return attempted

    def close(self) -> None:
        self._client.close()

    def _attempt(self, delivery_id: int, now: datetime, lease: datetime) -> None:
        with self.store.connect_events() as conn:
            row = store_actions.get_delivery(conn, delivery_id)
        with self.store.connect() as conn:
            try:
                action = store_actions.get_action(conn, row.action_id)
            except NotFoundError:
                action = None
        attempts = row.attempts + 1
        if action is None or action.kind != ActionKind.WEBHOOK or not action.secret:
            gone = "the webhook action was removed"
            self._finish(delivery_id, lease, attempts, None, gone, now, True)
            return
        body = row.payload.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "brightline-webhook/1",
            SIGNATURE_HEADER: sign(action.secret, body, int(now.timestamp())),
            DELIVERY_HEADER: str(delivery_id),
        }
        code: int | None = None
        error = None if self.allow_private else self._refused_receiver(row.url)
        if error:
            # Retrying cannot help: the address is refused, not unreachable.
            self._finish(delivery_id, lease, attempts, None, error, now, True)
            return
        try:
            # Streamed and left unread: only the status matters, and a receiver's
            # endless or huge body must not hold this thread or its memory.
            with self._client.stream("POST", row.url, content=body, headers=headers) as resp:
                code = resp.status_code
            if not 200 <= code < 300:
                error = f"receiver answered HTTP {code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        self._finish(delivery_id, lease, attempts, code, error, now, attempts >= self.max_attempts)

    def _refused_receiver(self, url: str) -> str | None:
        """Why ``url`` may not receive webhooks, or None. Checked at every attempt,
        after DNS, so a name later pointed inside the network is caught too (a
        rebinding between this check and the connection remains possible)."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            addresses = self.resolver(host, port)
        except (ValueError, FetchError) as exc:
            return f"receiver address refused: {exc}"
        private = [a for a in addresses if not is_public_address(a)]
        if private or not addresses:
            return (
                f"receiver address refused: {host} resolves to a private, loopback or "
                f"link-local address ({', '.join(private) or 'none'}); set "
                "BRIGHTLINE_WEBHOOK_ALLOW_PRIVATE=true to allow internal receivers"
            )
        return None

    def _finish(
        self,
        delivery_id: int,
        lease: datetime,
        attempts: int,
        code: int | None,
        error: str | None,
        now: datetime,
        last: bool,
    ) -> None:
        values: dict[str, object] = {
            "attempts": attempts,
            "last_status_code": code,
            "last_error": error,
        }
        if error is None:
            values.update(status=store_actions.DELIVERED, delivered_at=now)
        elif last:
            values["status"] = store_actions.FAILED
            log.warning("webhook delivery %d failed for good: %s", delivery_id, error)
        else:
            delay = backoff_delay(self.backoff_s, attempts)
            values["next_attempt_at"] = now + timedelta(seconds=delay)
        with self.store.begin_events() as conn:
            if not store_actions.finish_attempt(conn, delivery_id, lease, **values):
                log.warning(
                    "webhook delivery %d outlived its lease; outcome not recorded", delivery_id
                )
