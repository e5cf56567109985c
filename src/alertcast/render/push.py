"""Alert -> the Firebase Cloud Messaging messages of the `fcm` channel, one per language topic.

Pure: (alert, config, action) -> the exact `message` objects the FCM HTTP v1 API receives
(docs/social.md, "App push"; schemas/push.schema.json). The outbox row stores them as JSON, so
the text shown by `posts preview` and `report`, the text checked against the reviewed content
before a send, and what leaves for Google are one and the same.

Display limits are guidance, not FCM's rules (FCM takes up to 4 KB): Android shows about 65
characters of a title and 240 of a body before it cuts, so a title or body longer than that is
shortened here and refused by `alertcast check`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

import regex

from .. import quiet
from ..config import PUSH_PLATFORMS, Config, FcmKeys
from ..content.models import Alert, Severity
from ..languages import in_table
from ..timefmt import editor_time
from . import labels
from .snippets import MARKERS, WITHDRAWN_MARKER, rehearsal_mark, shorten

TITLE_LIMIT = 65
BODY_LIMIT = 240
#: Published beside the banner's schema, for the app developers who handle the pushes.
SCHEMA_PATH = "api/v1/push.schema.json"
UNIT = "characters of the longest body (titles: 65)"
#: The title's first word on a withdrawal: a push cannot be deleted, so a short correction follows it.
CORRECTION = {"zh": "更正", "zh-Hant": "更正", "en": "Correction"}
_GRAPHEME = regex.compile(r"\X")
#: The blocks a platform's push leaves out: the other platforms' (config.PUSH_PLATFORMS).
_OTHER_BLOCKS = {p: {b for q, b in PUSH_PLATFORMS.items() if q != p} for p in PUSH_PLATFORMS}


@dataclass(frozen=True)
class Push:
    """One language's push: what the phone shows, and whether it had to be shortened."""

    lang: str
    topic: str
    title: str
    body: str
    message: dict
    title_cut: bool
    body_cut: bool
    body_length: int  # before any cut, in graphemes
    title_length: int
    platform: str | None = None  # None: the message carries every platform's block

    @property
    def key(self) -> str:
        """What its outbox key ends with: `fcm:<key>` (see Config.languages_of)."""
        return self.lang if self.platform is None else f"{self.lang}-{self.platform}"


def render_schema(config: Config) -> dict[str, bytes]:
    """The push message's JSON Schema (package data, published unchanged), when the fcm channel
    is configured: an app team builds against it before the channel is enabled."""
    if "fcm" not in config.settings.channels:
        return {}
    return {SCHEMA_PATH: (resources.files("alertcast") / "schemas" / "push.schema.json").read_bytes()}


def settings(config: Config) -> FcmKeys:
    """The channel's settings with their defaults (mkdocs.yml was checked when it was loaded)."""
    return config.push_settings()


def wanted(alert: Alert, config: Config, action: str) -> bool:
    """Whether this alert and action get a push at all: a severity below the threshold never
    does, an update only when `push_updates` says so; a withdrawal always corrects a push."""
    keys = settings(config)
    if action == "withdraw":
        return True  # something went out (enqueue adds no withdrawal otherwise), whatever the alert says now
    if alert.severity.value not in keys.severities:
        return False
    return action != "update" or keys.push_updates


def graphemes(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def _cut(text: str, limit: int) -> tuple[str, bool]:
    return (text, False) if graphemes(text) <= limit else (shorten(text, limit), True)


def pushes(alert: Alert, config: Config, action: str, rehearsal: bool = False) -> list[Push]:
    """The push for each configured language (and platform, with `platforms`), in the order of
    `languages`; a `rehearsal`'s titles start with the test mark. A platform's push carries only
    its own block (android or apns), so the other platform's settings never reach it."""
    keys = settings(config)
    critical = alert.severity is Severity.critical
    ttl = keys.ttl_hours * 3600
    if alert.expires_at is not None:  # sent when the revision goes out, it lapses when the alert does
        ttl = max(0, min(ttl, int((alert.expires_at - alert.changed_at).total_seconds())))
    out = []
    for lang in config.languages:
        text = alert.text(lang, config.default_lang)
        if action == "withdraw":
            title = f"{WITHDRAWN_MARKER} {in_table(CORRECTION, lang)}{labels.colon(lang)}{text.title}"
            body = alert.reason(lang, config.default_lang)
        else:
            title = f"{MARKERS[alert.severity]} {text.title}"
            body = (alert.note(lang, config.default_lang) if action == "update" else "") or text.summary
        if rehearsal:
            title = f"{rehearsal_mark(alert, lang)} {title}"
        lengths = graphemes(body), graphemes(title)
        title, title_cut = _cut(title, TITLE_LIMIT)
        body, body_cut = _cut(body, BODY_LIMIT)
        url = config.page_url("alerts", alert.id, lang)
        placement = ",".join(alert.banner.placement) if alert.banner else ""
        apns_headers = {"apns-collapse-id": alert.id[:64], "apns-priority": "10" if critical else "5"}
        if alert.expires_at is not None:
            apns_headers["apns-expiration"] = str(int(alert.expires_at.timestamp()))
        message = {
            "notification": {"title": title, "body": body},
            # FCM data values must be strings; the app opens `url` (or its own screen for `alert_id`).
            "data": {"alert_id": alert.id, "revision": alert.revision, "action": action, "lang": lang,
                     "severity": alert.severity.value, "url": url, "placement": placement},
            "android": {"collapse_key": alert.id, "ttl": f"{ttl}s",
                        "priority": "HIGH" if critical else "NORMAL"},
            "apns": {"headers": apns_headers},
        }
        for platform in keys.platforms or (None,):
            name = keys.topic(lang, platform)
            own = {k: v for k, v in message.items() if platform is None or k not in _OTHER_BLOCKS[platform]}
            out.append(Push(lang, name, title, body, {"topic": name, **own}, title_cut, body_cut, *lengths, platform))
    return out


def as_text(found: list[Push]) -> str:
    """The messages as the outbox stores them and the adapter sends them: a JSON array."""
    return json.dumps([p.message for p in found], ensure_ascii=False, indent=2, sort_keys=True)


def not_pushed(alert: Alert, config: Config, action: str) -> str:
    """Why `wanted` says no, for previews and reports."""
    if action == "update":
        return "no push: an update is pushed only with push_updates: true"
    return (f"no push: a {alert.severity.value} alert is below the channel's severities "
            f"({', '.join(settings(config).severities)})")


def goes_at(alert: Alert, action: str, now: datetime) -> datetime:
    """When a push for `action` is queued if nothing stops it: at `now`, or when the content says
    it is due (publish_at for a post, updated_at for an update) when that is later."""
    due = {"post": alert.publish_at, "update": alert.updated_at}.get(action)
    return max(now, due) if due is not None else now


def quiet_note(alert: Alert, config: Config, action: str, at: datetime, langs: tuple[str, ...] | None = None) -> str:
    """What the quiet hours do to the push of `langs` (default: every language) if it would go
    `at`, in the editors' zone, as the dispatcher will decide it; '' when they do nothing."""
    found = quiet.decide(settings(config).quiet_hours, config.tz, langs or config.languages,
                         alert.severity is Severity.critical, action, at)
    zone = config.settings.timezone
    if found.hold_until is not None:
        return (f"quiet hours ({found.why}) at {editor_time(at, zone)}: the push is held until "
                f"{editor_time(found.hold_until, zone)}")
    if found.dropped:
        return (f"quiet hours ({found.why}) at {editor_time(at, zone)}: dropped for {', '.join(found.dropped)}, "
                "never pushed later")
    return ""


def lines(text: str) -> list[str]:
    """Each push as the phone shows it, with its lengths against what Android displays (guidance)."""
    out = []
    for m in messages(text):
        note = m.get("notification", {})
        title, body = note.get("title", ""), note.get("body", "")
        only = [p for p, block in PUSH_PLATFORMS.items() if block in m]  # a platform's push has its block alone
        who = ", ".join([str(m.get("data", {}).get("lang")), *(only if len(only) == 1 else [])])
        out.append(f"{m.get('topic')} [{who}] title {graphemes(title)}/{TITLE_LIMIT}: {title}")
        out.append(f"{' ' * len(str(m.get('topic')))}      body {graphemes(body)}/{BODY_LIMIT}: {body}")
    return out


def messages(text: str) -> list[dict]:
    """The messages an outbox row holds (see `as_text`)."""
    found = json.loads(text)
    if not isinstance(found, list) or not all(isinstance(m, dict) for m in found):
        raise ValueError("an fcm row holds a JSON array of FCM messages")
    return found


def only(text: str, langs: tuple[str, ...]) -> str:
    """The row's messages for `langs` alone, in the stored form (quiet hours drop the others)."""
    return json.dumps([m for m in messages(text) if m.get("data", {}).get("lang") in langs],
                      ensure_ascii=False, indent=2, sort_keys=True)
