"""One way of writing a time for editors: their zone, its offset and a label.

Editors think in their own zone; the machine-readable outputs stay in UTC. Wherever an editor
reads a time (check, report, preview, status) it is written as `2026-12-08 09:00 北京时间
（UTC+8）` in Chinese (full-width brackets, docs/style.zh.md) or `2026-12-08 09:00 Beijing time
(UTC+8)` in English, and where an editor
writes one it is offered as `2026-12-08T09:00:00+08:00`, ready to paste into front matter.
"""

from __future__ import annotations

import re
import unicodedata
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


def labelled(name: str, offset: str, lang: str) -> str:
    """`Beijing time (UTC+8)`; in Chinese `北京时间（UTC+8）`: a bracket in a Chinese sentence is
    full-width, whatever it holds (docs/style.zh.md)."""
    return f"{name}（{offset}）" if lang.partition("-")[0] == "zh" else f"{name} ({offset})"


def editor_time(t: datetime, zone: str, lang: str = "en", seconds: bool = False) -> str:
    """`2026-12-08 09:00 Beijing time (UTC+8)`: the moment in the editors' zone, labelled."""
    local = t.astimezone(ZoneInfo(zone))
    clock = f"{local:%Y-%m-%d %H:%M:%S}" if seconds or local.second else f"{local:%Y-%m-%d %H:%M}"
    return f"{clock} {labelled(zone_name(zone, lang), offset(local), lang)}"


def to_paste(t: datetime, zone: str) -> str:
    """`2026-12-08T09:00:00+08:00`: the value to write in front matter, in the editors' zone."""
    return t.astimezone(ZoneInfo(zone)).replace(microsecond=0).isoformat()


def naive_in_zone(t: datetime, zone: str) -> datetime:
    """A time written without an offset, read as the editors' zone (to offer the corrected value)."""
    return t.replace(tzinfo=ZoneInfo(zone))


#: Ways editors write a zone that a time in front matter cannot carry, with the offset each means.
_ZONE_WORDS = {"北京时间": "+08:00", "CST": "+08:00", "UTC+8": "+08:00", "UTC+08:00": "+08:00", "GMT+8": "+08:00",
               "Asia/Shanghai": "+08:00", "HKT": "+08:00", "UTC": "+00:00", "GMT": "+00:00", "Z": "+00:00"}
_WORDS_RE = re.compile(r"\s*(" + "|".join(re.escape(w) for w in sorted(_ZONE_WORDS, key=len, reverse=True)) + r")\s*$")


def suggest(value: object, zone: str) -> str | None:
    """The value to paste for a time written without a usable offset, or None when it cannot
    be read: `2026-12-08 09:00` (read in the editors' zone), `2026/12/08 09:00 北京时间`,
    `2026-12-08T09:00 CST`, `2026-12-08` (midnight: say the hour you mean)."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        found = _WORDS_RE.search(text)
        offset_text = ""
        if found and found.start() > 0:
            offset_text, text = _ZONE_WORDS[found.group(1)], text[:found.start()].strip()
        text = text.replace("/", "-").replace("年", "-").replace("月", "-").replace("日", " ").strip()
        try:
            moment = datetime.fromisoformat(text.replace(" ", "T", 1) if " " in text else text)
        except ValueError:
            return None
        if offset_text and moment.tzinfo is None:
            moment = datetime.fromisoformat(moment.isoformat() + offset_text)
    if moment.tzinfo is None:
        moment = naive_in_zone(moment, zone)
    return to_paste(moment, zone)
