"""In-app banner JSON per locale: only what is live now, with targeting and a revision.

The `revision` of each banner is `<alert.revision>-<hash>` where the hash covers every field
the banner shows, so it changes whenever what the app would display changes (a new
`updated_at`, or an edit to the text or targeting).
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import datetime, timezone
from importlib import resources

from ..config import Config
from ..content.models import Alert
from ..plan import Plan
from .memo import alert_key, config_key, memo

SCHEMA_VERSION = 1
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


def banner_item(plan: Plan, config: Config, alert: Alert, lang: str, ckey: int | None = None) -> dict:
    """One banner; depends on the alert and settings only (memoised per alert revision)."""
    ckey = config_key(config) if ckey is None else ckey
    return memo("banner", (alert_key(alert), ckey, lang), lambda: _banner_item(config, alert, lang))


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
    digest = hashlib.sha256(json.dumps(item, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]
    item["revision"] = f"{alert.revision}-{digest}"
    return item


def poll_seconds(plan: Plan, config: Config) -> int:
    """How long apps may wait before polling again: the configured hint, capped by the next change."""
    hint = config.settings.banner.poll_seconds
    nxt = plan.next_change_at
    if nxt is not None:
        hint = max(30, min(hint, int((nxt - plan.now).total_seconds())))
    return hint


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def render_banner(plan: Plan, config: Config, lang: str) -> bytes:
    """The banner file; each banner's JSON is serialised once per revision and spliced in.

    The result is exactly `json.dumps(doc, sort_keys=True, separators=(",", ":"))`.
    """
    ckey = config_key(config)
    items = [memo("banner-json", (alert_key(a), ckey, lang), lambda a=a: _dumps(banner_item(plan, config, a, lang, ckey)))
             for a in plan.in_channel("banner") if a.banner is not None]
    nxt = plan.next_change_at
    doc = {
        "schema_version": SCHEMA_VERSION,
        "locale": lang,
        "generated_at": cap_time(plan.generated_at),
        "next_change_at": cap_time(nxt) if nxt else None,
        "poll_after_seconds": poll_seconds(plan, config),
        "banners": [],
    }
    head = _dumps(doc)
    assert head.startswith('{"banners":[]')  # "banners" sorts first
    return ('{"banners":[' + ",".join(items) + "]" + head[len('{"banners":[]'):] + "\n").encode("utf-8")


def render_banners(plan: Plan, config: Config) -> dict[str, bytes]:
    out = {banner_path(lang): render_banner(plan, config, lang) for lang in config.languages}
    out[SCHEMA_PATH] = schema_bytes()
    return out
