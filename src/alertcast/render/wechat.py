"""Alert -> the article of the `wechat` channel (a WeChat Official Account, 公众号).

Pure: (alert, config, action) -> the exact article `cgi-bin/draft/add` receives, but for the
cover's `thumb_media_id` (which the state store knows, not the content), and whether the
settings want it broadcast to followers. The outbox row stores it as JSON, so what `posts
preview` and `report` show, what is checked against the reviewed content before a send, and
what leaves for WeChat are one and the same.

WeChat's limits (draft/add): a title of at most 32 characters, an author of 16, a digest of
128, content under 20,000 characters. Its editor keeps a small set of HTML tags and drops
images and links that are not WeChat's own, so the article keeps text, lists and emphasis
only; the alert's page is the article's "read the original" (阅读原文) link.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

import nh3
from markdown import Markdown

from ..config import Config, WechatKeys
from ..content.models import Alert
from . import labels
from .snippets import MARKERS, WITHDRAWN_MARKER, indicators, rehearsal_mark, shorten

TITLE_LIMIT = 32
AUTHOR_LIMIT = 16
DIGEST_LIMIT = 128
CONTENT_LIMIT = 20000
UNIT = "characters of the title (digest: 128, content: 20,000)"
#: Tags WeChat's article editor keeps; anything else is removed, its text kept. No `a` and no
#: `img`: WeChat drops links and images that are not its own.
TAGS = frozenset({"p", "br", "strong", "b", "em", "i", "u", "s", "blockquote", "h2", "h3", "h4", "ul", "ol", "li",
                  "hr", "pre", "code", "sub", "sup", "section", "span", "table", "thead", "tbody", "tr", "th", "td"})
WORDS = {
    "zh": {"indicators": "骗局特征（已去除链接，请勿访问）", "original": "点击“阅读原文”查看本警报的最新内容。",
           "correction": "更正", "updated": "更新"},
    "en": {"indicators": "Scam indicators (links removed; do not visit)",
           "original": "Tap “Read more” for the latest version of this alert.", "correction": "Correction",
           "updated": "Update"},
}


@dataclass(frozen=True)
class Article:
    """One article and what happened to its parts on the way to WeChat's limits."""

    lang: str
    severity: str
    fields: dict  # title, author, digest, content, content_source_url, comment flags
    broadcast: bool  # the settings want it broadcast to followers (the quota may still say no)
    title_length: int  # before any cut
    digest_length: int
    cut: bool

    def as_text(self) -> str:
        """The row as the outbox stores it and the adapter sends it."""
        return json.dumps({"article": self.fields, "broadcast": self.broadcast, "severity": self.severity}, ensure_ascii=False, indent=2,
                          sort_keys=True)


def settings(config: Config) -> WechatKeys:
    found = config.settings.channels.get("wechat")
    extra = dict(found.model_extra or {}) if found is not None else {}
    return WechatKeys.model_validate({"app_id": "-", "cover": "-", **extra})


def wants_broadcast(alert: Alert, config: Config, action: str) -> bool:
    """Only a first post of an alert at one of `broadcast_severities`, in broadcast mode; an
    update or a correction is published, never broadcast (followers get four a month)."""
    keys = settings(config)
    return keys.mode == "broadcast" and action == "post" and alert.severity.value in keys.broadcast_severities


def withdrawal_effect(config: Config, count: int | None) -> str:
    """What a withdrawal does on the channel, for `report` (`count`: articles sent; None: unknown)."""
    if count == 0:
        return "WeChat Official Account: nothing was sent, so nothing is deleted; an article still queued is cancelled"
    correction = settings(config).correction
    if count is None:
        if correction:
            return ("WeChat Official Account: every article and broadcast sent is deleted, then a short correction "
                    "article is published")
        return "WeChat Official Account: every article and broadcast sent is deleted"
    if correction:
        return (f"WeChat Official Account: {count} article(s) and their broadcasts deleted, then a short correction "
                "article is published")
    return f"WeChat Official Account: {count} article(s) and their broadcasts deleted"


def html_of(markdown_text: str) -> str:
    """Markdown -> the HTML WeChat keeps: an allow-list, no attributes, no links or images."""
    converted = Markdown(extensions=["sane_lists", "tables"]).convert(markdown_text)
    return nh3.clean(converted, tags=set(TAGS), attributes={}, clean_content_tags={"script", "style"},
                     url_schemes=set(), link_rel=None).strip()


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def article(alert: Alert, config: Config, action: str, rehearsal: bool = False) -> Article:
    """The article in the channel's language (`lang`, else the default). A `rehearsal` article (to
    a test account) leads its title, digest and content with the test mark, which the cut to
    WeChat's limits never reaches: only the alert's own words are shortened."""
    keys = settings(config)
    lang = keys.lang if keys.lang in config.languages else config.default_lang
    words = WORDS.get(lang, WORDS["en"])
    text = alert.text(lang, config.default_lang)
    if action == "withdraw":
        title = f"{WITHDRAWN_MARKER}{words['correction']}{labels.colon(lang)}{text.title}"
        digest = alert.reason(lang, config.default_lang)
        parts = [f"<p><strong>{_escape(labels.word('withdrawn', lang))}{labels.colon(lang)}</strong>"
                 f"{_escape(digest)}</p>"]
    else:
        title = f"{MARKERS[alert.severity]}{text.title}"
        note = alert.note(lang, config.default_lang) if action == "update" else ""
        digest = note or text.summary
        parts = []
        if note:
            parts.append(f"<p><strong>{_escape(words['updated'])}{labels.colon(lang)}</strong>{_escape(note)}</p>")
        parts.append(f"<p><strong>{_escape(labels.severity(alert.severity.value, lang))}</strong></p>")
        parts.append(html_of(text.body))
        found = indicators(alert, lang)
        if found:
            parts.append(f"<h3>{_escape(words['indicators'])}</h3>")
            parts.append("<ul>" + "".join(f"<li>{_escape(i)}</li>" for i in found) + "</ul>")
    parts.append(f"<p>{_escape(words['original'])}</p>")
    lead = rehearsal_mark(alert, lang) if rehearsal else ""
    if lead:
        parts.insert(0, f"<p><strong>{_escape(lead)}</strong></p>")
    lengths = len(lead) + len(title), len(lead) + len(digest)
    short_title = lead + _fit(title, TITLE_LIMIT - len(lead))
    short_digest = lead + _fit(digest, DIGEST_LIMIT - len(lead))
    title, digest = lead + title, lead + digest
    content = "\n".join(p for p in parts if p)
    fields = {"title": short_title, "author": keys.author, "digest": short_digest, "content": content,
              "content_source_url": config.page_url("alerts", alert.id, lang),
              "need_open_comment": 0, "only_fans_can_comment": 0}
    cut = short_title != title or short_digest != digest
    return Article(lang, alert.severity.value, fields, wants_broadcast(alert, config, action), *lengths, cut)


def _fit(text: str, limit: int) -> str:
    """At most `limit` characters as WeChat counts them (code points; an emoji with its
    variation selector is two), cut between graphemes."""
    size = limit
    while len(cut := shorten(text, size)) > limit:
        size -= 1
    return cut


def parse(text: str) -> dict:
    """The row's JSON (see `Article.as_text`)."""
    found = json.loads(text)
    if not isinstance(found, dict) or not isinstance(found.get("article"), dict):
        raise ValueError("a wechat row holds {\"article\": {...}, \"broadcast\": true|false}")
    return found


def lines(text: str) -> list[str]:
    """The article as a follower sees it in the list, with the lengths WeChat counts."""
    row = parse(text)
    a = row["article"]
    how = ("broadcast to followers if the month's quota allows, else published (`alertcast status` shows the quota)"
           if row.get("broadcast") else "published, no notification")
    return [f"{how}",
            f"title {len(a['title'])}/{TITLE_LIMIT}: {a['title']}",
            f"digest {len(a['digest'])}/{DIGEST_LIMIT}: {a['digest']}",
            f"content {len(a['content'])}/{CONTENT_LIMIT} characters of HTML; read the original: {a['content_source_url']}"]
