"""Which daemon publishes: the lease loop around the lease row (see lease.py). Renewed on an
interval as leader; as standby, checked again the moment the holder's lease runs out, so a
takeover comes within the lease time of the holder's last renewal."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone

from prometheus_client import Gauge

from .lease import Lease
from .seams import Jobs

log = logging.getLogger("alertcast.daemon")


class Leadership:
    """This daemon's side of the lease: leader or standby, each change logged once, and
    `on_takeover(sync_first)` called once per takeover, outside the lease lock."""

    def __init__(self, holder: str, jobs: Jobs, gauge: Gauge, stopped: threading.Event,
                 on_takeover: Callable[[bool], None], *, wall_time: Callable[[], float] = time.time) -> None:
        self.holder = holder
        self._jobs, self._gauge, self._stopped, self._on_takeover = jobs, gauge, stopped, on_takeover
        self._wall_time = wall_time  # the lease row's clock (unix seconds)
        self.lease: Lease | None = None  # none until the state store is opened
        self.is_leader = False
        self.lock = threading.Lock()
        self.store_moved = threading.Event()  # state_url changed: never lead again
        self._role: str | None = None  # "leader" or "standby" once known, to log each change once

    def tick(self, sync_first: bool = True) -> None:
        """Take or renew the lease; on becoming leader, take over (after a sync, if `sync_first`)."""
        assert self.lease is not None
        with self.lock:  # one transition to leader, hence one catch-up publish, per takeover
            if self._stopped.is_set():
                return  # stopping: never take the lease again
            try:
                held = not self.store_moved.is_set() and self.lease.acquire()
            except Exception as exc:  # database away: stop acting as leader until it is back
                log.error("lease check failed: %s", type(exc).__name__)
                held = False
            became = held and not self.is_leader
            if self.is_leader and not held:
                log.warning("lost the publisher lease")
            self.is_leader = held
            self._gauge.set(1 if held else 0)
            if not held:
                if self._role != "standby":
                    self._log_standby()
                self._watch_expiry()
            self._role = "leader" if held else "standby"
        if became and not self._stopped.is_set():
            log.info("became leader", extra={"holder": self.holder})
            self._on_takeover(sync_first)

    def still_leader(self) -> bool:
        """Renew just before acting, so a daemon that was paused past its lease stands down."""
        assert self.lease is not None
        with self.lock:
            try:
                self.is_leader = not self.store_moved.is_set() and self.lease.acquire()
            except Exception as exc:
                log.error("lease check failed: %s", type(exc).__name__)
                self.is_leader = False
            self._gauge.set(1 if self.is_leader else 0)
            return self.is_leader

    def step_down(self) -> None:
        """Never lead again (the state store moved): let go of the lease now."""
        self.store_moved.set()
        with self.lock:
            if self.is_leader and self.lease is not None:
                try:
                    self.lease.release()
                except Exception as exc:
                    log.error("lease release failed: %s", type(exc).__name__)
            self.is_leader = False
            self._gauge.set(0)

    def release(self) -> None:
        """At stop: a leader lets go of the lease, so a standby takes over at once."""
        if self.is_leader and self.lease is not None:
            self.lease.release()
        self.is_leader = False

    def _log_standby(self) -> None:
        try:
            current = self.lease.current() if self.lease is not None else None
        except Exception:
            current = None
        log.info("standby: another daemon holds the publisher lease", extra={
            "holder": self.holder, "leader": current[0] if current else None,
            "until": datetime.fromtimestamp(current[1], timezone.utc).isoformat() if current else None})

    def _watch_expiry(self) -> None:
        """As standby, check again the moment the holder's lease runs out, so a takeover comes
        within the lease time of the holder's last renewal, not up to one renewal interval later."""
        if not self._jobs.running or self._stopped.is_set() or self.lease is None:
            return
        try:
            current = self.lease.current()
        except Exception:
            return  # database away: the interval check tries again
        if current is None or current[1] <= self._wall_time():
            return
        self._jobs.add_job(self.tick, "date", id="lease-expiry", replace_existing=True,
                           run_date=datetime.fromtimestamp(current[1] + 0.05, timezone.utc),
                           misfire_grace_time=None)
