"""Per-alert memoisation for the fast re-publish path, held by whoever renders again.

Renderers stay pure: a cached piece is returned only for an identical key (every alert field
and text the piece depends on, plus the settings it reads), so output bytes never depend on
what was rendered before. After one alert changes, only that alert's pieces are re-rendered.

The pieces live in a `RenderCache` the caller owns (the daemon keeps one for its lifetime;
each command-line build makes its own), never in the module, so two builds in one process
never see each other's entries. Behind it, a `DiskCache` may keep pages' sections between
processes (render/diskcache.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from typing import TypeVar

from ..config import Config
from ..content.models import Alert
from .diskcache import DiskCache

T = TypeVar("T")
_MAX = 20000


class RenderCache:
    """Rendered pieces by key, bounded (cleared whole when full). Threads may share one: a
    race at worst renders a piece twice.

    What it buys (`bench/fast_outputs.py --alerts 1000 --runs 3`, then `--no-render-cache`;
    CPU seconds, median, on a busy 2-core machine): a re-publish after one alert changed takes
    0.51 s with it, 4.71 s without; a first render 3.88 s with it, 4.05 s without (the help
    files and the knowledge base share their sections). `enabled=False` keeps nothing.
    """

    def __init__(self, *, enabled: bool = True, limit: int = _MAX, disk: DiskCache | None = None) -> None:
        self.enabled = enabled
        self.limit = limit
        self.disk = disk  # pages rendered by earlier processes (render/diskcache.py), or None
        self._pieces: dict[Hashable, object] = {}
        self._keys: dict[int, tuple[Alert, int]] = {}  # id(alert) -> (the alert, so the id stays its, token)
        self._tokens: dict[Hashable, int] = {}
        self._numbers = itertools.count()  # never reused, even after _tokens is cleared

    def __call__(self, kind: str, key: tuple, make: Callable[[], T]) -> T:
        """The `kind` of piece `make` builds for `key`, built once."""
        if not self.enabled:
            return make()
        full = (kind, key)
        try:
            return self._pieces[full]  # type: ignore[return-value]
        except KeyError:
            pass
        value = make()
        if len(self._pieces) >= self.limit:
            self._pieces.clear()
        self._pieces[full] = value
        return value

    def alert_key(self, alert: Alert) -> int:
        """A small number standing for everything about an alert that outputs may show.

        Equal content gives the same number, different content a different one, so memo keys
        stay cheap to hash (the full key, with every text, would be hashed on each lookup).
        Computed once per Alert object: the entry holds the object, so its id cannot be reused.
        """
        if not self.enabled:
            return 0
        hit = self._keys.get(id(alert))
        if hit is not None and hit[0] is alert:
            return hit[1]
        token = self._token(_alert_key(alert))
        if len(self._keys) >= self.limit:
            self._keys.clear()
        self._keys[id(alert)] = (alert, token)
        return token

    def config_key(self, config: Config) -> int:
        """A small number standing for the settings outputs read."""
        if not self.enabled:
            return 0
        return self._token((config.site_url, config.site_names, config.languages, config.default_lang,
                            str(config.tz), config.settings.allowed_link_domains, config.tag_entity))

    def _token(self, key: Hashable) -> int:
        token = self._tokens.get(key)
        if token is None:
            if len(self._tokens) >= self.limit:
                self._tokens.clear()
            token = self._tokens[key] = next(self._numbers)
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


def own(cache: RenderCache | None, disk: DiskCache | None = None) -> RenderCache:
    """`cache`, or a fresh one for a caller that renders once (reading `disk`, if given)."""
    return RenderCache(disk=disk) if cache is None else cache
