"""The in-app help file per locale: the FAQ, the guides and the alerts for the support screen.

The FAQ stays the Markdown page editors write: every heading with text under it is one entry
(its question), grouped under the heading above it. Answers come as plain text and as HTML
cleaned like the site's, with the entry's anchor on the site. Alerts are the live ones whose
banner is placed on the support screen (`Plan.in_channel`, the plan's one notion of what is
live). Nothing in the file reads the clock: it carries a `revision` (a hash of the rest), so
its bytes, ETag and signature change only when what it says does.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources

from ..config import Config
from ..content.models import Alert, Guide
from ..plan import Plan
from .banner import cap_time
from .memo import RenderCache, own
from .sections import Pages, Section, page_address
from .site import guide_order

SCHEMA_VERSION = 1
SCHEMA_PATH = "api/v1/help.schema.json"
#: The top-level page the FAQ entries come from.
FAQ_PAGE = "faq"


def help_path(lang: str) -> str:
    return f"api/v1/help/{lang}.json"


def schema_bytes() -> bytes:
    return (resources.files("alertcast") / "schemas" / "help.schema.json").read_bytes()


def faq_entries(pages: Pages, plan: Plan, config: Config) -> tuple[str, list[tuple[list[str], Section]]]:
    """(page URL, [(headings above, entry)]) of the FAQ page: each heading below the title that has
    text under it is an entry; the headings above it (without the page title) are its groups."""
    page = next((p for p in plan.content.pages if p.id == FAQ_PAGE), None)
    if page is None:
        return page_address(config, pages.lang, f"{FAQ_PAGE}.md"), []
    written = page.text(pages.lang, config.default_lang)
    url, sections = pages.of("", page.id, written.title, written.body)
    entries, above = [], []
    for section in sections:
        above = [s for s in above if s.level < section.level]
        if section.level > 1 and section.text:
            entries.append(([s.title for s in above if s.level > 1], section))
        above.append(section)
    return url, entries


def _guide(guide: Guide, config: Config, lang: str) -> dict:
    written = guide.text(lang, config.default_lang)
    return {"id": guide.id, "title": written.title, "summary": written.summary, "level": guide.level,
            "order": guide.order, "url": config.page_url("guides", guide.id, lang),
            "updated_at": cap_time(guide.updated_at) if guide.updated_at else None,
            "support_reply": written.support_reply or None}


def _alert(alert: Alert, config: Config, lang: str) -> dict:
    written = alert.text(lang, config.default_lang)
    return {"id": alert.id, "severity": alert.severity.value, "category": alert.category, "title": written.title,
            "summary": written.summary, "url": config.page_url("alerts", alert.id, lang),
            "published_at": cap_time(alert.publish_at),
            "expires_at": cap_time(alert.expires_at) if alert.expires_at else None,
            "updated_at": cap_time(alert.changed_at), "support_reply": written.support_reply or None}


def support_alerts(plan: Plan) -> tuple[Alert, ...]:
    """Live banner alerts placed on the support screen, most severe first, then newest."""
    return tuple(a for a in plan.in_channel("banner") if a.banner is not None and "support" in a.banner.placement)


def render_help(plan: Plan, config: Config, lang: str, key_id: str | None = None, cache: RenderCache | None = None) -> bytes:
    pages = Pages(plan, config, lang, cache)
    url, entries = faq_entries(pages, plan, config)
    doc: dict = {
        "schema_version": SCHEMA_VERSION,
        "locale": lang,
        "key_id": key_id,
        "faq": [{"id": s.anchor, "group": groups[-1] if groups else None, "question": s.title,
                 "answer_text": s.text, "answer_html": s.html, "url": f"{url}#{s.anchor}"} for groups, s in entries],
        "guides": [_guide(g, config, lang) for g in guide_order(plan.content.guides)],
        "alerts": [_alert(a, config, lang) for a in support_alerts(plan)],
    }
    body = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    doc["revision"] = hashlib.sha256(body.encode()).hexdigest()[:16]
    return (json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode()


def render_help_files(plan: Plan, config: Config, key_id: str | None = None, cache: RenderCache | None = None) -> dict[str, bytes]:
    memo = own(cache)
    out = {help_path(lang): render_help(plan, config, lang, key_id, memo) for lang in config.languages}
    out[SCHEMA_PATH] = schema_bytes()
    return out
