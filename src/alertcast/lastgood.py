"""The newest commit whose project passes `alertcast check`.

A broken commit on the default branch must not stop time: whoever publishes keeps building the
newest good content, so expiries and scheduled alerts still take effect, and says loudly which
commit is broken. Commits are read with `git archive` (gitrefs), never checked out, and the walk
follows the first parent only (the commits the branch itself was at), up to a bound.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .config import load_config
from .checks.load import load_content
from .gitrefs import GitError, Repo, export, find_repo, git, resolve
from .problems import ContentError, Problem


@dataclass(frozen=True)
class Broken:
    commit: str
    errors: list[Problem]


@dataclass
class Walk:
    good: str | None  # the newest commit that passes, None when none within the bound
    broken: list[Broken] = field(default_factory=list)  # newer commits that fail, newest first


def errors_at(project: Path) -> list[Problem]:
    """What `alertcast check` reports as errors for the project in this folder."""
    try:
        config = load_config(project)
    except ContentError as exc:
        return exc.errors
    _content, problems = load_content(config, None, cache=None)
    return [p for p in problems if p.is_error]


def first_parents(repo: Repo, tip: str, bound: int) -> list[str]:
    """`tip` and the commits the branch was at before it, newest first, at most `bound`."""
    proc = git(repo.top, "rev-list", "--first-parent", f"--max-count={bound}", "--end-of-options", tip)
    if proc.returncode != 0:
        raise GitError(f"git rev-list {tip[:12]} failed: {proc.stderr.strip()[:300]}")
    return proc.stdout.split()


def newest_good(project: Path, ref: str = "HEAD", bound: int = 20) -> Walk:
    """Walk back from `ref` at most `bound` commits to the newest one that passes check."""
    repo = find_repo(project)
    walk = Walk(None)
    for commit in first_parents(repo, resolve(repo, ref), bound):
        with tempfile.TemporaryDirectory(prefix="alertcast-lastgood-") as tmp:
            tree = export(repo, commit, Path(tmp) / "project")
            errors = errors_at(tree) if tree is not None else [
                Problem(repo.prefix or ".", 1, 1, "error", "the project folder does not exist at this commit")]
        if not errors:
            walk.good = commit
            return walk
        walk.broken.append(Broken(commit, errors))
    return walk
