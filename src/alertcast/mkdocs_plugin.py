"""The `alertcast` mkdocs plugin that the project's mkdocs.yml lists: it stops a plain `mkdocs
build`, `mkdocs serve` or `mkdocs gh-deploy` in the project at once, naming the commands that
build the real site.

Plain mkdocs would build the content folder as it is on disk: both languages' files side by
side (`/faq.en/`), no home page, no alerts, nothing staged for a moment, and exit 0, so the
mistake would look like a site. `alertcast build` and `preview` give mkdocs their own plugin
list (render/site.py), so this plugin never runs inside them.
"""

from __future__ import annotations

from mkdocs.exceptions import Abort
from mkdocs.plugins import BasePlugin

MESSAGE = ("this project's site is built by alertcast, not by plain mkdocs (which would build the raw content "
           "folder: another, broken site). Run `alertcast build` to build it into site/, or `alertcast preview` "
           "to look at it while editing (http://127.0.0.1:8000/).")


class PlainMkdocsStops(BasePlugin):
    def on_startup(self, *, command: str, dirty: bool) -> None:
        raise Abort(MESSAGE)
