from __future__ import annotations

import json

import feedparser
import pytest
from outputs_support import AFTER, BEFORE, DURING, MOMENTS, NOW, outputs_at

from alertcast.plan import Plan
from alertcast.render.feeds import render_feeds


@pytest.mark.parametrize("now", MOMENTS)
@pytest.mark.parametrize("kind", ["rss.xml", "atom.xml"])
def test_feeds_parse_cleanly_at_every_moment(content, config, now, kind):
    out = outputs_at(content, config, now)
    for lang in ("zh", "en"):
        parsed = feedparser.parse(out[f"feeds/alerts.{lang}.{kind}"])
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.feed.language == lang
        ids = [e.id for e in parsed.entries]
        public = {"BEFORE": [], "NOW": ["live-phishing", "withdrawn-fake-app", "expired-airdrop"]}
        if now == BEFORE:
            assert ids == []
        if now == NOW:
            assert ids == [f"tag:help.fixture.example,2026:alert:{i}" for i in public["NOW"]]
        if now in (DURING, AFTER):
            assert "tag:help.fixture.example,2026:alert:scheduled-maintenance" in ids


def test_entry_fields_withdrawn_and_updated(content, config):
    out = outputs_at(content, config, NOW)
    parsed = feedparser.parse(out["feeds/alerts.en.atom.xml"])
    by_id = {e.id.rsplit(":", 1)[1]: e for e in parsed.entries}
    live = by_id["live-phishing"]
    assert live.title.startswith("[Updated · Warning]")  # the update shows in lists
    assert live.link == "https://help.fixture.example/en/alerts/live-phishing/"
    assert live.published.startswith("2026-03-01T10:00:00")
    assert live.updated.startswith("2026-03-02T12:00:00")  # updated_at, not the clock
    assert {t.term for t in live.tags} >= {"phishing", "severity:warning"}
    withdrawn = by_id["withdrawn-fake-app"]
    assert "Withdrawn" in withdrawn.title
    assert "Reported in error" in withdrawn.summary
    assert "withdrawn" in {t.term for t in withdrawn.tags}
    assert any(link.rel == "self" for link in parsed.feed.links)
    zh = feedparser.parse(out["feeds/alerts.zh.rss.xml"])
    assert zh.entries[0].link == "https://help.fixture.example/alerts/live-phishing/"
    assert zh.feed.link == "https://help.fixture.example/"


def test_json_feed(content, config):
    doc = json.loads(outputs_at(content, config, NOW)["feeds/alerts.en.json"])
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert [i["id"].rsplit(":", 1)[1] for i in doc["items"]] == ["live-phishing", "withdrawn-fake-app", "expired-airdrop"]
    assert doc["items"][1]["_alertcast"]["withdrawn_reason"].startswith("Reported in error")


def with_settings(project, lines, site_url=None):
    """The fixture's config with extra `extra.alertcast` lines (and another site_url)."""
    from alertcast.config import load_config

    yml = project / "mkdocs.yml"
    text = yml.read_text(encoding="utf-8").replace("    banner:\n", "".join(f"    {line}\n" for line in lines) + "    banner:\n")
    if site_url:
        text = text.replace("site_url: https://help.fixture.example/", f"site_url: {site_url}")
    yml.write_text(text, encoding="utf-8")
    return load_config(project)


def atom_ids(content, config, now):
    return [e.id for e in feedparser.parse(render_feeds(Plan.at(content, now), config)["feeds/alerts.en.atom.xml"]).entries]


def test_ids_stable_across_site_moves_and_updates(project, content):
    """With id_authority kept, a moved site keeps its entry ids; an update never changes them."""
    config = with_settings(project, ["id_authority: help.fixture.example"])
    before = atom_ids(content, config, NOW)
    assert before[0] == "tag:help.fixture.example,2026:alert:live-phishing"
    moved = with_settings(project, [], site_url="https://elsewhere.example/help/")
    after = atom_ids(content, moved, AFTER)
    assert set(before) <= set(after)
    assert moved.page_url("alerts", "x", "zh").startswith("https://elsewhere.example/help/")


def test_ids_differ_between_deployments(project, content, config):
    """Two teams with the same alert id publish different entry ids (the default authority is the site's host)."""
    other = with_settings(project, [], site_url="https://help.other-wallet.example/")
    ours, theirs = atom_ids(content, config, NOW), atom_ids(content, other, NOW)
    assert len(ours) == len(theirs) == 3 and not set(ours) & set(theirs)
    assert theirs[0] == "tag:help.other-wallet.example,2026:alert:live-phishing"
    dated = with_settings(project, ["id_authority: wallet.example,2027"])
    assert atom_ids(content, dated, NOW)[0] == "tag:wallet.example,2027:alert:live-phishing"


def test_id_authority_must_be_a_domain(project):
    from alertcast.problems import ContentError

    with pytest.raises(ContentError, match="id_authority.*not a domain name"):
        with_settings(project, ["id_authority: alertcast"])


def test_update_and_withdrawal_show_at_their_second(content, config):
    """An updated_at still ahead shows nothing of the update; at that second the entry moves."""
    from datetime import timedelta

    from outputs_support import CST
    from datetime import datetime

    second = timedelta(seconds=1)
    update = datetime(2026, 3, 2, 12, 0, tzinfo=CST)  # live-phishing's updated_at
    withdraw = datetime(2026, 2, 11, 10, 0, tzinfo=CST)  # withdrawn-fake-app's updated_at

    def entries(now):
        parsed = feedparser.parse(outputs_at(content, config, now)["feeds/alerts.en.atom.xml"])
        assert not parsed.bozo
        return {e.id.rsplit(":", 1)[1]: e for e in parsed.entries}

    def at(text):
        return datetime.fromisoformat(text)

    early = entries(update - second)["live-phishing"]
    assert at(early.updated) == at(early.published) == datetime(2026, 3, 1, 10, 0, tzinfo=CST)
    assert "Updated:" not in early.summary
    late = entries(update)["live-phishing"]
    assert at(late.updated) == update and "Updated: Added how to tell." in late.summary

    live = entries(withdraw - second)["withdrawn-fake-app"]
    assert "Withdrawn" not in live.title and "withdrawn" not in {t.term for t in live.tags}
    assert at(live.updated) == at(live.published)
    gone = entries(withdraw)
    assert "Withdrawn" in gone["withdrawn-fake-app"].title
    assert at(gone["withdrawn-fake-app"].updated) == withdraw  # the withdrawal time
    assert list(gone)[0] == "withdrawn-fake-app"  # the newest change comes first
    doc = json.loads(outputs_at(content, config, withdraw)["feeds/alerts.en.json"])
    assert doc["items"][0]["date_modified"] == "2026-02-11T02:00:00Z"


def test_deterministic(content, config):
    assert render_feeds(Plan.at(content, NOW), config) == render_feeds(Plan.at(content, NOW), config)


def test_feed_holds_exactly_the_newest_feed_limit_alerts(content, config):
    """With more published alerts than FEED_LIMIT, each feed lists the FEED_LIMIT most recently
    changed, newest first; a withdrawn alert inside that window stays in it."""
    import dataclasses
    from datetime import timedelta

    from alertcast.render.feeds import FEED_LIMIT

    template = content.alert("live-phishing")
    extra = FEED_LIMIT + 25
    alerts = []
    for i in range(extra):
        publish = NOW - timedelta(days=40) + timedelta(hours=i)
        alerts.append(dataclasses.replace(
            template, id=f"bulk-{i:03d}", publish_at=publish, expires_at=None, updated_at=None, update_note={},
            withdrawn={"en": "Reported in error.", "zh": "误报。"} if i == extra - 3 else {}))
    many = dataclasses.replace(content, alerts=tuple(alerts))
    out = render_feeds(Plan.at(many, NOW), config)
    newest = [f"bulk-{i:03d}" for i in range(extra - 1, extra - 1 - FEED_LIMIT, -1)]
    for lang in ("en", "zh"):
        for kind in ("rss.xml", "atom.xml"):
            parsed = feedparser.parse(out[f"feeds/alerts.{lang}.{kind}"])
            assert [e.id.rsplit(":", 1)[1] for e in parsed.entries] == newest
        items = json.loads(out[f"feeds/alerts.{lang}.json"])["items"]
        assert [i["id"].rsplit(":", 1)[1] for i in items] == newest
        assert "withdrawn_reason" in items[2]["_alertcast"]


def test_feeds_and_cap_name_the_site_in_their_language(project, content):
    """extra.alertcast.site_name per language; a language left out has the top-level site_name,
    and one string names the site in every language."""
    from lxml import etree

    from outputs_support import CAP

    original = (project / "mkdocs.yml").read_text(encoding="utf-8")
    out = outputs_at(content, with_settings(project, ["site_name: {zh: 安全中心}"]), NOW)
    names = {"zh": "安全中心", "en": "Fixture Safety Center"}
    titles = {"zh": "安全中心 · 安全警报", "en": "Fixture Safety Center · Alerts"}
    for lang in ("zh", "en"):
        for kind in ("rss.xml", "atom.xml"):
            assert feedparser.parse(out[f"feeds/alerts.{lang}.{kind}"]).feed.title == titles[lang]
        assert json.loads(out[f"feeds/alerts.{lang}.json"])["title"] == titles[lang]
    cap = etree.fromstring(out["cap/live-phishing.xml"])
    assert {i.findtext("c:language", namespaces=CAP): i.findtext("c:senderName", namespaces=CAP)
            for i in cap.findall("c:info", namespaces=CAP)} == names
    index = feedparser.parse(out["cap/index.atom"]).feed
    assert (index.title, index.author) == ("安全中心 CAP", "安全中心")  # the default language's
    (project / "mkdocs.yml").write_text(original, encoding="utf-8")
    same = outputs_at(content, with_settings(project, ["site_name: Help Center"]), NOW)
    assert {json.loads(same[f"feeds/alerts.{lang}.json"])["title"].split(" · ")[0] for lang in ("zh", "en")} == {
        "Help Center"}


def test_zh_feeds_speak_the_sites_words(content, config):
    """One vocabulary: severity, category, section and lifecycle words are the site's, in the
    feed's language (RSS category text, Atom label); Atom terms and JSON tags stay ids; Chinese
    text has the full-width colon."""
    from alertcast.render import site

    out = outputs_at(content, config, NOW)
    for lang in ("zh", "en"):
        rss = feedparser.parse(out[f"feeds/alerts.{lang}.rss.xml"])
        atom = feedparser.parse(out[f"feeds/alerts.{lang}.atom.xml"])
        doc = json.loads(out[f"feeds/alerts.{lang}.json"])
        section = site.words(lang)["alerts"]
        assert rss.feed.title == atom.feed.title == doc["title"] == f"Fixture Safety Center · {section}"
        by_id = {e.id.rsplit(":", 1)[1]: e for e in rss.entries}
        withdrawn = by_id["withdrawn-fake-app"]  # critical, fake-app
        critical = site.severity_label("critical", lang)
        assert withdrawn.title.startswith(f"[{site.words(lang)['withdrawn']} · {critical}] ")
        assert {t.term for t in withdrawn.tags} == {site.category_label("fake-app", lang), critical,
                                                    site.words(lang)["withdrawn"]}
        atom_tags = {(t.term, t.label) for t in {e.id.rsplit(":", 1)[1]: e for e in atom.entries}["withdrawn-fake-app"].tags}
        assert ("fake-app", site.category_label("fake-app", lang)) in atom_tags
        assert ("severity:critical", critical) in atom_tags
        assert set(doc["items"][1]["tags"]) == {"fake-app", "severity:critical", "withdrawn"}
    zh = {e.id.rsplit(":", 1)[1]: e for e in feedparser.parse(out["feeds/alerts.zh.atom.xml"]).entries}
    assert zh["withdrawn-fake-app"].title.startswith("[已撤回 · 严重] ")
    assert zh["withdrawn-fake-app"].summary.startswith("已撤回：误报")
    assert "更新：补充了识别方法。" in zh["live-phishing"].summary
    assert {t.label for t in zh["live-phishing"].tags} == {"钓鱼网站", "警告"}
    assert not any(": " in e.summary or ": " in e.title for e in zh.values())
