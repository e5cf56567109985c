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
            assert ids == [f"tag:alertcast,2026:alert:{i}" for i in public["NOW"]]
        if now in (DURING, AFTER):
            assert "tag:alertcast,2026:alert:scheduled-maintenance" in ids


def test_entry_fields_withdrawn_and_updated(content, config):
    out = outputs_at(content, config, NOW)
    parsed = feedparser.parse(out["feeds/alerts.en.atom.xml"])
    by_id = {e.id.rsplit(":", 1)[1]: e for e in parsed.entries}
    live = by_id["live-phishing"]
    assert live.title.startswith("[Warning]")
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


def test_ids_stable_across_site_moves_and_updates(content, config):
    before = feedparser.parse(render_feeds(Plan.at(content, NOW), config)["feeds/alerts.en.atom.xml"])
    config.site_url = "https://elsewhere.example/help/"
    moved = feedparser.parse(render_feeds(Plan.at(content, AFTER), config)["feeds/alerts.en.atom.xml"])
    assert {e.id for e in before.entries} <= {e.id for e in moved.entries}


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
