"""What is true at a moment `now`: which alerts are public, live, scheduled, expired, withdrawn.

Every renderer works from a Plan, never from the clock, so invariant 1 (nothing public
before `publish_at`, nothing expired or withdrawn in a banner) is decided here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import cached_property

from .content.models import Alert, Content


class State(str, Enum):
    scheduled = "scheduled"  # before publish_at: exists nowhere public
    live = "live"  # published, not expired, not withdrawn: banner-eligible
    expired = "expired"  # after expires_at: on the site and in feeds, in no banner
    withdrawn = "withdrawn"  # published, then found wrong: marked on the site and in feeds


def state_of(alert: Alert, now: datetime) -> State:
    if now < alert.publish_at:
        return State.scheduled
    if alert.is_withdrawn:
        return State.withdrawn
    if alert.expires_at is not None and now >= alert.expires_at:
        return State.expired
    return State.live


def _newest_first(alerts: list[Alert]) -> tuple[Alert, ...]:
    return tuple(sorted(alerts, key=lambda a: (a.publish_at, a.id), reverse=True))


@dataclass(frozen=True)
class Plan:
    """A frozen moment; its alert lists are computed once (every renderer asks for them)."""

    now: datetime
    content: Content
    states: dict[str, State]

    @classmethod
    def at(cls, content: Content, now: datetime) -> Plan:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return cls(now, content, {a.id: state_of(a, now) for a in content.alerts})

    def _in(self, *states: State) -> tuple[Alert, ...]:
        return _newest_first([a for a in self.content.alerts if self.states[a.id] in states])

    @cached_property
    def published(self) -> tuple[Alert, ...]:
        """Everything readers may see (site, feeds), newest first."""
        return self._in(State.live, State.expired, State.withdrawn)

    @cached_property
    def live(self) -> tuple[Alert, ...]:
        return self._in(State.live)

    @cached_property
    def scheduled(self) -> tuple[Alert, ...]:
        return tuple(sorted(self._in(State.scheduled), key=lambda a: (a.publish_at, a.id)))

    @cached_property
    def expired(self) -> tuple[Alert, ...]:
        return self._in(State.expired)

    @cached_property
    def withdrawn(self) -> tuple[Alert, ...]:
        return self._in(State.withdrawn)

    def is_public(self, alert_id: str) -> bool:
        return self.states.get(alert_id, State.scheduled) is not State.scheduled

    def in_channel(self, channel: str) -> tuple[Alert, ...]:
        """Live alerts that go to `channel`, most severe first, then newest."""
        found = self._by_channel.get(channel)
        if found is None:
            alerts = [a for a in self.live if channel in a.channels]
            found = self._by_channel[channel] = tuple(
                sorted(alerts, key=lambda a: (-a.severity.rank, -a.publish_at.timestamp(), a.id)))
        return found

    @cached_property
    def _by_channel(self) -> dict[str, tuple[Alert, ...]]:
        return {}

    @cached_property
    def next_change_at(self) -> datetime | None:
        """The next publish_at or expires_at after now: when outputs must be rebuilt."""
        times = [t for a in self.content.alerts for t in (a.publish_at, a.expires_at)
                 if t is not None and t > self.now]
        return min(times, default=None)
