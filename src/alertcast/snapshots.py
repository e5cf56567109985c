"""The site as readers will see it at each new or changed alert's publish_at: one folder per
moment, so a reviewer opens the pull request's artifact and reads the pages of that moment.

A scheduled alert exists nowhere public before its publish_at, so the build of "now" does not
show it; these builds do. Each is the ordinary build (same renderers, same checks) at another
`now`; nothing here runs anything the content check does not already run.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from . import pipeline
from .config import Config
from .content.parsecache import ParseCache
from .render.memo import RenderCache
from .report import Report

#: Changes whose pages a reviewer needs to see (a withdrawn or removed alert shows on the site of now).
SHOWN = ("added", "modified")


def moments(report: Report) -> list[datetime]:
    """Each distinct moment a new or changed alert goes live; one already live is shown as of now."""
    return sorted({max(c.publish_at, report.now) for c in report.changes
                   if c.kind in SHOWN and c.publish_at is not None})


def folder_name(moment: datetime) -> str:
    """`20261208T010000Z`: UTC, and no character an artifact or a file system refuses (no `:`)."""
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def build_all(config: Config, instants: list[datetime], output: Path) -> list[Path]:
    """Build the site at each moment into `output/<folder_name>/`, a plain folder of files."""
    output.mkdir(parents=True, exist_ok=True)
    written = []
    parsed, cache = ParseCache(), RenderCache()  # the moments share the content and most pieces
    with tempfile.TemporaryDirectory(prefix="alertcast-snapshots-") as scratch:
        for moment in instants:
            result = pipeline.build(config, moment, Path(scratch) / folder_name(moment), signing_key=None,
                                    cache=cache, parsed=parsed)
            dest = output / folder_name(moment)
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(result.release, dest)  # the release itself, not the link that points to it
            written.append(dest)
    return written
