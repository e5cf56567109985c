"""The `weibo` channel: Weibo's length rule, its check rules, and `2/statuses/share` driven through
the outbox and dispatcher against a local fake that answers as Weibo's API documentation says."""

from __future__ import annotations

import json
import random
import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from alertcast.broadcast import outbox
from alertcast.broadcast.dispatcher import Dispatcher
from alertcast.plan import Plan
from alertcast.problems import ContentError
from alertcast.render import length, posts, weibo
from alertcast.state import open_store
from conftest import NOW
from fakes.weibo import FakeWeibo
from social_support import ChannelWorld, route_alert_to, world_fixture

ALERT = "live-phishing"
TOKEN = "2.00WEIBO-SECRET-TOKEN-7f3a9c"
RIP = "117.50.1.20"


class World(ChannelWorld):
    def __init__(self, project: Path, tmp_path: Path, extra: dict | None = None):
        self.project = project
        self.fake = FakeWeibo(token=TOKEN)
        self.env = {"TEST_WEIBO_TOKEN": TOKEN}
        path = project / "mkdocs.yml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        raw["extra"]["alertcast"]["channels"] = {"weibo": {
            "base_url": self.fake.url, "safe_domain": "fixture.example", "rip": RIP,
            "token_env": "TEST_WEIBO_TOKEN", "max_tries": 3, **(extra or {})}}
        path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
        route_alert_to(project, ALERT, ["weibo"])
        self.engine = open_store(f"sqlite:///{tmp_path / 'state.db'}")
        try:
            self.reload()
        except ContentError:  # a test of a bad setting: `alertcast check` says what is wrong
            pass

    def everything_said(self, report) -> str:
        return json.dumps([self.rows(), report.lines], default=str, ensure_ascii=False)

    def find_alert(self, alert_id=ALERT):
        return next(a for a in self.content.alerts if a.id == alert_id)


make_world = world_fixture(World)


# -- the length rule ----------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("", 0),
    ("钓鱼网站冒充钱包", 8),  # a Chinese character is one
    ("ab", 1), ("abc", 2),  # two Latin characters are one, and a half rounds up
    ("我司CEO与我司吉祥物...好大一坨！", 16),
    ("one two 🀂一二三四五🀀", 13),  # 8 halves, 2, 5, 2
    ("🚨", 2),  # outside the BMP: two UTF-16 units, two characters
    ("é", 1),  # U+00E9 is a half, rounded up
    ("https://help.fixture.example/alerts/live-phishing/", 10),  # a link is a t.cn link: 20 halves
    ("见 https://help.fixture.example/alerts/live-phishing/ 。", 13),  # 1 + (1 + 20 + 1 halves) + 1
    ("https://help.fixture.example/" + "a" * 150, 10 + (29 + 150 - 140 + 1) // 2),  # over 140 halves: the rest counts
])
def test_weibo_counts_as_weibo_does(text, expected):
    assert weibo.count(text) == expected
    assert length.count("weibo", text) == expected


def test_140_chinese_characters_fit_and_141_do_not():
    rule = length.RULES["weibo"]
    assert rule.limit == 140
    assert rule.count("好" * 140) == 140 and rule.count("好" * 141) == 141
    assert rule.count("a" * 280) == 140 and rule.count("a" * 281) == 141


def test_topics_are_text_between_two_number_signs():
    assert weibo.topics("#防诈骗# 小心") == ["#防诈骗#"]
    assert weibo.topics("#钓鱼网站 #防诈骗") == ["#钓鱼网站 #"]  # X-style tags make a topic on Weibo
    assert weibo.topics("一个 # 号") == []


# -- rendering, preview, check -----------------------------------------------------------

def test_the_post_is_chinese_without_topics_and_links_to_the_alert(make_world):
    w = make_world()
    post = posts.render(w.find_alert(), w.config, "weibo", "post")
    assert post.lang == "zh" and post.limit == 140 and post.fits and not post.truncated
    assert "#" not in post.text
    assert post.text.splitlines()[0] == "⚠️ 钓鱼网站冒充钱包"
    assert post.text.endswith("https://help.fixture.example/alerts/live-phishing/")
    assert post.length == weibo.count(post.text)


def test_posts_preview_shows_the_exact_chinese_text_with_its_weibo_length(make_world, cli):
    w = make_world()
    post = posts.render(w.find_alert(), w.config, "weibo", "post")
    result = cli("posts", "preview", ALERT, "-p", w.project, "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    out = result.output
    assert (f"-- weibo [zh] post: {post.length}/140 characters (half-width letters, digits, spaces and signs count half, "
            "links 10) ok") in out, out
    for line in post.text.split("\n"):
        assert f"   | {line}" in out
    assert "   | 骗子搭建与官网几乎相同的网站，诱导用户输入助记词。" in out


def test_check_refuses_a_weibo_post_over_140_with_file_and_line(make_world, cli):
    w = make_world()
    path = w.project / "content" / "alerts" / f"{ALERT}.zh.md"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^summary: .*$", 'summary: "' + "千万不要在这个网站输入你的助记词。" * 9 + '"', text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")
    result = cli("check", "-p", w.project)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if "weibo" in line]
    assert lines and lines[0].startswith(f"content/alerts/{ALERT}.zh.md:3:1: error: the weibo post is "), lines
    assert "as Weibo counts: characters, half-width letters, digits, spaces and signs count half, links 10" in lines[0]
    assert not [line for line in lines if ".en.md" in line]  # Weibo posts the Chinese text only
    assert "Traceback" not in result.output


def test_check_refuses_a_topic_in_the_weibo_post(make_world, cli):
    w = make_world()
    path = w.project / "content" / "alerts" / f"{ALERT}.zh.md"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^summary: .*$", 'summary: "#防诈骗# 骗子搭建与官网几乎相同的网站。"', text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")
    result = cli("check", "-p", w.project)
    assert result.exit_code != 0
    assert (f"content/alerts/{ALERT}.zh.md:3:1: error: the weibo post has the topic #防诈骗#, and Weibo's share "
            "API refuses a post with a #topic#") in result.output, result.output


def test_check_refuses_a_project_template_that_drops_the_link(make_world, cli):
    w = make_world()
    folder = w.project / "templates" / "posts"
    folder.mkdir(parents=True)
    (folder / "weibo.j2").write_text("{{ marker }} {{ title }}\n{{ summary }}\n", encoding="utf-8")
    result = cli("check", "-p", w.project)
    assert result.exit_code != 0
    assert (f"content/alerts/{ALERT}.zh.md:9:1: error: the weibo post links to nothing on the safe domain "
            "fixture.example, and Weibo refuses it (keep {{ link }} in templates/posts/weibo.j2)") in result.output
    assert "Traceback" not in result.output


def test_check_refuses_a_site_url_off_the_safe_domain_naming_the_line(make_world, cli):
    w = make_world({"safe_domain": "other.example"})
    result = cli("check", "-p", w.project)
    assert result.exit_code != 0
    out = result.output
    [line] = [line for line in out.splitlines() if "safe_domain" in line]
    assert line.startswith("mkdocs.yml:")
    assert ("'channels.weibo.safe_domain': site_url https://help.fixture.example/ is not on the safe domain "
            "other.example") in line
    assert "Traceback" not in out


@pytest.mark.parametrize("extra,said", [
    ({"rip": "192.168.1.10"}, "192.168.1.10 is not a public IP address"),
    ({"rip": "my server"}, "'my server' is not an IP address"),
    ({"rip": None}, "'channels.weibo.rip' is required"),
    ({"hashtags": {"phishing": ["#防诈骗"]}}, "Weibo's share API refuses a post with a #topic#"),
])
def test_check_names_the_line_of_a_bad_weibo_setting(make_world, cli, extra, said):
    w = make_world({k: v for k, v in extra.items() if v is not None})
    if extra.get("rip", "") is None:
        path = w.project / "mkdocs.yml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        del raw["extra"]["alertcast"]["channels"]["weibo"]["rip"]
        path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = cli("check", "-p", w.project)
    assert result.exit_code != 0
    assert said in result.output and "mkdocs.yml:" in result.output, result.output
    assert "Traceback" not in result.output


# -- sending -----------------------------------------------------------------------------

def test_one_post_with_text_rip_and_token_as_documented(make_world):
    w = make_world()
    assert w.enqueue() == 1
    report = w.drain()
    assert report.sent == 1, report.lines
    [row] = w.rows()
    assert row["status"] == "sent" and row["outcome"] == "posted"
    [(sid, post)] = w.fake.posts.items()
    assert row["remote_id"] == sid and post["text"] == row["text"] and post["rip"] == RIP
    [req] = [r for r in w.fake.requests if r["path"] == "/2/statuses/share.json"]
    assert req["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert req["headers"]["authorization"] == f"OAuth2 {TOKEN}"  # never in the URL or the body
    assert TOKEN not in req["target"] and TOKEN not in req["raw"].decode()
    assert w.drain(NOW + timedelta(hours=1)).sent == 0 and len(w.fake.posts) == 1


def test_without_a_token_the_channel_is_only_previewed(make_world):
    w = make_world()
    w.env = {}
    w.reload()
    w.enqueue()
    report = w.drain()
    assert report.dry_run == 1 and w.fake.posts == {} and w.rows()[0]["status"] == "previewed"


@pytest.mark.parametrize("code,error", [(21327, "expired_token"), (21332, "invalid_access_token"),
                                        (21315, "Token expired")])
def test_an_expired_token_fails_saying_to_renew_it_without_leaking_it(make_world, code, error):
    w = make_world()
    w.fake.fail_next_code(401 if code != 21315 else 400, code, error)
    w.enqueue()
    report = w.drain()
    [row] = w.rows()
    assert row["status"] == "failed" and report.failed == 1
    assert f"(error {code}): renew it" in row["last_error"] and "TEST_WEIBO_TOKEN" in row["last_error"]
    assert TOKEN not in w.everything_said(report) and w.fake.posts == {}


def test_a_token_weibo_has_expired_is_refused_by_the_fake_as_documented(make_world):
    w = make_world()
    w.fake.expired.add(TOKEN)
    w.enqueue()
    w.drain()
    [row] = w.rows()
    assert row["status"] == "failed" and "the access token has expired (expired_token) (error 21327)" in row["last_error"]


@pytest.mark.parametrize("code", [10023, 10024, 10022, 20016])
def test_a_rate_limit_pauses_the_channel_for_an_hour_then_posts_once(make_world, code):
    w = make_world()
    w.fake.fail_next_code(403 if code != 20016 else 400, code, "out of rate limit")
    w.enqueue()
    report = w.drain()
    assert report.retrying == 1, report.lines
    [row] = w.rows()
    assert (outbox.as_utc(row["due_at"]) - NOW).total_seconds() == 3600
    assert w.drain(NOW + timedelta(minutes=30)).sent == 0 and w.fake.posts == {}
    assert w.drain(NOW + timedelta(hours=1)).sent == 1 and len(w.fake.posts) == 1


@pytest.mark.parametrize("code", [None, 20017, 20111, 20032])
def test_a_repeat_refusal_is_looked_up_and_found_never_posted_again(make_world, code):
    """Weibo already has the text (an earlier attempt whose answer was lost): the share is
    refused as a repeat (20019 from the fake itself, or another documented code), and the
    dispatcher finds the post in the timeline, where Weibo shows its link as a t.cn link, and
    marks the row sent with that post's id."""
    w = make_world()
    w.enqueue()
    [row] = w.rows()
    w.fake.posts["777"] = {"text": row["text"], "rip": RIP}
    if code:
        w.fake.fail_next_code(400, code, "repeated content")
    report = w.drain()
    [row] = w.rows()
    assert row["status"] == "sent" and row["outcome"] == "found" and row["remote_id"] == "777", report.lines
    assert list(w.fake.posts) == ["777"]
    assert any(r["path"] == "/2/statuses/user_timeline.json" for r in w.fake.requests)


def test_a_repeat_refusal_not_found_in_the_timeline_is_held_for_a_person(make_world):
    w = make_world()
    w.enqueue()
    w.fake.fail_next_code(400, 20019, "Repeated weibo text!")
    report = w.drain()
    [row] = w.rows()
    assert row["status"] == "unknown" and report.unknown == 1
    assert "the same text was already posted (error 20019)" in row["last_error"]
    assert "not among the account's recent posts" in row["last_error"] and "outbox resolve" in row["last_error"]
    assert w.drain(NOW + timedelta(days=1)).sent == 0 and w.fake.posts == {}


def test_an_update_is_a_new_post_and_a_withdrawal_destroys_every_post(make_world):
    w = make_world()
    w.enqueue()
    w.drain()
    w.edit_alert(r"^updated_at: .*$", "updated_at: 2026-03-15T00:05:00+08:00")
    w.edit_alert(r'^update_note: .*$', 'update_note: "又发现了一个仿冒域名。"')
    later = NOW + timedelta(minutes=10)
    assert w.enqueue(later) == 1
    w.drain(later)
    update = [r for r in w.rows() if r["action"] == "update"][0]
    assert update["status"] == "sent" and update["outcome"] == "correction", update["last_error"]
    assert "又发现了一个仿冒域名。" in w.fake.posts[update["remote_id"]]["text"]
    assert len(w.fake.live_posts()) == 2  # Weibo cannot edit: the update is a post of its own
    w.edit_alert(r"^publish_at:", 'withdrawn: "经核实，该网站是我们的官方网站。"\npublish_at:')
    assert w.enqueue(later) == 1
    report = w.drain(later)
    withdraw = [r for r in w.rows() if r["action"] == "withdraw"][0]
    assert withdraw["status"] == "sent" and withdraw["outcome"] == "deleted", report.lines
    assert w.fake.live_posts() == [] and sorted(w.fake.deleted) == sorted(w.fake.posts)
    destroys = [r for r in w.fake.requests if r["path"] == "/2/statuses/destroy.json"]
    assert len(destroys) == 2


def test_a_post_already_destroyed_counts_as_deleted(make_world):
    """A second delete (after an unknown outcome) is answered 20101, target weibo does not exist:
    what a delete wants."""
    w = make_world()
    w.enqueue()
    w.drain()
    [row] = w.rows()
    w.fake.deleted.append(row["remote_id"])  # deleted by hand on weibo.com
    w.edit_alert(r"^publish_at:", 'withdrawn: "经核实，该网站是我们的官方网站。"\npublish_at:')
    later = NOW + timedelta(minutes=10)
    assert w.enqueue(later) == 1
    w.drain(later)
    withdraw = [r for r in w.rows() if r["action"] == "withdraw"][0]
    assert withdraw["status"] == "sent" and withdraw["outcome"] == "deleted", withdraw["last_error"]


def test_a_lost_answer_is_looked_up_and_found_never_posted_twice(make_world):
    w = make_world()
    w.enqueue()
    w.fake.fail_next(("after", 502))
    report = w.drain()
    [row] = w.rows()
    assert row["status"] == "sent" and row["outcome"] == "found", report.lines
    assert len(w.fake.posts) == 1 and row["remote_id"] in w.fake.posts


def test_a_system_error_before_the_post_is_retried_after_a_lookup(make_world):
    w = make_world()
    w.enqueue()
    w.fake.fail_next(("status", 500))
    w.drain()
    [row] = w.rows()
    assert row["status"] == "queued" and "not found by lookup" in row["last_error"]
    w.drain(NOW + timedelta(hours=2))
    [row] = w.rows()
    assert row["status"] == "sent" and len(w.fake.posts) == 1


def test_an_error_that_quotes_the_request_leaks_no_token(make_world, caplog):
    """A proxy's error page that echoes the request (the token is a form field) is stored and
    logged redacted, and urllib3's debug log holds no token either."""
    caplog.set_level("DEBUG")
    w = make_world()
    w.fake.fail_next(("echo", 400))
    w.enqueue()
    report = w.drain()
    [row] = w.rows()
    assert row["status"] == "failed" and "upstream failed for POST" in row["last_error"]
    assert "[REDACTED]" in row["last_error"]
    said = w.everything_said(report) + caplog.text
    assert TOKEN not in said and TOKEN.replace(".", "%2E") not in said


def test_a_lookup_sends_the_token_nowhere_it_is_logged(make_world, caplog):
    caplog.set_level("DEBUG")
    w = make_world()
    w.enqueue()
    w.fake.fail_next(("after", 502))
    report = w.drain()
    assert any(r["path"] == "/2/statuses/user_timeline.json" for r in w.fake.requests)
    assert TOKEN not in w.everything_said(report) + caplog.text


def test_a_row_changed_in_the_state_store_is_held_not_posted(make_world):
    from sqlalchemy import update

    w = make_world()
    w.enqueue()
    with w.engine.begin() as conn:
        conn.execute(update(outbox.outbox).values(text="⚠️ 请访问 https://help.fixture.example/ 领取空投"))
    report = w.drain()
    assert report.held == 1 and w.rows()[0]["status"] == "held" and w.fake.posts == {}


def test_sigkill_during_a_send_never_posts_twice(make_world):
    """The real `alertcast outbox drain` is killed (SIGKILL) while Weibo holds the share (it
    arrived and took effect; the answer had not gone back), then a new dispatcher recovers: it
    finds the post in the timeline and never posts it again."""
    import os
    import signal
    import subprocess
    import sys

    from test_outbox_crash import SRC, ZYGOTE, _wait

    w = make_world()
    engine = None
    db = w.project / ".alertcast" / "state.db"
    zygote = subprocess.Popen([sys.executable, "-c", ZYGOTE, "weibo"], env={**os.environ, **w.env, "PYTHONPATH": str(SRC)},
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    args = "\t".join(["outbox", "drain", "-p", str(w.project), "--no-enqueue", "--now", NOW.isoformat(), "--lease", "0"])
    outcomes = []
    try:
        for run in range(4):
            w.fake.reset()
            w.fake.delay_before, w.fake.delay = 0.02, 0.3
            if engine is not None:
                engine.dispose()
            for path in db.parent.glob("state.db*"):
                path.unlink()
            engine = open_store(w.config.settings.state_url, w.config.root)
            assert outbox.enqueue(engine, Plan.at(w.content, NOW), w.config) == 1
            zygote.stdin.write(args + "\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline())
            assert _wait(lambda: w.fake.in_flight > 0, 30), (run, w.fake.requests)
            os.kill(pid, signal.SIGKILL)
            assert int(zygote.stdout.readline()) == signal.SIGKILL  # killed, not finished
            assert _wait(lambda: w.fake.in_flight == 0, 5)
            w.fake.delay_before = w.fake.delay = 0.0
            recovery = Dispatcher(engine, w.config, env=w.env, rng=random.Random(run), lease_seconds=0)
            for minutes in (10, 20, 40):
                recovery.drain(NOW + timedelta(minutes=minutes))
            [row] = outbox.rows(engine)
            outcomes.append((row["status"], row["outcome"], len(w.fake.posts)))
            assert len(w.fake.posts) == 1, (run, w.fake.posts)
            assert row["status"] == "sent" and row["outcome"] == "found", (run, row)
    finally:
        zygote.stdin.close()
        zygote.wait(timeout=30)
        if engine is not None:
            engine.dispose()
    print("weibo SIGKILL runs (row status, outcome, posts on Weibo):", outcomes)


def test_report_shows_the_weibo_post_with_its_weibo_length_and_what_a_withdrawal_does(make_world, cli):
    w = make_world()
    w.commit()  # the base `report --base HEAD` compares with
    w.edit_alert(r"^publish_at:", 'withdrawn: "经核实，该网站是我们的官方网站。"\npublish_at:')
    post = posts.render(w.find_alert(), w.config, "weibo", "withdraw")
    result = cli("report", str(w.project), "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    assert f"-- weibo [zh] withdraw: {post.length}/140 characters" in result.output, result.output
    assert "      | ℹ️ 【已撤回】钓鱼网站冒充钱包" in result.output
    assert "      | 经核实，该网站是我们的官方网站。" in result.output


def test_the_docs_name_every_weibo_setting():
    docs = (Path(__file__).resolve().parents[1] / "docs" / "social.md").read_text(encoding="utf-8")
    section = docs.split("### Weibo", 1)[1].split("\n### ", 1)[0]
    from alertcast.config import WeiboKeys, _ChannelKeys

    for key in set(WeiboKeys.model_fields) - set(_ChannelKeys.model_fields):
        assert f"`{key}`" in docs, key
    for code in ("21327", "21332", "10023", "20019", "20101"):
        assert code in docs, code
    assert "140" in section and "安全域名" in section


def test_the_starter_content_posts_chinese_alerts_to_weibo_within_140(bundled):
    from alertcast.config import load_config
    from alertcast.checks.load import load_or_raise

    config = load_config(bundled)
    assert "weibo" in config.enabled_channels
    content = load_or_raise(config)
    on_weibo = [a for a in content.alerts if "weibo" in a.channels]
    assert len(on_weibo) >= 5 and any(a.id == "fake-support-x-wechat" for a in on_weibo)
    for alert in on_weibo:
        post = posts.render(alert, config, "weibo", "post")
        assert post.lang == "zh" and post.fits and not post.truncated, (alert.id, post.length)
        assert not weibo.topics(post.text) and weibo.on_domain(post.link, "alertcast.example")


def test_a_token_file_renewed_while_running_is_used_without_a_restart(make_world, tmp_path, caplog):
    caplog.set_level("DEBUG")
    token_file = tmp_path / "weibo-token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    w = make_world({"token_file": str(token_file)})
    w.env = {}  # no variable: the file alone
    w.reload()
    w.enqueue()
    assert w.drain().sent == 1
    renewed = "2.00RENEWED-WEIBO-TOKEN-5e6f"
    w.fake.token = renewed  # Weibo takes only the new token now
    w.fake.expired.add(TOKEN)
    token_file.write_text(renewed + "\n", encoding="utf-8")
    w.edit_alert(r"^updated_at: .*$", "updated_at: 2026-03-15T00:05:00+08:00")
    later = NOW + timedelta(minutes=10)
    assert w.enqueue(later) == 1
    report = w.drain(later)  # the same dispatcher: no restart
    assert report.sent == 1, report.lines
    assert w.fake.requests[-1]["headers"]["authorization"] == f"OAuth2 {renewed}"
    said = w.everything_said(report) + caplog.text
    assert TOKEN not in said and renewed not in said


def test_a_missing_token_file_is_a_clear_problem_not_a_dry_run(make_world, tmp_path, cli):
    w = make_world({"token_file": str(tmp_path / "nowhere")})
    w.enqueue()
    report = w.drain()
    [line] = report.lines
    assert "cannot read the token file" in line and "nowhere" in line and "Traceback" not in line
    assert w.rows()[0]["status"] == "queued" and w.fake.posts == {}
    relative = make_world({"token_file": "weibo-token"})
    result = cli("check", "-p", relative.project)
    assert "'weibo-token' is not an absolute path" in result.output and result.exit_code != 0
