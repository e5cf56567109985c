"""Posts reach the social networks exactly once, end to end: `alertcast run` (in-process and as a
real process that is SIGKILLed) with the real pipeline, git sync and outbox, and channels pointed
at local servers that answer like Telegram, Mastodon and a signed webhook receiver.

What reached a network is counted at the fake server (accepted write requests per alert), never
from alertcast's own bookkeeping.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import requests
from daemon_support import (ahead, configure_channels, make_repo, metric, posts_for, sign, wait_for,
                            witness)
from pg_support import free_port
from social_support import start

from alertcast.broadcast import outbox
from alertcast.config import load_config
from alertcast.daemon import publog
from alertcast.daemon.service import Daemon
from alertcast.state import open_store

SRC = Path(__file__).resolve().parents[1] / "src"
NETWORKS = ("telegram", "mastodon", "webhook")
#: The fixture's live alert lists telegram and mastodon: the first publish posts it there.
FIXTURE_LIVE = "live-phishing"  # live before the daemon's first start on its store: never posted
NOT_POSTED = {"telegram": 0, "mastodon": 0, "webhook": 0}


def _site(config, *parts: str) -> Path:  # type: ignore[no-untyped-def]
    return config.output_dir.joinpath(*parts)


def _read(path: Path):  # type: ignore[no-untyped-def]
    """A deployed JSON file, or None while it is absent (or between releases)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _banner_ids(config) -> list[str] | None:  # type: ignore[no-untyped-def]
    data = _read(_site(config, "api", "v1", "banners", f"{config.default_lang}.json"))
    return None if data is None else [b["id"] for b in data["banners"]]


def _gone_from_banner(config, alert_id: str) -> float | None:  # type: ignore[no-untyped-def]
    ids = _banner_ids(config)
    return time.time() if ids is not None and alert_id not in ids else None


def _feed_ids(config) -> list[str] | None:  # type: ignore[no-untyped-def]
    data = _read(_site(config, "feeds", f"alerts.{config.default_lang}.json"))
    return None if data is None else [i["id"].rsplit(":", 1)[-1] for i in data["items"]]


def _page(config, alert_id: str) -> Path:  # type: ignore[no-untyped-def]
    return _site(config, "alerts", alert_id, "index.html")


def _counts(fakes: dict, alert_id: str) -> dict[str, int]:
    return {name: len(posts_for(fake, alert_id)) for name, fake in fakes.items()}



def test_alert_posts_once_per_network_at_publish_at(tmp_path, monkeypatch):
    repo = make_repo(tmp_path)
    fakes = {name: start(name) for name in NETWORKS}
    env = configure_channels(repo, fakes, dry={"discord": {"webhook_env": "TEST_DISCORD_NEVER_SET"}})
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    live = repo.clone("live")
    config = load_config(live)
    for fake in fakes.values():
        witness(fake, lambda alert_id: _page(config, alert_id))
    daemon = Daemon(config, sync_interval=3600, dispatch_interval=0.5, lease_ttl=10.0,
                    webhook_secret="s3cret", listen=("127.0.0.1", 0))
    daemon.start()
    try:
        wait_for(lambda: daemon.last_publish_ok and daemon._build_seconds > 0, timeout=30)

        # after the push's build and the boundary's prepared one, as long as builds take here now
        publish_at = ahead(max(15, 2 * daemon._build_seconds + 5))
        expires_at = publish_at + timedelta(seconds=12)
        repo.commit_alert("flash", publish_at, expires_at, channels="[banner, telegram, mastodon, webhook, discord]")
        fakes["telegram"].fail_next(("rate_limit", 1))  # the first send is answered 429, retry_after 1
        body = b'{"ref": "refs/heads/main"}'
        requests.post(f"http://127.0.0.1:{daemon.port}/hooks/git", data=body, timeout=5,
                      headers={"X-Hub-Signature-256": sign("s3cret", body)}).raise_for_status()
        wait_for(lambda: daemon.next_boundary == publish_at, timeout=30)

        # Watch every output from before publish_at until all show the alert; note when each did.
        checks = {
            "banner": lambda: "flash" in (_banner_ids(config) or []),
            "feed": lambda: "flash" in (_feed_ids(config) or []),
            "page": lambda: _page(config, "flash").exists(),
            "posts": lambda: all(_counts(fakes, "flash").values()),
        }
        seen: dict[str, float] = {}
        checked_before = 0
        while len(seen) < len(checks) and time.time() < publish_at.timestamp() + 30:
            for name, check in checks.items():
                t = time.time()
                if name not in seen and check():
                    seen[name] = t
                checked_before += t < publish_at.timestamp()
            time.sleep(0.05)
        assert checked_before > 20, "the watch must start well before publish_at"
        assert set(seen) == set(checks), f"only {sorted(seen)} showed the alert"
        # On time: the daemon woke at publish_at, and everything was out as soon as that publish
        # (a real site build, slower on a loaded machine) was done.
        boundary = publish_at.timestamp()
        woke = next(e for e in publog.entries(daemon.engine, "publish") if e.at >= publish_at)
        assert woke.detail == "boundary" and woke.at.timestamp() - boundary < 1.5, woke
        done = woke.at.timestamp() + woke.duration
        for name in ("banner", "feed", "page"):
            assert boundary <= seen[name] <= done + 1.0, (name, seen[name] - boundary, done - boundary)
            assert seen[name] < boundary + 10, (name, seen[name] - boundary)

        # Each network got exactly one post for the alert, after publish_at, linking to a live page.
        assert _counts(fakes, "flash") == {"telegram": 1, "mastodon": 1, "webhook": 1}
        for name, fake in fakes.items():
            (post,) = posts_for(fake, "flash")
            # telegram's first answer is a 429 with retry_after 1: one more second for it
            assert boundary <= post["at"] <= done + (3.0 if name == "telegram" else 1.5), (name, post["at"] - done)
            assert post["page_live"], f"{name} got a link to a page not yet live"
        telegram_sends = [r for r in fakes["telegram"].requests if r.get("alert") == "flash"]
        assert [r["status"] for r in telegram_sends] == [429, 200]
        assert telegram_sends[1]["at"] - telegram_sends[0]["at"] >= 0.9  # the retry hint was honoured

        # A channel without credentials is previewed once, not left queued (and logged) forever.
        rows = [r for r in outbox.rows(daemon.engine) if r["alert_id"] == "flash"]
        assert sorted((r["channel"], r["status"], r["tries"]) for r in rows) == [
            ("discord", "previewed", 0), ("mastodon", "sent", 1), ("telegram", "sent", 2), ("webhook", "sent", 1)]
        wait_for(lambda: metric(daemon, 'alertcast_outbox_rows{channel="telegram",status="queued"}') == 0, timeout=5)
        assert metric(daemon, 'alertcast_outbox_rows{channel="discord",status="queued"}') in (None, 0.0)

        wait_for(lambda: daemon.next_boundary == expires_at, timeout=10)
        emptied = wait_for(lambda: _gone_from_banner(config, "flash"), timeout=30)
        # the publish is logged after the enqueue that follows the deploy: wait for it, do not race it
        expired = wait_for(lambda: next((e for e in publog.entries(daemon.engine, "publish") if e.at >= expires_at),
                                        None), timeout=10)
        assert expired.detail == "boundary" and (expired.at - expires_at).total_seconds() < 1.5, expired
        assert expires_at.timestamp() <= emptied <= expired.at.timestamp() + expired.duration + 1.0

        # More syncs, pushes and drains add nothing anywhere.
        daemon.sync_now()
        requests.post(f"http://127.0.0.1:{daemon.port}/hooks/git", data=body, timeout=5,
                      headers={"X-Hub-Signature-256": sign("s3cret", body)}).raise_for_status()
        daemon.publish_now("test")
        time.sleep(2.0)  # four dispatch intervals
        assert _counts(fakes, "flash") == {"telegram": 1, "mastodon": 1, "webhook": 1}
        assert _counts(fakes, FIXTURE_LIVE) == NOT_POSTED
        assert all(not any(r["method"] != "GET" and r.get("alert") != "flash" and r.get("alert") != FIXTURE_LIVE
                           for r in fake.requests) for fake in fakes.values())
    finally:
        daemon.stop()
        for fake in fakes.values():
            fake.close()


def _records(log: Path) -> list[dict]:
    """The JSON lines a daemon process logged."""
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("{")]


def _health(port: int) -> dict | None:
    try:
        response = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    except requests.ConnectionError:
        return None
    return response.json() if response.status_code == 200 else None


def test_sigkilled_daemon_publishes_the_missed_boundary_once_and_reposts_nothing(tmp_path):
    repo = make_repo(tmp_path)
    fakes = {name: start(name) for name in NETWORKS}
    env = configure_channels(repo, fakes)
    live = repo.clone("live")
    config = load_config(live)
    for fake in fakes.values():
        witness(fake, lambda alert_id: _page(config, alert_id))
    port = free_port()
    command = [sys.executable, "-m", "alertcast", "run", "-p", str(live), "--listen", f"127.0.0.1:{port}",
               "--sync-interval", "1", "--dispatch-interval", "0.5", "--lease-ttl", "2"]
    proc_env = dict(os.environ, PYTHONPATH=str(SRC), ALERTCAST_WEBHOOK_SECRET="s3cret", **env)
    procs: list[subprocess.Popen] = []

    def launch(name: str) -> subprocess.Popen:
        with open(tmp_path / f"{name}.log", "w") as log:
            procs.append(subprocess.Popen(command, env=proc_env, stdout=subprocess.DEVNULL, stderr=log))
        return procs[-1]

    try:
        first = launch("first")
        wait_for(lambda: "channels enabled" in (tmp_path / "first.log").read_text(), timeout=60)
        build = max(wait_for(lambda: [r["seconds"] for r in _records(tmp_path / "first.log")
                         if r.get("message") == "published"]))
        # due once the push is synced (a sync a second) and built, with room to kill before it: margins
        # from the build measured here, not a fixed wait that a slow machine outgrows and a fast one idles
        publish_at = ahead(2 * build + 6)
        repo.commit_alert("pending", publish_at, channels="[banner, telegram, mastodon, webhook]")

        def pending() -> bool:  # the push is synced and its boundary set
            boundary = (_health(port) or {}).get("next_boundary")
            return boundary is not None and datetime.fromisoformat(boundary) == publish_at

        wait_for(pending, timeout=publish_at.timestamp() - time.time())
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert time.time() < publish_at.timestamp() - 2, "killed too late: the machine is too slow for this margin"
        assert _counts(fakes, "pending") == {"telegram": 0, "mastodon": 0, "webhook": 0}
        assert "pending" not in _banner_ids(config)

        # Down across the boundary (and past the dead process's lease), then started again.
        wait_for(lambda: time.time() > publish_at.timestamp() + 3, timeout=40)
        restarted_at = time.time()
        second = launch("second")
        wait_for(lambda: all(_counts(fakes, "pending").values()), timeout=60)
        holder = wait_for(lambda: (_health(port) or {}).get("holder"), timeout=10)
        time.sleep(3.0)  # six dispatch intervals, three syncs: room for any duplicate to show

        assert _counts(fakes, "pending") == {"telegram": 1, "mastodon": 1, "webhook": 1}
        assert _counts(fakes, FIXTURE_LIVE) == NOT_POSTED  # nor by the restarted one
        for fake in fakes.values():
            (post,) = posts_for(fake, "pending")
            assert post["at"] >= restarted_at and post["page_live"]
        assert "pending" in _banner_ids(config)
        engine = open_store(config.settings.state_url, config.root)
        after = [e for e in publog.entries(engine, "publish") if e.holder == holder]
        assert [(e.ok, e.detail) for e in after] == [(True, "start")], after  # the catch-up, once
        assert after[0].at >= publish_at
        engine.dispose()

        second.send_signal(signal.SIGTERM)
        try:
            code = second.wait(timeout=60)
        except subprocess.TimeoutExpired:  # say what it was doing, for whoever reads the CI log
            second.send_signal(signal.SIGQUIT)
            second.wait(timeout=10)
            raise AssertionError("no clean stop within 60 s of SIGTERM; daemon log:\n"
                                 + (tmp_path / "second.log").read_text(encoding="utf-8")[-6000:]) from None
        assert code == 0, (tmp_path / "second.log").read_text(encoding="utf-8")[-6000:]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        for fake in fakes.values():
            fake.close()


def test_deploy_failing_at_publish_at_is_retried_and_the_posts_follow_once(tmp_path, monkeypatch):
    """The boundary's publish fails (the web root cannot be written); the daemon retries on its own,
    and the posts go out once, after the page is live at the deploy target."""
    import shutil

    import yaml

    repo = make_repo(tmp_path)
    public = tmp_path / "public"
    www = public / "www"
    settings = repo.editor / "mkdocs.yml"
    raw = yaml.safe_load(settings.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["deploy"] = {"target": "directory", "path": str(www)}
    settings.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    fakes = {"telegram": start("telegram")}
    for key, value in configure_channels(repo, fakes).items():
        monkeypatch.setenv(key, value)
    config = load_config(repo.clone("live"))
    witness(fakes["telegram"], lambda alert_id: www / "alerts" / alert_id / "index.html")
    daemon = Daemon(config, sync_interval=3600, dispatch_interval=0.5, lease_ttl=10.0, publish_retry=1.0,
                    webhook_secret="s3cret", listen=("127.0.0.1", 0))
    deployed_banner = www / "api" / "v1" / "banners" / f"{config.default_lang}.json"
    daemon.start()
    try:
        wait_for(lambda: daemon.last_publish_ok and daemon._build_seconds > 0, timeout=30)
        publish_at = ahead(max(12, 2 * daemon._build_seconds + 3))  # after the sync's build, measured here
        repo.commit_alert("flash", publish_at, channels="[banner, telegram]")
        daemon.trigger_sync()
        wait_for(lambda: daemon.next_boundary == publish_at, timeout=30)
        shutil.rmtree(public)
        public.write_text("a file where the web root's folder should be")

        wait_for(lambda: any(not e.ok and e.at >= publish_at for e in publog.entries(daemon.engine, "publish")),
                 timeout=30)
        assert not daemon.health()[0]
        assert posts_for(fakes["telegram"], "flash") == []  # no post links to a page that is not live
        # the outputs are behind the boundary: the metric alert rules read says so (0 while current)
        wait_for(lambda: (metric(daemon, "alertcast_unpublished_boundary_seconds") or 0) > 0, timeout=5)
        public.unlink()  # the operator (or the disk) recovers

        wait_for(lambda: "flash" in [b["id"] for b in (_read(deployed_banner) or {"banners": []})["banners"]],
                 timeout=30)
        wait_for(lambda: posts_for(fakes["telegram"], "flash"), timeout=10)
        time.sleep(1.5)
        (post,) = posts_for(fakes["telegram"], "flash")
        assert post["page_live"]
        assert posts_for(fakes["telegram"], FIXTURE_LIVE) == []
        assert daemon.health()[0]
        wait_for(lambda: metric(daemon, "alertcast_unpublished_boundary_seconds") == 0, timeout=5)
        last = publog.last(daemon.engine, "publish")
        assert last.ok and last.detail == "retry"
    finally:
        daemon.stop()
        fakes["telegram"].close()
