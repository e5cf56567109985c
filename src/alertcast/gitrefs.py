"""Read a project as it was at a git ref, without a worktree and without touching the checkout.

`alertcast report` compares the content of a pull request with its base branch. The base is
extracted with `git archive` into a temporary folder, so the editor's working tree (and any
uncommitted edits in it) is never changed.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path


class GitError(Exception):
    """Git cannot give us what was asked for; the message says what and how to fix it."""


@dataclass(frozen=True)
class Repo:
    """The git repository holding a project, and where the project sits in it."""

    top: Path
    prefix: str  # the project folder relative to the repository root, "" or ending in "/"


def git(cwd: Path, *args: str, binary: bool = False) -> subprocess.CompletedProcess:
    """`git ARGS` in `cwd`, its output captured; a missing git or a hung one is a GitError that says what to do."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=not binary, timeout=120,
                              check=False)
    except FileNotFoundError:
        raise GitError("git is not installed; install git, or use `alertcast check` to validate without comparing") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took over 2 minutes in {cwd}; check the repository") from None


def find_repo(project: Path) -> Repo:
    """The repository that holds `project`, or GitError when it is not in one."""
    proc = git(project, "rev-parse", "--show-toplevel", "--show-prefix")
    if proc.returncode != 0:
        raise GitError(f"{project} is not in a git repository; run `alertcast report` inside a clone of the project "
                       "(or use `alertcast check`, which needs no git)")
    top, _, prefix = proc.stdout.partition("\n")
    return Repo(Path(top.strip()), prefix.strip())


def resolve(repo: Repo, ref: str) -> str:
    """The commit `ref` names, or GitError saying how to make it available."""
    if not ref or ref.startswith("-"):
        raise GitError(f"{ref!r} is not a git ref; name a branch, tag or commit, e.g. --base origin/main")
    proc = git(repo.top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if proc.returncode != 0:
        shallow = git(repo.top, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"
        hint = ("this clone is shallow: fetch the history (git fetch --unshallow, or actions/checkout with "
                "fetch-depth: 0)" if shallow else
                "check the spelling, or fetch it first (e.g. git fetch origin main for origin/main)")
        raise GitError(f"unknown git ref {ref!r} in {repo.top}; {hint}")
    return proc.stdout.strip()


def default_base(repo: Repo, env: dict[str, str]) -> str:
    """The branch a pull request targets (GITHUB_BASE_REF, as fetched from origin), else main:
    the first of those git knows, so `alertcast report` needs no --base in the workflow or locally."""
    target = env.get("GITHUB_BASE_REF", "").strip()
    candidates = [f"origin/{target}", target] if target else ["main", "origin/main"]
    for ref in candidates:
        if git(repo.top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").returncode == 0:
            return ref
    return candidates[0]  # resolving it says how to fetch it


def current_commit(repo: Repo) -> str | None:
    """The commit checked out (HEAD), or None in a repository without one."""
    proc = git(repo.top, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    return proc.stdout.strip() if proc.returncode == 0 else None


def export(repo: Repo, commit: str, dest: Path) -> Path | None:
    """Extract the project folder as it is at `commit` into `dest`; None if it did not exist then."""
    tree = f"{commit}:{repo.prefix}" if repo.prefix else commit
    if git(repo.top, "cat-file", "-e", tree).returncode != 0:
        return None
    proc = git(repo.top, "archive", "--format=tar", tree, binary=True)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git archive {commit[:12]} failed: {message[-1] if message else 'no output'}")
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as archive:
            archive.extractall(dest, filter="data")
    except (tarfile.TarError, OSError) as exc:  # e.g. a symlink pointing outside the project
        raise GitError(f"cannot extract the project at {commit[:12]}: {exc}; "
                       "remove links that point outside the project folder") from None
    return dest


def fingerprints(root: Path | None, parts: tuple[str, ...]) -> dict[str, str]:
    """Relative path -> content hash of every file under `parts` of `root` (files or folders)."""
    found: dict[str, str] = {}
    if root is None:
        return found
    for part in parts:
        start = root / part
        candidates = [start] if start.is_file() else sorted(p for p in start.rglob("*") if p.is_file()) if start.is_dir() else []
        for path in candidates:
            found[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def changed_files(base: Path | None, head: Path, parts: tuple[str, ...]) -> frozenset[str]:
    """Paths (relative to the project) that differ between two project folders."""
    old, new = fingerprints(base, parts), fingerprints(head, parts)
    return frozenset(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))
