"""Bringing content from git: one sync at a time (on an interval, on a webhook's push, before a
takeover), pushes that arrive together coalesced into one more sync, and the last sync's error."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from prometheus_client import Counter

from . import gitsync
from .gitsync import SyncResult
from .seams import Jobs

log = logging.getLogger("alertcast.daemon")

TAKEOVER_SYNC = 10.0  # seconds a daemon taking over waits for git before it publishes what it has
SYNC_TIMEOUT = 120.0  # seconds a git command of a sync may take before it is killed


class ContentSync:
    """Runs `fetch` (gitsync.sync) on `checkout()` and hands each result to `on_result(result,
    publish)`, which publishes a change unless `publish` is False (the caller publishes next)."""

    def __init__(self, jobs: Jobs, checkout: Callable[[], Path], on_result: Callable[[SyncResult, bool], None],
                 errors: Counter, stopped: threading.Event, *, enabled: bool = True,
                 fetch: Callable[..., SyncResult] = gitsync.sync, takeover_wait: float = TAKEOVER_SYNC) -> None:
        """`takeover_wait`: how long a takeover waits for git, for a sync running or its own."""
        self._jobs, self._checkout, self._on_result = jobs, checkout, on_result
        self._errors, self._stopped, self._fetch = errors, stopped, fetch
        self._takeover_wait = takeover_wait
        self.enabled = enabled
        self.last_error: str | None = None
        # The interval sync and a webhook's can overlap; two `git fetch` on one checkout fail on
        # the ref lock, and two merges would both report the change and publish it twice.
        self.lock = threading.Lock()
        self._queued = threading.Event()  # a webhook's sync is queued and has not fetched yet

    def trigger(self) -> None:
        """Webhook: sync right away (in the scheduler's pool, not the HTTP thread).

        A push that arrives during a sync (its fetch may have missed the commit) queues one more,
        which fetches after the running one ends. Further pushes before that one has begun are
        covered by its fetch: they queue nothing (a burst of pushes makes two syncs, not fifty,
        and no job is refused by the scheduler)."""
        if self._queued.is_set():
            return
        self._queued.set()
        self._jobs.add_job(self._triggered, id="sync-now", replace_existing=True, max_instances=2)

    def _triggered(self) -> None:
        self.now(triggered=True)

    def now(self, triggered: bool = False) -> None:
        """Sync, after the one running (if any) ends."""
        with self.lock:
            if triggered:
                self._queued.clear()  # from here on, a push may have come after this fetch
            if not self._stopped.is_set():
                self.run()

    def before_takeover(self) -> None:
        """A standby's checkout can be a sync interval behind what the daemon it replaces last
        published: publishing it as it is would take that back (on a shared deploy target, an
        alert just withdrawn would be in the banner again). So fetch first, for a few seconds
        at most: an unreachable remote must not hold the takeover back."""
        if not self.enabled:
            return
        log.info("waiting for a sync before the first publish as leader",
                 extra={"timeout_seconds": self._takeover_wait})
        if not self.lock.acquire(timeout=self._takeover_wait):
            log.warning("no sync within the wait: publishing the checkout at hand")
            return  # a sync already running publishes what it brings, this daemon leading now
        try:
            if not self._stopped.is_set():
                self.run(publish=False, timeout=self._takeover_wait)
        finally:
            self.lock.release()

    def run(self, publish: bool = True, timeout: float = SYNC_TIMEOUT) -> None:
        """Fetch and fast-forward (the caller holds `lock`), note the error if any, hand over the result."""
        result = self._fetch(self._checkout(), timeout=timeout, cancel=self._stopped)
        if not result.ok:
            self.last_error = result.error
            self._errors.inc()
            log.error("sync failed: %s", result.error)
        else:
            self.last_error = None
        self._on_result(result, publish)
