"""A test or exercise alert (`status: test|exercise`) is in no public output at any moment:
the site, feeds, banners, indicators, the help API, the knowledge base, the maintenance calendar
and official.json, in every language, are byte for byte what they are without it; CAP carries it,
marked Test or Exercise, with no link to a page that does not exist. Team robots get no heads-up
of it; its posts go only to test targets, marked as a test."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from lxml import etree

from alertcast.broadcast import outbox

from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.pipeline import render_outputs
from alertcast.plan import Plan
from alertcast.render import posts, push
from alertcast.render.site import content_dates, stage
from alertcast.state import open_store

from conftest import CST

DRILL = "drill-phishing"
PUBLISH = datetime(2026, 3, 10, 9, 0, tzinfo=CST)
UPDATE = datetime(2026, 3, 12, 9, 0, tzinfo=CST)
EXPIRE = datetime(2026, 3, 20, 9, 0, tzinfo=CST)
INSTANTS = [
    datetime(2026, 3, 10, 8, 59, 59, tzinfo=CST),  # before publish_at
    PUBLISH,                                        # the second it is published
    datetime(2026, 3, 11, 0, 0, tzinfo=CST),        # live, before its update
    UPDATE,                                         # updated
    datetime(2026, 3, 15, 0, 0, tzinfo=CST),        # the fixture's NOW: others live, expired, withdrawn
    EXPIRE,                                         # expired
    datetime(2026, 4, 1, 9, 0, tzinfo=CST),         # when the fixture's scheduled alert publishes
]
CAP_STATUS = {"test": "Test", "exercise": "Exercise"}


def write_drill(project: Path, status: str, withdrawn: bool = False, channels: str = "banner, cap",
                category: str = "phishing", window: str = "") -> None:
    """A test alert with everything a public output could show: banner, CAP, indicators, an update
    (and, given a `window`, a maintenance window for the calendar)."""
    for lang, title, summary, note in (("zh", "演练：假冒钱包网站", "演练用的摘要，不是真的。", "演练更新。"),
                                       ("en", "Drill: fake wallet site", "A drill summary, not a real one.",
                                        "A drill update.")):
        reason = f'withdrawn: "{"演练撤回。" if lang == "zh" else "Drill withdrawal."}"\n' if withdrawn else ""
        updated = "2026-03-14T09:00:00+08:00" if withdrawn else UPDATE.isoformat()
        (project / "content" / "alerts" / f"{DRILL}.{lang}.md").write_text(f"""---
title: "{title}"
summary: "{summary}"
severity: critical
category: {category}
status: {status}
publish_at: {PUBLISH.isoformat()}
expires_at: {EXPIRE.isoformat()}
{window}
updates:
  - at: {UPDATE.isoformat()}
    note: "{note}"
{"updated_at: " + updated if withdrawn else ""}
{reason}channels: [{channels}]
scam_indicators:
  domains: [drill-only-domain.example]
---

## Details

{summary}
""", encoding="utf-8")


def without_drill(content):
    return dataclasses.replace(content, alerts=tuple(a for a in content.alerts if a.id != DRILL))


def staged(plan: Plan, config, tmp_path: Path, name: str) -> dict[str, bytes]:
    out = {}
    for lang in config.languages:
        docs = tmp_path / name / lang
        stage(plan, config, lang, docs)
        out.update({f"{lang}/{p.relative_to(docs)}": p.read_bytes() for p in sorted(docs.rglob("*")) if p.is_file()})
        out[f"{lang}/dates"] = repr(sorted(content_dates(plan, config, lang).items())).encode()
    return out


@pytest.mark.parametrize("status", ["test", "exercise"])
@pytest.mark.parametrize("withdrawn", [False, True], ids=["standing", "withdrawn"])
@pytest.mark.parametrize("now", INSTANTS, ids=lambda t: t.strftime("%m%dT%H%M%S"))
def test_a_test_alert_changes_no_public_output(project, tmp_path, status, withdrawn, now):
    write_drill(project, status, withdrawn)
    config = load_config(project)
    content = load_or_raise(config)
    drill = content.alert(DRILL)
    assert drill.status == status and not drill.is_public
    plan, bare = Plan.at(content, now), Plan.at(without_drill(content), now)

    with_it, without = render_outputs(plan, config), render_outputs(bare, config)
    drill_cap = {p for p in with_it if p.startswith(f"cap/{DRILL}.")}
    public = {p: b for p, b in with_it.items() if p not in drill_cap and p != "cap/index.atom"}
    assert public == {p: b for p, b in without.items() if p != "cap/index.atom"}
    assert staged(plan, config, tmp_path, "with") == staged(bare, config, tmp_path, "without")
    assert DRILL not in {a.id for a in plan.published + plan.live + plan.scheduled}
    assert not plan.is_public(DRILL)
    for data in public.values():
        assert b"drill-only-domain" not in data and DRILL.encode() not in data

    # CAP carries it from publish_at on, never as Actual, never linking to a page.
    assert bool(drill_cap) == (now >= PUBLISH)
    for path in drill_cap:
        doc = etree.fromstring(with_it[path])
        ns = {"c": "urn:oasis:names:tc:emergency:cap:1.2"}
        assert doc.findtext("c:status", namespaces=ns) == CAP_STATUS[status]
        assert doc.find(".//c:web", namespaces=ns) is None


#: A maintenance window of the drill, between its update and its expiry.
WINDOW_START = datetime(2026, 3, 16, 1, 0, tzinfo=CST)
WINDOW = f"starts_at: {WINDOW_START.isoformat()}\nends_at: {datetime(2026, 3, 16, 3, 0, tzinfo=CST).isoformat()}"
TEAM = "wecom, dingtalk, feishu, weibo, wechat, telegram"


def bundled_with_hant(bundled: Path) -> Path:
    """The bundled project (FAQ, guides, official channels, Verify page) with zh-Hant beside zh
    and en, and every new channel configured with a test target."""
    path = bundled / "mkdocs.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("languages: [zh, en]", "languages: [zh, en, zh-Hant]"),
                    encoding="utf-8")
    official = bundled / "content" / "official-channels.yml"
    listed = yaml.safe_load(official.read_text(encoding="utf-8"))
    for channel in listed["channels"]:
        channel["for"]["zh-Hant"] = channel["for"]["zh"]
    official.write_text(yaml.safe_dump(listed, allow_unicode=True, sort_keys=False), encoding="utf-8")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["channels"] = {
        "telegram": {"chat_id": "@wallet", "test": {"chat_id": "@wallet_drills"}},
        "weibo": {"safe_domain": raw["site_url"].split("/")[2], "rip": "117.50.1.20",
                  "test": {"token_env": "DRILL_WEIBO_TOKEN"}},
        "wechat": {"app_id": "wx0123456789abcdef", "cover": "assets/cover.png", "test": {"app_id": "wxdrills"}},
        **{name: {"test": {"webhook_env": f"DRILL_{name.upper()}_URL"}} for name in ("wecom", "dingtalk", "feishu")},
    }
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return bundled


def output_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("status, now", [("test", PUBLISH), ("exercise", UPDATE),
                                         ("test", datetime(2026, 3, 16, 2, 0, tzinfo=CST))],
                         ids=["published", "updated", "in-its-window"])
def test_a_maintenance_test_alert_leaves_every_file_of_a_build_as_it_was(bundled, tmp_path, status, now):
    """The whole output folder of a build (site, feeds, banners, help API, knowledge base,
    calendar, official.json, indicators; zh, en and zh-Hant) is byte for byte the build without
    the drill, but for the drill's own CAP messages and their entries in the CAP index."""
    from alertcast.pipeline import build

    project = bundled_with_hant(bundled)
    config = load_config(project)
    assert "zh-Hant" in config.languages
    without = output_files(build(config, now, tmp_path / "without", signing_key=None).output)
    write_drill(project, status, channels=f"banner, cap, {TEAM}", category="maintenance", window=WINDOW)
    config = load_config(project)
    assert load_or_raise(config).alert(DRILL).starts_at == WINDOW_START
    with_it = output_files(build(config, now, tmp_path / "with", signing_key=None).output)

    own = {p for p in with_it if p.startswith(f"cap/{DRILL}.")}
    assert own and not own & set(without)
    index = "cap/index.atom"
    assert {p: b for p, b in with_it.items() if p not in own | {index}} == {
        p: b for p, b in without.items() if p != index}
    for folder in ("api/v1/help/", "api/v1/kb/", "calendar/", "api/v1/official.json", "zh-Hant/"):
        assert any(p.startswith(folder) for p in with_it), folder
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = {e.findtext("a:id", namespaces=ns): etree.tostring(e) for e in
               etree.fromstring(with_it[index]).findall("a:entry", ns)}
    before = {e.findtext("a:id", namespaces=ns): etree.tostring(e) for e in
              etree.fromstring(without[index]).findall("a:entry", ns)}
    assert {k: v for k, v in entries.items() if DRILL not in v.decode()} == before


def test_team_robots_get_no_heads_up_of_a_test_alert(project, tmp_path):
    """A heads-up tells agents a warning is coming: a drill never comes, so none is queued."""
    write_drill(project, "test", channels="banner, cap, wecom, dingtalk, feishu")
    path = project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["channels"] = {
        name: {"heads_up_minutes": 10080, "test": {"webhook_env": f"DRILL_{name.upper()}_URL"}}
        for name in ("wecom", "dingtalk", "feishu")}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    config = load_config(project)
    content = load_or_raise(config)
    engine = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    for now in INSTANTS:
        outbox.enqueue(engine, Plan.at(content, now), config)
    assert DRILL not in {row["alert_id"] for row in outbox.rows(engine)}
    actual = dataclasses.replace(content, alerts=tuple(
        dataclasses.replace(a, status="actual") if a.id == DRILL else a for a in content.alerts))
    outbox.enqueue(engine, Plan.at(actual, INSTANTS[0]), config)  # the same alert, actual: its heads-up goes
    assert {(r["alert_id"], r["action"]) for r in outbox.rows(engine)} >= {(DRILL, "headsup")}
    engine.dispose()


def test_status_defaults_to_actual_and_refuses_others(project, cli):
    config = load_config(project)
    assert all(a.status == "actual" and a.is_public for a in load_or_raise(config).alerts)
    write_drill(project, "rehearsal")
    result = cli("check", "-p", project)
    assert result.exit_code == 1
    assert f"content/alerts/{DRILL}.zh.md:6:" in result.output and "status" in result.output


def set_test_target(project: Path, channel: str, target: dict | None) -> None:
    path = project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["channels"][channel]["test"] = target
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize("status", ["test", "exercise"])
def test_check_refuses_a_test_alert_on_a_channel_without_a_test_target(project, cli, status):
    write_drill(project, status, channels="banner, cap, mastodon, telegram")
    set_test_target(project, "mastodon", {"token_env": "DRILL_MASTODON_TOKEN"})
    result = cli("check", "-p", project)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "no test target" in line]
    # once per language file, at telegram in its channels line (mastodon has a target)
    expected = []
    for lang in ("en", "zh"):
        text = (project / "content" / "alerts" / f"{DRILL}.{lang}.md").read_text(encoding="utf-8").split("\n")
        line = next(i for i, t in enumerate(text, 1) if t.startswith("channels:"))
        expected.append(f"content/alerts/{DRILL}.{lang}.md:{line}:{text[line - 1].index('telegram') + 1}")
    assert sorted(line.split(": error")[0] for line in lines) == expected
    assert all("'telegram'" in line and f"status {status}" in line and "channels.telegram.test" in line
               for line in lines)

    set_test_target(project, "telegram", {"chat_id": "@fixture_drills"})
    result = cli("check", "-p", project)
    assert result.exit_code == 0, result.output
    assert "test target" not in result.output


@pytest.mark.parametrize("channel, target, shared", [
    ("telegram", {"chat_id": "@fixture"}, "chat @fixture"),
    ("telegram", {"token_env": "OTHER_BOT"}, "chat @fixture"),  # another bot, the same chat
    ("mastodon", {"visibility": "unlisted"}, "the account of FIXTURE_MASTODON_TOKEN"),
])
def test_a_test_target_that_posts_where_the_channel_does_is_refused(project, cli, channel, target, shared):
    set_test_target(project, channel, target)
    result = cli("check", "-p", project)
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if "test target" in line)
    assert line.startswith("mkdocs.yml:") and shared in line and f"channels.{channel}.test" in line


@pytest.mark.parametrize("channel, settings, target, shared", [
    ("weibo", {"safe_domain": "fixture.example", "rip": "117.50.1.20"}, {"rip": "117.50.1.21"},
     "the account of WEIBO_ACCESS_TOKEN"),
    ("weibo", {"safe_domain": "fixture.example", "rip": "117.50.1.20", "token_file": "/etc/alertcast/weibo"},
     {"token_env": "DRILL_WEIBO_TOKEN"}, "the account of /etc/alertcast/weibo"),  # the file is read first
    ("wechat", {"app_id": "wx0123456789abcdef", "cover": "assets/cover.png"}, {"secret_env": "DRILL_SECRET"},
     "the Official Account wx0123456789abcdef"),
    ("wecom", {}, {"heads_up_minutes": 0}, "the webhook in WECOM_WEBHOOK_URL"),
    ("dingtalk", {}, {"secret_env": "DRILL_SECRET"}, "the webhook in DINGTALK_WEBHOOK_URL"),
    ("feishu", {"webhook_env": "TEAM_HOOK"}, {"secret_env": "DRILL_SECRET"}, "the webhook in TEAM_HOOK"),
])
def test_a_test_target_of_a_new_channel_that_posts_where_it_does_is_refused(project, cli, channel, settings, target,
                                                                            shared):
    path = project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["channels"] = {channel: {**settings, "test": target}}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = cli("check", "-p", project)
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if "test target" in line)
    assert line.startswith("mkdocs.yml:") and shared in line and f"channels.{channel}.test" in line


@pytest.mark.parametrize("channel, settings, target, kept", [
    ("mastodon", {"base_url": "https://mastodon.fixture.example", "token_env": "FIXTURE_MASTODON_TOKEN"},
     {"base_url": "https://drills.example"}, "token_env FIXTURE_MASTODON_TOKEN"),
    ("bluesky", {"handle": "fixture.bsky.social"}, {"base_url": "https://pds.drills.example"},
     "password_env BLUESKY_APP_PASSWORD"),
    ("matrix", {"base_url": "https://matrix.fixture.example", "room_id": "!room:fixture.example"},
     {"base_url": "https://matrix.drills.example", "room_id": "!drills:drills.example"},
     "token_env MATRIX_ACCESS_TOKEN"),
    ("weibo", {"safe_domain": "fixture.example", "rip": "117.50.1.20", "token_file": "/etc/alertcast/weibo"},
     {"base_url": "https://weibo.drills.example"}, "token_file /etc/alertcast/weibo"),
])
def test_a_test_target_on_another_server_with_the_channels_own_credentials_is_refused(project, cli, channel, settings,
                                                                                     target, kept):
    """A rehearsal would send the real account's token or password to the other server (anyone's,
    when mkdocs.yml came in a pull request)."""
    path = project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["channels"] = {channel: {**settings, "test": target}}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = cli("check", "-p", project)
    assert result.exit_code == 1, result.output
    line = next(line for line in result.output.splitlines() if "test target" in line)
    assert line.startswith("mkdocs.yml:") and kept in line and f"channels.{channel}.test" in line, line


def test_a_test_target_of_push_needs_a_test_topic_for_every_language(project, cli):
    path = project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["channels"]["fcm"] = {"project": "wallet", "test": {"topics": {"zh": "drills-zh"}}}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = cli("check", "-p", project)
    assert result.exit_code == 1 and "topic alerts-en of wallet" in result.output
    raw["extra"]["alertcast"]["channels"]["fcm"]["test"]["topics"]["en"] = "drills-en"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert "test target" not in cli("check", "-p", project).output


@pytest.mark.parametrize("status, marks", [("test", ("【测试，非真实警报】", "[TEST, not a real alert]")),
                                           ("exercise", ("【演习，非真实警报】", "[EXERCISE, not a real alert]"))])
@pytest.mark.parametrize("channel", ["telegram", "x", "mastodon", "bluesky", "discord", "slack", "matrix", "webhook",
                                     "email", "weibo", "wecom", "dingtalk", "feishu"])
def test_posts_to_a_test_target_lead_with_the_mark_of_their_language(project, status, marks, channel):
    write_drill(project, status)
    config = load_config(project)
    drill = load_or_raise(config).alert(DRILL)
    for lang, mark in zip(("zh", "en"), marks):
        for action in ("post", "update", "withdraw"):
            post = posts.render(drill, config, channel, action, lang, rehearsal=True)
            shown = posts.markup_of(channel).visible(post.text).replace("\\", "")  # Discord shows \[ as [
            assert shown.startswith(mark + " "), shown
            assert post.fits and post.length == posts.count(channel, post.text)
            assert mark not in posts.render(drill, config, channel, action, lang).text


@pytest.mark.parametrize("status, marks", [("test", ("【测试，非真实警报】", "[TEST, not a real alert]")),
                                           ("exercise", ("【演习，非真实警报】", "[EXERCISE, not a real alert]"))])
@pytest.mark.parametrize("action", ["post", "update", "withdraw"])
def test_wechat_articles_to_a_test_account_lead_title_digest_and_content_with_the_mark(project, status, marks, action):
    """The mark is never what WeChat's 32-character title or 128-character digest cuts."""
    from alertcast.render import wechat

    write_drill(project, status)
    long_title = "演练：假冒钱包网站" * 6
    for path in (project / "content" / "alerts").glob(f"{DRILL}.*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace('title: "演练：假冒钱包网站"', f'title: "{long_title}"'), encoding="utf-8")
    path = project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    for lang, mark in zip(("zh", "en"), marks):
        raw["extra"]["alertcast"]["channels"] = {"wechat": {"app_id": "wx0123456789abcdef", "lang": lang,
                                                             "cover": "assets/cover.png"}}
        path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
        config = load_config(project)
        drill = load_or_raise(config).alert(DRILL)
        article = wechat.parse(posts.render(drill, config, "wechat", action, rehearsal=True).text)["article"]
        assert article["title"].startswith(mark) and len(article["title"]) <= wechat.TITLE_LIMIT
        assert article["digest"].startswith(mark) and len(article["digest"]) <= wechat.DIGEST_LIMIT
        assert mark in article["content"].split("</p>")[0]
        real = wechat.parse(posts.render(drill, config, "wechat", action).text)["article"]
        assert mark not in real["title"] + real["digest"] + real["content"]


def test_push_titles_to_a_test_target_lead_with_the_mark(project):
    write_drill(project, "exercise")
    config = load_config(project)
    drill = load_or_raise(config).alert(DRILL)
    found = push.pushes(drill, config, "post", rehearsal=True)
    assert [p.title.split(" ")[0] for p in found] == ["【演习，非真实警报】", "[EXERCISE,"]


def test_the_daemon_never_queues_a_test_alert(project, tmp_path):
    write_drill(project, "test", channels="banner, cap, telegram, mastodon")
    set_test_target(project, "telegram", {"chat_id": "@fixture_drills"})
    set_test_target(project, "mastodon", {"token_env": "DRILL_MASTODON_TOKEN"})
    config = load_config(project)
    content = load_or_raise(config)
    engine = open_store(f"sqlite:///{tmp_path / 'state.db'}")
    for now in INSTANTS:
        outbox.enqueue(engine, Plan.at(content, now), config)
    assert DRILL not in {row["alert_id"] for row in outbox.rows(engine)}
    assert {row["alert_id"] for row in outbox.rows(engine)}  # the fixture's real alerts were queued
    engine.dispose()


def test_a_drill_whose_cap_messages_went_out_may_be_deleted_afterwards(project, cli):
    """Only CAP messages of status Exercise were published: deleting the drill is no error (a real
    alert's deletion still is, see test_cap.py)."""
    from alertcast.pipeline import build

    write_drill(project, "exercise")
    config = load_config(project)
    first = build(config, datetime(2026, 3, 11, 0, 0, tzinfo=CST), config.output_dir, with_site=False)
    assert f"cap/{DRILL}.xml" in first.files
    for lang in ("zh", "en"):
        (project / "content" / "alerts" / f"{DRILL}.{lang}.md").unlink()
    result = cli("check", "-p", project)
    assert result.exit_code == 0, result.output
    assert DRILL not in result.output


def test_check_measures_a_test_alerts_weibo_and_wechat_posts_with_the_test_mark(project, cli):
    """A test alert is sent to test targets only, each post led by the test mark: check measures
    that post, so a text that fits only without the mark is refused, where it is written."""
    from alertcast import testtarget
    from alertcast.content.models import Alert
    from alertcast.render import weibo, wechat
    from test_wechat import tiny_png

    (project / "assets").mkdir(exist_ok=True)
    (project / "assets" / "cover.png").write_bytes(tiny_png())
    path = project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["channels"] = {
        "weibo": {"safe_domain": "fixture.example", "rip": "117.50.1.20", "test": {"token_env": "DRILL_WEIBO_TOKEN"}},
        "wechat": {"app_id": "wx0123456789abcdef", "cover": "assets/cover.png",
                   "test": {"app_id": "wxfedcba9876543210"}}}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    write_drill(project, "test", channels="banner, cap, weibo, wechat")
    zh = project / "content" / "alerts" / f"{DRILL}.zh.md"

    config = load_config(project)
    alert = testtarget.rehearsed(load_or_raise(config).alert(DRILL), config.languages)  # with every step's text
    text = alert.texts["zh"]
    steps = testtarget.STEPS

    def longest(drill: Alert, marked: bool) -> tuple[int, int]:
        """The longest WeChat title and Weibo post of the rehearsal, with or without the mark."""
        return (max(wechat.article(drill, config, a, marked).title_length for a in steps),
                max(posts.render(drill, config, "weibo", a, "zh", rehearsal=marked).length for a in steps))

    title_room, _ = (wechat.TITLE_LIMIT - n for n in longest(alert, False))
    title = text.title + "假" * title_room
    titled = dataclasses.replace(alert, texts={**alert.texts, "zh": dataclasses.replace(text, title=title)})
    summary = text.summary + "假" * (weibo.LIMIT - longest(titled, False)[1])
    fitted = dataclasses.replace(titled, texts={**alert.texts, "zh": dataclasses.replace(text, title=title,
                                                                                          summary=summary)})
    assert longest(fitted, False) == (wechat.TITLE_LIMIT, weibo.LIMIT)  # fits exactly, unmarked
    assert longest(fitted, True)[0] > wechat.TITLE_LIMIT  # what is sent is cut
    assert posts.render(fitted, config, "weibo", "post", "zh", rehearsal=True).truncated
    written = zh.read_text(encoding="utf-8")
    zh.write_text(written.replace(f'"{text.title}"', f'"{title}"').replace(f'"{text.summary}"', f'"{summary}"'),
                  encoding="utf-8")

    result = cli("check", "-p", project)
    assert result.exit_code == 1, result.output
    text = zh.read_text(encoding="utf-8").split("\n")
    title_line = next(i for i, t in enumerate(text, 1) if t.startswith("title:"))
    summary_line = next(i for i, t in enumerate(text, 1) if t.startswith("summary:"))
    said = [line for line in result.output.splitlines() if line.startswith(f"content/alerts/{DRILL}.zh.md")]
    assert any(line.startswith(f"content/alerts/{DRILL}.zh.md:{summary_line}:1: error: the weibo post is ")
               for line in said), result.output
    assert any(line.startswith(f"content/alerts/{DRILL}.zh.md:{title_line}:1: error: the wechat article title is ")
               for line in said), result.output
    assert "Traceback" not in result.output
