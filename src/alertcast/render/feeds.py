"""Alert feeds per language: RSS 2.0 and Atom (feedgen) and JSON Feed 1.1.

Entry ids are tag URIs built from the `id_authority` setting (default: the site's host) and
the alert id only, so they never change across rebuilds or updates, stay put when the site
moves (as long as `id_authority` is kept), and differ between two deployments; `updated`
and entry order are set explicitly because feedgen would otherwise fill in the wall clock
and prepend entries.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from feedgen.feed import FeedGenerator

from ..config import Config
from ..content.models import Alert
from ..plan import Plan, State
from . import labels
from .memo import RenderCache, own
from .banner import window_times
from .window import has_window, labelled_window


def entry_id(config: Config, alert: Alert) -> str:
    """A stable id: independent of URL layout, language and revision, unique to this deployment."""
    return f"tag:{config.tag_entity}:alert:{alert.id}"


def feed_paths(lang: str) -> dict[str, str]:
    return {
        "rss": f"feeds/alerts.{lang}.rss.xml",
        "atom": f"feeds/alerts.{lang}.atom.xml",
        "json": f"feeds/alerts.{lang}.json",
    }


def entry_title(plan: Plan, config: Config, alert: Alert, lang: str) -> str:
    text = alert.text(lang, config.default_lang)
    prefix = labels.severity(alert.severity.value, lang)
    if plan.states[alert.id] is State.withdrawn:
        prefix = f"{labels.word('withdrawn', lang)} · {prefix}"
    elif _updated(alert):
        prefix = f"{labels.word('updated', lang)} · {prefix}"
    return f"[{prefix}] {text.title}"


def _updated(alert: Alert) -> bool:
    return alert.updated_at is not None and alert.updated_at > alert.publish_at


def entry_summary(plan: Plan, config: Config, alert: Alert, lang: str) -> str:
    """What changed comes first (the reason of a withdrawal, the note of an update): feed
    readers show the start of the summary in their lists, and that is the news."""
    text = alert.text(lang, config.default_lang)
    parts = []
    if alert.is_withdrawn:
        reason = alert.reason(lang, config.default_lang)
        parts.append(labels.labelled("withdrawn", reason, lang))
    note = alert.note(lang, config.default_lang)
    if _updated(alert) and note and not alert.is_withdrawn:
        parts.append(labels.labelled("updated", note, lang))
    if has_window(alert):
        parts.append(labelled_window(alert, config.tz, lang))
    parts.append(text.summary)
    return "\n\n".join(parts)


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


#: Entries per feed: the most recently changed alerts. Readers poll feeds often, downloading
#: the whole file each time; older alerts stay on the site (and in CAP). A withdrawal counts
#: as a change only via updated_at.
FEED_LIMIT = 50


def _alerts(plan: Plan) -> list[Alert]:
    """Published alerts, newest change first (ties broken by id for determinism), capped."""
    return sorted(plan.published, key=lambda a: (a.changed_at, a.publish_at, a.id), reverse=True)[:FEED_LIMIT]


def _feed_updated(plan: Plan, alerts: list[Alert]) -> datetime:
    """The newest entry's change; a feed with nothing in it yet is dated by the plan (the last
    boundary up to the build), never by the clock and never by the epoch."""
    return max((a.changed_at for a in alerts), default=plan.generated_at)


def _links(config: Config, lang: str, self_path: str) -> list[dict[str, str]]:
    # feedgen's RSS <link> is the last link added: the alternate (the site) must come last.
    return [{"href": config.site_url + self_path, "rel": "self"},
            {"href": config.site_url + ("" if lang == config.default_lang else f"{lang}/"), "rel": "alternate"}]


def _generator(plan: Plan, config: Config, lang: str, self_path: str, alerts: list[Alert]) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(f"tag:{config.tag_entity}:feed:alerts:{lang}")
    fg.title(f"{config.site_name_in(lang)} · {labels.word('alerts', lang)}")
    fg.subtitle(labels.word("alerts", lang))
    fg.link(_links(config, lang, self_path))
    fg.language(lang)
    # RFC 4287 §4.1.1: a feed names its author (the site: the team that publishes it).
    fg.author({"name": config.site_name_in(lang)})
    fg.updated(_feed_updated(plan, alerts))
    fg.lastBuildDate(_feed_updated(plan, alerts))
    fg.generator("alertcast")
    # feedgen prepends by default: add oldest first so the newest ends up on top.
    for alert in reversed(alerts):
        text = alert.text(lang, config.default_lang)
        fe = fg.add_entry()
        fe.id(entry_id(config, alert))
        fe.guid(entry_id(config, alert), permalink=False)
        fe.title(entry_title(plan, config, alert, lang))
        fe.link(href=config.page_url("alerts", alert.id, lang))
        fe.summary(entry_summary(plan, config, alert, lang))
        fe.published(alert.publish_at)
        fe.updated(alert.changed_at)
        # Atom `term` is the id; the label (RSS 2.0's category text) is in the feed's language.
        fe.category(term=alert.category, label=labels.category(alert.category, lang))
        fe.category(term=f"severity:{alert.severity.value}", label=labels.severity(alert.severity.value, lang))
        if alert.is_withdrawn:
            fe.category(term="withdrawn", label=labels.word("withdrawn", lang))
        del text
    return fg


def render_json_feed(plan: Plan, config: Config, lang: str, alerts: list[Alert]) -> bytes:
    items = []
    for alert in alerts:
        item = {
            "id": entry_id(config, alert),
            "url": config.page_url("alerts", alert.id, lang),
            "title": entry_title(plan, config, alert, lang),
            "content_text": entry_summary(plan, config, alert, lang),
            "summary": entry_summary(plan, config, alert, lang),
            "date_published": _iso(alert.publish_at),
            "date_modified": _iso(alert.changed_at),
            "language": alert.text(lang, config.default_lang).lang,  # the language it falls back to, if so
            "tags": [alert.category, f"severity:{alert.severity.value}"] + (["withdrawn"] if alert.is_withdrawn else []),
            "_alertcast": {
                "severity": alert.severity.value,
                "revision": alert.revision,
                "state": plan.states[alert.id].value,
                "withdrawn_reason": alert.reason(lang, config.default_lang) if alert.is_withdrawn else None,
            },
        }
        if has_window(alert):
            item["_alertcast"]["window"] = window_times(alert)
        items.append(item)
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": f"{config.site_name_in(lang)} · {labels.word('alerts', lang)}",
        "home_page_url": config.site_url + ("" if lang == config.default_lang else f"{lang}/"),
        "feed_url": config.site_url + feed_paths(lang)["json"],
        "language": lang,
        "items": items,
    }
    return (json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n").encode("utf-8")


def render_feeds(plan: Plan, config: Config, cache: RenderCache | None = None) -> dict[str, bytes]:
    """All feeds for all languages: relative path -> bytes.

    Feeds show only their alerts and those alerts' states, so an unchanged set of entries
    (the usual case when an older alert changes) reuses the bytes of the last render.
    """
    alerts = _alerts(plan)
    memo = own(cache)
    key = (tuple((memo.alert_key(a), plan.states[a.id]) for a in alerts), memo.config_key(config))
    return dict(memo("feeds", key, lambda: _render_feeds(plan, config, alerts)))


def _render_feeds(plan: Plan, config: Config, alerts: list[Alert]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for lang in config.languages:
        paths = feed_paths(lang)
        # One generator serves both formats (building entries is most of a feed's cost);
        # only the self link differs, so it is swapped between the two.
        fg = _generator(plan, config, lang, paths["atom"], alerts)
        out[paths["atom"]] = fg.atom_str(pretty=True)
        fg.link(_links(config, lang, paths["rss"]), replace=True)
        # RSS items have one date, which readers show in their lists: the latest revision's,
        # so an update or a withdrawal is dated when it happened (Atom keeps both dates).
        entries = {fe.id(): fe for fe in fg.entry()}
        for alert in alerts:
            entries[entry_id(config, alert)].pubDate(alert.changed_at)
        out[paths["rss"]] = fg.rss_str(pretty=True)
        out[paths["json"]] = render_json_feed(plan, config, lang, alerts)
    return out
