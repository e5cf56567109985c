"""One publish, as leader, for the moment at hand: the release prepared for it switched to, or a
build; the channels newly enabled on this state store given their baseline (what is live now is
not posted); the posts the plan calls for queued; then the next boundary, re-sign and drain.

A failure keeps the outputs already deployed: bad content or configuration waits for a fix (and
boundaries are still published from the last commit that passes check, see ContentSource); a
deploy or store failure is retried with backoff (see Retry)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy.engine import Engine

from ..broadcast.outbox import record_baseline
from ..plan import Plan
from ..problems import ContentError
from . import gitsync, publog
from .boundaries import Boundaries
from .lastgood import HeldBack
from .leadership import Leadership
from .liveconfig import LiveConfig, problems_text
from .metrics import Metrics
from .releases import PreparedRelease, discard
from .retry import Retry
from .seams import Clock, Enqueuer, Finisher, Preparer, Publisher
from .source import ContentSource

log = logging.getLogger("alertcast.daemon")


class Publishing:
    """Publishes, and keeps what /healthz says of the last publish and which commit is live."""

    def __init__(self, *, lock: threading.RLock, stopped: threading.Event, clock: Clock, holder: str,
                 config: LiveConfig, leadership: Leadership, source: ContentSource, releases: PreparedRelease,
                 boundaries: Boundaries, retry: Retry, metrics: Metrics, engine: Callable[[], Engine],
                 publisher: Publisher, preparer: Preparer | None, finisher: Finisher, enqueuer: Enqueuer,
                 drain: Callable[[], None]) -> None:
        """`lock` is the publish lock; `drain` runs after every publish a leader makes."""
        self._lock, self._stopped, self._clock, self._holder = lock, stopped, clock, holder
        self._config, self._leadership, self._source, self._releases = config, leadership, source, releases
        self._boundaries, self._retry, self._metrics, self._engine = boundaries, retry, metrics, engine
        self._publisher, self._preparer, self._finisher, self._enqueuer = publisher, preparer, finisher, enqueuer
        self._drain = drain
        self.live_commit: str | None = None  # the commit whose content the last publish showed
        self.last_ok: bool | None = None
        self.last_error: str | None = None

    def run(self, reason: str) -> None:
        """Build, deploy and enqueue for the current time; only the lease holder does this."""
        leadership, boundaries = self._leadership, self._boundaries
        with self._lock:
            if not leadership.is_leader or self._stopped.is_set() or not leadership.still_leader():
                self._releases.drop()  # built while leading: another daemon publishes this boundary
                return
            now = self._clock()
            started = time.monotonic()
            if not self._config.refresh():  # like bad content: nothing is published until it is fixed
                self._releases.drop()
                self._failed(now, started, "configuration has errors; still serving the last good outputs: "
                             + (self._config.error or ""))
                boundaries.schedule_from_content(now)
                return
            config = self._config.current
            prepared = self._releases.take(now, config)
            try:
                source, content = self._source.load(config)
                held = self._source.held_back
                if (held is not None and reason == "sync" and prepared is None and self.last_ok
                        and self.live_commit == held.good):
                    # a broken commit arrived: what is live stays as it is, its boundaries still come
                    boundaries.schedule(Plan.at(content, now).next_change_at)
                    return
                ahead = None if prepared is not None else boundaries.within_build(content, now)
                if ahead is not None:  # a boundary passes during this build: build for it, switch at it
                    log.info("a boundary falls within the build: its release is built now",
                             extra={"for": ahead.isoformat(), "build_seconds": round(boundaries.build_seconds, 3)})
                    prepared = self._preparer(source, ahead)  # type: ignore[misc]
                    wait = (ahead - self._clock()).total_seconds()
                    if wait > 0 and self._stopped.wait(wait):
                        discard(prepared)
                        return
                if prepared is not None:  # built before its moment: going live is one switch
                    now = prepared.plan.now.astimezone(timezone.utc)
                    result = self._finisher(source, prepared)
                else:
                    result = self._publisher(source, now)
                plan = getattr(result, "plan", None) or Plan.at(content, now)
                recorded = record_baseline(self._engine(), plan, source)
                if recorded:
                    log.info("channels enabled on this state store: what is live now is not posted",
                             extra={"channels": recorded})
                self._enqueuer(self._engine(), plan, source)
            except ContentError as exc:
                self._failed(now, started, "content has errors; still serving the last good outputs: "
                             + problems_text(exc, config.path))
                boundaries.schedule_from_content(now)
                return
            except Exception as exc:  # a deploy or store failure: report, keep the old outputs
                self._failed(now, started, f"publish failed: {type(exc).__name__}: {exc}"[:1500])
                boundaries.schedule(None)
                self._retry.failed()
                return
            self._succeeded(reason, now, time.monotonic() - started, prepared is not None, held)
            boundaries.schedule(plan.next_change_at)
            boundaries.schedule_resign(now)
        self._drain()

    def _succeeded(self, reason: str, now: datetime, duration: float, prepared: bool, held: HeldBack | None) -> None:
        self._metrics.publish_seconds.observe(duration)
        self._metrics.publishes.labels("ok").inc()
        self._metrics.last_success.set(now.timestamp())
        self.live_commit = held.good if held is not None else gitsync.head(self._config.current.content_dir)
        detail = reason if held is None else (f"{reason}; from commit {held.good}: the newest commit "
                                              f"{held.commit} fails check")
        # recorded before /healthz can say ok: whoever reads it then finds this publish in the log
        publog.record(self._engine(), "publish", now, True, holder=self._holder, duration=duration, detail=detail)
        self._boundaries.published(now, None if prepared else duration)
        self.last_ok, self.last_error = True, None
        self._retry.succeeded()
        log.info("published", extra={"reason": reason, "now": now.isoformat(), "seconds": round(duration, 3),
                                     "prepared": prepared, "commit": self.live_commit})

    def _failed(self, now: datetime, started: float, message: str) -> None:
        self._metrics.publishes.labels("error").inc()
        self.last_ok, self.last_error = False, message
        publog.record(self._engine(), "publish", now, False, holder=self._holder,
                      duration=time.monotonic() - started, detail=message)
        log.error(message)
