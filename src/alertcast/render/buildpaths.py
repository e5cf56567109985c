"""The build machine's paths, which no published page may hold.

A theme template reads the engine's settings and pages, and they hold where the site is built,
the project's folder and the installed theme's (`config.docs_dir`, `page.file.abs_src_path`,
`config.theme.custom_dir`, all of `{{ config }}`): a user's name, a runner's layout. Both engines
look for them in what they write (mkdocs as it writes each page, Zensical's output after it).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from ..problems import Problem, display_path


class BuildPathInPage(Exception):
    """A page's HTML holds a path of the build machine."""

    def __init__(self, page: str, what: str):
        super().__init__(f"{page} holds {what}")
        self.page, self.what = page, what

    def __reduce__(self) -> tuple:  # raised in a worker, it comes back pickled
        return type(self), (self.page, self.what)


def machine_paths(work: Path, root: Path, installed: Iterable[str]) -> dict[str, str]:
    """The paths a page must not hold (the folder the site is built in, the project's, the
    `installed` theme folders), each as written and as `urlencode` writes it, with what it is."""
    named = {str(work): "the folder the site is built in", **{folder: "the theme's installed folder" for folder in installed}}
    if len(root.parts) > 2:  # a project in /app: its path is also part of many an address
        named[str(root)] = "the project's folder"
    return {form: what for path, what in named.items() for form in (path, quote(path, safe=""))}


def check(output: str, name: str, paths: dict[str, str]) -> str:
    """`output`, the page or template `name`, unless it holds one of `paths` (BuildPathInPage)."""
    found = next((what for path, what in paths.items() if path in output), None)
    if found is not None:
        raise BuildPathInPage(name, found)
    return output


def problem(exc: BuildPathInPage, custom_dir: str | None, root: Path) -> Problem:
    """The error a page holding a build path is, at the theme's folder."""
    where = Path(custom_dir) if custom_dir else root / "mkdocs.yml"
    return Problem(display_path(where, root), 1, 1, "error",
                   f"the theme's templates write {exc.what} into {exc.page}: a page must not "
                   "publish the paths of the machine that built it",
                   "remove what prints it from the templates (config.docs_dir, config.site_dir, "
                   "config.config_file_path, config.theme.dirs, page.file.abs_src_path, or "
                   "config itself)")
