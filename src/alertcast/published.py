"""What the live release published: a published alert is withdrawn, never deleted, and `alertcast
check` says so. Apart from pipeline.py, so that check reads a release without importing every renderer."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from .config import Config
from .content.models import Content
from .problems import Problem, display_path
from .publish.atomic import live_release, read_manifest


_PUBLISHED = re.compile(r"(?:[a-z]{2,3}(?:-[A-Za-z0-9]+)*/)?alerts/(?P<page>[a-z0-9][a-z0-9-]*)/index\.html"
                        r"|cap/(?P<cap>[a-z0-9][a-z0-9-]*)(?:\.\d{8}T\d{6}Z(?:-cancel)?)?\.xml")


def deleted_published(config: Config, content: Content, output: Path | None = None) -> list[Problem]:
    """An error for each alert the live release of `output` published (its page, or a CAP
    message) that the content no longer has: a published alert is withdrawn, never deleted.
    Nothing is live (a fresh checkout), nothing to say; `alertcast report` says it for a
    pull request, from the base branch."""
    live = live_release((Path(output) if output is not None else config.output_dir).absolute())
    if live is None:
        return []
    published = {found["page"] or found["cap"] for path in read_manifest(live)
                 if (found := _PUBLISHED.fullmatch(path)) and (found["page"] or found["cap"]) != "category"}
    published -= _drills(live, read_manifest(live))
    from .report import deleted_published as problem

    alert_dir = display_path(config.content_dir / "alerts", config.root)
    return [problem(alert_id, f"{alert_dir}/{alert_id}.{config.default_lang}.md")
            for alert_id in sorted(published - {a.id for a in content.alerts})]


def _drills(live: Path, manifest: Mapping[str, bytes]) -> set[str]:
    """Alerts whose only published trace is CAP messages of status Test or Exercise: a drill is
    deleted when it is over (no reader saw it; the archive keeps its signed messages like any alert's)."""
    pages = {found["page"] for path in manifest if (found := _PUBLISHED.fullmatch(path)) and found["page"]}
    out = set()
    for path in manifest:
        found = _PUBLISHED.fullmatch(path)
        if not found or not found["cap"] or found["cap"] in pages or path != f"cap/{found['cap']}.xml":
            continue
        try:
            fd = os.open(live / path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        with os.fdopen(fd, "rb") as fh:
            head = fh.read(4096)
        if re.search(rb"<status>(Test|Exercise)</status>", head):
            out.add(found["cap"])
    return out
