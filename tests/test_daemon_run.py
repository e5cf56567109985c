"""`alertcast run` as an operator runs it (a real process, a bare git origin, PostgreSQL where two
daemons or a restart meet): pushes, stops, restarts, bad content and a moved state store."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from daemon_support import Process, git, make_repo, sign, wait_for
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
def test_a_push_during_a_sync_is_live_after_one_more_sync_not_at_the_next_poll(tmp_path):
    """Two pushes a moment apart, each announced by the push webhook: the second arrives while the
    first's sync (and its publish) runs. Both alerts go live without waiting for the 10-minute poll."""
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    secret = "push-secret"
    daemon = Process(live, tmp_path / "daemon.log", {"ALERTCAST_WEBHOOK_SECRET": secret}, "--sync-interval", "600")
    try:
        wait_for(lambda: (daemon.health() or {}).get("status") == "ok", timeout=90)
        now = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(seconds=5)
        repo.commit_alert("first-push", now)
        assert _push_hook(daemon, secret) == 202
        wait_for(lambda: any(r["message"] == "content changed" for r in _log(daemon)), timeout=30)
        repo.commit_alert("second-push", now)  # while the first push's publish runs
        assert _push_hook(daemon, secret) == 202
        wait_for(lambda: {"first-push", "second-push"} <= set(_banner_ids(live) or []), timeout=120)
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    assert not [m for m in _messages(daemon) if "maximum number of running instances" in m]
