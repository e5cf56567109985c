"""When the daemon publishes by itself: at the next boundary (an alert's `publish_at`, its
`expires_at`, an `updated_at` still ahead: see `Plan.next_change_at`), with its release built
ahead of it, and at each re-sign instant of the banner files.

The next boundary is derived from content at every start, sync and publish, never kept in
APScheduler's job store: a late wake-up still publishes (misfire_grace_time=None), and a
boundary passed while the daemon was down is caught up by the first publish for `now`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from prometheus_client import Gauge

from ..config import Config
from ..content.models import Content
from ..plan import Plan
from ..problems import ContentError
from .releases import PREPARE_LEAD, PreparedRelease, content_state
from .seams import Clock, Jobs, Preparer, utcnow

log = logging.getLogger("alertcast.daemon")


class Boundaries:
    """The "boundary", "prepare" and "resign" jobs, and what they are derived from: the last
    published moment and how long a build takes. `clock` gives the moments publishes are for;
    `wall` is the scheduler's clock, on which a delay becomes a job's run date."""

    def __init__(self, jobs: Jobs, publish: Callable[[str], None], *, lock: threading.RLock, clock: Clock,
                 gauge: Gauge, leading: Callable[[], bool], stopped: threading.Event, releases: PreparedRelease,
                 preparer: Preparer | None, load: Callable[[], tuple[Config, Content]],
                 config: Callable[[], Config], refresh_config: Callable[[], bool], wall: Clock = utcnow) -> None:
        """`lock` is the publish lock (one publish, preparation or scheduling at a time); `load`
        gives what to publish from (see ContentSource); `refresh_config` reads mkdocs.yml again
        if it changed, False while it is invalid."""
        self._jobs, self._publish, self._lock, self._clock, self._wall = jobs, publish, lock, clock, wall
        self._gauge, self._leading, self._stopped = gauge, leading, stopped
        self._releases, self._preparer, self._load, self._config = releases, preparer, load, config
        self._refresh_config = refresh_config
        self.next: datetime | None = None  # the boundary the "boundary" job is set for
        self.published_at: datetime | None = None  # `now` of the last successful publish
        self.build_seconds = 0.0  # duration of the last successful publish that built (not switched)

    def published(self, now: datetime, seconds: float | None) -> None:
        """A publish for `now` succeeded; `seconds` is how long it built (None: a prepared switch)."""
        if seconds is not None:
            self.build_seconds = seconds
        self.published_at = now

    def schedule_from_content(self, now: datetime) -> None:
        """Set the boundary after `now` of the content at hand; bad content keeps the one derived
        from the last good content."""
        with self._lock:
            try:
                self.schedule(Plan.at(self._load()[1], now).next_change_at)
            except ContentError:
                pass

    def schedule(self, when: datetime | None) -> None:
        """Publish at `when` (None: no boundary ahead), at its second, and have its release prepared."""
        if when is not None and self.published_at is not None and when <= self.published_at:
            return  # a plan computed just before a boundary that has since been published
        if self._due(when):
            return  # the boundary whose time has come publishes first, then schedules the next
        changed = when != self.next
        self.next = when
        self._gauge.set(when.timestamp() if when else 0)
        if when is None or not self._jobs.running:
            return
        self._jobs.add_job(self._publish, "date", run_date=when, args=["boundary"], id="boundary",
                           replace_existing=True, misfire_grace_time=None)
        if changed:  # not at every sync that finds nothing new
            log.info("next boundary", extra={"at": when.isoformat()})
        # Any publish drops the prepared release, so a sync that found nothing new (same boundary,
        # release still prepared) need not walk content/ again to find it unchanged.
        if self._leading() and (changed or self._releases.pending is None):
            self._schedule_prepare(when)

    def _due(self, when: datetime | None) -> bool:
        """True when the boundary job's time has come but it has not run yet, nor has a publish
        covered it, and `when` is later. A plan made for a moment just past that boundary (a sync
        finishing then, before the scheduler's thread woke) names the boundary after it: replacing
        the job with that one would leave the due boundary unpublished until the next."""
        if when is None or not self._leading() or not self._jobs.running:
            return False
        job = self._jobs.get_job("boundary")
        due = job.next_run_time if job is not None else None
        return (due is not None and due <= self._clock() and when > due
                and (self.published_at is None or self.published_at < due))

    def prepare_lead(self) -> float:
        """Seconds before a boundary its release starts being built: three builds, within PREPARE_LEAD."""
        return min(max(PREPARE_LEAD[0], 3 * self.build_seconds), PREPARE_LEAD[1])

    def _schedule_prepare(self, when: datetime) -> None:
        """Build the release for `when` ahead of it, so the boundary itself is one switch:
        a site of a thousand alerts takes tens of seconds to build, the switch a millisecond."""
        if self._preparer is None or not self._jobs.running or self._stopped.is_set():
            return
        self._jobs.add_job(self.prepare_for, "date", args=[when], id="prepare", replace_existing=True,
                           run_date=max(self._wall(), when - timedelta(seconds=self.prepare_lead())),
                           misfire_grace_time=None)

    def prepare_for(self, when: datetime) -> None:
        """Build (privately) the release for the coming boundary `when`."""
        with self._lock:
            if (self._preparer is None or not self._leading() or self._stopped.is_set()
                    or when != self.next or when <= self._clock()):
                return  # superseded, or its moment is here: the boundary publish builds it
            if not self._refresh_config():
                return  # the boundary publish reports it
            state = content_state(self._config())
            if self._releases.holds(when, state):
                return
            self._releases.drop()
            started = time.monotonic()
            try:
                self._releases.keep(when, state, self._preparer(self._load()[0], when))
            except Exception as exc:  # bad content, a full disk...: the boundary publish will say
                log.warning("could not prepare the next release", extra={"for": when.isoformat(),
                                                                          "error": type(exc).__name__})
                return
            log.info("prepared the next release", extra={"for": when.isoformat(),
                                                         "seconds": round(time.monotonic() - started, 3)})

    def within_build(self, content: Content, now: datetime) -> datetime | None:
        """The last of the boundaries that pass before a build started at `now` would end (by the
        last build's duration), if any. Building for `now` and then for that boundary would make
        it late by a whole build; its release, switched to at its second, shows the change for
        `now` too. Only with a preparer (the real pipeline)."""
        if self._preparer is None or self.build_seconds <= 0:
            return None
        end = now + timedelta(seconds=self.build_seconds)
        target, nxt = None, Plan.at(content, now).next_change_at
        while nxt is not None and nxt <= end:
            target, nxt = nxt, Plan.at(content, nxt).next_change_at
        return target

    def schedule_resign(self, now: datetime) -> None:
        """Publish again at the next re-sign instant (see `render.banner.next_resign`): banner files
        carry a `valid_until`, so they are issued again on that cadence even when nothing changes.
        The delay is taken from the daemon's clock, like every moment it publishes for."""
        from ..render.banner import next_resign

        if not self._jobs.running or self._stopped.is_set():
            return
        delay = next_resign(now, self._config()) - now
        self._jobs.add_job(self._publish, "date", run_date=self._wall() + delay, args=["re-sign"], id="resign",
                           replace_existing=True, misfire_grace_time=None)
