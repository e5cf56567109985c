"""Deploy targets: where a finished release goes after the atomic local write."""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from .directory import DirectoryTarget
from .output import check_output
from .s3 import S3Target
from .target import Target


def target_from_config(config: Config) -> Target | None:
    """None for the directory target whose path is the output itself (already live)."""
    d = config.settings.deploy
    if d.target == "s3":
        if not d.bucket:
            raise ValueError("deploy.target is s3 but deploy.bucket is not set in mkdocs.yml (extra.alertcast.deploy)")
        return S3Target(bucket=d.bucket, prefix=d.prefix, endpoint_url=d.endpoint_url, region=d.region)
    if d.path:
        path = Path(d.path)
        path = check_output(path if path.is_absolute() else config.root / path, config.root, config.content_dir,
                            "deploy.path", "or set another deploy.path in mkdocs.yml")
        return DirectoryTarget(path)
    return None
