"""Post length as each network counts it.

Networks disagree on what a "character" is: X weighs CJK and emoji as two and any link as
23; Mastodon counts grapheme clusters with links as 23; Bluesky counts grapheme clusters of
the text as written; Telegram and Discord count UTF-16 code units. A summary that fits one
network may not fit another, so `alertcast check` and the post renderer share these rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import regex

URL = re.compile(r"https?://[^\s<>\"'）)】」]+", re.IGNORECASE)
_GRAPHEME = regex.compile(r"\X")
_PICTOGRAPHIC = regex.compile(r"\p{Extended_Pictographic}")

#: X (twitter-text v3): code points in these ranges weigh 1, all others 2; a URL weighs 23.
_X_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
X_URL_WEIGHT = 23
MASTODON_URL_WEIGHT = 23


def graphemes(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _x_weight(cluster: str) -> int:
    if _PICTOGRAPHIC.search(cluster):
        return 2  # an emoji sequence counts as one heavy character, however many code points
    total = 0
    for ch in cluster:
        code = ord(ch)
        total += 1 if any(lo <= code <= hi for lo, hi in _X_LIGHT) else 2
    return total


def _split_urls(text: str) -> tuple[list[str], int]:
    """The text between URLs, and how many URLs there were."""
    pieces = URL.split(text)
    return pieces, len(pieces) - 1


def count_x(text: str) -> int:
    pieces, urls = _split_urls(text)
    return urls * X_URL_WEIGHT + sum(_x_weight(c) for piece in pieces for c in _GRAPHEME.findall(piece))


def count_mastodon(text: str) -> int:
    pieces, urls = _split_urls(text)
    return urls * MASTODON_URL_WEIGHT + sum(graphemes(p) for p in pieces)


@dataclass(frozen=True)
class Rule:
    channel: str
    limit: int
    count: Callable[[str], int]
    unit: str  # how the count is described to editors


RULES: dict[str, Rule] = {
    "x": Rule("x", 280, count_x, "weighted characters (CJK and emoji count 2, links 23)"),
    "bluesky": Rule("bluesky", 300, graphemes, "graphemes"),
    "mastodon": Rule("mastodon", 500, count_mastodon, "characters (links count 23)"),
    "discord": Rule("discord", 2000, utf16_units, "characters"),
    "slack": Rule("slack", 4000, len, "characters"),
    "telegram": Rule("telegram", 4096, utf16_units, "characters"),
    "matrix": Rule("matrix", 16000, len, "characters"),
    "webhook": Rule("webhook", 16000, len, "characters"),
}


def count(channel: str, text: str) -> int:
    return RULES[channel].count(text)
