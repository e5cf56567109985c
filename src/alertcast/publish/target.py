"""What a deploy target is, and what no deploy deletes: apart from deploy.py, which picks the
target the settings name, so that each target can import this without importing the others."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from ..render.cap import REVISION_FILE


class Target(Protocol):
    def deploy(self, release: Path, progress: Callable[[int, int], None] | None = None,
               keep: Callable[[str], bool] | None = None) -> list[str]:
        """Make `release` live at the target; return the paths uploaded or removed.
        `progress(done, total)` reports each step (an upload, a batch of deletes, a switch).
        A path at the target for which `keep(path)` is true stays even if the release lacks
        it, and so does every published CAP message. Failures are OutputError, one line."""

    def describe(self) -> str:
        """Where it deploys, for the summary (never credentials)."""


def kept(path: str) -> bool:
    """A published CAP message stays published: no deploy deletes it at the target, even one
    of a release built without the archive (a fresh output folder)."""
    return REVISION_FILE.fullmatch(path) is not None
