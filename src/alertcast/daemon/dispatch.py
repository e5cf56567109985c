"""Draining the outbox: as leader, the team robots' heads-ups that came due and the posts that are
due; as leader or standby, the outbox figures of /metrics."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine

from ..config import Config
from ..content.models import Content
from ..content.parsecache import ParseCache
from ..plan import Plan
from .metrics import Metrics
from .seams import Clock, Drainer, default_dispatcher

log = logging.getLogger("alertcast.daemon")


class Dispatch:
    """One drain at a time, by a dispatcher made for the configuration in use: given (tests), or
    made here and made again when mkdocs.yml is reloaded, so channels use their new settings."""

    def __init__(self, engine: Callable[[], Engine], config: Callable[[], Config], content: Callable[[], Content | None],
                 clock: Clock, metrics: Metrics, *, dispatcher: Drainer | None = None, parsed: ParseCache | None = None,
                 make: Callable[[Engine, Config, ParseCache | None], Drainer] = default_dispatcher) -> None:
        self._engine, self._config, self._content, self._clock, self._metrics = engine, config, content, clock, metrics
        self._dispatcher, self._own = dispatcher, dispatcher is None
        self._parsed, self._make = parsed, make
        # The interval job and the drain after a publish may meet: per-channel spacing is checked
        # before a row is claimed, so two drains at once could both pass the check and post
        # closer together than `min_interval`.
        self.lock = threading.Lock()

    def run(self, leader: bool) -> None:
        """Drain as leader; as standby, only report (the outbox is shared, so either daemon's
        /metrics shows the backlog, whichever one a monitor scrapes)."""
        if leader:
            try:
                with self.lock:
                    config = self._config()
                    if self._dispatcher is None or (self._own and self._dispatcher.config is not config):
                        self._dispatcher = self._make(self._engine(), config, self._parsed)
                    self._heads_up(self._clock())
                    self._dispatcher.drain(self._clock())
            except Exception as exc:
                log.error("dispatch failed: %s", type(exc).__name__)
        try:
            self._metrics.update_outbox(self._engine(), self._content(), self._clock())
        except Exception as exc:  # database away: the lease check reports it too
            log.error("outbox metrics failed: %s", type(exc).__name__)

    def _heads_up(self, now: datetime) -> None:
        """Team robots hear of a scheduled alert a set time before it goes live: a moment that is
        no boundary of the plan, so each drain looks for heads-ups that came due."""
        from ..broadcast.outbox import enqueue_heads_up
        from ..content.models import TEAM_CHANNELS

        content, config = self._content(), self._config()
        if content is not None and any(c in TEAM_CHANNELS for c in config.enabled_channels):
            enqueue_heads_up(self._engine(), Plan.at(content, now), config)
