"""`alertcast preview`: everything `alertcast build` makes, served locally and rebuilt on change.

Editors see the site (and feeds, banners, CAP) exactly as it will be at a moment, and the page
in their browser reloads when they save a file. Built on mkdocs' own live-reload server, with
alertcast's build as the builder, so the preview is the real output, not an approximation.
Bad content is reported with file:line and the last good build stays up.
"""

from __future__ import annotations

import logging
import signal
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from . import pipeline
from .config import load_config
from .problems import ContentError

log = logging.getLogger("alertcast.preview")


def watched_paths(root: Path) -> list[Path]:
    """What an editor changes: content, configuration, post templates, the project's theme overrides."""
    config = load_config(root)
    paths = [config.path, config.content_dir, root / "templates"]
    custom = (config.raw.get("theme") or {}).get("custom_dir")
    if custom:
        paths.append(root / custom)
    return [p for p in paths if p.exists()]


def make_builder(root: Path, output: Path, clock: Callable[[], datetime]) -> Callable[[], None]:
    def rebuild() -> None:
        try:
            config = load_config(root)  # read again: mkdocs.yml may be what changed
            result = pipeline.build(config, clock(), output, signing_key=None)
        except ContentError as exc:
            for problem in exc.problems:
                log.error("%s", problem)
            log.error("not rebuilt: fix the problems above; the last good build stays up")
            return
        # in the editors' time zone, as `alertcast build` and `status` say it
        log.info("built for %s: %d file(s) changed", result.plan.now.astimezone(config.tz).isoformat(),
                 len(result.changed))
    return rebuild


def serve(root: Path, host: str, port: int, clock: Callable[[], datetime]) -> None:
    """Serve until Ctrl-C or SIGTERM."""
    from mkdocs.livereload import LiveReloadServer

    config = load_config(root)
    with tempfile.TemporaryDirectory(prefix="alertcast-preview-") as tmp:
        output = Path(tmp) / "site"
        builder = make_builder(root, output, clock)
        builder()
        if not output.exists():
            raise ContentError([])  # the first build failed; its problems were logged
        server = LiveReloadServer(builder=builder, host=host, port=port, root=str(output),
                                  mount_path=urlsplit(config.site_url).path or "/")
        for path in watched_paths(root):
            server.watch(str(path))

        def stop(_signum, _frame):  # type: ignore[no-untyped-def]
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            server.serve()
        except KeyboardInterrupt:
            log.info("shutting down")
        finally:
            server.shutdown()
            signal.signal(signal.SIGTERM, previous)
