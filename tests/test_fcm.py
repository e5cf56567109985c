"""The `fcm` channel: Firebase Cloud Messaging HTTP v1, driven through the outbox and dispatcher
against local fakes of Google's token endpoint and the FCM API, with the real google-auth
signing the JWT grant."""

from __future__ import annotations

import dataclasses
import json
import random
import re
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
import yaml

from alertcast import testtarget
from alertcast.broadcast import outbox, rehearsal_posts
from alertcast.broadcast.dispatcher import Dispatcher
from alertcast.plan import Plan
from alertcast.render import posts, push
from alertcast.state import open_store
from conftest import NOW
from fakes.fcm import FakeFcm
from outputs_support import outputs_at
from social_support import ChannelWorld, route_alert_to, world_fixture

ALERT = "live-phishing"
SCHEMA = Path(__file__).resolve().parents[1] / "src" / "alertcast" / "schemas" / "push.schema.json"


class World(ChannelWorld):
    def __init__(self, project: Path, tmp_path: Path, extra: dict | None = None):
        self.project = project
        self.fake = FakeFcm()
        self.env = {"TEST_FCM_KEY_FILE": self.fake.key_file(tmp_path)}
        path = project / "mkdocs.yml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        raw["extra"]["alertcast"]["channels"] = {"fcm": {
            "project": self.fake.project, "base_url": self.fake.url, "token_uri": self.fake.token_uri,
            "credentials_env": "TEST_FCM_KEY_FILE", "max_tries": 3, **(extra or {})}}
        path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
        route_alert_to(project, ALERT, ["fcm"])
        self.engine = open_store(f"sqlite:///{tmp_path / 'state.db'}")
        self.reload()

    def everything_said(self, report) -> str:
        """Every text a person or a log could see: rows, report lines."""
        return json.dumps([self.rows(), report.lines], default=str)


make_world = world_fixture(World)


def test_one_push_per_language_topic_with_the_documented_payload(make_world):
    w = make_world()
    assert w.enqueue() == 2 and w.enqueue() == 0  # a row per language: fcm:zh, fcm:en
    report = w.drain()
    assert report.sent == 2, report.lines
    rows = w.rows()
    assert [r["channel"] for r in rows] == ["fcm:zh", "fcm:en"]
    assert all(r["status"] == "sent" and r["outcome"] == "posted" for r in rows)
    assert w.fake.grants == 1  # the real google-auth signed a JWT the fake verified with the public key
    assert [m["topic"] for m in w.fake.messages] == ["alerts-zh", "alerts-en"]
    assert w.fake.messages == [m for r in rows for m in json.loads(r["text"])]  # sent as stored (and previewed)
    row = rows[1]
    zh, en = w.fake.messages
    assert en["notification"] == {"title": "⚠️ Phishing site poses as the wallet",
                                  "body": "Scammers run a look-alike site that asks for your recovery phrase."}
    [alert] = [a for a in w.content.alerts if a.id == ALERT]
    assert zh["notification"] == {"title": "⚠️ " + alert.texts["zh"].title, "body": alert.texts["zh"].summary}
    assert zh["data"]["lang"] == "zh" and zh["data"]["url"] == w.config.page_url("alerts", ALERT, "zh")
    assert en["data"] == {"alert_id": ALERT, "revision": row["revision"], "action": "post", "lang": "en",
                          "severity": "warning", "url": w.config.page_url("alerts", ALERT, "en"),
                          "placement": "home,support"}
    assert en["android"] == {"collapse_key": ALERT, "ttl": "86400s", "priority": "NORMAL"}
    assert en["apns"]["headers"]["apns-collapse-id"] == ALERT and en["apns"]["headers"]["apns-priority"] == "5"
    assert [r["remote_id"] for r in rows] == sorted(w.fake.posts)
    assert w.drain().sent == 0 and len(w.fake.messages) == 2  # never twice


def test_payload_matches_the_published_json_schema(make_world):
    w = make_world()
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    w.enqueue()
    w.drain()
    for message in w.fake.messages:
        validator.validate(message)
    with pytest.raises(jsonschema.ValidationError):  # the schema does say something: data values are strings
        validator.validate({**w.fake.messages[0], "data": {**w.fake.messages[0]["data"], "severity": 3}})


def test_the_schema_published_beside_the_banners_validates_every_push_in_both_languages(make_world):
    from test_test_alerts import DRILL, write_drill

    w = make_world({"test": {"topics": {"zh": "drills-zh", "en": "drills-en"}}})
    write_drill(w.project, "exercise")
    w.reload()
    out = outputs_at(w.content, w.config, NOW)
    assert "api/v1/banner.schema.json" in out
    schema = json.loads(out[push.SCHEMA_PATH])
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    [alert] = [a for a in w.content.alerts if a.id == ALERT]
    drill = w.content.alert(DRILL)
    sent = []
    for action in ("post", "update", "withdraw"):
        sent.append(json.loads(posts.render(testtarget.rehearsed(alert, w.config.languages), w.config, "fcm",
                                            action).text))
        sent.append(json.loads(rehearsal_posts.render(drill, w.config, "fcm@test", action).text))
    assert [m["topic"] for m in sent[-1]] == ["drills-zh", "drills-en"]  # the rehearsal's, to its test topics
    assert sent[-1][1]["notification"]["title"].startswith("[EXERCISE, not a real alert]")
    for messages in sent:
        assert [m["data"]["lang"] for m in messages] == ["zh", "en"]
        for message in messages:
            validator.validate(message)
    assert {m["data"]["action"] for messages in sent for m in messages} == {"post", "update", "withdraw"}
    with pytest.raises(jsonschema.ValidationError):  # it does say something: FCM data values are strings
        validator.validate({**sent[0][0], "data": {**sent[0][0]["data"], "revision": 20260315}})


def test_a_zh_hant_push_matches_the_published_schema(make_world):
    """Languages are BCP 47 tags: a zh-Hant push names its language as the tag, and the published
    schema takes it."""
    w = make_world()
    path = w.project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["languages"] = ["zh", "en", "zh-Hant"]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    w.reload()
    assert "zh-Hant" in w.config.languages
    schema = json.loads(outputs_at(w.content, w.config, NOW)[push.SCHEMA_PATH])
    [alert] = [a for a in w.content.alerts if a.id == ALERT]
    messages = json.loads(posts.render(alert, w.config, "fcm", "post").text)
    assert [m["data"]["lang"] for m in messages] == ["zh", "en", "zh-Hant"]
    validator = jsonschema.Draft202012Validator(schema)
    for message in messages:
        validator.validate(message)


def test_no_push_schema_is_published_without_the_fcm_channel(project):
    from alertcast.config import load_config
    from alertcast.checks.load import load_or_raise

    config = load_config(project)
    assert push.SCHEMA_PATH not in outputs_at(load_or_raise(config), config, NOW)


def test_critical_is_high_priority_and_topics_are_configurable(make_world):
    w = make_world({"topics": {"en": "wallet-en"}})
    w.edit_alert(r"^severity: warning", "severity: critical")
    w.enqueue()
    assert w.drain().sent == 2
    zh, en = w.fake.messages
    assert (zh["topic"], en["topic"]) == ("alerts-zh", "wallet-en")
    assert en["android"]["priority"] == "HIGH" and en["apns"]["headers"]["apns-priority"] == "10"


def test_below_the_severity_threshold_nothing_is_queued(make_world):
    w = make_world()
    w.edit_alert(r"^severity: warning", "severity: advisory")
    assert w.enqueue() == 0 and w.rows() == []
    w2 = make_world({"severities": ["advisory"]})
    assert w2.enqueue() == 2


@pytest.mark.parametrize("push_updates", [False, True])
def test_an_update_pushes_only_when_the_setting_says_so(make_world, push_updates):
    w = make_world({"push_updates": push_updates} if push_updates else None)
    w.enqueue()
    assert w.drain().sent == 2
    w.edit_alert(r"^updated_at:.*$", "updated_at: 2026-03-10T12:00:00+08:00")
    w.edit_alert(r"^update_note:.*$", 'update_note: "Added the second site."')
    later = NOW + timedelta(hours=1)
    assert w.enqueue(later) == 2 * int(push_updates)
    w.drain(later)
    update = [m for m in w.fake.messages if m["data"]["action"] == "update"]
    if not push_updates:
        assert update == [] and len(w.rows()) == 2
        return
    assert [m["notification"]["body"] for m in update if m["data"]["lang"] == "en"] == ["Added the second site."]
    assert w.drain(later + timedelta(hours=1)).sent == 0 and len(update) == 2


def test_a_withdrawal_sends_a_short_correction_push(make_world):
    w = make_world()
    w.enqueue()
    w.drain()
    w.edit_alert(r"^severity: warning", 'severity: warning\nwithdrawn: "This site is ours after all."')
    later = NOW + timedelta(hours=1)
    assert w.enqueue(later) == 2
    assert w.drain(later).sent == 2
    correction = [m for m in w.fake.messages if m["data"]["action"] == "withdraw"]
    assert [m["topic"] for m in correction] == ["alerts-zh", "alerts-en"]
    en = correction[1]
    assert en["notification"]["title"].startswith("ℹ️ Correction: ")
    assert en["notification"]["body"] == "This site is ours after all."
    assert en["android"]["collapse_key"] == ALERT  # replaces the warning on a phone that has not opened it
    assert [r["outcome"] for r in w.rows() if r["action"] == "withdraw"] == ["correction", "correction"]


@pytest.mark.parametrize("code,status", [("UNREGISTERED", "failed"), ("INVALID_ARGUMENT", "failed")])
def test_client_errors_fail_visibly(make_world, code, status):
    w = make_world()
    status_code = {"UNREGISTERED": 404, "INVALID_ARGUMENT": 400}[code]
    w.fake.fail_next(("status", status_code))
    w.enqueue()
    report = w.drain()
    row, en = w.rows()
    assert row["status"] == status and code in row["last_error"], row["last_error"]
    assert report.failed == 1 and [m["topic"] for m in w.fake.messages] == ["alerts-en"]  # its own row
    assert en["status"] == "sent"


def test_quota_exceeded_waits_for_retry_after_then_sends_once(make_world):
    w = make_world()
    w.fake.fail_next(("rate_limit", 120))
    w.enqueue()
    w.drain()
    row = w.rows()[0]
    assert row["status"] == "queued" and "429" in row["last_error"]
    assert outbox.as_utc(row["due_at"]) == outbox.as_utc(NOW + timedelta(seconds=120))
    assert [m["topic"] for m in w.fake.messages] == ["alerts-en"]  # English's row is its own
    assert w.drain(NOW + timedelta(seconds=60)).sent == 0
    assert w.drain(NOW + timedelta(seconds=121)).sent == 1
    assert [m["topic"] for m in w.fake.messages] == ["alerts-en", "alerts-zh"]


@pytest.mark.parametrize("fault", [("status", 503), ("status", 500), ("after", 503), ("after", 500),
                                   ("stall", 3.0)])
def test_an_uncertain_send_is_held_never_sent_twice(make_world, fault):
    """UNAVAILABLE, INTERNAL or a lost answer: FCM may have delivered it and has no idempotency
    key, so the row is held for a person, whether or not the push took effect."""
    w = make_world()
    w.dispatcher.adapter("fcm").timeout = 1.0
    w.fake.fail_next(fault)
    w.enqueue()
    report = w.drain()
    row = w.rows()[0]
    assert row["status"] == "unknown" and report.unknown == 1, report.lines
    assert "outbox resolve" in row["last_error"]
    for later in (NOW + timedelta(minutes=10), NOW + timedelta(days=1)):
        w.drain(later)
    applied = ["alerts-zh"] if fault[0] in ("after", "stall") else []
    assert [m["topic"] for m in w.fake.messages] == [*applied, "alerts-en"]  # zh at most once; en is its own row
    assert [r["status"] for r in w.rows()] == ["unknown", "sent"]


def test_a_failure_of_one_language_never_resends_another(make_world):
    w = make_world()
    original = w.fake.route
    calls = []

    def second_is_rate_limited(req):
        calls.append(req)
        if len(calls) == 2:
            raise w.fake.rate_limited(30, req)
        return original(req)

    w.fake.route = second_is_rate_limited
    w.enqueue()
    w.drain()
    zh, en = w.rows()
    assert zh["status"] == "sent" and en["status"] == "queued" and "429" in en["last_error"]
    w.drain(NOW + timedelta(hours=1))
    assert [m["topic"] for m in w.fake.messages] == ["alerts-zh", "alerts-en"]  # zh was never pushed twice


def test_connection_refused_to_fcm_is_retried(make_world):
    w = make_world()
    w.enqueue()
    w.fake.close()
    w.drain()
    assert all(row["status"] == "queued" and row["tries"] == 1 for row in w.rows())


def test_a_refused_service_account_fails_without_sending_or_leaking(make_world):
    w = make_world()
    w.fake.refuse_grants = True
    w.enqueue()
    report = w.drain()
    row = w.rows()[0]
    assert row["status"] == "failed" and "token endpoint refused" in row["last_error"]
    assert w.fake.messages == []
    said = w.everything_said(report)
    key = w.fake.account["private_key"]
    assert key not in said
    assert not any(line in said for line in key.splitlines() if len(line) > 20)


def test_the_access_token_is_reused_and_never_stored(make_world):
    w = make_world()
    w.enqueue()
    report = w.drain()
    assert w.fake.grants == 1
    [token] = w.fake.tokens
    assert token not in w.everything_said(report)
    assert all(r["headers"]["authorization"] == f"Bearer {token}" for r in w.fake.requests
               if r["path"].endswith(":send"))


def test_no_key_file_runs_dry_and_a_missing_file_is_a_clear_problem(make_world, tmp_path):
    w = make_world()
    w.env.pop("TEST_FCM_KEY_FILE")
    w.reload()
    w.enqueue()
    assert w.drain().dry_run == 2
    w2 = make_world()
    w2.env["TEST_FCM_KEY_FILE"] = str(tmp_path / "nowhere.json")
    w2.reload()
    w2.edit_alert(r"^severity: warning", "severity: critical")
    w2.engine = open_store(f"sqlite:///{tmp_path / 'other.db'}")
    w2.reload()
    w2.enqueue()
    report = w2.drain()
    line = report.lines[0]
    assert "cannot read the service account key file named by TEST_FCM_KEY_FILE" in line
    assert "Traceback" not in line


def test_preview_post_shows_each_push_with_its_lengths(make_world):
    w = make_world()
    [alert] = [a for a in w.content.alerts if a.id == ALERT]
    post = posts.render(alert, w.config, "fcm", "post")
    assert post.limit == 240 and post.fits and not post.truncated
    assert json.loads(post.text)[1]["notification"]["body"] == alert.texts["en"].summary


def test_a_long_body_is_cut_and_marked(make_world):
    w = make_world()
    [alert] = [a for a in w.content.alerts if a.id == ALERT]
    long = "Do not enter your phrase. " * 12
    alert = dataclasses.replace(alert, texts={k: dataclasses.replace(t, summary=long) for k, t in alert.texts.items()})
    post = posts.render(alert, w.config, "fcm", "post")
    assert post.truncated and not post.fits and post.length == push.graphemes(long) > push.BODY_LIMIT
    for message in json.loads(post.text):
        body = message["notification"]["body"]
        assert push.graphemes(body) <= push.BODY_LIMIT and body.endswith("…")


def test_posts_preview_shows_each_push_title_and_body_with_their_lengths(make_world, cli):
    w = make_world()
    result = cli("posts", "preview", ALERT, "-p", w.project, "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    assert "-- fcm [zh] post: 25/240 characters of the longest body (titles: 65) ok" in result.output
    assert "-- fcm [en] post: 66/240 characters of the longest body (titles: 65) ok" in result.output
    assert "   alerts-en [en] title 35/65: ⚠️ Phishing site poses as the wallet" in result.output
    assert ("body 66/240: Scammers run a look-alike site that asks for your recovery phrase." in result.output)
    assert '"topic": "alerts-en"' in result.output  # and the messages exactly as sent
    assert "-- fcm update: no push: an update is pushed only with push_updates: true" in result.output
    w.edit_alert(r"^severity: warning", "severity: advisory")
    quiet = cli("posts", "preview", ALERT, "-p", w.project, "--now", NOW.isoformat())
    assert "-- fcm post: no push: a advisory alert is below the channel's severities (critical, warning)" in quiet.output


def test_check_refuses_a_push_longer_than_a_phone_shows_with_file_and_line(make_world, cli):
    w = make_world()
    path = w.project / "content" / "alerts" / f"{ALERT}.en.md"
    text = path.read_text(encoding="utf-8")
    long_title = "A look-alike site of the wallet asks for your recovery phrase; do not type it"
    text = re.sub(r"^title: .*$", f'title: "{long_title}"', text, count=1, flags=re.M)
    text = re.sub(r"^summary: .*$", 'summary: "' + "Never type your recovery phrase there. " * 8 + '"', text,
                  count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")
    result = cli("check", "-p", w.project)
    assert result.exit_code != 0
    out = result.output
    assert (f"content/alerts/{ALERT}.en.md:2:1: error: the fcm push title is 79/65 characters with its marker, "
            "more than Android shows (shorten the title by at least 14)") in out, out
    assert (f"content/alerts/{ALERT}.en.md:3:1: error: the fcm post push body is 311/240 characters, more than "
            "Android shows (shorten the summary by at least 71)") in out, out
    assert not [line for line in out.splitlines() if ".zh.md" in line and "fcm" in line]  # the Chinese file fits
    assert "Traceback" not in out


def test_report_shows_the_correction_push_of_a_withdrawal(make_world, cli):
    w = make_world()
    w.commit()  # the base `report --base HEAD` compares with
    w.edit_alert(r"^severity: warning", 'severity: warning\nwithdrawn: "This site is ours after all."')
    result = cli("report", str(w.project), "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    assert "-- fcm [zh] withdraw: 28/240" in result.output, result.output
    assert "alerts-en [en] title 47/65: ℹ️ Correction: Phishing site poses as the wallet" in result.output
    assert "body 28/240: This site is ours after all." in result.output


def test_the_docs_payload_example_and_settings_are_true():
    docs = (Path(__file__).resolve().parents[1] / "docs" / "social.md").read_text(encoding="utf-8")
    section = docs.split("### App push (FCM)", 1)[1].split("\n## ", 1)[0]
    [example] = re.findall(r"```json\n(.*?)```", section, re.S)
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(json.loads(example))
    from alertcast.config import FcmKeys, _ChannelKeys

    for key in set(FcmKeys.model_fields) - set(_ChannelKeys.model_fields):
        assert f"`{key}`" in docs, key


def test_a_send_interrupted_by_the_end_of_the_process_is_held(make_world):
    """A row left `sending` (the process was killed after the request left) is held once its
    lease has passed: never sent again."""
    from sqlalchemy import update

    w = make_world()
    w.enqueue()
    with w.engine.begin() as conn:
        conn.execute(update(outbox.outbox).values(status="sending", tries=1, claimed_at=outbox.utc(NOW),
                                                  first_try_at=outbox.utc(NOW), operation="post"))
    report = w.drain(NOW + timedelta(hours=1))
    rows = w.rows()
    assert all(r["status"] == "unknown" and "interrupted" in r["last_error"] for r in rows) and report.unknown == 2
    w.drain(NOW + timedelta(days=1))
    assert w.fake.messages == [] and {r["status"] for r in w.rows()} == {"unknown"}


def test_an_error_that_quotes_the_request_leaks_neither_token_nor_key(make_world, caplog):
    """A proxy's error page that echoes the request (with its Authorization header) is stored and
    logged redacted, and urllib3's debug log holds no secret either."""
    caplog.set_level("DEBUG")
    w = make_world()
    w.fake.fail_next(("echo", 400))
    w.enqueue()
    report = w.drain()
    row = w.rows()[0]
    assert row["status"] == "failed" and "upstream failed for POST" in row["last_error"]
    [token] = w.fake.tokens
    key = w.fake.account["private_key"]
    said = w.everything_said(report) + caplog.text
    assert "[REDACTED]" in row["last_error"]
    assert token not in said and key not in said and w.fake.account["private_key_id"] not in said


def test_a_row_changed_in_the_state_store_is_held_not_pushed(make_world):
    """The store is restored from an unreviewed branch: a row whose messages are not what the
    reviewed content renders (another topic, another text) is never sent."""
    from sqlalchemy import update

    w = make_world()
    w.enqueue()
    row = w.rows()[1]
    forged = json.loads(row["text"])
    forged[0]["topic"] = "everyone"
    with w.engine.begin() as conn:
        conn.execute(update(outbox.outbox).where(outbox.outbox.c.id == row["id"]).values(text=json.dumps(forged)))
        conn.execute(update(outbox.outbox).where(outbox.outbox.c.id != row["id"]).values(
            text=json.dumps([*json.loads(w.rows()[0]["text"]), forged[0]])))  # zh's row with a message added
    report = w.drain()
    assert report.held == 2 and [r["status"] for r in w.rows()] == ["held", "held"]
    assert w.fake.messages == [] and w.fake.grants == 0


@pytest.mark.parametrize("extra,expected", [
    (None, ["alerts-zh", "alerts-en"]),
    ({"platforms": ["android", "ios"]}, ["alerts-zh-android", "alerts-zh-ios", "alerts-en-android", "alerts-en-ios"]),
])
def test_sigkill_during_a_send_never_pushes_a_topic_twice(make_world, extra, expected):
    """The real `alertcast outbox drain` is killed (SIGKILL) while FCM holds one row's send (it
    arrived; the answer had not gone back): each language's, or with platforms each language and
    platform's, in turn. A new dispatcher recovers: each topic got the push at most once, the row
    not known to be complete is held, and every other row is its own, sent once."""
    import os
    import signal
    import subprocess
    import sys

    from test_outbox_crash import SRC, ZYGOTE, _wait

    w = make_world(extra)
    engine = None
    db = w.project / ".alertcast" / "state.db"
    zygote = subprocess.Popen([sys.executable, "-c", ZYGOTE, "fcm"], env={**os.environ, **w.env, "PYTHONPATH": str(SRC)},
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    args = "\t".join(["outbox", "drain", "-p", str(w.project), "--no-enqueue", "--now", NOW.isoformat(), "--lease", "0"])
    outcomes = []
    try:
        for run in range(6):
            nth = 1 + run % len(expected)  # kill while this row is being sent

            def sends():
                return [r for r in list(w.fake.requests) if r["path"].endswith(":send")]

            w.fake.reset()
            w.fake.messages.clear()
            w.fake.delay_before, w.fake.delay = 0.02, 0.3
            if engine is not None:
                engine.dispose()
            for path in db.parent.glob("state.db*"):
                path.unlink()
            engine = open_store(w.config.settings.state_url, w.config.root)
            assert outbox.enqueue(engine, Plan.at(w.content, NOW), w.config) == len(expected)
            zygote.stdin.write(args + "\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline())
            assert _wait(lambda: len(sends()) >= nth and w.fake.in_flight > 0, 30), (run, w.fake.requests)
            os.kill(pid, signal.SIGKILL)
            assert int(zygote.stdout.readline()) == signal.SIGKILL  # killed, not finished
            assert _wait(lambda: w.fake.in_flight == 0, 5)
            w.fake.delay_before = w.fake.delay = 0.0
            recovery = Dispatcher(engine, w.config, env=w.env, rng=random.Random(run), lease_seconds=0)
            for minutes in (10, 20, 40):
                recovery.drain(NOW + timedelta(minutes=minutes))
            topics = [m["topic"] for m in w.fake.messages]
            rows = outbox.rows(engine)
            row = rows[nth - 1]  # the row whose send was cut
            outcomes.append((nth, [r["status"] for r in rows], topics))
            assert sorted(topics) == sorted(set(topics)), (run, topics)  # none twice
            assert topics[:nth] == expected[:nth], (run, topics)
            assert row["status"] == "unknown" and "outbox resolve" in row["last_error"], (run, row)
            assert [r["status"] for r in rows] == ["sent"] * (nth - 1) + ["unknown"] + ["sent"] * (len(rows) - nth), \
                (run, rows)  # the others are rows of their own: recovery sends those not sent, once
            assert topics == expected, (run, topics)
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=30)
        if engine is not None:
            engine.dispose()
    print("fcm SIGKILL runs (send held at kill, row status, topics pushed):", outcomes)


@pytest.mark.parametrize("push_updates,said", [
    (False, "App push (FCM): no new push (push_updates is off); the earlier push stays on the phones that got it"),
    (True, "App push (FCM): a new post goes out; the earlier post stays as it was")])
def test_the_report_says_what_an_update_does_to_the_push(make_world, push_updates, said):
    from alertcast import effects

    w = make_world({"push_updates": push_updates})
    [alert] = [a for a in w.content.alerts if a.id == ALERT]
    assert effects.update_effects(w.config, alert) == [said]


@pytest.mark.parametrize("refusals", [1, 2])
def test_an_access_token_fcm_no_longer_takes_is_replaced_once(make_world, refusals):
    """FCM refuses the token it had issued (revoked, expired early): a new one is asked for and
    the message sent with it; refused again with the fresh token, the row fails for a person."""
    w = make_world()
    w.enqueue()
    w.fake.fail_next(*[("status", 401)] * refusals)
    report = w.drain()
    row = w.rows()[0]
    if refusals == 1:
        assert w.fake.grants == 2
        assert report.sent == 2 and [m["topic"] for m in w.fake.messages] == ["alerts-zh", "alerts-en"], report.lines
    else:
        assert w.fake.grants >= 2
        assert row["status"] == "failed" and "401" in row["last_error"] and "alerts-zh" not in json.dumps(w.fake.messages)


def test_the_android_ttl_ends_when_the_alert_expires(make_world):
    w = make_world({"ttl_hours": 48})
    [alert] = [a for a in w.content.alerts if a.id == ALERT]
    assert json.loads(posts.render(alert, w.config, "fcm", "post").text)[0]["android"]["ttl"] == "172800s"
    soon = dataclasses.replace(alert, expires_at=alert.changed_at + timedelta(hours=2))
    [zh, en] = json.loads(posts.render(soon, w.config, "fcm", "post").text)
    assert zh["android"]["ttl"] == en["android"]["ttl"] == "7200s"
    assert en["apns"]["headers"]["apns-expiration"] == str(int(soon.expires_at.timestamp()))


@pytest.mark.parametrize("extra,said", [
    ({"topics": {"en": "/topics/alerts-en"}}, "'/topics/alerts-en' is not an FCM topic name"),
    ({"topics": {"fr": "alerts-fr"}}, "language 'fr' is not configured"),
    ({"severities": ["urgent"]}, "severities"),
    ({"credentials_env": "-----BEGIN PRIVATE KEY-----"}, "must be the name of an environment variable"),
])
def test_check_names_the_mkdocs_line_of_a_bad_fcm_setting(project, cli, extra, said):
    path = project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["channels"] = {"fcm": {"project": "wallet-alerts", **extra}}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = cli("check", "-p", project)
    assert result.exit_code != 0 and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("mkdocs.yml:")]
    assert lines and said in lines[0], result.output
    assert "BEGIN PRIVATE KEY" not in result.output


def test_check_refuses_an_alert_id_longer_than_the_apns_collapse_id(make_world, cli):
    from social_support import add_alert

    w = make_world()
    stem = "phishing-site-" + "x" * 60
    add_alert(w.project, stem, ["fcm"])
    result = cli("check", "-p", w.project)
    assert result.exit_code != 0
    for lang in ("zh", "en"):
        assert (f"content/alerts/{stem}.{lang}.md:2:1: error: the fcm push collapses by the alert's id, and APNs "
                "takes at most 64 characters (74 here) (give the alert a shorter id: write id: in the front matter "
                "of each language, or rename its files)") in result.output, result.output


def test_a_revision_pushed_by_a_row_of_every_language_is_not_pushed_again(make_world):
    """A state store from before pushes had a row per language holds rows keyed `fcm`: what they
    pushed counts for each language, and such a row is held, never sent."""
    from sqlalchemy import delete, update

    w = make_world()
    w.enqueue()
    first, second = w.rows()
    legacy = outbox.idem_key(ALERT, first["revision"], "fcm", "post")
    with w.engine.begin() as conn:
        conn.execute(delete(outbox.outbox).where(outbox.outbox.c.id == second["id"]))
        conn.execute(update(outbox.outbox).where(outbox.outbox.c.id == first["id"]).values(
            channel="fcm", idem_key=legacy, status="sent"))
    assert w.enqueue() == 0 and w.drain().sent == 0 and w.fake.messages == []
    with w.engine.begin() as conn:
        conn.execute(update(outbox.outbox).values(status="queued"))
    report = w.drain()
    assert report.held == 1 and w.fake.messages == [] and w.rows()[0]["status"] == "held"


# -- per-platform topics ------------------------------------------------------------------

PLATFORMS = {"platforms": ["android", "ios"]}


def test_per_platform_topics_push_each_platform_only_its_own_block(make_world):
    w = make_world(PLATFORMS)
    assert w.enqueue() == 4 and w.enqueue() == 0
    assert w.drain().sent == 4
    rows = w.rows()
    assert [r["channel"] for r in rows] == ["fcm:zh-android", "fcm:zh-ios", "fcm:en-android", "fcm:en-ios"]
    assert [r["lang"] for r in rows] == ["zh", "zh", "en", "en"]
    assert [m["topic"] for m in w.fake.messages] == ["alerts-zh-android", "alerts-zh-ios", "alerts-en-android",
                                                     "alerts-en-ios"]
    android, ios = w.fake.messages[2:]
    assert "android" in android and "apns" not in android and android["android"]["collapse_key"] == ALERT
    assert "apns" in ios and "android" not in ios and ios["apns"]["headers"]["apns-collapse-id"] == ALERT
    assert android["notification"] == ios["notification"] and android["data"] == ios["data"]
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    for message in w.fake.messages:
        validator.validate(message)
    with pytest.raises(jsonschema.ValidationError):  # a message for no platform at all is not one
        validator.validate({k: v for k, v in android.items() if k != "android"})
    assert w.drain().sent == 0 and len(w.fake.messages) == 4  # never twice


def test_the_platform_topic_pattern_and_language_topics_name_each_topic(make_world, tmp_path):
    w = make_world({**PLATFORMS, "topics": {"en": "wallet-en"}, "platform_topic": "{topic}.{platform}"})
    w.enqueue()
    w.drain()
    assert [m["topic"] for m in w.fake.messages] == ["alerts-zh.android", "alerts-zh.ios", "wallet-en.android",
                                                     "wallet-en.ios"]
    w2 = make_world({"platforms": ["ios"], "platform_topic": "{platform}-alerts-{lang}"})
    w2.engine = open_store(f"sqlite:///{tmp_path / 'other.db'}")
    w2.reload()
    assert w2.config.deliveries == ("fcm:zh-ios", "fcm:en-ios")
    w2.enqueue()
    w2.drain()
    assert [m["topic"] for m in w2.fake.messages] == ["ios-alerts-zh", "ios-alerts-en"]


def test_without_platforms_the_rows_and_messages_are_as_before(make_world):
    w = make_world()
    assert w.config.deliveries == ("fcm:zh", "fcm:en")
    [alert] = [a for a in w.content.alerts if a.id == ALERT]
    assert all({"android", "apns"} <= set(m) for m in json.loads(posts.render(alert, w.config, "fcm", "post").text))


def test_one_platforms_failure_never_holds_or_resends_another(make_world):
    w = make_world(PLATFORMS)
    original = w.fake.route

    def ios_unavailable(req):
        body = req.get("body") or {}
        if str(body.get("message", {}).get("topic", "")).endswith("-ios"):
            raise w.fake.server_error(503, req)
        return original(req)

    w.fake.route = ios_unavailable
    w.enqueue()
    report = w.drain()
    status = {r["channel"]: r["status"] for r in w.rows()}
    assert status == {"fcm:zh-android": "sent", "fcm:zh-ios": "unknown", "fcm:en-android": "sent",
                      "fcm:en-ios": "unknown"}, report.lines
    w.fake.route = original
    w.drain(NOW + timedelta(hours=1))
    assert [m["topic"] for m in w.fake.messages] == ["alerts-zh-android", "alerts-en-android"]  # each once


def test_quiet_hours_hold_each_platforms_row_on_its_own(make_world):
    w = make_world({**PLATFORMS, "quiet_hours": {"zh": {"start": "00:00", "end": "23:59"}}})
    w.enqueue()
    w.drain()
    status = {r["channel"]: r["status"] for r in w.rows()}
    assert status == {"fcm:zh-android": "queued", "fcm:zh-ios": "queued", "fcm:en-android": "sent",
                      "fcm:en-ios": "sent"}
    assert [m["topic"] for m in w.fake.messages] == ["alerts-en-android", "alerts-en-ios"]


def test_a_language_pushed_before_platforms_were_set_is_not_pushed_again(make_world):
    """A store whose rows are per language (`fcm:en`) from before `platforms` was set: what they
    pushed counts for each platform of that language, and such a row is held, never sent."""
    w = make_world()
    w.enqueue()
    w.drain()
    assert len(w.fake.messages) == 2
    w2 = make_world(PLATFORMS)
    w2.fake, w2.engine = w.fake, w.engine
    w2.env = w.env
    w2.reload()
    assert w2.enqueue() == 0 and w2.drain().sent == 0 and len(w.fake.messages) == 2
    from sqlalchemy import update

    with w.engine.begin() as conn:  # a per-language row still queued when platforms were set
        conn.execute(update(outbox.outbox).where(outbox.outbox.c.channel == "fcm:en").values(status="queued"))
    report = w2.drain()
    assert report.held == 1 and len(w.fake.messages) == 2, report.lines


def test_posts_preview_and_report_show_each_platforms_push(make_world, cli):
    w = make_world(PLATFORMS)
    result = cli("posts", "preview", ALERT, "-p", w.project, "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    for lang in ("zh", "en"):
        for platform in ("android", "ios"):
            assert f"   alerts-{lang}-{platform} [{lang}, {platform}] title " in result.output, result.output
    assert result.output.count("-- fcm [en] post: 66/240") == 2
    w.commit()  # the base `report --base HEAD` compares with
    w.edit_alert(r"^severity: warning", 'severity: warning\nwithdrawn: "This site is ours after all."')
    report = cli("report", str(w.project), "--now", NOW.isoformat())
    assert report.exit_code == 0, report.output
    assert "alerts-en-ios [en, ios] title 47/65: ℹ️ Correction: Phishing site poses as the wallet" in report.output
    assert "alerts-zh-android [zh, android] title" in report.output


@pytest.mark.parametrize("extra,said,key", [
    ({"platforms": ["android", "windows"]}, "windows", "platforms"),
    ({"platforms": ["ios", "ios"]}, "ios is listed twice", "platforms"),
    ({**PLATFORMS, "platform_topic": "alerts-{lang}"}, "is not a topic pattern", "platform_topic"),
    ({**PLATFORMS, "platform_topic": "alerts-{platform}"},
     "zh/android and en/android would both push to the topic 'alerts-android'", "platform_topic"),
    ({"topics": {"zh": "alerts", "en": "alerts"}}, "zh and en would both push to the topic 'alerts'", "topics"),
    ({**PLATFORMS, "platform_topic": "alerts/{lang}-{platform}"}, "is not an FCM topic name", "platform_topic"),
    ({**PLATFORMS, "platform_topic": "{topic}-{platform:>999999999}"}, "is not a topic pattern", "platform_topic"),
    ({**PLATFORMS, "platform_topic": "{topic.__class__}-{platform}"}, "is not a topic pattern", "platform_topic"),
])
def test_check_refuses_unknown_platforms_and_shared_topics_at_their_line(project, cli, extra, said, key):
    path = project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["channels"] = {"fcm": {"project": "wallet-alerts", **extra}}
    text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.split("\n"), 1) if t.strip().startswith(f"{key}:"))
    result = cli("check", "-p", project)
    assert result.exit_code != 0 and "Traceback" not in result.output
    found = [t for t in result.output.splitlines() if t.startswith("mkdocs.yml:")]
    assert found and said in found[0], result.output
    assert int(found[0].split(":")[1]) in range(line, line + 3), (line, found[0])  # the key or its item


def test_a_rehearsal_with_platforms_goes_to_each_platforms_test_topic(make_world):
    from test_test_alerts import DRILL, write_drill

    w = make_world({**PLATFORMS, "test": {"topics": {"zh": "drills-zh", "en": "drills-en"}}})
    write_drill(w.project, "test")
    w.reload()
    keys = testtarget.deliveries(w.config, "fcm")
    assert keys == ("fcm:zh-android@test", "fcm:zh-ios@test", "fcm:en-android@test", "fcm:en-ios@test")
    [message] = json.loads(rehearsal_posts.render(w.content.alert(DRILL), w.config, "fcm:en-ios@test", "post").text)
    assert message["topic"] == "drills-en-ios" and "apns" in message and "android" not in message
    assert message["notification"]["title"].startswith("[TEST, not a real alert]")
