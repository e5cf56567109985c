"""A test project as a git repository: what `report --base`, `snapshots`, the last good commit
and a merge's time need history for."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime
from pathlib import Path

#: Who commits: one identity, and no system or user git configuration (a signing hook, another
#: default branch) of the machine the tests run on.
IDENTITY = {"GIT_AUTHOR_NAME": "editor", "GIT_AUTHOR_EMAIL": "editor@example.com",
            "GIT_COMMITTER_NAME": "editor", "GIT_COMMITTER_EMAIL": "editor@example.com",
            "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def commit_all(project: Path, message: str = "start", when: datetime | None = None) -> str:
    """Commit every file of `project` as it is now, on branch main (made a repository first if it
    is not one yet), at `when` if given; returns the commit's id."""
    env = {**os.environ, **IDENTITY}
    if when is not None:
        env.update(GIT_AUTHOR_DATE=when.isoformat(), GIT_COMMITTER_DATE=when.isoformat())

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(project), *args], check=True, env=env, capture_output=True,
                              text=True).stdout.strip()

    if not (project / ".git").exists():
        git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", message)
    return git("rev-parse", "HEAD")
