"""`alertcast verify TEXT`: the Verify page's answer, for support agents at a terminal.

It checks TEXT against the official.json and indicators.json the content gives at `--now`,
with the same steps as the page (contacts.check), so both give the same verdict.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from ..contacts import check, confusable_chars, unicode_domain
from ..checks.load import load_or_raise
from ..plan import Plan
from ..problems import ContentError
from ..render.indicators import INDICATORS_PATH, render_indicators
from ..render.official import OFFICIAL_PATH, render_official
from ..render.verify_page import words
from .options import TimeParam, now_or, project_config, project_option, report_and_exit


def lines(result: dict, lang: str, titles: dict[str, str]) -> list[str]:
    """The verdict as the page words it, in `lang` (`titles`: alert id -> its title)."""
    w = words(lang)
    out = [f"{result['verdict']}: {w[result['verdict']]}"]
    for channel in result["channels"]:
        used = channel["for"].get(lang) or next(iter(channel["for"].values()), "")
        never = channel["never"].get(lang) or ""
        out.append(f"  {w['kinds'].get(channel['kind'], channel['kind'])}: {channel['value']} — {used}"
                   + (f" ({never})" if never else ""))
    for alert_id in result["alerts"]:
        out.append(f"  {titles.get(alert_id, alert_id)} ({alert_id})")
    for reason in result["reasons"]:
        text = w["reasons"][reason]
        if reason == "confusable":
            name = result["value"] if result["kind"] == "handle" else unicode_domain(
                result.get("host") or result["value"].rpartition("@")[2])
            text += " " + ", ".join(f"“{c}” U+{ord(c):04X}" for c in confusable_chars(name))
        out.append(f"  - {text}")
    if result["verdict"] != "official":
        out.append(w["advice"])
    return out


@click.command()
@click.argument("text")
@project_option
@click.option("--now", "when", type=TimeParam(), help="Check against the alerts published at this time (default: now).")
@click.option("--lang", help="Language of the answer (default: the site's default language).")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON (verdict, channels, alerts, reasons).")
def verify(text: str, project: str, when: datetime | None, lang: str | None, as_json: bool) -> None:
    """Say whether TEXT (a handle, link, domain, email, phone number or wallet address) is one of
    our official channels, a known scam, a look-alike of an official channel, or unknown."""
    config = project_config(project)
    try:
        plan = Plan.at(load_or_raise(config), now_or(when))
    except ContentError as exc:
        report_and_exit(exc)
        return
    official = render_official(plan, config)
    if not official:
        click.echo(f"{config.content_dir}/official-channels.yml lists no official channels: nothing to compare with; "
                   "create it as docs/content.md shows", err=True)
        sys.exit(1)
    indicators = json.loads(render_indicators(plan)[INDICATORS_PATH])
    result = check(text, json.loads(official[OFFICIAL_PATH]), indicators)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, sort_keys=True))
        return
    language = lang if lang in config.languages else config.default_lang
    titles = {a.id: a.text(language, config.default_lang).title for a in plan.content.alerts}
    click.echo("\n".join(lines(result, language, titles)))
