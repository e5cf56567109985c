"""Every feed, at every moment around each boundary of the starter content and of the test
fixture, passes validators that are not alertcast's (see feed_validation.py), and reads as a
reader's list shows it: updates and withdrawals visible, dates real."""

from __future__ import annotations

import json

import feedparser
import pytest
from feed_validation import atom_problems, feed_problems, json_feed_problems, rss_problems
from outputs_support import BEFORE, MOMENTS, NOW, outputs_at
from test_outputs_bundled import CONFIG, CONTENT
from test_outputs_bundled import MOMENTS as BUNDLED_MOMENTS

FEEDS = ("feeds/alerts.{lang}.atom.xml", "feeds/alerts.{lang}.rss.xml", "feeds/alerts.{lang}.json")


def all_feeds(files, languages):
    paths = [f.format(lang=lang) for lang in languages for f in FEEDS] + ["cap/index.atom"]
    return {path: files[path] for path in paths}


@pytest.mark.parametrize("now", BUNDLED_MOMENTS, ids=lambda t: t.isoformat())
def test_every_feed_of_the_starter_content_is_valid_at_every_moment(now):
    files = outputs_at(CONTENT, CONFIG, now)
    for path, data in all_feeds(files, CONFIG.languages).items():
        assert feed_problems(path, data, now) == [], path


@pytest.mark.parametrize("now", MOMENTS, ids=lambda t: t.isoformat())
def test_every_feed_of_the_fixture_is_valid_at_every_moment(content, config, now):
    files = outputs_at(content, config, now)
    for path, data in all_feeds(files, config.languages).items():
        assert feed_problems(path, data, now) == [], path


def test_the_validators_catch_what_they_are_for():
    """Each validator rejects a feed with the fault it exists to find (none passes vacuously)."""
    atom = (b"<feed xmlns='http://www.w3.org/2005/Atom'><id>x</id><title>t</title>"
            b"<updated>1970-01-01T00:00:00Z</updated><entry><id>e</id><title>t</title>"
            b"<updated>2026-01-01T00:00:00Z</updated><link href='https://a.example/'/></entry></feed>")
    found = atom_problems(atom, NOW)
    assert any("atom:author" in p for p in found) and any("implausible" in p for p in found)
    assert any("schema: line" in p for p in atom_problems(atom.replace(b"<title>t</title>", b"", 1), NOW))
    rss = b"<rss version='2.0'><channel><title>t</title><link>https://a.example/</link></channel></rss>"
    assert rss_problems(rss, NOW) == ["channel: missing required element <description>"]
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [{"id": "a", "summary": "s"}]}
    assert json_feed_problems(json.dumps(doc).encode(), NOW) == ["items[0]: content_html or content_text is required"]


def test_an_empty_feed_is_dated_by_the_plan_never_1970(content, config):
    files = outputs_at(content, config, BEFORE)
    for path in ("feeds/alerts.en.atom.xml", "feeds/alerts.en.rss.xml", "cap/index.atom"):
        assert b"1970" not in files[path], path
    parsed = feedparser.parse(files["feeds/alerts.en.atom.xml"])
    assert parsed.entries == [] and parsed.feed.updated_parsed[:3] >= (2025, 12, 31)


def test_updates_and_withdrawals_show_in_the_fields_lists_display(content, config):
    """In a reader's list: the title, the date and the start of the summary."""
    files = outputs_at(content, config, NOW)
    rss = {e.id.rsplit(":", 1)[1]: e for e in feedparser.parse(files["feeds/alerts.en.rss.xml"]).entries}
    updated, withdrawn = rss["live-phishing"], rss["withdrawn-fake-app"]
    assert updated.title.startswith("[Updated · Warning]")
    assert updated.summary.startswith("Updated: Added how to tell.")
    assert updated.published_parsed[:4] == (2026, 3, 2, 4)  # updated_at 12:00 +08:00, not publish_at
    assert withdrawn.title.startswith("[Withdrawn · Critical]")
    assert withdrawn.summary.startswith("Withdrawn: Reported in error")
    assert withdrawn.published_parsed[:4] == (2026, 2, 11, 2)  # the withdrawal's time
    items = {i["id"].rsplit(":", 1)[1]: i for i in json.loads(files["feeds/alerts.en.json"])["items"]}
    assert items["live-phishing"]["summary"].startswith("Updated: Added how to tell.")
    assert items["withdrawn-fake-app"]["summary"].startswith("Withdrawn: Reported in error")
    assert items["live-phishing"]["date_modified"] == "2026-03-02T04:00:00Z"
    zh = {e.id.rsplit(":", 1)[1]: e for e in feedparser.parse(files["feeds/alerts.zh.rss.xml"]).entries}
    assert zh["live-phishing"].title.startswith("[更新 · 警告]")
