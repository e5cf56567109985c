"""`alertcast run` as a real process (structured logs, /healthz, clean exit on SIGTERM) and
`alertcast status`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import requests
from daemon_support import make_repo, wait_for
from pg_support import free_port

from alertcast.daemon import publog
from alertcast.state import open_store

SRC = Path(__file__).resolve().parents[1] / "src"


def test_run_serves_health_and_stops_on_sigterm(tmp_path):
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(SRC), ALERTCAST_WEBHOOK_SECRET="do-not-log-me")
    proc = subprocess.Popen([sys.executable, "-m", "alertcast", "run", "-p", str(live), "--listen",
                             f"127.0.0.1:{port}", "--sync-interval", "1"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # ready only once the first publish (site included) has succeeded
        (health,) = wait_for(lambda: _get(f"http://127.0.0.1:{port}/healthz", ready=True), timeout=90)
        body = health.json()
        assert body["leader"] is True and health.status_code == 200, body
        assert (live / "site" / "api" / "v1" / "banners" / "zh.json").exists()
        assert "alertcast_leader 1.0" in requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(r["message"] == "stopping" for r in lines) and all("level" in r and "time" in r for r in lines)
    assert "do-not-log-me" not in err
    engine = open_store("sqlite:///.alertcast/state.db", live)
    assert publog.last(engine, "sync") is not None and publog.last(engine, "publish") is not None


def _get(url: str, ready: bool = False):  # type: ignore[no-untyped-def]
    try:
        response = requests.get(url, timeout=2)
        if ready and response.status_code != 200:
            return None
        return (response,) if response.json()["leader"] else None  # a tuple: a 503 response is falsy
    except requests.ConnectionError:
        return None


def test_status_shows_live_scheduled_and_last_publish(project, cli):
    from datetime import datetime, timezone

    engine = open_store("sqlite:///.alertcast/state.db", project)
    publog.record(engine, "publish", datetime(2026, 3, 14, 16, 0, tzinfo=timezone.utc), True, detail="boundary")
    result = cli("status", "-p", project, "--now", "2026-03-15T00:00:00+08:00")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "live (1):\n  live-phishing [warning]" in out
    assert "scheduled-maintenance at 2026-04-01 09:00:00 CST" in out
    assert "next change: 2026-04-01 09:00:00 CST" in out
    assert "last publish: 2026-03-15 00:00:00 CST ok (boundary)" in out
    assert "last sync: never" in out and "outbox: empty" in out
