"""Publishing again after a publish failed on a deploy or the state store (bad content is not
retried: it waits for a fix). Nothing else would publish: the boundary it was for has passed, and a
sync of unchanged content only sets the timer for the *next* boundary, so an alert could stay off
the banner (and unposted) until then."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from apscheduler.jobstores.base import JobLookupError

from .seams import Clock, Jobs, utcnow

log = logging.getLogger("alertcast.daemon")

RETRY_CAP = 600.0  # seconds: the longest wait between retries of a failed publish


class Retry:
    """Failed publishes in a row, and the one "retry" job: `first` seconds after the first
    failure, doubling at each further one up to RETRY_CAP (or `first`, if that is longer)."""

    def __init__(self, jobs: Jobs, publish: Callable[[str], None], stopped: threading.Event, *,
                 first: float = 30.0, wall: Clock = utcnow) -> None:
        self._jobs, self._publish, self._stopped, self._wall = jobs, publish, stopped, wall
        self.first = first
        self.failures = 0

    def delay(self) -> float:
        """Seconds from the latest failure to its retry."""
        return min(self.first * 2 ** (self.failures - 1), max(self.first, RETRY_CAP))

    def failed(self) -> None:
        """Count a failure and publish again after its delay (on the scheduler's clock)."""
        self.failures += 1
        delay = self.delay()
        if not self._jobs.running or self._stopped.is_set():
            return
        self._jobs.add_job(self._publish, "date", run_date=self._wall() + timedelta(seconds=delay), args=["retry"],
                           id="retry", replace_existing=True, misfire_grace_time=None)
        log.warning("publish will be retried", extra={"seconds": delay, "failures": self.failures})

    def succeeded(self) -> None:
        """A publish went through: the next failure starts from `first` again, and no retry is due."""
        self.failures = 0
        try:
            self._jobs.remove_job("retry")
        except JobLookupError:
            pass
