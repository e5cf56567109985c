"""The outbox: what gets enqueued when, and how a person steers it (list, retry, resolve)."""

from __future__ import annotations

import logging
import random
from datetime import timedelta

import pytest
import requests
from sqlalchemy import update

from alertcast.broadcast import outbox
from alertcast.broadcast.dispatcher import Dispatcher
from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.plan import Plan
from alertcast.state import open_store
from conftest import NOW
from social_support import TOKENS, configure, route_alert_to, start


def _setup(project, tmp_path, names=("telegram", "mastodon")):
    fakes = {n: start(n) for n in names}
    env = configure(project, fakes)
    config = load_config(project)
    content = load_or_raise(config)
    engine = open_store(config.settings.state_url, config.root)
    return fakes, env, config, content, engine


def test_enqueue_respects_lifecycle(project, tmp_path):
    fakes, env, config, content, engine = _setup(project, tmp_path)
    try:
        added = outbox.enqueue(engine, Plan.at(content, NOW), config)
        rows = outbox.rows(engine)
        # live-phishing -> telegram + mastodon; scheduled-maintenance (telegram) is not public yet;
        # withdrawn-fake-app was never posted, so it gets nothing at all.
        assert added == 2
        assert sorted((r["alert_id"], r["channel"], r["action"]) for r in rows) == [
            ("live-phishing", "mastodon", "post"), ("live-phishing", "telegram", "post")]
        assert outbox.enqueue(engine, Plan.at(content, NOW), config) == 0
        later = NOW + timedelta(days=30)  # the scheduled alert is live (and expired by then) ...
        outbox.enqueue(engine, Plan.at(content, later), config)
        assert not [r for r in outbox.rows(engine) if r["alert_id"] == "scheduled-maintenance"]
        during = content.alert("scheduled-maintenance").publish_at + timedelta(hours=1)
        assert outbox.enqueue(engine, Plan.at(content, during), config) == 1
    finally:
        for f in fakes.values():
            f.close()


def test_withdrawal_cancels_unsent_rows_and_deletes_sent_ones(project, tmp_path):
    fakes, env, config, content, engine = _setup(project, tmp_path)
    try:
        outbox.enqueue(engine, Plan.at(content, NOW), config)
        d = Dispatcher(engine, config, env=env, rng=random.Random(0))
        [tg] = [r for r in outbox.rows(engine) if r["channel"] == "telegram"]
        d.drain(NOW, max_rows=1)  # only telegram goes out
        for path in (project / "content" / "alerts").glob("live-phishing.*.md"):
            path.write_text(path.read_text(encoding="utf-8").replace("publish_at:", 'withdrawn: "Wrong."\npublish_at:', 1),
                            encoding="utf-8")
        config = load_config(project)
        content = load_or_raise(config)
        assert outbox.enqueue(engine, Plan.at(content, NOW), config) == 1
        rows = {(r["channel"], r["action"]): r for r in outbox.rows(engine)}
        assert rows[("mastodon", "post")]["status"] == "cancelled"  # never posted: stays unposted
        assert ("mastodon", "withdraw") not in rows
        assert rows[("telegram", "withdraw")]["status"] == "queued"
        report = Dispatcher(engine, config, env=env).drain(NOW)
        assert report.sent == 1
        assert fakes["telegram"].deleted == [tg["remote_id"] or outbox.get(engine, tg["id"])["remote_id"]]
        assert not fakes["mastodon"].posts
    finally:
        for f in fakes.values():
            f.close()


def test_missing_credentials_mean_dry_run(project, tmp_path):
    fakes, env, config, content, engine = _setup(project, tmp_path)
    try:
        outbox.enqueue(engine, Plan.at(content, NOW), config)
        report = Dispatcher(engine, config, env={}).drain(NOW)
        assert report.dry_run == 2 and report.sent == 0
        assert {r["status"] for r in outbox.rows(engine)} == {"previewed"}
        assert Dispatcher(engine, config, env={}).drain(NOW).dry_run == 0  # shown once, not at every drain
        # credentials added later: nothing stale goes out by itself; retry sends one on purpose
        assert Dispatcher(engine, config, env=env).drain(NOW).sent == 0
        assert not fakes["telegram"].requests and not fakes["mastodon"].requests
        row = next(r for r in outbox.rows(engine) if r["channel"] == "telegram")
        assert outbox.retry(engine, row["id"], NOW)
        assert Dispatcher(engine, config, env=env).drain(NOW).sent == 1
        assert len(fakes["telegram"].posts) == 1 and not fakes["mastodon"].requests
    finally:
        for f in fakes.values():
            f.close()


def test_rows_of_a_channel_disabled_after_enqueue_are_not_sent(project, tmp_path):
    fakes, env, config, content, engine = _setup(project, tmp_path)
    try:
        outbox.enqueue(engine, Plan.at(content, NOW), config)
        text = (project / "mkdocs.yml").read_text(encoding="utf-8")
        disabled = text.replace("chat_id: '@alerts'", "chat_id: '@alerts'\n        enabled: false")
        (project / "mkdocs.yml").write_text(disabled, encoding="utf-8")
        config = load_config(project)
        assert "telegram" not in config.enabled_channels
        report = Dispatcher(engine, config, env=env).drain(NOW)
        assert report.sent == 1 and report.dry_run == 1
        assert not fakes["telegram"].requests and len(fakes["mastodon"].posts) == 1
        assert {r["channel"]: r["status"] for r in outbox.rows(engine)} == {"telegram": "previewed", "mastodon": "sent"}
    finally:
        for f in fakes.values():
            f.close()


def test_max_tries_then_visible_failure_and_retry_command(project, tmp_path, cli):
    fakes, env, config, content, engine = _setup(project, tmp_path, names=("telegram",))
    try:
        text = (project / "mkdocs.yml").read_text(encoding="utf-8")
        (project / "mkdocs.yml").write_text(text.replace("chat_id: '@alerts'", "chat_id: '@alerts'\n        max_tries: 2"),
                                            encoding="utf-8")
        config = load_config(project)
        outbox.enqueue(engine, Plan.at(content, NOW), config)
        fakes["telegram"].fail_next(("rate_limit", 5), ("rate_limit", 5))
        d = Dispatcher(engine, config, env=env, rng=random.Random(0))
        d.drain(NOW)
        d.drain(NOW + timedelta(seconds=6))
        [row] = outbox.rows(engine)
        assert row["status"] == "failed" and "gave up after 2 tries" in row["last_error"]
        listing = cli("outbox", "-p", project)
        assert "failed" in listing.output and "gave up" in listing.output
        assert TOKENS["telegram"] not in listing.output
        assert cli("outbox", "retry", str(row["id"]), "-p", project, "--now", "2026-03-15T00:00:07+08:00").exit_code == 0
        # the second 429 paused the channel until +11 s; a retry by hand does not jump that queue
        assert Dispatcher(engine, config, env=env).drain(NOW + timedelta(seconds=7)).sent == 0
        assert Dispatcher(engine, config, env=env).drain(NOW + timedelta(seconds=12)).sent == 1
        again = cli("outbox", "retry", str(row["id"]), "-p", project)
        assert again.exit_code == 1 and "is not failed" in again.output
    finally:
        fakes["telegram"].close()


@pytest.fixture
def unknown_row(project, tmp_path):
    """A Telegram post whose answer was lost (HTTP 500 after sending): its row is `unknown`."""
    fakes, env, config, content, engine = _setup(project, tmp_path, names=("telegram",))
    try:
        outbox.enqueue(engine, Plan.at(content, NOW), config)
        fakes["telegram"].fail_next(("after", 500))
        Dispatcher(engine, config, env=env).drain(NOW)
        [row] = outbox.rows(engine)
        assert row["status"] == "unknown"
        yield row, fakes["telegram"], env, config, engine
    finally:
        fakes["telegram"].close()


def test_unknown_is_held_then_resolved_by_a_person(project, unknown_row, cli):
    row, telegram, env, config, engine = unknown_row
    assert Dispatcher(engine, config, env=env).drain(NOW + timedelta(hours=3)).sent == 0
    assert len(telegram.posts) == 1
    result = cli("outbox", "resolve", str(row["id"]), "--posted", "--remote-id", "1001", "-p", project)
    assert result.exit_code == 0, result.output
    assert outbox.get(engine, row["id"])["status"] == "sent"
    assert cli("outbox", "resolve", str(row["id"]), "-p", project).exit_code == 1


def test_resolving_as_posted_without_a_remote_id_keeps_the_one_the_row_has(project, unknown_row, cli):
    row, _telegram, _env, _config, engine = unknown_row
    with engine.begin() as conn:  # what a network told before the answer was lost
        conn.execute(update(outbox.outbox).where(outbox.outbox.c.id == row["id"]).values(remote_id="1001"))
    result = cli("outbox", "resolve", str(row["id"]), "--posted", "-p", project)
    assert result.exit_code == 0, result.output
    resolved = outbox.get(engine, row["id"])
    assert (resolved["status"], resolved["remote_id"]) == ("sent", "1001")



def test_a_post_id_a_person_gives_is_marked_ours_and_deleted_by_the_withdrawal(project, unknown_row, cli, monkeypatch):
    row, telegram, env, config, engine = unknown_row
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    [posted] = telegram.posts
    assert cli("outbox", "resolve", str(row["id"]), "--posted", "--remote-id", posted, "-p", project).exit_code == 0
    for path in (project / "content" / "alerts").glob("live-phishing.*.md"):
        path.write_text(path.read_text(encoding="utf-8").replace("publish_at:", 'withdrawn: "Wrong."\npublish_at:', 1),
                        encoding="utf-8")
    config = load_config(project)
    assert outbox.enqueue(engine, Plan.at(load_or_raise(config), NOW), config) == 1
    report = Dispatcher(engine, config, env=env).drain(NOW)
    assert report.sent == 1, report.lines
    assert telegram.deleted == [posted]


def test_after_the_token_is_rotated_a_withdrawal_is_refused_not_guessed(project, tmp_path):
    """The marks are keyed by the channel's credentials: a new token cannot prove the old ids ours."""
    fakes, env, config, content, engine = _setup(project, tmp_path, names=("telegram",))
    try:
        outbox.enqueue(engine, Plan.at(content, NOW), config)
        Dispatcher(engine, config, env=env).drain(NOW)
        [name] = [k for k, v in env.items() if v == TOKENS["telegram"]]
        fakes["telegram"].token = env[name] = "telegram-ROTATED-TOKEN-2b8e1d"
        for path in (project / "content" / "alerts").glob("live-phishing.*.md"):
            path.write_text(path.read_text(encoding="utf-8").replace("publish_at:", 'withdrawn: "Wrong."\npublish_at:', 1),
                            encoding="utf-8")
        config = load_config(project)
        outbox.enqueue(engine, Plan.at(load_or_raise(config), NOW), config)
        report = Dispatcher(engine, config, env=env).drain(NOW)
        assert report.failed == 1 and fakes["telegram"].deleted == []
        [withdraw] = [r for r in outbox.rows(engine) if r["action"] == "withdraw"]
        assert "credentials changed since" in withdraw["last_error"] and "ROTATED" not in withdraw["last_error"]
    finally:
        fakes["telegram"].close()


@pytest.fixture
def rotated(project, tmp_path, monkeypatch):
    """A Telegram post, then the bot token rotated, then the alert withdrawn: the withdrawal was
    refused (the old mark proves nothing under the new token). The CLI runs with the new token."""
    fakes, env, config, content, engine = _setup(project, tmp_path, names=("telegram",))
    telegram = fakes["telegram"]
    try:
        outbox.enqueue(engine, Plan.at(content, NOW), config)
        Dispatcher(engine, config, env=env).drain(NOW)
        [name] = [k for k, v in env.items() if v == TOKENS["telegram"]]
        telegram.token = env[name] = "telegram-ROTATED-TOKEN-2b8e1d"
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        for path in (project / "content" / "alerts").glob("live-phishing.*.md"):
            path.write_text(path.read_text(encoding="utf-8").replace("publish_at:", 'withdrawn: "Wrong."\npublish_at:', 1),
                            encoding="utf-8")
        config = load_config(project)
        outbox.enqueue(engine, Plan.at(load_or_raise(config), NOW), config)
        assert Dispatcher(engine, config, env=env).drain(NOW).failed == 1
        post, withdraw = outbox.rows(engine)
        assert withdraw["status"] == "failed" and telegram.deleted == []
        yield post, withdraw, telegram, env, config, engine
    finally:
        telegram.close()


def test_after_a_rotation_a_person_vouches_for_the_post_id_and_the_withdrawal_deletes_it(project, rotated, cli):
    post, withdraw, telegram, env, config, engine = rotated
    later = NOW + timedelta(minutes=10)
    result = cli("outbox", "resolve", str(post["id"]), "--posted", "--remote-id", post["remote_id"], "-p", project)
    assert result.exit_code == 0, result.output
    assert f"`alertcast outbox retry {withdraw['id']}`" in result.output and "ROTATED" not in result.output
    assert cli("outbox", "retry", str(withdraw["id"]), "-p", project, "--now", later.isoformat()).exit_code == 0
    report = Dispatcher(engine, config, env=env).drain(later)
    assert report.sent == 1, report.lines
    assert telegram.deleted == [post["remote_id"]]
    done = outbox.get(engine, withdraw["id"])
    assert (done["status"], done["outcome"]) == ("sent", "deleted")


def test_a_sent_row_is_vouched_for_only_with_the_id_a_person_gives(project, rotated, cli):
    post, withdraw, telegram, env, config, engine = rotated
    result = cli("outbox", "resolve", str(post["id"]), "--posted", "-p", project)
    assert result.exit_code == 1 and "--remote-id" in result.output and "Traceback" not in result.output
    assert cli("outbox", "resolve", str(post["id"]), "--not-posted", "-p", project).exit_code == 1
    assert outbox.get(engine, post["id"]) == post


def test_after_a_rotation_a_withdrawal_done_by_hand_is_recorded_and_nothing_more_is_sent(project, rotated, cli):
    post, withdraw, telegram, env, config, engine = rotated
    telegram.posts.pop(post["remote_id"])  # a person deleted it in Telegram
    result = cli("outbox", "resolve", str(withdraw["id"]), "--withdrawn", "-p", project)
    assert result.exit_code == 0, result.output
    done = outbox.get(engine, withdraw["id"])
    assert (done["status"], done["outcome"]) == ("sent", outbox.BY_HAND) and "by hand" in done["last_error"]
    requests_before = len(telegram.requests)
    later = NOW + timedelta(hours=1)
    assert outbox.enqueue(engine, Plan.at(load_or_raise(config), later), config) == 0
    assert Dispatcher(engine, config, env=env).drain(later).sent == 0
    assert len(telegram.requests) == requests_before
    listing = cli("outbox", "-p", project, "--status", "sent")
    assert "deleted by hand" in listing.output
    again = cli("outbox", "resolve", str(withdraw["id"]), "--withdrawn", "-p", project)
    assert again.exit_code == 1 and "not a failed or unknown withdrawal" in again.output
    wrong = cli("outbox", "resolve", str(post["id"]), "--withdrawn", "-p", project)
    assert wrong.exit_code == 1 and outbox.get(engine, post["id"])["status"] == "sent"


NAMES = ("telegram", "x", "mastodon", "bluesky", "discord", "slack", "matrix", "webhook")
MALFORMED = {  # a port typo passes the settings check (host and scheme are fine); requests refuses to send
    "telegram": {"base_url": "http://{host}99"}, "x": {"base_url": "http://{host}99"},
    "mastodon": {"base_url": "http://{host}99"}, "bluesky": {"base_url": "http://{host}99"},
    "slack": {"base_url": "http://{host}99"}, "matrix": {"base_url": "http://{host}99"},
    "webhook": {"url": "http://{host}99/hook"},
}


class ExplodingTransport(requests.adapters.HTTPAdapter):
    """A transport that fails in a way no adapter expects, quoting the request (as some proxies' clients do)."""

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError(f"transport exploded on {request.method} {request.url} {dict(request.headers)} {request.body!r}")


def _secrets(env: dict, fakes: dict) -> list[str]:
    """Every configured secret, and the parts of secret URLs that logs and errors show on their own."""
    found = [v for v in env.values() if v]
    found += [f.token for f in fakes.values()]  # Bluesky's session tokens are built from it
    found += [fakes["discord"].webhook_path, fakes["discord"].webhook_path.rsplit("/", 1)[-1],
              fakes["slack"].hook_path, fakes["slack"].hook_path.rsplit("/", 1)[-1]]
    return found


@pytest.mark.parametrize("slack_mode", ["bot", "webhook"])
def test_no_secret_in_logs_errors_or_output(project, tmp_path, caplog, cli, monkeypatch, slack_mode):
    """Drive every network into each way a send can fail while urllib3 logs at DEBUG, then grep
    every log record, stored error, drain report and CLI output for every secret."""
    fakes = {n: start(n) for n in NAMES}
    slack = {"token_env": "TEST_SLACK_NO_TOKEN", "webhook_env": "TEST_SLACK_HOOK"} if slack_mode == "webhook" else {}
    try:
        env = configure(project, fakes, {"slack": slack})
        if slack_mode == "webhook":
            env.pop("TEST_SLACK_SECRET")
            env["TEST_SLACK_HOOK"] = fakes["slack"].url + fakes["slack"].hook_path
        secrets = _secrets(env, fakes)
        route_alert_to(project, "live-phishing", list(NAMES))
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        config = load_config(project)
        content = load_or_raise(config)
        engine = open_store(config.settings.state_url, config.root)
        outbox.enqueue(engine, Plan.at(content, NOW), config)
        caplog.set_level(logging.DEBUG)  # urllib3 logs every request line, with its path, at DEBUG
        seen: list[str] = []
        when = NOW

        def drain(**kwargs):  # the real CLI, in-process: its output and the log records it causes
            nonlocal when
            when += timedelta(hours=2)
            with engine.begin() as conn:  # every row due again, with tries to spare
                conn.execute(outbox.outbox.update().values(status="queued", due_at=outbox.utc(when), tries=0,
                                                            first_try_at=None))  # no idempotency window over
                conn.execute(outbox.pauses.delete())
            if kwargs.get("session"):
                report = Dispatcher(engine, load_config(project), env=env, **kwargs).drain(when)
                seen.extend(report.lines)
            else:
                result = cli("outbox", "drain", "-p", project, "--no-enqueue", "--now", when.isoformat())
                assert result.exit_code == 0, result.output
                seen.append(result.output)
            rows = outbox.rows(engine)
            assert not [r for r in rows if r["status"] == "sending"], rows  # every row settled, the drain went on
            seen.extend(str(r["last_error"]) for r in rows)
            return {r["channel"]: r for r in rows}

        # 1. 5xx and 4xx bodies that quote the request: URL (Telegram's token), headers, body
        for fake in fakes.values():
            fake.fail_next(("echo", 500))
        rows = drain()
        assert all("upstream failed for" in rows[n]["last_error"] for n in NAMES), rows
        for fake in fakes.values():
            fake.fail_next(("echo", 400))
        rows = drain()
        assert {rows[n]["status"] for n in NAMES} == {"failed"}
        # 2. an exception from the transport that quotes the request
        broken = requests.Session()
        broken.mount("http://", ExplodingTransport())
        rows = drain(session=broken)
        assert all("transport exploded" in rows[n]["last_error"] for n in NAMES), rows
        # 3. connection refused: requests names the URL path in its message
        for fake in fakes.values():
            fake.close()
        rows = drain()
        assert {rows[n]["status"] for n in NAMES} == {"queued"} and "Max retries exceeded" in rows["telegram"]["last_error"]
        # 4. malformed URLs: never sent, so retried, not held as unknown
        host = fakes["telegram"].url.removeprefix("http://")
        bad = {n: {k: v.replace("{host}", host) for k, v in s.items()} for n, s in MALFORMED.items()}
        if slack_mode == "webhook":
            bad.pop("slack")
            monkeypatch.setenv("TEST_SLACK_HOOK", env["TEST_SLACK_HOOK"].removeprefix("http://"))
            secrets.append(env["TEST_SLACK_HOOK"].removeprefix("http://"))
        monkeypatch.setenv("TEST_DISCORD_SECRET", env["TEST_DISCORD_SECRET"].removeprefix("http://"))
        secrets.append(env["TEST_DISCORD_SECRET"].removeprefix("http://"))
        configure(project, fakes, {n: {**bad.get(n, {}), **(slack if n == "slack" else {})} for n in NAMES})
        rows = drain()
        assert {rows[n]["status"] for n in NAMES} == {"queued"}, rows
        assert all("could not be made" in rows[n]["last_error"] for n in NAMES), rows

        seen.append(cli("outbox", "-p", project).output)
        seen.extend(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
        seen.append(caplog.text)
        text = "\n".join(seen)
        assert any("/sendMessage" in r.getMessage() for r in caplog.records if r.name.startswith("urllib3"))
        assert "[REDACTED]" in text  # there was something to hide, and it was hidden
        for secret in secrets:
            assert secret not in text, secret
    finally:
        for f in fakes.values():
            f.close()


@pytest.mark.parametrize("broken", ["telegram", "discord"])
def test_one_malformed_channel_does_not_stop_the_drain(project, tmp_path, broken):
    """Telegram: a port typo in mkdocs.yml (how much of the URL the error repeats depends on the
    urllib3 release). Discord: a scheme typo in the webhook URL's environment variable, which
    requests repeats whole, secret path included: it must come out redacted."""
    fakes = {n: start(n) for n in (broken, "mastodon")}
    try:
        route_alert_to(project, "live-phishing", [broken, "mastodon"])
        extra = {"telegram": {"base_url": fakes["telegram"].url + "99"}} if broken == "telegram" else None
        env = configure(project, fakes, extra)
        if broken == "discord":
            env["TEST_DISCORD_SECRET"] = "htp" + env["TEST_DISCORD_SECRET"].removeprefix("http")
        config = load_config(project)
        content = load_or_raise(config)
        engine = open_store(config.settings.state_url, config.root)
        outbox.enqueue(engine, Plan.at(content, NOW), config)
        report = Dispatcher(engine, config, env=env).drain(NOW)
        rows = {r["channel"]: r for r in outbox.rows(engine)}
        assert rows["mastodon"]["status"] == "sent" and len(fakes["mastodon"].posts) == 1
        assert rows[broken]["status"] == "queued" and rows[broken]["tries"] == 1, rows[broken]
        secret = TOKENS["telegram"] if broken == "telegram" else fakes["discord"].webhook_path.rsplit("/", 1)[1]
        assert secret not in rows[broken]["last_error"] + "\n".join(report.lines)
        if broken == "discord":
            assert "[REDACTED]" in rows[broken]["last_error"], rows[broken]["last_error"]
    finally:
        for f in fakes.values():
            f.close()


def test_new_revision_supersedes_an_unsent_post(project, tmp_path):
    fakes, env, config, content, engine = _setup(project, tmp_path, names=("telegram",))
    try:
        outbox.enqueue(engine, Plan.at(content, NOW), config)
        for path in (project / "content" / "alerts").glob("live-phishing.*.md"):
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("updated_at: 2026-03-02T12:00:00+08:00", "updated_at: 2026-03-14T12:00:00+08:00"),
                            encoding="utf-8")
        content = load_or_raise(load_config(project))
        assert outbox.enqueue(engine, Plan.at(content, NOW), config) == 1
        rows = outbox.rows(engine)
        assert [(r["action"], r["status"]) for r in rows] == [("post", "cancelled"), ("post", "queued")]
        Dispatcher(engine, config, env=env).drain(NOW)
        assert len(fakes["telegram"].posts) == 1
    finally:
        fakes["telegram"].close()


def test_a_post_still_queued_when_its_alert_expires_is_cancelled_not_sent(project, tmp_path):
    fakes, env, config, content, engine = _setup(project, tmp_path, names=("telegram",))
    try:
        for path in (project / "content" / "alerts").glob("live-phishing.*.md"):
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("publish_at:", "expires_at: 2026-03-20T10:00:00+08:00\npublish_at:", 1),
                            encoding="utf-8")
        content = load_or_raise(load_config(project))
        assert outbox.enqueue(engine, Plan.at(content, NOW), config) == 1  # the network is down meanwhile
        after = NOW + timedelta(days=7)
        assert outbox.enqueue(engine, Plan.at(content, after), config) == 0
        [row] = outbox.rows(engine)
        assert (row["status"], row["last_error"]) == ("cancelled", "alert expired before it was sent")
        assert Dispatcher(engine, config, env=env).drain(after).sent == 0
        assert not fakes["telegram"].posts
    finally:
        fakes["telegram"].close()


def test_misconfigured_channel_names_the_key(project, tmp_path):
    fakes, env, config, content, engine = _setup(project, tmp_path, names=("telegram",))
    try:
        text = (project / "mkdocs.yml").read_text(encoding="utf-8")
        (project / "mkdocs.yml").write_text(text.replace("chat_id: '@alerts'", "chat_id: ''"), encoding="utf-8")
        config = load_config(project)
        outbox.enqueue(engine, Plan.at(content, NOW), config)
        report = Dispatcher(engine, config, env=env).drain(NOW)
        assert report.sent == 0
        assert any("mkdocs.yml: extra.alertcast.channels.telegram.chat_id is required" in line for line in report.lines)
        assert outbox.rows(engine)[0]["status"] == "queued"
    finally:
        fakes["telegram"].close()


def test_listing_by_a_status_that_does_not_exist_is_refused(project, tmp_path, cli):
    fakes, env, config, content, engine = _setup(project, tmp_path, names=("telegram",))
    try:
        outbox.enqueue(engine, Plan.at(content, NOW), config)
        assert "queued" in cli("outbox", "-p", project, "--status", "queued").output
        # "pending" is no status: an empty listing would read as an empty queue
        result = cli("outbox", "-p", project, "--status", "pending")
        assert result.exit_code == 2
        assert "'pending' is not one of" in result.output and "'queued'" in result.output
    finally:
        fakes["telegram"].close()


def test_an_empty_listing_says_so(project, tmp_path, cli):
    fakes, env, config, content, engine = _setup(project, tmp_path, names=("telegram",))
    try:
        assert cli("outbox", "-p", project).output == "the outbox is empty\n"
        outbox.enqueue(engine, Plan.at(content, NOW), config)
        assert cli("outbox", "-p", project, "--status", "failed", "--status", "unknown").output == \
            "no rows in status failed or unknown\n"
    finally:
        fakes["telegram"].close()


def test_an_alert_live_before_the_baseline_is_posted_only_by_an_explicit_previewed_repost(project, tmp_path, cli):
    """The daemon records what is live when a channel is first enabled on a store and posts none of
    it; `alertcast outbox repost` shows the posts, and queues them only with --yes, once."""
    fakes, _env, config, content, engine = _setup(project, tmp_path)
    try:
        plan = Plan.at(content, NOW)
        assert outbox.record_baseline(engine, plan, config) == ["telegram", "mastodon"]
        assert outbox.record_baseline(engine, plan, config) == []  # once per channel and store
        assert outbox.enqueue(engine, plan, config) == 0 and outbox.rows(engine) == []
        shown = cli("outbox", "repost", "live-phishing", "-p", str(project), "--now", NOW.isoformat())
        assert shown.exit_code == 0, shown.output
        assert "would post on telegram" in shown.output and "nothing queued" in shown.output
        assert outbox.rows(engine) == []
        done = cli("outbox", "repost", "live-phishing", "-p", str(project), "--now", NOW.isoformat(), "--yes")
        assert done.exit_code == 0, done.output
        assert sorted((r["channel"], r["action"]) for r in outbox.rows(engine)) == [("mastodon", "post"),
                                                                                     ("telegram", "post")]
        again = cli("outbox", "repost", "live-phishing", "-p", str(project), "--now", NOW.isoformat(), "--yes")
        assert "already in the outbox" in again.output and len(outbox.rows(engine)) == 2
        assert outbox.enqueue(engine, plan, config) == 0
        missing = cli("outbox", "repost", "no-such-alert", "-p", str(project), "--now", NOW.isoformat())
        assert missing.exit_code == 1 and "is not live" in missing.output and "Traceback" not in missing.output
    finally:
        engine.dispose()
        for fake in fakes.values():
            fake.close()
