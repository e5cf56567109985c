"""Each room of the daemon alone, driven with an injected clock and fakes (a scheduler that only
records its jobs, a lease that answers as told): no daemon, no thread of the scheduler, no wait
on the wall clock. The end-to-end behaviour is in the other tests/test_daemon_*.py."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from apscheduler.jobstores.base import JobLookupError
from conftest import NOW

from alertcast.daemon.boundaries import Boundaries
from alertcast.daemon.dispatch import Dispatch
from alertcast.daemon.gitsync import SyncResult
from alertcast.daemon.leadership import Leadership
from alertcast.daemon.liveconfig import LiveConfig
from alertcast.daemon.releases import PREPARE_LEAD, PreparedRelease
from alertcast.daemon.retry import RETRY_CAP, Retry
from alertcast.daemon.sync import TAKEOVER_SYNC, ContentSync
from alertcast.plan import Plan
from alertcast.problems import ContentError

WALL = datetime(2026, 3, 14, 16, 0, tzinfo=timezone.utc)  # the scheduler's clock, fixed


class Jobs:
    """The scheduler as the rooms see it (seams.Jobs): jobs are recorded by id, never run."""

    def __init__(self) -> None:
        self.running = True
        self.jobs: dict[str, SimpleNamespace] = {}
        self.added: list[SimpleNamespace] = []

    def add_job(self, func, trigger=None, **options):  # type: ignore[no-untyped-def]
        job = SimpleNamespace(func=func, trigger=trigger, next_run_time=options.get("run_date"), **options)
        self.jobs[options["id"]] = job
        self.added.append(job)
        return job

    def get_job(self, job_id: str):  # type: ignore[no-untyped-def]
        return self.jobs.get(job_id)

    def remove_job(self, job_id: str) -> None:
        if self.jobs.pop(job_id, None) is None:
            raise JobLookupError(job_id)


class Value:
    """A gauge or counter: its last value."""

    def __init__(self) -> None:
        self.value = 0.0

    def set(self, value: float) -> None:
        self.value = value

    def inc(self) -> None:
        self.value += 1


# --- retry -----------------------------------------------------------------------------------
def test_retry_backs_off_doubling_up_to_the_cap_and_starts_over_after_a_success():
    jobs, published = Jobs(), []
    retry = Retry(jobs, published.append, threading.Event(), first=30.0, wall=lambda: WALL)
    delays = []
    for _ in range(7):
        retry.failed()
        job = jobs.jobs["retry"]
        assert job.args == ["retry"] and job.misfire_grace_time is None and job.replace_existing
        delays.append((job.run_date - WALL).total_seconds())
    assert delays == [30, 60, 120, 240, 480, RETRY_CAP, RETRY_CAP]
    job.func(*job.args)
    assert published == ["retry"]  # the job publishes again

    retry.succeeded()
    assert "retry" not in jobs.jobs and retry.failures == 0
    retry.succeeded()  # no retry pending: nothing to cancel, no error
    retry.failed()
    assert jobs.jobs["retry"].run_date == WALL + timedelta(seconds=30)


def test_retry_longer_than_the_cap_keeps_its_delay_and_none_is_set_while_stopping():
    jobs, stopped = Jobs(), threading.Event()
    retry = Retry(jobs, lambda reason: None, stopped, first=900.0, wall=lambda: WALL)
    retry.failed()
    retry.failed()
    assert jobs.jobs["retry"].run_date == WALL + timedelta(seconds=900)
    stopped.set()
    del jobs.jobs["retry"]
    retry.failed()
    assert "retry" not in jobs.jobs and retry.failures == 3


# --- boundaries ------------------------------------------------------------------------------
class Release:
    def __init__(self, plan: Plan) -> None:
        self.plan, self.discarded = plan, False

    def discard(self) -> None:
        self.discarded = True


def _boundaries(config, content, *, clock, leading=True, preparer=None, jobs=None, refresh=lambda: True):  # type: ignore[no-untyped-def]
    jobs = jobs or Jobs()
    gauge = Value()
    boundaries = Boundaries(jobs, lambda reason: None, lock=threading.RLock(), clock=clock, gauge=gauge,
                            leading=lambda: leading, stopped=threading.Event(), releases=PreparedRelease(),
                            preparer=preparer, load=lambda: (config, content), config=lambda: config,
                            refresh_config=refresh, wall=lambda: WALL)
    return boundaries, jobs, gauge


def test_the_boundary_job_runs_at_the_boundary_second_and_its_release_is_prepared_ahead(config, content):
    boundaries, jobs, gauge = _boundaries(config, content, clock=lambda: NOW, preparer=lambda c, when: None)
    boundaries.schedule_from_content(NOW)
    at = Plan.at(content, NOW).next_change_at
    assert at is not None and at > NOW
    job = jobs.jobs["boundary"]
    assert job.run_date == at and job.args == ["boundary"] and job.misfire_grace_time is None
    assert boundaries.next == at and gauge.value == at.timestamp()
    prepare = jobs.jobs["prepare"]
    assert prepare.args == [at] and prepare.run_date == at - timedelta(seconds=PREPARE_LEAD[0])

    boundaries.published(NOW, 50.0)  # a build takes 50 s: three builds ahead, at most PREPARE_LEAD[1]
    boundaries.schedule(at + timedelta(seconds=1))
    assert jobs.jobs["prepare"].run_date == at + timedelta(seconds=1) - timedelta(seconds=150)
    boundaries.published(NOW, 3600.0)
    boundaries.schedule(at)
    assert jobs.jobs["prepare"].run_date == at - timedelta(seconds=PREPARE_LEAD[1])
    boundaries.schedule(WALL + timedelta(seconds=5))  # closer than the lead: prepared at once
    assert jobs.jobs["prepare"].run_date == WALL


def test_a_standby_or_a_daemon_without_preparer_sets_the_boundary_and_prepares_nothing(config, content):
    at = NOW + timedelta(hours=1)
    for leading, preparer in ((False, lambda c, when: None), (True, None)):
        boundaries, jobs, _gauge = _boundaries(config, content, clock=lambda: NOW, leading=leading,
                                               preparer=preparer)
        boundaries.schedule(at)
        assert jobs.jobs["boundary"].run_date == at and "prepare" not in jobs.jobs
    boundaries.schedule(None)
    assert boundaries.next is None and _gauge.value == 0


def test_a_boundary_already_published_or_due_and_not_run_is_never_replaced(config, content):
    now = [NOW]
    boundaries, jobs, _gauge = _boundaries(config, content, clock=lambda: now[0])
    first, second = NOW + timedelta(seconds=10), NOW + timedelta(hours=2)
    boundaries.schedule(first)
    now[0] = first + timedelta(seconds=3)  # its second has come; the scheduler has not run it yet
    boundaries.schedule(second)  # a plan made just past it names the next one
    assert jobs.jobs["boundary"].run_date == first and boundaries.next == first

    boundaries.published(first, 1.0)  # the boundary's publish: now the next one is set
    boundaries.schedule(first)  # and a plan made just before it is not taken back
    assert jobs.jobs["boundary"].run_date == first and boundaries.next == first
    boundaries.schedule(second)
    assert jobs.jobs["boundary"].run_date == second and boundaries.next == second


def test_bad_content_keeps_the_boundary_of_the_last_good_content(config, content):
    boundaries, jobs, _gauge = _boundaries(config, content, clock=lambda: NOW)
    boundaries.schedule(NOW + timedelta(seconds=30))

    def broken():  # type: ignore[no-untyped-def]
        raise ContentError([])

    boundaries._load = broken
    boundaries.schedule_from_content(NOW)
    assert boundaries.next == NOW + timedelta(seconds=30)


def test_prepare_builds_the_release_once_for_the_coming_boundary_only(config, content):
    built: list[datetime] = []

    def preparer(c, when):  # type: ignore[no-untyped-def]
        built.append(when)
        return Release(Plan.at(content, when))

    now = [NOW]
    boundaries, _jobs, _gauge = _boundaries(config, content, clock=lambda: now[0], preparer=preparer)
    at = NOW + timedelta(minutes=5)
    boundaries.prepare_for(at)  # not the boundary set: superseded
    assert built == []
    boundaries.schedule(at)
    boundaries.prepare_for(at)
    boundaries.prepare_for(at)  # content unchanged: kept, not built again
    assert built == [at] and boundaries._releases.holds(at, _state(config))
    now[0] = at  # its moment is here: the boundary's publish builds, not this
    boundaries._releases.drop()
    boundaries.prepare_for(at)
    assert built == [at]


def _state(config):  # type: ignore[no-untyped-def]
    from alertcast.daemon.releases import content_state

    return content_state(config)


def test_an_invalid_configuration_prepares_nothing(config, content):
    built = []
    boundaries, _jobs, _gauge = _boundaries(config, content, clock=lambda: NOW, refresh=lambda: False,
                                            preparer=lambda c, when: built.append(when))
    boundaries.schedule(NOW + timedelta(minutes=5))
    boundaries.prepare_for(NOW + timedelta(minutes=5))
    assert built == [] and boundaries._releases.pending is None


def test_a_boundary_within_a_build_is_the_one_built_for(config, content):
    boundaries, _jobs, _gauge = _boundaries(config, content, clock=lambda: NOW, preparer=lambda c, when: None)
    at = Plan.at(content, NOW).next_change_at
    assert at is not None
    later = Plan.at(content, at).next_change_at
    assert later is not None
    before = at - timedelta(seconds=5)
    assert boundaries.within_build(content, before) is None  # no build measured yet
    boundaries.published(NOW, 4.0)
    assert boundaries.within_build(content, before) is None  # ends a second before it
    boundaries.published(NOW, 5.0)
    assert boundaries.within_build(content, before) == at  # ends at its second
    boundaries.published(NOW, (later - before).total_seconds())
    assert boundaries.within_build(content, before) == later  # the last of those it passes
    boundaries.published(NOW, None)  # a prepared switch says nothing of how long a build takes
    assert boundaries.build_seconds == (later - before).total_seconds()


def test_the_resign_job_runs_at_the_resign_instant_of_the_daemons_clock(config, content):
    from alertcast.render.banner import next_resign

    now = NOW + timedelta(seconds=17)  # the daemon's clock differs from the scheduler's
    boundaries, jobs, _gauge = _boundaries(config, content, clock=lambda: now)
    boundaries.schedule_resign(now)
    job = jobs.jobs["resign"]
    assert job.args == ["re-sign"] and job.run_date == WALL + (next_resign(now, config) - now)


# --- leadership ------------------------------------------------------------------------------
class FakeLease:
    """Answers acquire() as told; `current` is the row (holder, unix expiry)."""

    def __init__(self) -> None:
        self.answers: list[bool | Exception] = []
        self.current_row: tuple[str, float] | None = ("other", 1000.0)
        self.released = 0
        self.acquired = 0

    def acquire(self) -> bool:
        self.acquired += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def current(self) -> tuple[str, float] | None:
        return self.current_row

    def release(self) -> None:
        self.released += 1


def _leadership():  # type: ignore[no-untyped-def]
    jobs, gauge, takeovers, stopped = Jobs(), Value(), [], threading.Event()
    leadership = Leadership("me", jobs, gauge, stopped, takeovers.append, wall_time=lambda: 990.0)
    leadership.lease = FakeLease()
    return leadership, jobs, gauge, takeovers, stopped


def test_a_takeover_happens_once_per_lease_taken_and_a_standby_watches_the_expiry():
    leadership, jobs, gauge, takeovers, _stopped = _leadership()
    lease = leadership.lease
    lease.answers = [False, True, True, False, OSError("database away"), True]
    leadership.tick()
    assert not leadership.is_leader and gauge.value == 0 and takeovers == []
    expiry = jobs.jobs["lease-expiry"]  # checked again just after the holder's lease runs out
    assert expiry.run_date == datetime.fromtimestamp(1000.05, timezone.utc) and expiry.func == leadership.tick
    leadership.tick(sync_first=False)
    assert leadership.is_leader and gauge.value == 1 and takeovers == [False]
    leadership.tick()  # renewed: no second takeover
    assert takeovers == [False]
    leadership.tick()  # lost
    assert not leadership.is_leader and gauge.value == 0
    leadership.tick()  # the database is away: standby, no error
    assert not leadership.is_leader
    leadership.tick()
    assert takeovers == [False, True]


def test_a_lease_already_expired_sets_no_expiry_check():
    leadership, jobs, _gauge, _takeovers, _stopped = _leadership()
    leadership.lease.current_row = ("other", 980.0)  # before wall_time
    leadership.lease.answers = [False]
    leadership.tick()
    assert "lease-expiry" not in jobs.jobs


def test_still_leader_renews_and_stands_down_when_the_lease_is_lost():
    leadership, _jobs, gauge, _takeovers, _stopped = _leadership()
    leadership.lease.answers = [True, True, False]
    leadership.tick()
    assert leadership.still_leader() and gauge.value == 1
    assert not leadership.still_leader() and not leadership.is_leader and gauge.value == 0


def test_stepping_down_lets_go_of_the_lease_and_never_takes_it_again():
    leadership, _jobs, gauge, takeovers, stopped = _leadership()
    lease = leadership.lease
    lease.answers = [True]
    leadership.tick()
    leadership.step_down()
    assert lease.released == 1 and not leadership.is_leader and gauge.value == 0
    leadership.tick()
    assert not leadership.still_leader()
    assert lease.acquired == 1 and takeovers == [True]

    leadership, _jobs, _gauge, takeovers, stopped = _leadership()
    stopped.set()
    leadership.tick()  # stopping: never takes the lease
    assert leadership.lease.acquired == 0 and takeovers == []


# --- sync ------------------------------------------------------------------------------------
class Fetch:
    """gitsync.sync as told: each call blocks until `go` is set (when given), then answers."""

    def __init__(self, *results: SyncResult) -> None:
        self.results = list(results)
        self.calls: list[dict] = []
        self.go: threading.Event | None = None
        self.started = threading.Event()

    def __call__(self, checkout, *, timeout, cancel):  # type: ignore[no-untyped-def]
        self.calls.append({"checkout": checkout, "timeout": timeout})
        self.started.set()
        if self.go is not None:
            assert self.go.wait(10)
        return self.results.pop(0) if len(self.results) > 1 else self.results[0]


def _sync(fetch, tmp_path, enabled=True, **options):  # type: ignore[no-untyped-def]
    jobs, errors, results = Jobs(), Value(), []
    sync = ContentSync(jobs, lambda: tmp_path, lambda result, publish: results.append((result, publish)),
                       errors, threading.Event(), enabled=enabled, fetch=fetch, **options)
    return sync, jobs, errors, results


def test_pushes_during_a_sync_make_one_more_sync_not_one_each(tmp_path):
    fetch = Fetch(SyncResult(True, True, "a", "b"))
    sync, jobs, _errors, results = _sync(fetch, tmp_path)
    sync.trigger()
    sync.trigger()  # before the first has fetched: covered by it
    assert len(jobs.added) == 1
    fetch.go = threading.Event()
    running = threading.Thread(target=jobs.added[0].func)
    running.start()
    assert fetch.started.wait(10)
    for _ in range(5):  # a burst of pushes while it fetches
        sync.trigger()
    assert len(jobs.added) == 2 and jobs.added[1].max_instances == 2
    fetch.go.set()
    running.join(10)
    jobs.added[1].func()
    sync.trigger()  # after the last one fetched: a new sync
    assert len(fetch.calls) == 2 and len(jobs.added) == 3
    assert [publish for _result, publish in results] == [True, True]


def test_a_failed_sync_is_counted_and_its_error_kept_until_one_succeeds(tmp_path):
    fetch = Fetch(SyncResult(False, False, error="git fetch failed: no route"), SyncResult(True, False, "a", "a"))
    sync, _jobs, errors, results = _sync(fetch, tmp_path)
    sync.now()
    assert sync.last_error == "git fetch failed: no route" and errors.value == 1 and not results[0][0].ok
    sync.now()
    assert sync.last_error is None and errors.value == 1 and results[1][0].ok
    assert fetch.calls[0] == {"checkout": tmp_path, "timeout": 120.0}


def test_the_sync_before_a_takeover_is_short_publishes_nothing_and_waits_not_for_a_running_one(tmp_path):
    fetch = Fetch(SyncResult(True, True, "a", "b"))
    sync, _jobs, _errors, results = _sync(fetch, tmp_path)
    sync.before_takeover()
    assert fetch.calls == [{"checkout": tmp_path, "timeout": TAKEOVER_SYNC}] and results[0][1] is False

    sync, _jobs, _errors, results = _sync(Fetch(SyncResult(True, False)), tmp_path, enabled=False)
    sync.before_takeover()
    assert results == []

    fetch = Fetch(SyncResult(True, True, "a", "b"))
    sync, _jobs, _errors, results = _sync(fetch, tmp_path, takeover_wait=0.05)
    with sync.lock:  # a sync is running (it publishes what it brings): the takeover does not wait for it
        sync.before_takeover()
    assert fetch.calls == [] and results == []


# --- dispatch --------------------------------------------------------------------------------
class Drainer:
    def __init__(self, config, fail: bool = False) -> None:  # type: ignore[no-untyped-def]
        self.config, self.fail, self.drained = config, fail, []

    def drain(self, now: datetime) -> None:
        if self.fail:
            raise OSError("network away")
        self.drained.append(now)


class Outbox:
    def __init__(self) -> None:
        self.updates: list[datetime] = []

    def update_outbox(self, engine, content, now) -> None:  # type: ignore[no-untyped-def]
        self.updates.append(now)


def test_only_a_leader_drains_with_a_dispatcher_made_again_for_a_reloaded_configuration(config, project):
    from alertcast.config import load_config

    current, made = [config], []

    def make(engine, config, parsed):  # type: ignore[no-untyped-def]
        made.append(Drainer(config))
        return made[-1]

    metrics = Outbox()
    dispatch = Dispatch(lambda: "engine", lambda: current[0], lambda: None, lambda: NOW, metrics, make=make)
    dispatch.run(leader=False)
    assert made == [] and metrics.updates == [NOW]  # a standby reports the outbox only
    dispatch.run(leader=True)
    dispatch.run(leader=True)
    assert len(made) == 1 and made[0].drained == [NOW, NOW]
    current[0] = load_config(project)  # mkdocs.yml reloaded
    dispatch.run(leader=True)
    assert len(made) == 2 and made[1].config is current[0] and made[1].drained == [NOW]


def test_a_given_dispatcher_is_kept_and_its_failure_reported_not_raised(config, caplog):
    given = Drainer(config, fail=True)
    metrics = Outbox()
    dispatch = Dispatch(lambda: "engine", lambda: None, lambda: None, lambda: NOW, metrics,  # type: ignore[arg-type]
                        dispatcher=given, make=lambda *a: pytest.fail("made a dispatcher"))
    dispatch.run(leader=True)
    assert "dispatch failed: OSError" in caplog.text and metrics.updates == [NOW]


# --- configuration -----------------------------------------------------------------------------
def test_a_changed_mkdocs_yml_is_read_again_and_a_restart_only_setting_keeps_its_value(project, config):
    moved = []
    live = LiveConfig(config, None, lock=threading.RLock(), waiting=lambda: False, store_moved=lambda: moved.append(1))
    assert live.refresh() and live.current is config  # unchanged bytes: not read again
    path = project / "mkdocs.yml"
    original = path.read_text()
    path.write_text(original.replace("Fixture Safety Center", "Fixture Help"))
    assert live.refresh() and live.current.site_name == "Fixture Help" and moved == []
    path.write_text(original.replace("site_url: https://help.fixture.example/", "site_url: 12"))
    assert not live.refresh() and "mkdocs.yml" in live.error and live.current.site_name == "Fixture Help"
    path.write_text(original.replace("  alertcast:\n", "  alertcast:\n    state_url: sqlite:///elsewhere.db\n"))
    assert live.refresh() and live.error is None and moved == [1]
    assert live.current.settings.state_url == config.settings.state_url
    assert live.restart_needed == ("extra.alertcast.state_url",)


# --- publishing --------------------------------------------------------------------------------
def _publishing(config, *, publisher, finisher=None, leading=True):  # type: ignore[no-untyped-def]
    from alertcast.daemon.metrics import Metrics
    from alertcast.daemon.publishing import Publishing
    from alertcast.daemon.source import ContentSource
    from alertcast.state import open_store

    engine = open_store(config.settings.state_url, config.root)
    jobs, stopped, lock, metrics = Jobs(), threading.Event(), threading.RLock(), Metrics()
    live = LiveConfig(config, None, lock=lock, waiting=lambda: False, store_moved=lambda: None)
    leadership = Leadership("me", jobs, metrics.leader, stopped, lambda sync_first: None)
    leadership.lease = FakeLease()
    leadership.lease.answers = [leading] * 10
    leadership.tick()
    source = ContentSource(metrics.held_back)
    releases = PreparedRelease()
    boundaries = Boundaries(jobs, lambda reason: None, lock=lock, clock=lambda: NOW, gauge=metrics.next_boundary,
                            leading=lambda: leadership.is_leader, stopped=stopped, releases=releases,
                            preparer=None, load=lambda: source.load(live.current), config=lambda: live.current,
                            refresh_config=live.refresh, wall=lambda: WALL)
    retry = Retry(jobs, lambda reason: None, stopped, first=30.0, wall=lambda: WALL)
    calls: list[tuple] = []
    publishing = Publishing(
        lock=lock, stopped=stopped, clock=lambda: NOW, holder="me", config=live, leadership=leadership,
        source=source, releases=releases, boundaries=boundaries, retry=retry, metrics=metrics,
        engine=lambda: engine, publisher=publisher, preparer=None, finisher=finisher or publisher,
        enqueuer=lambda engine, plan, config: calls.append(("enqueue", plan.now)) or 0,
        drain=lambda: calls.append(("drain",)))
    return publishing, SimpleNamespace(engine=engine, jobs=jobs, boundaries=boundaries, retry=retry,
                                       releases=releases, calls=calls)


def test_a_failed_deploy_is_retried_and_a_publish_then_queues_posts_and_sets_the_next_boundary(config, content):
    from alertcast.daemon import publog

    failing = [True]

    def publisher(config, now):  # type: ignore[no-untyped-def]
        if failing[0]:
            raise OSError("bucket away")
        return SimpleNamespace(plan=Plan.at(content, now))

    publishing, room = _publishing(config, publisher=publisher)
    publishing.run("boundary")
    assert publishing.last_ok is False and publishing.last_error == "publish failed: OSError: bucket away"
    assert room.jobs.jobs["retry"].run_date == WALL + timedelta(seconds=30) and room.boundaries.next is None
    assert room.calls == []  # nothing queued, nothing drained: the old outputs stay
    failing[0] = False
    publishing.run("retry")
    assert publishing.last_ok and publishing.last_error is None and "retry" not in room.jobs.jobs
    assert room.retry.failures == 0 and room.boundaries.published_at == NOW
    assert room.boundaries.next == Plan.at(content, NOW).next_change_at == room.jobs.jobs["boundary"].run_date
    assert room.calls == [("enqueue", NOW), ("drain",)]  # queued after the publish, then drained
    assert sorted((e.ok, e.detail) for e in publog.entries(room.engine, "publish")) == [
        (False, "publish failed: OSError: bucket away"), (True, "retry")]


def test_a_standby_publishes_nothing_and_drops_the_release_it_prepared(config, content):
    publishing, room = _publishing(config, publisher=lambda c, now: pytest.fail("a standby published"),
                                   leading=False)
    release = Release(Plan.at(content, NOW))
    room.releases.keep(NOW, "state", release)
    publishing.run("boundary")
    assert release.discarded and room.calls == [] and publishing.last_ok is None


def test_a_release_prepared_for_the_moment_goes_live_by_a_switch(config, content):
    from alertcast.daemon.releases import content_state

    at = NOW - timedelta(seconds=2)  # its boundary passed two seconds ago: still valid
    release = Release(Plan.at(content, at))
    switched = []
    publishing, room = _publishing(config, publisher=lambda c, now: pytest.fail("built instead of switching"),
                                   finisher=lambda c, prepared: switched.append(prepared))
    room.releases.keep(at, content_state(config), release)
    publishing.run("boundary")
    assert switched == [release] and publishing.last_ok and room.boundaries.published_at == at
    assert room.boundaries.build_seconds == 0  # a switch says nothing of how long a build takes
    assert room.calls[0] == ("enqueue", at)


# --- the shape ---------------------------------------------------------------------------------
ROOMS = ("boundaries", "dispatch", "leadership", "liveconfig", "retry", "sync")


def test_rooms_import_neither_the_daemon_nor_one_another():
    """Each room stands alone: Daemon (service.py) composes them, and only publishing.py, to which
    Daemon hands them, uses other rooms (see docs/architecture.md)."""
    import ast
    from pathlib import Path

    import alertcast.daemon

    folder = Path(alertcast.daemon.__file__).parent

    def imported(name: str) -> set[str]:
        tree = ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                found |= {node.module} if node.module else {a.name for a in node.names}
        return found

    for room in (*ROOMS, "publishing"):
        assert "service" not in imported(room), f"daemon/{room}.py imports the daemon"
    for room in ROOMS:
        assert not imported(room) & set(ROOMS), f"daemon/{room}.py imports another room"
    assert {"boundaries", "leadership", "liveconfig", "retry"} <= imported("publishing")  # the measure sees imports
