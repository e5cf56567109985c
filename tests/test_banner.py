from __future__ import annotations

import json
import re

import jsonschema
import pytest
from outputs_support import AFTER, BEFORE, DURING, MOMENTS, NOW, outputs_at

SCHEMA_PATH = "api/v1/banner.schema.json"


def banners(content, config, now, lang="en"):
    out = outputs_at(content, config, now)
    doc = json.loads(out[f"api/v1/banners/{lang}.json"])
    jsonschema.Draft202012Validator(json.loads(out[SCHEMA_PATH])).validate(doc)
    return doc


@pytest.mark.parametrize("now", MOMENTS)
def test_validates_against_schema_at_every_moment(content, config, now):
    for lang in ("zh", "en"):
        banners(content, config, now, lang)


def test_only_live_banner_alerts(content, config):
    assert banners(content, config, BEFORE)["banners"] == []
    at_now = banners(content, config, NOW)
    assert [b["id"] for b in at_now["banners"]] == ["live-phishing"]  # not withdrawn, expired or scheduled
    during = [b["id"] for b in banners(content, config, DURING)["banners"]]
    after = [b["id"] for b in banners(content, config, AFTER)["banners"]]
    assert "scheduled-maintenance" not in after
    assert "live-phishing" in during


def test_fields(content, config):
    doc = banners(content, config, NOW)
    assert doc["generated_at"] == "2026-03-02T04:00:00Z"  # live-phishing's update, the last change up to NOW
    # NOW is 2026-03-14T16:00Z: issued at the last re-sign (every 6 hours: 12:00Z), valid 24 hours
    assert doc["version"] == 1773489600 and doc["valid_until"] == "2026-03-15T12:00:00Z"
    assert doc["next_change_at"] == "2026-03-14T18:00:00Z"  # the next re-sign, before any boundary
    assert doc["locale"] == "en" and doc["key_id"] is None  # unsigned here
    assert doc["poll_after_seconds"] == 300
    b = doc["banners"][0]
    assert b["targeting"] == {"platforms": ["android", "ios"], "min_app_version": "8.0.0", "max_app_version": None,
                              "placement": ["home", "support"]}
    assert b["frequency"] == "daily" and b["dismissible"] is True
    assert b["action_url"] == "https://help.fixture.example/en/alerts/live-phishing/"
    assert not re.search(r"[<>*_`\[\]]", b["body"])  # plain text
    assert b["starts_at"] == "2026-03-01T02:00:00Z"
    zh = banners(content, config, NOW, "zh")["banners"][0]
    assert zh["title"] == "钓鱼网站冒充钱包"


def test_revision_changes_with_the_alert(project, config, content):
    from alertcast.checks.load import load_or_raise

    first = banners(content, config, NOW)["banners"][0]["revision"]
    for lang in ("en", "zh"):
        path = project / "content" / "alerts" / f"live-phishing.{lang}.md"
        path.write_text(path.read_text(encoding="utf-8").replace("frequency: daily", "frequency: once"), encoding="utf-8")
    changed = banners(load_or_raise(config), config, NOW)["banners"][0]["revision"]
    assert changed != first and changed.split("-")[0] == first.split("-")[0]


def test_bytes_do_not_change_in_the_minutes_before_a_boundary(content, config):
    """The poll hint no longer counts down, so the file (and its signature)
    stays the same until next_change_at; apps compute their own poll time from both."""
    from datetime import datetime, timedelta

    from outputs_support import CST

    from alertcast import signing

    key = signing.parse_private_key(signing.generate().private_pem.decode())
    boundary = datetime(2026, 4, 1, 9, 0, tzinfo=CST)  # scheduled-maintenance publishes
    seen = {outputs_at(content, config, boundary - timedelta(seconds=s), key)["api/v1/banners/en.json.sig"]
            for s in (3600, 300, 240, 120, 30, 1)}
    assert len(seen) == 1
    doc = banners(content, config, boundary - timedelta(seconds=30))
    assert doc["poll_after_seconds"] == 300 and doc["next_change_at"] == "2026-04-01T01:00:00Z"


def test_action_url_only_on_allowed_domains(project, config):
    import pytest as _pytest

    from alertcast.checks.load import load_or_raise
    from alertcast.problems import ContentError

    def set_url(url):
        for lang in ("en", "zh"):
            path = project / "content" / "alerts" / f"live-phishing.{lang}.md"
            text = path.read_text(encoding="utf-8").split("  action_url:")[0].split("\nscam_indicators")[0]
            rest = path.read_text(encoding="utf-8").split("\nscam_indicators", 1)[1]
            path.write_text(f"{text}\n  action_url: {url}\nscam_indicators{rest}", encoding="utf-8")

    set_url("https://www.fixture.example/safety")
    b = banners(load_or_raise(config), config, NOW)["banners"][0]
    assert b["action_url"] == "https://www.fixture.example/safety"
    set_url("https://evil.example/x")
    with _pytest.raises(ContentError):
        load_or_raise(config)


def test_file_is_canonical_json(content, config):
    """Spliced serialisation equals a plain canonical dump, so the bytes (and signature) are predictable."""
    raw = outputs_at(content, config, NOW)["api/v1/banners/zh.json"]
    doc = json.loads(raw)
    assert raw == (json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n").encode()


def test_feed_is_capped_to_recent_entries(project, config):
    import feedparser

    from alertcast.checks.load import load_or_raise
    from alertcast.render.feeds import FEED_LIMIT

    src = project / "content" / "alerts" / "live-phishing"
    for i in range(FEED_LIMIT + 5):
        for lang in ("en", "zh"):
            text = (src.parent / f"live-phishing.{lang}.md").read_text(encoding="utf-8")
            (src.parent / f"extra-{i:03d}.{lang}.md").write_text(text, encoding="utf-8")
    out = outputs_at(load_or_raise(config), config, NOW)
    parsed = feedparser.parse(out["feeds/alerts.en.atom.xml"])
    assert not parsed.bozo and len(parsed.entries) == FEED_LIMIT


def test_update_and_withdrawal_change_the_banner_at_their_second(content, config):
    from datetime import datetime, timedelta

    from outputs_support import CST

    second = timedelta(seconds=1)
    update = datetime(2026, 3, 2, 12, 0, tzinfo=CST)  # live-phishing's updated_at
    early = banners(content, config, update - second)
    item = next(b for b in early["banners"] if b["id"] == "live-phishing")
    assert item["revision"].startswith("20260301T020000Z-") and item["updated_at"] == "2026-03-01T02:00:00Z"
    assert early["next_change_at"] == "2026-03-02T04:00:00Z" and early["poll_after_seconds"] == 300
    late = next(b for b in banners(content, config, update)["banners"] if b["id"] == "live-phishing")
    assert late["revision"].startswith("20260302T040000Z-") and late["updated_at"] == "2026-03-02T04:00:00Z"

    withdraw = datetime(2026, 2, 11, 10, 0, tzinfo=CST)  # withdrawn-fake-app's withdrawal
    assert [b["id"] for b in banners(content, config, withdraw - second)["banners"]] == [
        "withdrawn-fake-app", "expired-airdrop"]  # critical first; the airdrop expires on the 20th
    assert [b["id"] for b in banners(content, config, withdraw)["banners"]] == ["expired-airdrop"]


def test_rebuilding_between_boundaries_changes_no_byte_and_a_boundary_does(content, config):
    """A scheduled rebuild (the publish workflow runs every 15 minutes) must not give apps and CDNs
    a new banner, indicator list or signature when nothing changed: ETags stay, polls get 304.
    Only a boundary and a re-sign instant (every `resign_hours`) change banner bytes."""
    from datetime import timedelta

    from alertcast import signing

    key = signing.parse_private_key(signing.generate().private_pem.decode())
    boundary = NOW + timedelta(days=17, hours=9)  # 2026-04-01 09:00 +08:00: scheduled-maintenance publishes
    early = outputs_at(content, config, NOW, key)  # NOW is 16:00Z; the next re-sign is at 18:00Z
    for later in (NOW + timedelta(minutes=15), NOW + timedelta(hours=2) - timedelta(seconds=1)):
        assert outputs_at(content, config, later, key) == early, later
    resigned = outputs_at(content, config, NOW + timedelta(hours=2), key)
    assert {p for p in early if early[p] != resigned[p]} == {
        f"api/v1/banners/{lang}.json{ext}" for lang in ("zh", "en") for ext in ("", ".sig")}
    assert json.loads(resigned["api/v1/banners/en.json"])["version"] == json.loads(early["api/v1/banners/en.json"])["version"] + 6 * 3600
    before = outputs_at(content, config, boundary - timedelta(seconds=300), key)
    at_boundary = outputs_at(content, config, boundary, key)
    changed = {path for path in before if before[path] != at_boundary.get(path)}
    assert {"api/v1/banners/en.json", "api/v1/banners/en.json.sig", "api/v1/indicators.json"} <= changed
    doc = json.loads(at_boundary["api/v1/banners/en.json"])
    assert doc["generated_at"] == "2026-04-01T01:00:00Z" and doc["next_change_at"] == "2026-04-01T06:00:00Z"
    assert doc["version"] == int(boundary.timestamp())  # issued at the boundary, between two re-signs
    assert banners(content, config, BEFORE)["generated_at"] == "2025-12-31T16:00:00Z"  # no change yet: the build's own time


def test_validity_must_outlast_the_resign_cadence(project):
    """A file valid for less than the time to its next re-sign would leave apps without banners."""
    from alertcast.config import load_config
    from alertcast.problems import ContentError

    path = project / "mkdocs.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "      poll_seconds: 300", "      poll_seconds: 300\n      resign_hours: 12\n      valid_hours: 12"), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_config(project)
    assert re.search(r"mkdocs\.yml:\d+:\d+: error: 'banner\.valid_hours': must be longer than resign_hours \(12\)",
                     str(caught.value)), str(caught.value)
