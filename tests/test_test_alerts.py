"""A test or exercise alert (`status: test|exercise`) is in no public output at any moment:
the site, feeds, banners and indicators are byte for byte what they are without it; CAP carries
it, marked Test or Exercise, with no link to a page that does not exist."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from alertcast.config import load_config
from alertcast.content.loader import load_or_raise
from alertcast.pipeline import render_outputs
from alertcast.plan import Plan
from alertcast.render.site import content_dates, stage

from conftest import CST

DRILL = "drill-phishing"
PUBLISH = datetime(2026, 3, 10, 9, 0, tzinfo=CST)
UPDATE = datetime(2026, 3, 12, 9, 0, tzinfo=CST)
EXPIRE = datetime(2026, 3, 20, 9, 0, tzinfo=CST)
INSTANTS = [
    datetime(2026, 3, 10, 8, 59, 59, tzinfo=CST),  # before publish_at
    PUBLISH,                                        # the second it is published
    datetime(2026, 3, 11, 0, 0, tzinfo=CST),        # live, before its update
    UPDATE,                                         # updated
    datetime(2026, 3, 15, 0, 0, tzinfo=CST),        # the fixture's NOW: others live, expired, withdrawn
    EXPIRE,                                         # expired
    datetime(2026, 4, 1, 9, 0, tzinfo=CST),         # when the fixture's scheduled alert publishes
]
CAP_STATUS = {"test": "Test", "exercise": "Exercise"}


def write_drill(project: Path, status: str, withdrawn: bool = False) -> None:
    """A test alert with everything a public output could show: banner, CAP, indicators, an update."""
    for lang, title, summary, note in (("zh", "演练：假冒钱包网站", "演练用的摘要，不是真的。", "演练更新。"),
                                       ("en", "Drill: fake wallet site", "A drill summary, not a real one.",
                                        "A drill update.")):
        reason = f'withdrawn: "{"演练撤回。" if lang == "zh" else "Drill withdrawal."}"\n' if withdrawn else ""
        updated = "2026-03-14T09:00:00+08:00" if withdrawn else UPDATE.isoformat()
        (project / "content" / "alerts" / f"{DRILL}.{lang}.md").write_text(f"""---
title: "{title}"
summary: "{summary}"
severity: critical
category: phishing
status: {status}
publish_at: {PUBLISH.isoformat()}
expires_at: {EXPIRE.isoformat()}
updates:
  - at: {UPDATE.isoformat()}
    note: "{note}"
{"updated_at: " + updated if withdrawn else ""}
{reason}channels: [banner, cap]
scam_indicators:
  domains: [drill-only-domain.example]
---

## Details

{summary}
""", encoding="utf-8")


def without_drill(content):
    return dataclasses.replace(content, alerts=tuple(a for a in content.alerts if a.id != DRILL))


def staged(plan: Plan, config, tmp_path: Path, name: str) -> dict[str, bytes]:
    out = {}
    for lang in config.languages:
        docs = tmp_path / name / lang
        stage(plan, config, lang, docs)
        out.update({f"{lang}/{p.relative_to(docs)}": p.read_bytes() for p in sorted(docs.rglob("*")) if p.is_file()})
        out[f"{lang}/dates"] = repr(sorted(content_dates(plan, config, lang).items())).encode()
    return out


@pytest.mark.parametrize("status", ["test", "exercise"])
@pytest.mark.parametrize("withdrawn", [False, True], ids=["standing", "withdrawn"])
@pytest.mark.parametrize("now", INSTANTS, ids=lambda t: t.strftime("%m%dT%H%M%S"))
def test_a_test_alert_changes_no_public_output(project, tmp_path, status, withdrawn, now):
    write_drill(project, status, withdrawn)
    config = load_config(project)
    content = load_or_raise(config)
    drill = content.alert(DRILL)
    assert drill.status == status and not drill.is_public
    plan, bare = Plan.at(content, now), Plan.at(without_drill(content), now)

    with_it, without = render_outputs(plan, config), render_outputs(bare, config)
    drill_cap = {p for p in with_it if p.startswith(f"cap/{DRILL}.")}
    public = {p: b for p, b in with_it.items() if p not in drill_cap and p != "cap/index.atom"}
    assert public == {p: b for p, b in without.items() if p != "cap/index.atom"}
    assert staged(plan, config, tmp_path, "with") == staged(bare, config, tmp_path, "without")
    assert DRILL not in {a.id for a in plan.published + plan.live + plan.scheduled}
    assert not plan.is_public(DRILL)
    for data in public.values():
        assert b"drill-only-domain" not in data and DRILL.encode() not in data

    # CAP carries it from publish_at on, never as Actual, never linking to a page.
    assert bool(drill_cap) == (now >= PUBLISH)
    for path in drill_cap:
        doc = etree.fromstring(with_it[path])
        ns = {"c": "urn:oasis:names:tc:emergency:cap:1.2"}
        assert doc.findtext("c:status", namespaces=ns) == CAP_STATUS[status]
        assert doc.find(".//c:web", namespaces=ns) is None


def test_status_defaults_to_actual_and_refuses_others(project, cli):
    config = load_config(project)
    assert all(a.status == "actual" and a.is_public for a in load_or_raise(config).alerts)
    write_drill(project, "rehearsal")
    result = cli("check", "-p", project)
    assert result.exit_code == 1
    assert f"content/alerts/{DRILL}.zh.md:6:" in result.output and "status" in result.output
