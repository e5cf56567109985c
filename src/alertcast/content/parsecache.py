"""Parsed source files kept between loads by whoever loads again (the daemon holds one).

The daemon reloads content/ on every sync, yet a sync usually changes one or two of
thousands of files. A file is parsed again only when its bytes, or the settings its
parsing depends on, differ from the last load; everything else reuses the earlier result.

A file whose inode, size, modification and change times are as at the last load is not
even read. The change time cannot be set back by tools, but a write in the same clock
tick as the last read would keep all four; so, as git does for its index, a file changed
within RACY_NS of being read is read again next time and its bytes compared, and an
edit is never missed.

What is built from unchanged files is reused too, while the settings it reads are equal:
an alert joined from its translations (the same Alert object lets renderers find their
per-alert pieces without recomputing keys), the check of those translations, and a file's
lint problems. Two loads in different threads at once stay correct; at worst one re-parses.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Hashable

RACY_NS = 2_000_000_000  # more than any file system's timestamp granularity


def fingerprint(stat: os.stat_result) -> tuple[int, ...]:
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


class ParseCache:
    """Last parse result per path; `parses` counts actual parses, `reads` file reads and
    `loads` the loads of a content tree made with it, so reuse is observable."""

    def __init__(self, racy_ns: int = RACY_NS) -> None:
        self.racy_ns = racy_ns
        # path -> (settings, fingerprint or None when it cannot be trusted, bytes, result)
        self._entries: dict[str, tuple[Hashable, tuple[int, ...] | None, bytes, Any]] = {}
        # (what, ids of parts) -> (parts, result, settings); parts are held so ids stay theirs
        self._joined: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any, Hashable]] = {}
        self._joined_before: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any, Hashable]] = {}
        self.parses = 0
        self.reads = 0
        self.loads = 0

    def get(self, path: str, settings: Hashable, stat: os.stat_result, parse: Callable[[bytes], Any]) -> Any:
        """The result of `parse(bytes of path)`, reading only files that may have changed
        and parsing only bytes that did. `stat` is the file's, taken before calling."""
        entry = self._entries.get(path)
        seen = fingerprint(stat)
        if entry is not None and entry[0] == settings and entry[1] == seen:
            return entry[3]
        with open(path, "rb") as fh:
            raw = fh.read()
        self.reads += 1
        trusted = seen if time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > self.racy_ns else None
        if entry is not None and entry[0] == settings and entry[2] == raw:
            result = entry[3]
        else:
            result = parse(raw)
            self.parses += 1
        self._entries[path] = (settings, trusted, raw, result)
        return result

    def joined(self, kind: str, parts: tuple[Any, ...], make: Callable[[], Any], settings: Hashable = ()) -> Any:
        """The `kind` of thing `make` builds from exactly these objects (by identity) and equal
        `settings`, built once."""
        key = (kind, *map(id, parts))
        entry = self._joined.get(key) or self._joined_before.get(key)
        # Equal ids are the same objects: the entry holds its parts, so their ids are not reused.
        if entry is None or entry[2] != settings:
            entry = (parts, make(), settings)
        self._joined[key] = entry
        return entry[1]

    def keep_only(self, paths: set[str]) -> None:
        """Start a load: forget files that are gone, and items not used by the previous load,
        so the cache holds one content tree, not every one seen."""
        self.loads += 1
        for path in self._entries.keys() - paths:
            self._entries.pop(path, None)  # pop: two loads in different threads may both prune it
        self._joined_before, self._joined = self._joined, {}

