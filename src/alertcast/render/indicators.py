"""Scam indicators of live alerts, normalised for apps to block or warn (never rendered as links)."""

from __future__ import annotations

import hashlib
import json
import re

from ..content.frontmatter import refang
from ..plan import Plan
from .banner import cap_time
from .memo import alert_key, memo

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


def render_indicators(plan: Plan) -> dict[str, bytes]:
    """The list, serialised once per set of live alerts and spliced into the dated document."""
    alerts = [a for a in plan.live if a.indicators]
    items, version, updated_at = memo("indicators-list", tuple(alert_key(a) for a in alerts), lambda: _listed(alerts))
    doc = {
        "schema_version": SCHEMA_VERSION,
        "version": version,
        "updated_at": updated_at,
        "generated_at": cap_time(plan.now),
        "indicators": [],
    }
    text = _dumps(doc).replace('"indicators":[]', '"indicators":' + items, 1)
    return {INDICATORS_PATH: (text + "\n").encode()}


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _listed(alerts: list) -> tuple[str, str, str | None]:  # type: ignore[type-arg]
    """(the indicators as JSON, their version, when the newest of them changed)."""
    entries: dict[tuple[str, str], set[str]] = {}
    for alert in alerts:
        for pair in memo("indicators", (alert.indicators,), lambda a=alert: _normalised(a)):
            entries.setdefault(pair, set()).add(alert.id)
    items = _dumps([{"type": kind, "value": value, "alerts": sorted(ids)} for (kind, value), ids in sorted(entries.items())])
    version = hashlib.sha256(items.encode()).hexdigest()[:16]  # of the list exactly as published
    changed = [a.changed_at for a in alerts]
    return items, version, cap_time(max(changed)) if changed else None
