"""`alertcast run`: one process that syncs content, publishes at every boundary, drains the outbox.

A boundary is a moment the outputs change by themselves: an alert's `publish_at`, its
`expires_at`, or an `updated_at` still ahead (the Plan shows an alert as of `now`, so an update
or a withdrawal dated later goes out at that second; see `Plan.next_change_at`).

Content and the outbox are the source of truth, not APScheduler's job store: jobs live in
memory, the next boundary is derived from content at every start and sync, and
start always publishes once for `now`, so a boundary passed while the daemon was down is
caught up (APScheduler 3.x would drop a late date job after misfire_grace_time).

`Daemon` composes the rooms, each in its own module and testable alone: `ContentSync` (git),
`Leadership` (the lease loop), `Boundaries` (when to publish, releases prepared ahead),
`Publishing` (one publish), `Retry` (backoff after a failed one), `Dispatch` (the outbox) and
`LiveConfig` (mkdocs.yml, reloaded). What is left here is starting, stopping and the wiring.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from datetime import timezone
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from ..config import Config
from ..content.parsecache import ParseCache
from ..render.diskcache import DiskCache
from ..state import create_tables, open_store
from . import health, publog, webhook
from .boundaries import Boundaries
from .dispatch import Dispatch
from .gitsync import SyncResult
from .lease import Lease, holder_name
from .leadership import Leadership
from .liveconfig import LiveConfig
from .metrics import Metrics
from .publishing import Publishing
from .releases import PreparedRelease
from .retry import Retry
from .seams import (Clock, Drainer, Enqueuer, Finisher, Pipeline, Preparer, Publisher, default_enqueuer,
                    default_finisher, utcnow)
from .source import ContentSource
from .sync import SYNC_TIMEOUT, ContentSync

log = logging.getLogger("alertcast.daemon")

#: Exit status of `alertcast run` when state_url changed under it (EX_TEMPFAIL): its supervisor
#: starts it again, on the store mkdocs.yml names now.
EXIT_STORE_MOVED = 75


class Daemon:
    """The scheduler. Collaborators are injected; defaults import the real pipeline lazily."""

    def __init__(self, config: Config, *, engine: Engine | None = None, publisher: Publisher | None = None,
                 enqueuer: Enqueuer | None = None, dispatcher: Drainer | None = None,
                 clock: Clock = utcnow, holder: str | None = None,
                 sync_interval: float = 60.0, dispatch_interval: float = 5.0, lease_ttl: float = 15.0,
                 webhook_secret: str | None = None, listen: tuple[str, int] | None = None, sync: bool = True,
                 publish_retry: float = 30.0, preparer: Preparer | None = None, finisher: Finisher | None = None,
                 config_error: str | None = None):
        """`config_error`: mkdocs.yml was invalid at start (see `initial_config`) and `config` is a
        stand-in. The daemon then serves /healthz and /metrics and keeps syncing, but opens no state
        store, takes no lease and publishes nothing until a valid mkdocs.yml arrives: only that file
        says which store (a default SQLite one, next to a partner daemon on PostgreSQL, would make
        this one a second publisher). It then starts publishing as it would have at start."""
        self.clock, self.holder = clock, holder or holder_name()
        self.sync_interval, self.dispatch_interval, self._lease_ttl = sync_interval, dispatch_interval, lease_ttl
        self.webhook_secret, self.listen = webhook_secret, listen
        self.waiting = config_error is not None  # no valid mkdocs.yml yet: no store, no lease, no publish
        self.store_error: str | None = None  # waiting, with a valid mkdocs.yml whose state store cannot be opened
        self._engine = engine
        self.metrics = Metrics()
        self.scheduler = BackgroundScheduler(timezone=timezone.utc, job_defaults={"coalesce": True, "max_instances": 1})
        self.server = None
        self._stopped = threading.Event()
        lock = threading.RLock()  # one publish, preparation, reload or scheduling at a time
        self._publish_lock = lock
        self.live = LiveConfig(config, config_error, lock=lock, waiting=lambda: self.waiting,
                               store_moved=self._leave_store)
        # Parsed files and rendered pieces are kept for the daemon's lifetime: a sync reparses and
        # re-renders only what changed. Releases are prepared ahead of boundaries with the real
        # pipeline, or when a test gives a preparer.
        self._parsed = parsed = ParseCache()  # kept for the daemon's lifetime; tests count its loads
        self.source = ContentSource(self.metrics.held_back, parsed)
        # a publish builds from the content just loaded to plan it (ContentSource.take), not from a second load
        # Pages rendered by an earlier run or command, kept in the user's cache folder (render/diskcache.py).
        pipeline = Pipeline(parsed, self.source.take, DiskCache.for_project(config.root, os.environ))
        preparer = preparer or (pipeline.prepare if publisher is None else None)
        self.releases = PreparedRelease()
        self.leadership = Leadership(self.holder, self.scheduler, self.metrics.leader, self._stopped, self._take_over)
        self.sync = ContentSync(self.scheduler, self._checkout, self._synced, self.metrics.sync_errors, self._stopped,
                                enabled=sync)
        self.boundaries = Boundaries(self.scheduler, self.publish_now, lock=lock, clock=clock,
                                     gauge=self.metrics.next_boundary, leading=lambda: self.is_leader,
                                     stopped=self._stopped, releases=self.releases, preparer=preparer,
                                     load=lambda: self.source.load(self.config), config=lambda: self.config,
                                     refresh_config=self.live.refresh)
        self.retry = Retry(self.scheduler, self.publish_now, self._stopped, first=publish_retry)
        self.dispatch = Dispatch(lambda: self.engine, lambda: self.config, lambda: self.source.content, clock,
                                 self.metrics, dispatcher=dispatcher, parsed=parsed)
        self.publishing = Publishing(
            lock=lock, stopped=self._stopped, clock=clock, holder=self.holder, config=self.live,
            leadership=self.leadership, source=self.source, releases=self.releases, boundaries=self.boundaries,
            retry=self.retry, metrics=self.metrics, engine=lambda: self.engine,
            publisher=publisher or pipeline.publish, preparer=preparer, finisher=finisher or default_finisher,
            enqueuer=enqueuer or default_enqueuer, drain=self.dispatch_now)
        if not self.waiting:
            self._open_store()

    # --- what tests and /healthz read --------------------------------------------------------
    config = property(lambda self: self.live.current, doc="The configuration in use (see LiveConfig).")
    is_leader = property(lambda self: self.leadership.is_leader)
    lease = property(lambda self: self.leadership.lease)
    next_boundary = property(lambda self: self.boundaries.next)
    _build_seconds = property(lambda self: self.boundaries.build_seconds)
    held_back = property(lambda self: self.source.held_back, doc="The newest commit fails check (see ContentSource).")
    last_publish_ok = property(lambda self: self.publishing.last_ok)
    live_commit = property(lambda self: self.publishing.live_commit)
    last_sync_error = property(lambda self: self.sync.last_error)

    @property
    def engine(self) -> Engine:
        """The state store; there is none while waiting for a valid mkdocs.yml (see __init__)."""
        if self._engine is None:
            raise RuntimeError("no state store yet: mkdocs.yml has not been valid since the daemon started")
        return self._engine

    def _open_store(self) -> None:
        from ..broadcast.outbox import hold_malformed

        engine = self._engine or open_store(self.config.settings.state_url, self.config.root)
        create_tables(engine)
        hold_malformed(engine, self.clock())  # a store restored from elsewhere: before any row is read
        self._engine = engine
        self.leadership.lease = Lease(engine, self.holder, self._lease_ttl)

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self.open()
        self.begin()

    def open(self) -> None:
        """Start the scheduler and the HTTP server (where a port already in use shows at once)."""
        from .. import __version__
        from ..pipeline import remove_leftovers

        log.info("starting", extra={  # no URL: a state_url may hold a password
            "version": __version__, "project": str(self.config.root), "holder": self.holder,
            "state_store": self._engine.dialect.name if self._engine is not None else None,
            "sync": self.sync.enabled, "sync_interval": self.sync_interval, "dispatch_interval": self.dispatch_interval,
            "lease_ttl": self._lease_ttl, "publish_retry": self.retry.first,
            "webhook": bool(self.webhook_secret), "listen": "%s:%d" % self.listen if self.listen else None})
        if self.waiting:  # said before health can say it: the log and /healthz agree from the start
            log.error("mkdocs.yml is not valid: nothing is published (the outputs already deployed stay as they "
                      "are) until a valid one is %s: %s", "synced" if self.sync.enabled else "saved", self.live.error)
        removed = remove_leftovers(self.config.output_dir)  # folders of builds killed with a previous process
        if removed:
            log.info("removed the folders of killed builds", extra={"folders": [str(p) for p in removed]})
        self.scheduler.start()
        if self.listen:
            routes = webhook.Routes(self.webhook_secret, self.trigger_sync, self.health, self.render_metrics)
            self.server = webhook.serve(routes, *self.listen)
            log.info("listening", extra={"address": "%s:%d" % self.server.server_address[:2]})

    def begin(self) -> None:
        """The first publish, from the checkout at hand (a boundary passed while the daemon was down
        must not wait for a remote that may not answer), then the syncs. Waiting for a valid
        mkdocs.yml, only a sync can bring one: it comes first."""
        waiting = self.waiting
        if self.sync.enabled and waiting:
            self.sync_now()  # bring a valid mkdocs.yml
        elif self.sync.enabled:  # beside the first publish, which does not wait for it
            log.info("first sync started", extra={"timeout_seconds": SYNC_TIMEOUT})
            self.trigger_sync()
        if not waiting:
            self._start_publishing()
        if self.sync.enabled:
            self.scheduler.add_job(self.sync_now, "interval", seconds=self.sync_interval, id="sync")
        else:  # nothing brings a new mkdocs.yml: while it is invalid, look at the file itself
            self.scheduler.add_job(self.recheck_config, "interval", seconds=self.sync_interval, id="config")

    def _start_publishing(self) -> None:
        # Renew from now on, also while the first publish below runs: a build longer than the
        # lease would otherwise let a standby take over from a daemon that is merely busy.
        self.scheduler.add_job(self.tick_lease, "interval", seconds=max(self.lease.ttl / 3, 0.2), id="lease")
        # takes the lease if free and, as leader, catches up once for now, after a sync of a few
        # seconds at most: it may bring a new state_url, and then this daemon must not lead
        self.tick_lease(sync_first=True)
        self.scheduler.add_job(self.dispatch_now, "interval", seconds=self.dispatch_interval, id="dispatch")

    def _begin(self) -> None:
        """Waiting, and mkdocs.yml is valid now: open the store it names and start publishing, as
        at a normal start (take the lease and, as leader, publish for now). A store that cannot be
        opened is reported, and tried again at the next sync (or check of the file)."""
        with self._publish_lock:
            if not self.waiting or self.live.error is not None or self._stopped.is_set():
                return
            try:
                self._open_store()
            except Exception as exc:  # its message could hold the URL's password: only its kind
                self.store_error = (f"the state store cannot be opened ({type(exc).__name__}); check "
                                    "extra.alertcast.state_url in mkdocs.yml and that the database is reachable "
                                    "(tried again at every sync interval)")
                log.error(self.store_error)
                return
            self.waiting, self.store_error = False, None
        log.info("mkdocs.yml is valid: publishing starts")
        self._start_publishing()

    def recheck_config(self) -> None:
        """While mkdocs.yml is invalid (or its state store could not be opened yet), read it again
        if it changed on disk, and publish once it is valid. Without git sync nothing else would
        notice a fix before the next boundary."""
        if self._stopped.is_set() or (self.live.error is None and not self.waiting):
            return
        if not self.live.refresh():
            return
        if self.waiting:
            self._begin()
        else:
            self.publish_now("configuration fixed")

    def _leave_store(self) -> None:
        """state_url now names another store than the one this daemon holds. Leading on the old one
        would make a second leader beside a daemon on the new one (posts sent twice), so this one
        never leads again: it lets go of its lease and `run_forever` exits for its supervisor to
        start it again, on the new store."""
        log.error("extra.alertcast.state_url changed in mkdocs.yml: this daemon holds another state store, so it "
                  "stops leading and exits (status %d) to be started again on the new one", EXIT_STORE_MOVED)
        self.leadership.step_down()

    def stop(self, *, release: bool = True) -> None:
        """Wait for the running job (a publish finishes its write), then let go of the lease.

        APScheduler's `shutdown(wait=True)` waits for running jobs while holding its job-store
        lock, and a publish ending meanwhile schedules its next boundary: that would never
        return. So no new job starts (`shutdown(wait=False)`, and every job checks `_stopped`)
        and the jobs in progress are waited for here, through the locks each of them holds.
        """
        self._stopped.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        with self.sync.lock, self._publish_lock, self.dispatch.lock, self.leadership.lock:
            self.releases.drop()
        if release and not self.waiting:
            self.leadership.release()
        self.leadership.is_leader = False

    @property
    def port(self) -> int | None:
        return self.server.server_address[1] if self.server else None

    def run_forever(self) -> int:
        """Run until SIGTERM or SIGINT, then stop cleanly; the exit status (EXIT_STORE_MOVED when
        state_url changed: the daemon stops for its supervisor to start it on the new store).

        The handler only appends to a list: a handler that takes a lock (setting a
        threading.Event does) can deadlock if the signal lands while this thread holds it.
        """
        received: list[int] = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, _frame: received.append(signum))
        self.open()
        # The first publish runs beside this loop, so that a signal during it (or during the fetch
        # that waits for a valid mkdocs.yml) is acted on at once: stop() kills a running git.
        starter = threading.Thread(target=self.begin, name="alertcast-start", daemon=True)
        starter.start()
        while not received and not self.leadership.store_moved.is_set():
            time.sleep(0.2)
        log.info("stopping", extra={"signal": signal.Signals(received[0]).name if received else None,
                                    "reason": "signal" if received else "state_url changed"})
        started = time.monotonic()
        self.stop()
        starter.join(timeout=5)
        log.info("stopped", extra={"seconds": round(time.monotonic() - started, 3)})
        return 0 if received else EXIT_STORE_MOVED

    # --- jobs: each hands over to its room ----------------------------------------------------
    def tick_lease(self, sync_first: bool = True) -> None:
        self.leadership.tick(sync_first)

    def _take_over(self, sync_first: bool) -> None:
        if sync_first:
            self.sync.before_takeover()
        self.publish_now("start")

    def trigger_sync(self) -> None:
        self.sync.trigger()

    def sync_now(self, triggered: bool = False) -> None:
        self.sync.now(triggered)

    def _checkout(self) -> Path:
        # Waiting for a valid mkdocs.yml, content_dir is unknown: sync the checkout holding mkdocs.yml.
        return self.config.root if self.waiting else self.config.content_dir

    def _synced(self, result: SyncResult, publish: bool) -> None:
        """What a sync brought: recorded, and a change published (unless the caller publishes next)."""
        now = self.clock()
        if self.waiting:  # no state store to record the sync in, nothing published yet
            if result.changed:
                log.info("content changed", extra={"old": result.old, "new": result.new})
            self.recheck_config()
            return
        publog.record(self.engine, "sync", now, result.ok, holder=self.holder,
                      detail=result.error or (f"{result.old}..{result.new}" if result.changed else "up to date"))
        if result.changed:
            log.info("content changed", extra={"old": result.old, "new": result.new})
            self.live.refresh()  # a standby follows mkdocs.yml too, to take over with it
            if publish:
                self.publish_now("sync")
                if not self.is_leader:  # a standby does not publish, but reports the new boundary
                    self.boundaries.schedule_from_content(now)
        elif result.ok:
            self.boundaries.schedule_from_content(now)

    def publish_now(self, reason: str) -> None:
        self.publishing.run(reason)

    def dispatch_now(self) -> None:
        if not self._stopped.is_set() and not self.waiting:
            self.dispatch.run(self.is_leader)

    # --- health and metrics ----------------------------------------------------------------
    def health(self) -> tuple[bool, dict]:
        return health.report(health.Facts(
            holder=self.holder, leader=self.is_leader, next_boundary=self.next_boundary,
            sync_error=self.sync.last_error, config_error=self.live.error, restart_needed=self.live.restart_needed,
            live_commit=self.live_commit, held_back=self.held_back, waiting=self.waiting,
            store_error=self.store_error, store_moved=self.leadership.store_moved.is_set(),
            last_publish_ok=self.publishing.last_ok, last_error=self.publishing.last_error),
            lambda: publog.last(self.engine, "publish"))

    def render_metrics(self) -> tuple[bytes, str]:
        return self.metrics.render()

