"""Post length as each network counts it.

Networks disagree on what a "character" is, and on what a link is: X counts with twitter-text
(CJK and emoji weigh two; a URL weighs 23 only when its host ends in a TLD twitter-text knows,
and trailing punctuation is not part of it); Mastodon counts grapheme clusters with links, as
twitter-text's extractor finds them, as 23; Bluesky counts grapheme clusters of the text as
written; Telegram and Discord count UTF-16 code units; Weibo counts Chinese characters, a
half-width character as half and a link as 10 (render/weibo.py). A summary that fits one network
may not fit another, so `alertcast check`, `posts preview`, `report` and the post renderer share these
rules, and X's come from its own reference implementation rather than a reading of it.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass
from importlib import metadata, resources
from typing import TYPE_CHECKING, Callable

import regex

from . import weibo

if TYPE_CHECKING:
    from .diskcache import DiskCache

_GRAPHEME = regex.compile(r"\X")

X_URL_WEIGHT = 23
MASTODON_URL_WEIGHT = 23


def graphemes(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def utf8_bytes(text: str) -> int:
    """Team robots limit a message's bytes in UTF-8 (a Chinese character is 3)."""
    return len(text.encode("utf-8"))


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


#: twitter-text's URL pattern takes time quadratic in a long run of text (4,000 Chinese
#: characters: seconds). Past this many characters that cannot be in a URL, a text is far over
#: any limit, and that floor is its length: exact wherever a post can fit, never a hang.
EXACT_UP_TO = 1200
_WORDS = regex.compile(r"(\s+)")


def _floor(text: str) -> int:
    """A lower bound of both networks' counts, cheap on any text: every grapheme weighs at least
    one outside URLs, and a URL needs a dot in its host."""
    return sum(graphemes(word) for word in _WORDS.split(text) if "." not in word)


def twitter_text() -> types.ModuleType:
    """twitter-text, imported when a length is first measured by it: its import compiles
    regular expressions for a quarter of a second, which commands that measure no X or Mastodon
    post do not pay. It reads its emoji table with `pkg_resources.resource_string`, and importing
    pkg_resources takes another 0.1 s: unless something loaded it already, a stand-in reads the
    same file with importlib.resources while twitter-text is imported, and is removed after."""
    if "twitter_text" not in sys.modules and "pkg_resources" not in sys.modules:
        stand_in = types.ModuleType("pkg_resources")
        stand_in.resource_string = _resource_string  # type: ignore[attr-defined]
        sys.modules["pkg_resources"] = stand_in
        try:
            import twitter_text
        finally:
            if sys.modules.get("pkg_resources") is stand_in:
                del sys.modules["pkg_resources"]
    import twitter_text

    return twitter_text


def _resource_string(module: str, name: str) -> bytes:
    """pkg_resources.resource_string for a module's own data file."""
    return resources.files(sys.modules[module].__package__ or module).joinpath(name).read_bytes()


def _x_weights() -> tuple[list[tuple[int, int, int]], int]:
    """twitter-text's weight of each code point range, and of the rest, in characters."""
    twitter_text()
    from twitter_text.parse_tweet import config

    x = config["defaults"]
    return [(r["start"], r["end"], r["weight"] // x["scale"]) for r in x["ranges"]], x["default_weight"] // x["scale"]


def _x_weight(grapheme: str, light: list[tuple[int, int, int]], default: int) -> int:
    point = ord(grapheme[0])
    return next((w for start, end, w in light if start <= point <= end), default)


def _x_floor(text: str) -> int:
    """`_floor` weighted as twitter-text weighs (CJK and emoji 2): each grapheme by its first code
    point, which twitter-text counts at least once, so 5,000 Chinese characters are 10,000 as on X."""
    light, default = _x_weights()
    return sum(_x_weight(g, light, default) for word in _WORDS.split(text) if "." not in word
               for g in _GRAPHEME.findall(word))


def count_x(text: str) -> int:
    """X's weighted length, by twitter-text (the library X's own clients count with)."""
    if _floor(text) <= EXACT_UP_TO:
        return twitter_text().parse_tweet(text).weightedLength
    return _x_floor(text)


def count_mastodon(text: str) -> int:
    """Mastodon replaces each URL its twitter-text extractor finds with 23 characters, then counts
    grapheme clusters."""
    floor = _floor(text)
    if floor > EXACT_UP_TO:
        return floor
    total, at = 0, 0
    for url in twitter_text().extract_urls_with_indices(text):
        start, end = url["indices"]
        total += graphemes(text[at:start]) + MASTODON_URL_WEIGHT
        at = end
    return total + graphemes(text[at:])


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
    "email": Rule("email", 16000, len, "characters"),  # the subject has its own display limit (render/mail.py)
    "weibo": Rule("weibo", weibo.LIMIT, weibo.count, weibo.UNIT),
    "wecom": Rule("wecom", 2048, utf8_bytes, "bytes (UTF-8)"),
    "dingtalk": Rule("dingtalk", 18000, utf8_bytes, "bytes (UTF-8)"),  # the request body is at most 20,000 bytes
    "feishu": Rule("feishu", 18000, utf8_bytes, "bytes (UTF-8)"),  # the request body is at most 20 KB
}


def count(channel: str, text: str) -> int:
    return RULES[channel].count(text)


#: The rules that measure with twitter-text.
BY_TWITTER_TEXT = frozenset({"x", "mastodon"})


class Lengths:
    """Post lengths as `count` gives them, X's and Mastodon's kept in `disk` by the text and
    twitter-text's version: importing twitter-text compiles its regular expressions for a
    third of a second, which a `check` or a build whose posts did not change then never pays.
    The cache's `tally["length", "missed"]` counts the texts twitter-text measured."""

    KIND = "length"

    def __init__(self, disk: DiskCache | None = None) -> None:
        self.disk = disk if disk is not None and disk.enabled else None
        self._version: str | None = None

    def count(self, channel: str, text: str) -> int:
        if self.disk is None or channel not in BY_TWITTER_TEXT or not self._twitter_text_version():
            return count(channel, text)
        key = self.disk.key(self.KIND, channel, self._version, text)
        known = self.disk.get(key, _a_length, kind=self.KIND)
        if known is None:
            known = count(channel, text)
            self.disk.put(key, known)
        return known

    def _twitter_text_version(self) -> str:
        """Read from its installed metadata, which costs no import ("" when it cannot be read:
        then nothing is kept)."""
        if self._version is None:
            try:
                self._version = metadata.version("twitter-text-parser")
            except (metadata.PackageNotFoundError, ValueError):
                self._version = ""
        return self._version


def _a_length(value: object) -> bool:
    return type(value) is int and value >= 0
