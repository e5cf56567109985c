"""Settings: one place, `mkdocs.yml`, validated with messages that name the line.

alertcast's own settings live under `extra.alertcast`, a free-form section that mkdocs
(and Zensical, which reads the same file) passes through untouched. Secrets never live here:
the file names the environment variable or file that holds each one.
"""

from __future__ import annotations

import collections
import difflib
import email.utils
import os
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from . import languages as language_tags
from .contacts import on_domain
from . import testtarget, yamlsource
from .problems import ContentError, Problem, display_path, hint_error, text_error
from .testtarget import TEST_SUFFIX
from .testtarget import problems as test_target_problems
from .quiet import QuietHours
from .validation import validation_problems
from .vocabulary import CATEGORIES, SOCIAL_CHANNELS

CONFIG_FILE = "mkdocs.yml"


#: A domain name, optionally followed by the year (or date) it was yours (RFC 4151 tagging entity).
ID_AUTHORITY = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9](?:,\d{4}(?:-\d\d(?:-\d\d)?)?)?")
#: The date of a tagging entity whose `id_authority` names none.
ID_YEAR = "2026"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BannerSettings(_Strict):
    poll_seconds: int = Field(300, ge=30, le=86400)
    """How often apps should poll the banner file when nothing is scheduled sooner."""
    resign_hours: int = Field(6, ge=1, le=168)
    """Banner files are issued again (a new `version` and `valid_until`, signed again) at every
    multiple of this many hours since 1970-01-01 UTC, even when nothing changed."""
    valid_hours: int = Field(24, ge=2, le=720)
    """How long an issued banner file stays valid: apps treat an older one as unknown. Longer
    than `resign_hours`, so a publisher that misses a few re-signs does not blank every app."""

    @field_validator("valid_hours")
    @classmethod
    def _longer_than_resign(cls, value: int, info: ValidationInfo) -> int:
        resign = info.data.get("resign_hours")
        if resign is not None and value <= resign:
            raise hint_error(f"must be longer than resign_hours ({resign})",
                             f"write valid_hours: {4 * resign}, or shorten resign_hours")
        return value


class SigningSettings(_Strict):
    key_env: str = "ALERTCAST_SIGNING_KEY"
    """Environment variable holding the Ed25519 private key (PEM or base64 raw)."""
    key_file: str | None = None
    """Or a file holding it; relative paths are relative to mkdocs.yml."""


class ChannelSettings(BaseModel):
    """One social channel. Its credentials come from the environment variables it names.

    Its other keys (those of CHANNEL_KEYS[name], already checked by load_config) are in
    `model_extra`, which the dispatcher hands to the channel's adapter as they are.
    """

    model_config = ConfigDict(extra="allow", frozen=True)
    enabled: bool = True
    dry_run: bool = False


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _env_name(value: str) -> str:
    # Never echo the value: an editor may have pasted the secret itself here.
    if not _ENV_NAME.match(value):
        raise hint_error("must be the name of an environment variable, such as MY_TOKEN",
                         "put the secret in that variable, never in mkdocs.yml")
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise text_error(f"{value!r} is not an http(s):// address", "write the full address, e.g. https://mastodon.social")
    return value


def _category(value: str) -> str:
    if value not in CATEGORIES:
        close = difflib.get_close_matches(value, CATEGORIES, n=1)
        raise text_error(f"{value!r} is not an alert category",
                         f"did you mean '{close[0]}'?" if close else f"use one of {', '.join(CATEGORIES)}")
    return value


def _hashtag(value: str) -> str:
    if not value.startswith("#") or len(value) < 2 or any(ch.isspace() for ch in value):
        raise text_error(f"{value!r} is not a hashtag",
                         "write each tag as one word starting with #, e.g. \"#phishing\"")
    return value


EnvName = Annotated[str, AfterValidator(_env_name)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]


def _configured(value: str, info: ValidationInfo, may_add: bool = False) -> str:
    """`value`, when it is one of the languages in the validation context (or there are none)."""
    languages = (info.context or {}).get("languages", ())
    if languages and value not in languages:
        hint = (f"use one of {', '.join(languages)}, or add it to extra.alertcast.languages" if may_add
                else f"use one of {', '.join(languages)}")
        raise text_error(f"language {value!r} is not configured", hint)
    return value


class _ChannelKeys(_Strict):
    """Keys every channel accepts: read by the dispatcher (retries, pacing) and the post renderer."""

    enabled: bool = True
    dry_run: bool = False
    lang: str | None = None
    max_tries: int = Field(8, ge=1)
    backoff_base: float = Field(30.0, ge=0)
    backoff_cap: float = Field(3600.0, ge=0)
    per_drain: int = Field(20, ge=1)
    min_interval: float = Field(0.0, ge=0)
    hashtags: dict[Annotated[str, AfterValidator(_category)], list[Annotated[str, AfterValidator(_hashtag)]]] = {}
    """Hashtags per alert category, instead of the built-in ones."""
    test: dict[str, Any] | None = None
    """The channel's test target: its own keys that differ for rehearsals (see testtarget.py)."""

    @field_validator("lang")
    @classmethod
    def _configured_language(cls, value: str | None, info: ValidationInfo) -> str | None:
        return value if value is None else _configured(value, info)


#: The dispatcher's retry and pacing defaults for a channel that does not set them.
DISPATCH_DEFAULTS = {key: _ChannelKeys.model_fields[key].default
                     for key in ("max_tries", "backoff_base", "backoff_cap", "per_drain", "min_interval")}


def _site_language(value: str, info: ValidationInfo) -> str:
    return _configured(value, info, may_add=True)


def _named(value: str, hint: str) -> str:
    if not value.strip():
        raise hint_error("the site's name is empty", hint)
    return value.strip()


def _site_name(value: str) -> str:
    return _named(value, "write the name, or leave the language out to use the top-level site_name")


SiteNames = dict[Annotated[str, AfterValidator(_site_language)], Annotated[str, AfterValidator(_site_name)]]


def _site_description(value: str) -> str:
    if not value.strip():
        raise hint_error("the site's description is empty",
                         "write the description, or leave the language out to use the top-level site_description")
    return value.strip()


SiteDescriptions = dict[Annotated[str, AfterValidator(_site_language)],
                        Annotated[str, AfterValidator(_site_description)]]


class TelegramKeys(_ChannelKeys):
    chat_id: str | int
    base_url: HttpUrl = "https://api.telegram.org"
    token_env: EnvName = "TELEGRAM_BOT_TOKEN"


class XKeys(_ChannelKeys):
    """OAuth 1.0a user context: the app's key and secret and the account's access token and secret,
    which do not expire (docs/social.md says why not OAuth 2.0)."""

    base_url: HttpUrl = "https://api.x.com"
    edit: bool = False
    api_key_env: EnvName = "X_API_KEY"
    api_secret_env: EnvName = "X_API_SECRET"
    access_token_env: EnvName = "X_ACCESS_TOKEN"
    access_secret_env: EnvName = "X_ACCESS_TOKEN_SECRET"
    token_env: str | None = None

    @field_validator("token_env")
    @classmethod
    def _no_oauth2_token(cls, value: str | None) -> str | None:
        if value is not None:
            raise hint_error("X's OAuth 2.0 user tokens expire two hours after they are issued, and posting would stop",
                             "use OAuth 1.0a keys instead: api_key_env, api_secret_env, access_token_env and "
                             "access_secret_env (docs/social.md, X)")
        return value


class MastodonKeys(_ChannelKeys):
    base_url: HttpUrl
    visibility: Literal["public", "unlisted", "private", "direct"] = "public"
    token_env: EnvName = "MASTODON_TOKEN"


class BlueskyKeys(_ChannelKeys):
    handle: str
    base_url: HttpUrl = "https://bsky.social"
    password_env: EnvName = "BLUESKY_APP_PASSWORD"


class DiscordKeys(_ChannelKeys):
    webhook_env: EnvName = "DISCORD_WEBHOOK_URL"


class SlackKeys(_ChannelKeys):
    channel: str | None = None  # required in bot mode (token_env set); the adapter says so when sending
    base_url: HttpUrl = "https://slack.com"
    token_env: EnvName = "SLACK_BOT_TOKEN"
    webhook_env: EnvName = "SLACK_WEBHOOK_URL"


class MatrixKeys(_ChannelKeys):
    base_url: HttpUrl
    room_id: str
    token_env: EnvName = "MATRIX_ACCESS_TOKEN"


class WebhookKeys(_ChannelKeys):
    url: HttpUrl
    idempotent: bool = False
    supports_delete: bool = False
    secret_env: EnvName = "ALERTCAST_WEBHOOK_CHANNEL_SECRET"  # not the daemon's push-webhook secret


#: FCM topic names: letters, digits and -_.~% (Firebase's rule for topic names).
_TOPIC = re.compile(r"^[a-zA-Z0-9-_.~%]{1,900}$")


def _topic(value: str) -> str:
    if not _TOPIC.match(value):
        raise text_error(f"{value!r} is not an FCM topic name",
                         "use letters, digits and - _ . ~ %, without /topics/, e.g. alerts-en")
    return value


#: The platforms a push may be split by, and the block of the FCM message each one reads.
PUSH_PLATFORMS = {"android": "android", "ios": "apns"}
_PLATFORM_TOPIC_FIELDS = {"topic", "lang", "platform"}


class FcmKeys(_ChannelKeys):
    """Firebase Cloud Messaging HTTP v1: one push per language to that language's topic, or per
    language and platform (`platforms`) to a topic of each."""

    project: str
    """The Firebase project id (the service account's project)."""
    credentials_env: EnvName = "FCM_SERVICE_ACCOUNT_FILE"
    """Environment variable holding the path of the service account's JSON key file."""
    topics: dict[Annotated[str, AfterValidator(_site_language)], Annotated[str, AfterValidator(_topic)]] = {}
    """Topic per language; a language left out gets `alerts-<lang>`."""
    severities: tuple[Literal["info", "advisory", "warning", "critical"], ...] = ("critical", "warning")
    """Only alerts of these severities are pushed."""
    push_updates: bool = False
    """An update of an alert already pushed is pushed again only when this is true."""
    ttl_hours: int = Field(24, ge=1, le=672)
    """How long FCM keeps a push for an Android device that is offline (at most 28 days); never
    longer than from the alert's revision to its expires_at."""
    base_url: HttpUrl = "https://fcm.googleapis.com"
    token_uri: HttpUrl = "https://oauth2.googleapis.com/token"
    quiet_hours: dict[Annotated[str, AfterValidator(_site_language)], QuietHours] = {}
    """Per language: when a non-critical push waits until the end (policy hold) or is dropped (drop)."""
    platforms: tuple[Literal["android", "ios"], ...] = ()
    """When set, a push per language and platform, to the platform's topic, carrying only that
    platform's block (android or apns): an app subscribes to its language on its platform."""
    platform_topic: str = Field("{topic}-{platform}", validate_default=True)
    """The topic of a language on a platform: {topic} (the language's topic), {lang}, {platform}."""

    @field_validator("topics")
    @classmethod
    def _a_topic_per_language(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        languages = (info.context or {}).get("languages", ())
        _distinct({lang: value.get(lang, f"alerts-{lang}") for lang in languages}, "topics")
        return value

    @field_validator("platforms")
    @classmethod
    def _each_platform_once(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        twice = sorted({p for p in value if value.count(p) > 1})
        if twice:
            raise text_error(f"{', '.join(twice)} is listed twice", "list each platform once, e.g. [android, ios]")
        return value

    @field_validator("platform_topic")
    @classmethod
    def _a_topic_per_platform(cls, value: str, info: ValidationInfo) -> str:
        try:  # bare names only: a format spec ({platform:>999999999}) or a conversion is no part of a topic
            fields = [name if not spec and conversion is None else "?"
                      for _, name, spec, conversion in string.Formatter().parse(value) if name is not None]
        except ValueError:  # an unclosed brace
            fields = ["?"]
        if not set(fields) <= _PLATFORM_TOPIC_FIELDS or "platform" not in fields:
            raise text_error(f"{value!r} is not a topic pattern",
                             "write a topic name with {platform} in it, and {topic} or {lang}, e.g. {topic}-{platform}")
        platforms = info.data.get("platforms") or ()
        topics = info.data.get("topics")
        if not platforms or topics is None:
            return value
        languages = (info.context or {}).get("languages", ())
        found = {f"{lang}/{platform}": _topic(value.format(topic=topics.get(lang, f"alerts-{lang}"), lang=lang,
                                                               platform=platform))
                 for lang in languages for platform in platforms}
        _distinct(found, "platform_topic")
        return value

    def topic(self, lang: str, platform: str | None = None) -> str:
        """Where the push of `lang` (on `platform`) goes."""
        topic = self.topics.get(lang, f"alerts-{lang}")
        return topic if platform is None else self.platform_topic.format(topic=topic, lang=lang, platform=platform)

    def targets(self, languages: tuple[str, ...]) -> tuple[tuple[str, str | None], ...]:
        """Each (language, platform) that gets a push of its own; platform None: every platform."""
        return tuple((lang, platform) for lang in languages for platform in (self.platforms or (None,)))


def _distinct(found: dict[str, str], key: str) -> None:
    """Refuse two pushes to one topic: its subscribers would get both."""
    seen: dict[str, str] = {}
    for who, topic in found.items():
        if topic in seen:
            raise text_error(f"{seen[topic]} and {who} would both push to the topic {topic!r}",
                             f"give each its own topic in {key}: an app subscribes to one")
        seen[topic] = who


def push_target(suffix: str) -> tuple[str, str | None]:
    """An `fcm:` key's suffix -> (language, platform): `en` -> ("en", None), `zh-Hant-ios` -> ("zh-Hant", "ios")."""
    lang, _, platform = suffix.rpartition("-")
    return (lang, platform) if lang and platform in PUSH_PLATFORMS else (suffix, None)


def _email_address(value: str) -> str:
    name, address = email.utils.parseaddr(value)
    if "@" not in address or address != address.strip() or any(ch.isspace() for ch in address):
        raise text_error(f"{value!r} is not an email address", "write it as alerts@example.com or "
                         "'Wallet Safety <alerts@example.com>'")
    return value


EmailAddress = Annotated[str, AfterValidator(_email_address)]


class EmailList(_Strict):
    """One subscriber list: the address that reaches its members and what RFC 2919 / RFC 8058
    clients need to show who sends it and to unsubscribe with one click."""

    address: EmailAddress
    list_id: str
    unsubscribe_url: HttpUrl

    @field_validator("list_id")
    @classmethod
    def _list_id(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", value):
            raise text_error(f"{value!r} is not a list id", "write a dotted name under a domain you own, "
                             "e.g. alerts-en.help.example.com (RFC 2919)")
        return value


class EmailKeys(_ChannelKeys):
    """SMTP to one subscriber list per language: each alert goes to every list in its language
    (only to the list of `lang`, when set)."""

    host: str
    port: int | None = Field(None, ge=1, le=65535)  # default: 587 for starttls, 465 for tls, 25 for none
    security: Literal["starttls", "tls", "none"] = "starttls"
    ca_file: str | None = None  # a private CA for the server's certificate; the system's by default
    from_address: EmailAddress
    username_env: EnvName = "ALERTCAST_SMTP_USERNAME"
    password_env: EnvName = "ALERTCAST_SMTP_PASSWORD"
    lists: dict[str, EmailList]

    @field_validator("lists")
    @classmethod
    def _list_for_language(cls, value: dict[str, EmailList], info: ValidationInfo) -> dict[str, EmailList]:
        for lang in value:
            _configured(lang, info)
        if not value:
            raise text_error("no list to send to", "add a list per language, e.g. lists.en with address, list_id "
                             "and unsubscribe_url")
        lang = info.data.get("lang")
        if lang is not None and lang not in value:
            raise text_error(f"no list for {lang!r}, the only language this channel sends in (lang)",
                             f"add lists.{lang} with address, list_id and unsubscribe_url, or set lang to one of "
                             f"{', '.join(value)}, or remove lang to send to every list")
        return value


class WeiboKeys(_ChannelKeys):
    """Weibo's `2/statuses/share`: an OAuth 2.0 access token (it expires: the operator renews it),
    the app's safe domain, which every post must link to, and the operator's real IP (`rip`)."""

    safe_domain: str
    """The app's 安全域名 (my apps > app info > basic info); site_url must be on it."""
    rip: str
    """The public IP address of the machine that posts, which Weibo requires with each post."""
    token_env: EnvName = "WEIBO_ACCESS_TOKEN"
    token_file: str | None = None
    """Or the absolute path of a file holding the token, read before each send: a renewed token
    written there is used without a restart."""
    base_url: HttpUrl = "https://api.weibo.com"

    @field_validator("token_file")
    @classmethod
    def _absolute(cls, value: str | None) -> str | None:
        if value is not None and not os.path.isabs(os.path.expanduser(value)):
            raise text_error(f"{value!r} is not an absolute path", "write the whole path of the file that holds "
                             "the token, e.g. /etc/alertcast/weibo-token (never the token itself)")
        return value

    @field_validator("safe_domain")
    @classmethod
    def _site_on_safe_domain(cls, value: str, info: ValidationInfo) -> str:
        domain = value.strip().lower().strip(".")
        site_url = (info.context or {}).get("site_url")
        if "," in domain or not ID_AUTHORITY.fullmatch(domain):
            raise text_error(f"{value!r} is not a domain name", "write the safe domain as Weibo shows it, "
                             "e.g. help.example.com")
        if isinstance(site_url, str) and not on_domain(site_url, domain):
            raise text_error(f"site_url {site_url} is not on the safe domain {domain}, and Weibo refuses a post "
                             "that links elsewhere", "add the site's host to the app's safe domains "
                             "(安全域名) on open.weibo.com and write it here")
        return domain

    @field_validator("rip")
    @classmethod
    def _public_ip(cls, value: str) -> str:
        import ipaddress

        try:
            address = ipaddress.ip_address(value.strip())
        except ValueError:
            raise text_error(f"{value!r} is not an IP address", "write the public IP address of the machine "
                             "that posts, e.g. 117.50.1.20") from None
        if not address.is_global:
            raise text_error(f"{value} is not a public IP address", "Weibo wants the real IP of the machine that "
                             "posts: write its public address, not a private or local one")
        return str(address)

    @field_validator("hashtags")
    @classmethod
    def _no_topics(cls, value: dict) -> dict:
        if value:
            raise hint_error("Weibo's share API refuses a post with a #topic#",
                             "remove hashtags from the weibo channel")
        return value


class WechatKeys(_ChannelKeys):
    """A WeChat Official Account (公众号): each alert becomes an article, published (no
    notification) or broadcast to followers (群发), whose monthly quota is scarce."""

    app_id: str
    """The account's AppID (开发者ID), shown in the Official Accounts Platform; not a secret."""
    secret_env: EnvName = "WECHAT_APP_SECRET"
    """Environment variable holding the AppSecret (开发者密码)."""
    cover: str
    """The cover image (a file in the project, JPG or PNG under 10 MB), uploaded once as permanent material."""
    mode: Literal["publish", "broadcast"] = "publish"
    """`publish`: the article is published and notifies no one; `broadcast`: alerts of
    `broadcast_severities` are broadcast to followers (the others are published)."""
    broadcast_severities: tuple[Literal["info", "advisory", "warning", "critical"], ...] = ("critical",)
    broadcasts_per_month: int = Field(4, ge=0, le=31)
    """Broadcasts alertcast spends in a calendar month (in `timezone`): 4 reach a service account's
    followers; a verified subscription account may broadcast once a day."""
    keep_last_for: tuple[Literal["info", "advisory", "warning", "critical"], ...] = ("critical",)
    """The month's last broadcast is kept for alerts of these severities; a lower one is published instead."""
    author: str = ""
    correction: bool = True
    """On a withdrawal, after deleting the article and broadcast, publish a short correction."""
    base_url: HttpUrl = "https://api.weixin.qq.com"

    @field_validator("cover")
    @classmethod
    def _cover_in_project(cls, value: str) -> str:
        path = Path(value)
        if path.is_absolute() or ".." in path.parts or value.startswith("~"):
            raise text_error(f"{value!r} is not a path inside the project",
                             "put the image in the project and write its path relative to mkdocs.yml, "
                             "e.g. assets/wechat-cover.png")
        if path.suffix.lower() not in (".jpg", ".jpeg", ".png"):
            raise text_error(f"{value!r} is not a JPG or PNG file", "WeChat takes a JPG or PNG cover image")
        return value

    @field_validator("author")
    @classmethod
    def _short_author(cls, value: str) -> str:
        if len(value) > 16:
            raise text_error(f"the author {value!r} is {len(value)} characters", "WeChat takes at most 16; shorten it")
        return value


class _RobotKeys(_ChannelKeys):
    """A team robot takes about 20 messages a minute: at least 3 seconds between two."""

    min_interval: float = Field(3.0, ge=3.0)
    heads_up_minutes: int = Field(120, ge=0, le=10080)
    """How long before an alert's publish_at its heads-up goes to the team; 0: none."""


class WecomKeys(_RobotKeys):
    webhook_env: EnvName = "WECOM_WEBHOOK_URL"


class DingtalkKeys(_RobotKeys):
    webhook_env: EnvName = "DINGTALK_WEBHOOK_URL"
    secret_env: EnvName = "DINGTALK_SECRET"  # the robot's 加签 secret (SEC...); unset: unsigned


class FeishuKeys(_RobotKeys):
    webhook_env: EnvName = "FEISHU_WEBHOOK_URL"
    secret_env: EnvName = "FEISHU_SECRET"  # the bot's signature secret; unset: unsigned


def delivery(key: str) -> tuple[str, str | None]:
    """An outbox channel key -> (channel, language): `email:en` -> ("email", "en"), `x` -> ("x", None)."""
    channel, _, lang = key.removesuffix(TEST_SUFFIX).partition(":")  # a test target's key (testtarget.py)
    return channel, lang or None


#: The settings each channel's adapter (broadcast/adapters/<name>.py) and the dispatcher read;
#: any other key is a typo that would otherwise be ignored.
CHANNEL_KEYS: dict[str, type[_ChannelKeys]] = {
    "telegram": TelegramKeys, "x": XKeys, "mastodon": MastodonKeys, "bluesky": BlueskyKeys,
    "discord": DiscordKeys, "slack": SlackKeys, "matrix": MatrixKeys, "webhook": WebhookKeys,
    "email": EmailKeys, "fcm": FcmKeys,
    "weibo": WeiboKeys, "wechat": WechatKeys,
    "wecom": WecomKeys, "dingtalk": DingtalkKeys, "feishu": FeishuKeys,
}


class SiteSettings(_Strict):
    engine: Literal["mkdocs", "zensical"] = "mkdocs"
    """What builds the HTML from the staged tree: mkdocs-material, or Zensical (docs/site.md)."""
    time_limit: int = Field(600, ge=1, le=86400)
    """Seconds one language's build of the site may take before it is stopped and the build fails
    (a theme template that loops for ever would hang every build and the daemon's with it)."""

    @field_validator("engine")
    @classmethod
    def _installed(cls, value: str) -> str:
        import importlib.util

        if value == "zensical" and importlib.util.find_spec("zensical") is None:
            raise hint_error("the site engine zensical is not installed",
                             "install it (pip install zensical), or remove the setting to build with mkdocs")
        return value


class DeploySettings(_Strict):
    target: Literal["directory", "s3"] = "directory"
    path: str | None = None  # directory target: where the live site is (default: output_dir)
    bucket: str | None = None
    prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None


class Settings(_Strict):
    """`extra.alertcast` in mkdocs.yml."""

    timezone: str = "Asia/Shanghai"
    languages: tuple[str, ...] = ("zh", "en")
    content_dir: str = "content"
    output_dir: str = "site"
    state_url: str = "sqlite:///.alertcast/state.db"
    allowed_link_domains: tuple[str, ...] = ()
    banner: BannerSettings = BannerSettings()
    signing: SigningSettings = SigningSettings()
    channels: dict[str, ChannelSettings] = {}
    deploy: DeploySettings = DeploySettings()
    site: SiteSettings = SiteSettings()
    feedback_url: str | None = None
    """Where "was this page helpful?" ratings go (a JSON POST {page, rating}); no question without it."""
    id_authority: str | None = None
    """The domain (optionally `,YYYY`) naming permanent ids: feed entries, CAP sender and identifiers.
    Defaults to the host of site_url; set it once and keep it when the site moves."""
    site_name: SiteNames = {}
    """The site's name per language (a string: the same in every language); a language left out
    uses the top-level site_name. Shown in the site's header and titles, feed titles, CAP."""

    @field_validator("site_name", mode="before")
    @classmethod
    def _site_names(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):  # one name for every language
            name = _named(value, "write the name, or remove the setting to use the top-level site_name")
            return {lang: name for lang in info.data.get("languages") or ()}
        if not isinstance(value, dict):
            raise hint_error("must be a name, or a mapping from language to name",
                             "write e.g. site_name: {zh: 钱包安全中心, en: Wallet Safety Center}")
        return value

    site_description: SiteDescriptions = {}
    """The site's description per language (a string: the same in every language); a language left
    out uses the top-level site_description. The meta description of pages without a summary."""

    @field_validator("site_description", mode="before")
    @classmethod
    def _site_descriptions(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, str):  # one description for every language
            return {lang: _site_description(value) for lang in info.data.get("languages") or ()}
        if not isinstance(value, dict):
            raise hint_error("must be a description, or a mapping from language to one",
                             "write e.g. site_description: {zh: 面向钱包用户的防骗警报, "
                             "en: Scam warnings for wallet users}")
        return value

    @field_validator("id_authority")
    @classmethod
    def _id_authority(cls, value: str | None) -> str | None:
        if value is not None and not ID_AUTHORITY.fullmatch(value.strip().lower()):
            raise ValueError(f"{value!r} is not a domain name you own, optionally with a year, "
                             "e.g. 'help.example.com' or 'help.example.com,2027'")
        return value if value is None else value.strip().lower()

    @field_validator("feedback_url")
    @classmethod
    def _feedback_url(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith("https://") or value.startswith("/")):
            raise ValueError(f"{value!r} must be an https:// URL or a path on the site such as /api/feedback")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of zones, or a name too long
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as 'Asia/Shanghai'") from None
        return value

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("list at least one language; the first is the default")
        for lang in value:
            wrong = language_tags.problem(lang)
            if wrong:
                raise ValueError(wrong)
        if len(set(value)) < len(value):
            raise ValueError("each language may be listed once")
        return value

    @field_validator("allowed_link_domains")
    @classmethod
    def _domains(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(d.lower().strip(".") for d in value)


class Config:
    """The validated configuration of one alertcast project."""

    def __init__(self, root: Path, site_name: str, site_url: str, settings: Settings, raw: dict[str, Any]):
        self.root = root
        self.site_name = site_name
        self.site_url = site_url if site_url.endswith("/") else site_url + "/"
        self.settings = settings
        self.raw = raw  # the whole mkdocs.yml, for the site builder

    @property
    def path(self) -> Path:
        return self.root / CONFIG_FILE

    def rehearsing(self, name: str) -> Config:
        """This configuration as a rehearsal of channel `name` sees it: the channel's settings are its
        test target's, enabled whether or not the channel is (a channel is rehearsed before it is enabled)."""
        settings = self.settings.channels[name]
        keys = testtarget.merged({"dry_run": settings.dry_run, **(settings.model_extra or {})})
        channels = {**self.settings.channels, name: ChannelSettings(**{**keys, "enabled": True})}
        return Config(self.root, self.site_name, self.site_url,
                      self.settings.model_copy(update={"channels": channels}), self.raw)

    def site_name_in(self, lang: str) -> str:
        """The site's name in `lang`: extra.alertcast.site_name, else the top-level site_name."""
        return self.settings.site_name.get(lang) or self.site_name

    def site_description_in(self, lang: str) -> str | None:
        """The site's description in `lang`: extra.alertcast.site_description, else the top-level one."""
        top = self.raw.get("site_description")
        return self.settings.site_description.get(lang) or (str(top) if top else None)

    @property
    def site_names(self) -> tuple[str, ...]:
        """The site's name in each configured language, in their order."""
        return tuple(self.site_name_in(lang) for lang in self.languages)

    @property
    def default_lang(self) -> str:
        return self.settings.languages[0]

    @property
    def languages(self) -> tuple[str, ...]:
        return self.settings.languages

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    @property
    def content_dir(self) -> Path:
        return self.root / self.settings.content_dir

    @property
    def output_dir(self) -> Path:
        return self.root / self.settings.output_dir

    @property
    def site_host(self) -> str:
        return (urlsplit(self.site_url).hostname or "").lower()

    @property
    def id_domain(self) -> str:
        """The domain in permanent ids (CAP sender): `id_authority`, else the site's host."""
        return (self.settings.id_authority or self.site_host or "alertcast.invalid").split(",")[0]

    @property
    def tag_entity(self) -> str:
        """`<domain>,<year>`: the tagging entity of the tag: URIs in feeds (RFC 4151)."""
        authority = self.settings.id_authority or ""
        return authority if "," in authority else f"{self.id_domain},{ID_YEAR}"

    @property
    def enabled_channels(self) -> tuple[str, ...]:
        """Social channels configured and enabled, in a stable order."""
        return tuple(n for n in SOCIAL_CHANNELS if n in self.settings.channels and self.settings.channels[n].enabled)

    def languages_of(self, channel: str) -> tuple[str | None, ...]:
        """The languages `channel` sends each alert in: email one per list it has (its `lang` alone
        when set), fcm every language (one topic each; with platforms, `<lang>-<platform>` for each
        platform's topic, see `push_target`), every other channel its one language (None: its
        `lang` or the default)."""
        if channel == "fcm":
            return tuple(lang if platform is None else f"{lang}-{platform}"
                         for lang, platform in self.push_settings().targets(self.languages))
        settings = self.settings.channels.get(channel)
        extra = (settings.model_extra or {}) if settings is not None else {}
        if channel != "email":
            return (None,)
        lists = extra.get("lists") or {}
        wanted = (extra["lang"],) if extra.get("lang") else self.languages
        return tuple(lang for lang in wanted if lang in lists)

    def push_settings(self) -> FcmKeys:
        """The fcm channel's settings with their defaults (mkdocs.yml was checked when it was loaded)."""
        found = self.settings.channels.get("fcm")
        return FcmKeys.model_validate(dict(found.model_extra or {}) if found is not None else {"project": "-"})

    def deliveries_of(self, channel: str) -> tuple[str, ...]:
        """The outbox's channel keys for `channel`: its name, or `email:<lang>` per list and
        `fcm:<lang>` per topic (`fcm:<lang>-<platform>` with platforms), so each language's (and
        platform's) message is a row of its own, sent at most once (and held by its own quiet hours
        alone)."""
        return tuple(channel if lang is None else f"{channel}:{lang}" for lang in self.languages_of(channel))

    @property
    def deliveries(self) -> tuple[str, ...]:
        return tuple(key for channel in self.enabled_channels for key in self.deliveries_of(channel))

    def allows_link(self, url: str) -> bool:
        """True when `url` is on the site itself or on an allowed domain (or a subdomain of one)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        return self.allows_host(parts.hostname)

    def allows_host(self, host: str) -> bool:
        """True when `host` is the site's own or an allowed domain (or a subdomain of one)."""
        host = host.lower().rstrip(".")
        allowed = (self.site_host,) + self.settings.allowed_link_domains
        return any(host == d or host.endswith("." + d) for d in allowed if d)

    def page_url(self, section: str, page_id: str, lang: str) -> str:
        """Absolute URL of a page on the help site (mkdocs directory URLs)."""
        prefix = "" if lang == self.default_lang else f"{lang}/"
        return f"{self.site_url}{prefix}{section}/{page_id}/"

    def secret(self, env_name: str | None, file_path: str | None = None) -> str | None:
        """Read a secret from the environment or a file; None when it is not set."""
        if env_name and os.environ.get(env_name):
            return os.environ[env_name]
        if file_path:
            path = Path(os.path.expanduser(file_path))
            if not path.is_absolute():
                path = self.root / path
            if path.is_file():
                return path.read_text(encoding="utf-8").strip()
        return None


def load_config(root: Path | str = ".") -> Config:
    """Load and validate `mkdocs.yml` in `root`; raise ContentError with file:line problems."""
    root = Path(root)
    path = root / CONFIG_FILE
    shown = CONFIG_FILE
    if not path.is_file():
        # Name the folder: "here" is ambiguous when a path was given; and --project is advice only
        # to whoever gave none.
        hint = ("run alertcast in the project folder, or pass --project PATH" if root == Path(".")
                else f"give the folder that holds {CONFIG_FILE} and content/")
        raise ContentError([Problem(shown, 1, 1, "error", f"no {CONFIG_FILE} in {root.absolute()}", hint)])
    try:
        raw, positions = yamlsource.load(path.read_text(encoding="utf-8"))
    except yamlsource.YamlSyntaxError as exc:
        raise ContentError([Problem(shown, exc.position.line, exc.position.col, "error", str(exc),
                                    exc.hint or "fix the YAML syntax")]) from None
    except UnicodeDecodeError:
        raise ContentError([Problem(shown, 1, 1, "error", "file is not UTF-8 text", "save it as UTF-8")]) from None
    if not isinstance(raw, dict):
        raise ContentError([Problem(shown, 1, 1, "error", f"{CONFIG_FILE} must be a mapping of settings", "")])
    problems: list[Problem] = []
    site_url = raw.get("site_url")
    if not isinstance(site_url, str) or not _web_address(site_url):
        pos = yamlsource.position_of(positions, ("site_url",))
        problems.append(
            Problem(shown, pos.line, pos.col, "error", "site_url must be the public https:// address of the help site",
                    "add e.g. site_url: https://help.example.com/")
        )
    problems += _extension_problems(raw.get("markdown_extensions"), shown, positions)
    problems += _page_html_problems(raw, shown, positions)
    problems += _address_problems(raw, shown, positions)
    if "INHERIT" in raw:
        pos = yamlsource.position_of(positions, ("INHERIT",))
        problems.append(Problem(shown, pos.line, pos.col, "error",
                                "INHERIT is not supported: mkdocs would load the file it names with Python tags "
                                "enabled (running code), and alertcast reads its settings from mkdocs.yml alone",
                                "copy the settings you need into mkdocs.yml and remove INHERIT"))
    if "extra_templates" in raw:
        pos = yamlsource.position_of(positions, ("extra_templates",))
        problems.append(Problem(shown, pos.line, pos.col, "error",
                                "extra_templates is not supported: mkdocs renders the files it names outside "
                                "the theme's sandbox, so a template there could run code in the build",
                                "put the template in the theme folder (theme.custom_dir), or write the page in Markdown"))
    extra = raw.get("extra") or {}
    section = extra.get("alertcast", {}) if isinstance(extra, dict) else {}
    context = _languages_context(section)
    context["site_url"] = site_url  # what channels whose posts must link to a domain check it against
    found, section = _channel_problems(section, shown, positions, context)
    problems += found
    try:
        settings = Settings.model_validate(section or {}, context=context)
    except ValidationError as exc:
        problems += validation_problems(exc, shown, positions, ("extra", "alertcast"), Settings)
        settings = None
    problems += _theme_problems(raw.get("theme"), root, settings.content_dir if settings else "content", shown, positions)
    if settings is not None:
        problems += _state_problems(settings, root, shown, positions)
        problems += _secret_problems(settings, section, context, shown, positions)
    if problems:
        raise ContentError(sorted(set(problems)))
    assert settings is not None
    return Config(root.resolve(), str(raw.get("site_name", "alertcast")), str(site_url), settings, raw)


#: The Markdown extensions mkdocs.yml may enable (docs/site.md): Python-Markdown's own and
#: pymdownx's, but not those that read files (pymdownx.snippets, pymdownx.b64). mkdocs imports
#: any other name as Python code (`subprocess:Popen` ran a shell at build time).
MARKDOWN_EXTENSIONS = frozenset({
    "abbr", "admonition", "attr_list", "def_list", "extra", "fenced_code", "footnotes", "legacy_attrs",
    "legacy_em", "md_in_html", "meta", "nl2br", "sane_lists", "smarty", "tables", "toc", "wikilinks", "codehilite",
    *(f"pymdownx.{name}" for name in (
        "arithmatex", "betterem", "blocks.admonition", "blocks.caption", "blocks.definition", "blocks.details",
        "blocks.html", "blocks.tab", "caret", "critic", "details", "emoji", "escapeall", "extra", "fancylists",
        "highlight", "inlinehilite", "keys", "magiclink", "mark", "pathconverter", "progressbar", "quotes",
        "saneheaders", "smartsymbols", "striphtml", "superfences", "tabbed", "tasklist", "tilde")),
})


def extension_name(item: Any) -> str | None:
    """The extension an entry of `markdown_extensions` names (`name` or `{name: options}`),
    without Python-Markdown's `markdown.extensions.` prefix; None when it is neither shape."""
    if isinstance(item, dict) and len(item) == 1:
        item = next(iter(item))
    return item.removeprefix("markdown.extensions.") if isinstance(item, str) else None


def _extension_problems(value: Any, shown: str, positions: dict[yamlsource.Key, yamlsource.Position]) -> list[Problem]:
    """An error at each entry of `markdown_extensions` that is not on the allow-list."""
    if value is None:
        return []
    if isinstance(value, dict):  # mkdocs also reads a mapping of name -> options
        entries = [((name,), name) for name in value]
    elif isinstance(value, list):
        entries = [((index,), item) for index, item in enumerate(value)]
    else:
        pos = yamlsource.position_of(positions, ("markdown_extensions",))
        return [Problem(shown, pos.line, pos.col, "error", "markdown_extensions must be a list of extension names",
                        "write one '- name' line per extension")]
    problems = []
    for key, item in entries:
        name = extension_name(item)
        if isinstance(value, dict):
            options, prefix = value[item], ("markdown_extensions", *key)
        elif isinstance(item, dict) and len(item) == 1:
            options, prefix = next(iter(item.values())), ("markdown_extensions", *key, next(iter(item)))
        else:
            options, prefix = None, ()
        for path, _found in _strings(options, prefix):
            if "object" in path[len(prefix):]:
                pos = yamlsource.position_of(positions, path[:path.index("object", len(prefix)) + 1])
                problems.append(Problem(shown, pos.line, pos.col, "error", "object: names Python code, which Zensical "
                                        "imports and calls with the kwds beside it",
                                        "give the option a plain value (alertcast sets the heading slugs itself)"))
                break
        if name == "toc" and isinstance(options, dict) and "slugify" in options:
            pos = yamlsource.position_of(positions, (*prefix, "slugify"))
            problems.append(Problem(shown, pos.line, pos.col, "error", "toc's slugify is set by alertcast (lower-case "
                                    "slugs of pymdownx.slugs, which the knowledge base's links use)",
                                    "leave slugify out; the toc's other options stay yours"))
        if name in MARKDOWN_EXTENSIONS:
            continue
        pos = yamlsource.position_of(positions, ("markdown_extensions", *key))
        what = f"'{name}' is not an allowed Markdown extension" if name else "this entry is not an extension name"
        problems.append(Problem(shown, pos.line, pos.col, "error", what,
                                "use one of Python-Markdown's own extensions or pymdownx's (the list is in "
                                "docs/site.md); no other Python code runs at build time"))
    return problems


def _page_html_problems(raw: dict, shown: str, positions: dict[yamlsource.Key, yamlsource.Position]) -> list[Problem]:
    """What mkdocs.yml writes into every page: `copyright` and `extra` go in as HTML, so they may hold only
    what the site's sanitiser keeps in a page (render/sanitize.py); the theme's settings and the
    site's author and repository go into attributes as they are, so they may hold no quote or
    tag; `extra_javascript` and `extra_css` only the site's own files (a script from another host
    would run on every page)."""
    problems = []
    extra = raw.get("extra")
    # The theme writes copyright and what `extra` holds (Material's consent text, social links...)
    # into pages as they are; `extra.alertcast` is alertcast's own settings, never written so.
    values = [(("copyright",), raw.get("copyright"))] + [
        (("extra", *path), value) for path, value in _strings({k: v for k, v in extra.items() if k != "alertcast"}
                                                              if isinstance(extra, dict) else {})]
    for key, value in values:
        if not isinstance(value, str):
            continue
        name = ".".join(map(str, key))
        pos = yamlsource.position_of(positions, key)
        markup = _tags(value)
        if "<" in value:
            from .htmlpolicy import clean

            kept = _tags(clean(value))  # a stray </script> is dropped, a missing </b> added
            if kept.starts != markup.starts or not markup.ends <= kept.ends:
                problems.append(Problem(shown, pos.line, pos.col, "error", f"{name} holds HTML the site does not allow "
                                        "in a page (a script, an event attribute, a javascript: link ...)",
                                        "keep to text, links and the tags docs/security.md lists"))
        # Material writes some of these as they are into attributes (extra.social's links) and
        # scripts (extra.analytics.property): a quote there ends the attribute or the string.
        char = next((char for char in markup.text if char in _ENDS_STRING), None)
        if char is not None and key != ("copyright",):  # the footer's text, never in an attribute
            problems.append(Problem(shown, pos.line, pos.col, "error", f"{name} holds {char!r} outside an HTML tag: "
                                    "the theme writes some of these settings into attributes and scripts as they are, "
                                    "where it ends them", "write &quot; or typographic quotes (“ ”), or leave it out"))
        scheme = _script_scheme(value)
        if scheme is not None:
            problems.append(Problem(shown, pos.line, pos.col, "error", f"{name} is a {scheme}: "
                                    "address, which runs script where a page links to it",
                                    "use an http, https, mailto or tel address, or a page of the site"))
    problems += _key_problems(extra if isinstance(extra, dict) else {}, ("extra",), shown, positions)
    problems += _key_problems(raw.get("theme"), ("theme",), shown, positions)
    theme = raw.get("theme")
    plain = [((key,), raw.get(key)) for key in _WRITTEN_AS_IS] + list(_strings(theme, ("theme",)) if isinstance(theme, dict) else [])
    for key, value in plain:
        if not isinstance(value, str):
            continue
        name = ".".join(map(str, key))
        pos = yamlsource.position_of(positions, key)
        if any(char in value for char in _ENDS_ATTRIBUTE):
            char = next(char for char in value if char in _ENDS_ATTRIBUTE)
            problems.append(Problem(shown, pos.line, pos.col, "error", f"{name} holds {char!r}: the theme writes it "
                                    "into every page as it is, where it ends an attribute or starts a tag (a script)",
                                    "remove it: these settings are names, colours, icons and addresses"))
        elif (scheme := _script_scheme(value)) is not None:
            problems.append(Problem(shown, pos.line, pos.col, "error", f"{name} is a {scheme}: address, which runs "
                                    "script where a page links to it",
                                    "use an http, https, mailto or tel address, or a page of the site"))
    for key in ("extra_javascript", "extra_css"):
        entries = raw.get(key)
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            path = entry.get("path") if isinstance(entry, dict) else entry
            if isinstance(path, str) and (urlsplit(path).scheme or path.startswith("//")):
                pos = yamlsource.position_of(positions, (key, index))
                problems.append(Problem(shown, pos.line, pos.col, "error", f"{key} names a file of another site, "
                                        f"{path}: every page would load it", "put the file in content/assets/ "
                                        "and name it by its path there"))
            elif isinstance(path, str) and any(char in path for char in _ENDS_ATTRIBUTE):
                # Material writes extra_css into <link href="..."> as it is
                pos, char = yamlsource.position_of(positions, (key, index)), next(c for c in path if c in _ENDS_ATTRIBUTE)
                problems.append(Problem(shown, pos.line, pos.col, "error", f"{key} holds {char!r}: the theme writes "
                                        "it into every page as it is, where it ends an attribute or starts a tag "
                                        "(a script)", "name the file by its path in content/assets/"))
    return problems


def _web_address(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname)


#: A value that starts with a host name (`github.com/x/y`): an address written without its scheme.
_HOST_FIRST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}(:[0-9]+)?(/|$)", re.I)


def _address_problems(raw: dict, shown: str, positions: dict[yamlsource.Key, yamlsource.Position]) -> list[Problem]:
    """The addresses the theme links every page to (the repository, its edit pages, the social
    icons): one without a scheme, like `github.com/x/y`, is a link relative to each page, broken
    on all of them. Script addresses and quotes are `_page_html_problems`' to report."""
    problems = []

    def problem(key: tuple, what: str, fix: str) -> None:
        pos = yamlsource.position_of(positions, key)
        problems.append(Problem(shown, pos.line, pos.col, "error", what, fix))

    def fix(key: str, value: str) -> str | None:
        found = value.strip()
        return f"write it with its scheme: {key}: https://{found}" if _HOST_FIRST.match(found) else None

    def reported(value: Any) -> bool:
        return isinstance(value, str) and (any(char in value for char in _ENDS_ATTRIBUTE)
                                           or _script_scheme(value) is not None)

    repo_url = raw.get("repo_url")
    if repo_url not in (None, "") and not reported(repo_url):
        if not isinstance(repo_url, str) or not _web_address(repo_url):
            problem(("repo_url",), f"repo_url {repo_url!r} is not a full http(s):// address: every page would "
                    "link to it as a page of the site",
                    fix("repo_url", str(repo_url)) or "e.g. repo_url: https://github.com/OWNER/REPO")
            repo_url = None
    for key in ("edit_uri", "edit_uri_template"):
        value = raw.get(key)
        if value in (None, "") or reported(value):
            continue
        if not isinstance(value, str):
            problem((key,), f"{key} must be text: the address of a page's edit page",
                    "write it as a path under repo_url (e.g. edit/main/content/) or a full https:// address")
        elif urlsplit(value.strip()).scheme or value.strip().startswith("//"):
            if not _web_address(value):
                problem((key,), f"{key} {value!r} is not an http(s):// address", "write the full https:// "
                        "address of the edit page, or a path under repo_url such as edit/main/content/")
        elif _HOST_FIRST.match(value.strip()):
            problem((key,), f"{key} {value!r} starts with a host name but has no scheme: it would be read as a "
                    "path under repo_url", fix(key, value) or "")
        elif not repo_url:
            problem((key,), f"{key} {value!r} is a path, and there is no repo_url to read it under: no page would "
                    "get a working edit link",
                    "set repo_url: https://..., or give the full https:// address of the edit page")
    if raw.get("edit_uri") and raw.get("edit_uri_template"):
        problem(("edit_uri",), "edit_uri has no effect when edit_uri_template is set", "keep one of the two")
    extra = raw.get("extra")
    social = extra.get("social") if isinstance(extra, dict) else None
    for index, entry in enumerate(social if isinstance(social, list) else []):
        link = entry.get("link") if isinstance(entry, dict) else None
        if not isinstance(link, str) or reported(link):
            continue
        parts = urlsplit(link.strip())
        if (_web_address(link) or (parts.scheme in ("mailto", "tel") and parts.path)
                or (link.startswith("/") and not link.startswith("//"))):
            continue
        problem(("extra", "social", index, "link"), f"extra.social.{index}.link {link!r} is not a full address: "
                "every page would link to it relative to itself",
                fix("link", link) or "use an https:// address, a mailto: address, or a page of the site starting with /")
    return problems


#: Settings Material writes into every page's attributes and text without escaping them, besides
#: every value under `theme` (logo, favicon, palette, font, direction...).
_WRITTEN_AS_IS = ("site_url", "site_author", "repo_url", "repo_name", "edit_uri", "edit_uri_template")
#: What ends a quoted attribute or starts a tag; no name, colour, icon or address needs one.
_ENDS_ATTRIBUTE = '<>"`'


#: What ends a string in a script or an attribute written as it is (besides a tag).
_ENDS_STRING = '"`\\'
#: The keys of `theme` are names; Material writes some into a <style> (theme.icon.admonition's).
_THEME_KEY = re.compile(r"[\w-]+")


def _script_scheme(value: str) -> str | None:
    """The scheme of a javascript:, data: or vbscript: address as a browser reads it in an
    attribute: entities decoded (`javascript&colon;`), whitespace and controls dropped."""
    import html

    url = "".join(char for char in html.unescape(value) if ord(char) > 32 and char != "\x7f")
    scheme = url.split(":", 1)[0]
    return scheme if ":" in url and scheme.lower() in ("javascript", "data", "vbscript") else None


def _key_problems(value: Any, path: tuple, shown: str, positions: dict[yamlsource.Key, yamlsource.Position]) -> list[Problem]:
    """Keys are written into pages too: extra.consent.cookies' into an attribute, theme.icon's
    into a <style>. A key under `extra` (but alertcast's own) may hold no quote or tag, and one
    under `theme` only letters, digits, `_` and `-`."""
    problems = []
    if isinstance(value, dict):
        for key, item in value.items():
            if path == ("extra",) and key == "alertcast":
                continue
            text = str(key)
            bad = (not _THEME_KEY.fullmatch(text)) if path[0] == "theme" else any(
                char in text for char in _ENDS_ATTRIBUTE + _ENDS_STRING)
            if bad:
                pos, where = yamlsource.position_of(positions, (*path, key)), ".".join(map(str, path))
                problems.append(Problem(shown, pos.line, pos.col, "error", f"the key {text!r} of {where} "
                                        "is written into every page as it is, where it can end an attribute or a style",
                                        "name it with letters, digits, '_' and '-'"))
            problems += _key_problems(item, (*path, key), shown, positions)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems += _key_problems(item, (*path, index), shown, positions)
    return problems


def _strings(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Each value of a YAML tree with its path of keys and indexes."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))
    else:
        yield path, value


class _Markup(NamedTuple):
    starts: list[str]  # start tags with their attributes
    ends: collections.Counter[str]  # end tags
    text: str  # what is outside tags, entities as written


def _tags(html: str) -> _Markup:
    """The tags of `html` and its text, as a browser reads them."""
    from html.parser import HTMLParser

    found = _Markup([], collections.Counter(), "")
    text: list[str] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.starts.append(repr((tag, sorted(attrs))))

        def handle_endtag(self, tag: str) -> None:
            found.ends[tag] += 1

        def handle_data(self, data: str) -> None:
            text.append(data)

    parser = Tags(convert_charrefs=False)
    parser.feed(html)
    parser.close()
    return found._replace(text="".join(text))


def _state_problems(settings: Settings, root: Path, shown: str,
                    positions: dict[yamlsource.Key, yamlsource.Position]) -> list[Problem]:
    """An SQLite state store must not be in the content folder or the output: the site copies
    the content's assets as they are, so `state_url: sqlite:///content/assets/state.db` published
    the outbox (posts of every alert, their ids, the daemon's host names) at /assets/state.db."""
    url = settings.state_url
    if not url.startswith("sqlite:///"):
        return []
    path = url[len("sqlite:///"):].split("?")[0]
    try:
        found = (root / path).resolve()
        public = [(root / settings.content_dir).resolve(), (root / settings.output_dir).resolve()]
    except (OSError, RuntimeError, ValueError):
        return []
    where = next((folder for folder in public if found == folder or folder in found.parents), None)
    if where is None:
        return []
    pos, folder = yamlsource.position_of(positions, ("extra", "alertcast", "state_url")), display_path(where, root)
    return [Problem(shown, pos.line, pos.col, "error", f"state_url {url} is inside {folder}/, "
                    "which the site publishes: the state store (every post, its id, the daemon's hosts) would be public",
                    "keep it outside the content and output folders, as the default sqlite:///.alertcast/state.db")]


#: Variables that hold secrets alertcast or its runner keep for something else: the daemon's
#: push-webhook secret, GitHub's and the cloud's tokens.
_OTHER_SECRETS = frozenset({"ALERTCAST_WEBHOOK_SECRET", "GITHUB_TOKEN", "GH_TOKEN", "ACTIONS_RUNTIME_TOKEN",
                            "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"})


def _secret_problems(settings: Settings, section: Any, context: dict, shown: str,
                     positions: dict[yamlsource.Key, yamlsource.Position]) -> list[Problem]:
    """A channel sends the variables it names to its network's address, which mkdocs.yml sets
    too: `token_env: ALERTCAST_SIGNING_KEY` beside `base_url: https://evil.example` would post
    the signing key there. So a channel may name no variable that signing or another channel
    names (defaults included), nor one of the runner's other secrets."""
    owners = {settings.signing.key_env: "signing.key_env"}
    problems = []
    channels = section.get("channels") if isinstance(section, dict) else None
    for name, keys in (channels or {}).items():
        found = CHANNEL_KEYS[name].model_validate(keys, context=context)
        for field in type(found).model_fields:
            variable = getattr(found, field)
            if not field.endswith("_env") or not isinstance(variable, str):
                continue
            setting, other = f"channels.{name}.{field}", owners.get(variable)
            if other is None and variable not in _OTHER_SECRETS:
                owners[variable] = setting
                continue
            if other is not None and other.startswith(f"channels.{name}."):
                continue  # one channel's two settings: the variable goes to the same network
            pos = yamlsource.position_of(positions, ("extra", "alertcast", "channels", name, field))
            what = f"{other} names it too" if other else "it holds another secret of the runner or the daemon"
            problems.append(Problem(shown, pos.line, pos.col, "error", f"'{setting}' names {variable}, and {what}: "
                                    f"the channel would send that secret to its network's address",
                                    "give each channel a variable of its own"))
    return problems


def _theme_problems(theme: Any, root: Path, content_dir: str, shown: str,
                    positions: dict[yamlsource.Key, yamlsource.Position]) -> list[Problem]:
    """`theme.custom_dir` must be a folder of the project, apart from `content/` and hidden
    folders, with no symbolic link in it: the engine publishes every file of it that is not a
    template, so `/home/...`, `..`, `.git`, `content` (scheduled alerts) or a link to the signing
    key would be published with the site."""
    custom = theme.get("custom_dir") if isinstance(theme, dict) else None
    if custom is None:
        return []
    pos = yamlsource.position_of(positions, ("theme", "custom_dir"))
    hint = "keep the theme in a folder of the project, such as theme/ (start from a copy of alertcast's overrides)"
    project = root.resolve()
    folder = (project / str(custom)).resolve() if isinstance(custom, str) and custom else project
    content = (project / content_dir).resolve()
    try:
        parts = folder.relative_to(project).parts
    except ValueError:
        parts = None
    if (not parts or any(part.startswith(".") for part in parts) or folder == content
            or content in folder.parents or folder in content.parents):
        return [Problem(shown, pos.line, pos.col, "error", f"theme.custom_dir '{custom}' is not a folder of the project "
                        "(outside it, the project itself, a hidden folder or the content folder): the site would "
                        "publish its files", hint)]
    links = sorted(Path(top) / name for top, dirs, files in os.walk(folder)  # links to folders are not entered
                   for name in dirs + files if (Path(top) / name).is_symlink())
    named = [link.relative_to(project).as_posix() for link in links]
    return [Problem(shown, pos.line, pos.col, "error", f"theme.custom_dir holds a symbolic link, {link}: the site would "
                    "publish what it points to", "put the file itself there, or remove the link") for link in named]


def _languages_context(section: Any) -> dict[str, tuple[str, ...]]:
    """The languages settings name (as written; the default when they are not a list), for the
    settings that must use configured languages."""
    languages = section.get("languages") if isinstance(section, dict) else None
    return {"languages": tuple(map(str, languages)) if isinstance(languages, list) else Settings().languages}


def _channel_problems(section: Any, shown: str, positions: dict[yamlsource.Key, yamlsource.Position],
                      context: dict[str, tuple[str, ...]]) -> tuple[list[Problem], Any]:
    """Check each channel's keys against what its adapter reads; return the problems and the
    section without the channels that have them (so they are not reported twice)."""
    channels = section.get("channels") if isinstance(section, dict) else None
    if not isinstance(channels, dict):
        return [], section  # absent, or not a mapping: Settings says so
    problems: list[Problem] = []
    good = {}
    for name, keys in channels.items():
        prefix = ("extra", "alertcast", "channels", name)
        model = CHANNEL_KEYS.get(name) if isinstance(name, str) else None
        if model is None:
            close = difflib.get_close_matches(str(name), SOCIAL_CHANNELS, n=1)
            pos = yamlsource.position_of(positions, prefix)
            problems.append(Problem(shown, pos.line, pos.col, "error", f"unknown channel '{name}'",
                                    f"did you mean '{close[0]}'?" if close else f"known channels: {', '.join(SOCIAL_CHANNELS)}"))
            continue
        try:
            model.model_validate(keys, context=context)
        except ValidationError as exc:
            problems += validation_problems(exc, shown, positions, prefix, model, "the channel settings in docs/social.md",
                                            key_prefix=("channels", name))
            continue
        found = test_target_problems(name, keys, model, context, shown, positions)
        if found:
            problems += found
            continue
        good[name] = keys
    return problems, {**section, "channels": good}
