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
from .config import Config, load_config
from .content.parsecache import ParseCache
from .plan import Plan
from .problems import ContentError
from .render.banner_mock import PATH as MOCK_PATH
from .render.banner_mock import render_mock
from .render.memo import RenderCache
from .i18n import Translator
from .timefmt import editor_time, to_paste

log = logging.getLogger("alertcast.preview")


def watched_paths(root: Path) -> list[Path]:
    """What an editor changes: content, configuration, post templates, the project's theme overrides."""
    config = load_config(root)
    paths = [config.path, config.content_dir, root / "templates"]
    custom = (config.raw.get("theme") or {}).get("custom_dir")
    if custom:
        paths.append(root / custom)
    return [p for p in paths if p.exists()]


def not_shown(plan: Plan, config: Config) -> list[str]:
    """One line per scheduled alert the preview leaves out (it exists nowhere public before its
    publish_at), with the --now that shows it."""
    zone = config.settings.timezone
    return [f"not shown yet: {alert.id} is scheduled for {editor_time(alert.publish_at, zone)}; to see it, run "
            f"alertcast preview --now {to_paste(alert.publish_at, zone)}" for alert in plan.scheduled]


def make_builder(root: Path, output: Path, clock: Callable[[], datetime]) -> Callable[[], None]:
    parsed, cache = ParseCache(), RenderCache()  # kept across rebuilds: an edit reparses and re-renders one file

    def rebuild() -> None:
        try:
            config = load_config(root)  # read again: mkdocs.yml may be what changed
            tr = Translator.for_project(config.default_lang)
            result = pipeline.build(config, clock(), output, signing_key=None, cache=cache, parsed=parsed)
        except ContentError as exc:
            tr = Translator.for_project(_default_lang(root))
            for problem in exc.problems:
                log.error("%s", tr.problem(problem))
            log.error("%s", tr("not rebuilt: fix the problems above; the last good build stays up"))
            return
        mock = output / MOCK_PATH  # the preview's own page, in the release it serves
        mock.parent.mkdir(parents=True, exist_ok=True)
        mock.write_bytes(render_mock(result.plan, config))
        when = editor_time(result.plan.now, config.settings.timezone)
        log.info("%s", tr(f"built for {when}: {len(result.changed)} file(s) changed"))
        for line in not_shown(result.plan, config):
            log.info("%s", tr(line))
    return rebuild


def _default_lang(root: Path) -> str | None:
    """The project's default language, when its settings can be read at all."""
    try:
        return load_config(root).default_lang
    except ContentError:
        return None


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
        base = (urlsplit(config.site_url).path or "/").rstrip("/") + "/"
        tr = Translator.for_project(config.default_lang)
        log.info("%s", tr(f"banner preview (home and support screens): http://{host}:{port}{base}{MOCK_PATH}"))

        def stop(_signum, _frame):  # type: ignore[no-untyped-def]
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            server.serve()
        except KeyboardInterrupt:
            log.info("%s", tr("shutting down"))
        finally:
            server.shutdown()
            signal.signal(signal.SIGTERM, previous)
