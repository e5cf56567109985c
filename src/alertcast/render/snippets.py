"""What every post-like message writes alike: the severity markers, the mark of a rehearsal, the
cut at a word boundary, and scam indicators defanged so that no network makes them a link.

Posts (posts.py), pushes (push.py) and WeChat articles (wechat.py) are each fitted to their own
limits, but a reader who sees one and then another finds the same marker and the same indicator.
"""

from __future__ import annotations

import re

import regex

from ..content.models import Alert, Severity
from ..languages import in_table

ELLIPSIS = "…"
MARKERS = {Severity.info: "ℹ️", Severity.advisory: "🔔", Severity.warning: "⚠️", Severity.critical: "🚨"}
#: A withdrawal says the warning was wrong: a neutral marker, not the alarm it corrects (✅ would
#: read as "safe", and a withdrawal may still say "otherwise, delete it").
WITHDRAWN_MARKER = "ℹ️"
#: What leads every post sent to a test target, by the alert's status (an actual alert rehearsed
#: is a test), so that no reader mistakes a rehearsal for a warning.
TEST_MARKS = {"zh": {"test": "【测试，非真实警报】", "exercise": "【演习，非真实警报】"},
              "zh-Hant": {"test": "【測試，非真實警報】", "exercise": "【演習，非真實警報】"},
              "en": {"test": "[TEST, not a real alert]", "exercise": "[EXERCISE, not a real alert]"}}
PLATFORMS = {"telegram": "Telegram", "x": "X", "wechat": {"zh": "微信", "zh-Hant": "微信", "en": "WeChat"}, "discord": "Discord",
             "whatsapp": "WhatsApp", "facebook": "Facebook", "instagram": "Instagram", "tiktok": "TikTok",
             "youtube": "YouTube", "qq": "QQ", "line": "LINE", "email": {"zh": "邮箱", "zh-Hant": "電郵", "en": "email"},
             "phone": {"zh": "电话", "zh-Hant": "電話", "en": "phone"}}
#: One character as a reader sees it (a grapheme cluster: an emoji with its modifiers, a letter with its accents).
GRAPHEME = regex.compile(r"\X")
_SCHEME = re.compile(r"(?i)\bhttp(s?)://")
_DOTS = re.compile(r"[.。．｡]")  # IDNA maps the CJK and fullwidth stops to "." too
_AT = re.compile(r"[@＠﹫]")  # twitter-text takes the fullwidth ＠ for a mention as well


def defang(value: str) -> str:
    """`https://evil.example` -> `hxxps://evil[.]example`: readable, never clickable."""
    out = _DOTS.sub("[.]", _SCHEME.sub(r"hxxp\1://", value))
    return out.replace("://", "[://]") if "://" in out and not out.startswith("hxxp") else out


def defang_handle(value: str, lang: str = "en") -> str:
    """`telegram:@fake_support` -> `fake_support (Telegram)`: no `@`, so no network makes it a mention."""
    platform, _, handle = value.partition(":")
    label = PLATFORMS.get(platform.strip().lower(), platform.strip())
    if isinstance(label, dict):
        label = in_table(label, lang)
    handle = handle.strip()
    if _AT.match(handle):
        handle = handle[1:]
    handle = _AT.sub("[at]", defang(handle)).replace("#", "[#]")
    if platform == "phone":
        handle = handle.replace("+", "[+]")
    return f"{handle} ({label})"


def short_address(address: str) -> str:
    """`0x7a3fb0…91c4`: the first 6 and last 4 characters, enough to recognise the address on
    the alert's page, useless to paste. A post never carries a whole address: one copied from a
    post into a wallet is exactly what address poisoning wants."""
    return address if len(address) <= 12 else f"{address[:6]}{ELLIPSIS}{address[-4:]}"


def defang_address(value: str) -> str:
    """`eth:0x7a3f...91c4` -> `0x7a3f…91c4 (ETH)`: shortened, plain text, without a `scheme:` a
    client could open."""
    chain, _, address = value.partition(":")
    return f"{short_address(address.strip())} ({chain.strip().upper()})"


def indicators(alert: Alert, lang: str = "en") -> list[str]:
    """Every indicator of `alert`, defanged for a post, in the order the editor wrote them (by
    default domains, then addresses, then handles): a post without room for all keeps the first."""
    shown = {"domains": defang, "addresses": defang_address, "handles": lambda v: defang_handle(v, lang)}
    return [shown[kind](value) for kind, value in alert.indicators.in_order()]


def shorten(text: str, graphemes: int) -> str:
    """At most `graphemes` clusters of `text`, cut at a word boundary when there is one nearby."""
    clusters = GRAPHEME.findall(text)
    if len(clusters) <= graphemes:
        return text
    cut = "".join(clusters[: max(graphemes - 1, 0)])
    space = cut.rfind(" ")
    if space >= len(cut) * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:，。；：、") + ELLIPSIS if cut.strip() else ""


def rehearsal_mark(alert: Alert, lang: str) -> str:
    """The words that lead a post to a test target in `lang`: exercise or test."""
    marks = TEST_MARKS.get(lang, TEST_MARKS["en"])
    return marks["exercise" if alert.status == "exercise" else "test"]
