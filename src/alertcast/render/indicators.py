"""Scam indicators, normalised for apps to block or warn (never rendered as links).

The list holds the indicators of every published alert that is not withdrawn: live ones and
expired ones. `expires_at` takes an alert out of the banner, not off the site, and a phishing
domain or a poisoned address stays dangerous after the warning's time is up. A withdrawn
alert was wrong, so its indicators leave the list; a scheduled one is not public yet.
"""

from __future__ import annotations

import hashlib
import json
import re

from datetime import datetime

from ..content.frontmatter import refang
from ..content.models import Alert
from ..plan import Plan, State, never_live
from .banner import cap_time
from .memo import RenderCache, own

INDICATORS_PATH = "api/v1/indicators.json"
SCHEMA_VERSION = 1


def normalise_domain(value: str) -> str:
    value = refang(value.strip()).lower()
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    return value.split("/")[0].split("?")[0].strip(".")


def normalise_address(value: str) -> str:
    chain, _, address = value.partition(":")
    chain = chain.strip().lower()
    address = address.strip()
    # EVM addresses are case-insensitive (checksums are a display matter); others are not.
    if address.lower().startswith("0x"):
        address = address.lower()
    return f"{chain}:{address}"


def normalise_handle(value: str) -> str:
    platform, _, handle = value.partition(":")
    return f"{platform.strip().lower()}:{handle.strip().lower()}"


def _normalised(alert) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    ind = alert.indicators
    return [(kind, norm(v)) for kind, values, norm in (("domain", ind.domains, normalise_domain),
                                                      ("address", ind.addresses, normalise_address),
                                                      ("handle", ind.handles, normalise_handle)) for v in values]


def listed(plan: Plan) -> list[Alert]:
    """The alerts whose indicators are in the list at `plan.now`: live or expired, not withdrawn."""
    return [a for a in plan.published if a.indicators and plan.states[a.id] in (State.live, State.expired)]


def last_change(plan: Plan) -> datetime | None:
    """The latest moment up to `plan.now` at which the list changed: an alert with indicators
    was published (it entered), was withdrawn (it left) or was updated while listed (the content
    keeps only its latest indicators, so an update counts as a change). Expiry changes nothing.
    None while nothing has ever been listed. It never moves back as time goes on."""
    moments = []
    for alert in plan.published:  # as of now: an update or withdrawal still ahead is not there
        if not alert.indicators or never_live(alert):
            continue
        moments.append(alert.publish_at)
        if alert.updated_at is not None and alert.updated_at > alert.publish_at:
            moments.append(alert.updated_at)  # a withdrawal's time is its updated_at
    return max(moments, default=None)


def render_indicators(plan: Plan, cache: RenderCache | None = None) -> dict[str, bytes]:
    """The list, serialised once per set of listed alerts and spliced into the dated document."""
    alerts = listed(plan)
    memo = own(cache)
    items, version = memo("indicators-list", tuple(memo.alert_key(a) for a in alerts), lambda: _listed(alerts, memo))
    changed = last_change(plan)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "version": version,
        "updated_at": cap_time(changed) if changed else None,
        "generated_at": cap_time(plan.generated_at),
        "indicators": [],
    }
    text = _dumps(doc).replace('"indicators":[]', '"indicators":' + items, 1)
    return {INDICATORS_PATH: (text + "\n").encode()}


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _listed(alerts: list, memo: RenderCache) -> tuple[str, str]:  # type: ignore[type-arg]
    """(the indicators as JSON, their version)."""
    entries: dict[tuple[str, str], set[str]] = {}
    for alert in alerts:
        for pair in memo("indicators", (alert.indicators,), lambda a=alert: _normalised(a)):
            entries.setdefault(pair, set()).add(alert.id)
    items = _dumps([{"type": kind, "value": value, "alerts": sorted(ids)} for (kind, value), ids in sorted(entries.items())])
    version = hashlib.sha256(items.encode()).hexdigest()[:16]  # of the list exactly as published
    return items, version
