"""The content of the last commit that passes `check`, for while the newest one does not.

One editor's typo must not stop time (invariant 5): expiries, withdrawals and scheduled alerts
still take effect to the second. So the daemon walks back from the broken commit, exports the
content folder of each older commit (`git archive`, nothing in the checkout is touched) and
publishes from the first one that loads without errors, until a fixed commit arrives.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..checks.load import load_content
from ..gitrefs import GitError, export, find_repo
from ..lastgood import first_parents

HISTORY = 50  # commits looked at, newest first, before giving up
FOLDER = ".alertcast/last-good"  # under the project root; one folder per exported commit


@dataclass(frozen=True)
class HeldBack:
    """The newest commit fails `check`: what is published instead, and why."""

    commit: str | None  # the newest commit of the checkout (None: not a git checkout)
    problems: str  # its errors, one line (file:line: what, how to fix)
    good: str | None = None  # the last commit that passes, published instead; None: none found
    folder: Path | None = None  # `good`'s content folder, exported


def with_content(config: Config, folder: Path) -> Config:
    """`config`, reading content from `folder` (outputs, state and settings unchanged)."""
    settings = config.settings.model_copy(update={"content_dir": str(folder)})
    return Config(config.root, config.site_name, config.site_url, settings, config.raw)


def _export(repo, commit: str, dest: Path) -> bool:
    """The content folder as it was at `commit`, in `dest`; False when it did not exist then or
    cannot be extracted (a link out of the folder, an absolute path: see gitrefs.export)."""
    try:
        return export(repo, commit, dest) is not None
    except GitError:
        return False


def find(config: Config, head: str) -> tuple[str, Path] | None:
    """The newest ancestor of `head` whose content loads without errors, and the folder it is
    exported to; None if there is none in the last HISTORY commits."""
    try:
        repo = find_repo(config.content_dir)  # its prefix is the content folder: only that is exported
        listed = first_parents(repo, f"{head}~1", HISTORY)
    except GitError:
        listed = []  # not a git checkout, or `head` has no parent
    base = config.root / FOLDER
    for commit in listed:
        folder = base / commit
        if not folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            if not _export(repo, commit, folder):
                continue
        content, _problems = load_content(with_content(config, folder), cache=None)
        if content is not None:
            clean(config, keep=commit)
            return commit, folder
        shutil.rmtree(folder, ignore_errors=True)
    return None


def clean(config: Config, keep: str | None = None) -> None:
    """Remove exported folders (all, or all but `keep`'s)."""
    base = config.root / FOLDER
    if not base.is_dir():
        return
    for folder in base.iterdir():
        if folder.name != keep:
            shutil.rmtree(folder, ignore_errors=True)
