"""What every mkdocs build of a language loads, loaded once by the fork server the languages'
worker processes come from (cores.py, WORKER_PRELOAD in render/site_engine.py), so that a worker starts with it.

Importing this module does the loading: the fork server can only import. The daemon keeps its
fork server for its lifetime, so each publish's worker would otherwise read jieba's dictionary
(about a second; Material's search plugin loads it in every language's build, see
render/search.py), import Material's plugins and the Markdown extensions, compile the theme's
templates and list Material's folder (render/theme_cache.py) again: once here instead of once
per language and build.
"""

from __future__ import annotations

import importlib
import logging

from . import extensions

#: The modules a build imports beyond mkdocs itself: Material's search plugin and theme, the
#: Markdown extensions of the default configuration (mkdocs.yml's own are imported by name
#: when a build loads them) and what they import when they start, and the sitemap's XML parser.
MODULES = ("material.plugins.search.plugin", "markdown.extensions.toc",
           "markdown.extensions.tables", "markdown.extensions.fenced_code", "markdown.extensions.abbr",
           "markdown.extensions.attr_list", "markdown.extensions.def_list", "markdown.extensions.footnotes",
           "markdown.extensions.admonition", "markdown.extensions.md_in_html", "pymdownx.betterem",
           "pymdownx.details", "pymdownx.mark", "pymdownx.superfences", "pymdownx.tabbed", "pymdownx.tasklist",
           "pymdownx.highlight", "pymdownx.slugs", "pygments.formatters.html", "mkdocs.config.defaults",
           "lxml.etree", extensions.SANITIZER)


def load() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an engine or extension this installation lacks: the build says so
            pass
    try:
        from .mkdocs_engine import warm_theme
        from .search import SITE_TEMPLATES

        warm_theme(SITE_TEMPLATES / "overrides")
    except Exception:  # noqa: BLE001 (an engine this installation lacks or cannot load: each build says why)
        logging.getLogger(__name__).debug("the theme was not warmed", exc_info=True)
    try:
        import jieba
    except ImportError:
        return
    jieba.setLogLevel(logging.WARNING)
    jieba.dt.check_initialized()


load()
