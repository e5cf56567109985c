"""One way of writing a time for editors: their zone, its offset and a label.

Editors think in their own zone; the machine-readable outputs stay in UTC. Wherever an editor
reads a time (check, report, preview, status) it is written as `2026-12-08 09:00 北京时间
(UTC+8)` in Chinese or `2026-12-08 09:00 Beijing time (UTC+8)` in English, and where an editor
writes one it is offered as `2026-12-08T09:00:00+08:00`, ready to paste into front matter.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

#: What editors call the zones wallet teams most often work in; any other zone is named by its key.
ZONE_NAMES = {
    "Asia/Shanghai": {"zh": "北京时间", "en": "Beijing time"},
    "Asia/Chongqing": {"zh": "北京时间", "en": "Beijing time"},
    "PRC": {"zh": "北京时间", "en": "Beijing time"},
    "Asia/Hong_Kong": {"zh": "香港时间", "en": "Hong Kong time"},
    "Asia/Taipei": {"zh": "台北时间", "en": "Taipei time"},
    "Asia/Singapore": {"zh": "新加坡时间", "en": "Singapore time"},
    "Asia/Tokyo": {"zh": "东京时间", "en": "Tokyo time"},
    "Asia/Seoul": {"zh": "首尔时间", "en": "Seoul time"},
    "Europe/London": {"zh": "伦敦时间", "en": "London time"},
    "America/New_York": {"zh": "纽约时间", "en": "New York time"},
    "UTC": {"zh": "协调世界时", "en": "UTC"},
    "Etc/UTC": {"zh": "协调世界时", "en": "UTC"},
}


def zone_name(zone: str, lang: str = "en") -> str:
    names = ZONE_NAMES.get(zone)
    return names.get(lang, names["en"]) if names else zone


def offset(t: datetime) -> str:
    """`UTC+8`, `UTC+5:30`, `UTC-3`, `UTC+0`."""
    delta = t.utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def editor_time(t: datetime, zone: str, lang: str = "en", seconds: bool = False) -> str:
    """`2026-12-08 09:00 Beijing time (UTC+8)`: the moment in the editors' zone, labelled."""
    local = t.astimezone(ZoneInfo(zone))
    clock = f"{local:%Y-%m-%d %H:%M:%S}" if seconds or local.second else f"{local:%Y-%m-%d %H:%M}"
    return f"{clock} {zone_name(zone, lang)} ({offset(local)})"


def to_paste(t: datetime, zone: str) -> str:
    """`2026-12-08T09:00:00+08:00`: the value to write in front matter, in the editors' zone."""
    return t.astimezone(ZoneInfo(zone)).replace(microsecond=0).isoformat()


def naive_in_zone(t: datetime, zone: str) -> datetime:
    """A time written without an offset, read as the editors' zone (to offer the corrected value)."""
    return t.replace(tzinfo=ZoneInfo(zone))
