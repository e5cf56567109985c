"""The configuration the daemon runs with: mkdocs.yml as it was last valid, read again whenever
its bytes change, so settings pushed to git take effect without a restart (those read only at
start excepted: they are reported as waiting for one)."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import CONFIG_FILE, Config, Settings, load_config
from ..problems import ContentError
from . import logs

log = logging.getLogger("alertcast.daemon")

#: Settings in mkdocs.yml read once at start: a change is reported, and takes effect at the next restart.
RESTART_ONLY = ("state_url",)


def problems_text(exc: ContentError | OSError, config_path: Path) -> str:
    """The problems of an invalid mkdocs.yml on one line, as logs and /healthz show them."""
    if isinstance(exc, ContentError):
        return "; ".join(str(p) for p in exc.problems if p.is_error)[:1500]
    return f"{config_path.name}: cannot be read: {type(exc).__name__}"


def initial_config(root: Path | str) -> tuple[Config, ContentError | None]:
    """The configuration `alertcast run` starts with: (mkdocs.yml, None) when the file is valid;
    when it is not, a stand-in with the default settings and its problems (file:line), so the
    daemon can start, sync and publish once a valid file arrives. The stand-in is never published
    with, and names no state store (see Daemon). A missing mkdocs.yml raises ContentError and an
    unreadable one OSError: then there is no project to wait for."""
    root = Path(root)
    try:
        return load_config(root), None  # an unreadable file raises OSError from here
    except ContentError as exc:
        if not (root / CONFIG_FILE).is_file():
            raise  # the positioned "no mkdocs.yml in <folder>"
        return Config(root.resolve(), "alertcast", "https://alertcast.invalid/", Settings(), {}), exc


def file_digest(path: os.PathLike) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""  # missing or unreadable: load_config says which


def changed_settings(old: Config, new: Config) -> list[str]:
    """Top-level mkdocs.yml keys, and keys of extra.alertcast, whose values differ."""
    def flat(raw: dict) -> dict[str, Any]:
        extra = raw.get("extra") if isinstance(raw.get("extra"), dict) else {}
        section = extra.get("alertcast") if isinstance(extra.get("alertcast"), dict) else {}
        out = {k: v for k, v in raw.items() if k != "extra"}
        out.update({f"extra.{k}": v for k, v in extra.items() if k != "alertcast"})
        out.update({f"extra.alertcast.{k}": v for k, v in section.items()})
        return out

    a, b = flat(old.raw), flat(new.raw)
    return sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))


class LiveConfig:
    """`current` is the configuration in use; `error` the problems of mkdocs.yml on disk while it
    is invalid. Until a first valid file (`waiting()`), `current` is a stand-in (see initial_config)."""

    def __init__(self, config: Config, error: str | None, *, lock: threading.RLock, waiting: Callable[[], bool],
                 store_moved: Callable[[], None]) -> None:
        """`lock` is the publish lock: the configuration never changes during a publish.
        `store_moved` is called when state_url now names another store than the one in use."""
        self.current = config
        self.error = error
        self.restart_needed: tuple[str, ...] = ()  # settings changed in mkdocs.yml that wait for a restart
        self._lock, self._waiting, self._store_moved = lock, waiting, store_moved
        # what a changed file is compared with
        self._digest = file_digest(config.path)
        self._started = config.settings

    def refresh(self) -> bool:
        """Read mkdocs.yml again if its bytes changed since it was last read; False while the
        file on disk is invalid.

        Channel, site, output and deploy settings pushed to git take effect from the next publish
        and drain, as they would after a restart. A bad file is handled like bad content: the
        daemon publishes nothing until it is fixed (the last good outputs stay live) and reports
        its problems (file:line). A setting read only at start (RESTART_ONLY) keeps its running
        value, and is reported as waiting for a restart rather than silently ignored.
        """
        with self._lock:
            digest = file_digest(self.current.path)
            if digest == self._digest:
                return self.error is None
            self._digest = digest
            try:
                new = load_config(self.current.root)
            except (ContentError, OSError) as exc:
                self.error = problems_text(exc, self.current.path)
                log.error("mkdocs.yml is not valid; %s: %s", "nothing is published until it is" if self._waiting()
                          else "the daemon keeps the last good configuration", self.error)
                return False
            logs.hide(new.secret(new.settings.signing.key_env, new.settings.signing.key_file))
            if self._waiting():  # the first valid file: what the daemon starts with, its state store included
                self.current, self.error, self._started = new, None, new.settings
                log.info("configuration loaded")
                return True
            kept = {k: getattr(self._started, k) for k in RESTART_ONLY
                    if getattr(new.settings, k) != getattr(self._started, k)}
            if kept:
                new = Config(new.root, new.site_name, new.site_url, new.settings.model_copy(update=kept), new.raw)
            changed = changed_settings(self.current, new)
            self.current, self.error = new, None
            self.restart_needed = tuple(f"extra.alertcast.{k}" for k in kept)
            log.info("configuration reloaded", extra={"changed": changed})
            if "state_url" in kept:
                self._store_moved()
            elif self.restart_needed:  # the values are not logged: a state_url may hold a password
                log.warning("%s changed in mkdocs.yml: takes effect when the daemon is restarted; until then "
                            "the daemon keeps the value it started with", ", ".join(self.restart_needed),
                            extra={"settings": list(self.restart_needed)})
            return True
