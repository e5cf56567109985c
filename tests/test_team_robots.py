"""The team robots (WeCom, DingTalk, Feishu) driven through the outbox and dispatcher against
fakes that answer as each platform's docs say: signatures, error codes, size and rate limits."""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from datetime import timedelta
from urllib.parse import quote

import pytest
import yaml
from conftest import NOW
from fakes.robots import FakeDingtalk, FakeFeishu, FakeWecom
from social_support import ChannelWorld, route_alert_to

from alertcast.broadcast import outbox
from alertcast.render import posts
from alertcast.state import open_store

ROBOTS = {"wecom": FakeWecom, "dingtalk": FakeDingtalk, "feishu": FakeFeishu}
KEY = "robot-KEY-3f9a7c2e5b1d"
REPLY = "That account is not us: we never ask for your recovery phrase."


class Robot(ChannelWorld):
    def __init__(self, project, name, tmp_path, signed=True, settings=None):
        self.project, self.name = project, name
        self.fake = ROBOTS[name](token=KEY)
        self.fake.signed = signed and name != "wecom"
        url_env, secret_env = f"TEST_{name.upper()}_URL", f"TEST_{name.upper()}_SECRET"
        query = {"wecom": f"?key={KEY}", "dingtalk": f"?access_token={KEY}", "feishu": ""}[name]
        self.env = {url_env: self.fake.url + self.fake.path + query}
        channel = {"webhook_env": url_env, **(settings or {})}
        if name != "wecom":
            channel["secret_env"] = secret_env
            if signed:
                self.env[secret_env] = self.fake.secret
        path = project / "mkdocs.yml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        raw["extra"]["alertcast"]["channels"] = {name: channel}
        path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
        route_alert_to(project, self.alert, [name])
        for lang in ("en", "zh"):
            alert = project / "content" / "alerts" / f"{self.alert}.{lang}.md"
            text = alert.read_text(encoding="utf-8")
            if "support_reply:" not in text:
                alert.write_text(text.replace("---\n", f'---\nsupport_reply: "{REPLY}"\n', 1), encoding="utf-8")
        self.engine = open_store(f"sqlite:///{tmp_path / 'state.db'}")
        self.reload()


@pytest.fixture(params=sorted(ROBOTS))
def robot(request, project, tmp_path):
    world = Robot(project, request.param, tmp_path)
    yield world
    world.fake.close()


def test_posts_once_with_what_agents_need(robot):
    assert robot.enqueue() == 1 and robot.enqueue() == 0
    report = robot.drain()
    assert report.sent == 1, report.lines
    [row] = robot.rows()
    assert row["status"] == "sent" and row["remote_id"] == ""  # a robot returns no message id
    [sent] = robot.fake.posts.values()
    text = sent["text"]
    assert text == row["text"]
    assert "钓鱼网站冒充钱包" in text and "级别：警告" in text  # the default language, zh
    assert f"回复用户：{REPLY}" in text
    assert text.endswith("https://help.fixture.example/alerts/live-phishing/")
    assert "wallet-verify[.]example" in text and "wallet-verify.example" not in text
    assert robot.drain().sent == 0  # never twice


def test_update_and_withdrawal_are_new_messages(robot):
    robot.enqueue()
    robot.drain()
    robot.edit_alert(r"^update_note: .*$", 'update_note: "New handle seen."\nupdates: []')
    robot.edit_alert(r"^updated_at: .*$", "updated_at: 2026-03-14T12:00:00+08:00")
    assert robot.enqueue(NOW + timedelta(minutes=1)) == 1
    assert robot.drain(NOW + timedelta(minutes=1)).sent == 1
    robot.edit_alert(r"^updated_at: .*$", 'updated_at: 2026-03-14T13:00:00+08:00\nwithdrawn: "Reported in error."')
    robot.edit_alert(r"^update_note: .*$", "")
    assert robot.enqueue(NOW + timedelta(minutes=2)) == 1
    assert robot.drain(NOW + timedelta(minutes=2)).sent == 1
    texts = [p["text"] for p in robot.fake.posts.values()]
    assert len(texts) == 3 and "New handle seen." in texts[1] and "Reported in error." in texts[2]
    assert [r["outcome"] for r in robot.rows()] == ["posted", "correction", "correction"]


def test_signature_is_what_the_platform_checks(project, tmp_path):
    for name in ("dingtalk", "feishu"):
        (tmp_path / name).mkdir()
        world = Robot(project, name, tmp_path / name, signed=True)
        world.env[f"TEST_{name.upper()}_SECRET"] = "SECwrong"
        world.reload()
        world.enqueue()
        world.drain()
        [row] = world.rows()
        assert row["status"] == "failed" and {"dingtalk": "310000", "feishu": "19021"}[name] in row["last_error"]
        assert world.fake.posts == {}
        world.fake.close()


#: How long each platform blocks a robot past its rate limit, as its docs say: WeCom's rate-limit
#: page ("blocked by the minute: for 60 seconds"), DingTalk's custom robot page ("more than 20
#: a minute: throttled for 10 minutes"), Feishu's (100 a minute and 5 a second per bot).
BLOCKED = {"wecom": 60, "dingtalk": 600, "feishu": 60}


def test_rate_limit_code_pauses_the_channel_while_the_platform_blocks_the_robot(robot):
    robot.enqueue()
    robot.fake.fail_next(("rate_limit", 0))
    report = robot.drain()
    assert report.retrying == 1, report.lines
    [row] = robot.rows()
    blocked = BLOCKED[robot.name]
    assert (outbox.as_utc(row["due_at"]) - NOW).total_seconds() >= blocked - 1
    assert robot.drain(NOW + timedelta(seconds=blocked - 30)).sent == 0 and robot.fake.posts == {}
    assert robot.drain(NOW + timedelta(seconds=blocked + 1)).sent == 1 and len(robot.fake.posts) == 1


def test_twenty_messages_a_minute_at_most(robot):
    from social_support import add_alert

    for i in range(4):
        add_alert(robot.project, f"robot-{i}", [robot.name], title=f"Look-alike site number {i}")
    robot.reload()
    assert robot.enqueue() == 5
    sent_at = []
    for second in range(0, 30):
        if robot.drain(NOW + timedelta(seconds=second)).sent:
            sent_at.append(second)
    assert len(sent_at) == 5 and all(b - a >= 3 for a, b in zip(sent_at, sent_at[1:])), sent_at


def test_bad_key_fails_with_the_code_and_no_secret(robot, caplog):
    robot.env[next(iter(robot.env))] = robot.env[next(iter(robot.env))].replace(KEY, "robot-KEY-wrong-000000")
    robot.reload()
    robot.enqueue()
    with caplog.at_level(logging.DEBUG):
        robot.drain()
    [row] = robot.rows()
    assert row["status"] == "failed"
    assert {"wecom": "93000", "dingtalk": "300001", "feishu": "19001"}[robot.name] in row["last_error"]
    assert "robot-KEY-wrong" not in row["last_error"] and "robot-KEY-wrong" not in caplog.text


def test_an_unreachable_robot_leaks_no_token_secret_or_signature(robot, caplog):
    """A closed port: the connection error names the URL the request was for. Neither the token
    in it, nor the signing secret, nor the signature made from it (DingTalk's `sign`, good for an
    hour) may reach the outbox row, the drain's report or any log record (urllib3's too)."""
    from alertcast.broadcast.adapters import dingtalk, feishu

    robot.fake.close()
    robot.enqueue()
    before = time.time()
    with caplog.at_level(logging.DEBUG):
        report = robot.drain()
    after = time.time()
    [row] = robot.rows()
    assert row["status"] == "queued" and "connection error" in row["last_error"], row  # nothing left: retried
    said = "\n".join([row["last_error"], *report.lines, caplog.text])
    assert ("timestamp=" in row["last_error"]) is (robot.name == "dingtalk")  # the signed URL was quoted
    signs = {"dingtalk": [dingtalk.sign(robot.fake.secret, ms)
                          for ms in range(int(before * 1000) - 1, int(after * 1000) + 2)],
             "feishu": [feishu.sign(robot.fake.secret, s) for s in range(int(before) - 1, int(after) + 2)],
             "wecom": []}[robot.name]
    for secret in [KEY, robot.fake.secret, *signs]:
        for form in {secret, quote(secret, safe=""), quote(secret, safe="/")}:
            assert form not in said
    assert re.findall(r"(?:sign|access_token|key)=([^&\s'\"]*)", said) == (
        [] if robot.name == "feishu" else ["[REDACTED]"] * len(re.findall(r"(?:sign|access_token|key)=", said)))


def test_a_redirect_that_quotes_the_signed_url_leaks_no_signature(project, tmp_path, caplog):
    """A proxy or portal in front of the robot answers with a redirect to a page whose `?next=`
    holds the request's URL, quoted: when that page cannot be reached, the error names it, with
    DingTalk's `sign` (good for an hour) in it as `%26sign%3D…`."""
    import socket
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from alertcast.broadcast.adapters import dingtalk

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        gone = closed.getsockname()[1]  # a port nothing listens on once this socket is closed

    class Portal(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(307)
            self.send_header("Location", f"http://127.0.0.1:{gone}/login?next="
                             + quote(f"http://{self.headers['Host']}{self.path}", safe=""))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    portal = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    threading.Thread(target=portal.serve_forever, daemon=True).start()
    world = Robot(project, "dingtalk", tmp_path)
    world.fake.close()
    world.env["TEST_DINGTALK_URL"] = f"http://127.0.0.1:{portal.server_port}/robot/send?access_token={KEY}"
    world.reload()
    try:
        world.enqueue()
        before = time.time()
        with caplog.at_level(logging.DEBUG):
            report = world.drain()
        after = time.time()
    finally:
        portal.shutdown()
        portal.server_close()
    [row] = world.rows()
    assert "login?next=" in row["last_error"], row  # the redirect was followed and its address quoted
    said = "\n".join([row["last_error"], *report.lines, caplog.text])
    for ms in range(int(before * 1000) - 1, int(after * 1000) + 2):
        signature = dingtalk.sign(world.fake.secret, ms)
        for form in {signature, quote(signature, safe=""), quote(quote(signature, safe=""), safe="")}:
            assert form not in said
    assert re.findall(r"sign%3D([^%&\s]+)", said) == ["[REDACTED]"] * said.count("sign%3D")


def test_the_dispatcher_redacts_all_its_robots_redact(robot):
    """The dispatcher logs every channel's lines through its own redactor: it knows each
    adapter's secrets and the parameters that carry one, through the redactor's public API."""
    adapter = robot.dispatcher.adapter(robot.name)
    line = f"{robot.fake.url}/x?key=k1&access_token=t1&sign=s1%3D&timestamp=17 {KEY} {robot.fake.secret}"
    assert robot.dispatcher.redact(line) == adapter.redact(line)
    assert KEY not in adapter.redact(line)
    assert (robot.fake.secret in adapter.redact(line)) is (robot.name == "wecom")  # WeCom signs nothing
    if robot.name == "dingtalk":
        assert "access_token=[REDACTED]&sign=[REDACTED]&timestamp=17" in adapter.redact(line)


def test_server_error_after_the_post_is_held_not_repeated(robot):
    robot.enqueue()
    robot.fake.fail_next(("after", 502))
    robot.drain()
    [row] = robot.rows()
    assert row["status"] == "unknown" and len(robot.fake.posts) == 1
    assert robot.drain(NOW + timedelta(hours=1)).sent == 0 and len(robot.fake.posts) == 1


@pytest.mark.parametrize("name, limit", [("wecom", 2048), ("dingtalk", 18000), ("feishu", 18000)])
def test_messages_fit_the_platform_size_in_bytes(project, tmp_path, name, limit):
    world = Robot(project, name, tmp_path)
    try:
        alert = world.content.alert("live-phishing")
        long = "钓鱼网站" * 2000
        texts = {lang: dataclasses.replace(t, summary=long) for lang, t in alert.texts.items()}
        post = posts.render(dataclasses.replace(alert, texts=texts), world.config, name, "post", "zh")
        assert len(post.text.encode("utf-8")) <= limit and post.truncated
    finally:
        world.fake.close()


SCHEDULED_AT = NOW.replace(month=4, day=1, hour=9)  # scheduled-maintenance's publish_at (+08:00)


def test_heads_up_before_publish_at_then_the_post(robot):
    route_alert_to(robot.project, "scheduled-maintenance", [robot.name])
    robot.reload()
    early = SCHEDULED_AT - timedelta(hours=3)
    robot.enqueue(early)  # live-phishing's post; no heads-up yet: the default lead is 2 hours
    assert robot.drain(early).sent == 1
    assert not [r for r in robot.rows() if r["alert_id"] == "scheduled-maintenance"]
    due = SCHEDULED_AT - timedelta(minutes=90)
    assert robot.enqueue(due) == 1 and robot.enqueue(due + timedelta(minutes=1)) == 0
    assert robot.drain(due).sent == 1
    heads_up = next(r for r in robot.rows() if r["alert_id"] == "scheduled-maintenance")
    assert heads_up["action"] == "headsup" and heads_up["status"] == "sent"
    text = heads_up["text"]
    assert text.startswith("ℹ️ 即将发布：") and "发布时间：2026-04-01 09:00" in text
    assert "alerts/scheduled-maintenance" not in text  # the page is not live yet: no link
    live = SCHEDULED_AT + timedelta(minutes=1)
    robot.enqueue(live)
    robot.drain(live)
    rows = [r for r in robot.rows() if r["alert_id"] == "scheduled-maintenance"]
    assert [(r["action"], r["status"]) for r in rows] == [("headsup", "sent"), ("post", "sent")]
    assert "https://help.fixture.example/alerts/scheduled-maintenance/" in rows[1]["text"]


def test_heads_up_is_configurable_and_never_outlives_the_schedule(project, tmp_path):
    world = Robot(project, "wecom", tmp_path, settings={"heads_up_minutes": 0})
    try:
        route_alert_to(project, "scheduled-maintenance", ["wecom"])
        world.reload()
        world.enqueue(SCHEDULED_AT - timedelta(minutes=1))
        assert not [r for r in world.rows() if r["action"] == "headsup"]  # 0: no heads-up at all
    finally:
        world.fake.close()
    (tmp_path / "second").mkdir()
    world = Robot(project, "wecom", tmp_path / "second", settings={"heads_up_minutes": 1440})
    try:
        world.reload()
        world.enqueue(SCHEDULED_AT - timedelta(hours=23))
        assert [r["status"] for r in world.rows() if r["action"] == "headsup"] == ["queued"]
        world.enqueue(SCHEDULED_AT)  # live before the heads-up went out: it is not sent late
        [heads_up] = [r for r in world.rows() if r["action"] == "headsup"]
        assert heads_up["status"] == "cancelled"
    finally:
        world.fake.close()


def test_no_heads_up_on_public_channels(project, tmp_path):
    from fakes.networks import FakeSlack

    world = Robot(project, "wecom", tmp_path)
    fake = FakeSlack(token="slack-token-0123456789")
    try:
        path = project / "mkdocs.yml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        raw["extra"]["alertcast"]["channels"]["slack"] = {"base_url": fake.url, "channel": "C1", "token_env": "TEST_SL"}
        path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
        world.env["TEST_SL"] = fake.token
        route_alert_to(project, "scheduled-maintenance", ["wecom", "slack"])
        world.reload()
        world.enqueue(SCHEDULED_AT - timedelta(minutes=5))
        assert [(r["channel"], r["action"]) for r in world.rows() if r["alert_id"] == "scheduled-maintenance"] == [
            ("wecom", "headsup")]
    finally:
        world.fake.close()
        fake.close()


def test_daemon_sends_the_heads_up_when_it_comes_due(project, tmp_path, monkeypatch):
    """No build falls at publish_at - lead: the running daemon finds the heads-up at a drain."""
    from daemon_support import Recorder, wait_for

    from alertcast.daemon.service import Daemon

    world = Robot(project, "wecom", tmp_path)
    route_alert_to(project, "scheduled-maintenance", ["wecom"])
    world.reload()
    for key, value in world.env.items():
        monkeypatch.setenv(key, value)
    clock = [SCHEDULED_AT - timedelta(hours=3)]
    daemon = Daemon(world.config, engine=world.engine, publisher=Recorder(real=False).publisher,
                    clock=lambda: clock[0], sync=False, dispatch_interval=0.2, lease_ttl=5.0)
    daemon.start()
    try:
        wait_for(lambda: daemon.last_publish_ok, timeout=30)
        daemon.dispatch_now()
        assert not [p for p in world.fake.posts.values() if "即将发布" in p["text"]]
        clock[0] = SCHEDULED_AT - timedelta(minutes=30)  # within the lead, between two boundaries
        wait_for(lambda: [p for p in world.fake.posts.values() if "即将发布" in p["text"]], timeout=30)
        time.sleep(1.0)  # more drains add nothing
        assert len([p for p in world.fake.posts.values() if "即将发布" in p["text"]]) == 1
    finally:
        daemon.stop()
        world.fake.close()
