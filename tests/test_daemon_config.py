"""mkdocs.yml is read again when it changes: channel and site settings pushed to git take effect
without a restart, a bad file is handled like bad content (nothing published, file:line
reported, published again once fixed), and a setting read only at start is reported as such.
A daemon started with an invalid mkdocs.yml runs, syncs and publishes the first valid one."""

from __future__ import annotations

import json
import logging
import re
import time

import requests
import yaml
from daemon_support import ahead, configure_channels, git, make_repo, posts_for, wait_for, witness
from social_support import start

from alertcast.config import load_config
from alertcast.daemon import publog
from alertcast.daemon.gitsync import head
from alertcast.daemon.service import Daemon
from alertcast.pipeline import prepare, publish


def _no_site(**options):  # type: ignore[no-untyped-def]
    """The real pipeline without the HTML site: these tests look at feeds, banners and posts."""
    return dict(publisher=lambda c, now: publish(c, now, with_site=False),
                preparer=lambda c, when: prepare(c, when, with_site=False), **options)


def _edit_settings(project, change) -> str:  # type: ignore[no-untyped-def]
    """Apply `change(raw)` to project/mkdocs.yml; returns the new text."""
    path = project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return text


def _push(repo, message: str) -> None:  # type: ignore[no-untyped-def]
    git(repo.editor, "add", "-A")
    git(repo.editor, "commit", "-qm", message)
    git(repo.editor, "push", "-q")


def _banner_ids(config) -> list[str]:  # type: ignore[no-untyped-def]
    data = json.loads((config.output_dir / "api" / "v1" / "banners" / f"{config.default_lang}.json").read_text())
    return [b["id"] for b in data["banners"]]


def _feed_title(config) -> str:  # type: ignore[no-untyped-def]
    return json.loads((config.output_dir / "feeds" / f"alerts.{config.default_lang}.json").read_text())["title"]


def _chat_ids(fake, alert_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [r["body"]["chat_id"] for r in posts_for(fake, alert_id)]


def _messages(caplog, level: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.getMessage() for r in caplog.records if r.levelno == level and r.name == "alertcast.daemon"]


def test_settings_pushed_to_git_take_effect_and_a_bad_file_is_held_back(tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="alertcast.daemon")
    repo = make_repo(tmp_path)
    fakes = {"telegram": start("telegram")}
    for key, value in configure_channels(repo, fakes).items():
        monkeypatch.setenv(key, value)
    config = load_config(repo.clone("live"))
    witness(fakes["telegram"], lambda alert_id: config.output_dir / "never")
    daemon = Daemon(config, **_no_site(sync_interval=3600, dispatch_interval=0.3, lease_ttl=10.0,
                                       listen=("127.0.0.1", 0)))
    daemon.start()
    try:
        healthz = f"http://127.0.0.1:{daemon.port}/healthz"
        repo.commit_alert("before-move", ahead(-60))  # live before the first start is not posted: a new one is
        daemon.sync_now()
        wait_for(lambda: _chat_ids(fakes["telegram"], "before-move") == ["@alerts"], timeout=20)
        original_title = _feed_title(config)

        # 1. A channel setting and a site setting change in git, with an alert that is live at once.
        def move(raw):  # type: ignore[no-untyped-def]
            raw["site_name"] = "Moved Safety Center"
            raw["extra"]["alertcast"]["channels"]["telegram"]["chat_id"] = "@moved"

        _edit_settings(repo.editor, move)
        repo.commit_alert("after-move", ahead(-60), push=False)
        git(repo.editor, "push", "-q")
        daemon.sync_now()
        wait_for(lambda: _chat_ids(fakes["telegram"], "after-move"), timeout=20)
        assert _chat_ids(fakes["telegram"], "after-move") == ["@moved"]
        assert _feed_title(daemon.config).startswith("Moved Safety Center") and original_title != _feed_title(config)
        reloaded = [r for r in caplog.records if r.getMessage() == "configuration reloaded"]
        assert reloaded and {"site_name", "extra.alertcast.channels"} <= set(reloaded[-1].changed)

        # 2. An invalid mkdocs.yml arrives together with a new alert: nothing is published with it.
        text = _edit_settings(repo.editor, lambda raw: raw["extra"]["alertcast"]["banner"].update(poll_seconds=5))
        line = next(i for i, t in enumerate(text.splitlines(), 1) if "poll_seconds" in t)
        repo.commit_alert("while-broken", ahead(-30), push=False)
        git(repo.editor, "push", "-q")
        daemon.sync_now()
        health = requests.get(healthz, timeout=5)
        assert health.status_code == 503
        where = re.compile(rf"mkdocs\.yml:{line}:\d+: error: 'banner\.poll_seconds'")
        assert where.search(health.json()["status"]) and where.search(health.json()["config_error"]), health.json()
        assert "still serving the last good outputs" in health.json()["status"]
        assert any(where.search(m) for m in _messages(caplog, logging.ERROR))
        time.sleep(1.0)  # three drains
        assert "while-broken" not in _banner_ids(config) and "after-move" in _banner_ids(config)
        assert posts_for(fakes["telegram"], "while-broken") == []
        assert daemon.config.settings.banner.poll_seconds == 300  # the last good configuration

        # 3. Fixed: published at once, and posted once.
        _edit_settings(repo.editor, lambda raw: raw["extra"]["alertcast"]["banner"].update(poll_seconds=120))
        _push(repo, "fix poll_seconds")
        daemon.sync_now()
        assert "while-broken" in _banner_ids(config)
        health = requests.get(healthz, timeout=5)
        assert health.status_code == 200 and "config_error" not in health.json(), health.json()
        wait_for(lambda: posts_for(fakes["telegram"], "while-broken"), timeout=20)
        time.sleep(1.0)
        assert _chat_ids(fakes["telegram"], "while-broken") == ["@moved"]
        assert _chat_ids(fakes["telegram"], "before-move") == ["@alerts"]  # nothing re-posted

        # 4. A new state store: this daemon, holding the old one, stops leading (a daemon started on
        # the new store would be a second leader) and asks to be restarted, without the URL.
        _edit_settings(repo.editor, lambda raw: raw["extra"]["alertcast"].update(state_url="sqlite:///.alertcast/x.db"))
        _push(repo, "move the state store")
        daemon.sync_now()
        health = requests.get(healthz, timeout=5)
        assert health.status_code == 503 and health.json()["restart_needed"] == ["extra.alertcast.state_url"]
        assert health.json()["leader"] is False and "state_url" in health.json()["status"]
        assert daemon.lease.current()[1] == 0.0  # let go of at once, not left to run out
        daemon.tick_lease()
        assert not daemon.is_leader
        errors = [m for m in _messages(caplog, logging.ERROR) if "state_url" in m]
        assert errors and "exits" in errors[-1] and "x.db" not in " ".join(errors)
        assert daemon.config.settings.state_url == config.settings.state_url
        assert not (config.root / ".alertcast" / "x.db").exists()
        assert publog.last(daemon.engine, "sync").detail.endswith(head(repo.editor))  # still the store it started with
    finally:
        daemon.stop()
        for fake in fakes.values():
            fake.close()


def test_mkdocs_yml_changed_on_disk_is_read_before_the_boundary_publish(tmp_path):
    """Without git sync: a release prepared ahead with the old settings is not the one that goes live."""
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    publish_at = ahead(6)
    repo.editor = live  # commit in the daemon's own checkout; there is no sync to bring it
    repo.commit_alert("flash", publish_at, push=False)
    config = load_config(live)
    daemon = Daemon(config, **_no_site(sync=False, sync_interval=3600, dispatch_interval=3600, lease_ttl=10.0))
    daemon.start()
    try:
        assert daemon.next_boundary == publish_at
        wait_for(lambda: daemon.releases.pending is not None, timeout=10)  # built ahead, with the old settings
        _edit_settings(live, lambda raw: raw.update(site_name="Edited On Disk"))
        wait_for(lambda: "flash" in _banner_ids(config), timeout=20)
        assert _feed_title(config).startswith("Edited On Disk")
        entry = wait_for(lambda: next((e for e in publog.entries(daemon.engine, "publish")  # logged after enqueue
                                       if e.detail == "boundary"), None), timeout=5)
        assert entry.ok and entry.at.timestamp() < publish_at.timestamp() + 2
    finally:
        daemon.stop()


def _healthz(daemon):  # type: ignore[no-untyped-def]
    """(status code, body) of a real daemon's /healthz, or None while it does not answer."""
    try:
        response = requests.get(f"http://127.0.0.1:{daemon.port}/healthz", timeout=2)
    except (requests.ConnectionError, requests.Timeout):
        return None
    return response.status_code, response.json()


def test_a_daemon_started_with_an_invalid_mkdocs_yml_runs_and_publishes_the_fix_it_syncs(tmp_path):
    """Under systemd an exit would be a restart loop that never fetches the fix: the daemon starts,
    says what is wrong and where, leaves the deployed outputs alone, and publishes once git brings
    a valid mkdocs.yml (and valid content)."""
    from daemon_support import Process

    repo = make_repo(tmp_path)
    text = _edit_settings(repo.editor, lambda raw: raw["extra"]["alertcast"]["banner"].update(poll_seconds=5))
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "poll_seconds" in t)
    _push(repo, "poll every 5 s")
    live = repo.clone("live")
    banner = live / "site" / "api" / "v1" / "banners" / "zh.json"
    banner.parent.mkdir(parents=True)
    banner.write_text('{"banners": [], "old": true}\n')  # what an earlier daemon deployed
    (live / "site" / ".alertcast-output").touch()  # a folder prepared for alertcast, which replaces it
    daemon = Process(live, tmp_path / "daemon.log", {"ALERTCAST_WEBHOOK_SECRET": "s3cret"}, "--sync-interval", "1")
    try:
        code, body = wait_for(lambda: _healthz(daemon), timeout=30)
        where = re.compile(rf"mkdocs\.yml:{line}:\d+: error: 'banner\.poll_seconds'")
        assert code == 503 and where.search(body["config_error"]) and where.search(body["status"]), body
        assert body["leader"] is False and "nothing is published until it is fixed" in body["status"]
        logged = [json.loads(entry) for entry in daemon.output().splitlines()]
        assert any(r["level"] == "error" and where.search(r["message"]) for r in logged), logged
        time.sleep(2.5)  # syncs of an unchanged origin: it still runs, and publishes nothing
        assert daemon.proc.poll() is None and _healthz(daemon)[0] == 503
        assert json.loads(banner.read_text()) == {"banners": [], "old": True}

        # 1. The settings are fixed, but an alert the same commit brings is not: still nothing published.
        _edit_settings(repo.editor, lambda raw: raw["extra"]["alertcast"]["banner"].update(poll_seconds=120))
        bad = repo.editor / "content" / "alerts" / "live-phishing.en.md"
        good = bad.read_text(encoding="utf-8")
        bad.write_text(good.replace("severity: warning", "severity: urgent"), encoding="utf-8")
        assert bad.read_text(encoding="utf-8") != good
        last_good = head(repo.editor)  # its content passes check (only its settings did not)
        _push(repo, "fix poll_seconds, break an alert")
        code, body = wait_for(lambda: (h := _healthz(daemon)) and last_good in h[1]["status"] and h, timeout=60)
        assert code == 503 and body["leader"] is True and "config_error" not in body, body
        assert re.search(r"content/alerts/live-phishing\.en\.md:\d+:\d+: error: .*severity", body["status"]), body
        # the content of the last commit that passes is published with the valid settings meanwhile
        assert body["held_back"]["published_commit"] == last_good and last_good in body["status"], body
        shown = wait_for(lambda: (b := json.loads(banner.read_text())) and "old" not in b and b, timeout=30)
        assert [b["id"] for b in shown["banners"]] == ["live-phishing"] and shown["poll_after_seconds"] <= 120

        # 2. The content is fixed: published, ready.
        bad.write_text(good, encoding="utf-8")
        _push(repo, "fix the alert")
        code, body = wait_for(lambda: (h := _healthz(daemon)) and h[0] == 200 and h, timeout=90)
        assert body["status"] == "ok" and body["leader"] is True, body
        shown = json.loads(banner.read_text())
        assert [b["id"] for b in shown["banners"]] == ["live-phishing"] and shown["poll_after_seconds"] <= 120
        assert daemon.proc.poll() is None  # the same process throughout
        assert daemon.stop() == 0, daemon.output()[-3000:]
    finally:
        daemon.kill()
    out = daemon.output()
    assert '"configuration loaded"' in out and "Traceback" not in out


def test_waiting_for_a_valid_mkdocs_yml_the_webhook_brings_it_and_its_state_store_is_used(tmp_path):
    """Started with a file that is not even YAML: the push webhook still syncs, and the state store
    is the one the first valid file names (nothing was opened before it: a default one could be the
    wrong one)."""
    from daemon_support import sign

    from alertcast.daemon.liveconfig import initial_config, problems_text

    repo = make_repo(tmp_path)
    settings = repo.editor / "mkdocs.yml"
    good = settings.read_text(encoding="utf-8")
    settings.write_text(good + "nav: a: b\n", encoding="utf-8")
    line = len(good.splitlines()) + 1
    _push(repo, "a colon too many")
    live = repo.clone("live")
    config, invalid = initial_config(live)
    assert invalid is not None and config.root == live.resolve()
    daemon = Daemon(config, config_error=problems_text(invalid, config.path),
                    **_no_site(sync_interval=3600, dispatch_interval=3600, lease_ttl=10.0, listen=("127.0.0.1", 0),
                               webhook_secret="s3cret"))
    daemon.start()
    try:
        health = requests.get(f"http://127.0.0.1:{daemon.port}/healthz", timeout=5)
        assert health.status_code == 503, health.json()
        assert re.search(rf"mkdocs\.yml:{line}:\d+: error: ", health.json()["config_error"]), health.json()
        assert not (live / ".alertcast").exists() and not (live / "site").exists()

        settings.write_text(good, encoding="utf-8")
        _edit_settings(repo.editor, lambda raw: raw["extra"]["alertcast"].update(state_url="sqlite:///.alertcast/own.db"))
        _push(repo, "fixed, with its own state store")
        body = b'{"ref": "refs/heads/main"}'
        assert requests.post(f"http://127.0.0.1:{daemon.port}/hooks/git", data=body, timeout=5,
                             headers={"X-Hub-Signature-256": sign("s3cret", body)}).status_code == 202
        wait_for(lambda: (live / "site" / "api" / "v1" / "banners" / "zh.json").exists(), timeout=30)
        assert "live-phishing" in _banner_ids(daemon.config)
        health = wait_for(lambda: (h := requests.get(f"http://127.0.0.1:{daemon.port}/healthz", timeout=5)).ok and h,
                          timeout=10)
        assert health.json()["status"] == "ok" and "restart_needed" not in health.json(), health.json()
        assert (live / ".alertcast" / "own.db").exists() and not (live / ".alertcast" / "state.db").exists()
        assert publog.last(daemon.engine, "publish").ok
    finally:
        daemon.stop()


def test_without_git_sync_a_fix_saved_on_disk_is_published(project):
    from alertcast.daemon.liveconfig import initial_config, problems_text

    settings = project / "mkdocs.yml"
    good = settings.read_text(encoding="utf-8")
    settings.write_text(good.replace("site_url:", "site_address:"), encoding="utf-8")
    config, invalid = initial_config(project)
    assert invalid is not None and any("site_url" in p.message for p in invalid.errors)
    daemon = Daemon(config, config_error=problems_text(invalid, config.path),
                    **_no_site(sync=False, sync_interval=0.5, dispatch_interval=3600, lease_ttl=10.0))
    daemon.start()
    try:
        time.sleep(1.2)
        assert daemon.health()[0] is False and "site_url" in daemon.health()[1]["config_error"]
        settings.write_text(good, encoding="utf-8")
        wait_for(lambda: daemon.health()[0], timeout=20)
        assert "live-phishing" in _banner_ids(daemon.config)
    finally:
        daemon.stop()


def test_run_exits_1_when_no_sync_could_bring_a_valid_mkdocs_yml(project):
    """Not a git checkout (with sync on), or no mkdocs.yml at all: a person must act, so say what and where."""
    import os
    import subprocess
    import sys

    from daemon_support import SRC

    def run(*options: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "alertcast", "run", "-p", str(project), "--listen", "off",
                               *options], capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, PYTHONPATH=str(SRC), GIT_CEILING_DIRECTORIES=str(project.parent)))

    _edit_settings(project, lambda raw: raw["extra"]["alertcast"].setdefault("banner", {}).update(poll_seconds=1))
    result = run()
    assert result.returncode == 1, result
    assert re.search(r"^mkdocs\.yml:\d+:\d+: error: 'banner\.poll_seconds'", result.stderr, re.M), result.stderr
    assert f"{project.resolve()}: error: not a git checkout" in result.stderr and "Traceback" not in result.stderr

    (project / "mkdocs.yml").unlink()
    result = run("--no-sync")
    assert result.returncode == 1 and f"mkdocs.yml:1:1: error: no mkdocs.yml in {project}" in result.stderr, result
