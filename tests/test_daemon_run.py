"""`alertcast run` as an operator runs it (a real process, a bare git origin, PostgreSQL where two
daemons or a restart meet): pushes, stops, restarts, bad content and a moved state store."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from daemon_support import SRC, Process, git, make_repo, sign, wait_for
from pg_support import fresh_postgres, postgres_url  # noqa: F401

from alertcast.daemon import publog
from alertcast.daemon.status import outbox_summary
from alertcast.state import open_store


def _banner_ids(checkout: Path) -> list[str] | None:
    path = checkout / "site" / "api" / "v1" / "banners" / "zh.json"
    try:
        return [b["id"] for b in json.loads(path.read_text(encoding="utf-8"))["banners"]]
    except (OSError, ValueError):
        return None


def _log(process: Process) -> list[dict]:
    return [json.loads(line) for line in process.output().splitlines() if line.startswith("{")]


def _messages(process: Process) -> list[str]:
    return [r["message"] for r in _log(process)]


def _set_state_url(repo, url: str) -> None:  # type: ignore[no-untyped-def]
    path = repo.editor / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["state_url"] = url
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    git(repo.editor, "commit", "-qam", "state store")
    git(repo.editor, "push", "-q")


def _push_hook(process: Process, secret: str) -> int:
    import requests

    body = b'{"ref": "refs/heads/main"}'
    return requests.post(f"http://127.0.0.1:{process.port}/hooks/git", data=body, timeout=5,
                         headers={"X-Hub-Signature-256": sign(secret, body)}).status_code


# --- flat at rest -----------------------------------------------------------------------------
def test_the_outbox_summary_adds_nothing_to_sqlalchemys_cache_call_after_call(tmp_path):
    """The daemon reads the outbox summary at every drain interval; each read reflected the table
    anew, and each reflection left a statement in the engine's cache: an idle daemon grew."""
    engine = open_store(f"sqlite:///{tmp_path}/state.db")
    outbox_summary(engine)
    cached = len(engine._compiled_cache)
    for _ in range(50):
        assert outbox_summary(engine) == {}
    assert len(engine._compiled_cache) == cached
    engine.dispose()


def test_the_publish_log_keeps_a_bounded_history(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path}/state.db")
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for i in range(publog.KEEP + 30):
        publog.record(engine, "sync", at + timedelta(seconds=i), True, detail=str(i))
    publog.record(engine, "publish", at, True, detail="only")
    syncs = publog.entries(engine, "sync")
    assert len(syncs) == publog.KEEP and syncs[-1].detail == str(publog.KEEP + 29) and syncs[0].detail == "30"
    assert [e.detail for e in publog.entries(engine, "publish")] == ["only"]
    engine.dispose()


# --- stops and starts promptly ----------------------------------------------------------------
def test_sigterm_while_git_fetch_hangs_stops_within_10_s_and_the_checkout_at_hand_is_published(tmp_path):
    """The remote never answers (a transport that only sleeps, as ssh to a host that dropped off):
    the daemon publishes what its checkout has while that first fetch hangs, and SIGTERM ends it
    within 10 s, the git and what it started killed. Logs say what starts, leads and stops."""
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    git(live, "config", "protocol.ext.allow", "always")
    git(live, "remote", "set-url", "origin", "ext::sh -c sleep% 61.93")
    daemon = Process(live, tmp_path / "daemon.log", {"ALERTCAST_WEBHOOK_SECRET": "hook-secret"},
                     "--sync-interval", "300")
    try:
        wait_for(lambda: (daemon.health() or {}).get("status") == "ok", timeout=90)
        assert _banner_ids(live) == ["live-phishing"]
        wait_for(lambda: subprocess.run(["pgrep", "-f", "sleep 61.93"], capture_output=True).returncode == 0)
        assert _push_hook(daemon, "wrong") == 401
        started = time.monotonic()
        assert daemon.stop(timeout=30) == 0
        assert time.monotonic() - started < 10
    finally:
        daemon.kill()
    assert subprocess.run(["pgrep", "-f", "sleep 61.93"], capture_output=True, text=True).stdout == ""
    records = _log(daemon)
    (start,) = [r for r in records if r["message"] == "starting"]
    assert start["version"] and start["sync_interval"] == 300 and start["state_store"] == "sqlite"
    assert "hook-secret" not in daemon.output()
    messages = [r["message"] for r in records]
    assert {"first sync started", "became leader", "stopping", "stopped"} <= set(messages)
    (rejected,) = [r for r in records if r["message"].startswith("webhook rejected")]
    assert rejected["client"] == "127.0.0.1"


@pytest.mark.postgres
def test_a_process_restarted_after_sigkill_takes_its_own_lease_back_at_once(tmp_path, fresh_postgres):  # noqa: F811
    """The lease of a process that is gone from this machine is not waited out: with a 60 s lease,
    the restarted daemon leads within the time it takes to start, and says so."""
    repo = make_repo(tmp_path)
    _set_state_url(repo, fresh_postgres)
    live = repo.clone("live")
    options = ("--lease-ttl", "60", "--sync-interval", "300")
    first = Process(live, tmp_path / "first.log", {}, *options)
    second = None
    try:
        wait_for(lambda: (first.health() or {}).get("status") == "ok", timeout=90)
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(timeout=10)
        killed = time.monotonic()
        second = Process(live, tmp_path / "second.log", {}, *options)
        # the dead lease has 40 s or more to run: leading within 30 s is only by taking it back
        wait_for(lambda: (second.health() or {}).get("leader"), timeout=30)
        assert time.monotonic() - killed < 30
        wait_for(lambda: (second.health() or {}).get("status") == "ok", timeout=60)
        assert "took over the lease of a process of this machine that is gone" in _messages(second)
        assert second.stop() == 0
    finally:
        first.kill()
        if second is not None:
            second.kill()


# --- every push counts ------------------------------------------------------------------------
@pytest.mark.postgres
def test_every_push_is_live_within_one_more_sync_not_at_the_next_poll(tmp_path, fresh_postgres):  # noqa: F811
    """Two pushes a moment apart, each announced by the push webhook: the second arrives while the
    first's sync (and its publish) runs. Then a burst of pushes, each announced: every one is
    answered 202, none is refused by the scheduler, and the last commit goes live within a sync
    and a build or two, not at the 10-minute poll, with far fewer syncs than pushes."""
    repo = make_repo(tmp_path)
    _set_state_url(repo, fresh_postgres)
    live = repo.clone("live")
    secret = "push-secret"
    daemon = Process(live, tmp_path / "daemon.log", {"ALERTCAST_WEBHOOK_SECRET": secret}, "--sync-interval", "600")
    try:
        wait_for(lambda: (daemon.health() or {}).get("status") == "ok", timeout=90)
        build = _build_seconds(daemon)
        now = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=5)
        repo.commit_alert("first-push", now)
        assert _push_hook(daemon, secret) == 202
        wait_for(lambda: any(r["message"] == "content changed" for r in _log(daemon)), timeout=30)
        repo.commit_alert("second-push", now)  # while the first push's publish runs
        assert _push_hook(daemon, secret) == 202
        wait_for(lambda: {"first-push", "second-push"} <= set(_banner_ids(live) or []), timeout=4 * build + 30)

        engine = open_store(fresh_postgres)
        syncs_before = len(publog.entries(engine, "sync"))
        burst = [f"burst-{i}" for i in range(20)]
        for alert_id in burst:
            repo.commit_alert(alert_id, now)
            assert _push_hook(daemon, secret) == 202
        pushed = time.monotonic()
        # at most the sync running at the last push, then one more: two builds and two fetches
        wait_for(lambda: burst[-1] in (_banner_ids(live) or []), timeout=4 * build + 30)
        assert set(burst) <= set(_banner_ids(live) or [])
        waited = time.monotonic() - pushed
        syncs = len(publog.entries(engine, "sync")) - syncs_before
        assert 1 <= syncs < len(burst) // 2, syncs
        engine.dispose()
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    print(f"last of {len(burst)} pushes live {waited:.1f} s after it, {syncs} syncs, a build takes {build:.1f} s")
    assert not [m for m in _messages(daemon) if "maximum number of running instances" in m]
    assert not [m for m in daemon.output().splitlines() if "maximum number of running instances" in m]


# --- bad content never stops time ---------------------------------------------------------------
def _build_seconds(process: Process) -> float:
    """How long this process's last publish took (from its log): margins scale with this machine."""
    return max(wait_for(lambda: [r["seconds"] for r in _log(process) if r["message"] == "published"]))


def _status(live: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "alertcast", "status", "-p", str(live)],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(SRC)))


def _push_to_banner(repo, live: Path, alert_id: str) -> float:  # type: ignore[no-untyped-def]
    """Seconds from committing and pushing an alert that is live at once to its id in the deployed
    banner: a sync, check and incremental build as this machine runs them now."""
    started = time.monotonic()
    repo.commit_alert(alert_id, datetime.now(timezone.utc) - timedelta(minutes=1))
    wait_for(lambda: alert_id in (_banner_ids(live) or []), timeout=90)
    return time.monotonic() - started


def test_while_the_newest_commit_fails_check_boundaries_are_published_from_the_last_that_passes(tmp_path):
    """An editor pushes a broken file. The alert that expires meanwhile leaves the banner at its
    second and the scheduled one goes live at its second, from the last commit that passes check,
    also after a restart; /healthz, /metrics, the log and `alertcast status` name both commits.
    A fix brings the newest content back."""
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    started = time.monotonic()
    daemon = Process(live, tmp_path / "one.log", {}, "--sync-interval", "1")
    restarted = None
    try:
        wait_for(lambda: (daemon.health() or {}).get("status") == "ok", timeout=90)
        # Python's start, the imports, the first sync and a cold build: what a restart costs
        start = time.monotonic() - started
        build = _build_seconds(daemon)
        step = 3 * build + 8  # a bound for each wait below, never waited out when all goes well
        # The boundaries are as far ahead as what must come before them takes on this machine as
        # it is loaded now (`cycle`: a push synced, checked and built into the banner; a boundary's
        # preparation builds like the first build), twice over: not so far that a quiet machine
        # waits idle.
        cycle = _push_to_banner(repo, live, "warm-up")
        asked = time.monotonic()
        _status(live)
        status_seconds = time.monotonic() - asked
        now = datetime.now(timezone.utc).replace(microsecond=0)
        # two pushes (the good commit, then the broken one and the search back to the good one),
        # each followed by the boundary's preparation
        expires_at = now + timedelta(seconds=math.ceil(2 * (2 * cycle + 2 * build)))
        # `alertcast status`, a stop, a restart's start and catch-up, and the boundary's preparation
        publish_at = expires_at + timedelta(seconds=math.ceil(2 * (status_seconds + start + build)))
        # one push for both: a sync between two pushes would publish a commit before `good`
        repo.commit_alert("expiring", now - timedelta(minutes=1), expires_at, push=False)
        repo.commit_alert("due", publish_at)
        good = git(repo.editor, "rev-parse", "HEAD").strip()
        wait_for(lambda: "expiring" in (_banner_ids(live) or []), timeout=step)
        broken = repo.editor / "content" / "alerts" / "typo.en.md"
        broken.write_text("---\ntitle: Typo\nseverity: apocalyptic\n---\nbody\n", encoding="utf-8")
        git(repo.editor, "add", "-A")
        git(repo.editor, "commit", "-qm", "typo")
        git(repo.editor, "push", "-q")
        bad = git(repo.editor, "rev-parse", "HEAD").strip()
        held = wait_for(lambda: (daemon.health() or {}).get("held_back"), timeout=step)
        assert held["commit"] == bad and held["published_commit"] == good and "typo.en.md" in held["problems"]
        health = daemon.health()
        assert health["live_commit"] == good and "typo.en.md" in health["status"]
        assert "alertcast_content_held_back 1.0" in daemon.metrics()
        assert time.time() < expires_at.timestamp(), "the margins derived from the build time were too small"

        wait_for(lambda: "expiring" not in (_banner_ids(live) or []), timeout=expires_at.timestamp() - time.time() + step)
        engine = open_store("sqlite:///.alertcast/state.db", live)
        (boundary,) = wait_for(lambda: [e for e in publog.entries(engine, "publish") if e.detail.startswith("boundary")])
        assert expires_at <= boundary.at < expires_at + timedelta(seconds=1.5), boundary
        assert f"from commit {good}" in boundary.detail and bad in boundary.detail
        assert any(r["message"].startswith("content has errors") and r.get("published_commit") == good
                   for r in _log(daemon))
        status = _status(live)
        assert f"from commit {good}" in status.stdout and bad in status.stdout, status.stdout + status.stderr
        assert f"leader: {daemon.health()['holder']} since " in status.stdout  # from the lease, not the checkout
        (deployed,) = [line for line in status.stdout.splitlines() if line.startswith("deployed (site/) banner zh: ")]
        assert "expiring" not in deployed and "live-phishing" in deployed

        assert daemon.stop() == 0  # a restart while the newest commit is still broken
        restarted = Process(live, tmp_path / "two.log", {}, "--sync-interval", "1")
        # a restart also starts Python and imports alertcast, which `build` did not measure
        wait_for(lambda: (restarted.health() or {}).get("live_commit") == good, timeout=2 * step)
        assert time.time() < publish_at.timestamp(), "the margins derived from the build time were too small"
        wait_for(lambda: "due" in (_banner_ids(live) or []), timeout=publish_at.timestamp() - time.time() + step)
        due = wait_for(lambda: [e for e in publog.entries(engine, "publish") if e.at >= publish_at])
        assert due and due[0].at < publish_at + timedelta(seconds=1.5) and due[0].detail.startswith("boundary")

        broken.unlink()
        git(repo.editor, "commit", "-qam", "fix")
        git(repo.editor, "push", "-q")
        fixed = git(repo.editor, "rev-parse", "HEAD").strip()
        wait_for(lambda: (restarted.health() or {}).get("live_commit") == fixed, timeout=2 * step)
        assert restarted.health()["status"] == "ok" and "held_back" not in restarted.health()
        assert "alertcast_content_held_back 0.0" in restarted.metrics()
        assert not (live / ".alertcast" / "last-good").exists() or not any((live / ".alertcast" / "last-good").iterdir())
        assert restarted.stop() == 0
        engine.dispose()
    finally:
        daemon.kill()
        if restarted is not None:
            restarted.kill()


# --- one leader whatever the configuration does ---------------------------------------------------
@pytest.mark.postgres
def test_a_daemon_whose_checkout_moves_to_another_state_store_never_leads_on_the_old_one(tmp_path, fresh_postgres):  # noqa: F811
    """state_url moved to PostgreSQL in git; a daemon leads there. A second daemon starts from a
    checkout that still names SQLite: its first sync brings the new state_url, and instead of
    leading on SQLite (a second leader, every post sent twice) it exits for its supervisor, and
    started again it is a standby on PostgreSQL."""
    repo = make_repo(tmp_path)
    old = repo.clone("old")  # still on the default SQLite store
    _set_state_url(repo, fresh_postgres)
    new = repo.clone("new")
    leader = Process(new, tmp_path / "leader.log", {}, "--sync-interval", "1")
    late = again = None
    try:
        wait_for(lambda: (leader.health() or {}).get("status") == "ok", timeout=90)
        late = Process(old, tmp_path / "late.log", {}, "--sync-interval", "1")
        assert late.proc.wait(timeout=90) == 75, late.output()[-3000:]
        messages = _messages(late)
        assert any("state_url changed" in m for m in messages) and "published" not in messages
        assert fresh_postgres.rsplit("@", 1)[-1] not in late.output()  # no URL in the log
        sqlite = open_store("sqlite:///.alertcast/state.db", old)
        assert publog.entries(sqlite, "publish") == []
        sqlite.dispose()
        again = Process(old, tmp_path / "again.log", {}, "--sync-interval", "1")
        standby = wait_for(lambda: (again.health() or {}).get("status") == "standby", timeout=60)
        assert standby and leader.health()["leader"] is True
        assert wait_for(lambda: any(m.startswith("standby") for m in _messages(again)))  # logged as it stands by
        for daemon in (leader, again):  # outputs current: 0 on leader and standby alike, for one alert rule
            wait_for(lambda: "alertcast_unpublished_boundary_seconds 0.0" in daemon.metrics(), timeout=10)
        assert again.stop() == 0 and leader.stop() == 0
    finally:
        for process in (leader, late, again):
            if process is not None:
                process.kill()


# --- a post goes out once, whatever happens to the state store ------------------------------------
def _sent(fakes: dict, alert_id: str) -> dict[str, int]:
    from daemon_support import posts_for

    return {name: len(posts_for(fake, alert_id)) for name, fake in fakes.items()}


@pytest.mark.postgres
def test_a_new_or_moved_state_store_re_sends_nothing(tmp_path, fresh_postgres):  # noqa: F811
    """The first start on a store records what is live on each channel and posts none of it; an
    alert that goes live after that is posted once. `alertcast state migrate` moves the state from
    SQLite to PostgreSQL and the daemon on PostgreSQL sends nothing again; a daemon on a brand-new
    empty store neither."""
    from daemon_support import configure_channels, witness
    from social_support import start

    repo = make_repo(tmp_path)
    fakes = {name: start(name) for name in ("telegram", "mastodon")}
    env = configure_channels(repo, fakes)
    live = repo.clone("live")
    for fake in fakes.values():
        witness(fake, lambda alert_id: live / "site" / "alerts" / alert_id / "index.html")
    options = ("--sync-interval", "1", "--dispatch-interval", "0.5")
    first = Process(live, tmp_path / "first.log", env, *options)
    second = third = None
    try:
        wait_for(lambda: (first.health() or {}).get("status") == "ok", timeout=90)
        repo.commit_alert("after-start", datetime.now(timezone.utc) - timedelta(minutes=5),
                          channels="[banner, telegram, mastodon]")
        wait_for(lambda: _sent(fakes, "after-start") == {"telegram": 1, "mastodon": 1}, timeout=60)
        assert _sent(fakes, "live-phishing") == {"telegram": 0, "mastodon": 0}  # live before: not posted
        assert any(m.startswith("channels enabled on this state store") for m in _messages(first))
        assert first.stop() == 0

        migrate = subprocess.run([sys.executable, "-m", "alertcast", "state", "migrate", "-p", str(live),
                                  "sqlite:///.alertcast/state.db", fresh_postgres], capture_output=True, text=True,
                                 env=dict(os.environ, PYTHONPATH=str(SRC)))
        assert migrate.returncode == 0 and "outbox 2" in migrate.stdout, migrate.stdout + migrate.stderr
        again = subprocess.run([sys.executable, "-m", "alertcast", "state", "migrate", "-p", str(live),
                                "sqlite:///.alertcast/state.db", fresh_postgres], capture_output=True, text=True,
                               env=dict(os.environ, PYTHONPATH=str(SRC)))
        assert again.returncode == 1 and "already holds rows" in again.stderr and "Traceback" not in again.stderr
        _set_state_url(repo, fresh_postgres)
        git(live, "pull", "-q")
        second = Process(live, tmp_path / "second.log", env, *options)
        wait_for(lambda: (second.health() or {}).get("status") == "ok", timeout=90)
        repo.commit_alert("after-move", datetime.now(timezone.utc) - timedelta(minutes=5),
                          channels="[banner, telegram, mastodon]")
        wait_for(lambda: _sent(fakes, "after-move") == {"telegram": 1, "mastodon": 1}, timeout=60)
        assert not any(m.startswith("channels enabled on this state store") for m in _messages(second))
        assert second.stop() == 0

        _set_state_url(repo, "sqlite:///.alertcast/brand-new.db")  # state lost: an empty store
        git(live, "pull", "-q")
        third = Process(live, tmp_path / "third.log", env, *options)
        wait_for(lambda: (third.health() or {}).get("status") == "ok", timeout=90)
        time.sleep(2.0)  # four drain intervals: room for any re-send to show
        assert third.stop() == 0
        for alert_id, count in (("after-start", 1), ("after-move", 1), ("live-phishing", 0)):
            assert _sent(fakes, alert_id) == {"telegram": count, "mastodon": count}, alert_id
    finally:
        for process in (first, second, third):
            if process is not None:
                process.kill()
        for fake in fakes.values():
            fake.close()


# --- no boundary late because a build just ran ------------------------------------------------------
def test_a_boundary_within_the_build_of_a_push_goes_live_at_its_second_not_a_build_later(tmp_path):
    """A push brings one alert live at once and another due while that push's release builds. One
    release, built for the second alert's publish_at and switched to at that second, shows both:
    no build for the push, then another for the boundary."""
    repo = make_repo(tmp_path)
    # enough pages that a build takes seconds on any machine: the boundary must fall within one
    for i in range(400):
        repo.commit_alert(f"filler-{i}", datetime(2026, 1, 1, tzinfo=timezone.utc), channels="[banner]", push=False)
    git(repo.editor, "push", "-q")
    live = repo.clone("live")
    secret = "push-secret"
    daemon = Process(live, tmp_path / "daemon.log", {"ALERTCAST_WEBHOOK_SECRET": secret}, "--sync-interval", "600")
    try:
        wait_for(lambda: (daemon.health() or {}).get("status") == "ok", timeout=90)
        build = _build_seconds(daemon)
        repo.commit_alert("now-live", datetime.now(timezone.utc) - timedelta(minutes=1), push=False)
        # due once the push's build has begun, and before it would end by the daemon's reckoning (the
        # last build's length): half a build on, rounded up to a whole second (a 1.5 s floor for the
        # push and the sync; the build of 400 alerts takes seconds, so the window holds both)
        due = datetime.now(timezone.utc) + timedelta(seconds=max(1.5, build / 2))
        publish_at = due.replace(microsecond=0) + timedelta(seconds=1 if due.microsecond else 0)
        repo.commit_alert("soon", publish_at)
        assert _push_hook(daemon, secret) == 202
        wait_for(lambda: "soon" in (_banner_ids(live) or []), timeout=publish_at.timestamp() - time.time() + 3 * build)
        engine = open_store("sqlite:///.alertcast/state.db", live)
        (went,) = wait_for(lambda: [e for e in publog.entries(engine, "publish") if e.detail != "start"])
        assert went.at == publish_at and went.detail == "sync", went  # one release, for that second
        assert "now-live" in _banner_ids(live)
        assert any(r["message"].startswith("a boundary falls within the build") for r in _log(daemon))
        assert daemon.stop() == 0
        engine.dispose()
    finally:
        daemon.kill()


def test_a_live_page_edited_in_place_is_rendered_again_by_the_daemon_which_names_it(tmp_path):
    """The daemon's publishes build the site, taking unchanged pages from the live release: a page
    changed there after it went live is not carried into the next release nor does it stop the
    publish (no person needed); it is rendered again, and a warning names the file."""
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    daemon = Process(live, tmp_path / "daemon.log", {}, "--sync-interval", "1")
    try:
        wait_for(lambda: (daemon.health() or {}).get("status") == "ok", timeout=90)
        step = 3 * _build_seconds(daemon) + 8  # a bound for the wait below, never waited out when all goes well
        first = (live / "site").resolve()
        page = first / "alerts" / "expired-airdrop" / "index.html"
        page.write_text("<script>tampered()</script>", encoding="utf-8")  # the same inode, other bytes
        # A change that leaves that page's inputs as they were: it would be taken from the live release.
        for path in (repo.editor / "content" / "alerts").glob("live-phishing.*.md"):
            path.write_text(path.read_text(encoding="utf-8") + "\nEDITED-AFTER-TAMPERING\n", encoding="utf-8")
        git(repo.editor, "commit", "-qam", "live-phishing: one more line")
        git(repo.editor, "push", "-q")
        edited = live / "site" / "alerts" / "live-phishing" / "index.html"
        wait_for(lambda: "EDITED-AFTER-TAMPERING" in edited.read_text(encoding="utf-8"), timeout=step)
        second = (live / "site").resolve()
        assert second != first
        assert "tampered" not in (second / "alerts" / "expired-airdrop" / "index.html").read_text(encoding="utf-8")
        warnings = [r for r in _log(daemon) if "not the file alertcast published" in r["message"]]
        assert warnings and str(page) in warnings[0]["message"], _messages(daemon)[-20:]
        assert warnings[0]["level"].lower().startswith("warn") and "rendered again" in warnings[0]["message"]
        assert (daemon.health() or {}).get("status") == "ok"
    finally:
        daemon.kill()
