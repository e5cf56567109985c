"""The release built ahead of the next boundary, so that the boundary itself is one switch: a
site of a thousand alerts takes tens of seconds to build, the switch a millisecond."""

from __future__ import annotations

import hashlib
import logging
import os
from datetime import datetime, timedelta

from ..config import Config
from ..content.parsecache import fingerprint
from .seams import Release

log = logging.getLogger("alertcast.daemon")
PREPARE_LEAD = (30.0, 600.0)  # seconds before a boundary to start building its release: at least, at most
PREPARED_VALID = 60.0  # seconds after its moment a prepared release may still go live (a late wake-up)


def content_state(config: Config) -> str:
    """What the files a release is built from look like now (names, sizes, times, inodes) of
    content/ and mkdocs.yml: a release prepared ahead of time is used only if this is unchanged."""
    seen = []
    for folder, _dirs, names in os.walk(config.content_dir):
        for name in names:
            path = os.path.join(folder, name)
            try:
                seen.append(f"{path}:{fingerprint(os.stat(path))}")
            except OSError:
                continue
    seen.append(f"{config.path}:{fingerprint(os.stat(config.path))}")
    return hashlib.sha256("\n".join(sorted(seen)).encode()).hexdigest()


class PreparedRelease:
    """At most one release, for one moment, built from content/ as it was then."""

    def __init__(self) -> None:
        self._entry: tuple[datetime, str, Release] | None = None  # (for when, content_state, release)

    @property
    def pending(self) -> Release | None:
        return self._entry[2] if self._entry is not None else None

    def holds(self, when: datetime, state: str) -> bool:
        return self._entry is not None and self._entry[:2] == (when, state)

    def keep(self, when: datetime, state: str, release: Release) -> None:
        self.drop()
        self._entry = (when, state, release)

    def take(self, now: datetime, config: Config) -> Release | None:
        """The prepared release, if it is exactly what a publish at `now` must show: its moment
        has come (and no later boundary has passed), no other publish happened since it was
        built, and content/ and mkdocs.yml are as they were. Anything else drops it."""
        entry, self._entry = self._entry, None
        if entry is None:
            return None
        when, state, prepared = entry
        nxt = prepared.plan.next_change_at
        if (when <= now < when + timedelta(seconds=PREPARED_VALID) and (nxt is None or nxt > now)
                and state == content_state(config)):
            return prepared
        discard(prepared)
        return None

    def drop(self) -> None:
        entry, self._entry = self._entry, None
        if entry is not None:
            discard(entry[2])


def discard(prepared: Release) -> None:
    try:
        prepared.discard()
    except Exception as exc:
        log.warning("could not remove a prepared release: %s", type(exc).__name__)
