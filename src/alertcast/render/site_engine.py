"""The seam between alertcast's staged site and the program that turns it into HTML.

alertcast stages one plain docs tree per language and a plain mkdocs.yml for it (render/site.py);
an engine builds that into a folder of HTML. Two engines read the same staged tree:
mkdocs-material in this process (render/mkdocs_engine.py), and Zensical, Material's successor, as
a separate program (render/zensical_engine.py). `extra.alertcast.site.engine` chooses.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

#: What the site's worker processes import before they are forked from the fork server (see
#: cores.py), so that each starts with them loaded.
WORKER_PRELOAD = ("alertcast.render.site", "alertcast.render.mkdocs_engine", "mkdocs.commands.build",
                  "alertcast.render.preload")


def start_workers(languages: int) -> bool:
    """Start the fork server the languages' worker processes come from, when a site of
    `languages` languages builds in workers (one core each): its preload (the engine, the
    theme, jieba's dictionary) then runs in its own process while this one starts and loads
    the content. The build command calls this as soon as it has read the settings, before it
    imports the pipeline; the pipeline calls it again (nothing is started twice). Safe in a
    process with threads: the server is a new program, not a fork of this process."""
    from ..cores import cores, start_fork_server

    return languages > 1 and cores() > 1 and start_fork_server(WORKER_PRELOAD)


#: The engines `site.engine` may name; the first is the default.
ENGINES = ("mkdocs", "zensical")


class SiteEngine(Protocol):
    name: str

    def build(self, raw: dict, work: Path, now: datetime, pages: Any = None) -> Path:
        """Build the site that `raw` (a staged mkdocs.yml as data, its `docs_dir` under `work`)
        describes, as of `now` (its sitemap's date), and return the folder the HTML is in, under
        `work`. `pages` (mkdocs only: render/incremental.py's LanguagePages) says which pages
        need no rendering. A mistake in the project (a theme template) is a ContentError with its file and
        line; an engine that fails for another reason raises SiteBuildError."""
        ...


def site_engine(name: str, root: Path, time_limit: float) -> SiteEngine:
    """The engine called `name` (one of ENGINES, as the settings have validated it); `root`, the
    project's folder, to name a file of the project in an error; `time_limit`, the seconds one
    language's build may take (`site.time_limit`: mkdocs is stopped by the build's own alarm,
    Zensical, a program of its own, is killed at it)."""
    if name == "zensical":
        from .zensical_engine import ZensicalEngine

        return ZensicalEngine(root, time_limit)
    from .mkdocs_engine import MkdocsEngine

    return MkdocsEngine(root)
