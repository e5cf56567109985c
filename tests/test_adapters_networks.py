"""Each adapter, driven through the dispatcher, against a local server that follows that network's API."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest

from alertcast.broadcast import outbox
from alertcast.broadcast.dispatcher import Dispatcher
from alertcast.config import load_config
from alertcast.content.loader import load_or_raise
from alertcast.plan import Plan
from alertcast.state import open_store
from conftest import NOW
from social_support import configure, route_alert_to, start

NETWORKS = ["telegram", "x", "mastodon", "bluesky", "discord", "slack", "matrix", "webhook"]
IDEMPOTENT = {"mastodon", "bluesky", "matrix"}
LOOKUP = {"x", "slack"}
ALERT = "live-phishing"


class World:
    def __init__(self, project, name, tmp_path, extra=None):
        self.project, self.name = project, name
        self.fake = start(name)
        self.env = configure(project, {name: self.fake}, extra)
        route_alert_to(project, ALERT, [name])
        self.engine = open_store(f"sqlite:///{tmp_path / 'state.db'}")
        self.reload()

    def reload(self):
        self.config = load_config(self.project)
        self.content = load_or_raise(self.config)
        self.dispatcher = Dispatcher(self.engine, self.config, env=self.env, rng=random.Random(1))

    def enqueue(self, now=NOW):
        return outbox.enqueue(self.engine, Plan.at(self.content, now), self.config)

    def drain(self, now=NOW):
        return self.dispatcher.drain(now)

    def rows(self):
        return outbox.rows(self.engine)

    def edit_alert(self, pattern, replacement):
        for path in (self.project / "content" / "alerts").glob(f"{ALERT}.*.md"):
            text = path.read_text(encoding="utf-8")
            path.write_text(re.sub(pattern, replacement, text, count=1, flags=re.M), encoding="utf-8")
        self.reload()


@pytest.fixture(params=NETWORKS)
def world(request, project, tmp_path):
    w = World(project, request.param, tmp_path, extra={"x": {"edit": True}})
    yield w
    w.fake.close()


def test_success_posts_once_with_remote_id(world):
    assert world.enqueue() == 1
    assert world.enqueue() == 0  # idempotent
    report = world.drain()
    assert report.sent == 1, report.lines
    [row] = world.rows()
    assert row["status"] == "sent" and row["outcome"] == "posted"
    assert len(world.fake.posts) == 1
    [post] = world.fake.posts.values()
    assert post["text"] == row["text"]
    if world.name != "slack":
        assert row["remote_id"] in world.fake.posts
    assert world.drain().sent == 0  # nothing posted twice


def test_rate_limit_honours_the_retry_hint(world):
    world.enqueue()
    world.fake.fail_next(("rate_limit", 30))
    report = world.drain()
    assert report.retrying == 1, report.lines
    [row] = world.rows()
    wait = (outbox.as_utc(row["due_at"]) - NOW).total_seconds()
    assert 27 <= wait <= 31, wait
    assert world.drain(NOW + timedelta(seconds=10)).sent == 0  # not due yet
    assert world.drain(NOW + timedelta(seconds=31)).sent == 1
    assert len(world.fake.posts) == 1


def test_server_error_before_effect(world):
    """A 5xx is an unknown outcome: retried where that is safe, otherwise held for a person."""
    world.enqueue()
    world.fake.fail_next(("status", 503))
    world.drain()
    [row] = world.rows()
    if world.name in IDEMPOTENT | LOOKUP:
        assert row["status"] == "queued"
        world.drain(NOW + timedelta(hours=2) if world.name in LOOKUP else NOW + timedelta(minutes=5))
    else:
        assert row["status"] == "unknown" and "outbox resolve" in row["last_error"]
        assert outbox.resolve(world.engine, row["id"], NOW, posted=False)
        world.drain(NOW)
    [row] = world.rows()
    assert row["status"] == "sent"
    assert len(world.fake.posts) == 1


def test_server_error_after_effect_never_double_posts(world):
    world.enqueue()
    world.fake.fail_next(("after", 502))
    world.drain()
    for minutes in (5, 30, 120):
        world.drain(NOW + timedelta(minutes=minutes))
    [row] = world.rows()
    assert len(world.fake.live_posts()) == 1
    if world.name in IDEMPOTENT | LOOKUP:
        assert row["status"] == "sent"
    else:
        assert row["status"] == "unknown"


def test_connection_refused_is_retried(world):
    """Refused before anything was sent: safe to retry on every channel, never held."""
    world.enqueue()
    world.fake.close()
    report = world.drain()
    assert report.retrying == 1 and report.unknown == 0, report.lines
    [row] = world.rows()
    assert row["status"] == "queued" and row["tries"] == 1 and "connection error" in row["last_error"]


def test_bad_credentials_fail_visibly_without_leaking(world):
    wrong = {k: (v[:-4] + "XXXX" if not v.startswith("http") else v.replace("secret", "wrong").replace("hook", "hoox"))
             for k, v in world.env.items()}
    world.env.clear()
    world.env.update(wrong)
    world.reload()
    world.enqueue()
    report = world.drain()
    assert report.failed == 1, report.lines
    [row] = world.rows()
    assert row["status"] == "failed" and row["last_error"]
    for secret in wrong.values():
        assert secret not in row["last_error"]
        assert secret not in "\n".join(report.lines)
    assert not world.fake.posts


def test_update_then_withdraw(world):
    world.enqueue()
    world.drain()
    world.edit_alert(r"^updated_at: .*$", "updated_at: 2026-03-15T00:05:00+08:00")
    later = NOW + timedelta(minutes=10)
    assert world.enqueue(later) == 1
    world.drain(later)
    update = world.rows()[-1]
    assert update["action"] == "update" and update["status"] == "sent", update
    can_edit = world.name in {"telegram", "x", "mastodon", "discord", "slack", "matrix"}
    assert update["outcome"] == ("edited" if can_edit else "correction")
    world.edit_alert(r"^publish_at:", 'withdrawn: "Reported in error."\npublish_at:')
    assert world.enqueue(later) == 1
    world.drain(later)
    withdraw = world.rows()[-1]
    assert withdraw["action"] == "withdraw" and withdraw["status"] == "sent", withdraw
    can_delete = world.name in {"telegram", "x", "mastodon", "bluesky", "discord", "slack", "matrix"}
    assert withdraw["outcome"] == ("deleted" if can_delete else "correction")
    if can_delete:
        assert not world.fake.live_posts()
