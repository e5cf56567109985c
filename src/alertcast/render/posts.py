"""Alert -> social post text, per channel, fitted to that network's length rule.

Pure: (alert, config, channel, action) -> Post. Templates are Jinja2 files shipped as package
data (`templates/posts/<channel>.j2`); a project overrides one by placing a file of the same
name in `<project>/templates/posts/`. The summary is shortened (word boundary, ellipsis)
until the post fits; the link is never cut. Scam indicators are always defanged, in a form
that no network's parser turns into a link or a mention.
"""

from __future__ import annotations

import functools
import html
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import jinja2
from jinja2.sandbox import SandboxedEnvironment
import regex

from ..config import Config, push_target
from ..content.models import Alert
from ..timefmt import editor_time
from ..languages import in_table
from . import labels, length
from .snippets import MARKERS, WITHDRAWN_MARKER, GRAPHEME, indicators, rehearsal_mark, shorten
from .snippets import defang as defang  # posts.defang: the name check's hints are written with

ACTIONS = ("post", "update", "withdraw", "headsup")  # headsup: team robots only, before publish_at
#: Default hashtags per language and category: words people search for in that language. English
#: tags are CamelCase, which screen readers read as words. A channel's `hashtags` setting replaces
#: a category's tags for every language.
HASHTAGS: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {"phishing": ("#钓鱼网站", "#防诈骗"), "impersonation": ("#冒充官方", "#防诈骗"),
           "fake-app": ("#假冒应用", "#防诈骗"), "airdrop": ("#空投骗局", "#防诈骗"), "approval": ("#授权骗局", "#防诈骗"),
           "address-poisoning": ("#地址投毒", "#防诈骗"), "account-takeover": ("#账号盗用", "#防诈骗"),
           "investment-scam": ("#投资骗局", "#防诈骗"), "incident": ("#安全事件",), "maintenance": ("#维护通知",)},
    "zh-Hant": {"phishing": ("#釣魚網站", "#防詐騙"), "impersonation": ("#冒充官方", "#防詐騙"),
                "fake-app": ("#假冒應用程式", "#防詐騙"), "airdrop": ("#空投騙局", "#防詐騙"),
                "approval": ("#授權騙局", "#防詐騙"), "address-poisoning": ("#地址投毒", "#防詐騙"),
                "account-takeover": ("#帳號盜用", "#防詐騙"), "investment-scam": ("#投資騙局", "#防詐騙"),
                "incident": ("#安全事件",), "maintenance": ("#維護通知",)},
    "en": {"phishing": ("#Phishing", "#ScamAlert"), "impersonation": ("#Impersonation", "#ScamAlert"),
           "fake-app": ("#FakeApp", "#ScamAlert"), "airdrop": ("#AirdropScam", "#ScamAlert"),
           "approval": ("#ApprovalScam", "#ScamAlert"), "address-poisoning": ("#AddressPoisoning", "#ScamAlert"),
           "account-takeover": ("#AccountTakeover", "#ScamAlert"), "investment-scam": ("#InvestmentScam", "#ScamAlert"),
           "incident": ("#SecurityIncident",), "maintenance": ("#Maintenance",)},
}
#: A withdrawal carries no category tag (it would file the correction under the scam it is not).
CORRECTION_TAGS = {"zh": ("#更正",), "zh-Hant": ("#更正",), "en": ("#Correction",)}
#: Words of the posts alone; the shared ones (updated, withdrawn) come from labels.
POST_WORDS = {"zh": {"do_not_trust": "勿信", "separator": "、", "tell_users": "回复用户", "severity": "级别",
                     "heads_up": "即将发布", "goes_live": "发布时间"},
              "zh-Hant": {"do_not_trust": "勿信", "separator": "、", "tell_users": "回覆用戶", "severity": "級別",
                          "heads_up": "即將發佈", "goes_live": "發佈時間"},
              "en": {"do_not_trust": "Do not trust", "separator": ", ", "tell_users": "Tell users",
                     "severity": "Severity", "heads_up": "Coming up", "goes_live": "Goes live"}}
#: What stands for the indicators a post leaves out: (when it shows none, when it shows some).
MORE_INDICATORS = {"zh": ("{n} 项，见页面", "另有 {n} 项见页面"), "zh-Hant": ("{n} 項，見頁面", "另有 {n} 項見頁面"),
                   "en": ("{n} listed on the page", "+{n} more on the page")}
_PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "posts"
#: Bluesky's detection rules (@atproto/api rich-text/util.ts): its whitespace is JavaScript's \s.
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_ZERO_WIDTH = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_BSKY_URL = regex.compile(rf"(^|[{_JS_SPACE}]|\()(https?://[^{_JS_SPACE}]+)", regex.IGNORECASE | regex.MULTILINE)
_BSKY_TAG = regex.compile(rf"(^|[{_JS_SPACE}])[#＃]((?!\ufe0f)[^{_JS_SPACE}{_ZERO_WIDTH}]*"
                          rf"[^0-9{_JS_SPACE}\p{{P}}{_ZERO_WIDTH}]+[^{_JS_SPACE}{_ZERO_WIDTH}]*)?")
_TRAILING_PUNCTUATION = regex.compile(r"\p{P}+\Z")


def _discord_escape(text: str) -> str:
    """Backslash Discord's Markdown (and masked-link brackets) so text shows as written."""
    text = re.sub(r"([\\*_~`|\[\]<>])", r"\\\1", text)
    return re.sub(r"(?m)^(?=#{1,3} |-# |- )", r"\\", text)  # headings, subtext, lists


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class Markup:
    """How a channel's text is marked up: what escapes a variable, what the reader sees of it."""

    name: str
    escape: Callable[[str], str]
    code: Callable[[str], str]  # makes an indicator safe inside the template's code span
    visible: Callable[[str], str] = str  # what the reader sees, for counting


def _telegram_visible(text: str) -> str:
    """What Telegram counts against its limit: the text after its HTML entities are parsed."""
    return html.unescape(re.sub(r"<[^<>]*>", "", text))


_PLAIN = Markup("plain", lambda s: s, lambda s: s)
MARKUP = {
    "telegram": Markup("html", lambda s: html.escape(s, quote=False), lambda s: html.escape(s, quote=False),
                       _telegram_visible),
    "discord": Markup("discord-markdown", _discord_escape, lambda s: s.replace("`", "'")),
    "slack": Markup("slack-mrkdwn", _slack_escape, lambda s: _slack_escape(s.replace("`", "'"))),
}


def markup_of(channel: str) -> Markup:
    return MARKUP.get(channel, _PLAIN)


@dataclass(frozen=True)
class Facet:
    """A Bluesky rich-text facet over UTF-8 byte offsets [start, end): a link (`uri`) or a
    hashtag (`tag`, without its #). Bluesky shows neither as such without one."""

    byte_start: int
    byte_end: int
    uri: str = ""
    tag: str = ""

    def as_record(self) -> dict:
        feature = ({"$type": "app.bsky.richtext.facet#tag", "tag": self.tag} if self.tag
                   else {"$type": "app.bsky.richtext.facet#link", "uri": self.uri})
        return {"index": {"byteStart": self.byte_start, "byteEnd": self.byte_end}, "features": [feature]}


@dataclass(frozen=True)
class Post:
    channel: str
    action: str
    lang: str
    text: str  # exactly what is sent (for Telegram: HTML)
    length: int  # as the network counts it (for Telegram: the text after HTML parsing)
    limit: int
    unit: str
    link: str
    facets: tuple[Facet, ...] = field(default=())
    truncated: bool = False  # the title or summary was shortened to fit
    indicators_left_out: int = 0  # indicators not in the post for want of room (the page has them all)

    @property
    def fits(self) -> bool:
        return self.length <= self.limit


def more_indicators(n: int, lang: str, shown: int = 1) -> str:
    """What stands for the `n` indicators a post leaves out (`shown` is how many it keeps)."""
    return in_table(MORE_INDICATORS, lang)[1 if shown else 0].format(n=n)


def count(channel: str, text: str, lengths: length.Lengths | None = None) -> int:
    """The length of `text` as sent on `channel`, counted as that network counts it (by
    `lengths`, which may know it from an earlier command)."""
    visible = markup_of(channel).visible(text)
    return lengths.count(channel, visible) if lengths is not None else length.RULES[channel].count(visible)


def facets(text: str) -> tuple[Facet, ...]:
    """Link and hashtag facets as Bluesky's own rich-text detection finds them (`detectFacets`
    of @atproto/api), with byte offsets into the UTF-8 encoding of `text`, in text order. Only
    links with a scheme: a bare domain in an editor's text is not made a link (invariant 6)."""
    def byte(index: int) -> int:
        return len(text[:index].encode("utf-8"))

    found = []
    for m in _BSKY_URL.finditer(text):
        uri, start, end = m.group(2), m.start(2), m.end(2)
        if uri[-1] in ".,;:!?":  # Bluesky strips one trailing punctuation mark ...
            uri, end = uri[:-1], end - 1
        if uri.endswith(")") and "(" not in uri:  # ... and an unbalanced closing parenthesis
            uri, end = uri[:-1], end - 1
        found.append(Facet(byte(start), byte(end), uri=uri))
    for m in _BSKY_TAG.finditer(text):
        tag = _TRAILING_PUNCTUATION.sub("", m.group(2) or "")
        if not tag or len(GRAPHEME.findall(tag)) > 64:
            continue
        start = m.end(1)
        found.append(Facet(byte(start), byte(start + 1 + len(tag)), tag=tag))
    return tuple(sorted(found, key=lambda f: f.byte_start))


def _environment(config: Config) -> jinja2.Environment:
    folder = str(config.root / "templates" / "posts")
    try:
        overrides = tuple(sorted(os.listdir(folder)))
    except OSError:
        overrides = ()
    return _environment_for(folder, overrides)


@functools.lru_cache(maxsize=8)
def _environment_for(project_templates: str, overrides: tuple[str, ...]) -> jinja2.Environment:
    """One environment per project and set of override files, so each template is compiled
    once; Jinja checks a template file's modification time before each use, so an edited
    override is picked up, and an added or removed one makes a new environment.

    Sandboxed: a project's template comes from a pull request and must not reach Python's
    internals (`cycler.__init__.__globals__.os`); what it may use is listed in docs/social.md."""
    return SandboxedEnvironment(loader=jinja2.FileSystemLoader([project_templates, str(_PACKAGE_TEMPLATES)]),
                              autoescape=False, keep_trailing_newline=False, undefined=jinja2.StrictUndefined)


def _setting(config: Config, channel: str, key: str) -> Any:
    """A channel key whether config declares it as a field or keeps it as an extra (pydantic
    answers attribute lookups for both)."""
    settings = config.settings.channels.get(channel)
    return None if settings is None else getattr(settings, key, None)


def channel_lang(config: Config, channel: str) -> str:
    lang = _setting(config, channel, "lang")
    return lang if lang in config.languages else config.default_lang


def hashtags(config: Config, channel: str, category: str, lang: str = "en", action: str = "post") -> list[str]:
    """The channel's `hashtags` for this category where it names one (for every language), else
    the shipped defaults of `lang`; a withdrawal gets the correction tag alone."""
    if action == "withdraw":
        return list(in_table(CORRECTION_TAGS, lang))
    tags: Any = in_table(HASHTAGS, lang).get(category, ())
    custom = _setting(config, channel, "hashtags")
    if isinstance(custom, Mapping) and category in custom:
        tags = custom[category] or ()
    cleaned = (str(t).strip() for t in tags)
    return [t if t.startswith("#") else "#" + t for t in cleaned if t.strip("#")]


def render(alert: Alert, config: Config, channel: str, action: str = "post", lang: str | None = None,
           keep: int | None = None, rehearsal: bool = False, lengths: length.Lengths | None = None) -> Post:
    """The post, fitted to the network: indicators that do not fit are left out first, from the
    last, but never the first one (the editor puts the most important first; the post says how
    many more the page has); an update then leaves out the summary (its note, what changed,
    comes first); only then is the text itself shortened: the summary of a post, the note of an
    update, the reason of a withdrawal (which `alertcast check` refuses). `keep` shows at most
    that many indicators, as check does to say how much to shorten to keep them. A `rehearsal`
    post (to a test target) starts with the test mark of its language (`rehearsal_mark`).
    `lengths` counts the post's lengths (render/length.py), remembering them between commands."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if channel == "fcm":
        return _push(alert, config, action, lang, rehearsal)
    if channel == "wechat":
        return _wechat(alert, config, action, rehearsal)
    lang = lang or channel_lang(config, channel)
    text_src = alert.text(lang, config.default_lang)
    rule = length.RULES[channel]
    markup = markup_of(channel)
    link = config.page_url("alerts", alert.id, lang)
    template = _environment(config).get_template(f"{channel}.j2")
    esc = markup.escape
    words = {key: esc(labels.word(key, lang)) for key in ("updated", "withdrawn", "expired")}
    words.update({f"{key}_flag": esc(labels.flag(key, lang)) for key in ("updated", "withdrawn")})
    words.update({key: esc(value) for key, value in in_table(POST_WORDS, lang).items()})
    base = dict(
        channel=channel, action=action, lang=lang, severity=alert.severity.value,
        marker=WITHDRAWN_MARKER if action == "withdraw" else MARKERS[alert.severity],
        link=link if markup.name == "discord-markdown" else esc(link), alert_id=alert.id, revision=alert.revision,
        hashtags=[esc(t) for t in hashtags(config, channel, alert.category, lang, action)],
        markup=markup.name, words=words, colon=esc(labels.colon(lang)),
        severity_label=esc(labels.severity(alert.severity.value, lang)), support_reply=esc(text_src.support_reply),
        publish_at=esc(editor_time(alert.publish_at, str(config.tz), lang)),
    )

    lead = esc(rehearsal_mark(alert, lang)) + " " if rehearsal else ""

    def make(summary: str, title: str, items: list[str], note: str, reason: str) -> str:
        return lead + template.render(**{**base, "summary": esc(summary), "title": esc(title), "update_note": esc(note),
                                         "reason": esc(reason), "indicators": [markup.code(i) for i in items]}).strip()

    def fitted(text: str) -> int:
        return count(channel, text, lengths)

    parts = {"summary": text_src.summary, "title": text_src.title, "items": indicators(alert, lang),
             "note": alert.update_note.get(text_src.lang, "") if action == "update" else "",
             "reason": alert.reason(lang, config.default_lang) if action == "withdraw" else ""}
    items = parts["items"]
    shown, truncated = len(items), False
    if keep is not None and keep < len(items):
        shown = max(keep, 1)
        parts["items"] = items[:shown] + [more_indicators(len(items) - shown, lang, shown)]
    out = make(**parts)
    size = fitted(out)
    if size > rule.limit and shown > 1:
        # The alert's page lists every indicator; the post keeps as many as fit, at least the
        # first, then says how many more the page has.
        for shown in range(shown - 1, 0, -1):
            parts["items"] = items[:shown] + [more_indicators(len(items) - shown, lang, shown)]
            out = make(**parts)
            size = fitted(out)
            if size <= rule.limit:
                break
    note_shown = False
    if size > rule.limit and action == "update" and parts["note"]:
        without = make(**{**parts, "summary": ""})
        if esc(parts["note"]) in without:  # the note says what changed; the summary is on the page
            parts["summary"], out, note_shown = "", without, True
            size = fitted(out)
        # (a project template that leaves the note out keeps the summary, shortened below)
    if size > rule.limit:
        truncated = True
        key = {"post": "summary", "headsup": "summary", "update": "note" if note_shown else "summary",
               "withdraw": "reason"}[action]
        whole = parts[key]
        lo, hi = 0, len(GRAPHEME.findall(whole))  # the largest length of that text that fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if fitted(make(**{**parts, key: shorten(whole, mid)})) <= rule.limit:
                lo = mid
            else:
                hi = mid - 1
        parts[key] = shorten(whole, lo)
        out = make(**parts)
        size = fitted(out)
        if size > rule.limit:
            out = make(**{**parts, key: "", "summary": "", "title": shorten(parts["title"], 20)})
            size = fitted(out)
    return Post(channel, action, lang, out, size, rule.limit, rule.unit, link,
                facets(out) if channel == "bluesky" else (), truncated, len(items) - shown)


def _push(alert: Alert, config: Config, action: str, lang: str | None, rehearsal: bool = False) -> Post:
    """An `fcm:<lang>` row: that language's push (`fcm:<lang>-<platform>`: on that platform; every
    push without `lang`), as a JSON array (render/push.py); its length is the longest body's, and
    it counts as cut when a title or body had to be shortened."""
    from . import push

    found = [p for p in push.pushes(alert, config, action, rehearsal) if lang in (None, p.key)]
    longest = max((p.body_length for p in found), default=0)
    lang = push_target(lang)[0] if lang else config.default_lang
    return Post("fcm", action, lang, push.as_text(found), longest, push.BODY_LIMIT, push.UNIT,
                config.page_url("alerts", alert.id, lang),
                truncated=any(p.title_cut or p.body_cut for p in found))


def _wechat(alert: Alert, config: Config, action: str, rehearsal: bool = False) -> Post:
    """The `wechat` row: one article as JSON (render/wechat.py); its length is the title's."""
    from . import wechat

    found = wechat.article(alert, config, action, rehearsal)
    return Post("wechat", action, found.lang, found.as_text(), found.title_length, wechat.TITLE_LIMIT, wechat.UNIT,
                found.fields["content_source_url"], truncated=found.cut)
