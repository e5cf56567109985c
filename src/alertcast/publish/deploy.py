"""Deploy targets: where a finished release goes after the atomic local write."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from ..config import Config
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

        from .output import check_output

        path = Path(d.path)
        path = check_output(path if path.is_absolute() else config.root / path, config.root, config.content_dir,
                            "deploy.path", "or set another deploy.path in mkdocs.yml")
        return DirectoryTarget(path)
    return None
