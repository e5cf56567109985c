"""Weibo's own text rules: how it counts a post, what it takes for a topic, where a link may point.

`2/statuses/share` takes at most 140 Chinese characters, two Latin characters counting as one.
Weibo counts as its web client always has: in half units, a character up to U+00FF weighs one
half, any other UTF-16 code unit two halves (so a Chinese character is one, an emoji outside
the BMP two), and the total is rounded up. A link is not counted as written: Weibo replaces it
with a t.cn short link and counts 20 halves (10 characters) for it, or, for a link longer than
140 halves, 20 plus what is over. `alertcast check`, `posts preview`, `report` and the post
renderer all count with `count` (through render/length.py).

A text between two `#` is a topic (`#话题#`), which the share API refuses; and the share API
posts only a text that links to the app's safe domain (安全域名).
"""

from __future__ import annotations

import math
import re

from ..contacts import on_domain as on_domain  # where the share API takes a link: the app's safe domain

LIMIT = 140
UNIT = "characters (half-width letters, digits, spaces and signs count half, links 10)"
URL_HALVES = 20  # a t.cn link, as Weibo counts it
LONG_URL = 140  # a link longer than this many halves counts what is over, too
#: A link as Weibo finds one: a scheme, a dotted host, then the characters a URL may hold.
_URL = re.compile(r"https?://[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+[-A-Za-z0-9_$.+!*()/\\,:;@&=?~#%]*")
#: `#话题#`: two half-width number signs with text between them on one line.
_TOPIC = re.compile(r"#[^#\r\n]+#")


def _halves(text: str) -> int:
    return sum(1 if unit <= 0xFF else 2 for unit in _utf16(text))


def _utf16(text: str) -> list[int]:
    data = text.encode("utf-16-le")
    return [int.from_bytes(data[i:i + 2], "little") for i in range(0, len(data), 2)]


def urls(text: str) -> list[str]:
    """The links in `text`, as Weibo finds them."""
    return _URL.findall(text)


def count(text: str) -> int:
    """The length of `text` as Weibo counts it, in Chinese characters."""
    halves = 0
    for url in urls(text):
        size = _halves(url)
        halves += URL_HALVES if size <= LONG_URL else size - LONG_URL + URL_HALVES
    return math.ceil((halves + _halves(_URL.sub("", text))) / 2)


def topics(text: str) -> list[str]:
    """The `#topic#` runs Weibo would make of `text` (its share API refuses a post with one)."""
    return _TOPIC.findall(text)
