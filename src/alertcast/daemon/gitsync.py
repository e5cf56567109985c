"""Fast-forward-only sync of the content checkout: never clobber local work or diverged history."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SyncResult:
    ok: bool
    changed: bool
    old: str | None = None
    new: str | None = None
    error: str | None = None


class _TimedOut(Exception):
    pass


#: How often a running git is checked against its deadline and the caller's `cancel` event.
_POLL = 0.1


def _git(cwd: Path, *args: str, timeout: float = 120.0,
         cancel: threading.Event | None = None) -> subprocess.CompletedProcess[str]:
    """Run git; after `timeout` seconds, or as soon as `cancel` is set (the daemon stopping), kill
    it with everything it started (ssh, a credential helper), which killing git alone would leave
    running, a stuck one per sync."""
    proc = subprocess.Popen(["git", "-C", str(cwd), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    deadline = time.monotonic() + timeout
    while True:
        try:
            out, err = proc.communicate(timeout=max(0.0, min(_POLL, deadline - time.monotonic())))
            return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
        except subprocess.TimeoutExpired:
            stopping = cancel is not None and cancel.is_set()
            if not stopping and time.monotonic() < deadline:
                continue
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            if stopping:
                raise _TimedOut(f"git {args[0]} was stopped: the daemon is stopping") from None
            raise _TimedOut(f"git {args[0]} did not finish within {timeout:g} s") from None


def head(checkout: Path) -> str | None:
    result = _git(checkout, "rev-parse", "HEAD")
    return result.stdout.strip() if result.returncode == 0 else None


def sync(checkout: Path, timeout: float = 120.0, cancel: threading.Event | None = None) -> SyncResult:
    """Fetch the upstream and fast-forward; report (do not fix) local changes or divergence.
    A git command that hangs (an unreachable remote) is a failed sync after `timeout` seconds,
    or at once when `cancel` is set."""
    try:
        return _sync(checkout, timeout, cancel)
    except _TimedOut as exc:
        return SyncResult(False, False, error=str(exc))


def _sync(checkout: Path, timeout: float, cancel: threading.Event | None) -> SyncResult:
    old = head(checkout)
    if old is None:
        return SyncResult(False, False, error=f"{checkout} is not a git checkout; clone the content repository there")
    fetched = _git(checkout, "fetch", "--quiet", timeout=timeout, cancel=cancel)
    if fetched.returncode != 0:
        return SyncResult(False, False, old, old, f"git fetch failed: {fetched.stderr.strip()[:300]}")
    upstream = _git(checkout, "rev-parse", "@{u}")
    if upstream.returncode != 0:
        return SyncResult(False, False, old, old, "the checkout's branch has no upstream; run `git branch -u origin/<branch>`")
    target = upstream.stdout.strip()
    if target == old:
        return SyncResult(True, False, old, old)
    dirty = _git(checkout, "status", "--porcelain", "--untracked-files=no")
    if dirty.stdout.strip():
        return SyncResult(False, False, old, old,
                          "the content checkout has local changes; commit or discard them (not overwritten)")
    if _git(checkout, "merge-base", "--is-ancestor", "HEAD", target).returncode != 0:
        if _git(checkout, "merge-base", "--is-ancestor", target, "HEAD").returncode == 0:
            return SyncResult(True, False, old, old)  # local is ahead: nothing to take
        return SyncResult(False, False, old, old,
                          "the content checkout has diverged from its upstream (not a fast-forward); reset it by hand")
    merged = _git(checkout, "merge", "--ff-only", "--quiet", target)
    if merged.returncode != 0:
        return SyncResult(False, False, old, old, f"git merge --ff-only failed: {merged.stderr.strip()[:300]}")
    return SyncResult(True, True, old, target)
