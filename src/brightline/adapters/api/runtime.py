"""What one API worker process holds: the services, the matcher (loaded in the
background, so the worker answers health checks at once), the key checker, the
URL fetch guard, and two background threads: one keeps the index in step with the
database (changes made by other workers or the CLI become matchable within about
``refresh_interval_s``), one sends webhook deliveries."""

from __future__ import annotations

import fcntl
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread
from starlette.concurrency import run_in_threadpool

from brightline.adapters.api.errors import ApiError
from brightline.core.models import ScanResult
from brightline.core.sources import ContentItem
from brightline.core.sources.upload import UploadBody
from brightline.errors import ThrottledError
from brightline.services.actions.delivery import Deliverer
from brightline.services.context import Services, index_dir_for, open_services
from brightline.services.exchanges import worker as exchange_worker
from brightline.services.exchanges.service import ExchangeEnv
from brightline.services.fetch import FetchGuard
from brightline.services.hashing import HashOptions, decode_cost, item_decode_cost
from brightline.services.lists.matching import Matcher
from brightline.services.people import users
from brightline.services.people.auth import KeyChecker
from brightline.services.people.login_guard import LoginGuard
from brightline.services.pipeline import retro
from brightline.services.pipeline.budget import MemoryBudget
from brightline.services.pipeline.hashing import hash_item
from brightline.services.reports import Reporting
from brightline.settings import Settings

log = logging.getLogger("brightline.api")
#: ``run_light`` calls slower than this on average go to the thread pool.
LIGHT_CALL_S = 0.001
#: Sign-ins that may wait for a password check; more are refused at once (429).
SIGN_IN_QUEUE = 100
P = ParamSpec("P")
R = TypeVar("R")


class Runtime:
    def __init__(self, settings: Settings, services: Services):
        self.settings = settings
        self.services = services
        self.keys = KeyChecker(services.store)
        self.review = services.review_env()  # review items, their media; jobs
        self.fetch: FetchGuard | None = None
        if settings.fetch_enabled:
            self.fetch = FetchGuard(
                settings.fetch_allowed_hosts,
                max_bytes=settings.max_upload_bytes,
                timeout_s=settings.fetch_timeout_s,
            )
        self.kick = threading.Event()  # wakes the webhook sender when a match queued work
        self._hash_slots = threading.BoundedSemaphore(max(1, settings.hash_concurrency))
        self.decode_budget = MemoryBudget(settings.decode_memory_bytes)
        self._matcher: Matcher | None = None
        # Held by the background refresh; ``run_light`` runs on the loop only without it.
        self._refreshing = threading.Lock()
        self._light_cost = 0.0  # seconds, moving average of ``run_light`` calls
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._reporting: Reporting | None = None
        self.report_kick = threading.Event()  # wakes the report outbox after a send
        self.login_guard = LoginGuard(settings)
        self._sign_in_threads = anyio.CapacityLimiter(max(1, settings.login_hash_threads))

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> None:
        loops = [self._index_loop, self._webhook_loop]
        if self.settings.reports_worker:
            loops.append(self._reports_loop)
        if self.settings.exchange_worker:
            loops.append(self._exchange_loop)
        for target in loops:
            thread = threading.Thread(target=target, name=target.__name__, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self.kick.set()
        self.report_kick.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self.keys.close()
        self.services.close()

    @property
    def ready(self) -> bool:
        return self._matcher is not None

    @property
    def matcher(self) -> Matcher:
        if self._matcher is None:
            raise ApiError(503, "not_ready", "the index is still loading; try again shortly")
        return self._matcher

    # -- work --------------------------------------------------------------------

    def hash(self, data: bytes, dihedral: bool = False, name: str = "<upload>") -> ScanResult:
        """Hash an upload held in memory; see ``hash_item``."""
        opts = HashOptions(
            self.settings.upload_max_pixels, dihedral, self.settings.max_decode_bytes
        )
        with UploadBody.of(data, None if name == "<upload>" else name) as body:
            return self.hash_item(body.item(), dihedral, cost=decode_cost(data, opts))

    def hash_item(
        self, item: ContentItem, dihedral: bool = False, cost: int | None = None
    ) -> ScanResult:
        """Hash an upload. Every route that hashes comes here (one file, a batch, the
        HMA-compatible ones), so decodes are bounded for all: at most
        ``hash_concurrency`` at once, holding together at most ``decode_memory_bytes``
        (each reserves its estimated cost first; one over ``max_decode_bytes`` is
        refused without decoding)."""
        s = self.settings
        opts = HashOptions(s.upload_max_pixels, dihedral, s.max_decode_bytes)
        if cost is None:
            cost = item_decode_cost(item, opts)
        with self.decode_budget.reserve(cost), self._hash_slots:
            return hash_item(item, opts)

    async def run_light(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a call that is usually quick (a PDQ index probe: tens of microseconds,
        less than a hand-off to a thread costs) right on the event loop.

        It goes to the thread pool instead while the index is being refreshed (the
        loop must never wait for that) and while such calls have lately been slow
        (an index that scans, a list full of near-duplicates): the loop stays free
        for other requests. Holding the refresh lock during the call keeps a
        refresh from starting under it.
        """
        if self._light_cost < LIGHT_CALL_S and self._refreshing.acquire(blocking=False):
            try:
                return self._timed(fn, *args, **kwargs)
            finally:
                self._refreshing.release()
        return await run_in_threadpool(functools.partial(self._timed, fn, *args, **kwargs))

    async def sign_in(self, name: str, password: str, address: str) -> tuple[str, users.Session]:
        """``users.login`` on threads of its own, as many as the password pool has
        slots: sign-ins waiting their turn wait here, never holding the threads other
        routes need, and past ``SIGN_IN_QUEUE`` of them the next is refused."""
        if self._sign_in_threads.statistics().tasks_waiting >= SIGN_IN_QUEUE:
            raise ThrottledError("too many sign-ins at once; try again in a moment", 1.0)
        call = functools.partial(
            users.login,
            self.services.store,
            self.settings,
            name,
            password,
            address=address,
            guard=self.login_guard,
        )
        return await anyio.to_thread.run_sync(call, limiter=self._sign_in_threads)

    def _timed(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent = time.perf_counter() - started
            self._light_cost += (spent - self._light_cost) * 0.1  # moving average

    def _index_loop(self) -> None:
        interval = self.settings.refresh_interval_s
        while self._matcher is None and not self._stop.is_set():
            try:
                self._matcher = self._open_matcher()
                log.info("index loaded", extra={"hashes": self._matcher.size})
            except Exception:
                log.exception("could not load the index; retrying")
                self._stop.wait(max(interval, 1.0))
        while not self._stop.wait(interval):
            try:
                assert self._matcher is not None
                with self._refreshing:
                    self._matcher.refresh(save=False)
            except Exception:
                log.exception("index refresh failed; retrying")
            # Entries added since (import, API, exchange): recent content they match.
            retro.run_after_change(self.services.store, self.settings, self._matcher)

    def _exchange_loop(self) -> None:
        """Fetch exchanges on their interval and send their feedback."""
        env = ExchangeEnv(self.services.store, self.settings)
        while not self._stop.wait(2.0):
            try:
                exchange_worker.run_due(env)
            except Exception:
                log.exception("exchange round failed")

    def _open_matcher(self) -> Matcher:
        index_dir = index_dir_for(self.settings)
        # Workers starting together take turns: the first saves the caught-up index,
        # the others load that file instead of writing the same one at once.
        with _file_lock(index_dir / "open.lock"):
            return Matcher(self.services.store, index_dir).open()

    def _webhook_loop(self) -> None:
        s = self.settings
        deliverer = Deliverer(
            self.services.store,
            timeout_s=s.webhook_timeout_s,
            max_attempts=s.webhook_max_attempts,
            backoff_s=s.webhook_backoff_s,
            allow_private=s.webhook_allow_private,
        )
        try:
            while not self._stop.is_set():
                try:
                    while deliverer.run_due():
                        pass
                except Exception:
                    log.exception("webhook delivery round failed")
                self.kick.wait(1.0)
                self.kick.clear()
        finally:
            deliverer.close()

    @property
    def reporting(self) -> Reporting:
        """Reports and the evidence vault (made on first use: it opens the master key)."""
        if self._reporting is None:
            self._reporting = Reporting.from_settings(self.services.store, self.settings)
        return self._reporting

    def _reports_loop(self) -> None:
        """The report outbox: drives every report due, each step durable, with backoff."""
        driver = None
        while not self._stop.is_set():
            try:
                driver = driver or self.reporting.driver()
                while driver.run_due() and not self._stop.is_set():
                    pass
            except Exception:
                log.exception("report outbox round failed")
            self.report_kick.wait(1.0)
            self.report_kick.clear()
        if driver is not None:
            driver.close()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def warm_index(settings: Settings) -> int:
    """Load and catch up the saved index (saving it), before workers start."""
    services = open_services(settings)
    try:
        index_dir = index_dir_for(settings)
        with _file_lock(index_dir / "open.lock"):
            return Matcher(services.store, index_dir).open().size
    finally:
        services.close()
