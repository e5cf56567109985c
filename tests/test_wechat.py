"""The `wechat` channel: a WeChat Official Account driven through the outbox and dispatcher
against a local fake of WeChat's API (errcodes in HTTP 200 answers, as WeChat gives them)."""

from __future__ import annotations

import json
import re
import random
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from alertcast.broadcast import channel_memory, outbox
from alertcast.broadcast.dispatcher import Dispatcher
from alertcast.plan import Plan
from alertcast.render import posts, wechat
from alertcast.state import open_store
from conftest import NOW
from fakes.wechat import FakeWechat
from social_support import ChannelWorld, route_alert_to, world_fixture

ALERT = "live-phishing"


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


class World(ChannelWorld):
    def __init__(self, project: Path, tmp_path: Path, extra: dict | None = None):
        self.project = project
        self.fake = FakeWechat()
        self.env = {"TEST_WECHAT_SECRET": self.fake.app_secret}
        (project / "assets").mkdir(exist_ok=True)
        (project / "assets" / "wechat-cover.png").write_bytes(tiny_png())
        path = project / "mkdocs.yml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        raw["extra"]["alertcast"]["channels"] = {"wechat": {
            "app_id": self.fake.app_id, "secret_env": "TEST_WECHAT_SECRET", "cover": "assets/wechat-cover.png",
            "base_url": self.fake.url, "author": "钱包安全团队", "max_tries": 3, **(extra or {})}}
        path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
        route_alert_to(project, ALERT, ["wechat"])
        self.engine = open_store("sqlite:///.alertcast/state.db", project)  # the fixture's state_url, as the CLI reads it
        self.reload()

    def critical(self):
        self.edit_alert(r"^severity: warning", "severity: critical")

    def said(self, report) -> str:
        return json.dumps([self.rows(), report.lines], default=str, ensure_ascii=False)


make_world = world_fixture(World)


def test_an_alert_is_published_as_an_article_with_the_documented_fields(make_world):
    w = make_world()
    assert w.enqueue() == 1
    report = w.drain()
    assert report.sent == 1, report.lines
    [row] = w.rows()
    assert row["status"] == "sent" and row["operation"] == "publish" and row["remote_id"].startswith("publish:")
    [published] = w.fake.live_articles()
    article = published["article"]
    stored = json.loads(row["text"])["article"]
    assert {k: v for k, v in article.items() if k != "thumb_media_id"} == stored  # sent as stored and previewed
    assert article["thumb_media_id"] in w.fake.uploads
    [alert] = [a for a in w.content.alerts if a.id == ALERT]
    zh = alert.texts["zh"]
    assert article["title"] == "⚠️" + zh.title and article["digest"] == zh.summary and article["author"] == "钱包安全团队"
    assert article["content_source_url"] == w.config.page_url("alerts", ALERT, "zh")  # 阅读原文: the alert's page
    assert "阅读原文" in article["content"]
    assert w.fake.broadcasts == {}  # publish mode notifies no one
    assert w.fake.escaped == []  # UTF-8 as written, no \u escapes (draft/add asks for that)


def test_the_article_html_keeps_only_wechat_tags_and_defangs_indicators(make_world):
    w = make_world()
    row = posts.render(next(a for a in w.content.alerts if a.id == ALERT), w.config, "wechat").text
    html = json.loads(row)["article"]["content"]
    assert "<a " not in html and "href" not in html  # WeChat drops outside links; the text stays
    assert "<h2>" in html and "<li>" in html
    assert "wallet-verify[.]example" in html and "fixture_fake_support (Telegram)" in html
    assert "wallet-verify.example" not in html and "0x1111111111111111111111111111111111111111" not in html
    # check refuses raw HTML in content; the article's allow-list holds even so
    raw = wechat.html_of('<script>alert(1)</script>\n\n<img src="https://evil.example/x.png" onerror="x()">'
                         '<iframe src="https://evil.example"></iframe> **粗体** [点此](https://evil.example)')
    assert "<script" not in raw and "alert(1)" not in raw and "<img" not in raw and "<iframe" not in raw
    assert "onerror" not in raw and "evil.example" not in raw and "<a" not in raw
    assert "<strong>粗体</strong> 点此" in raw


def test_the_access_token_is_fetched_once_and_shared_by_every_call(make_world):
    w = make_world()
    from social_support import add_alert
    add_alert(w.project, "second-phishing", ["wechat"], title="Second phishing site")
    w.reload()
    assert w.enqueue() == 2
    report = w.drain()
    assert report.sent == 2, report.lines
    assert w.fake.grants == 1  # two articles, uploads and drafts: one stable_token call
    assert len(w.fake.uploads) == 1  # the cover is uploaded once


@pytest.mark.parametrize("code", [40001, 42001])
def test_a_refused_token_is_replaced_once_then_the_call_goes_through(make_world, code):
    w = make_world()
    w.enqueue()
    w.fake.refuse["draft/add"] = [code]
    report = w.drain()
    assert report.sent == 1, report.lines
    assert w.fake.forced == 1 and len(w.fake.live_articles()) == 1


def test_a_token_refused_twice_fails_the_row_visibly(make_world):
    w = make_world()
    w.enqueue()
    w.fake.refuse["draft/add"] = [40001, 40001]
    report = w.drain()
    [row] = w.rows()
    assert report.failed == 1 and row["status"] == "failed" and "40001" in row["last_error"]
    assert w.fake.live_articles() == []


def test_the_token_is_fetched_again_before_it_expires(make_world):
    w = make_world()
    w.enqueue()
    w.drain()
    adapter = w.dispatcher.adapter("wechat")
    first = adapter.token()
    now = adapter.clock()
    adapter.clock = lambda: now + 7200 - 200  # inside the five minutes before WeChat's expiry
    w.fake.expire_tokens()
    assert adapter.token() != first and w.fake.grants == 2


def test_the_cover_media_id_is_remembered_in_the_state_store(make_world):
    w = make_world()
    w.enqueue()
    w.drain()
    [(key, sealed)] = [(k, v) for k, v in _memory(w.engine)]
    media_id = sealed.rpartition("#")[0]
    assert key.startswith(f"cover:{w.fake.app_id}:") and media_id in w.fake.uploads
    from social_support import add_alert
    add_alert(w.project, "second-phishing", ["wechat"], title="Second phishing site")
    w.reload()  # a new dispatcher: another process
    w.enqueue()
    assert w.drain().sent == 1
    assert len(w.fake.uploads) == 1
    assert w.fake.live_articles()[-1]["article"]["thumb_media_id"] == media_id


def test_a_cover_wechat_no_longer_has_is_uploaded_again(make_world):
    w = make_world()
    w.enqueue()
    sealed = w.dispatcher.adapter("wechat")._seal(_cover_key(w), "MEDIA_deleted")
    channel_memory.remember(w.engine, "wechat", _cover_key(w), sealed, NOW)
    assert w.drain().sent == 1
    assert [r["path"] for r in w.fake.requests if "draft/add" in r["path"]] == ["/cgi-bin/draft/add"] * 2  # 40007
    assert len(w.fake.uploads) == 1
    assert dict(_memory(w.engine))[_cover_key(w)].rpartition("#")[0] in w.fake.uploads


@pytest.mark.parametrize("forged", ["{other}", "{other}#" + "0" * 64])
def test_a_cover_media_id_forged_in_the_state_store_is_never_sent(make_world, forged):
    """The state branch names another image the account holds: alertcast does not use it, and
    pays one upload of its own cover."""
    w = make_world()
    other = "MEDIA_attackers_image"
    w.fake.uploads[other] = b"not our cover"
    w.enqueue()
    channel_memory.remember(w.engine, "wechat", _cover_key(w), forged.format(other=other), NOW)
    assert w.drain().sent == 1
    [article] = w.fake.live_articles()
    assert article["article"]["thumb_media_id"] != other
    assert len(w.fake.uploads) == 2 and article["article"]["thumb_media_id"] in w.fake.uploads


def test_a_cover_outside_the_project_is_refused_and_never_read(make_world, tmp_path):
    outside = tmp_path / "secret.png"
    outside.write_bytes(tiny_png())
    w = make_world({"cover": "assets/link.png"})
    (w.project / "assets" / "link.png").symlink_to(outside)  # a link in the project to a file outside it
    w.enqueue()
    w.drain()
    [row] = w.rows()
    assert row["status"] == "failed" and "outside the project" in row["last_error"]
    assert w.fake.uploads == {}


def test_a_critical_alert_is_broadcast_with_the_rows_clientmsgid(make_world):
    w = make_world({"mode": "broadcast"})
    w.critical()
    w.enqueue()
    report = w.drain()
    assert report.sent == 1, report.lines
    [row] = w.rows()
    assert row["operation"] == "broadcast" and row["remote_id"].startswith("broadcast:")
    [sent] = w.fake.live_broadcasts()
    assert sent["clientmsgid"] == row["idem_key"] and len(row["idem_key"].encode()) <= 64


def test_a_warning_is_published_not_broadcast_in_broadcast_mode(make_world):
    w = make_world({"mode": "broadcast"})
    w.enqueue()
    w.drain()
    assert w.fake.broadcasts == {} and len(w.fake.live_articles()) == 1


def test_a_broadcast_whose_answer_was_lost_is_sent_again_and_wechat_keeps_one(make_world):
    w = make_world({"mode": "broadcast"})
    w.critical()
    w.enqueue()
    w.fake.lose["message/mass/sendall"] = 502
    first = w.drain()
    [row] = w.rows()
    assert first.retrying == 1 and row["status"] == "queued" and row["last_error"].startswith("outcome unknown")
    second = w.drain(NOW + timedelta(hours=2))
    [row] = w.rows()
    assert second.sent == 1 and row["status"] == "sent", second.lines
    assert len(w.fake.broadcasts) == 1  # the repeat met 45065 (clientmsgid exist) and took its msg_id
    assert row["remote_id"] == f"broadcast:{next(iter(w.fake.broadcasts))}"


def test_the_months_last_broadcast_is_kept_for_critical_alerts(make_world):
    w = make_world({"mode": "broadcast", "broadcasts_per_month": 1, "broadcast_severities": ["critical", "warning"]})
    w.enqueue()
    report = w.drain()
    [row] = w.rows()
    assert row["status"] == "sent" and row["operation"] == "publish"
    assert w.fake.broadcasts == {} and len(w.fake.live_articles()) == 1
    assert "broadcast held" in row["last_error"] and "keep_last_for" in row["last_error"]
    assert "broadcast held" in w.said(report)


def test_a_spent_quota_holds_the_broadcast_and_says_so(make_world, cli):
    w = make_world({"mode": "broadcast", "broadcasts_per_month": 1})
    w.critical()
    w.enqueue()
    assert w.drain().sent == 1 and len(w.fake.broadcasts) == 1
    from social_support import add_alert
    add_alert(w.project, "second-phishing", ["wechat"], title="Second phishing site")
    w.edit_alert(r"^severity: warning", "severity: critical")
    for path in (w.project / "content" / "alerts").glob("second-phishing.*.md"):
        path.write_text(path.read_text(encoding="utf-8").replace("severity: warning", "severity: critical"),
                        encoding="utf-8")
    w.reload()
    w.enqueue()
    w.drain()
    assert len(w.fake.broadcasts) == 1 and len(w.fake.live_articles()) == 1
    listing = cli("outbox", "-p", w.project).output
    assert "broadcast held: this month's 1 broadcast(s) are spent" in listing


def test_a_new_month_gives_the_quota_back(make_world):
    w = make_world({"mode": "broadcast", "broadcasts_per_month": 1})
    w.critical()
    w.enqueue()
    w.drain()
    with w.engine.begin() as conn:  # last month's broadcast
        conn.execute(outbox.outbox.update().values(claimed_at=NOW - timedelta(days=40)))
    from social_support import add_alert
    add_alert(w.project, "second-phishing", ["wechat"], title="Second phishing site")
    for path in (w.project / "content" / "alerts").glob("second-phishing.*.md"):
        path.write_text(path.read_text(encoding="utf-8").replace("severity: warning", "severity: critical"),
                        encoding="utf-8")
    w.reload()
    w.enqueue()
    w.drain()
    assert len(w.fake.broadcasts) == 2


def test_wechat_refusing_for_want_of_quota_publishes_instead(make_world):
    w = make_world({"mode": "broadcast"})
    w.critical()
    w.enqueue()
    w.fake.refuse["message/mass/sendall"] = [45028]
    w.drain()
    [row] = w.rows()
    assert row["status"] == "sent" and "45028" in row["last_error"] and len(w.fake.live_articles()) == 1


def test_a_broadcast_pending_confirmation_shows_in_outbox_and_status(make_world, cli):
    w = make_world({"mode": "broadcast"})
    w.critical()
    w.fake.protection = True
    w.enqueue()
    w.drain()
    [row] = w.rows()
    assert row["status"] == "sent" and row["outcome"] == "pending confirmation"
    listing = cli("outbox", "-p", w.project).output
    assert "waiting for an administrator's confirmation" in listing
    status = cli("status", "-p", w.project, "--now", NOW.isoformat()).output
    assert "pending confirmation" in status and "live-phishing" in status
    assert "wechat broadcasts this month: 1 of 4" in status


@pytest.mark.parametrize("code,said", [(40164, "IP allow-list"), (40125, "AppSecret"), (48001, "verified")])
def test_account_problems_fail_with_how_to_fix_them(make_world, code, said):
    w = make_world()
    w.enqueue()
    w.fake.refuse["stable_token"] = [code]
    w.drain()
    [row] = w.rows()
    assert row["status"] == "failed" and str(code) in row["last_error"] and said in row["last_error"]


@pytest.mark.parametrize("code,wait", [(45009, 3600), (45011, 60)])
def test_api_quota_pauses_the_channel(make_world, code, wait):
    w = make_world()
    w.enqueue()
    w.fake.refuse["draft/add"] = [code]
    report = w.drain()
    [row] = w.rows()
    assert report.retrying == 1 and row["status"] == "queued"
    assert outbox.paused(w.engine, NOW)["wechat"] == outbox.as_utc(NOW + timedelta(seconds=wait))
    assert w.drain(NOW + timedelta(seconds=wait + 1)).sent == 1


def test_a_withdrawal_deletes_the_article_and_broadcast_then_publishes_a_correction(make_world):
    w = make_world({"mode": "broadcast"})
    w.critical()
    w.enqueue()
    w.drain()
    w.edit_alert(r"^severity: critical", 'severity: critical\nwithdrawn: "误报：该网站属于合作方。"')
    for path in (w.project / "content" / "alerts").glob(f"{ALERT}.*.md"):
        text = path.read_text(encoding="utf-8")
        if "withdrawn:" not in text:
            raise AssertionError(text)
    w.reload()
    later = NOW + timedelta(hours=1)
    assert w.enqueue(later) == 1
    report = w.drain(later)
    assert report.sent == 1, report.lines
    assert w.fake.live_broadcasts() == []  # message/mass/delete
    [correction] = w.fake.live_articles()
    assert correction["article"]["title"].startswith("ℹ️更正：")


def test_without_correction_a_withdrawal_only_deletes(make_world):
    w = make_world({"correction": False})
    w.enqueue()
    w.drain()
    w.edit_alert(r"^severity: warning", 'severity: warning\nwithdrawn: "误报"')
    later = NOW + timedelta(hours=1)
    w.enqueue(later)
    w.drain(later)
    assert w.fake.live_articles() == [] and len(w.fake.deleted) == 1


def test_no_secret_or_token_reaches_rows_reports_or_logs(make_world, caplog):
    w = make_world()
    w.enqueue()
    w.fake.fail_next(("status", 502), ("status", 502))
    w.fake.fail_next(("echo", 500))
    reports = [w.drain(NOW + timedelta(hours=h)) for h in range(4)]
    tokens = list(w.fake.tokens)
    said = json.dumps([w.said(r) for r in reports]) + caplog.text
    assert w.fake.app_secret not in said
    for token in tokens:
        assert token not in said
    assert not any(w.fake.app_secret in json.dumps(v, default=str) for v in _memory(w.engine))


def test_a_row_changed_in_the_state_store_is_held_not_sent(make_world):
    w = make_world({"mode": "broadcast"})
    w.enqueue()
    forged = json.loads(w.rows()[0]["text"])
    forged["broadcast"] = True
    with w.engine.begin() as conn:
        conn.execute(outbox.outbox.update().values(text=json.dumps(forged, ensure_ascii=False, indent=2,
                                                                    sort_keys=True)))
    report = w.drain()
    assert report.held == 1 and w.fake.broadcasts == {} and w.fake.grants == 0


def test_posts_preview_shows_the_chinese_article_with_counted_lengths(make_world, cli):
    w = make_world()
    out = cli("posts", "preview", ALERT, "-p", w.project, "--channel", "wechat", "--now", NOW.isoformat()).output
    [alert] = [a for a in w.content.alerts if a.id == ALERT]
    title = "⚠️" + alert.texts["zh"].title
    assert f"title {len(title)}/32: {title}" in out
    assert f"digest {len(alert.texts['zh'].summary)}/128: {alert.texts['zh'].summary}" in out
    assert "published, no notification" in out


def test_a_long_title_is_cut_to_wechats_32_characters(make_world):
    w = make_world()
    from alertcast.checks.load import load_all

    for path in (w.project / "content" / "alerts").glob(f"{ALERT}.*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"^title: .*$", 'title: "' + "假冒钱包官网诱导用户输入助记词" * 4 + '"', text, count=1,
                               flags=re.M), encoding="utf-8")
    content = load_all(w.config).content  # check refuses it; the renderer still cuts it
    post = posts.render(next(a for a in content.alerts if a.id == ALERT), w.config, "wechat")
    article = json.loads(post.text)["article"]
    assert len(article["title"]) <= 32 and post.truncated and not post.fits


def test_sigkill_during_a_broadcast_never_broadcasts_twice(make_world):
    """The real `alertcast outbox drain` is killed (SIGKILL) while WeChat holds the broadcast (it
    arrived; the answer had not gone back); a new dispatcher sends it again with the same
    clientmsgid, and WeChat keeps one broadcast."""
    import os
    import signal
    import subprocess
    import sys

    from test_outbox_crash import SRC, ZYGOTE, _wait

    w = make_world({"mode": "broadcast"})
    w.critical()
    engine = None
    db = w.project / ".alertcast" / "state.db"
    zygote = subprocess.Popen([sys.executable, "-c", ZYGOTE, "wechat"], env={**os.environ, **w.env, "PYTHONPATH": str(SRC)},
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    args = "\t".join(["outbox", "drain", "-p", str(w.project), "--no-enqueue", "--now", NOW.isoformat(), "--lease", "0"])
    outcomes = []
    try:
        for run in range(3):
            def sendalls():
                return [r for r in list(w.fake.requests) if r["path"].endswith("mass/sendall")]

            w.fake.reset()
            w.fake.broadcasts.clear()
            w.fake.delay_before, w.fake.delay = 0.0, 0.5
            if engine is not None:
                engine.dispose()
            for path in db.parent.glob("state.db*"):
                path.unlink()
            engine = open_store(w.config.settings.state_url, w.config.root)
            assert outbox.enqueue(engine, Plan.at(w.content, NOW), w.config) == 1
            zygote.stdin.write(args + "\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline())
            assert _wait(lambda: len(sendalls()) >= 1 and w.fake.in_flight > 0, 30), (run, w.fake.requests)
            os.kill(pid, signal.SIGKILL)
            assert int(zygote.stdout.readline()) == signal.SIGKILL
            assert _wait(lambda: w.fake.in_flight == 0, 5)
            w.fake.delay = 0.0
            recovery = Dispatcher(engine, w.config, env=w.env, rng=random.Random(run), lease_seconds=0)
            for minutes in (10, 200, 400):
                recovery.drain(NOW + timedelta(minutes=minutes))
            [row] = outbox.rows(engine)
            outcomes.append((row["status"], len(w.fake.broadcasts)))
            assert len(w.fake.broadcasts) == 1, (run, w.fake.broadcasts)
            assert row["status"] == "sent" and row["remote_id"] == f"broadcast:{next(iter(w.fake.broadcasts))}"
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=30)
        if engine is not None:
            engine.dispose()
    print("wechat SIGKILL runs (row status, broadcasts):", outcomes)


def _memory(engine):
    from sqlalchemy import select
    with engine.connect() as conn:
        return [(r.key, r.value) for r in conn.execute(select(channel_memory.memory))]


def _cover_key(w):
    import hashlib
    data = (w.project / "assets" / "wechat-cover.png").read_bytes()
    return f"cover:{w.fake.app_id}:{hashlib.sha256(data).hexdigest()}"


def test_check_refuses_an_article_title_longer_than_wechat_takes_with_file_and_line(make_world, cli):
    w = make_world()
    path = w.project / "content" / "alerts" / f"{ALERT}.zh.md"
    text = path.read_text(encoding="utf-8")
    title = "假冒钱包官网的钓鱼网站诱导用户输入助记词，请勿在任何网站输入助记词"  # 34 characters, 36 with the marker
    text = re.sub(r"^title: .*$", f'title: "{title}"', text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")
    result = cli("check", "-p", w.project)
    assert result.exit_code != 0
    assert (f"content/alerts/{ALERT}.zh.md:2:1: error: the wechat article title is {len(title) + 2}/32 characters "
            f"with its marker, more than WeChat takes (shorten the title by at least {len(title) + 2 - 32})"
            ) in result.output, result.output
    assert not [line for line in result.output.splitlines() if ".en.md" in line and "wechat" in line]
    assert "Traceback" not in result.output


def test_report_shows_the_article_and_how_it_goes_out(make_world, cli):
    w = make_world({"mode": "broadcast"})
    w.commit()  # the base `report --base HEAD` compares with
    w.edit_alert(r"^severity: warning", 'severity: warning\nwithdrawn: "该网站确属合作方。"')
    result = cli("report", str(w.project), "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    [alert] = [a for a in w.content.alerts if a.id == ALERT]
    title = "ℹ️更正：" + alert.texts["zh"].title
    assert f"-- wechat [zh] withdraw: {len(title)}/32" in result.output, result.output
    assert f"title {len(title)}/32: {title}" in result.output
    assert "digest 9/128: 该网站确属合作方。" in result.output
    assert "published, no notification" in result.output
    assert "WeChat Official Account:" in result.output


def test_the_docs_name_every_setting_and_the_example_is_valid(tmp_path):
    from alertcast.config import WechatKeys, _ChannelKeys

    docs = (Path(__file__).resolve().parents[1] / "docs" / "social.md").read_text(encoding="utf-8")
    section = docs.split("### WeChat Official Account", 1)[1].split("\n### ", 1)[0]
    for key in set(WechatKeys.model_fields) - set(_ChannelKeys.model_fields):
        assert f"`{key}`" in section, key
    [example] = [block for block in re.findall(r"```yaml\n(.*?)```", section, re.S) if "wechat:" in block]
    WechatKeys.model_validate(yaml.safe_load(example)["extra"]["alertcast"]["channels"]["wechat"])


def _pending(w):
    w.fake.clock = lambda: NOW.timestamp()  # WeChat's clock, moved with the dispatcher's
    w.critical()
    w.fake.protection = True
    w.enqueue()
    w.drain()
    assert w.rows()[0]["outcome"] == "pending confirmation"
    w.fake.clock = lambda: (NOW + timedelta(minutes=5)).timestamp()
    w.drain(NOW + timedelta(minutes=5))
    assert w.rows()[0]["outcome"] == "pending confirmation"  # still waiting: asked again later
    assert w.fake.live_articles() == []
    [msg_id] = w.fake.broadcasts
    return msg_id


def test_a_confirmed_broadcast_is_settled_as_posted_at_a_later_drain(make_world):
    w = make_world({"mode": "broadcast"})
    w.fake.confirm(_pending(w))
    report = w.drain(NOW + timedelta(minutes=6))
    [row] = w.rows()
    assert row["status"] == "sent" and row["outcome"] == "posted" and row["last_error"] is None, report.lines
    assert w.fake.live_articles() == []  # the broadcast is the article: nothing published besides


def test_an_open_broadcast_whose_stored_id_was_changed_is_held_not_followed_up(make_world):
    """A waiting row whose id has no valid mark (as when the state branch points it at another
    broadcast of the account that WeChat refused): following it up would publish the row's text.
    It is held for a person instead."""
    w = make_world({"mode": "broadcast"})
    msg_id = _pending(w)
    w.fake.refuse_broadcast(msg_id)
    with w.engine.begin() as conn:
        conn.execute(outbox.outbox.update().values(remote_id=f"broadcast:{msg_id}", remote_mac=None))
    report = w.drain(NOW + timedelta(minutes=6))
    [row] = w.rows()
    assert row["status"] == "unknown" and report.unknown == 1, w.said(report)
    assert "could not be proven ours" in row["last_error"] and f"outbox resolve {row['id']}" in row["last_error"]
    assert w.fake.live_articles() == []


@pytest.mark.parametrize("how", ["refused", "thirty minutes pass"])
def test_a_broadcast_not_confirmed_is_published_instead_once_and_never_broadcast_again(make_world, cli, how):
    w = make_world({"mode": "broadcast"})
    msg_id = _pending(w)
    if how == "refused":
        w.fake.refuse_broadcast(msg_id)
        later = NOW + timedelta(minutes=6)
    else:
        later = NOW + timedelta(minutes=31)
        w.fake.clock = lambda: later.timestamp()
    report = w.drain(later)
    [row] = w.rows()
    assert row["status"] == "sent" and row["outcome"] == "published instead", w.said(report)
    [published] = w.fake.live_articles()
    assert row["remote_id"].startswith("publish:") and published["article"]["title"] == json.loads(
        row["text"])["article"]["title"]
    assert "followers were not notified" in row["last_error"] and msg_id in row["last_error"]
    listing = cli("outbox", "-p", w.project).output
    assert "published instead" in listing and "followers were not notified" in listing
    status = cli("status", "-p", w.project, "--now", later.isoformat()).output
    assert "broadcast not confirmed; published instead, followers not notified" in status, status
    for hours in (1, 3):
        w.drain(NOW + timedelta(hours=hours))
    sendalls = [r for r in w.fake.requests if r["path"].endswith("mass/sendall")]
    assert len(sendalls) == 1 and len(w.fake.broadcasts) == 1 and len(w.fake.live_articles()) == 1


def test_a_withdrawal_after_publishing_instead_deletes_that_article(make_world):
    w = make_world({"mode": "broadcast"})
    w.fake.refuse_broadcast(_pending(w))
    w.drain(NOW + timedelta(minutes=6))
    w.edit_alert(r"^severity: critical", 'severity: critical\nwithdrawn: "误报"')
    later = NOW + timedelta(hours=1)
    w.enqueue(later)
    w.drain(later)
    titles = [a["article"]["title"] for a in w.fake.live_articles()]
    assert len(titles) == 1 and titles[0].startswith("ℹ️更正：")  # only the correction is left


def test_a_lost_answer_while_publishing_instead_holds_the_row_and_never_publishes_twice(make_world, cli):
    w = make_world({"mode": "broadcast"})
    w.fake.refuse_broadcast(_pending(w))
    w.fake.lose["freepublish/submit"] = 502
    report = w.drain(NOW + timedelta(minutes=6))
    [row] = w.rows()
    assert row["status"] == "unknown" and "outbox resolve" in row["last_error"], w.said(report)
    for hours in (1, 3):
        w.drain(NOW + timedelta(hours=hours))
    assert len(w.fake.live_articles()) == 1 and len(w.fake.broadcasts) == 1
    assert "publishing instead was interrupted" in cli("status", "-p", w.project, "--now", NOW.isoformat()).output


@pytest.mark.parametrize("hours", [1, 25])  # WeChat refuses a repeated clientmsgid only within 24 hours
def test_resolving_an_interrupted_publish_instead_as_not_posted_publishes_and_never_broadcasts(make_world, cli,
                                                                                                hours):
    """The broadcast was not confirmed and publishing instead lost its answer (it never took effect):
    a person finds nothing published and resolves the row as not posted. The article is published,
    once; followers never get a second mass broadcast, and the command says so."""
    w = make_world({"mode": "broadcast"})
    msg_id = _pending(w)
    w.fake.refuse_broadcast(msg_id)
    w.fake.drop["freepublish/submit"] = 502
    w.drain(NOW + timedelta(minutes=6))
    [row] = w.rows()
    assert row["status"] == "unknown" and row["outcome"] == "publishing instead" and w.fake.live_articles() == []
    later = NOW + timedelta(hours=hours)
    w.fake.clock = lambda: later.timestamp()
    result = cli("outbox", "resolve", str(row["id"]), "--not-posted", "-p", w.project, "--now", later.isoformat())
    assert result.exit_code == 0, result.output
    assert (f"row {row['id']} queued again: its article is published without notifying followers; broadcast "
            f"{msg_id} was made for it already, and alertcast never broadcasts a row twice") in result.output
    for minutes in (0, 10, 60):
        w.drain(later + timedelta(minutes=minutes))
    sendalls = [r for r in w.fake.requests if r["path"].endswith("mass/sendall")]
    assert len(sendalls) == 1 and list(w.fake.broadcasts) == [msg_id], sendalls
    [published] = w.fake.live_articles()
    [row] = w.rows()
    assert row["status"] == "sent" and row["remote_id"].startswith("publish:"), row
    assert published["article"]["title"] == json.loads(row["text"])["article"]["title"]


def test_a_refused_token_while_publishing_instead_is_tried_again_at_the_next_drain(make_world):
    w = make_world({"mode": "broadcast"})
    w.fake.refuse_broadcast(_pending(w))
    w.fake.refuse["draft/add"] = [45009]  # the day's API quota: nothing public was made
    w.drain(NOW + timedelta(minutes=6))
    [row] = w.rows()
    assert row["status"] == "sent" and row["outcome"] == "pending confirmation" and "45009" in row["last_error"]
    w.drain(NOW + timedelta(minutes=7))
    [row] = w.rows()
    assert row["outcome"] == "published instead" and len(w.fake.live_articles()) == 1


@pytest.mark.parametrize("cover,said", [("../outside.png", "is not a path inside the project"),
                                        ("/etc/passwd.png", "is not a path inside the project"),
                                        ("assets/cover.gif", "is not a JPG or PNG file")])
def test_check_names_the_mkdocs_line_of_a_cover_outside_the_project(make_world, cli, cover, said):
    w = make_world()
    path = w.project / "mkdocs.yml"
    text = path.read_text(encoding="utf-8").replace("cover: assets/wechat-cover.png", f"cover: {cover}")
    path.write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.strip().startswith("cover:"))
    out = cli("check", "-p", w.project).output
    assert f"mkdocs.yml:{line}:" in out and "channels.wechat.cover" in out and said in out, out
    assert "Traceback" not in out


def test_an_update_publishes_a_new_article_and_never_broadcasts(make_world):
    w = make_world({"mode": "broadcast"})
    w.critical()
    w.enqueue()
    w.drain()
    w.edit_alert(r"^updated_at: .*$", "updated_at: 2026-03-14T12:00:00+08:00")
    w.edit_alert(r"^update_note: .*$", 'update_note: "新增了识别方法。"')
    later = NOW + timedelta(hours=1)
    assert w.enqueue(later) == 1
    report = w.drain(later)
    assert report.sent == 1, report.lines
    update = w.rows()[-1]
    assert update["action"] == "update" and update["operation"] == "publish"
    assert len(w.fake.broadcasts) == 1 and len(w.fake.live_articles()) == 1
    assert w.fake.live_articles()[0]["article"]["digest"] == "新增了识别方法。"


def test_a_repeated_clientmsgid_without_the_broadcasts_id_is_held_never_sent_again(make_world):
    w = make_world({"mode": "broadcast"})
    w.critical()
    w.enqueue()
    w.fake.repeat_without_id = True
    w.fake.lose["message/mass/sendall"] = 502
    w.drain()
    report = w.drain(NOW + timedelta(hours=2))
    [row] = w.rows()
    assert row["status"] == "unknown" and "45065" in row["last_error"] and "outbox resolve" in row["last_error"]
    assert report.unknown == 1 and len(w.fake.broadcasts) == 1


def test_a_lost_answer_before_the_article_is_published_is_retried(make_world):
    w = make_world()
    w.enqueue()
    w.fake.lose["draft/add"] = 502
    first = w.drain()
    [row] = w.rows()
    assert first.retrying == 1 and row["status"] == "queued" and "nothing public" in row["last_error"]
    assert w.drain(NOW + timedelta(hours=2)).sent == 1
    assert len(w.fake.live_articles()) == 1


def test_a_publish_whose_answer_was_lost_is_found_among_the_published_articles(make_world):
    w = make_world()
    w.fake.clock = lambda: NOW.timestamp()
    w.enqueue()
    w.fake.lose["freepublish/submit"] = 502
    report = w.drain()
    [row] = w.rows()
    assert report.sent == 1 and row["status"] == "sent" and row["outcome"] == "found", w.said(report)
    [article] = w.fake.live_articles()
    assert row["remote_id"] == f"article:{article['article_id']}"
    w.drain(NOW + timedelta(hours=2))
    assert len(w.fake.live_articles()) == 1  # never published twice
    w.edit_alert(r"^severity: warning", 'severity: warning\nwithdrawn: "误报"')
    later = NOW + timedelta(hours=3)
    w.enqueue(later)
    w.drain(later)
    assert article["deleted"]  # the found article is the one a withdrawal deletes


def test_a_lost_publish_not_listed_yet_is_held_for_a_person(make_world):
    w = make_world()
    w.fake.clock = lambda: NOW.timestamp()
    w.enqueue()
    w.fake.publishing = True  # published, but not listed by freepublish/batchget yet
    w.fake.lose["freepublish/submit"] = 502
    report = w.drain()
    [row] = w.rows()
    assert report.unknown == 1 and row["status"] == "unknown" and "outbox resolve" in row["last_error"]
    assert "latest published articles" in row["last_error"]
    w.fake.publishing = False
    w.drain(NOW + timedelta(hours=2))
    assert len(w.fake.published) == 1  # never published twice


def test_an_older_article_with_the_same_title_is_not_taken_for_a_lost_publish(make_world):
    w = make_world()
    w.fake.clock = lambda: (NOW - timedelta(days=1)).timestamp()
    w.enqueue()
    article = json.loads(w.rows()[0]["text"])["article"]
    w.fake.published["old"] = {"article_id": "ART_old", "article": article, "deleted": False,  # yesterday's
                             "at": int(w.fake.clock()), "done": True}
    w.fake.clock = lambda: NOW.timestamp()
    w.fake.publishing = True
    w.fake.lose["freepublish/submit"] = 502
    w.drain()
    [row] = w.rows()
    assert row["status"] == "unknown" and row["remote_id"] != "article:ART_old"
    assert any(r["path"].endswith("freepublish/batchget") for r in w.fake.requests)  # looked, and passed it by
