"""Quiet hours: when a non-critical push waits (or is dropped) because its readers are asleep.

Set per language in the `fcm` channel's `quiet_hours`, as clock times in the configured zone
(`extra.alertcast.timezone`). Pure: the dispatcher asks at the moment it would send, with that
moment passed in. A critical alert always goes; a withdrawal's correction is never dropped
(whoever got the push must get the correction), only held.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from .problems import hint_error

_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class QuietHours(BaseModel):
    """`{start: "23:00", end: "07:00", policy: hold}`: from start to end (past midnight when end
    is earlier), a non-critical push in this language is held until the end, or dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: str
    end: str
    policy: Literal["hold", "drop"] = "hold"

    @field_validator("start", "end", mode="before")
    @classmethod
    def _clock(cls, value: object) -> object:
        if isinstance(value, int):  # YAML 1.1 reads an unquoted 23:00 as the number 1380
            raise hint_error("is read as a number", 'write the time in quotes, e.g. "23:00"')
        if not isinstance(value, str) or not _CLOCK.match(value):
            raise hint_error(f"{value!r} is not a time of day like 23:00", 'write hours and minutes, e.g. "07:30"')
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise hint_error("start and end are the same: the quiet hours would be empty or the whole day",
                             "set the end to when the quiet hours stop, e.g. start: \"23:00\", end: \"07:00\"")
        return self

    def clock(self, which: str) -> time:
        hours, minutes = getattr(self, which).split(":")
        return time(int(hours), int(minutes))

    def describe(self, zone: ZoneInfo) -> str:
        return f"{self.start}-{self.end} {zone.key}"


def quiet_period(hours: QuietHours, zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime] | None:
    """The quiet period `now` falls in, (start, end), or None. `end` is not quiet any more."""
    local = now.astimezone(zone)
    start, end = hours.clock("start"), hours.clock("end")
    for day in (local.date() - timedelta(days=1), local.date()):
        begins = datetime.combine(day, start, tzinfo=zone)
        ends = datetime.combine(day if end > start else day + timedelta(days=1), end, tzinfo=zone)
        if begins <= now < ends:
            return begins, ends
    return None


@dataclass(frozen=True)
class Decision:
    """What to do with one push row at `now`: send the languages in `send` (the others are
    dropped), or wait until `hold_until` (then decide again)."""

    send: tuple[str, ...]
    dropped: tuple[str, ...] = ()
    hold_until: datetime | None = None
    why: str = ""


def decide(quiet: dict[str, QuietHours], zone: ZoneInfo, langs: tuple[str, ...], critical: bool, action: str,
           now: datetime) -> Decision:
    if critical:
        return Decision(langs)
    send, dropped, until, why = [], [], None, []
    for lang in langs:
        hours = quiet.get(lang)
        period = quiet_period(hours, zone, now) if hours is not None else None
        if period is None:
            send.append(lang)
            continue
        why.append(f"{lang} {hours.describe(zone)}")  # type: ignore[union-attr]
        if hours.policy == "drop" and action != "withdraw":  # type: ignore[union-attr]
            dropped.append(lang)
        else:
            until = period[1] if until is None else max(until, period[1])
    if until is not None:
        return Decision((), (), until, ", ".join(why))
    return Decision(tuple(send), tuple(dropped), None, ", ".join(why))
