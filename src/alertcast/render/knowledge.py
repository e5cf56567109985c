"""The knowledge base per locale: one JSON line per section of every FAQ entry, guide and
published alert, for a support assistant's retrieval index.

Sections are split at headings, and no record's `text` is over MAX_TEXT characters (a longer
section is split at paragraphs, then sentences), so each record fits a retrieval chunk. Alerts
are those the plan calls published (live, expired or withdrawn; never scheduled), each record
carrying the alert's state and, once withdrawn, the reason, so an assistant can say that a
warning was withdrawn instead of repeating it.
"""

from __future__ import annotations

import json
import re
from importlib import resources

from pymdownx.slugs import slugify

from ..config import Config
from ..content.models import Alert, Guide
from ..cores import LEAST_PER_PROCESS, ordered_map
from ..plan import Plan
from .banner import cap_time
from .help_api import FAQ_PAGE, faq_entries
from .memo import RenderCache, own
from .sections import Pages, Section
from .site import defang, words

SCHEMA_PATH = "api/v1/kb.schema.json"
#: The most characters of text one record holds.
MAX_TEXT = 2000


def kb_path(lang: str) -> str:
    return f"api/v1/kb/{lang}.jsonl"


def schema_bytes() -> bytes:
    return (resources.files("alertcast") / "schemas" / "kb.schema.json").read_bytes()


def chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut between paragraphs, else between
    sentences, else anywhere."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    for unit in re.split(r"\n\n+", text):
        for part in _fit(unit, limit):
            if pieces and len(pieces[-1]) + 2 + len(part) <= limit:
                pieces[-1] += "\n\n" + part
            else:
                pieces.append(part)
    return pieces


def _fit(paragraph: str, limit: int) -> list[str]:
    out = [""]
    for sentence in re.split(r"(?<=[.!?。！？；;])", paragraph):
        while len(sentence) > limit:
            out.append(sentence[:limit])
            sentence = sentence[limit:]
        if len(out[-1]) + len(sentence) <= limit:
            out[-1] += sentence
        else:
            out.append(sentence)
    return [piece.strip() for piece in out if piece.strip()]


class _Records:
    def __init__(self, lang: str):
        self.lang = lang
        self.lines: list[str] = []

    def add(self, kind: str, item_id: str, path: list[str], text: str, url: str, updated: str | None,
            state: str | None = None, reason: str | None = None, reply: str | None = None) -> None:
        anchor = url.partition("#")[2]
        for index, piece in enumerate(chunks(text)):
            record = {"id": f"{self.lang}/{kind}/{item_id}" + (f"#{anchor}" if anchor else "")
                      + (f"~{index + 1}" if index else ""),
                      "lang": self.lang, "kind": kind, "item_id": item_id, "title_path": path, "text": piece,
                      "url": url, "updated_at": updated, "state": state, "withdrawn_reason": reason,
                      "support_reply": reply}
            self.lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


def _sections(records: _Records, kind: str, item_id: str, url: str, sections: list[Section], summary: str,
              extra: dict) -> None:
    title = sections[0].title if sections else ""
    above: list[Section] = []
    for index, section in enumerate(sections):
        above = [s for s in above if s.level < section.level]
        path = [s.title for s in above] + ([section.title] if index else [title])
        text = f"{summary}\n\n{section.text}".strip() if index == 0 else section.text
        if text:
            records.add(kind, item_id, path, text, url if index == 0 else f"{url}#{section.anchor}", **extra)
        above.append(section)


def _guide(records: _Records, pages: Pages, guide: Guide, config: Config) -> None:
    written = guide.text(records.lang, config.default_lang)
    url, sections = pages.of("guides", guide.id, written.title, written.body)
    _sections(records, "guide", guide.id, url, sections, written.summary,
              {"updated": cap_time(guide.updated_at) if guide.updated_at else None,
               "reply": written.support_reply or None})


def _alert(records: _Records, pages: Pages, plan: Plan, alert: Alert, config: Config) -> None:
    lang = records.lang
    written = alert.text(lang, config.default_lang)
    url, sections = pages.of("alerts", alert.id, written.title, written.body)
    extra = {"updated": cap_time(alert.changed_at), "state": plan.states[alert.id].value,
             "reason": alert.reason(lang, config.default_lang) or None, "reply": written.support_reply or None}
    _sections(records, "alert", alert.id, url, sections, written.summary, extra)
    ind = alert.indicators
    if ind:
        listed = [defang(d) for d in ind.domains] + list(ind.addresses) + list(ind.handles)
        heading = words(lang)["indicators"]
        records.add("alert", alert.id, [written.title, heading], "\n".join(f"- {v}" for v in listed),
                    f"{url}#{slugify(case='lower')(heading, '-')}", **extra)


def render_kb(plan: Plan, config: Config, lang: str, cache: RenderCache | None = None) -> bytes:
    pages = Pages(plan, config, lang, cache)
    records = _Records(lang)
    url, entries = faq_entries(pages, plan, config)
    for groups, section in entries:
        records.add("faq", FAQ_PAGE, [*groups, section.title], section.text, f"{url}#{section.anchor}", None)
    for guide in sorted(plan.content.guides, key=lambda g: g.id):
        _guide(records, pages, guide, config)
    for alert in plan.published:
        _alert(records, pages, plan, alert, config)
    return "".join(line + "\n" for line in records.lines).encode()


def render_kb_files(plan: Plan, config: Config, cache: RenderCache | None = None,
                    processes: int = 1) -> dict[str, bytes]:
    """The knowledge base of every language. Each renders every published alert's page, most of
    a build without the site: with `processes` > 1 the languages render side by side in forked
    processes, which keep what they add to `cache` to themselves (so a caller that renders
    again, the daemon, gives 1). Pages a process puts in the cache's disk part come back with
    its knowledge base, for the caller to save."""
    memo = own(cache)
    langs = list(config.languages)
    if len(plan.published) < LEAST_PER_PROCESS:  # a process costs more than rendering these few pages
        processes = 1

    def one(lang: str) -> tuple[bytes, dict[str, str]]:
        kb = render_kb(plan, config, lang, memo)
        return kb, memo.disk.take() if memo.disk is not None else {}

    done = ordered_map(one, langs, processes=processes, least=1)
    if memo.disk is not None:
        for _kb, entries in done:
            memo.disk.add(entries)
    out = {kb_path(lang): kb for lang, (kb, _entries) in zip(langs, done)}
    out[SCHEMA_PATH] = schema_bytes()
    return out
