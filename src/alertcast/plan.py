"""What is true at a moment `now`: which alerts are public, live, scheduled, expired, withdrawn.

Every renderer works from a Plan, never from the clock, so invariant 1 (nothing public
before `publish_at`, nothing expired or withdrawn in a banner) is decided here, once. The
Plan also presents each alert as it stands at `now`: an update or a withdrawal dated later
has not happened yet (see `as_of`).
"""

from __future__ import annotations

import dataclasses
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


def withdrawn_at(alert: Alert) -> datetime:
    """When a withdrawn alert was withdrawn: its `updated_at` (required with `withdrawn`);
    `publish_at` for content written before that rule."""
    return alert.updated_at or alert.publish_at


def never_live(alert: Alert) -> bool:
    """Withdrawn the second it went out: never listed, never alerted."""
    return alert.is_withdrawn and withdrawn_at(alert) <= alert.publish_at


def as_of(alert: Alert, now: datetime) -> Alert:
    """The alert as the public may know it at `now`.

    An update (or a withdrawal) dated after `now` has not happened yet, so until that second
    the alert shows as it stood before it: the earlier updates with their notes, not
    withdrawn, the revision of its latest update up to `now`. The text is the file's text.
    """
    if alert.updated_at is None or alert.updated_at <= now:
        return alert
    updates = tuple(u for u in alert.updates if u.at <= now)
    latest = updates[-1] if updates else None
    # A new object at each call: renderers' caches key on what an alert holds (RenderCache.alert_key),
    # not on which object it is, so they find its pieces all the same. Keeping the object between
    # calls saved about 12 us per alert with an update ahead per render (of 0.5 s for 1,000 alerts).
    return dataclasses.replace(alert, updated_at=latest.at if latest else None,
                               update_note=dict(latest.note) if latest else {}, withdrawn={}, updates=updates)


def _state(alert: Alert, now: datetime) -> State:
    if now < alert.publish_at:
        return State.scheduled
    if alert.is_withdrawn:
        return State.withdrawn
    if alert.expires_at is not None and now >= alert.expires_at:
        return State.expired
    return State.live


def state_of(alert: Alert, now: datetime) -> State:
    """The state of an alert (as loaded) at `now`."""
    return _state(as_of(alert, now), now)


def _newest_first(alerts: list[Alert]) -> tuple[Alert, ...]:
    return tuple(sorted(alerts, key=lambda a: (a.publish_at, a.id), reverse=True))


@dataclass(frozen=True)
class Plan:
    """A frozen moment; its alert lists are computed once (every renderer asks for them).

    `content` is the content as of `now`: its alerts are the loaded ones passed through
    `as_of`, so anything that reads alerts from the plan sees the same moment.
    """

    now: datetime
    content: Content
    states: dict[str, State]
    next_change_at: datetime | None
    """The next publish_at, expires_at or updated_at after now: when outputs must be rebuilt."""
    last_change_at: datetime | None
    """The latest publish_at, expires_at or updated_at at or before now: what is live, expired or
    withdrawn has been the same since then, so a build at any moment until `next_change_at` is
    the same build."""
    public_next_change_at: datetime | None = None
    public_last_change_at: datetime | None = None
    """The same two over public alerts alone: what the banner and indicator files announce and are
    dated by, so a test or exercise alert changes no byte of them. (`next_change_at` counts it, as
    its CAP messages go out on time.)"""

    @classmethod
    def at(cls, content: Content, now: datetime) -> Plan:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        loaded = content.alerts
        alerts = tuple(as_of(a, now) for a in loaded)
        if any(a is not b for a, b in zip(alerts, loaded)):
            content = dataclasses.replace(content, alerts=alerts)
        # ends_at: the maintenance calendar drops a window when it ends
        times = [t for a in loaded for t in (a.publish_at, a.expires_at, a.updated_at, *(u.at for u in a.updates),
                                              a.ends_at) if t is not None]
        public = [t for a in loaded if a.is_public
                  for t in (a.publish_at, a.expires_at, a.updated_at, *(u.at for u in a.updates), a.ends_at)
                  if t is not None]
        return cls(now, content, {a.id: _state(a, now) for a in alerts},
                   min((t for t in times if t > now), default=None), max((t for t in times if t <= now), default=None),
                   min((t for t in public if t > now), default=None), max((t for t in public if t <= now), default=None))

    @property
    def generated_at(self) -> datetime:
        """The moment banner and indicator files are dated: the last change up to now (now itself
        before any), so rebuilding on a schedule leaves their bytes, ETags and signatures alone."""
        return self.public_last_change_at or self.now

    def _in(self, *states: State) -> tuple[Alert, ...]:
        """Public alerts in `states`: every list below leaves test and exercise alerts out."""
        return _newest_first([a for a in self.content.alerts if a.is_public and self.states[a.id] in states])

    @cached_property
    def test_alerts(self) -> tuple[Alert, ...]:
        """Test and exercise alerts past their publish_at, newest first: in no public list; CAP
        carries them with their status."""
        return _newest_first([a for a in self.content.alerts
                              if not a.is_public and self.states[a.id] is not State.scheduled])

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
        return any(a.id == alert_id for a in self.published)

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
