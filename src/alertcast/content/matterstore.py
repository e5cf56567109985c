"""Front matter as parsed by an earlier command, kept in the render cache's store (render/diskcache.py).

Reading the YAML of two thousand files is most of loading them, though a command after an edit
finds one or two changed. The store keeps what `yamlsource.load` gave for a front matter (its
data and the position of every key) by the hash of the text, where it starts in the file, the
parser's source and PyYAML's version, so an entry is only found for the same input. The models
are still validated from that data on every load: a change of the schema needs no new key.

Values are JSON, which holds what front matter gives (text, numbers, booleans, null, lists,
mappings with text keys) as the parser gave it; times and dates are listed with where they
are, and made again from their ISO text. A document with any other value (`!!binary`, a key that
is not text) is not kept. An entry that does not decode is parsed again, as with no store at all.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable, Protocol

from .. import yamlsource

KIND = "front matter"


class Store(Protocol):
    """What render/diskcache.DiskCache gives (content/ imports no renderer)."""

    @property
    def enabled(self) -> bool: ...

    def key(self, kind: str, *parts: object) -> str: ...

    def get(self, key: str, valid: Callable[[Any], bool] = ..., *, kind: str | None = None) -> Any | None: ...

    def put(self, key: str, value: Any) -> None: ...


class MatterStore:
    """`load` is `yamlsource.load` of front matter, remembered in `store` (None: parse every
    time). The store's `tally["front matter", "missed"]` counts the texts parsed here."""

    def __init__(self, store: Store | None) -> None:
        self.store = store if store is not None and store.enabled else None

    def load(self, text: str, line_offset: int) -> tuple[Any, dict[yamlsource.Key, yamlsource.Position]]:
        """The data and key positions of `text`; YamlSyntaxError as `yamlsource.load` raises it."""
        if self.store is None:
            return yamlsource.load(text, line_offset=line_offset, aliases=False)
        key = self.store.key(KIND, line_offset, text)
        decoded = []  # what the entry decodes to: an entry that does not decode counts as missing
        if self.store.get(key, lambda stored: bool(decoded.append(decode(stored))) or True, kind=KIND) is not None:
            return decoded[0]
        data, positions = yamlsource.load(text, line_offset=line_offset, aliases=False)
        try:
            self.store.put(key, encode(data, positions))
        except _NotKept:
            pass
        return data, positions


class _NotKept(Exception):
    """A value JSON cannot hold as the parser gave it."""


def encode(data: Any, positions: dict[yamlsource.Key, yamlsource.Position]) -> dict[str, Any]:
    """JSON data for `data` and `positions`; _NotKept for a value it cannot hold exactly."""
    times: list[list[Any]] = []
    plain = _plain(data, [], times)
    if not all(type(part) in (str, int) for path in positions for part in path):
        raise _NotKept
    return {"data": plain, "times": times, "keys": [list(path) for path in positions],
            "at": [n for at in positions.values() for n in (at.line, at.col)]}


def _plain(value: Any, path: list[Any], times: list[list[Any]]) -> Any:
    """`value` as JSON holds it, its times and dates left out (None) and listed in `times`."""
    kind = type(value)
    if kind in (str, int, float, bool) or value is None:
        return value
    if kind is list:
        return [_plain(item, [*path, index], times) for index, item in enumerate(value)]
    if kind is dict:
        if not all(type(key) is str for key in value):
            raise _NotKept  # JSON's keys are text: `1:` or `2026-01-01:` would come back as text
        return {key: _plain(item, [*path, key], times) for key, item in value.items()}
    if kind in (datetime, date):
        times.append([path, kind.__name__, value.isoformat()])
        return None
    raise _NotKept


def decode(stored: dict[str, Any]) -> tuple[Any, dict[yamlsource.Key, yamlsource.Position]]:
    """What `encode` was given; ValueError, TypeError, KeyError or IndexError for anything else."""
    data = stored["data"]
    for path, kind, text in stored["times"]:
        if type(path) is not list or not path:
            raise ValueError("not a time's place")
        *above, last = path
        parent = data
        for part in above:
            parent = parent[part]
        if parent[last] is not None or type(parent) not in (list, dict):
            raise ValueError("not a time's place")
        parent[last] = _TIME[kind](text)
    keys, at = stored["keys"], stored["at"]
    if len(at) != 2 * len(keys) or not all(type(n) is int for n in at):
        raise ValueError("not the positions of the keys")
    return data, dict(zip(map(tuple, keys), map(yamlsource.Position, at[::2], at[1::2])))


_TIME = {"datetime": datetime.fromisoformat, "date": date.fromisoformat}
