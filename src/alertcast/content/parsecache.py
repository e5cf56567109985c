"""Parsed source files kept between loads in one process.

The daemon reloads content/ on every sync, yet a sync usually changes one or two of
thousands of files. A file is parsed again only when its bytes, or the settings its
parsing depends on, differ from the last load; everything else reuses the earlier result.
Comparing bytes rather than modification times means an edit is never missed.

Items joined from unchanged files (an alert from its translations) are reused too: the
same Alert object lets renderers find their per-alert pieces without recomputing keys.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable


class ParseCache:
    """Last parse result per path; `parses` counts actual parses, so reuse is observable."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[Hashable, bytes, Any]] = {}
        self._joined: dict[tuple[int, ...], tuple[tuple[Any, ...], Any]] = {}
        self._joined_before: dict[tuple[int, ...], tuple[tuple[Any, ...], Any]] = {}
        self.parses = 0

    def get(self, path: str, settings: Hashable, raw: bytes, parse: Callable[[], Any]) -> Any:
        """The result for `path` with these `raw` bytes, parsing only when they are new."""
        entry = self._entries.get(path)
        if entry is not None and entry[0] == settings and entry[1] == raw:
            return entry[2]
        result = parse()
        self.parses += 1
        self._entries[path] = (settings, raw, result)
        return result

    def joined(self, parts: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """What `make` builds from exactly these parse results (the same objects), built once."""
        key = tuple(map(id, parts))
        entry = self._joined.get(key) or self._joined_before.get(key)
        if entry is None or any(a is not b for a, b in zip(entry[0], parts)):
            entry = (parts, make())
        self._joined[key] = entry
        return entry[1]

    def keep_only(self, paths: set[str]) -> None:
        """Start a load: forget files that are gone, and items not used by the previous load,
        so the cache holds one content tree, not every one seen."""
        for path in self._entries.keys() - paths:
            del self._entries[path]
        self._joined_before, self._joined = self._joined, {}


PARSED = ParseCache()  # shared by every load in this process
