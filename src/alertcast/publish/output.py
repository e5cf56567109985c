"""Which folder alertcast may take as its output: only one it made, or an empty one.

alertcast replaces the output with a symlink and deletes old releases next to it, so a
mistyped `--output` must never point it at something else: the project (`.`), the content,
`/`, or a folder of someone's files. Everything is decided before anything is written, and
each refusal is one line that says how to proceed.
"""

from __future__ import annotations

import os
from pathlib import Path

from .atomic import MARKER, marked, owned


class OutputError(Exception):
    """The output folder (or the deploy target) cannot be used; the message says how to proceed."""


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


OTHER = "or pass another --output (output_dir in mkdocs.yml)"


def check_output(output: Path, project: Path, content: Path, name: str = "output folder", other: str = OTHER) -> Path:
    """`output` as an absolute path (symlinks in its parents resolved) if alertcast may use
    it, else OutputError: the project folder or a folder holding it, anything inside
    `content`, `/`, a mount point, a file, a symlink that is not alertcast's, or an existing
    folder with files in it and without alertcast's marker. `name` and `other` say which
    setting the folder comes from and how to choose another."""
    shown = str(output)
    output = Path(os.path.abspath(output))
    output = output.parent.resolve() / output.name if output.name else output.resolve()
    project, content = project.resolve(), content.resolve()

    def refuse(why: str, fix: str) -> OutputError:
        return OutputError(f"{name} {shown}: {why}; {fix}")

    if output == Path(output.anchor):
        raise refuse("is the root folder", "pass a folder of its own, e.g. --output site")
    if _inside(project, output):
        raise refuse("is the project folder or holds it, and alertcast replaces its output",
                     "pass a folder inside the project for the site, e.g. --output site")
    if _inside(output, content):
        raise refuse(f"is inside the content folder {content.name}/", "pass a folder outside it, e.g. --output site")
    if output.is_symlink():
        if owned(output):
            return output
        raise refuse(f"is a link to {os.readlink(output)}, not a release alertcast made", f"remove the link, {other}")
    if not output.exists():
        return output
    if not output.is_dir():
        raise refuse("is a file", f"remove it, {other}")
    if os.path.ismount(output):
        raise refuse("is a mount point, which cannot be replaced by a new release",
                     f"pass a folder inside it (e.g. --output {Path(shown) / 'live'}) and serve that folder")
    if marked(output):
        return output
    if any(output.iterdir()):
        raise refuse("holds files alertcast did not make, and alertcast replaces its output with its releases",
                     f"move the folder away or empty it (or, if it was prepared for alertcast, add an empty "
                     f"{MARKER} file to it), {other}")
    return output
