"""`alertcast run` as a real process (structured logs, /healthz, clean exit on SIGTERM) and
`alertcast status`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

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


def test_no_token_or_secret_in_any_output_at_debug_level(tmp_path):
    """Every channel configured with a token (local fake networks), a signing key and a push-webhook
    secret; the daemon runs as a process at debug level through posts, a 401, 5xx answers, a bad
    and a good push webhook, and a clean stop. Not one of those secrets appears in what it prints."""
    import yaml
    from daemon_support import Process, ahead, configure_channels, posts_for, sign, witness
    from social_support import FAKES, start

    from alertcast.signing import generate

    repo = make_repo(tmp_path)
    fakes = {name: start(name) for name in FAKES}
    for fake in fakes.values():
        witness(fake, lambda alert_id: tmp_path / "unused")
    env = configure_channels(repo, fakes)
    # Slack through an incoming webhook: there the secret is the URL's path, which the HTTP client logs
    settings = repo.editor / "mkdocs.yml"
    raw = yaml.safe_load(settings.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["channels"]["slack"] = {"webhook_env": "TEST_SLACK_WEBHOOK"}
    settings.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    env.pop("TEST_SLACK_SECRET")
    env["TEST_SLACK_WEBHOOK"] = fakes["slack"].url + fakes["slack"].hook_path
    key = generate().private_pem.decode()
    env.update(ALERTCAST_SIGNING_KEY=key, ALERTCAST_WEBHOOK_SECRET="push-hook-secret-5e6f7a8b")
    secrets = set(env.values()) | {fake.token for fake in fakes.values()}
    secrets |= {fakes["discord"].webhook_path.rsplit("/", 1)[-1], fakes["slack"].hook_path.rsplit("/", 1)[-1],
                "refresh-" + fakes["bluesky"].token}
    secrets |= {line for line in key.splitlines() if not line.startswith("-----")}  # the key's base64 lines
    everywhere = ", ".join(FAKES)
    # Each network's first write fails: 401 (a bad token) on half of them, a 5xx on the others.
    for i, fake in enumerate(fakes.values()):
        fake.fail_next(("status", 401 if i % 2 else 503))
    live = repo.clone("live")
    daemon = Process(live, tmp_path / "daemon.log", env, "--log-level", "debug", "--sync-interval", "3600",
                     "--dispatch-interval", "0.5")
    try:
        wait_for(lambda: (daemon.health() or {}).get("status") == "ok", timeout=90)
        url = f"http://127.0.0.1:{daemon.port}/hooks/git"
        body = b'{"ref": "refs/heads/main"}'
        # pushed after the first start (what was live then is the channels' baseline, never posted)
        repo.commit_alert("leaky", ahead(-60), channels=f"[banner, {everywhere}]")
        assert requests.post(url, data=body, headers={"X-Hub-Signature-256": sign(env["ALERTCAST_WEBHOOK_SECRET"], body)},
                             timeout=5).status_code == 202
        wait_for(lambda: all(any(r.get("status", 0) >= 400 for r in f.requests) for f in fakes.values()), timeout=60)
        repo.commit_alert("second", ahead(-30), channels=f"[banner, {everywhere}]")
        assert requests.post(url, data=body, headers={"X-Hub-Signature-256": "sha256=00"}, timeout=5).status_code == 401
        assert requests.post(url, data=body, headers={"X-Hub-Signature-256": sign(env["ALERTCAST_WEBHOOK_SECRET"], body)},
                             timeout=5).status_code == 202
        wait_for(lambda: all(posts_for(f, "second") for f in fakes.values()), timeout=60)
        assert daemon.stop() == 0, daemon.output()[-3000:]
    finally:
        daemon.kill()
        for fake in fakes.values():
            fake.close()
    out = daemon.output()
    assert all(json.loads(line) for line in out.splitlines())  # one JSON object per line, nothing else
    # the run did reach every case: debug lines of the HTTP client, the failures, the stop
    assert '"level": "debug"' in out and "401" in out and "server error 503" in out and '"stopping"' in out
    assert "/bot[REDACTED]/sendMessage" in out  # Telegram's token is in its URL: urllib3 logs that at debug
    leaked = sorted(s for s in secrets if s in out or quote(s, safe="") in out)
    assert leaked == [], [line for line in out.splitlines() if any(s in line for s in leaked)][:5]


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
    assert "scheduled-maintenance at 2026-04-01 09:00:00 Beijing time (UTC+8)" in out
    assert "next change: 2026-04-01 09:00:00 Beijing time (UTC+8)" in out
    assert "last publish: 2026-03-15 00:00:00 Beijing time (UTC+8) ok (boundary)" in out
    assert "leader: none" in out and "deployed (site/): nothing published yet" in out
    assert "last sync: never" in out and "outbox: empty" in out
