"""Alert -> social post text, per channel, fitted to that network's length rule.

Pure: (alert, config, channel, action) -> Post. Templates are Jinja2 files shipped as package
data (`templates/posts/<channel>.j2`); a project overrides one by placing a file of the same
name in `<project>/templates/posts/`. The summary is shortened (word boundary, ellipsis)
until the post fits; the link is never cut. Scam indicators are always defanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import regex

from ..config import Config
from ..content.models import Alert, Severity
from . import length

ACTIONS = ("post", "update", "withdraw")
ELLIPSIS = "…"
MARKERS = {Severity.info: "ℹ️", Severity.advisory: "🔔", Severity.warning: "⚠️", Severity.critical: "🚨"}
HASHTAGS = {
    "phishing": ("#phishing",), "impersonation": ("#impersonation",), "fake-app": ("#FakeApp",),
    "airdrop": ("#airdrop", "#scam"), "approval": ("#approval",), "address-poisoning": ("#AddressPoisoning",),
    "account-takeover": ("#AccountTakeover",), "investment-scam": ("#scam",), "incident": ("#incident",),
    "maintenance": ("#maintenance",),
}
_GRAPHEME = regex.compile(r"\X")
_PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "posts"


@dataclass(frozen=True)
class Facet:
    """A Bluesky rich-text facet: a link over UTF-8 byte offsets [start, end)."""

    byte_start: int
    byte_end: int
    uri: str

    def as_record(self) -> dict:
        return {"index": {"byteStart": self.byte_start, "byteEnd": self.byte_end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": self.uri}]}


@dataclass(frozen=True)
class Post:
    channel: str
    action: str
    lang: str
    text: str
    length: int
    limit: int
    unit: str
    link: str
    facets: tuple[Facet, ...] = field(default=())
    truncated: bool = False

    @property
    def fits(self) -> bool:
        return self.length <= self.limit


def defang(value: str) -> str:
    """`https://evil.example` -> `hxxps://evil[.]example`: readable, never clickable."""
    out = value.replace("http", "hxxp").replace(".", "[.]")
    return out.replace("://", "[://]") if "://" in out and not out.startswith("hxxp") else out


def _indicator(value: str) -> str:
    kind, sep, rest = value.partition(":")
    if sep and kind in ("eth", "tron", "btc", "sol", "bsc", "telegram", "x", "twitter", "discord", "wechat"):
        return f"{kind}:{defang(rest)}"
    return defang(value)


def facets(text: str) -> tuple[Facet, ...]:
    """Link facets with byte offsets into the UTF-8 encoding of `text` (what AT Protocol wants)."""
    found = []
    for m in length.URL.finditer(text):
        start = len(text[: m.start()].encode("utf-8"))
        found.append(Facet(start, start + len(m.group(0).encode("utf-8")), m.group(0)))
    return tuple(found)


def _environment(config: Config) -> jinja2.Environment:
    paths = [str(config.root / "templates" / "posts"), str(_PACKAGE_TEMPLATES)]
    return jinja2.Environment(loader=jinja2.FileSystemLoader(paths), autoescape=False, keep_trailing_newline=False,
                              undefined=jinja2.StrictUndefined)


def channel_lang(config: Config, channel: str) -> str:
    settings = config.settings.channels.get(channel)
    lang = (settings.model_extra or {}).get("lang") if settings is not None else None
    return lang if lang in config.languages else config.default_lang


def _shorten(text: str, graphemes: int) -> str:
    """At most `graphemes` clusters of `text`, cut at a word boundary when there is one nearby."""
    clusters = _GRAPHEME.findall(text)
    if len(clusters) <= graphemes:
        return text
    cut = "".join(clusters[: max(graphemes - 1, 0)])
    space = cut.rfind(" ")
    if space >= len(cut) * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:，。；：、") + ELLIPSIS if cut.strip() else ""


def render(alert: Alert, config: Config, channel: str, action: str = "post", lang: str | None = None) -> Post:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    lang = lang or channel_lang(config, channel)
    text_src = alert.text(lang, config.default_lang)
    rule = length.RULES[channel]
    link = config.page_url("alerts", alert.id, lang)
    template = _environment(config).get_template(f"{channel}.j2")
    reason = alert.withdrawn.get(lang) or next(iter(alert.withdrawn.values()), "")
    base = dict(
        channel=channel, action=action, lang=lang, marker=MARKERS[alert.severity], severity=alert.severity.value,
        title=text_src.title, link=link, alert_id=alert.id, revision=alert.revision,
        hashtags=list(HASHTAGS.get(alert.category, ())),
        indicators=[_indicator(v) for v in alert.indicators.domains + alert.indicators.handles],
        update_note=alert.update_note.get(lang, ""), reason=reason,
    )

    def make(summary: str, title: str, indicators: list[str]) -> str:
        return template.render(**{**base, "summary": summary, "title": title, "indicators": indicators}).strip()

    summary, title, indicators = text_src.summary, text_src.title, base["indicators"]
    out = make(summary, title, indicators)
    truncated = False
    if rule.count(out) > rule.limit:
        truncated = True
        indicators = indicators[:2]
        out = make(summary, title, indicators)
        n = len(_GRAPHEME.findall(summary))
        lo, hi = 0, n  # largest summary length that fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if rule.count(make(_shorten(summary, mid), title, indicators)) <= rule.limit:
                lo = mid
            else:
                hi = mid - 1
        summary = _shorten(summary, lo)
        out = make(summary, title, indicators)
        if rule.count(out) > rule.limit:
            indicators = []
            title = _shorten(title, 20)
            out = make("", title, indicators)
    return Post(channel, action, lang, out, rule.count(out), rule.limit, rule.unit, link,
                facets(out) if channel == "bluesky" else (), truncated)
