"""Each adapter, driven through the dispatcher, against a local server that follows that network's API."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from alertcast.broadcast import outbox
from alertcast.state import open_store
from conftest import NOW
from social_support import ChannelWorld, add_alert, configure, route_alert_to, start

NETWORKS = ["telegram", "x", "mastodon", "bluesky", "discord", "slack", "matrix", "webhook"]
IDEMPOTENT = {"mastodon", "bluesky", "matrix"}
LOOKUP = {"x", "slack"}
ALERT = "live-phishing"


class World(ChannelWorld):
    def __init__(self, project, name, tmp_path, extra=None, env=None):
        self.project, self.name = project, name
        self.fake = start(name)
        self.env = configure(project, {name: self.fake}, extra)
        self.env.update(env or {})
        route_alert_to(project, ALERT, [name])
        self.engine = open_store(f"sqlite:///{tmp_path / 'state.db'}")
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


def test_connection_refused_is_retried(world, caplog):
    """Refused before anything was sent: safe to retry on every channel, never held. The error
    quotes the URL it was for; a token in its path (Telegram's bot token, a Discord or Slack
    webhook's) is redacted there, in the report and in every log record."""
    world.enqueue()
    world.fake.close()
    with caplog.at_level(logging.DEBUG):
        report = world.drain()
    assert report.retrying == 1 and report.unknown == 0, report.lines
    [row] = world.rows()
    assert row["status"] == "queued" and row["tries"] == 1 and "connection error" in row["last_error"]
    said = "\n".join([row["last_error"], *report.lines, caplog.text])
    for value in world.env.values():
        for secret in (value, *([urlsplit(value).path] if value.startswith("http") else [])):
            assert secret not in said


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


def _update(world, at):
    world.edit_alert(r"^updated_at: .*$", "updated_at: 2026-03-15T00:05:00+08:00")
    assert world.enqueue(at) == 1
    world.drain(at)
    return world.rows()[-1]


def _withdraw(world, at):
    world.edit_alert(r"^publish_at:", 'withdrawn: "Reported in error."\npublish_at:')
    assert world.enqueue(at) == 1
    world.drain(at)
    return world.rows()[-1]


def test_rate_limit_pauses_the_whole_channel(world):
    """A 429 speaks for the account (or chat): the channel's next row waits for the hint too."""
    add_alert(world.project, "second-phishing", [world.name], title="Second look-alike site")
    world.reload()
    assert world.enqueue() == 2
    world.fake.fail_next(("rate_limit", 30))
    report = world.drain()
    assert report.retrying == 1 and report.deferred == 1 and report.sent == 0, report.lines
    assert not world.fake.posts  # the second row did not go out in the same drain
    report = world.drain(NOW + timedelta(seconds=10))
    assert report.sent == 0 and report.deferred == 1, report.lines  # nor in a drain before the hint passes
    assert not world.fake.posts
    report = world.drain(NOW + timedelta(seconds=31))
    assert report.sent == 2, report.lines
    assert len(world.fake.live_posts()) == 2


#: After an unknown outcome of an edit: repeated where that is harmless, looked up on X (each
#: edit there is a new post), held for a person where nothing says it is safe.
EDIT_AFTER_UNKNOWN = {"telegram": "edited", "x": "found", "mastodon": "edited", "discord": "edited",
                      "slack": "edited", "matrix": "edited", "bluesky": "correction", "webhook": "unknown"}


def test_unknown_outcome_of_an_edit(world):
    world.enqueue()
    world.drain()
    later = NOW + timedelta(minutes=10)
    world.fake.fail_next(("after", 502))  # the edit (or correction) took effect, the answer was lost
    update = _update(world, later)
    expected = EDIT_AFTER_UNKNOWN[world.name]
    if expected == "found":
        assert update["status"] == "sent" and update["outcome"] == "found", update
    elif expected == "unknown":
        assert update["status"] == "unknown" and "outbox resolve" in update["last_error"], update
    else:
        assert update["status"] == "queued" and "safe to retry" in update["last_error"], update
        world.drain(later + timedelta(minutes=5))
        update = world.rows()[-1]
        assert update["status"] == "sent" and update["outcome"] == expected, update
    for minutes in (30, 120):
        world.drain(later + timedelta(minutes=minutes))
    texts = [p["text"] for p in world.fake.live_posts()]
    if expected in ("edited", "found"):  # one post, now with the new text: no second edit, no new post
        assert texts == [update["text"]], texts
    else:  # the original and one correction
        assert len(texts) == 2 and texts.count(update["text"]) == 1, texts


@pytest.fixture
def make_world(project, tmp_path):
    """A World for one network with its own settings and environment (`make_world(name, extra, env)`)."""
    made = []

    def make(name, extra=None, env=None):
        made.append(World(project, name, tmp_path, extra={name: extra} if extra else None, env=env))
        return made[-1]

    yield make
    for w in made:
        w.fake.close()


DELETE_AFTER_UNKNOWN = {"telegram": "deleted", "x": "deleted", "mastodon": "deleted", "discord": "deleted",
                        "slack": "deleted", "matrix": "deleted", "bluesky": "deleted", "webhook": "unknown"}


@pytest.mark.parametrize("name", NETWORKS)
def test_unknown_outcome_of_a_delete(make_world, name):
    """A second delete finds the post gone (404, "message to delete not found", message_not_found): done.
    The generic webhook repeats nothing unless its receiver declared itself idempotent."""
    world = make_world(name, {"supports_delete": True} if name == "webhook" else None)
    world.enqueue()
    world.drain()
    world.fake.fail_next(("after", 502))
    withdraw = _withdraw(world, NOW + timedelta(minutes=10))
    if DELETE_AFTER_UNKNOWN[name] == "unknown":
        assert withdraw["status"] == "unknown" and "outbox resolve" in withdraw["last_error"], withdraw
        assert world.drain(NOW + timedelta(hours=1)).sent == 0
        return
    assert withdraw["status"] == "queued" and "safe to retry" in withdraw["last_error"], withdraw
    world.drain(NOW + timedelta(minutes=20))
    withdraw = world.rows()[-1]
    assert withdraw["status"] == "sent" and withdraw["outcome"] == "deleted", withdraw
    assert not world.fake.live_posts()
    assert len(world.fake.posts) == 1  # and nothing was posted in its place


def test_x_duplicate_403_is_found_by_lookup_not_failed(make_world):
    """X already has this exact text (say, from an attempt whose answer was lost and then resolved
    `--not-posted` by mistake): its 403 means "posted", so the row is reconciled, never failed or re-posted."""
    world = make_world("x")
    world.enqueue()
    [row] = world.rows()
    world.fake.posts["900"] = {"text": row["text"], "edit_of": None}
    report = world.drain()
    [row] = world.rows()
    assert (row["status"], row["outcome"], row["remote_id"]) == ("sent", "found", "900"), (row, report.lines)
    assert len(world.fake.posts) == 1
    assert len([r for r in world.fake.requests if r["method"] == "POST"]) == 1  # answered 403, then looked up
    assert any(r["path"] == "/2/users/42/tweets" for r in world.fake.requests)


def test_x_duplicate_403_not_found_is_held_for_a_person(make_world):
    """The duplicate is older than the timeline we can read: hold it, do not post again and do not fail it."""
    world = make_world("x")
    world.enqueue()
    [row] = world.rows()
    world.fake.posts["900"] = {"text": row["text"], "edit_of": None}
    world.fake.timeline_limit = 0  # the account posted more than a page of newer posts since
    world.drain()
    [row] = world.rows()
    assert row["status"] == "unknown" and "duplicate content" in row["last_error"], row
    assert "outbox resolve" in row["last_error"]
    for minutes in (10, 60, 600):
        assert world.drain(NOW + timedelta(minutes=minutes)).sent == 0
    posts = [r for r in world.fake.requests if r["method"] == "POST"]
    assert len(posts) == 1 and len(world.fake.posts) == 1  # asked once, never again


def test_x_edits_only_within_30_minutes(make_world):
    world = make_world("x", {"edit": True})
    world.enqueue()
    world.drain()
    update = _update(world, NOW + timedelta(minutes=29))
    assert update["outcome"] == "edited"
    [original, edited] = world.fake.posts.values()
    assert edited["edit_of"] == world.rows()[0]["remote_id"]


def test_x_after_30_minutes_posts_a_correction(make_world):
    world = make_world("x", {"edit": True})
    world.enqueue()
    world.drain()
    update = _update(world, NOW + timedelta(minutes=31))
    assert update["status"] == "sent" and update["outcome"] == "correction", update
    assert [p["edit_of"] for p in world.fake.posts.values()] == [None, None]  # a new post, not an edit


@pytest.mark.parametrize("hours, outcome", [(47, "deleted"), (49, "correction")])
def test_telegram_deletes_only_within_48_hours(make_world, hours, outcome):
    world = make_world("telegram")
    world.enqueue()
    world.drain()
    withdraw = _withdraw(world, NOW + timedelta(hours=hours))
    assert withdraw["status"] == "sent" and withdraw["outcome"] == outcome, withdraw
    methods = [r["path"].rsplit("/", 1)[-1] for r in world.fake.requests]
    if outcome == "deleted":
        assert methods == ["sendMessage", "deleteMessage"] and not world.fake.live_posts()
    else:  # deleteMessage would fail after 48 hours: the withdrawal is posted instead
        assert methods == ["sendMessage", "sendMessage"]
        assert "已撤回" in world.fake.live_posts()[1]["text"]


def test_telegram_repeated_edit_is_not_modified_and_counts_as_done(make_world):
    world = make_world("telegram")
    world.enqueue()
    world.drain()
    world.fake.fail_next(("after", 502))
    later = NOW + timedelta(minutes=10)
    assert _update(world, later)["status"] == "queued"
    world.drain(later + timedelta(minutes=1))
    update = world.rows()[-1]
    assert update["status"] == "sent" and update["outcome"] == "edited", update
    answers = [r["path"].rsplit("/", 1)[-1] for r in world.fake.requests]
    assert answers == ["sendMessage", "editMessageText", "editMessageText"]
    [post] = world.fake.posts.values()
    assert post["text"] == update["text"]


def test_slack_incoming_webhook(make_world):
    """An incoming webhook posts (no id comes back), so updates and withdrawals are correction posts."""
    fake_env = "TEST_SLACK_HOOK"
    world = make_world("slack", {"token_env": "TEST_SLACK_NO_TOKEN", "webhook_env": fake_env})
    world.env.pop("TEST_SLACK_SECRET", None)
    world.env[fake_env] = world.fake.url + world.fake.hook_path
    world.reload()
    adapter = world.dispatcher.adapter("slack")
    assert adapter.configured and adapter.edit_window is None and adapter.delete_window is None
    assert not adapter.can_lookup
    world.enqueue()
    assert world.drain().sent == 1
    [row] = world.rows()
    assert row["status"] == "sent" and row["remote_id"] == "" and row["outcome"] == "posted"
    update = _update(world, NOW + timedelta(minutes=10))
    assert update["status"] == "sent" and update["outcome"] == "correction", update
    withdraw = _withdraw(world, NOW + timedelta(minutes=20))
    assert withdraw["status"] == "sent" and withdraw["outcome"] == "correction", withdraw
    assert [r["path"] for r in world.fake.requests] == [world.fake.hook_path] * 3  # no chat.update/delete
    assert [p["text"] for p in world.fake.posts.values()] == [row["text"], update["text"], withdraw["text"]]


def test_slack_incoming_webhook_unknown_is_held(make_world):
    world = make_world("slack", {"token_env": "TEST_SLACK_NO_TOKEN", "webhook_env": "TEST_SLACK_HOOK"},
                       env={"TEST_SLACK_HOOK": "placeholder"})
    world.env["TEST_SLACK_HOOK"] = world.fake.url + world.fake.hook_path
    world.reload()
    world.enqueue()
    world.fake.fail_next(("after", 500))
    world.drain()
    [row] = world.rows()
    assert row["status"] == "unknown" and len(world.fake.posts) == 1


def _bluesky_posts(world, n):
    for i in range(n):
        add_alert(world.project, f"bsky-{i}", ["bluesky"], title=f"Look-alike site number {i}")
    world.reload()
    world.enqueue()


def test_bluesky_creates_one_session_for_many_posts(make_world):
    world = make_world("bluesky")
    _bluesky_posts(world, 3)
    assert world.drain().sent == 4
    world.reload()  # a new dispatcher (the daemon makes one per drain) keeps the session
    add_alert(world.project, "bsky-later", ["bluesky"], title="One more look-alike site")
    world.reload()
    world.enqueue()
    assert world.drain().sent == 1
    assert world.fake.sessions == 1 and world.fake.refreshes == 0
    assert len(world.fake.live_posts()) == 5


def test_bluesky_expired_token_is_refreshed_once(make_world):
    world = make_world("bluesky")
    world.enqueue()
    world.drain()
    world.fake.expire_access_tokens()
    _bluesky_posts(world, 2)
    report = world.drain()
    assert report.sent == 2, report.lines
    assert (world.fake.sessions, world.fake.refreshes) == (1, 1)  # refreshSession, not a new login
    assert len(world.fake.live_posts()) == 3


def test_bluesky_new_session_when_the_refresh_token_expired_too(make_world):
    world = make_world("bluesky")
    world.enqueue()
    world.drain()
    world.fake.expire_access_tokens()
    world.fake.expire_refresh_tokens()
    _bluesky_posts(world, 2)
    assert world.drain().sent == 2
    assert (world.fake.sessions, world.fake.refreshes) == (2, 0)  # one new login, then kept
    paths = [r["path"].rsplit(".", 1)[-1] for r in world.fake.requests]
    assert paths.count("createSession") == 2 and paths.count("refreshSession") == 1


def test_generic_webhook_has_its_own_secret_variable(make_world):
    """ALERTCAST_WEBHOOK_SECRET is the daemon's push-webhook secret; the channel signs with its own."""
    world = make_world("webhook", {"secret_env": None})
    world.env.clear()
    world.env["ALERTCAST_WEBHOOK_CHANNEL_SECRET"] = world.fake.secret
    world.reload()
    world.enqueue()
    assert world.drain().sent == 1 and len(world.fake.posts) == 1
    # the daemon's push-webhook secret is not the channel's: with only it set, nothing is signed
    # with it and sent; the channel has no credentials, so its rows are previewed (dry run)
    world.env.clear()
    world.env["ALERTCAST_WEBHOOK_SECRET"] = "daemon-push-secret"
    world.reload()
    add_alert(world.project, "second-phishing", ["webhook"], title="Second look-alike site")
    world.reload()
    world.enqueue()
    report = world.drain()
    assert report.sent == 0 and len(world.fake.posts) == 1
    assert [r["status"] for r in world.rows()] == ["sent", "previewed"]
    assert "daemon-push-secret" not in "\n".join(report.lines)


def test_the_settings_name_the_webhook_secret_variable_the_channel_reads():
    """The settings' default for `secret_env` is the variable the adapter reads (and docs/social.md names)."""
    from alertcast.broadcast.adapters import webhook
    from alertcast.config import CHANNEL_KEYS

    assert CHANNEL_KEYS["webhook"].model_fields["secret_env"].default == webhook.DEFAULT_SECRET_ENV
    assert webhook.DEFAULT_SECRET_ENV == "ALERTCAST_WEBHOOK_CHANNEL_SECRET"


#: A 2xx whose body is not what the network documents (a proxy, an API change): the request
#: arrived, so the row is settled as an unknown outcome per channel, never failed, never aborting.
GARBLED = {"telegram": "unknown", "x": "found", "mastodon": "posted", "bluesky": "posted", "discord": "unknown",
           "slack": "found", "matrix": "posted", "webhook": "posted"}


def test_unreadable_success_answer_is_an_unknown_outcome(world):
    world.enqueue()
    world.fake.fail_next(("garbled", {"unexpected": True}))
    report = world.drain()
    [row] = world.rows()
    assert row["status"] != "failed", row
    if row["status"] == "queued":  # where repeating is safe
        assert "outcome unknown" in row["last_error"], row
        world.drain(NOW + timedelta(minutes=5))
        [row] = world.rows()
    expected = GARBLED[world.name]
    if expected == "unknown":
        assert row["status"] == "unknown" and "outbox resolve" in row["last_error"], (row, report.lines)
    else:
        assert row["status"] == "sent" and row["outcome"] == expected, (row, report.lines)
    assert len(world.fake.posts) == 1


# -- remote keys: two rows never become one post -------------------------------------------------

def test_bluesky_record_keys_are_tids_that_never_collide():
    """Derived from (alert, revision, action, language) alone, the same for a retry, and distinct
    over 100,000 rows, whatever their queueing time (rows of one drain share it)."""
    from atproto_client.models.string_formats import TID_RE

    from alertcast.broadcast.adapters.base import Message
    from alertcast.broadcast.adapters.bluesky import record_key

    keys = set()
    for i in range(25_000):
        for action in ("post", "update"):
            for lang in ("zh", "en"):
                key = outbox.idem_key(f"alert-{i}", f"rev-{i % 7}", "bluesky", action)
                keys.add(record_key(Message(key, f"alert-{i}", action, lang, "text", "link", created_at=NOW)))
    assert len(keys) == 100_000
    assert all(TID_RE.match(k) for k in keys)
    msg = Message(outbox.idem_key("a", "r", "bluesky", "post"), "a", "post", "en", "t", "l", created_at=NOW)
    later = Message(msg.idem_key, "a", "post", "en", "t", "l", created_at=NOW + timedelta(days=3))
    assert record_key(msg) == record_key(later)  # a retry rewrites its own record


def _many_rows(world, n):
    """`n` alerts queued in one drain: their rows share one creation time."""
    folder = world.project / "content" / "alerts"
    for path in list(folder.glob(f"{ALERT}.*.md")):
        text = path.read_text(encoding="utf-8")
        for i in range(n - 1):
            (folder / path.name.replace(ALERT, f"{ALERT}-{i}", 1)).write_text(text, encoding="utf-8")
    world.reload()
    world.enqueue()
    assert len({r["created_at"] for r in world.rows()}) == 1 and len(world.rows()) == n


def test_a_thousand_rows_of_one_drain_are_a_thousand_bluesky_records(make_world):
    world = make_world("bluesky", {"per_drain": 2000})
    _many_rows(world, 1000)
    report = world.drain()
    assert report.sent == 1000, report.lines[:5]
    rows = world.rows()
    assert len({r["remote_id"] for r in rows}) == 1000
    assert len(world.fake.posts) == 1000  # no putRecord overwrote another


@pytest.mark.parametrize("name", ["bluesky", "mastodon", "matrix", "webhook"])
def test_the_dispatcher_refuses_a_second_row_with_the_same_remote_key(make_world, monkeypatch, name):
    """Should two rows ever get one remote key (the old Bluesky key came from the queueing time), the
    second is failed before anything is sent, naming the row that has the key."""
    world = make_world(name, {"per_drain": 50})
    _many_rows(world, 3)
    adapter = type(world.dispatcher.adapter(name))
    monkeypatch.setattr(adapter, "remote_key", lambda self, msg: "3n2s7mkco22e5")
    report = world.drain()
    first, *others = world.rows()
    assert first["status"] == "sent" and report.sent == 1, report.lines
    for row in others:
        assert row["status"] == "failed" and f"already row #{first['id']}'s" in row["last_error"], row
    assert len(world.fake.posts) == 1
    assert len([r for r in world.fake.requests if r["method"] != "GET"]) <= 2  # (a Bluesky login) and one post


# -- request shapes as the networks document them -----------------------------------------------

def test_discord_webhook_url_with_a_thread_id_keeps_it_for_post_edit_and_delete(make_world):
    """`?thread_id=` is a documented parameter of a webhook URL: `wait=true` is merged into the
    query, and the edit and delete name the thread too."""
    world = make_world("discord")
    key = next(iter(world.env))
    world.env[key] += "?thread_id=1300000000000000001"
    world.reload()
    world.enqueue()
    assert world.drain().sent == 1, world.rows()
    [row] = world.rows()
    assert row["status"] == "sent" and row["remote_id"] in world.fake.posts, row
    assert world.fake.posts[row["remote_id"]]["thread_id"] == "1300000000000000001"
    [post] = [r for r in world.fake.requests if r["method"] == "POST"]
    assert post["query"] == {"thread_id": ["1300000000000000001"], "wait": ["true"]}
    last = _withdraw(world, NOW + timedelta(minutes=10))
    assert last["action"] == "withdraw" and last["status"] == "sent" and last["outcome"] == "deleted", last
    assert world.fake.deleted == [row["remote_id"]]


def test_slack_bot_sends_json_with_its_charset(make_world):
    world = make_world("slack")
    world.enqueue()
    assert world.drain().sent == 1
    [post] = [r for r in world.fake.requests if r["path"] == "/api/chat.postMessage"]
    assert post["headers"]["content-type"] == "application/json; charset=utf-8"
    assert world.fake.warnings == []
    [row] = world.rows()
    assert post["raw"].decode("utf-8") and world.fake.posts[row["remote_id"]]["text"] == row["text"]


def test_every_webhook_event_has_the_documented_keys(make_world):
    """post, update (as an event) and delete all carry event, alert_id, lang, text, link and
    idempotency_key; a delete names the earlier post too."""
    world = make_world("webhook", {"supports_delete": True})
    world.enqueue()
    world.drain()
    _withdraw(world, NOW + timedelta(minutes=10))
    assert [r["status"] for r in world.rows()] == ["sent", "sent"], world.rows()
    bodies = [p["body"] for p in world.fake.posts.values()]
    assert [b["event"] for b in bodies] == ["post", "delete"]
    for body in bodies:
        assert set(world.fake.documented) <= set(body), body
        assert body["alert_id"] == ALERT and body["link"].startswith("http")
    post_row = world.rows()[0]
    assert bodies[1]["remote_id"] == post_row["remote_id"]


def test_mastodon_idempotency_hour_is_checked_when_the_retry_is_sent(make_world):
    """Decided at +2,870 s (within the hour), due only at +4,724 s: by then the server has forgotten
    the key, so the row is held for a person instead of making a second status."""
    world = make_world("mastodon", {"backoff_base": 900})  # due between +3,770 s and +4,670 s
    world.enqueue()
    world.fake.fail_next(("after", 502))
    world.drain()
    world.fake.fail_next(("after", 502))
    world.drain(NOW + timedelta(seconds=2870))
    [row] = world.rows()
    assert row["status"] == "queued" and "safe to retry" in row["last_error"], row  # decided within the hour
    world.fake.forget_idempotency_keys()
    world.drain(NOW + timedelta(seconds=4724))
    [row] = world.rows()
    assert row["status"] == "unknown" and "outbox resolve" in row["last_error"], row
    assert len(world.fake.posts) == 1
    assert len([r for r in world.fake.requests if r["method"] == "POST"]) == 2  # nothing sent after the hour


def test_mastodon_retry_inside_the_hour_is_still_sent_after_a_rate_limit(make_world):
    """A 429 after an unknown outcome keeps the row's uncertainty: within the hour it is sent with
    the same key (one status), after it, held."""
    world = make_world("mastodon")
    world.enqueue()
    world.fake.fail_next(("after", 502), ("rate_limit", 1))
    world.drain()
    world.drain(NOW + timedelta(minutes=5))
    [row] = world.rows()
    assert row["status"] == "queued" and row["last_error"].startswith("outcome unknown"), row
    world.drain(NOW + timedelta(minutes=10))
    [row] = world.rows()
    assert row["status"] == "sent" and len(world.fake.posts) == 1, row


# -- X: OAuth 1.0a user context, keys that do not expire -----------------------------------------

def test_x_requests_are_signed_with_oauth1_and_keep_posting_days_later(make_world):
    """Every request (post, lookup, delete) carries an HMAC-SHA1 OAuth 1.0a signature the fake checks
    with oauthlib; the same keys post again days later, where an OAuth 2.0 token (two hours) had died."""
    world = make_world("x")
    world.enqueue()
    assert world.drain().sent == 1
    _withdraw(world, NOW + timedelta(days=3))
    assert [r["status"] for r in world.rows()] == ["sent", "sent"], world.rows()
    assert world.fake.deleted and len(world.fake.requests) >= 2
    for req in world.fake.requests:
        auth = req["headers"]["authorization"]
        assert auth.startswith("OAuth ") and 'oauth_signature_method="HMAC-SHA1"' in auth, auth
        assert world.fake.api_secret not in auth and world.fake.token not in auth  # secrets only sign


def test_x_with_a_wrong_secret_is_refused_and_nothing_leaks(make_world):
    world = make_world("x")
    key = "TEST_X_SECRET"
    world.env[key] = "not-the-access-token-secret"
    world.reload()
    world.enqueue()
    world.drain()
    [row] = world.rows()
    assert row["status"] != "sent" and "401" in row["last_error"], row
    assert not world.fake.posts
    for secret in (world.env[key], world.fake.api_secret, world.fake.api_key, world.fake.access_token):
        assert secret not in row["last_error"]


def test_x_with_some_of_its_four_keys_says_which_are_missing(make_world):
    world = make_world("x")
    del world.env["TEST_X_SECRET"]
    world.reload()
    world.enqueue()
    report = world.drain()
    [row] = world.rows()
    assert row["status"] != "sent" and not world.fake.requests, row
    assert "OAuth 1.0a needs four keys; TEST_X_SECRET not set" in " ".join(report.lines) + str(row["last_error"])
