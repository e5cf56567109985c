"""In-app banner JSON per locale: only what is live now, with targeting and a revision.

A file cannot be replayed to an app that checks it (see `alertcast.verifier`): it names its
`locale` and signing `key_id`, carries a `version` that only grows and a `valid_until`. It is
issued again at every re-sign instant (`banner.resign_hours`), so bytes change only at a
boundary or at a re-sign, both announced in `next_change_at`.

The `revision` of each banner is `<alert.revision>-<hash>` where the hash covers every field
the banner shows, so it changes whenever what the app would display changes (a new
`updated_at`, or an edit to the text or targeting).
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import datetime, timedelta, timezone
from importlib import resources

from ..config import Config
from ..content.models import Alert
from ..plan import Plan
from .memo import RenderCache, own
from .window import has_window

SCHEMA_VERSION = 2
SCHEMA_PATH = "api/v1/banner.schema.json"


def banner_path(lang: str) -> str:
    return f"api/v1/banners/{lang}.json"


def schema_bytes() -> bytes:
    """The JSON Schema shipped as package data (published unchanged)."""
    return (resources.files("alertcast") / "schemas" / "banner.schema.json").read_bytes()


@functools.lru_cache(maxsize=8192)  # alerts share times; equal instants give equal text
def cap_time(t: datetime) -> str:
    """UTC, second precision, explicit offset: stable and easy for apps to parse."""
    return t.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _action_url(config: Config, alert: Alert, lang: str) -> str:
    assert alert.banner is not None
    url = alert.banner.action_url
    if url and config.allows_link(url):
        return url
    return config.page_url("alerts", alert.id, lang)


def banner_item(plan: Plan, config: Config, alert: Alert, lang: str, cache: RenderCache | None = None) -> dict:
    """One banner; depends on the alert and settings only (memoised per alert revision)."""
    memo = own(cache)
    return memo("banner", (memo.alert_key(alert), memo.config_key(config), lang), lambda: _banner_item(config, alert, lang))


def _banner_item(config: Config, alert: Alert, lang: str) -> dict:
    assert alert.banner is not None
    b = alert.banner
    text = alert.text(lang, config.default_lang)
    item = {
        "id": alert.id,
        "severity": alert.severity.value,
        "category": alert.category,
        "title": text.title,
        "body": text.summary,
        "action_url": _action_url(config, alert, lang),
        "starts_at": cap_time(alert.publish_at),
        "ends_at": cap_time(alert.expires_at) if alert.expires_at else None,
        "updated_at": cap_time(alert.changed_at),
        "targeting": {
            "platforms": sorted(b.platforms),
            "min_app_version": b.min_app_version,
            "max_app_version": b.max_app_version,
            "placement": sorted(b.placement),
        },
        "dismissible": b.dismissible,
        "frequency": b.frequency,
    }
    if text.lang != lang:  # no translation: say which language the title and body are in
        item["lang"] = text.lang
    if has_window(alert):  # only then: the revisions of every other banner stay as they were
        item["window"] = window_times(alert)
    digest = hashlib.sha256(json.dumps(item, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]
    item["revision"] = f"{alert.revision}-{digest}"
    return item


def window_times(alert: Alert) -> dict[str, str]:
    """A maintenance window for machines (the banner, JSON Feed): its start and end in UTC."""
    assert alert.starts_at is not None and alert.ends_at is not None
    return {"starts_at": cap_time(alert.starts_at), "ends_at": cap_time(alert.ends_at)}


def _resign_step(config: Config) -> timedelta:
    return timedelta(hours=config.settings.banner.resign_hours)


def last_resign(now: datetime, config: Config) -> datetime:
    """The latest re-sign instant at or before `now`: a multiple of `resign_hours` since 1970 UTC,
    so every publisher (the daemon, the scheduled workflow, a person) finds the same one."""
    step = int(_resign_step(config).total_seconds())
    return datetime.fromtimestamp(int(now.timestamp()) // step * step, timezone.utc)


def issued_at(plan: Plan, config: Config) -> datetime:
    """When the file was issued: the last change up to now, the commit the content comes from, or
    the last re-sign, whichever is latest. Never moves back as time passes: it is the file's
    `version`. The commit counts because a merge can change what is live without any time in
    the content moving past the last re-sign (an alert withdrawn with an `updated_at` already past)."""
    committed = plan.content.committed_at
    times = [last_resign(plan.now, config), plan.public_last_change_at, committed if committed and committed <= plan.now else None]
    return max(t for t in times if t is not None)


def next_resign(now: datetime, config: Config) -> datetime:
    """The first re-sign instant after `now`: whoever publishes must publish again then (the
    daemon schedules it; the scheduled workflow runs every 15 minutes)."""
    return last_resign(now, config) + _resign_step(config)


def next_change(plan: Plan, config: Config) -> datetime:
    """When the banner files next change: the plan's next boundary or the next re-sign, whichever
    comes first."""
    resign = next_resign(plan.now, config)
    nxt = plan.public_next_change_at
    return resign if nxt is None or resign < nxt else nxt


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def render_banner(plan: Plan, config: Config, lang: str, key_id: str | None = None,
                  cache: RenderCache | None = None) -> bytes:
    """The banner file; each banner's JSON is serialised once per revision and spliced in.

    The result is exactly `json.dumps(doc, sort_keys=True, separators=(",", ":"))`. `key_id`
    names the key that will sign it (None: unsigned).
    """
    memo = own(cache)
    ckey = memo.config_key(config)
    items = [memo("banner-json", (memo.alert_key(a), ckey, lang), lambda a=a: _dumps(banner_item(plan, config, a, lang, memo)))
             for a in plan.in_channel("banner") if a.banner is not None]
    issued = issued_at(plan, config)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "locale": lang,
        "key_id": key_id,
        "version": int(issued.timestamp()),
        "generated_at": cap_time(plan.generated_at),
        "valid_until": cap_time(issued + timedelta(hours=config.settings.banner.valid_hours)),
        "next_change_at": cap_time(next_change(plan, config)),
        "poll_after_seconds": config.settings.banner.poll_seconds,
        "banners": [],
    }
    head = _dumps(doc)
    assert head.startswith('{"banners":[]')  # "banners" sorts first
    return ('{"banners":[' + ",".join(items) + "]" + head[len('{"banners":[]'):] + "\n").encode("utf-8")


def render_banners(plan: Plan, config: Config, key_id: str | None = None,
                   cache: RenderCache | None = None) -> dict[str, bytes]:
    memo = own(cache)
    out = {banner_path(lang): render_banner(plan, config, lang, key_id, memo) for lang in config.languages}
    out[SCHEMA_PATH] = schema_bytes()
    return out
