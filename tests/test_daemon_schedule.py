"""End to end with short real times: a pushed alert goes live at its publish_at (not before),
leaves the banner at expires_at, and a boundary passed while the daemon was down is caught up
exactly once at start.

`Recorder` wraps the real pipeline/outbox/dispatcher when they are importable (see
daemon_support); the timing assertions are on the plans the daemon asked to publish.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta, timezone
from pathlib import Path

import requests
from daemon_support import Recorder, ahead, daemon_for, make_repo, metric, real_pipeline_available, sign, wait_for

from alertcast.config import load_config
from alertcast.daemon import publog
from alertcast.daemon.service import Daemon
from alertcast.pipeline import prepare, publish
from alertcast.publish.atomic import releases_dir


def _first_with(recorder: Recorder, alert_id: str, field: str = "live"):  # type: ignore[no-untyped-def]
    return next((c for c in recorder.of("publish") if alert_id in getattr(c, field)), None)


def _banner(daemon) -> str:  # type: ignore[no-untyped-def]
    """The deployed banner file of the default language (real pipeline only)."""
    return (daemon.config.output_dir / "api" / "v1" / "banners" / f"{daemon.config.default_lang}.json").read_text()


def test_alert_goes_live_at_publish_at_and_leaves_banner_at_expires_at(tmp_path):
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    recorder = Recorder(real_pipeline_available())
    daemon = daemon_for(live, recorder, sync_interval=3600)
    daemon.start()
    try:
        wait_for(lambda: recorder.of("publish") and (daemon._build_seconds > 0 or not recorder.real))
        # with the real pipeline a publish builds the whole site: leave room for the sync's publish
        # (a boundary within a build would be built by it), as long as a build takes on this machine now
        build = daemon._build_seconds
        publish_at = ahead(max(15, 2 * build + 5) if recorder.real else 4)
        # expires once the boundary's release is out and the next one prepared (a build): no sync between
        expires_at = publish_at + timedelta(seconds=max(8, 2 * build + 5) if recorder.real else 4)
        repo.commit_alert("flash", publish_at, expires_at)
        body = b"{}"
        requests.post(f"http://127.0.0.1:{daemon.port}/hooks/git", data=body, timeout=5,
                      headers={"X-Hub-Signature-256": sign("s3cret", body)}).raise_for_status()
        # the push's sync publishes (a whole build with the real pipeline) before it sets the boundary
        wait_for(lambda: daemon.next_boundary == publish_at, timeout=5 + (2 * build if recorder.real else 0))
        # The sync published (content changed) before the boundary: the alert is nowhere yet.
        before = [c for c in recorder.of("publish") if c.now < publish_at]
        assert len(before) >= 2 and all("flash" not in c.public for c in before)
        if not recorder.real:
            assert "flash" not in json.loads((daemon.config.output_dir / "record.json").read_text())["live"]
        else:
            assert "flash" not in _banner(daemon)

        # from the boundary's second on: with a build of 20 s on a loaded machine, it is 45 s away now
        went_live = wait_for(lambda: _first_with(recorder, "flash"), timeout=publish_at.timestamp() - time.time() + 30)
        assert publish_at <= went_live.now and went_live.now.timestamp() < publish_at.timestamp() + 1.5 and went_live.at < publish_at.timestamp() + 2
        # invariant 2 at the daemon level: posts are enqueued after the publish that made the page live
        enq = wait_for(lambda: next((c for c in recorder.of("enqueue") if "flash" in c.live), None), timeout=5)
        assert enq.at >= went_live.at
        if not recorder.real:
            assert "flash" in json.loads((daemon.config.output_dir / "record.json").read_text())["live"]
        else:
            assert "flash" in _banner(daemon)

        # the boundary is rescheduled right after the enqueue: wait for it rather than race it
        wait_for(lambda: daemon.next_boundary == expires_at, timeout=5)
        gone = wait_for(lambda: next((c for c in recorder.of("publish")
                                      if c.now >= expires_at and "flash" not in c.live), None),
                        timeout=expires_at.timestamp() - time.time() + 30)
        assert gone.now.timestamp() < expires_at.timestamp() + 1.5 and "flash" in gone.public
        if not recorder.real:
            assert "flash" not in json.loads((daemon.config.output_dir / "record.json").read_text())["live"]
        else:
            assert "flash" not in _banner(daemon)
        # the boundary publish happened once per boundary, not repeatedly
        at_boundaries = [c for c in recorder.of("publish") if c.now >= publish_at]
        assert len(at_boundaries) == 2
        assert recorder.of("drain"), "the dispatcher drains the outbox"
    finally:
        daemon.stop()


def test_boundary_missed_while_down_is_caught_up_once_at_start(tmp_path):
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    first = Recorder(real_pipeline_available())
    daemon = daemon_for(live, first, sync_interval=3600, listen=None)
    daemon.start()
    # with the real pipeline the sync's publish builds the site: it must end before publish_at (and
    # publish_at fall after it, or the sync's build is for publish_at), however long a build takes here
    publish_at = ahead(max(8, 2 * daemon._build_seconds + 3) if first.real else 2)
    repo.commit_alert("late", publish_at)
    daemon.sync_now()
    assert daemon.next_boundary == publish_at
    daemon.stop(release=False)  # dies with the boundary pending and its lease still held
    assert time.time() < publish_at.timestamp(), "the machine is too slow for this test's margins"
    assert not _first_with(first, "late", "public")

    wait_for(lambda: time.time() > publish_at.timestamp() + 2.5, timeout=15)  # down past boundary and lease
    second = Recorder(first.real)
    restarted = daemon_for(live, second, sync_interval=3600, listen=None)
    restarted.start()
    try:
        time.sleep(2.0)
        publishes = second.of("publish")
        assert len(publishes) == 1, publishes  # the catch-up, once; no late date job firing again
        assert "late" in publishes[0].live and publishes[0].now > publish_at
        assert restarted.next_boundary is None
    finally:
        restarted.stop()


class SlowSite:
    """A site builder that takes `seconds` (a site of a thousand alerts takes tens), writing one
    page per published alert."""

    def __init__(self, seconds: float):
        self.seconds = seconds

    def __call__(self, plan, config, dest: Path) -> None:  # type: ignore[no-untyped-def]
        time.sleep(self.seconds)
        for alert in plan.published:
            page = dest / "alerts" / alert.id / "index.html"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(alert.id, encoding="utf-8")


def test_boundary_release_is_prepared_ahead_and_goes_live_at_the_second(tmp_path):
    """The release for a boundary is built before it, privately; at the boundary going live is
    one switch, so the banner changes within a fraction of a second although a build takes 3 s."""
    slow = SlowSite(3.0)
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    config = load_config(live)
    daemon = Daemon(config, publisher=lambda c, now: publish(c, now, site_builder=slow),
                    preparer=lambda c, when: prepare(c, when, site_builder=slow),
                    sync_interval=3600, dispatch_interval=3600, lease_ttl=10.0)
    banner = config.output_dir / "api" / "v1" / "banners" / f"{config.default_lang}.json"
    page = config.output_dir / "alerts" / "flash" / "index.html"
    daemon.start()  # publishes for now (3 s)
    try:
        publish_at = ahead(20)
        repo.commit_alert("flash", publish_at)
        daemon.trigger_sync()  # publishes the new content for now (3 s), then prepares the boundary (3 s)
        staged = wait_for(lambda: [p for p in releases_dir(config.output_dir).glob("tmp-*")
                                   if daemon.releases.pending is not None], timeout=15)
        assert all(p.stat().st_mode & 0o077 == 0 for p in staged)  # private until its moment
        assert time.time() < publish_at.timestamp() - 1, "the machine is too slow for this test's margins"
        assert "flash" not in banner.read_text() and not page.exists()  # nothing public before publish_at

        while "flash" not in banner.read_text():
            assert time.time() < publish_at.timestamp() + 10, "the boundary was not published"
            time.sleep(0.01)
        seen = time.time()
        assert publish_at.timestamp() <= seen < publish_at.timestamp() + 1.0  # a build would take 3 s
        assert page.exists()  # the page went live with the banner (the same release)
        entry = wait_for(lambda: next((e for e in publog.entries(daemon.engine, "publish")
                                       if e.detail == "boundary"), None), timeout=5)  # recorded after the posts are queued
        assert entry.ok and entry.at == publish_at and entry.duration < 1.0
    finally:
        daemon.stop()
    assert not list(releases_dir(config.output_dir).glob("tmp-*"))


def test_a_sync_just_after_a_boundary_does_not_replace_it_before_it_ran(tmp_path):
    """A no-change sync that finishes just after a boundary, before the scheduler's thread has woken
    for it, plans for a moment past the boundary, whose next change is a later one. That must not
    replace the due boundary: it would stay unpublished until the later one. A scheduler waking
    late is modelled by a daemon clock 3 s ahead of the scheduler's."""
    from datetime import timedelta

    from alertcast.daemon.service import utcnow

    repo = make_repo(tmp_path)
    first_at, second_at = ahead(6), ahead(120)
    repo.commit_alert("first", first_at, push=False)
    repo.commit_alert("second", second_at)
    recorder = Recorder(False)
    daemon = daemon_for(repo.clone("live"), recorder, sync_interval=3600, listen=None,
                        clock=lambda: utcnow() + timedelta(seconds=3))
    daemon.start()
    try:
        assert daemon.next_boundary == first_at
        # the daemon's clock is past first_at; the scheduler's is not: the boundary job has not run
        wait_for(lambda: daemon.clock() > first_at + timedelta(seconds=0.5), timeout=15)
        assert time.time() < first_at.timestamp() - 1, "the machine is too slow for this test's margins"
        daemon.sync_now()  # nothing new upstream
        went_live = wait_for(lambda: _first_with(recorder, "first"), timeout=10)
        assert went_live.at < first_at.timestamp() + 1.5, "published at its boundary, not at the next one"
        wait_for(lambda: daemon.next_boundary == second_at, timeout=5)
    finally:
        daemon.stop()


def test_an_update_dated_ahead_changes_the_banner_revision_at_its_second(tmp_path):
    """A future `updated_at` is a boundary too: until then the alert shows as first published
    (its first revision, no update note); at that second the banner carries the update."""
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    updated_at = ahead(8)
    repo.editor = live  # no sync needed: the update is in the checkout before the daemon starts
    repo.commit_alert("flash", ahead(-60), updated_at=updated_at, push=False)
    config = load_config(live)
    daemon = Daemon(config, publisher=lambda c, now: publish(c, now, with_site=False),
                    preparer=lambda c, when: prepare(c, when, with_site=False),
                    sync=False, sync_interval=3600, dispatch_interval=3600, lease_ttl=10.0)
    banner = config.output_dir / "api" / "v1" / "banners" / f"{config.default_lang}.json"

    def flash() -> dict | None:
        return next((b for b in json.loads(banner.read_text())["banners"] if b["id"] == "flash"), None)

    daemon.start()
    try:
        assert time.time() < updated_at.timestamp() - 2, "the machine is too slow for this test's margins"
        first = flash()
        assert first is not None and first["updated_at"] == first["starts_at"]  # the update has not happened
        assert daemon.next_boundary == updated_at
        assert metric(daemon, "alertcast_next_boundary_timestamp_seconds") == updated_at.timestamp()
        while (now := flash()) == first:
            assert time.time() < updated_at.timestamp() + 10, "the update was not published"
            time.sleep(0.01)
        seen = time.time()
        assert updated_at.timestamp() <= seen < updated_at.timestamp() + 1.0
        assert now is not None and now["revision"] != first["revision"]
        assert now["revision"].startswith(updated_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ"))
        entry = wait_for(lambda: next((e for e in publog.entries(daemon.engine, "publish")
                                       if e.detail == "boundary"), None), timeout=5)
        assert entry.ok and entry.at == updated_at
    finally:
        daemon.stop()


def test_banner_files_are_issued_again_at_each_resign_instant(tmp_path):
    """Banner files carry a valid_until, so the daemon publishes at every re-sign
    instant even when no alert changes. Its clock is set 1.5 s before one."""
    from datetime import datetime

    from alertcast.state import open_store

    live = make_repo(tmp_path).clone("live")
    config = load_config(live)
    step = config.settings.banner.resign_hours * 3600
    resign = (int(time.time()) // step + 2) * step
    offset = resign - 1.5 - time.time()
    published: list[tuple[datetime, dict]] = []

    def publisher(config, now):  # type: ignore[no-untyped-def]
        result = publish(config, now, with_site=False, signing_key=None)
        published.append((now, json.loads(_banner_of(config))))
        return result

    def _banner_of(config) -> str:  # type: ignore[no-untyped-def]
        return (config.output_dir / "api" / "v1" / "banners" / f"{config.default_lang}.json").read_text()

    recorder = Recorder(False)
    engine = open_store(config.settings.state_url, config.root)
    daemon = Daemon(config, engine=engine, publisher=publisher, enqueuer=recorder.enqueuer,
                    dispatcher=recorder.dispatcher(engine, config), sync=False, listen=None, lease_ttl=2.0,
                    clock=lambda: datetime.fromtimestamp(time.time() + offset, timezone.utc))
    daemon.start()
    try:
        wait_for(lambda: len(published) >= 2, timeout=30)
    finally:
        daemon.stop()
    (first_at, first), (second_at, second) = published[:2]
    assert first_at.timestamp() < resign <= second_at.timestamp()
    assert first["version"] < second["version"] == resign  # issued at the re-sign instant itself
    assert first["next_change_at"] == datetime.fromtimestamp(resign, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert first["banners"] == second["banners"] and first["valid_until"] < second["valid_until"]
