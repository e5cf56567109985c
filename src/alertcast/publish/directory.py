"""Directory target: copy a release to another local path with the same atomic switch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .atomic import atomic_publish


@dataclass
class DirectoryTarget:
    path: Path

    def describe(self) -> str:
        return str(self.path)

    def deploy(self, release: Path, progress: Callable[[int, int], None] | None = None) -> list[str]:
        """One atomic switch, so progress is one step."""
        files = {p.relative_to(release).as_posix(): p.read_bytes() for p in sorted(release.rglob("*")) if p.is_file()}
        _release, changed = atomic_publish(self.path, files)
        if progress is not None:
            progress(1, 1)
        return changed
