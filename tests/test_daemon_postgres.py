"""Two daemons on one real PostgreSQL: exactly one publishes and dispatches; when it dies, the
other takes over within the lease time and publishes the next boundary. The posting test runs
both as `alertcast run` processes and SIGKILLs the active one."""

from __future__ import annotations

import json
import math
import signal
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from daemon_support import (Process, Recorder, ahead, configure_channels, daemon_for, git, make_repo, posts_for,
                            real_pipeline_available, wait_for, witness)
from pg_support import fresh_postgres, postgres_url  # noqa: F401
from social_support import start
from sqlalchemy import create_engine

from alertcast.broadcast import outbox
from alertcast.daemon import publog
from alertcast.daemon.lease import Lease
from alertcast.state import open_store

pytestmark = pytest.mark.postgres


def _shut_down(*daemons, engines: list) -> None:
    """Stop in-process daemons (in the order given), then close their database engines."""
    for daemon in daemons:
        daemon.stop()
    for engine in engines:
        engine.dispose()


def test_lease_is_exclusive_and_expires(fresh_postgres):  # noqa: F811
    engine = open_store(fresh_postgres)
    a, b = Lease(engine, "a", ttl=5), Lease(engine, "b", ttl=5)
    assert a.acquire(now=100) and not b.acquire(now=101) and a.acquire(now=102)
    assert not b.acquire(now=106.9) and b.acquire(now=107.1) and not a.acquire(now=108)
    b.release()
    assert a.acquire(now=109)
    engine.dispose()


def test_two_daemons_one_publishes_other_takes_over(tmp_path, fresh_postgres):  # noqa: F811
    repo = make_repo(tmp_path)
    real = real_pipeline_available()
    one, two = Recorder(real), Recorder(real)
    engines = [create_engine(fresh_postgres), create_engine(fresh_postgres)]
    # the real pipeline builds the whole site (seconds on a loaded machine): give the lease room for it
    ttl = 10.0 if real else 2.0
    d1 = daemon_for(repo.clone("one"), one, engine=engines[0], holder="one", sync_interval=0.5, lease_ttl=ttl)
    d2 = daemon_for(repo.clone("two"), two, engine=engines[1], holder="two", sync_interval=0.5, lease_ttl=ttl)
    d1.start()
    wait_for(lambda: one.of("publish"), timeout=60)
    d2.start()
    try:
        assert d1.is_leader and not d2.is_leader
        # How long a push takes to go live here now (a sync and a build): the expiry is as far
        # ahead as what comes before it takes, twice over (a second watched, d1's stop, the lease
        # running out, d2's catch-up publish and the expiry's preparation), not a fixed span that
        # a quiet machine waits out idle. The alert's second needs only its sync and its
        # release's preparation before it (were it later, the sync would publish it at once).
        pushed = time.monotonic()
        repo.commit_alert("warm-up", ahead(-60), channels="[banner]")
        wait_for(lambda: any("warm-up" in c.live for c in one.of("publish")), timeout=120)
        cycle = time.monotonic() - pushed
        publish_at = ahead(2 * cycle)
        expires_at = publish_at + timedelta(seconds=math.ceil(2 * (1 + 3 * cycle) + ttl))
        repo.commit_alert("shared", publish_at, expires_at)
        went_live = wait_for(lambda: next((c for c in one.of("publish") if "shared" in c.live), None),
                             timeout=publish_at.timestamp() - time.time() + 10 + 4 * cycle)
        assert went_live.now >= publish_at
        time.sleep(1.0)
        assert two.of("publish") == [] and two.of("enqueue") == [] and two.of("drain") == []
        assert len([c for c in one.of("enqueue") if "shared" in c.live]) == 1

        d1.stop(release=False)  # dies holding the lease
        died = time.time()
        wait_for(lambda: d2.is_leader, timeout=d2.lease.ttl + 3)
        assert time.time() - died <= d2.lease.ttl + 1.5
        gone = wait_for(lambda: next((c for c in two.of("publish")
                                      if c.now >= expires_at and "shared" not in c.live), None),
                        timeout=expires_at.timestamp() - time.time() + 10 + 4 * cycle)
        assert gone.now.timestamp() < expires_at.timestamp() + 1.5
        assert two.of("drain")
        holders = {e.holder for e in publog.entries(engines[1], "publish")}
        assert holders == {"one", "two"}
    finally:
        _shut_down(d2, d1, engines=engines)


def test_sigkilled_active_process_the_standby_publishes_the_next_boundary_and_posts_once(tmp_path, fresh_postgres):  # noqa: F811
    """Two `alertcast run` processes on one PostgreSQL, each with its own checkout and output folder,
    posting to local fake networks. The active one is SIGKILLed (no clean stop, its lease left to
    run out); the standby takes over, publishes the next boundary on the second, and every alert
    reaches every network once."""
    import yaml

    repo = make_repo(tmp_path)
    fakes = {name: start(name) for name in ("telegram", "mastodon", "webhook")}
    env = configure_channels(repo, fakes)
    settings = repo.editor / "mkdocs.yml"
    raw = yaml.safe_load(settings.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["state_url"] = fresh_postgres
    settings.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    git(repo.editor, "commit", "-qam", "state store")
    git(repo.editor, "push", "-q")
    one, two = repo.clone("one"), repo.clone("two")
    for fake in fakes.values():  # the posts after the takeover must link to pages live at the standby
        witness(fake, lambda alert_id: two / "site" / "alerts" / alert_id / "index.html")
    ttl = 5.0
    options = ("--sync-interval", "1", "--dispatch-interval", "0.5", "--lease-ttl", str(ttl))
    env["ALERTCAST_WEBHOOK_SECRET"] = "push-secret"
    engine = create_engine(fresh_postgres)
    active = Process(one, tmp_path / "one.log", env, *options)
    standby = None
    try:
        wait_for(lambda: (active.health() or {}).get("leader"), timeout=60)
        standby = Process(two, tmp_path / "two.log", env, *options)
        wait_for(lambda: (standby.health() or {}).get("leader") is False, timeout=60)
        # the fixture's live alert was live before the first start on this store: baselined, not posted
        fixture_posts = {"telegram": 0, "mastodon": 0, "webhook": 0}
        wait_for(lambda: "channels enabled" in active.output(), timeout=60)
        # Far enough ahead for the standby to see it, the kill, the lease to run out, a catch-up
        # build and the boundary's preparation: measured on this machine, as it is loaded now, not
        # guessed. `build` is the active's first (cold) build, as the standby's catch-up is;
        # `cycle` a push synced, checked and built (incrementally) into the active's banner.
        build = max(wait_for(lambda: [json.loads(line)["seconds"] for line in active.output().splitlines()
                                      if '"message": "published"' in line]))
        pushed = time.monotonic()
        repo.commit_alert("warm-up", datetime.now(timezone.utc) - timedelta(minutes=1), channels="[banner]")
        wait_for(lambda: "warm-up" in _banner_ids(one), timeout=60 + 4 * build)
        cycle = time.monotonic() - pushed
        room = 2 * (cycle + 2 * build)  # for the standby's catch-up and preparation, twice over
        publish_at = ahead(ttl + room)
        repo.commit_alert("next", publish_at, channels="[banner, telegram, mastodon, webhook]")
        wait_for(lambda: datetime.fromisoformat((standby.health() or {}).get("next_boundary") or "1970-01-01T00:00:00+00:00")
                 == publish_at, timeout=30)
        assert not (two / "site" / "alerts" / "next").exists()

        active.proc.send_signal(signal.SIGKILL)
        active.proc.wait(timeout=10)
        killed = time.time()
        assert killed < publish_at.timestamp() - ttl - room / 2, "the machine is too slow for this test's margins"
        wait_for(lambda: (standby.health() or {}).get("leader"), timeout=ttl + 5)
        assert time.time() - killed <= ttl + 2

        wait_for(lambda: all(_counts(fakes, "next").values()), timeout=publish_at.timestamp() - time.time() + 30)
        time.sleep(2.0)  # four dispatch intervals, two syncs: room for any duplicate to show
        assert _counts(fakes, "next") == {"telegram": 1, "mastodon": 1, "webhook": 1}
        assert _counts(fakes, "live-phishing") == fixture_posts  # the takeover's catch-up re-posted nothing
        for fake in fakes.values():
            (post,) = posts_for(fake, "next")
            assert publish_at.timestamp() <= post["at"] < publish_at.timestamp() + 10 and post["page_live"]
        holder = standby.health()["holder"]
        boundary = [e for e in publog.entries(engine, "publish") if e.holder == holder and e.detail == "boundary"]
        assert boundary and publish_at <= boundary[0].at < publish_at + timedelta(seconds=1.5), boundary
        assert [e.detail for e in publog.entries(engine, "publish") if e.holder == holder][0] == "start"
        assert sorted((r["alert_id"], r["channel"], r["status"], r["tries"]) for r in outbox.rows(engine)
                      if r["alert_id"] == "next") == [("next", c, "sent", 1) for c in ("mastodon", "telegram", "webhook")]
        assert standby.stop() == 0, standby.output()[-6000:]
    finally:
        for proc in (active, standby):
            if proc is not None:
                proc.kill()
        engine.dispose()
        for fake in fakes.values():
            fake.close()


def _banner_ids(checkout) -> list[str]:  # type: ignore[no-untyped-def]
    try:
        return [b["id"] for b in json.loads((checkout / "site/api/v1/banners/zh.json").read_bytes())["banners"]]
    except (OSError, ValueError):
        return []


def _counts(fakes: dict, alert_id: str) -> dict[str, int]:
    return {name: len(posts_for(fake, alert_id)) for name, fake in fakes.items()}


class SlowDeploy(Recorder):
    """The stand-in pipeline with a deploy that outlasts the lease (a large site to S3, say)."""

    def __init__(self, seconds: float):
        super().__init__(False)
        self.seconds = seconds

    def publisher(self, config, now):  # type: ignore[no-untyped-def]
        time.sleep(self.seconds)
        return super().publisher(config, now)


def test_first_publish_longer_than_the_lease_keeps_the_lease(tmp_path, fresh_postgres):  # noqa: F811
    """The lease is renewed during the publish at start too, so a standby does not take over from
    a daemon that is merely busy building."""
    repo = make_repo(tmp_path)
    one, two = SlowDeploy(3.0), Recorder(False)
    engines = [create_engine(fresh_postgres), create_engine(fresh_postgres)]
    d1 = daemon_for(repo.clone("one"), one, engine=engines[0], holder="one", lease_ttl=1.0, listen=None)
    d2 = daemon_for(repo.clone("two"), two, engine=engines[1], holder="two", lease_ttl=1.0, listen=None)
    starting = threading.Thread(target=d1.start)
    starting.start()
    try:
        wait_for(lambda: (d1.lease.current() or ("",))[0] == "one", timeout=10)
        d2.start()
        starting.join(timeout=20)
        assert one.of("publish"), "d1 finished its first publish"
        time.sleep(1.5)
        assert d1.is_leader and not d2.is_leader
        assert two.of("publish") == [] and {e.holder for e in publog.entries(engines[0], "publish")} == {"one"}
    finally:
        starting.join(timeout=20)
        _shut_down(d2, d1, engines=engines)


def test_standby_reports_the_boundary_of_new_content_at_once(tmp_path, fresh_postgres):  # noqa: F811
    """/healthz and the next-boundary metric of a standby follow a content change, not the next
    no-change sync (a minute later by default)."""
    repo = make_repo(tmp_path)
    one, two = Recorder(False), Recorder(False)
    engines = [create_engine(fresh_postgres), create_engine(fresh_postgres)]
    d1 = daemon_for(repo.clone("one"), one, engine=engines[0], holder="one", sync_interval=3600, listen=None)
    d2 = daemon_for(repo.clone("two"), two, engine=engines[1], holder="two", sync_interval=3600, listen=None)
    d1.start()
    d2.start()
    try:
        assert d1.is_leader and not d2.is_leader and d2.next_boundary is None
        publish_at = ahead(600)
        repo.commit_alert("later", publish_at)
        d2.sync_now()
        assert d2.next_boundary == publish_at and d2.health()[1]["next_boundary"] == publish_at.isoformat()
        assert two.of("publish") == []
    finally:
        _shut_down(d2, d1, engines=engines)


def test_a_takeover_publishes_the_content_the_dead_daemon_had_published_not_an_older_one(tmp_path, fresh_postgres):  # noqa: F811
    """Both daemons deploy to one web root. The standby's checkout is behind (its next sync is far
    off) when the active one, having just published a new alert there, dies: taking over, the
    standby fetches first, so the alert does not vanish from the deployed banner."""
    import json

    import yaml

    from alertcast.config import load_config
    from alertcast.daemon.service import Daemon
    from alertcast.pipeline import publish

    repo = make_repo(tmp_path)
    www = tmp_path / "www"
    settings = repo.editor / "mkdocs.yml"
    raw = yaml.safe_load(settings.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"].update(state_url=fresh_postgres, deploy={"target": "directory", "path": str(www)})
    settings.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    git(repo.editor, "commit", "-qam", "shared web root")
    git(repo.editor, "push", "-q")
    engines = [create_engine(fresh_postgres), create_engine(fresh_postgres)]
    d1, d2 = (Daemon(load_config(repo.clone(name)), engine=engine, holder=name, sync_interval=3600,
                     dispatch_interval=3600, lease_ttl=2.0, publisher=lambda c, now: publish(c, now, with_site=False))
              for name, engine in zip(("one", "two"), engines))
    banner = www / "api" / "v1" / "banners" / "zh.json"

    def deployed() -> list[str]:
        return [b["id"] for b in json.loads(banner.read_text(encoding="utf-8"))["banners"]]

    d1.start()
    d2.start()
    try:
        assert d1.is_leader and not d2.is_leader
        repo.commit_alert("fresh", ahead(-60))
        d1.sync_now()  # the active daemon publishes it; the standby has not fetched it
        assert "fresh" in deployed()
        d1.stop(release=False)  # dies holding the lease
        seen = []
        while not any(e.holder == "two" for e in publog.entries(engines[1], "publish")):
            seen.append(deployed())
            assert len(seen) < 400, "no takeover within 20 s"
            time.sleep(0.05)
        seen.append(deployed())
        assert all("fresh" in ids for ids in seen), [ids for ids in seen if "fresh" not in ids][:1]
        assert [e.detail for e in publog.entries(engines[1], "publish") if e.holder == "two"] == ["start"]
    finally:
        _shut_down(d2, d1, engines=engines)


def test_a_daemon_that_lost_the_lease_drops_the_release_it_had_prepared(tmp_path, fresh_postgres):  # noqa: F811
    """The leader has built the next boundary's release ahead when the other daemon takes the lease
    (as after a pause longer than the lease: the row is written here as the other would). At the
    boundary the other publishes, and the first removes its private staging folder instead of
    keeping it until it stops."""
    from sqlalchemy import update

    from alertcast.config import load_config
    from alertcast.daemon.lease import lease_table
    from alertcast.daemon.service import Daemon
    from alertcast.pipeline import prepare, publish
    from alertcast.publish.atomic import releases_dir

    repo = make_repo(tmp_path)
    publish_at = ahead(8)
    repo.commit_alert("later", publish_at)
    engines = [create_engine(fresh_postgres), create_engine(fresh_postgres)]
    d1, d2 = (Daemon(load_config(repo.clone(name)), engine=engine, holder=name, sync_interval=3600,
                     dispatch_interval=3600, lease_ttl=2.0, publisher=lambda c, now: publish(c, now, with_site=False),
                     preparer=lambda c, when: prepare(c, when, with_site=False))
              for name, engine in zip(("one", "two"), engines))
    staging = releases_dir(d1.config.output_dir)
    d1.start()
    d2.start()
    try:
        wait_for(lambda: d1.releases.pending is not None, timeout=5)
        assert list(staging.glob("tmp-*"))
        with engines[0].begin() as conn:
            conn.execute(update(lease_table).values(holder="two", expires_at=time.time() + 60))
        wait_for(lambda: d2.is_leader and not d1.is_leader, timeout=5)
        assert time.time() < publish_at.timestamp() - 1, "the machine is too slow for this test's margins"
        wait_for(lambda: any(e.detail == "boundary" for e in publog.entries(engines[1], "publish")), timeout=15)
        wait_for(lambda: not list(staging.glob("tmp-*")), timeout=5)
        assert {e.holder for e in publog.entries(engines[0], "publish") if e.at >= publish_at} == {"two"}
    finally:
        _shut_down(d2, d1, engines=engines)
