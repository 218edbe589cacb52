"""HTTP for exchange clients: one httpx client per fetch, retries with backoff.

429 and 5xx answers and transport failures are retried (``Retry-After`` honoured up
to the backoff cap); anything else, or running out of attempts, is an
``ExchangeError`` that names the status but never the credentials.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx

from brightline.errors import ExchangeError

log = logging.getLogger("brightline.exchanges")
RETRIED = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class HttpOptions:
    timeout_s: float = 60.0
    attempts: int = 5
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0


def request(
    client: httpx.Client, opts: HttpOptions, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """The response of a request that succeeded (2xx), after retries."""
    last = ""
    for attempt in range(max(1, opts.attempts)):
        if attempt:
            delay = min(opts.max_backoff_s, opts.backoff_s * (2 ** (attempt - 1)))
            time.sleep(delay)
        try:
            resp = client.request(method, url, timeout=opts.timeout_s, **kwargs)
        except httpx.HTTPError as exc:
            last = f"{type(exc).__name__}"
            log.warning("exchange request failed, retrying", extra={"error": last})
            continue
        if resp.status_code in RETRIED:
            last = f"HTTP {resp.status_code}"
            wait = _retry_after(resp, opts)
            if wait:
                time.sleep(wait)
            continue
        if resp.status_code >= 400:
            raise ExchangeError(f"{method} {_path(url)} answered HTTP {resp.status_code}")
        return resp
    raise ExchangeError(f"{method} {_path(url)} failed after {opts.attempts} attempts ({last})")


def _retry_after(resp: httpx.Response, opts: HttpOptions) -> float:
    try:
        return min(float(resp.headers.get("retry-after", "0")), opts.max_backoff_s)
    except ValueError:
        return 0.0


def _path(url: str) -> str:
    """The URL without its query (no tokens in messages)."""
    return httpx.URL(url).copy_with(query=None).path
