"""The in-app help file and the knowledge base: what they hold at each moment, their schemas,
signatures and stable bytes, and the canned replies they carry."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import jsonschema
import pytest
from outputs_support import AFTER, BEFORE, DURING, MOMENTS, NOW, outputs_at

from alertcast import signing
from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.render.knowledge import MAX_TEXT

FAQ = {
    "en": """---
title: Frequently asked questions
summary: Short answers.
---

# Frequently asked questions

## Security

### Will support ask for my recovery phrase?

No, never. Read [the guide](guides/spot-phishing.md) and the [warning](alerts/live-phishing.md).

### Is the maintenance planned?

See [maintenance](alerts/scheduled-maintenance.md).

## Everyday

### Why is my transfer pending?

Fees are paid in the network's own coin.
""",
    "zh": """---
title: 常见问题
summary: 简短回答。
---

# 常见问题

## 安全类

### 客服会要我的助记词吗？

不会。请读[教程](guides/spot-phishing.md)。
""",
}


@pytest.fixture
def with_faq(project):
    for lang, text in FAQ.items():
        (project / "content" / f"faq.{lang}.md").write_text(text, encoding="utf-8")
    config = load_config(project)
    return config, load_or_raise(config)


def documents(config, content, now, lang="en", key=None):
    out = outputs_at(content, config, now, key)
    help_doc = json.loads(out[f"api/v1/help/{lang}.json"])
    jsonschema.Draft202012Validator(json.loads(out["api/v1/help.schema.json"])).validate(help_doc)
    kb_schema = jsonschema.Draft202012Validator(json.loads(out["api/v1/kb.schema.json"]))
    records = [json.loads(line) for line in out[f"api/v1/kb/{lang}.jsonl"].decode().splitlines()]
    for record in records:
        kb_schema.validate(record)
    return help_doc, records, out


@pytest.mark.parametrize("now", MOMENTS)
def test_fixture_validates_at_every_moment_with_nothing_scheduled(with_faq, now):
    config, content = with_faq
    for lang in ("zh", "en"):
        help_doc, records, _ = documents(config, content, now, lang)
        from alertcast.plan import Plan

        plan = Plan.at(content, now)
        scheduled = {a.id for a in plan.scheduled}
        assert not scheduled & {r["item_id"] for r in records if r["kind"] == "alert"}
        assert not scheduled & {a["id"] for a in help_doc["alerts"]}
        assert {r["item_id"] for r in records if r["kind"] == "alert"} == {a.id for a in plan.published}
        for alert in plan.scheduled:  # nor is its text anywhere, a link to it included
            assert alert.text(lang, "zh").title not in json.dumps([help_doc, records], ensure_ascii=False)
            assert f"alerts/{alert.id}/" not in json.dumps([help_doc, records])


@pytest.mark.parametrize("now", [datetime(2026, 9, 1, tzinfo=timezone.utc), datetime(2026, 12, 7, tzinfo=timezone.utc),
                                 datetime(2027, 6, 1, tzinfo=timezone.utc)])
def test_bundled_content_validates(bundled, now):
    config = load_config(bundled)
    content = load_or_raise(config)
    for lang in ("zh", "en"):
        help_doc, records, _ = documents(config, content, now, lang)
        assert len(help_doc["faq"]) >= 15 and len(help_doc["guides"]) == len(content.guides)
        assert all(len(r["text"]) <= MAX_TEXT for r in records)


def test_withdrawn_alert_stays_in_the_knowledge_base_marked(with_faq):
    config, content = with_faq
    for lang, reason in (("en", "Reported in error"), ("zh", "")):
        _, records, _ = documents(config, content, NOW, lang)
        withdrawn = [r for r in records if r["item_id"] == "withdrawn-fake-app"]
        assert withdrawn and all(r["state"] == "withdrawn" and r["withdrawn_reason"] for r in withdrawn)
        assert reason in withdrawn[0]["withdrawn_reason"]
        states = {r["item_id"]: r["state"] for r in records if r["kind"] == "alert"}
        assert states == {"live-phishing": "live", "expired-airdrop": "expired", "withdrawn-fake-app": "withdrawn"}
        assert all(r["withdrawn_reason"] is None for r in records if r["state"] != "withdrawn")


def test_help_lists_live_support_alerts_only(with_faq):
    config, content = with_faq
    assert documents(config, content, BEFORE)[0]["alerts"] == []
    alerts = documents(config, content, NOW)[0]["alerts"]
    assert [a["id"] for a in alerts] == ["live-phishing"]  # placed on support; not expired, withdrawn or scheduled
    assert alerts[0]["url"] == "https://help.fixture.example/en/alerts/live-phishing/"
    during = [a["id"] for a in documents(config, content, DURING)[0]["alerts"]]
    assert "scheduled-maintenance" not in during  # live then, but its banner is on the home screen only


def test_faq_entries_from_the_markdown_page(with_faq):
    config, content = with_faq
    faq = documents(config, content, NOW)[0]["faq"]
    assert [(e["group"], e["question"]) for e in faq] == [
        ("Security", "Will support ask for my recovery phrase?"), ("Security", "Is the maintenance planned?"),
        ("Everyday", "Why is my transfer pending?")]
    first = faq[0]
    assert first["url"] == "https://help.fixture.example/en/faq/#will-support-ask-for-my-recovery-phrase"
    assert first["answer_text"] == ("No, never. Read the guide (https://help.fixture.example/en/guides/spot-phishing/) "
                                    "and the warning (https://help.fixture.example/en/alerts/live-phishing/).")
    assert '<a href="https://help.fixture.example/en/guides/spot-phishing/">the guide</a>' in first["answer_html"]
    second = faq[1]  # a link to a scheduled alert is its text, as on the site
    assert "alerts/scheduled-maintenance" not in second["answer_html"] and "maintenance" in second["answer_text"]
    zh = documents(config, content, NOW, "zh")[0]["faq"]
    assert zh[0]["url"] == "https://help.fixture.example/faq/#客服会要我的助记词吗" and zh[0]["group"] == "安全类"


def test_answers_are_sanitised_even_if_check_was_skipped(with_faq):
    """Content that never passed check (a state restored from elsewhere) still runs no script."""
    import dataclasses

    config, content = with_faq
    page = next(p for p in content.pages if p.id == "faq")
    text = page.texts["en"]
    bad = dataclasses.replace(text, body=text.body.replace(
        "Fees are paid", '<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a> Fees are paid'))
    page = dataclasses.replace(page, texts={**page.texts, "en": bad})
    content = dataclasses.replace(content, pages=tuple(page if p.id == "faq" else p for p in content.pages))
    answer = documents(config, content, NOW)[0]["faq"][-1]
    for word in ("<script", "onerror", "javascript:", "alert("):
        assert word not in answer["answer_html"]
    assert "alert(" not in answer["answer_text"] and answer["answer_text"].endswith("own coin.")


def test_faq_anchors_are_the_sites(with_faq):
    """The anchors are those the site's page gets: read back from the page the site stages."""
    from alertcast.plan import Plan
    from alertcast.render.site import page_markdown, stage

    config, content = with_faq
    faq = documents(config, content, NOW)[0]["faq"]
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as docs:
        stage(Plan.at(content, NOW), config, "en", Path(docs))
        staged = (Path(docs) / "faq.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    page = page_markdown(config, "en").convert(staged)
    for entry in faq:
        assert f'id="{entry["id"]}"' in page


def test_signed_and_stable(with_faq):
    config, content = with_faq
    pair = signing.generate()
    key = signing.parse_private_key(pair.private_pem.decode())
    help_doc, _, out = documents(config, content, NOW, key=key)
    assert help_doc["key_id"] == signing.key_id(key)
    for lang in ("zh", "en"):
        path = f"api/v1/help/{lang}.json"
        assert signing.verify(pair.public_pem, out[path], out[path + ".sig"])
    later = outputs_at(content, config, datetime(2026, 3, 20, tzinfo=timezone.utc), key)  # no boundary in between
    for path in ("api/v1/help/en.json", "api/v1/help/en.json.sig", "api/v1/kb/en.jsonl"):
        assert later[path] == out[path]
    after = outputs_at(content, config, AFTER, key)  # live-phishing expired: the help file changes
    assert after["api/v1/help/en.json"] != out["api/v1/help/en.json"]
    assert json.loads(after["api/v1/help/en.json"])["revision"] != help_doc["revision"]


def test_long_sections_are_split_to_the_documented_size(project):
    path = project / "content" / "guides" / "spot-phishing.en.md"
    sentence = "Check the address of every site before you sign anything there. "
    path.write_text(path.read_text(encoding="utf-8") + "\n## A long section\n\n" + (sentence * 40 + "\n\n") * 3,
                    encoding="utf-8")
    config = load_config(project)
    _, records, _ = documents(config, load_or_raise(config), NOW)
    long = [r for r in records if r["title_path"][-1] == "A long section"]
    assert len(long) > 1 and all(len(r["text"]) <= MAX_TEXT for r in long)
    assert len({r["id"] for r in records}) == len(records)
    assert " ".join(r["text"] for r in long).count("Check the address") == 120


def write_reply(project, stem, lang, reply, folder="alerts"):
    path = project / "content" / folder / f"{stem}.{lang}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("---\n", f"---\nsupport_reply: {json.dumps(reply, ensure_ascii=False)}\n", 1),
                    encoding="utf-8")


def test_support_reply_is_exported_where_set(project):
    write_reply(project, "live-phishing", "en", "That message is a scam: we never ask for your recovery phrase. "
                "See https://help.fixture.example/en/alerts/live-phishing/")
    write_reply(project, "spot-phishing", "zh", "请按教程逐条核对。", folder="guides")
    config = load_config(project)
    content = load_or_raise(config)
    help_doc, records, out = documents(config, content, NOW)
    assert help_doc["alerts"][0]["support_reply"].startswith("That message is a scam")
    assert help_doc["guides"][0]["support_reply"] is None  # written in zh only
    assert {r["support_reply"] for r in records if r["item_id"] == "live-phishing"} == {
        help_doc["alerts"][0]["support_reply"]}
    zh, zh_records, _ = documents(config, content, NOW, "zh")
    assert zh["guides"][0]["support_reply"] == "请按教程逐条核对。" and zh["alerts"][0]["support_reply"] is None
    public = {path: data for path, data in out.items() if not path.startswith(("api/v1/help/", "api/v1/kb/"))}
    assert not any(b"That message is a scam" in data for data in public.values())  # no feed, banner or CAP


@pytest.mark.parametrize("reply, expected", [
    ("Go to https://evil-unlisted.example/help now", "not on the allow-list"),
    ("Never visit wallet-verify.example", "scam indicator"),
    ("x" * 501, "at most 500 characters"),
    ("First paragraph.\n\nSecond.", "one paragraph"),
])
def test_support_reply_is_checked_like_summaries(project, cli, reply, expected):
    write_reply(project, "live-phishing", "en", reply)
    result = cli("check", "-p", project)
    assert result.exit_code != 0
    assert "live-phishing.en.md:" in result.output and expected in result.output


def test_docs_fts5_example_answers_a_question(bundled, tmp_path):
    """The example in docs/outputs.md, run as written against the bundled content's knowledge base."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[1] / "docs" / "outputs.md").read_text(encoding="utf-8")
    code = re.search(r"<!-- kb-example -->\n```python\n(.*?)```", docs, re.DOTALL).group(1)
    config = load_config(bundled)
    out = outputs_at(load_or_raise(config), config, datetime(2026, 12, 7, tzinfo=timezone.utc))
    site = tmp_path / "site"
    for path, data in out.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(data)
    run = subprocess.run([sys.executable, "-c", code], cwd=site, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    urls = re.findall(r"^  (\S+)$", run.stdout, re.MULTILINE)
    assert len(urls) == 3, run.stdout
    assert any("recovery-phrase" in url or "fake-support-telegram" in url for url in urls), run.stdout


def test_bundled_alerts_carry_canned_replies_in_both_languages(bundled):
    config = load_config(bundled)
    content = load_or_raise(config)
    for alert in content.alerts:
        for lang in ("zh", "en"):
            reply = alert.texts[lang].support_reply
            assert reply and len(reply) <= 500, (alert.id, lang)
    help_doc = documents(config, content, datetime(2026, 11, 22, tzinfo=timezone.utc), "zh")[0]
    assert help_doc["alerts"] and all(a["support_reply"].startswith("您好") for a in help_doc["alerts"])
