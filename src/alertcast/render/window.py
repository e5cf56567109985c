"""How a maintenance window reads: the same words on the site, in feeds and in the calendar link.

A window is written in the site's zone with its offset (`2027-01-12 02:00 – 04:00 (UTC+8)`),
as every time on the site is, so a reader elsewhere can convert it; machine outputs (banner,
JSON Feed, iCalendar) carry the exact instants.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ..content.models import Alert
from ..timefmt import offset
from .labels import colon

WORDS = {
    "zh": {"window": "维护时间", "calendar": "维护日历",
           "subscribe": "在日历应用里用“通过网址添加日历”订阅这个地址，计划中的维护会自动出现，时间有变也会跟着更新：{link}"},
    "en": {"window": "Maintenance window", "calendar": "Maintenance calendar",
           "subscribe": "Subscribe to this address in your calendar app (\"add calendar from URL\") and planned "
                        "maintenance shows up there, updated as it changes: {link}"},
}


def word(key: str, lang: str) -> str:
    return (WORDS.get(lang) or WORDS["en"])[key]


def has_window(alert: Alert) -> bool:
    return alert.starts_at is not None and alert.ends_at is not None


def window_text(alert: Alert, zone: ZoneInfo) -> str:
    """`2027-01-12 02:00 – 04:00 (UTC+8)`; the end's date too when it is another day, and each
    offset when a clock change falls within the window."""
    assert alert.starts_at is not None and alert.ends_at is not None
    start, end = alert.starts_at.astimezone(zone), alert.ends_at.astimezone(zone)
    first = f"{start:%Y-%m-%d} {_clock(start)}"
    last = _clock(end) if end.date() == start.date() else f"{end:%Y-%m-%d} {_clock(end)}"
    if start.utcoffset() != end.utcoffset():
        return f"{first} ({offset(start)}) – {last} ({offset(end)})"
    return f"{first} – {last} ({offset(start)})"


def labelled_window(alert: Alert, zone: ZoneInfo, lang: str) -> str:
    """`Maintenance window: 2027-01-12 02:00 – 04:00 (UTC+8)`."""
    return f"{word('window', lang)}{colon(lang)}{window_text(alert, zone)}"


def _clock(t: datetime) -> str:
    return f"{t:%H:%M:%S}" if t.second else f"{t:%H:%M}"
