"""What the daemon reports to Prometheus on /metrics."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy.engine import Engine

from ..content.models import Content
from ..plan import Plan
from . import publog


class Metrics:
    """The gauges and counters /metrics serves, in a registry of this daemon's own (two daemons
    in one process, as in tests, never share a gauge)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.publish_seconds = Histogram("alertcast_publish_duration_seconds", "Time to build and deploy", registry=r)
        self.publishes = Counter("alertcast_publishes", "Publish attempts", ["result"], registry=r)
        self.last_success = Gauge("alertcast_last_successful_publish_timestamp_seconds",
                                  "Unix time of the last successful publish", registry=r)
        self.sync_errors = Counter("alertcast_sync_errors", "Failed content syncs", registry=r)
        self.next_boundary = Gauge("alertcast_next_boundary_timestamp_seconds",
                                   "Unix time of the next publish_at, expires_at or future updated_at (0: none)", registry=r)
        self.outbox = Gauge("alertcast_outbox_rows", "Outbox rows per channel and status",
                            ["channel", "status"], registry=r)
        self.leader = Gauge("alertcast_leader", "1 when this daemon holds the publisher lease", registry=r)
        self.behind = Gauge("alertcast_unpublished_boundary_seconds",
                            "Seconds since the earliest boundary the deployed outputs do not show yet (0: current); "
                            "the same on leader and standby", registry=r)
        self.held_back = Gauge("alertcast_content_held_back",
                               "1 while the newest commit fails check and boundaries are published from the last "
                               "commit that passes", registry=r)
        self._outbox_labels: set[tuple[str, str]] = set()

    def update_outbox(self, engine: Engine, content: Content | None, now: datetime) -> None:
        """Rows per channel and status, and how far the deployed outputs lag (see `behind_seconds`)."""
        from .status import outbox_summary

        self.behind.set(behind_seconds(engine, content, now))
        summary = outbox_summary(engine)
        # A (channel, status) pair that emptied is absent from the summary: set it to 0, or the
        # gauge would report e.g. a row queued for a retry long after it was sent.
        for channel, status in self._outbox_labels - summary.keys():
            self.outbox.labels(channel, status).set(0)
        for (channel, status), count in summary.items():
            self.outbox.labels(channel, status).set(count)
        self._outbox_labels |= summary.keys()

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def behind_seconds(engine: Engine, content: Content | None, now: datetime) -> float:
    """How far the deployed outputs lag: the first boundary after the last successful publish
    of any daemon (the shared publish log), if it has passed. A standby and an idle leader
    report 0 while all is well, unlike the age of the last publish, which grows when nothing
    changes and is 0 on a standby."""
    last = publog.last(engine, "publish", ok=True)
    if content is None or last is None:
        return 0.0
    due = Plan.at(content, last.at).next_change_at
    return max(0.0, (now - due).total_seconds()) if due is not None else 0.0
