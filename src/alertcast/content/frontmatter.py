"""Front matter schemas: the keys editors may write, their types and allowed values.

These are the contract of DESIGN.md. Unknown keys are errors, so a typo such as
`serverity:` is caught instead of silently ignored.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

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

    @model_validator(mode="after")
    def _range(self) -> BannerMatter:
        if self.min_app_version and self.max_app_version:
            if version_tuple(self.min_app_version) > version_tuple(self.max_app_version):
                raise ValueError(
                    f"min_app_version {self.min_app_version} is above max_app_version {self.max_app_version}"
                )
        if not self.platforms:
            raise ValueError("platforms is empty: the banner would reach nobody; remove the key to target all")
        return self


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

    @field_validator("withdrawn")
    @classmethod
    def _reason(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("withdrawn needs a reason readers will see, e.g. 'Reported in error: the site is ours.'")
        return value

    @model_validator(mode="after")
    def _times(self) -> AlertMatter:
        if self.expires_at and self.expires_at <= self.publish_at:
            raise ValueError("expires_at must be after publish_at")
        if self.updated_at and self.updated_at < self.publish_at:
            raise ValueError("updated_at is before publish_at; an alert cannot be updated before it is published")
        if self.update_note and not self.updated_at:
            raise ValueError("update_note needs updated_at (when the change was made)")
        return self


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


class PageMatter(_Strict):
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    summary: str | None = None
    hide: list[Literal["navigation", "toc", "footer", "path", "feedback", "tags"]] = Field(default_factory=list)
