"""Per-alert memoisation for the fast re-publish path.

Renderers stay pure: a cached piece is returned only for an identical key (every alert field
and text the piece depends on, plus the settings it reads), so output bytes never depend on
what was rendered before. After one alert changes, only that alert's pieces are re-rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from ..config import Config
from ..content.models import Alert

T = TypeVar("T")
_MAX = 20000
_cache: dict[Hashable, object] = {}


def alert_key(alert: Alert) -> tuple:
    """Everything about an alert that outputs may show (Alert itself is unhashable: dict fields).

    Computed once per Alert object: the entry holds the object, so its id cannot be reused.
    """
    hit = _keys.get(id(alert))
    if hit is not None and hit[0] is alert:
        return hit[1]
    key = _alert_key(alert)
    if len(_keys) >= _MAX:
        _keys.clear()
    _keys[id(alert)] = (alert, key)
    return key


_keys: dict[int, tuple[Alert, tuple]] = {}


def _alert_key(alert: Alert) -> tuple:
    return (
        alert.id, alert.severity, alert.category, alert.publish_at, alert.expires_at, alert.updated_at,
        tuple(sorted(alert.update_note.items())), tuple(sorted(alert.withdrawn.items())), alert.banner,
        alert.channels, alert.indicators, alert.related,
        tuple(sorted((lang, t.title, t.summary) for lang, t in alert.texts.items())),
    )


def config_key(config: Config) -> tuple:
    return (config.site_url, config.site_name, config.languages, str(config.tz), config.settings.allowed_link_domains)


def memo(kind: str, key: tuple, make: Callable[[], T]) -> T:
    full = (kind, key)
    try:
        return _cache[full]  # type: ignore[return-value]
    except KeyError:
        pass
    value = make()
    if len(_cache) >= _MAX:
        _cache.clear()
    _cache[full] = value
    return value
