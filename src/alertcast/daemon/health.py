"""What /healthz says: ready or not, and why, in words an operator can act on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .lastgood import HeldBack
from .publog import Entry


@dataclass(frozen=True)
class Facts:
    """The daemon's state at one moment, as /healthz reports it."""

    holder: str
    leader: bool
    next_boundary: datetime | None
    sync_error: str | None
    config_error: str | None
    restart_needed: tuple[str, ...]
    live_commit: str | None
    held_back: HeldBack | None
    waiting: bool
    store_error: str | None
    store_moved: bool
    last_publish_ok: bool | None
    last_error: str | None


def report(f: Facts, last_publish: Callable[[], Entry | None]) -> tuple[bool, dict]:
    """(ready, details); `last_publish` reads the shared publish log (a standby is ready when the
    last publish of any daemon succeeded)."""
    info: dict[str, Any] = {"holder": f.holder, "leader": f.leader,
                            "next_boundary": f.next_boundary.isoformat() if f.next_boundary else None}
    if f.sync_error:
        info["sync_error"] = f.sync_error
    if f.config_error:
        info["config_error"] = f.config_error
    if f.restart_needed:
        info["restart_needed"] = list(f.restart_needed)
    if f.live_commit:
        info["live_commit"] = f.live_commit
    held = f.held_back
    if held is not None:
        info["held_back"] = {"commit": held.commit, "problems": held.problems, "published_commit": held.good}
    if f.waiting:  # started with an invalid mkdocs.yml: no store yet, so neither leader nor standby
        if f.config_error:
            info["status"] = ("configuration has errors; nothing is published until it is fixed (the outputs "
                              "already deployed stay as they are): " + f.config_error)
        else:
            info["status"] = f.store_error or "starting"
        return False, info
    if f.store_moved:
        info["status"] = ("extra.alertcast.state_url changed: this daemon holds another state store; it does not "
                          "lead and exits to be started again on the new one")
        return False, info
    if not f.leader:
        last = last_publish()
        ready = bool(last and last.ok)
        info["status"] = "standby" if ready else "standby; the last publish did not succeed"
        if f.config_error:  # it could not publish if it took over now
            ready, info["status"] = False, "standby; configuration has errors: " + f.config_error
        return ready, info
    if f.config_error:  # found by a sync or a publish: nothing is published until it is fixed
        info["status"] = "configuration has errors; still serving the last good outputs: " + f.config_error
        return False, info
    if f.last_publish_ok and held is not None:  # up to date in time, not in content: someone must act
        info["status"] = (f"content of commit {held.commit} has errors; boundaries are published from commit "
                          f"{held.good}, the last that passes check: {held.problems}")
        return False, info
    if f.last_publish_ok:
        info["status"] = "ok"
        return True, info
    info["status"] = f.last_error or "no publish yet"
    return False, info
