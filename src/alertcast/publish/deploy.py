"""Deploy targets: where a finished release goes after the atomic local write."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from ..config import Config


class Target(Protocol):
    def deploy(self, release: Path, progress: Callable[[int, int], None] | None = None) -> list[str]:
        """Make `release` live at the target; return the paths uploaded or removed.
        `progress(done, total)` reports each step (an upload, a batch of deletes, a switch)."""

    def describe(self) -> str:
        """Where it deploys, for the summary (never credentials)."""


def target_from_config(config: Config) -> Target | None:
    """None for the directory target whose path is the output itself (already live)."""
    d = config.settings.deploy
    if d.target == "s3":
        from .s3 import S3Target

        if not d.bucket:
            raise ValueError("deploy.target is s3 but deploy.bucket is not set in mkdocs.yml (extra.alertcast.deploy)")
        return S3Target(bucket=d.bucket, prefix=d.prefix, endpoint_url=d.endpoint_url, region=d.region)
    if d.path:
        from .directory import DirectoryTarget

        path = Path(d.path)
        return DirectoryTarget(path if path.is_absolute() else config.root / path)
    return None
