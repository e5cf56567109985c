"""`alertcast rehearse`: a test alert's first post, update and withdrawal reach each channel's test
target (the fakes of tests/fakes), marked as a test, through the real outbox; a real post of the
same alert afterwards goes out as if no rehearsal had happened."""

from __future__ import annotations

import json
import random
import re
import urllib.parse

import pytest
import yaml

from alertcast.broadcast import outbox
from alertcast.broadcast.dispatcher import Dispatcher
from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.plan import Plan
from alertcast.state import open_store
from conftest import NOW
from fakes.fcm import FakeFcm
from fakes.robots import FakeDingtalk, FakeFeishu, FakeWecom
from fakes.smtp import FakeSMTP
from fakes.wechat import FakeWechat
from fakes.weibo import FakeWeibo
from social_support import FAKES, channel_settings, route_alert_to, start

ALERT = "live-phishing"
MARK = "【测试，非真实警报】"  # the default language's test mark leads every post


def _lists(kind: str) -> dict:
    return {lang: {"address": f"{kind}-{lang}@lists.fixture.example", "list_id": f"{kind}-{lang}.fixture.example",
                   "unsubscribe_url": f"https://help.fixture.example/unsubscribe?list={kind}-{lang}"}
            for lang in ("zh", "en")}


ROBOTS = {"wecom": (FakeWecom, "key"), "dingtalk": (FakeDingtalk, "access_token"), "feishu": (FakeFeishu, None)}
ROBOT_KEY = "robot-KEY-3f9a7c2e5b1d"
WEIBO_TOKEN = "2.00WEIBO-SECRET-TOKEN-7f3a9c"


def target_of(name: str, fake, env: dict, tmp_path, drills=None) -> tuple[dict, dict, str | None]:
    """(channel settings, its test target, a string only requests to the test target carry; None
    where the fake cannot tell the two apart: the same account under other variable names).
    `drills`: the test account's own fake, for a network whose fake holds one account (WeChat)."""
    settings, secrets = channel_settings(name, fake) if name in FAKES else ({}, {})
    env.update(secrets)

    def copy(key: str, new: str) -> str:  # the same credential under another name: another account for check
        env[new] = env[settings[key]] if key in settings else env[new]
        return new

    if name == "telegram":
        return settings, {"chat_id": "@drills"}, '"@drills"'
    if name == "x":
        return settings, {"access_token_env": copy("access_token_env", "DRILL_X_TOKEN"),
                          "access_secret_env": copy("access_secret_env", "DRILL_X_SECRET")}, None
    if name == "mastodon":
        return settings, {"token_env": copy("token_env", "DRILL_MASTODON_TOKEN")}, None
    if name == "bluesky":
        return settings, {"handle": "drills.example"}, '"drills.example"'
    if name == "discord":
        return settings, {"webhook_env": copy("webhook_env", "DRILL_DISCORD_HOOK")}, None
    if name == "slack":
        env["DRILL_SLACK_HOOK"] = fake.url + fake.hook_path
        return settings, {"channel": "CDRILLS", "webhook_env": "DRILL_SLACK_HOOK"}, '"CDRILLS"'
    if name == "matrix":
        return settings, {"room_id": "!drills:example.org"}, "drills"
    if name == "webhook":
        return settings, {"url": fake.url + "/drill-hook"}, "/drill-hook"
    if name == "email":
        return ({"host": "127.0.0.1", "port": fake.port, "security": "none", "lists": _lists("alerts"),
                 "from_address": "Fixture Safety <safety@fixture.example>"}, {"lists": _lists("drills")}, "drills-")
    if name == "fcm":
        env["FCM_KEY_FILE"] = fake.key_file(tmp_path)
        return ({"project": fake.project, "base_url": fake.url, "token_uri": fake.token_uri,
                 "credentials_env": "FCM_KEY_FILE"}, {"topics": {"zh": "drills-zh", "en": "drills-en"}}, "drills-")
    if name == "weibo":
        env["TEST_WEIBO_TOKEN"] = env["DRILL_WEIBO_TOKEN"] = WEIBO_TOKEN  # the fake's one account
        return ({"base_url": fake.url, "safe_domain": "fixture.example", "rip": "117.50.1.20",
                 "token_env": "TEST_WEIBO_TOKEN"}, {"token_env": "DRILL_WEIBO_TOKEN"}, None)
    if name == "wechat":
        env.update(TEST_WECHAT_SECRET=fake.app_secret, DRILL_WECHAT_SECRET=drills.app_secret)
        return ({"app_id": fake.app_id, "secret_env": "TEST_WECHAT_SECRET", "cover": "assets/wechat-cover.png",
                 "base_url": fake.url},
                {"app_id": drills.app_id, "secret_env": "DRILL_WECHAT_SECRET", "base_url": drills.url}, None)
    if name in ROBOTS:
        key = ROBOTS[name][1]
        url = fake.url + fake.path + (f"?{key}={ROBOT_KEY}&" if key else "?")
        env[f"TEST_{name.upper()}_URL"], env[f"DRILL_{name.upper()}_URL"] = url + "group=team", url + "group=drills"
        return {"webhook_env": f"TEST_{name.upper()}_URL"}, {"webhook_env": f"DRILL_{name.upper()}_URL"}, "drills"
    raise KeyError(name)


def said(name: str, fake) -> str:
    """Everything the network received, as one searchable text."""
    if name == "email":
        return "\n".join(f"{m['To']} {m.get_body(('plain',)).get_content()} {m['Subject']}" for m in fake.messages)
    heard = json.dumps([{k: v for k, v in r.items() if k != "raw"} for r in fake.requests], default=str,
                       ensure_ascii=False)
    return urllib.parse.unquote_plus(heard) if name == "weibo" else heard  # Weibo's bodies are form-encoded


CHANNELS = [*FAKES, "email", "fcm", "weibo", "wechat", *ROBOTS]


@pytest.fixture
def network(request):
    made = []

    def make(name):
        if name == "email":
            fake = FakeSMTP()
        elif name == "fcm":
            fake = FakeFcm()
        elif name == "weibo":
            fake = FakeWeibo(token=WEIBO_TOKEN)
        elif name == "wechat":
            fake = FakeWechat()
        elif name == "wechat-drills":  # the test Official Account
            fake = FakeWechat(app_id="wx00000000d7111500")
        elif name in ROBOTS:
            fake = ROBOTS[name][0](token=ROBOT_KEY)
        else:
            fake = start(name)
        made.append(fake)
        return fake

    yield make
    for fake in made:
        fake.close()


def configure(project, name: str, settings: dict, target: dict | None) -> None:
    path = project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["channels"] = {name: {**settings, **({"test": target} if target is not None else {})}}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def set_status(project, status: str | None) -> None:
    for path in (project / "content" / "alerts").glob(f"{ALERT}.*.md"):
        text = re.sub(r"(?m)^status: .*\n", "", path.read_text(encoding="utf-8"))
        if status:
            text = text.replace("\nseverity:", f"\nstatus: {status}\nseverity:", 1)
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("name", CHANNELS)
def test_a_rehearsal_reaches_the_test_target_then_a_real_post_goes_out(project, tmp_path, cli, monkeypatch, network,
                                                                      name):
    fake = network(name)
    drills = network("wechat-drills") if name == "wechat" else fake
    env: dict[str, str] = {}
    settings, target, probe = target_of(name, fake, env, tmp_path, drills)
    if name == "wechat":
        from test_wechat import tiny_png

        (project / "assets").mkdir(exist_ok=True)
        (project / "assets" / "wechat-cover.png").write_bytes(tiny_png())
    configure(project, name, settings, target)
    route_alert_to(project, ALERT, [name])
    set_status(project, "test")
    if name == "fcm":  # the test mark leaves a push title 40 characters; check measures the correction's
        path = project / "content" / "alerts" / f"{ALERT}.en.md"
        path.write_text(path.read_text(encoding="utf-8").replace("Phishing site poses as the wallet",
                                                                 "Fake wallet site"), encoding="utf-8")
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    result = cli("rehearse", ALERT, "-p", project)
    assert result.exit_code == 0, result.output
    answers = result.output.strip().splitlines()
    keys = [f"{name}:{lang}@test" for lang in ("zh", "en")] if name in ("email", "fcm") else [f"{name}@test"]
    actions = [line.split(": ")[0].rsplit(" ", 1) for line in answers]
    assert actions == [[key, action] for action in ("post", "update", "withdraw") for key in keys]
    assert all(": sent" in line for line in answers), answers
    heard = said(name, drills)
    assert MARK in heard and (probe is None or probe in heard)
    if drills is not fake:  # the test account heard the rehearsal; the real one, nothing
        assert fake.requests == []
        rehearsed = len(drills.requests)
    if name == "email":
        assert all("drills-" in m["To"] for m in fake.messages) and all(
            m["Subject"].startswith(("【测试", "[TEST")) for m in fake.messages)

    # The rows are apart: channel <key>@test, a rehearsal revision.
    config = load_config(project)
    engine = open_store(config.settings.state_url, config.root)
    rows = outbox.rows(engine)
    assert {r["channel"] for r in rows} == set(keys)
    def lead(row: dict) -> str:  # a WeChat row is its article as JSON: the title leads
        return json.loads(row["text"])["article"]["title"] if name == "wechat" else row["text"]

    assert all(r["revision"].startswith("rehearsal-") and lead(r).startswith(("【测试", "[TEST", "[")) for r in rows)

    # The alert, now actual, is posted for real: nothing of the rehearsal blocks or dedupes it.
    set_status(project, None)
    content = load_or_raise(config)
    before = len(fake.messages) if name == "email" else len(fake.requests)
    assert outbox.enqueue(engine, Plan.at(content, NOW), config) == len(config.deliveries)
    report = Dispatcher(engine, config, env=env, rng=random.Random(1)).drain(NOW)
    assert report.sent == len(config.deliveries), report.lines
    real = [r for r in outbox.rows(engine) if not r["channel"].endswith("@test")]
    assert [r["status"] for r in real] == ["sent"] * len(config.deliveries)
    assert all(MARK not in r["text"] for r in real)
    after = fake.messages[before:] if name == "email" else fake.requests[before:]
    if drills is not fake:
        assert len(drills.requests) == rehearsed
    real_said = said(name, type("Heard", (), {"messages": after, "requests": after})())
    assert after and MARK not in real_said and (probe is None or probe not in real_said)
    engine.dispose()


@pytest.fixture
def telegram(project, monkeypatch, network):
    """The fixture's live-phishing as a test alert on telegram, which has a test chat."""
    fake = network("telegram")
    settings, env = channel_settings("telegram", fake)
    configure(project, "telegram", settings, {"chat_id": "@drills"})
    route_alert_to(project, ALERT, ["telegram"])
    set_status(project, "test")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    yield fake


def test_the_exact_text_of_a_test_alert_put_in_the_store_for_the_real_channel_is_held(project, telegram, cli):
    """The state store is untrusted: a row that would post a test alert to the real chat, with
    exactly the text the content renders, is held, never sent."""
    from alertcast.render import posts
    from sqlalchemy import insert

    config = load_config(project)
    alert = load_or_raise(config).alert(ALERT)
    engine = open_store(config.settings.state_url, config.root)
    post = posts.render(alert, config, "telegram", "post")
    with engine.begin() as conn:
        row_id = conn.execute(insert(outbox.outbox).values(
            alert_id=ALERT, revision=alert.revision, channel="telegram", action="post",
            idem_key=outbox.idem_key(ALERT, alert.revision, "telegram", "post"), lang=post.lang, text=post.text,
            link=post.link, facets="[]", status="queued", tries=0, due_at=outbox.utc(NOW),
            created_at=outbox.utc(NOW))).inserted_primary_key[0]
    assert cli("outbox", "drain", "-p", project, "--now", NOW.isoformat()).exit_code == 0
    assert telegram.posts == {}
    row = outbox.get(engine, row_id)
    assert row["status"] == "held" and "status test" in row["last_error"]
    assert [r["id"] for r in outbox.rows(engine)] == [row_id]  # and the drain queued nothing of it
    engine.dispose()


def test_a_second_rehearsal_edits_and_deletes_only_its_own_posts(project, telegram, cli):
    first = cli("rehearse", ALERT, "-p", project)
    assert first.exit_code == 0, first.output
    import time

    time.sleep(1.1)  # another rehearsal, another second: its own revision
    second = cli("rehearse", ALERT, "-p", project)
    assert second.exit_code == 0, second.output
    ids = [line.rsplit(": ", 1)[1] for line in (first.output + second.output).strip().splitlines()]
    assert ids[0] == ids[1] == ids[2] and ids[3] == ids[4] == ids[5] and ids[0] != ids[3], ids
    assert sorted(telegram.deleted) == sorted({ids[0], ids[3]})
    assert all(p["chat_id"] == "@drills" for p in telegram.posts.values())


@pytest.mark.parametrize("args, said", [
    (("no-such-alert",), "no alert with id 'no-such-alert'"),
    ((ALERT, "--channel", "mastodon"), "does not list the channel mastodon"),
])
def test_a_rehearsal_asked_wrongly_says_why_in_one_line(project, telegram, cli, args, said):
    result = cli("rehearse", *args, "-p", project)
    assert result.exit_code == 1 and said in result.output and "Traceback" not in result.output
    assert telegram.requests == []


def test_a_channel_without_a_test_target_is_not_rehearsed(project, telegram, cli):
    path = project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    del raw["extra"]["alertcast"]["channels"]["telegram"]["test"]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    set_status(project, None)  # an actual alert: check passes, and still no test target to send to
    result = cli("rehearse", ALERT, "-p", project)
    assert result.exit_code == 1 and "no test target for telegram" in result.output
    assert "channels.<name>.test" in result.output and telegram.requests == []


def test_a_failed_post_stops_that_target_and_the_command_exits_1(project, telegram, cli):
    telegram.fail_next(("status", 400))
    result = cli("rehearse", ALERT, "-p", project)
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith("telegram@test post: failed: telegram: 400")
    assert "update" not in result.output and "see `alertcast outbox`" in result.output


def test_a_paced_channel_is_waited_for_once(project, telegram):
    """`min_interval` defers the update; the rehearsal sleeps that long, then sends it."""
    from datetime import timedelta

    from alertcast.broadcast import rehearsal

    path = project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["channels"]["telegram"]["min_interval"] = 30
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    config = load_config(project)
    engine = open_store(config.settings.state_url, config.root)
    clock, slept = [NOW], []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += timedelta(seconds=seconds)

    import os

    steps = list(rehearsal.run(engine, config, load_or_raise(config), ALERT, (),
                               Dispatcher(engine, config, env=os.environ), lambda: clock[0], sleep))
    assert [(s.action, s.row["status"]) for s in steps] == [("post", "sent"), ("update", "sent"), ("withdraw", "sent")]
    assert slept == [30.0, 30.0]
    engine.dispose()


def test_posts_preview_of_a_test_alert_shows_what_the_rehearsal_sends(project, telegram, cli):
    result = cli("posts", "preview", ALERT, "-p", project, "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    assert "status test: never public" in result.output
    heads = [line for line in result.output.splitlines() if line.startswith("-- ")]
    assert [h.split(":")[0] for h in heads] == [f"-- telegram@test [zh] {a}" for a in ("post", "update", "withdraw")]
    assert all(h.endswith(" ok") for h in heads)
    assert result.output.count(f"   | {MARK} ") == 3
    assert telegram.requests == []
