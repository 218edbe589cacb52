"""``GET /metrics`` in Prometheus' text format, and the request-latency histogram.

Open only to ``Authorization: Bearer <BRIGHTLINE_METRICS_TOKEN>`` or an admin API key.

Several server workers: figures that live in the database (files hashed, matches,
queue depth, outbox, exchanges) are read at scrape time by whichever worker answers,
so every worker gives the same answer. Request latency is measured in each worker;
``brightline serve`` runs prometheus_client in multiprocess mode (each worker writes
its histogram to a file in ``BRIGHTLINE_METRICS_DIR``, cleared when the server
starts) and a scrape adds all workers' files up. Without that folder (one process,
tests) the histogram is the process's own.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from brightline.adapters.api.deps import RuntimeDep, current_key, presented_token
from brightline.errors import AuthError, ForbiddenError
from brightline.services.people.auth import Role
from brightline.services.stats import metrics

router = APIRouter(include_in_schema=False)
_latency: Any = None  # the Histogram, made on first use (prometheus_client loads lazily)
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def latency() -> Any:
    global _latency
    if _latency is None:
        from prometheus_client import Histogram

        _latency = Histogram(
            "brightline_request_seconds",
            "Time to answer an HTTP request, by route template and method.",
            ["route", "method"],
            buckets=BUCKETS,
            registry=None,
        )
    return _latency


class RequestTimer:
    """Times every request under its route's template (``/v1/lists/{name}``), never
    its raw path, so the label set stays small."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            latency().labels(template, scope["method"]).observe(time.perf_counter() - started)


@router.get("/metrics")
async def get_metrics(request: Request, runtime: RuntimeDep) -> Response:
    await _check(request, runtime)
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    snap = await run_in_threadpool(metrics.snapshot, runtime.services.store)
    registry = CollectorRegistry(auto_describe=False)
    folder = runtime.settings.metrics_dir
    if folder is not None:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry, path=str(folder))  # type: ignore[no-untyped-call]
    else:
        registry.register(latency())
    registry.register(_Figures(snap, _index_sizes(runtime)))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


async def _check(request: Request, runtime: Any) -> None:
    token = presented_token(request.headers.get("authorization"))
    wanted = runtime.settings.metrics_token
    if token and wanted and hmac.compare_digest(token, wanted.get_secret_value()):
        return
    if token is None:
        raise AuthError("metrics need 'Authorization: Bearer <BRIGHTLINE_METRICS_TOKEN>'")
    key = await current_key(request, runtime, None)
    if not key.allows(Role.ADMIN):
        raise ForbiddenError("metrics need the metrics token or an admin key")


def _index_sizes(runtime: Any) -> dict[str, int]:
    if not runtime.ready:
        return {}
    m = runtime.matcher
    return {t: m.index_size(t) for t in m.signal_types}


class _Figures:
    def __init__(self, snap: metrics.Snapshot, index_sizes: dict[str, int]):
        self.snap = snap
        self.index_sizes = index_sizes

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily

        s = self.snap
        hashed = CounterMetricFamily(
            "brightline_files_hashed", "Files hashed, by signal type.", labels=["signal_type"]
        )
        for t, n in sorted(s.files_hashed.items()):
            hashed.add_metric([t], n)
        yield hashed
        found = CounterMetricFamily(
            "brightline_matches",
            "Matches, by list and signal type.",
            labels=["list", "signal_type"],
        )
        for (lst, t), n in sorted(s.matches.items()):
            found.add_metric([lst, t], n)
        yield found
        yield _gauge(
            "brightline_review_queue_depth",
            "Review items waiting, by queue and state.",
            ["queue", "state"],
            s.queue_depth,
        )
        yield _gauge(
            "brightline_outbox_pending",
            "Reports (by destination) and webhook deliveries waiting to go out.",
            ["destination"],
            s.outbox_pending,
        )
        yield _gauge(
            "brightline_exchange_entries",
            "Entries held from each exchange.",
            ["exchange"],
            s.exchange_entries,
        )
        yield _gauge(
            "brightline_exchange_seconds_since_good_fetch",
            "Seconds since each exchange was last fetched without error.",
            ["exchange"],
            s.exchange_fetch_age_s,
        )
        yield _gauge(
            "brightline_index_size",
            "Hashes in this worker's index, by signal type.",
            ["signal_type"],
            self.index_sizes,
        )


def _gauge(name: str, doc: str, labels: list[str], values: Mapping[Any, float]) -> Any:
    from prometheus_client.core import GaugeMetricFamily

    g = GaugeMetricFamily(name, doc, labels=labels)
    for key, value in sorted(values.items()):
        g.add_metric(list(key) if isinstance(key, tuple) else [key], value)
    return g
