from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime, timedelta

from outputs_support import AFTER, BEFORE, CST, NOW, outputs_at

from alertcast.content.models import Indicators

from alertcast.render.indicators import normalise_address, normalise_domain, normalise_handle


def test_only_live_alerts_normalised(content, config):
    doc = json.loads(outputs_at(content, config, NOW)["api/v1/indicators.json"])
    assert doc["indicators"] == [
        {"type": "address", "value": "eth:0x1111111111111111111111111111111111111111", "alerts": ["live-phishing"]},
        {"type": "domain", "value": "wallet-verify.example", "alerts": ["live-phishing"]},
        {"type": "handle", "value": "telegram:@fixture_fake_support", "alerts": ["live-phishing"]},
    ]
    assert doc["updated_at"] == "2026-03-02T04:00:00Z"
    empty = json.loads(outputs_at(content, config, BEFORE)["api/v1/indicators.json"])
    assert empty["indicators"] == [] and empty["version"] != doc["version"]
    published = json.dumps(doc["indicators"], ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    assert doc["version"] == hashlib.sha256(published.encode()).hexdigest()[:16]  # as docs/outputs.md says
    # dated by the last change up to the build: scheduled-maintenance's expiry
    assert json.loads(outputs_at(content, config, AFTER)["api/v1/indicators.json"])["generated_at"] == "2026-04-02T01:00:00Z"


def test_normalisers():
    assert normalise_domain("hxxps://Evil[.]Example/login?x=1") == "evil.example"
    assert normalise_address("ETH:0xABCDEF0123456789abcdef0123456789ABCDEF01") == "eth:0xabcdef0123456789abcdef0123456789abcdef01"
    assert normalise_address("tron:TXyzABC") == "tron:TXyzABC"
    assert normalise_handle("Telegram:@Fake_Support") == "telegram:@fake_support"


SECOND = timedelta(seconds=1)
EXPIRES = datetime(2026, 2, 20, 8, 0, tzinfo=CST)  # expired-airdrop's expires_at
WITHDRAWN = datetime(2026, 2, 11, 10, 0, tzinfo=CST)  # withdrawn-fake-app's updated_at (the withdrawal)


def _with_indicators(content):
    """The fixture, with indicators on the expiring, the withdrawn and the scheduled alert too."""
    found = {"expired-airdrop": Indicators(domains=("claim-airdrop.example",)),
             "withdrawn-fake-app": Indicators(domains=("wallet-beta.example",)),
             "scheduled-maintenance": Indicators(domains=("node-maintenance.example",))}
    return dataclasses.replace(content, alerts=tuple(
        dataclasses.replace(a, indicators=found[a.id]) if a.id in found else a for a in content.alerts))


def _doc(content, config, now):
    return json.loads(outputs_at(content, config, now)["api/v1/indicators.json"])


def _domains(doc):
    return {i["value"] for i in doc["indicators"] if i["type"] == "domain"}


def test_an_expired_alerts_indicators_stay_listed(content, config):
    """expires_at takes an alert out of the banner only: its scam domain is still dangerous."""
    content = _with_indicators(content)
    docs = [_doc(content, config, t) for t in (EXPIRES - SECOND, EXPIRES, EXPIRES + timedelta(days=1))]
    assert all("claim-airdrop.example" in _domains(d) for d in docs)
    assert len({d["version"] for d in docs}) == 1
    assert {d["updated_at"] for d in docs} == {"2026-02-11T02:00:00Z"}  # the last change: the fake-app's withdrawal


def test_a_withdrawn_alerts_indicators_leave_and_updated_at_moves_then(content, config):
    content = _with_indicators(content)
    before, at = _doc(content, config, WITHDRAWN - SECOND), _doc(content, config, WITHDRAWN)
    assert "wallet-beta.example" in _domains(before) and "wallet-beta.example" not in _domains(at)
    assert before["version"] != at["version"]
    assert before["updated_at"] == "2026-02-10T04:00:00Z"
    assert at["updated_at"] == "2026-02-11T02:00:00Z"  # the withdrawal, although no listed alert changed then
    assert "node-maintenance.example" not in _domains(_doc(content, config, AFTER - timedelta(days=2)))  # scheduled
    assert "node-maintenance.example" in _domains(_doc(content, config, AFTER))


def test_updated_at_is_the_last_change_and_never_goes_back(content, config):
    """Around every boundary: updated_at is never after now, never moves back, and moves
    whenever the version does."""
    content = _with_indicators(content)
    times = sorted({t for a in content.alerts for t in (a.publish_at, a.expires_at, a.updated_at) if t})
    moments = [times[0] - SECOND] + [t for b in times for t in (b - SECOND, b, b + SECOND)]
    previous = None
    for now in moments:
        doc = _doc(content, config, now)
        updated = datetime.fromisoformat(doc["updated_at"].replace("Z", "+00:00")) if doc["updated_at"] else None
        assert updated is None or updated <= now
        if previous is not None:
            assert updated is not None and updated >= previous[0], now
            if doc["version"] != previous[1]:
                assert updated > previous[0], now
        if updated is not None:
            previous = (updated, doc["version"])
    assert previous is not None
