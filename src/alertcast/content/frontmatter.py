"""Front matter schemas: the keys editors may write, their types and allowed values.

These are the contract of DESIGN.md. Unknown keys are errors, so a typo such as
`serverity:` is caught instead of silently ignored.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from .models import CATEGORIES, FREQUENCIES, GUIDE_LEVELS, KNOWN_CHANNELS, PLACEMENTS, PLATFORMS

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
VERSION = re.compile(r"^\d+(\.\d+){0,3}$")
HANDLE_PLATFORMS = ("telegram", "x", "wechat", "discord", "whatsapp", "facebook", "instagram", "tiktok",
                    "youtube", "qq", "line", "email", "phone")

MAX_TITLE = 120
MAX_SUMMARY = 600

Severity = Literal["info", "advisory", "warning", "critical"]
Category = Literal[CATEGORIES]  # type: ignore[valid-type]
Platform = Literal[PLATFORMS]  # type: ignore[valid-type]
Placement = Literal[PLACEMENTS]  # type: ignore[valid-type]
Frequency = Literal[FREQUENCIES]  # type: ignore[valid-type]
Channel = Literal[KNOWN_CHANNELS]  # type: ignore[valid-type]
Level = Literal[GUIDE_LEVELS]  # type: ignore[valid-type]


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


def _error(message: str, hint: str) -> PydanticCustomError:
    """A validation error with its own hint (shown instead of the pointer to the reference).
    `message` must hold no editor's text: pydantic fills in `{...}` in it."""
    return PydanticCustomError("alertcast", message, {"hint": hint})


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
        text = str(value)
        if not VERSION.match(text):
            raise ValueError(f"{text!r} is not an app version like 8.2.0")
        return text

    @field_validator("max_app_version")
    @classmethod
    def _range(cls, value: str | None, info: ValidationInfo) -> str | None:
        low = info.data.get("min_app_version")
        if value and low and version_tuple(low) > version_tuple(value):
            raise _error(f"is {value}, below min_app_version {low}: no app version would see the banner",
                         "swap the two versions, or remove one of them")
        return value

    @field_validator("platforms")
    @classmethod
    def _some_platform(cls, value: list[str]) -> list[str]:
        if not value:
            raise _error("is empty: the banner would reach nobody", "remove the key to target every platform")
        return value


def version_tuple(version: str) -> tuple[int, ...]:
    parts = tuple(int(p) for p in version.split("."))
    return parts + (0,) * (4 - len(parts))


class IndicatorsMatter(_Strict):
    domains: list[str] = Field(default_factory=list)
    addresses: list[str] = Field(default_factory=list)
    handles: list[str] = Field(default_factory=list)

    @field_validator("domains")
    @classmethod
    def _domains(cls, values: list[str]) -> list[str]:
        out = []
        for raw in values:
            value = refang(str(raw)).lower()
            value = re.sub(r"^[a-z]+://", "", value).split("/")[0].strip(".")
            if not re.match(r"^[a-z0-9*]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9-]+)+$", value):
                raise ValueError(f"{raw!r} is not a domain like evil-wallet.example")
            out.append(value)
        return out

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.match(r"^[a-z0-9-]+:[A-Za-z0-9]{20,100}$", str(value)):
                raise ValueError(f"{value!r} is not 'chain:address' (e.g. eth:0x12ab..., tron:TQ...)")
        return [str(v) for v in values]

    @field_validator("handles")
    @classmethod
    def _handles(cls, values: list[str]) -> list[str]:
        for value in values:
            platform, _, handle = str(value).partition(":")
            if platform not in HANDLE_PLATFORMS or not handle.strip():
                raise ValueError(
                    f"{value!r} is not 'platform:handle' with platform one of {', '.join(HANDLE_PLATFORMS)}"
                )
        return [str(v) for v in values]


def refang(text: str) -> str:
    """Undo common defanging so `evil[.]example` and `hxxps://` validate as what they are."""
    return text.replace("[.]", ".").replace("(.)", ".").replace("hxxp", "http").replace("[:]", ":")


def _not_a_date(value: object) -> object:
    """`publish_at: 2026-03-01` is read by YAML as a date: say that, not 'no time zone'."""
    if isinstance(value, date) and not isinstance(value, datetime):
        raise _error("is a date without a time", f"write a full time with its offset, e.g. {EXAMPLE_TIME}")
    return value


class AlertMatter(_Strict):
    id: str | None = None
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    summary: str = Field(min_length=1, max_length=MAX_SUMMARY)
    severity: Severity
    category: Category
    publish_at: AwareDatetime
    expires_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    update_note: str | None = None
    withdrawn: str | None = None
    banner: BannerMatter | None = None
    channels: list[Channel] = Field(default_factory=list)
    scam_indicators: IndicatorsMatter = IndicatorsMatter()
    related: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        return value if value is None else _slug(value)

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        return _plain(value, "summary")

    _dates = field_validator("publish_at", "expires_at", "updated_at", mode="before")(_not_a_date)

    @field_validator("expires_at")
    @classmethod
    def _expires_after_publishing(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        published = info.data.get("publish_at")
        if value and published and value <= published:
            raise _error(f"must be after publish_at ({published.isoformat()})",
                         "set a later expires_at, or remove it to keep the alert in the banner")
        return value

    @field_validator("updated_at")
    @classmethod
    def _updated_after_publishing(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        published = info.data.get("publish_at")
        if value and published and value < published:
            raise _error(f"is before publish_at ({published.isoformat()}); an alert cannot be updated before "
                         "it is published", "set updated_at to when the text changed")
        return value

    @field_validator("update_note")
    @classmethod
    def _note_has_time(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and _missing(info, "updated_at"):
            raise _error("needs updated_at (when the change was made)", f"add e.g. updated_at: {EXAMPLE_TIME}")
        return value

    @field_validator("withdrawn")
    @classmethod
    def _reason(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        if not value.strip():
            raise ValueError("withdrawn needs a reason readers will see, e.g. 'Reported in error: the site is ours.'")
        if _missing(info, "updated_at"):
            raise _error("needs updated_at (when it was withdrawn); feeds and CAP date the withdrawal with it",
                         f"add updated_at: with the time it was withdrawn, e.g. updated_at: {EXAMPLE_TIME}")
        return value


class GuideMatter(_Strict):
    id: str | None = None
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    summary: str = Field(min_length=1, max_length=MAX_SUMMARY)
    level: Level = "basic"
    order: int = Field(100, ge=0, le=10000)
    related: list[str] = Field(default_factory=list)
    updated_at: AwareDatetime | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        return value if value is None else _slug(value)

    _dates = field_validator("updated_at", mode="before")(_not_a_date)


class PageMatter(_Strict):
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    summary: str | None = None
    hide: list[Literal["navigation", "toc", "footer", "path", "feedback", "tags"]] = Field(default_factory=list)
