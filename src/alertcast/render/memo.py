"""Per-alert memoisation for the fast re-publish path.

Renderers stay pure: a cached piece is returned only for an identical key (every alert field
and text the piece depends on, plus the settings it reads), so output bytes never depend on
what was rendered before. After one alert changes, only that alert's pieces are re-rendered.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from typing import TypeVar

from ..config import Config
from ..content.models import Alert

T = TypeVar("T")
_MAX = 20000
_cache: dict[Hashable, object] = {}


def alert_key(alert: Alert) -> int:
    """A small number standing for everything about an alert that outputs may show.

    Equal content gives the same number, different content a different one, so memo keys
    stay cheap to hash (the full key, with every text, would be hashed on each lookup).
    Computed once per Alert object: the entry holds the object, so its id cannot be reused.
    """
    hit = _keys.get(id(alert))
    if hit is not None and hit[0] is alert:
        return hit[1]
    token = _token(_alert_key(alert))
    if len(_keys) >= _MAX:
        _keys.clear()
    _keys[id(alert)] = (alert, token)
    return token


_keys: dict[int, tuple[Alert, int]] = {}
_tokens: dict[Hashable, int] = {}
_numbers = itertools.count()  # never reused, even after _tokens is cleared


def _token(key: Hashable) -> int:
    token = _tokens.get(key)
    if token is None:
        if len(_tokens) >= _MAX:
            _tokens.clear()
        token = _tokens[key] = next(_numbers)
    return token


def _alert_key(alert: Alert) -> tuple:
    return (
        alert.id, alert.severity, alert.category, alert.publish_at, alert.expires_at, alert.updated_at,
        tuple(sorted(alert.update_note.items())), tuple(sorted(alert.withdrawn.items())), alert.banner,
        tuple((u.at, tuple(sorted(u.note.items()))) for u in alert.updates),
        alert.channels, alert.indicators, alert.indicators.order, alert.related,
        tuple(sorted((lang, t.title, t.summary) for lang, t in alert.texts.items())), alert.status,
        alert.starts_at, alert.ends_at,
    )


def config_key(config: Config) -> int:
    """A small number standing for the settings outputs read."""
    return _token((config.site_url, config.site_names, config.languages, config.default_lang, str(config.tz),
                   config.settings.allowed_link_domains, config.tag_entity))


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
