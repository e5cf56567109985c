"""mkdocs-material as the site engine, in this process through mkdocs' Python API."""

from __future__ import annotations

import functools
import logging
import os
import posixpath
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import yaml

from ..cores import TimeLimitExceeded
from ..problems import ContentError, Problem, display_path
from . import buildpaths, search
from .buildpaths import BuildPathInPage
from .incremental import LanguagePages, engine_quiet
from .theme_cache import THEME, Sandbox


class MkdocsEngine:
    name = "mkdocs"

    def __init__(self, root: Path):
        self.root = root  # the project's folder, to name a broken template by its path there
        self.markdown: KeptMarkdown | None = None  # the last build's converter, when it kept one
        self.navigation: KeptNavigation | None = None  # the last build's navigation, when it kept it

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
                loaded.plugins["alertcast-sandbox"] = sandbox = _template_sandbox(
                    buildpaths.machine_paths(work, self.root, THEME.folders))
                if KeptMarkdown.serves(loaded):
                    loaded.plugins["alertcast-markdown"] = plugin = KeptMarkdown.plugin()
                    self.markdown = plugin.markdown
                if pages is not None:
                    pages.attach(loaded)  # pages unchanged since the live release are not rendered
                try:
                    build(loaded, dirty=pages is not None and pages.incremental)
                finally:
                    self.navigation = getattr(sandbox.env, "navigation", None)
        except MkDocsException as exc:
            raise ContentError([Problem(display_path(self.root / "mkdocs.yml", self.root), 1, 1, "error",
                                        f"the site cannot be built with this configuration: {exc}",
                                        "fix mkdocs.yml (see docs/site.md)")]) from None
        except TimeLimitExceeded as exc:
            where = _template_frame(exc)
            if where is None:
                raise
            raise ContentError([Problem(display_path(Path(where[0]), self.root), where[1], 1, "error",
                                        f"the theme template takes too long to render: the site's build was "
                                        f"stopped here after {exc.seconds:g} s (extra.alertcast.site.time_limit)",
                                        "make the template do less (a loop over a large range?), or remove "
                                        "theme.custom_dir from mkdocs.yml")]) from None
        except BuildPathInPage as exc:
            raise ContentError([buildpaths.problem(exc, raw.get("theme", {}).get("custom_dir"), self.root)]) from None
        except Exception as exc:
            problem = template_problem(exc, self.root)
            if problem is None:
                raise
            raise ContentError([problem]) from None
        if not search.fix_query_segmentation(site_dir):
            logging.getLogger(__name__).warning(
                "Material's search worker changed: Chinese queries may be searched by their first word only")
        return site_dir


class KeptMarkdown:
    """One Markdown converter for every page of a build, reset between pages, where mkdocs makes
    one per page: making it (importing and setting up each extension) cost about as much as
    converting an alert's page. Python-Markdown's reset() returns a converter to its first
    state; of the extensions mkdocs.yml may name, only footnotes' UNIQUE_IDS carries anything
    from one page to the next (by design: ids unique across the pages of one converter), and
    with it every page gets its own converter, as in mkdocs. Each page gets mkdocs' own
    processors (its links, anchors and title), made for it as mkdocs makes them."""

    #: mkdocs' per-page processors, in the order its Page.render registers them.
    PROCESSORS = ("_RawHTMLPreprocessor", "_ExtractAnchorsTreeprocessor", "_RelativePathTreeprocessor",
                  "_ExtractTitleTreeprocessor")

    def __init__(self) -> None:
        self._md = None
        self.made = 0  # converters made (for tests and benches)
        self.pages = 0  # pages converted

    @classmethod
    def serves(cls, config) -> bool:  # type: ignore[no-untyped-def]
        """Whether pages of a build with the loaded `config` may share a converter: its
        extensions keep nothing across a reset, and this mkdocs has the processors reproduced here."""
        from mkdocs.structure import pages

        return not _unique_ids(config["mdx_configs"]) and all(hasattr(pages, name) for name in cls.PROCESSORS)

    @classmethod
    def plugin(cls):  # type: ignore[no-untyped-def]
        from mkdocs.plugins import BasePlugin

        kept = cls()

        class Plugin(BasePlugin):  # type: ignore[type-arg]
            markdown = kept

            def on_pre_page(self, page, *, config, files):  # type: ignore[no-untyped-def]
                page.render = functools.partial(kept.render, page)  # this page's, instead of mkdocs' Page.render
                return page

        return Plugin()

    def render(self, page, config, files) -> None:  # type: ignore[no-untyped-def]
        """mkdocs' Page.render (mkdocs/structure/pages.py), with the build's converter."""
        import markdown
        from mkdocs.structure import pages
        from mkdocs.structure.toc import get_toc

        if page.markdown is None:
            raise RuntimeError("`markdown` field hasn't been set (via `read_source`)")
        if self._md is None:
            self._md = markdown.Markdown(extensions=config["markdown_extensions"],
                                         extension_configs=config["mdx_configs"] or {})
            self.made += 1
        else:
            self._md.reset()
        md = self._md
        self.pages += 1
        raw_html = pages._RawHTMLPreprocessor()
        raw_html._register(md)  # registered again under its name: it replaces the previous page's
        anchors = pages._ExtractAnchorsTreeprocessor(page.file, files, config)
        anchors._register(md)
        relative = pages._RelativePathTreeprocessor(page.file, files, config)
        relative._register(md)
        title = pages._ExtractTitleTreeprocessor()
        title._register(md)
        page.content = md.convert(page.markdown)
        page.toc = get_toc(getattr(md, "toc_tokens", []))
        page._title_from_render = title.title
        page.present_anchor_ids = anchors.present_anchor_ids | raw_html.present_anchor_ids
        if pages.log.getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = relative.links_to_anchors


def _unique_ids(options: object) -> bool:
    """Whether any extension's `options` turn footnotes' UNIQUE_IDS on (footnotes', or through extra)."""
    if isinstance(options, dict):
        return any((key == "UNIQUE_IDS" and bool(value)) or _unique_ids(value) for key, value in options.items())
    if isinstance(options, (list, tuple)):
        return any(_unique_ids(value) for value in options)
    return False


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
    safe = THEME.sandbox(_theme_sandbox_class(), loader=env.loader, auto_reload=False,
                         extensions=[type(ext) for ext in env.extensions.values()])
    safe.filters.update(env.filters)
    safe.tests.update(env.tests)
    # mkdocs' url filters and the theme's translations; the sandbox keeps its own `range`
    safe.globals.update({name: value for name, value in env.globals.items() if name != "range"})
    safe.navigation = KeptNavigation() if KeptNavigation.serves(env.loader) else None
    return safe


class KeptNavigation:
    """Material's navigation (partials/nav.html), rendered once for all the pages of a build
    that show it alike: a page the navigation does not name (an alert, a listing's later page)
    has nothing active in it, and its links, relative to the page, are those of every page in
    the same folder. A third of the templates' time was the navigation, the same HTML on a
    thousand alert pages. Only with the installed theme and alertcast's bundled overrides (a
    project's own templates may show anything of the page in it), and only for a page that no
    address of the navigation lies under."""

    TEMPLATE = "partials/nav.html"

    def __init__(self) -> None:
        self.html: dict[str, str] = {}
        self.rendered = self.served = 0  # for tests and benches
        self._addresses: tuple[object, tuple[str, ...]] | None = None

    @staticmethod
    def serves(loader) -> bool:  # type: ignore[no-untyped-def]
        """Whether the theme's folders are alertcast's bundled overrides over installed ones."""
        folders = [str(Path(folder).resolve()) for folder in getattr(loader, "searchpath", ())]
        return (bool(folders) and folders[0] == str((search.SITE_TEMPLATES / "overrides").resolve())
                and all(THEME.installed(folder) for folder in folders[1:]))

    def keep(self, template) -> None:  # type: ignore[no-untyped-def]
        render = template.root_render_func

        def root_render_func(context):  # type: ignore[no-untyped-def]
            key = self.key(context)
            if key is None:
                yield from render(context)
                return
            html = self.html.get(key)
            if html is None:
                html = self.html[key] = "".join(render(context))
                self.rendered += 1
            else:
                self.served += 1
            yield html

        template.root_render_func = root_render_func
        template.alertcast_kept = True

    def key(self, context) -> str | None:  # type: ignore[no-untyped-def]
        """The folder the page's address is in, when the navigation shows alike on every page
        there; None: render it for this page."""
        page, nav = context.get("page"), context.get("nav")
        url = getattr(page, "url", None)
        if nav is None or not isinstance(url, str) or not url.endswith("/") or url == "/":
            return None
        if any(item is page for item in nav.pages) or getattr(page, "parent", None) is not None:
            return None
        if any(address.startswith(url) or address == url.rstrip("/") for address in self.addresses(nav)):
            return None
        return posixpath.dirname(url.rstrip("/"))

    def addresses(self, nav) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
        if self._addresses is None or self._addresses[0] is not nav:
            found: list[str] = []

            def walk(items) -> None:  # type: ignore[no-untyped-def]
                for item in items or ():
                    url = getattr(item, "url", None)
                    if isinstance(url, str):
                        found.append(url)
                    walk(getattr(item, "children", None))

            walk(nav.items)
            self._addresses = (nav, tuple(found))
        return self._addresses[1]


def warm_theme(custom_dir: Path) -> None:
    """Compile the theme's templates (Material's with `custom_dir` over them) and list its
    installed folders into the process's ThemeCache, as a build's sandbox would: the fork
    server does this once for all its workers (render/preload.py)."""
    from mkdocs.theme import Theme

    theme = Theme(name="material", custom_dir=str(custom_dir), language="en")
    kept_theme(theme)
    THEME.warm(sandboxed(theme.get_env()))


def _template_sandbox(paths: Mapping[str, str]):  # type: ignore[no-untyped-def]
    """A plugin that has mkdocs render the theme's templates in Jinja's sandbox. A project's
    `theme.custom_dir` is pull-request content like the rest: unsandboxed, a template reaches
    Python (`{{ lipsum.__globals__.os.popen(...) }}`) and runs code in the build, next to the
    signing key. Material's templates and alertcast's overrides need nothing the sandbox refuses.

    The sandbox still lets a template read mkdocs' settings and pages, which hold this machine's
    paths (`config.docs_dir`, `page.file.abs_src_path`, `{{ config }}` itself): each page and
    template written is refused if it holds one of `paths` (path: what it is)."""
    from mkdocs.plugins import BasePlugin

    class Sandbox(BasePlugin):  # type: ignore[type-arg]
        env = None

        def on_env(self, env, *, config, files):  # type: ignore[no-untyped-def]
            self.env = sandboxed(env)
            return self.env

        def on_post_page(self, output, *, page, config):  # type: ignore[no-untyped-def]
            return buildpaths.check(output, page.file.dest_uri, paths)

        def on_post_template(self, output_content, *, template_name, config):  # type: ignore[no-untyped-def]
            return buildpaths.check(output_content, template_name, paths)

    return Sandbox()


@functools.cache
def _theme_sandbox_class():  # type: ignore[no-untyped-def]
    """The sandbox's class, made when a build needs it: jinja2 is not imported to start alertcast."""
    from jinja2 import sandbox
    from jinja2.runtime import BlockReference, LoopContext, Macro, Undefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from jinja2.utils import Cycler, Joiner, Namespace
    from markupsafe import Markup

    #: The types whose own methods a template may call: text, numbers, containers (reading any
    #: mapping, mkdocs' settings too) and Jinja's helpers. The immutable sandbox refuses methods that
    #: change a list, dict or set: `config.extra_javascript.append(...)` put a script on every later page.
    plain = (Markup, str, int, float, list, tuple, dict, set, frozenset, Mapping, LoopContext, Cycler, Joiner,
             Namespace)

    class ThemeSandbox(Sandbox, ImmutableSandboxedEnvironment):
        """Jinja's sandbox, which refuses Python's internals and changes to containers, calling
        nothing but the template's own macros and blocks, the environment's functions and the
        methods of plain values. The objects mkdocs hands templates have methods that leave any sandbox:
        `config.theme.get_env()` is an unsandboxed environment (`.from_string(...).render()` ran a
        shell), `page.file.generated(config, 'x', abs_src_path='/any/file').content_string` read
        the signing key into every page."""

        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(*args, **kwargs)
            self.attribute_checks: dict[tuple[type, str], bool] = {}
            self._own: tuple[object, ...] | None = None  # the environment's functions, held so their ids stay theirs
            self._own_ids: frozenset[int] = frozenset()

        navigation: KeptNavigation | None = None

        def get_template(self, name, parent=None, globals=None):  # type: ignore[no-untyped-def]
            template = super().get_template(name, parent, globals)
            if (self.navigation is not None and name == KeptNavigation.TEMPLATE
                    and not getattr(template, "alertcast_kept", False)):
                self.navigation.keep(template)
            return template

        def is_safe_attribute(self, obj: object, attr: str, value: object) -> bool:
            """Jinja's answer, kept by the object's type and the name: the immutable sandbox's
            rules read nothing else (not the value), and a page asks for the same few hundred
            pairs some five hundred times."""
            key = (type(obj), attr)
            safe = self.attribute_checks.get(key)
            if safe is None:
                safe = self.attribute_checks[key] = super().is_safe_attribute(obj, attr, value)
            return safe

        def own_function(self, obj: object) -> bool:
            """Whether `obj` is one of the environment's globals, filters or tests: collected at
            the first call, when mkdocs and the plugins have set them all (before any template runs)."""
            if self._own is None:
                self._own = (*self.globals.values(), *self.filters.values(), *self.tests.values())
                self._own_ids = frozenset(map(id, self._own))
            return id(obj) in self._own_ids

        def is_safe_callable(self, obj: object) -> bool:
            if not super().is_safe_callable(obj):
                return False
            if isinstance(obj, (Macro, BlockReference, Undefined)):  # Undefined: jinja's own error
                return True
            if self.own_function(obj):
                return True
            code = getattr(obj, "__code__", None)
            if code is not None and code.co_filename == sandbox.__file__:  # str.format, as the sandbox wraps it
                return True
            owner, name = getattr(obj, "__self__", None), getattr(obj, "__name__", None)
            if owner is None or name is None or isinstance(owner, type):
                return False
            own = getattr(type(owner), name, None)
            return any(isinstance(owner, kind) and own is getattr(kind, name, object()) for kind in plain)

    return ThemeSandbox


def template_problem(exc: BaseException, root: Path) -> Problem | None:
    """A theme template's mistake (a syntax error, an undefined name it calls) at its file and
    line, as jinja2 puts them into the error and the traceback; None for any other error."""
    from jinja2 import TemplateError, TemplateSyntaxError

    path, line = None, 1
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        path, line = exc.filename, exc.lineno or 1
    else:
        path, line = _template_frame(exc) or (None, 1)
    if isinstance(exc, TemplateError):
        detail = exc.message or str(exc)
    elif path is not None and not any(Path(path).resolve().is_relative_to(folder) for folder in THEME.folders):
        # Python's own error in a project's template ({{ 1 / 0 }}, a string of 10 GB): the
        # template's mistake too, not a traceback. One in Material's templates is alertcast's.
        detail = "it needs more memory than the machine has" if isinstance(exc, MemoryError) else \
            f"{type(exc).__name__}: {exc}"
    else:
        return None
    shown = display_path(Path(path), root) if path else "theme template"
    return Problem(shown, line, 1, "error", f"the theme template cannot be used: {detail}",
                   "fix the template (a copy of alertcast's overrides: see docs/site.md, "
                   "'Customising the theme'), or remove theme.custom_dir from mkdocs.yml")


def _template_frame(exc: BaseException) -> tuple[str, int] | None:
    """The file and line of the innermost template the exception passed through: jinja2 rewrites
    the traceback so that template frames name the template's file and line."""
    where = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".html"):
            where = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    return where


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
    first. The total is put back after each build, so every build segments as the first does.

    Within the build, jieba's words for a text are kept (see KeptWords): the search index
    segments every run of Chinese characters of every section, and the same ones come back
    on page after page (the labels of the alert listings, the headings every alert has)."""
    try:
        import jieba
    except ImportError:
        yield
        return
    jieba.dt.check_initialized()
    total, cut = jieba.dt.total, jieba.cut
    jieba.cut = KeptWords(cut)
    try:
        yield
    finally:
        jieba.dt.total = total
        jieba.cut = cut


class KeptWords:
    """jieba.cut for one build, answering a text it segmented before with the same words.
    jieba's answer depends on the text and its dictionary alone, and the dictionary is set
    before the first page (Material's search plugin loads the user dictionary when it starts)."""

    def __init__(self, cut) -> None:  # type: ignore[no-untyped-def]
        self.cut = cut
        self.words: dict[object, tuple[str, ...]] = {}
        self.asked = 0  # texts asked (for tests and benches); len(words): texts segmented

    def __call__(self, sentence, *args, **kwargs):  # type: ignore[no-untyped-def]
        if args or kwargs:  # another mode than Material's (full, HMM off...): jieba's own answer
            return self.cut(sentence, *args, **kwargs)
        self.asked += 1
        found = self.words.get(sentence)
        if found is None:
            found = self.words[sentence] = tuple(self.cut(sentence))
        return iter(found)


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
