from __future__ import annotations

import hashlib
import json

from outputs_support import AFTER, BEFORE, NOW, outputs_at

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
    assert json.loads(outputs_at(content, config, AFTER)["api/v1/indicators.json"])["generated_at"].startswith("2026-04-02")


def test_normalisers():
    assert normalise_domain("hxxps://Evil[.]Example/login?x=1") == "evil.example"
    assert normalise_address("ETH:0xABCDEF0123456789abcdef0123456789ABCDEF01") == "eth:0xabcdef0123456789abcdef0123456789abcdef01"
    assert normalise_address("tron:TXyzABC") == "tron:TXyzABC"
    assert normalise_handle("Telegram:@Fake_Support") == "telegram:@fake_support"
