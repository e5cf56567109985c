"""Front matter schemas: the keys editors may write, their types and allowed values.

These are the contract of DESIGN.md. Unknown keys are errors, so a typo such as
`serverity:` is caught instead of silently ignored.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, Literal

import idna
from pydantic import (AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator,
                      model_validator)
from pydantic_core import PydanticCustomError

from ..problems import hint_error, text_error
from ..timefmt import editor_time
from .addresses import COPY_AGAIN, address_problem
from .models import CATEGORIES, FREQUENCIES, GUIDE_LEVELS, KNOWN_CHANNELS, PLACEMENTS, PLATFORMS, STATUSES
from .window import window_error

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
VERSION = re.compile(r"^\d+(\.\d+){0,3}$")
HANDLE_PLATFORMS = ("telegram", "x", "wechat", "discord", "whatsapp", "facebook", "instagram", "tiktok",
                    "youtube", "qq", "line", "email", "phone")

MAX_TITLE = 120
MAX_SUMMARY = 600
MAX_SUPPORT_REPLY = 500

Severity = Literal["info", "advisory", "warning", "critical"]
Category = Literal[CATEGORIES]  # type: ignore[valid-type]
Platform = Literal[PLATFORMS]  # type: ignore[valid-type]
Placement = Literal[PLACEMENTS]  # type: ignore[valid-type]
Frequency = Literal[FREQUENCIES]  # type: ignore[valid-type]
Channel = Literal[KNOWN_CHANNELS]  # type: ignore[valid-type]
Level = Literal[GUIDE_LEVELS]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]


CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")  # C0, DEL, C1, LS, PS


class _Strict(BaseModel):
    """Unknown keys are errors; text is trimmed and may hold no control characters.

    Control characters are invisible to editors and make XML outputs (RSS, Atom, CAP) invalid.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: object) -> object:
        if isinstance(value, str) and CONTROL.search(value):
            raise ValueError("contains an invisible control character; retype the text or delete and re-enter it")
        return value


EXAMPLE_TIME = "2026-11-01T08:00:00+08:00"


def _when(t: datetime, info: ValidationInfo) -> str:
    """A time in a message: in the editors' zone, labelled, when the loader says which zone."""
    zone = (info.context or {}).get("zone") if info.context is not None else None
    return editor_time(t, zone) if zone else t.isoformat()


def _missing(info: ValidationInfo, key: str) -> bool:
    """True when `key` was left out; False when it is set or was itself invalid (reported already)."""
    return key in info.data and info.data[key] is None


def _slug(value: str) -> str:
    if not SLUG.match(value):
        raise ValueError(f"{value!r} is not a valid id; use lower-case letters, digits and '-' (e.g. fake-support-telegram)")
    return value


def _plain(value: str, what: str) -> str:
    if not value:
        raise ValueError(f"{what} is empty")
    if "\n\n" in value:
        raise ValueError(f"{what} must be one paragraph")
    return value


def _reply(value: str | None) -> str | None:
    """A canned reply is pasted into chats as it is: one paragraph of plain text."""
    return value if value is None else _plain(value, "support_reply")


class BannerMatter(_Strict):
    platforms: list[Platform] = Field(default_factory=lambda: list(PLATFORMS))
    min_app_version: str | None = None
    max_app_version: str | None = None
    placement: list[Placement] = Field(default_factory=lambda: ["home"])
    dismissible: bool = True
    frequency: Frequency = "once"
    action_url: str | None = None

    @field_validator("min_app_version", "max_app_version", mode="before")
    @classmethod
    def _version(cls, value: object) -> object:
        if value is None:
            return None
        if isinstance(value, float):  # YAML read `8.10` as the number 8.1: what was written is lost
            raise hint_error(f"is read as the number {value}, not as a version (8.10 would become 8.1)",
                             "write the version in quotes, e.g. \"8.10.0\"")
        text = str(value)
        if not VERSION.match(text):
            raise ValueError(f"{text!r} is not an app version like 8.2.0")
        return text

    @field_validator("max_app_version")
    @classmethod
    def _range(cls, value: str | None, info: ValidationInfo) -> str | None:
        low = info.data.get("min_app_version")
        if value and low and version_tuple(low) > version_tuple(value):
            raise hint_error(f"is {value}, below min_app_version {low}: no app version would see the banner",
                             "swap the two versions, or remove one of them")
        return value

    @field_validator("platforms")
    @classmethod
    def _some_platform(cls, value: list[str]) -> list[str]:
        if not value:
            raise hint_error("is empty: the banner would reach nobody", "remove the key to target every platform")
        return value


def version_tuple(version: str) -> tuple[int, ...]:
    parts = tuple(int(p) for p in version.split("."))
    return parts + (0,) * (4 - len(parts))


def _domain(raw: str) -> str:
    """One scam domain, as browsers look it up: lower case, without scheme or path, and in its
    ASCII (`xn--`) form, which is what a blocklist must hold."""
    value = refang(str(raw)).strip().lower()
    value = re.sub(r"^[a-z]+://", "", value).split("/")[0].strip(".")
    wildcard, name = ("*.", value[2:]) if value.startswith("*.") else ("", value)
    if not name.isascii():
        raise _unicode_domain(str(raw), wildcard, name)
    if not re.match(r"^[a-z0-9*]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9-]+)+$", value):
        raise text_error(f"{raw!r} is not a domain like evil-wallet.example",
                         "write the host name alone, e.g. wallet-verify.example or *.wallet-verify.example")
    for label in name.split("."):
        if label.startswith("xn--"):
            problem = _a_label_problem(label)
            if problem:
                raise text_error(f"{raw!r}: the label {label} {problem}",
                                 "copy the domain again from where the scam was reported; an xn-- label is "
                                 "the ASCII form of a name in another script and must decode")
    return value


def _unicode_domain(raw: str, wildcard: str, name: str) -> PydanticCustomError:
    letters = ", ".join(f"{c} (U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')})"
                        for c in dict.fromkeys(name) if not c.isascii())
    ascii_form = to_ascii(name)
    if ascii_form is None:
        return text_error(f"{raw!r} is written in Unicode and is no name browsers can open: it contains {letters}",
                          "copy the domain again from the address bar or the report, in its xn-- form")
    ascii_form = wildcard + ascii_form
    if ascii_form.startswith("xn--") or ".xn--" in ascii_form:
        shown = f"it shows as {wildcard}{name} but contains {letters}, so browsers look up {ascii_form}"
    else:  # full-width letters or dots, which browsers read as plain ones
        shown = f"it contains {letters}, which browsers read as {ascii_form}"
    return text_error(f"{raw!r} is written in Unicode: {shown}",
                      f"write {ascii_form}: the blocklist must hold the name browsers look up")


def to_ascii(name: str) -> str | None:
    """The name a browser looks up for `name` (UTS 46 mapping, non-transitional, then punycode,
    as the URL standard does); None when browsers refuse it."""
    try:
        mapped = idna.uts46_remap(name, std3_rules=False, transitional=False)
    except (idna.IDNAError, UnicodeError):
        return None
    if any(unicodedata.category(c)[0] in "CZ" for c in mapped):  # invisible: browsers refuse the name
        return None
    labels = [label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
              for label in mapped.split(".")]
    ascii_form = ".".join(labels).strip(".")
    return ascii_form if re.match(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9-]+)+$", ascii_form) else None


def _a_label_problem(label: str) -> str | None:
    """Why an `xn--` label is no name at all (browsers cannot open it), or None."""
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
    except UnicodeError:
        return "is not valid punycode, so it decodes to no name: a character is mistyped or missing"
    if decoded.isascii() or decoded.encode("punycode").decode("ascii") != label[4:]:
        return f"decodes to {decoded!r}, which no browser writes as {label}: a character is mistyped"
    if any(unicodedata.category(c)[0] in "CZ" for c in decoded):
        return f"decodes to {decoded!r}, which holds invisible or control characters: a character is mistyped"
    return None


def _address(value: str) -> str:
    value = str(value)
    if not re.match(r"^[a-z0-9-]+:[A-Za-z0-9]{20,100}$", value):
        raise ValueError(f"{value!r} is not 'chain:address' (e.g. eth:0x12ab..., tron:TQ...)")
    chain, _, address = value.partition(":")
    problem = address_problem(chain, address)
    if problem:
        raise text_error(f"{value!r}: {problem}", COPY_AGAIN)
    return value


def _handle(value: str) -> str:
    value = str(value)
    if "：" in value and ":" not in value:  # typed on a Chinese keyboard: say so, not "not platform:handle"
        raise text_error(f'{value!r} has a full-width colon "：" after the platform',
                         f"write {value.replace('：', ':', 1)} (half-width colon)")
    platform, _, handle = value.partition(":")
    if platform not in HANDLE_PLATFORMS or not handle.strip():
        raise ValueError(f"{value!r} is not 'platform:handle' with platform one of {', '.join(HANDLE_PLATFORMS)}")
    return value


class IndicatorsMatter(_Strict):
    domains: list[Annotated[str, AfterValidator(_domain)]] = Field(default_factory=list)
    addresses: list[Annotated[str, AfterValidator(_address)]] = Field(default_factory=list)
    handles: list[Annotated[str, AfterValidator(_handle)]] = Field(default_factory=list)


def refang(text: str) -> str:
    """Undo common defanging so `evil[.]example` and `hxxps://` validate as what they are."""
    return text.replace("[.]", ".").replace("(.)", ".").replace("hxxp", "http").replace("[:]", ":")


def _not_a_date(value: object) -> object:
    """`publish_at: 2026-03-01` is read by YAML as a date: say that, not 'no time zone'.

    A number (`publish_at: 20261101`, quoted or not) would be read as seconds since 1970, so an
    embargoed alert would be live at once: refuse it."""
    if isinstance(value, date) and not isinstance(value, datetime):
        raise hint_error("is a date without a time", f"write a full time with its offset, e.g. {EXAMPLE_TIME}")
    if isinstance(value, (int, float)) or (isinstance(value, str) and re.fullmatch(r"\s*[-+]?[\d.]+\s*", value)):
        raise hint_error("is a number, not a time", f"write a full time with its offset, e.g. {EXAMPLE_TIME}")
    if isinstance(value, str) and unicodedata.normalize("NFKC", value) != value:  # typed on a Chinese keyboard
        raise text_error(f"{value!r} is written with full-width characters",
                         f"write {unicodedata.normalize('NFKC', value).strip()} (half-width)")
    return value


class UpdateMatter(_Strict):
    """One entry of `updates:`: when the alert changed, and what changed, in the file's language."""

    at: AwareDatetime
    note: str = Field(min_length=1)

    _dates = field_validator("at", mode="before")(_not_a_date)

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        return _plain(value, "note")


class AlertMatter(_Strict):
    id: str | None = None
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    summary: str = Field(min_length=1, max_length=MAX_SUMMARY)
    severity: Severity
    category: Category
    publish_at: AwareDatetime
    expires_at: AwareDatetime | None = None
    updates: list[UpdateMatter] = Field(default_factory=list)
    updated_at: AwareDatetime | None = None
    update_note: str | None = None
    withdrawn: str | None = None
    banner: BannerMatter | None = None
    channels: list[Channel] = Field(default_factory=list)
    scam_indicators: IndicatorsMatter = IndicatorsMatter()
    related: list[str] = Field(default_factory=list)
    status: Status = "actual"
    support_reply: str | None = Field(None, min_length=1, max_length=MAX_SUPPORT_REPLY)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None

    _window_dates = field_validator("starts_at", "ends_at", mode="before")(_not_a_date)

    @model_validator(mode="after")
    def _window(self, info: ValidationInfo) -> AlertMatter:
        error = window_error(self.category, self.starts_at, self.ends_at, self.ends_at and _when(self.ends_at, info),
                             self.starts_at and _when(self.starts_at, info))
        if error is not None:
            raise error
        return self

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        return value if value is None else _slug(value)

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        return _plain(value, "summary")

    @field_validator("support_reply")
    @classmethod
    def _support_reply(cls, value: str | None) -> str | None:
        return _reply(value)

    _dates = field_validator("publish_at", "expires_at", "updated_at", mode="before")(_not_a_date)

    @field_validator("expires_at")
    @classmethod
    def _expires_after_publishing(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        published = info.data.get("publish_at")
        if value and published and value <= published:
            raise hint_error(f"must be after publish_at ({_when(published, info)})",
                             "set a later expires_at, or remove it to keep the alert in the banner")
        return value

    @field_validator("updates")
    @classmethod
    def _updates_after_publishing(cls, value: list[UpdateMatter], info: ValidationInfo) -> list[UpdateMatter]:
        published = info.data.get("publish_at")
        times = [u.at for u in value]
        for u in value:
            if published and u.at < published:
                raise hint_error(f"has an update at {_when(u.at, info)}, before publish_at ({_when(published, info)}); "
                                 "an alert cannot be updated before it is published",
                                 "set the update's at: to when the text changed")
        if len(set(times)) < len(times):
            raise hint_error("has two updates at the same time", "give each update its own at:, or merge their notes")
        return value

    @field_validator("updated_at")
    @classmethod
    def _updated_after_publishing(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        published = info.data.get("publish_at")
        if value and published and value < published:
            raise hint_error(f"is before publish_at ({_when(published, info)}); an alert cannot be updated before "
                             "it is published", "set updated_at to when the text changed")
        return value

    @field_validator("update_note")
    @classmethod
    def _note_has_time(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and _missing(info, "updated_at"):
            raise hint_error("needs updated_at (when the change was made)", f"add e.g. updated_at: {EXAMPLE_TIME}")
        return value

    @field_validator("withdrawn")
    @classmethod
    def _reason(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        if not value.strip():
            raise ValueError("withdrawn needs a reason readers will see, e.g. 'Reported in error: the site is ours.'")
        if _missing(info, "updated_at"):
            raise hint_error("needs updated_at (when it was withdrawn); feeds and CAP date the withdrawal with it",
                             f"add updated_at: with the time it was withdrawn, e.g. updated_at: {EXAMPLE_TIME}")
        withdrawn_at, updates = info.data.get("updated_at"), info.data.get("updates") or []
        latest = max((u.at for u in updates), default=None)
        if withdrawn_at and latest and withdrawn_at < latest:
            raise hint_error(f"is dated by updated_at before its last update ({_when(latest, info)}); "
                             "a withdrawal ends the alert's history",
                             "set updated_at to when the alert was withdrawn, after every update")
        return value


class GuideMatter(_Strict):
    id: str | None = None
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    summary: str = Field(min_length=1, max_length=MAX_SUMMARY)
    level: Level = "basic"
    order: int = Field(100, ge=0, le=10000)
    related: list[str] = Field(default_factory=list)
    updated_at: AwareDatetime | None = None
    support_reply: str | None = Field(None, min_length=1, max_length=MAX_SUPPORT_REPLY)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        return value if value is None else _slug(value)

    _dates = field_validator("updated_at", mode="before")(_not_a_date)
    @field_validator("support_reply")
    @classmethod
    def _support_reply(cls, value: str | None) -> str | None:
        return _reply(value)


class PageMatter(_Strict):
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    summary: str | None = None
    hide: list[Literal["navigation", "toc", "footer", "path", "feedback", "tags"]] = Field(default_factory=list)
