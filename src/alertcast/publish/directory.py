"""Directory target: copy a release to another local path with the same atomic switch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .atomic import atomic_publish, live_release, read_manifest
from .target import kept


@dataclass
class DirectoryTarget:
    path: Path

    def describe(self) -> str:
        return str(self.path)

    def deploy(self, release: Path, progress: Callable[[int, int], None] | None = None,
               keep: Callable[[str], bool] | None = None) -> list[str]:
        """One atomic switch, so progress is one step. Files the target's live release has and
        this release lacks are carried over when kept (see `Target.deploy`)."""
        files = {p.relative_to(release).as_posix(): p.read_bytes() for p in sorted(release.rglob("*")) if p.is_file()}
        live = live_release(self.path)
        if live is not None:
            for path in read_manifest(live):
                if path not in files and (kept(path) or (keep is not None and keep(path))):
                    files[path] = (live / path).read_bytes()
        _release, changed = atomic_publish(self.path, files)
        if progress is not None:
            progress(1, 1)
        return changed
