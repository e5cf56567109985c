"""`alertcast run`: one process that syncs content, publishes at every boundary, drains the outbox.

A boundary is a moment the outputs change by themselves: an alert's `publish_at`, its
`expires_at`, or an `updated_at` still ahead (the Plan shows an alert as of `now`, so an update
or a withdrawal dated later goes out at that second; see `Plan.next_change_at`).

Content and the outbox are the source of truth, not APScheduler's job store: jobs live in
memory, the next boundary is derived from content at every start and sync, and
start always publishes once for `now`, so a boundary passed while the daemon was down is
caught up (APScheduler 3.x would drop a late date job after misfire_grace_time).
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from ..broadcast.outbox import record_baseline
from ..config import CONFIG_FILE, Config, Settings, load_config
from ..content.models import Content
from ..content.parsecache import ParseCache
from ..plan import Plan
from ..problems import ContentError
from ..state import create_tables, open_store
from . import gitsync, health, logs, publog, webhook
from .lastgood import HeldBack
from .lease import Lease, holder_name
from .metrics import Metrics
from .releases import PREPARE_LEAD, PreparedRelease, content_state, discard
from .seams import (Drainer, Enqueuer, Finisher, Pipeline, Preparer, Publisher, default_dispatcher,
                    default_enqueuer, default_finisher)
from .source import ContentSource

log = logging.getLogger("alertcast.daemon")

RETRY_CAP = 600.0  # seconds: the longest wait between retries of a failed publish
TAKEOVER_SYNC = 10.0  # seconds a daemon taking over waits for git before it publishes what it has
SYNC_TIMEOUT = 120.0  # seconds a git command of a sync may take before it is killed
#: Settings in mkdocs.yml read once at start: a change is reported, and takes effect at the next restart.
RESTART_ONLY = ("state_url",)
#: Exit status of `alertcast run` when state_url changed under it (EX_TEMPFAIL): its supervisor
#: starts it again, on the store mkdocs.yml names now.
EXIT_STORE_MOVED = 75


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def problems_text(exc: ContentError | OSError, config_path: Path) -> str:
    """The problems of an invalid mkdocs.yml on one line, as logs and /healthz show them."""
    if isinstance(exc, ContentError):
        return "; ".join(str(p) for p in exc.problems if p.is_error)[:1500]
    return f"{config_path.name}: cannot be read: {type(exc).__name__}"


def initial_config(root: Path | str) -> tuple[Config, ContentError | None]:
    """The configuration `alertcast run` starts with: (mkdocs.yml, None) when the file is valid;
    when it is not, a stand-in with the default settings and its problems (file:line), so the
    daemon can start, sync and publish once a valid file arrives. The stand-in is never published
    with, and names no state store (see Daemon). A missing mkdocs.yml raises ContentError and an
    unreadable one OSError: then there is no project to wait for."""
    root = Path(root)
    try:
        return load_config(root), None  # an unreadable file raises OSError from here
    except ContentError as exc:
        if not (root / CONFIG_FILE).is_file():
            raise  # the positioned "no mkdocs.yml in <folder>"
        return Config(root.resolve(), "alertcast", "https://alertcast.invalid/", Settings(), {}), exc


def _file_digest(path: os.PathLike) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""  # missing or unreadable: load_config says which


def _changed_settings(old: Config, new: Config) -> list[str]:
    """Top-level mkdocs.yml keys, and keys of extra.alertcast, whose values differ."""
    def flat(raw: dict) -> dict[str, Any]:
        extra = raw.get("extra") if isinstance(raw.get("extra"), dict) else {}
        section = extra.get("alertcast") if isinstance(extra.get("alertcast"), dict) else {}
        out = {k: v for k, v in raw.items() if k != "extra"}
        out.update({f"extra.{k}": v for k, v in extra.items() if k != "alertcast"})
        out.update({f"extra.alertcast.{k}": v for k, v in section.items()})
        return out

    a, b = flat(old.raw), flat(new.raw)
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


class Daemon:
    """The scheduler. Collaborators are injected; defaults import the real pipeline lazily."""

    def __init__(self, config: Config, *, engine: Engine | None = None, publisher: Publisher | None = None,
                 enqueuer: Enqueuer | None = None, dispatcher: Drainer | None = None,
                 clock: Callable[[], datetime] = utcnow, holder: str | None = None,
                 sync_interval: float = 60.0, dispatch_interval: float = 5.0, lease_ttl: float = 15.0,
                 webhook_secret: str | None = None, listen: tuple[str, int] | None = None, sync: bool = True,
                 publish_retry: float = 30.0, preparer: Preparer | None = None, finisher: Finisher | None = None,
                 config_error: str | None = None):
        """`config_error`: mkdocs.yml was invalid at start (see `initial_config`) and `config` is a
        stand-in. The daemon then serves /healthz and /metrics and keeps syncing, but opens no state
        store, takes no lease and publishes nothing until a valid mkdocs.yml arrives: only that file
        says which store (a default SQLite one, next to a partner daemon on PostgreSQL, would make
        this one a second publisher). It then starts publishing as it would have at start."""
        self.config = config
        # mkdocs.yml is read again whenever it changes (see _refresh_config); these are what that compares with.
        self._config_digest = _file_digest(config.path)
        self._started_settings = config.settings
        self.config_error = config_error  # mkdocs.yml on disk is invalid: the last good one is in use
        self.restart_needed: tuple[str, ...] = ()  # settings changed in mkdocs.yml that wait for a restart
        self.waiting = config_error is not None  # no valid mkdocs.yml yet: no store, no lease, no publish
        self.store_error: str | None = None  # waiting, with a valid mkdocs.yml whose state store cannot be opened
        self._engine: Engine | None = engine
        self.holder = holder or holder_name()
        self._lease_ttl = lease_ttl
        if not self.waiting:
            self._open_store()
        # Releases are prepared ahead of boundaries with the real pipeline, or when a test gives a preparer.
        # Parsed files and rendered pieces are kept for the daemon's lifetime: a sync reparses and
        # re-renders only what changed.
        self._parsed = ParseCache()
        self.metrics = Metrics()
        self.source = ContentSource(self.metrics.held_back, self._parsed)
        pipeline = Pipeline(self._parsed, self.source.take)
        self.preparer = preparer or (pipeline.prepare if publisher is None else None)
        self.finisher = finisher or default_finisher
        self.releases = PreparedRelease()
        self._build_seconds = 0.0  # duration of the last successful publish
        self.publisher = publisher or pipeline.publish
        self.enqueuer = enqueuer or default_enqueuer
        self._dispatcher = dispatcher
        self._own_dispatcher = dispatcher is None  # made here, for self.config: made again when that is reloaded
        self.clock = clock
        self.sync_interval, self.dispatch_interval = sync_interval, dispatch_interval
        self.publish_retry = publish_retry  # first delay after a failed publish; doubles up to RETRY_CAP
        self._failures = 0  # failed publishes in a row (not counting bad content)
        self.webhook_secret, self.listen, self.sync_enabled = webhook_secret, listen, sync
        self.scheduler = BackgroundScheduler(timezone=timezone.utc, job_defaults={"coalesce": True, "max_instances": 1})
        self._publish_lock = threading.RLock()
        self._lease_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._sync_waiting = threading.Event()  # a webhook's sync is queued and has not fetched yet
        self._dispatch_lock = threading.Lock()
        self.is_leader = False
        self._role: str | None = None  # "leader" or "standby" once known, to log each change once
        self.live_commit: str | None = None  # the commit whose content the last publish showed
        self.last_publish_ok: bool | None = None
        self.last_error: str | None = None
        self.last_sync_error: str | None = None
        self.next_boundary: datetime | None = None
        self._published_at: datetime | None = None  # `now` of the last successful publish
        self.server = None
        self._stopped = threading.Event()
        self._store_moved = threading.Event()  # state_url changed: never lead again, exit (see run_forever)

    @property
    def held_back(self) -> HeldBack | None:
        """The newest commit fails check, and boundaries are published from an earlier one."""
        return self.source.held_back

    @property
    def engine(self) -> Engine:
        """The state store; there is none while waiting for a valid mkdocs.yml (see __init__)."""
        if self._engine is None:
            raise RuntimeError("no state store yet: mkdocs.yml has not been valid since the daemon started")
        return self._engine

    def _open_store(self) -> None:
        engine = self._engine or open_store(self.config.settings.state_url, self.config.root)
        create_tables(engine)
        self._engine = engine
        self.lease = Lease(engine, self.holder, self._lease_ttl)

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
            "sync": self.sync_enabled, "sync_interval": self.sync_interval, "dispatch_interval": self.dispatch_interval,
            "lease_ttl": self._lease_ttl, "publish_retry": self.publish_retry,
            "webhook": bool(self.webhook_secret), "listen": "%s:%d" % self.listen if self.listen else None})
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
        if waiting:
            log.error("mkdocs.yml is not valid: nothing is published (the outputs already deployed stay as they "
                      "are) until a valid one is %s: %s", "synced" if self.sync_enabled else "saved",
                      self.config_error)
        if self.sync_enabled and waiting:
            self.sync_now()  # bring a valid mkdocs.yml
        elif self.sync_enabled:  # beside the first publish, which does not wait for it
            log.info("first sync started", extra={"timeout_seconds": SYNC_TIMEOUT})
            self.trigger_sync()
        if not waiting:
            self._start_publishing()
        if self.sync_enabled:
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
            if not self.waiting or self.config_error is not None or self._stopped.is_set():
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
        if self._stopped.is_set() or (self.config_error is None and not self.waiting):
            return
        if not self._refresh_config():
            return
        if self.waiting:
            self._begin()
        else:
            self.publish_now("configuration fixed")

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
        with self._sync_lock, self._publish_lock, self._dispatch_lock, self._lease_lock:
            self.releases.drop()
        if release and self.is_leader and not self.waiting:
            self.lease.release()
        self.is_leader = False

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
        while not received and not self._store_moved.is_set():
            time.sleep(0.2)
        log.info("stopping", extra={"signal": signal.Signals(received[0]).name if received else None,
                                    "reason": "signal" if received else "state_url changed"})
        started = time.monotonic()
        self.stop()
        starter.join(timeout=5)
        log.info("stopped", extra={"seconds": round(time.monotonic() - started, 3)})
        return 0 if received else EXIT_STORE_MOVED

    # --- jobs ------------------------------------------------------------------------------
    def tick_lease(self, sync_first: bool = True) -> None:
        with self._lease_lock:  # one transition to leader, hence one catch-up publish, per takeover
            if self._stopped.is_set():
                return  # stopping: never take the lease again
            try:
                held = not self._store_moved.is_set() and self.lease.acquire()
            except Exception as exc:  # database away: stop acting as leader until it is back
                log.error("lease check failed: %s", type(exc).__name__)
                held = False
            became = held and not self.is_leader
            if self.is_leader and not held:
                log.warning("lost the publisher lease")
            self.is_leader = held
            self.metrics.leader.set(1 if held else 0)
            if not held:
                if self._role != "standby":
                    self._log_standby()
                self._watch_lease_expiry()
            self._role = "leader" if held else "standby"
        if became and not self._stopped.is_set():
            log.info("became leader", extra={"holder": self.holder})
            if sync_first:
                self._sync_before_takeover()
            self.publish_now("start")

    def _sync_before_takeover(self) -> None:
        """A standby's checkout can be a sync interval behind what the daemon it replaces last
        published: publishing it as it is would take that back (on a shared deploy target, an
        alert just withdrawn would be in the banner again). So fetch first, for a few seconds
        at most: an unreachable remote must not hold the takeover back."""
        if not self.sync_enabled:
            return
        log.info("waiting for a sync before the first publish as leader", extra={"timeout_seconds": TAKEOVER_SYNC})
        if not self._sync_lock.acquire(timeout=TAKEOVER_SYNC):
            log.warning("no sync within the wait: publishing the checkout at hand")
            return  # a sync already running publishes what it brings, this daemon leading now
        try:
            if not self._stopped.is_set():
                self._sync(publish=False, timeout=TAKEOVER_SYNC)
        finally:
            self._sync_lock.release()

    def _log_standby(self) -> None:
        try:
            current = self.lease.current()
        except Exception:
            current = None
        log.info("standby: another daemon holds the publisher lease", extra={
            "holder": self.holder, "leader": current[0] if current else None,
            "until": datetime.fromtimestamp(current[1], timezone.utc).isoformat() if current else None})

    def _watch_lease_expiry(self) -> None:
        """As standby, check again the moment the holder's lease runs out, so a takeover comes
        within the lease time of the holder's last renewal, not up to one renewal interval later."""
        if not self.scheduler.running or self._stopped.is_set():
            return
        try:
            current = self.lease.current()
        except Exception:
            return  # database away: the interval check tries again
        if current is None or current[1] <= time.time():
            return
        self.scheduler.add_job(self.tick_lease, "date", id="lease-expiry", replace_existing=True,
                               run_date=datetime.fromtimestamp(current[1] + 0.05, timezone.utc),
                               misfire_grace_time=None)

    def trigger_sync(self) -> None:
        """Webhook: sync right away (in the scheduler's pool, not the HTTP thread).

        A push that arrives during a sync (its fetch may have missed the commit) queues one more,
        which fetches after the running one ends. Further pushes before that one has begun are
        covered by its fetch: they queue nothing (a burst of pushes makes two syncs, not fifty,
        and no job is refused by the scheduler)."""
        if self._sync_waiting.is_set():
            return
        self._sync_waiting.set()
        self.scheduler.add_job(self._triggered_sync, id="sync-now", replace_existing=True, max_instances=2)

    def _triggered_sync(self) -> None:
        self.sync_now(triggered=True)

    def sync_now(self, triggered: bool = False) -> None:
        # The interval sync and a webhook's can overlap; two `git fetch` on one checkout fail on
        # the ref lock, and two merges would both report the change and publish it twice.
        with self._sync_lock:
            if triggered:
                self._sync_waiting.clear()  # from here on, a push may have come after this fetch
            if not self._stopped.is_set():
                self._sync()

    def _sync(self, publish: bool = True, timeout: float = SYNC_TIMEOUT) -> None:
        """Fetch and fast-forward; publish a change (unless the caller publishes next)."""
        # Waiting for a valid mkdocs.yml, content_dir is unknown: sync the checkout holding mkdocs.yml.
        checkout = self.config.root if self.waiting else self.config.content_dir
        result = gitsync.sync(checkout, timeout=timeout, cancel=self._stopped)
        now = self.clock()
        if not result.ok:
            self.last_sync_error = result.error
            self.metrics.sync_errors.inc()
            log.error("sync failed: %s", result.error)
        else:
            self.last_sync_error = None
        if self.waiting:  # no state store to record the sync in, nothing published yet
            if result.changed:
                log.info("content changed", extra={"old": result.old, "new": result.new})
            self.recheck_config()
            return
        publog.record(self.engine, "sync", now, result.ok, holder=self.holder,
                      detail=result.error or (f"{result.old}..{result.new}" if result.changed else "up to date"))
        if result.changed:
            log.info("content changed", extra={"old": result.old, "new": result.new})
            self._refresh_config()  # a standby follows mkdocs.yml too, to take over with it
            if publish:
                self.publish_now("sync")
                if not self.is_leader:  # a standby does not publish, but reports the new boundary
                    self._schedule_boundary_from_content(now)
        elif result.ok:
            self._schedule_boundary_from_content(now)

    def publish_now(self, reason: str) -> None:
        """Build, deploy and enqueue for the current time; only the lease holder does this."""
        with self._publish_lock:
            if not self.is_leader or self._stopped.is_set() or not self._still_leader():
                self.releases.drop()  # built while leading: another daemon publishes this boundary
                return
            now = self.clock()
            started = time.monotonic()
            if not self._refresh_config():  # like bad content: nothing is published until it is fixed
                self.releases.drop()
                self._failed(now, started, "configuration has errors; still serving the last good outputs: "
                             + (self.config_error or ""))
                self._schedule_boundary_from_content(now)
                return
            prepared = self.releases.take(now, self.config)
            try:
                source, content = self._source()
                held = self.held_back
                if (held is not None and reason == "sync" and prepared is None and self.last_publish_ok
                        and self.live_commit == held.good):
                    # a broken commit arrived: what is live stays as it is, its boundaries still come
                    self._schedule_boundary(Plan.at(content, now).next_change_at)
                    return
                ahead = None if prepared is not None else self._within_build(content, now)
                if ahead is not None:  # a boundary passes during this build: build for it, switch at it
                    log.info("a boundary falls within the build: its release is built now",
                             extra={"for": ahead.isoformat(), "build_seconds": round(self._build_seconds, 3)})
                    prepared = self.preparer(source, ahead)  # type: ignore[misc]
                    wait = (ahead - self.clock()).total_seconds()
                    if wait > 0 and self._stopped.wait(wait):
                        discard(prepared)
                        return
                if prepared is not None:  # built before its moment: going live is one switch
                    now = prepared.plan.now.astimezone(timezone.utc)
                    result = self.finisher(source, prepared)
                else:
                    result = self.publisher(source, now)
                plan = getattr(result, "plan", None) or Plan.at(content, now)
                recorded = record_baseline(self.engine, plan, source)
                if recorded:
                    log.info("channels enabled on this state store: what is live now is not posted",
                             extra={"channels": recorded})
                self.enqueuer(self.engine, plan, source)
            except ContentError as exc:
                self._failed(now, started, "content has errors; still serving the last good outputs: "
                             + problems_text(exc, self.config.path))
                self._schedule_boundary_from_content(now)
                return
            except Exception as exc:  # a deploy or store failure: report, keep the old outputs
                self._failed(now, started, f"publish failed: {type(exc).__name__}: {exc}"[:1500])
                self._schedule_boundary(None)
                self._schedule_retry()
                return
            duration = time.monotonic() - started
            self.metrics.publish_seconds.observe(duration)
            self.metrics.publishes.labels("ok").inc()
            self.metrics.last_success.set(now.timestamp())
            self.live_commit = held.good if held is not None else gitsync.head(self.config.content_dir)
            detail = reason if held is None else (f"{reason}; from commit {held.good}: the newest commit "
                                                  f"{held.commit} fails check")
            # recorded before /healthz can say ok: whoever reads it then finds this publish in the log
            publog.record(self.engine, "publish", now, True, holder=self.holder, duration=duration, detail=detail)
            if prepared is None:
                self._build_seconds = duration
            self.last_publish_ok, self.last_error = True, None
            self._published_at = now
            self._failures = 0
            self._cancel_retry()
            log.info("published", extra={"reason": reason, "now": now.isoformat(), "seconds": round(duration, 3),
                                         "prepared": prepared is not None, "commit": self.live_commit})
            self._schedule_boundary(plan.next_change_at)
            self._schedule_resign(now)
        self.dispatch_now()

    def _within_build(self, content: Content, now: datetime) -> datetime | None:
        """The last of the boundaries that pass before a build started at `now` would end (by the
        last build's duration), if any. Building for `now` and then for that boundary would make
        it late by a whole build; its release, switched to at its second, shows the change for
        `now` too. Only with a preparer (the real pipeline)."""
        if self.preparer is None or self._build_seconds <= 0:
            return None
        end = now + timedelta(seconds=self._build_seconds)
        target, nxt = None, Plan.at(content, now).next_change_at
        while nxt is not None and nxt <= end:
            target, nxt = nxt, Plan.at(content, nxt).next_change_at
        return target

    def _still_leader(self) -> bool:
        """Renew just before acting, so a daemon that was paused past its lease stands down."""
        with self._lease_lock:
            try:
                self.is_leader = not self._store_moved.is_set() and self.lease.acquire()
            except Exception as exc:
                log.error("lease check failed: %s", type(exc).__name__)
                self.is_leader = False
            self.metrics.leader.set(1 if self.is_leader else 0)
            return self.is_leader

    def dispatch_now(self) -> None:
        """Drain the outbox as leader; as standby, only report it (the outbox is shared, so
        either daemon's /metrics shows the backlog, whichever one a monitor scrapes)."""
        if self._stopped.is_set() or self.waiting:
            return
        if self.is_leader:
            # One drain at a time (the interval job and the drain after a publish may meet):
            # per-channel spacing is checked before a row is claimed, so two drains at once
            # could both pass the check and post closer together than `min_interval`.
            try:
                with self._dispatch_lock:
                    if self._dispatcher is None or (self._own_dispatcher and self._dispatcher.config is not self.config):
                        # the first drain, or mkdocs.yml was reloaded: channels use their new settings
                        self._dispatcher = default_dispatcher(self.engine, self.config, self._parsed)
                    self._heads_up(self.clock())
                    self._dispatcher.drain(self.clock())
            except Exception as exc:
                log.error("dispatch failed: %s", type(exc).__name__)
        try:
            self.metrics.update_outbox(self.engine, self.source.content, self.clock())
        except Exception as exc:  # database away: the lease check reports it too
            log.error("outbox metrics failed: %s", type(exc).__name__)

    def _heads_up(self, now: datetime) -> None:
        """Team robots hear of a scheduled alert a set time before it goes live: a moment that is
        no boundary of the plan, so each drain looks for heads-ups that came due."""
        from ..broadcast.outbox import enqueue_heads_up
        from ..content.models import TEAM_CHANNELS

        if self.source.content is not None and any(c in TEAM_CHANNELS for c in self.config.enabled_channels):
            enqueue_heads_up(self.engine, Plan.at(self.source.content, now), self.config)

    # --- configuration ---------------------------------------------------------------------
    def _refresh_config(self) -> bool:
        """Read mkdocs.yml again if its bytes changed since it was last read; False while the
        file on disk is invalid.

        Channel, site, output and deploy settings pushed to git take effect from the next publish
        and drain, as they would after a restart. A bad file is handled like bad content: the
        daemon publishes nothing until it is fixed (the last good outputs stay live) and reports
        its problems (file:line). A setting read only at start (RESTART_ONLY) keeps its running
        value, and is reported as waiting for a restart rather than silently ignored.
        """
        with self._publish_lock:
            digest = _file_digest(self.config.path)
            if digest == self._config_digest:
                return self.config_error is None
            self._config_digest = digest
            try:
                new = load_config(self.config.root)
            except (ContentError, OSError) as exc:
                self.config_error = problems_text(exc, self.config.path)
                log.error("mkdocs.yml is not valid; %s: %s", "nothing is published until it is" if self.waiting
                          else "the daemon keeps the last good configuration", self.config_error)
                return False
            logs.hide(new.secret(new.settings.signing.key_env, new.settings.signing.key_file))
            if self.waiting:  # the first valid file: what the daemon starts with, its state store included
                self.config, self.config_error, self._started_settings = new, None, new.settings
                log.info("configuration loaded")
                return True
            kept = {k: getattr(self._started_settings, k) for k in RESTART_ONLY
                    if getattr(new.settings, k) != getattr(self._started_settings, k)}
            if kept:
                new = Config(new.root, new.site_name, new.site_url, new.settings.model_copy(update=kept), new.raw)
            changed = _changed_settings(self.config, new)
            self.config, self.config_error = new, None
            self.restart_needed = tuple(f"extra.alertcast.{k}" for k in kept)
            log.info("configuration reloaded", extra={"changed": changed})
            if "state_url" in kept:
                self._leave_store()
            elif self.restart_needed:  # the values are not logged: a state_url may hold a password
                log.warning("%s changed in mkdocs.yml: takes effect when the daemon is restarted; until then "
                            "the daemon keeps the value it started with", ", ".join(self.restart_needed),
                            extra={"settings": list(self.restart_needed)})
            return True

    def _leave_store(self) -> None:
        """state_url now names another store than the one this daemon holds. Leading on the old one
        would make a second leader beside a daemon on the new one (posts sent twice), so this one
        never leads again: it lets go of its lease and `run_forever` exits for its supervisor to
        start it again, on the new store."""
        self._store_moved.set()
        log.error("extra.alertcast.state_url changed in mkdocs.yml: this daemon holds another state store, so it "
                  "stops leading and exits (status %d) to be started again on the new one", EXIT_STORE_MOVED)
        with self._lease_lock:
            if self.is_leader:
                try:
                    self.lease.release()
                except Exception as exc:
                    log.error("lease release failed: %s", type(exc).__name__)
            self.is_leader = False
            self.metrics.leader.set(0)

    # --- boundaries ------------------------------------------------------------------------
    def _source(self) -> tuple[Config, Content]:
        return self.source.load(self.config)

    def _schedule_boundary_from_content(self, now: datetime) -> None:
        with self._publish_lock:
            try:
                self._schedule_boundary(Plan.at(self._source()[1], now).next_change_at)
            except ContentError:
                pass  # keep the boundary derived from the last good content

    def _schedule_boundary(self, when: datetime | None) -> None:
        if when is not None and self._published_at is not None and when <= self._published_at:
            return  # a plan computed just before a boundary that has since been published
        if self._boundary_due(when):
            return  # the boundary whose time has come publishes first, then schedules the next
        changed = when != self.next_boundary
        self.next_boundary = when
        self.metrics.next_boundary.set(when.timestamp() if when else 0)
        if when is None or not self.scheduler.running:
            return
        # misfire_grace_time=None: a late wake-up still publishes (the plan for now includes it).
        self.scheduler.add_job(self.publish_now, "date", run_date=when, args=["boundary"], id="boundary",
                               replace_existing=True, misfire_grace_time=None)
        if changed:  # not at every sync that finds nothing new
            log.info("next boundary", extra={"at": when.isoformat()})
        # Any publish drops the prepared release, so a sync that found nothing new (same boundary,
        # release still prepared) need not walk content/ again to find it unchanged.
        if self.is_leader and (changed or self.releases.pending is None):
            self._schedule_prepare(when)

    def _boundary_due(self, when: datetime | None) -> bool:
        """True when the boundary job's time has come but it has not run yet, nor has a publish
        covered it, and `when` is later. A plan made for a moment just past that boundary (a sync
        finishing then, before the scheduler's thread woke) names the boundary after it: replacing
        the job with that one would leave the due boundary unpublished until the next."""
        if when is None or not self.is_leader or not self.scheduler.running:
            return False
        job = self.scheduler.get_job("boundary")
        due = job.next_run_time if job is not None else None
        return (due is not None and due <= self.clock() and when > due
                and (self._published_at is None or self._published_at < due))

    def _schedule_prepare(self, when: datetime) -> None:
        """Build the release for `when` ahead of it, so the boundary itself is one switch:
        a site of a thousand alerts takes tens of seconds to build, the switch a millisecond."""
        if self.preparer is None or not self.scheduler.running or self._stopped.is_set():
            return
        lead = min(max(PREPARE_LEAD[0], 3 * self._build_seconds), PREPARE_LEAD[1])
        self.scheduler.add_job(self.prepare_for, "date", run_date=max(utcnow(), when - timedelta(seconds=lead)),
                               args=[when], id="prepare", replace_existing=True, misfire_grace_time=None)

    def prepare_for(self, when: datetime) -> None:
        """Build (privately) the release for the coming boundary `when`."""
        with self._publish_lock:
            if (self.preparer is None or not self.is_leader or self._stopped.is_set()
                    or when != self.next_boundary or when <= self.clock()):
                return  # superseded, or its moment is here: the boundary publish builds it
            if not self._refresh_config():
                return  # the boundary publish reports it
            state = content_state(self.config)
            if self.releases.holds(when, state):
                return
            self.releases.drop()
            started = time.monotonic()
            try:
                self.releases.keep(when, state, self.preparer(self._source()[0], when))
            except Exception as exc:  # bad content, a full disk...: the boundary publish will say
                log.warning("could not prepare the next release", extra={"for": when.isoformat(),
                                                                          "error": type(exc).__name__})
                return
            log.info("prepared the next release", extra={"for": when.isoformat(),
                                                         "seconds": round(time.monotonic() - started, 3)})

    def _schedule_resign(self, now: datetime) -> None:
        """Publish again at the next re-sign instant (see `render.banner.next_resign`): banner files
        carry a `valid_until`, so they are issued again on that cadence even when nothing changes.
        The delay is taken from the daemon's clock, like every moment it publishes for."""
        from ..render.banner import next_resign

        if not self.scheduler.running or self._stopped.is_set():
            return
        delay = next_resign(now, self.config) - now
        self.scheduler.add_job(self.publish_now, "date", run_date=utcnow() + delay, args=["re-sign"], id="resign",
                               replace_existing=True, misfire_grace_time=None)

    def _schedule_retry(self) -> None:
        """Publish again after a deploy or state-store failure, with backoff. Nothing else would:
        the boundary it was for has passed, and a sync of unchanged content only sets the timer for
        the *next* boundary, so an alert could stay off the banner (and unposted) until then."""
        self._failures += 1
        delay = min(self.publish_retry * 2 ** (self._failures - 1), max(self.publish_retry, RETRY_CAP))
        if not self.scheduler.running or self._stopped.is_set():
            return
        self.scheduler.add_job(self.publish_now, "date", run_date=utcnow() + timedelta(seconds=delay),
                               args=["retry"], id="retry", replace_existing=True, misfire_grace_time=None)
        log.warning("publish will be retried", extra={"seconds": delay, "failures": self._failures})

    def _cancel_retry(self) -> None:
        try:
            self.scheduler.remove_job("retry")
        except JobLookupError:
            pass

    # --- health and metrics ----------------------------------------------------------------
    def health(self) -> tuple[bool, dict]:
        return health.report(health.Facts(
            holder=self.holder, leader=self.is_leader, next_boundary=self.next_boundary,
            sync_error=self.last_sync_error, config_error=self.config_error, restart_needed=self.restart_needed,
            live_commit=self.live_commit, held_back=self.held_back, waiting=self.waiting,
            store_error=self.store_error, store_moved=self._store_moved.is_set(),
            last_publish_ok=self.last_publish_ok, last_error=self.last_error),
            lambda: publog.last(self.engine, "publish"))

    def render_metrics(self) -> tuple[bytes, str]:
        return self.metrics.render()

    def _failed(self, now: datetime, started: float, message: str) -> None:
        self.metrics.publishes.labels("error").inc()
        self.last_publish_ok, self.last_error = False, message
        publog.record(self.engine, "publish", now, False, holder=self.holder,
                      duration=time.monotonic() - started, detail=message)
        log.error(message)
