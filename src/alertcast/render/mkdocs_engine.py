"""mkdocs-material as the site engine, in this process through mkdocs' Python API."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import yaml

from ..problems import ContentError, Problem, display_path
from . import search
from .incremental import LanguagePages, engine_quiet
from .theme_cache import THEME


class MkdocsEngine:
    name = "mkdocs"

    def __init__(self, root: Path):
        self.root = root  # the project's folder, to name a broken template by its path there

    def build(self, raw: dict, work: Path, now: datetime, pages: LanguagePages | None = None) -> Path:
        from mkdocs.commands.build import build
        from mkdocs.config import load_config
        from mkdocs.exceptions import MkDocsException

        from .extensions import python_options

        site_dir = work / "site"
        raw = {**raw, "site_dir": str(site_dir)}
        config_file = work / "mkdocs.yml"
        config_file.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
        quiet_jieba()
        try:
            with build_time(now), jieba_as_loaded(), engine_quiet():
                loaded = load_config(str(config_file), **python_options(raw))
                kept_theme(loaded.theme)
                loaded.plugins["alertcast-sandbox"] = _template_sandbox()
                if pages is not None:
                    pages.attach(loaded)  # pages unchanged since the live release are not rendered
                build(loaded, dirty=pages is not None and pages.incremental)
        except MkDocsException as exc:
            raise ContentError([Problem(display_path(self.root / "mkdocs.yml", self.root), 1, 1, "error",
                                        f"the site cannot be built with this configuration: {exc}",
                                        "fix mkdocs.yml (see docs/site.md)")]) from None
        except Exception as exc:
            problem = template_problem(exc, self.root)
            if problem is None:
                raise
            raise ContentError([problem]) from None
        if not search.fix_query_segmentation(site_dir):
            logging.getLogger(__name__).warning(
                "Material's search worker changed: Chinese queries may be searched by their first word only")
        return site_dir


def kept_theme(theme) -> None:  # type: ignore[no-untyped-def]
    """Have mkdocs' theme (of a loaded configuration) list its installed folders from the
    process's ThemeCache (render/theme_cache.py) instead of walking them at every build."""
    make_env = theme.get_env

    def get_env():  # type: ignore[no-untyped-def]
        env = make_env()
        env.loader = THEME.loader(theme.dirs)
        return env

    theme.get_env = get_env


def sandboxed(env):  # type: ignore[no-untyped-def]
    """mkdocs' environment `env` as Jinja's sandbox, with the process's compiled templates."""
    safe = THEME.sandbox(loader=env.loader, auto_reload=False, extensions=[type(ext) for ext in env.extensions.values()])
    safe.filters.update(env.filters)
    safe.tests.update(env.tests)
    # mkdocs' url filters and the theme's translations; the sandbox keeps its own `range`
    safe.globals.update({name: value for name, value in env.globals.items() if name != "range"})
    return safe


def warm_theme(custom_dir: Path) -> None:
    """Compile the theme's templates (Material's with `custom_dir` over them) and list its
    installed folders into the process's ThemeCache, as a build's sandbox would: the fork
    server does this once for all its workers (render/preload.py)."""
    from mkdocs.theme import Theme

    theme = Theme(name="material", custom_dir=str(custom_dir), language="en")
    kept_theme(theme)
    THEME.warm(sandboxed(theme.get_env()))


def _template_sandbox():  # type: ignore[no-untyped-def]
    """A plugin that has mkdocs render the theme's templates in Jinja's sandbox. A project's
    `theme.custom_dir` is pull-request content like the rest: unsandboxed, a template reaches
    Python (`{{ lipsum.__globals__.os.popen(...) }}`) and runs code in the build, next to the
    signing key. Material's templates and alertcast's overrides need nothing the sandbox refuses."""
    from mkdocs.plugins import BasePlugin

    class Sandbox(BasePlugin):  # type: ignore[type-arg]
        def on_env(self, env, *, config, files):  # type: ignore[no-untyped-def]
            return sandboxed(env)

    return Sandbox()


def template_problem(exc: BaseException, root: Path) -> Problem | None:
    """A theme template's mistake (a syntax error, an undefined name it calls) at its file and
    line, as jinja2 puts them into the error and the traceback; None for any other error."""
    from jinja2 import TemplateError, TemplateSyntaxError

    if not isinstance(exc, TemplateError):
        return None
    path, line = None, 1
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        path, line = exc.filename, exc.lineno or 1
    else:  # jinja2 rewrites the traceback so that template frames name the template's file
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename.endswith(".html"):
                path, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
            tb = tb.tb_next
    shown = display_path(Path(path), root) if path else "theme template"
    return Problem(shown, line, 1, "error", f"the theme template cannot be used: {exc.message or exc}",
                   "fix the template (a copy of alertcast's overrides: see docs/site.md, "
                   "'Customising the theme'), or remove theme.custom_dir from mkdocs.yml")


def quiet_jieba() -> None:
    """jieba (Chinese search segmentation) prints "Building prefix dict ..." at DEBUG level on its
    own handler: progress for a library's developer, noise in an editor's terminal and in logs."""
    if "jieba" not in sys.modules:
        try:
            import jieba  # noqa: F401
        except ImportError:
            return
    sys.modules["jieba"].setLogLevel(logging.WARNING)


@contextmanager
def jieba_as_loaded() -> Iterator[None]:
    """Material loads our jieba user dictionary at every build, and jieba adds each word's
    frequency to its total again each time: later builds in one process (the daemon's, or the
    second Chinese language of one build) would segment the search index differently from the
    first. The total is put back after each build, so every build segments as the first does."""
    try:
        import jieba
    except ImportError:
        yield
        return
    jieba.dt.check_initialized()
    total = jieba.dt.total
    try:
        yield
    finally:
        jieba.dt.total = total


@contextmanager
def build_time(now: datetime) -> Iterator[None]:
    """mkdocs stamps the sitemap with the build time; pin it to `now` so builds are reproducible."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(now.timestamp()))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
