"""Settings: one place, `mkdocs.yml`, validated with messages that name the line.

alertcast's own settings live under `extra.alertcast`, a free-form section that mkdocs
(and Zensical, which reads the same file) passes through untouched. Secrets never live here:
the file names the environment variable or file that holds each one.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import yamlsource
from .content.models import SOCIAL_CHANNELS
from .problems import ContentError, Problem

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


class SigningSettings(_Strict):
    key_env: str = "ALERTCAST_SIGNING_KEY"
    """Environment variable holding the Ed25519 private key (PEM or base64 raw)."""
    key_file: str | None = None
    """Or a file holding it; relative paths are relative to mkdocs.yml."""


class ChannelSettings(BaseModel):
    """One social channel. Its credentials come from the environment variables it names."""

    model_config = ConfigDict(extra="allow", frozen=True)
    enabled: bool = True
    dry_run: bool = False


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
    feedback_url: str | None = None
    """Where "was this page helpful?" ratings go (a JSON POST {page, rating}); no question without it."""
    id_authority: str | None = None
    """The domain (optionally `,YYYY`) naming permanent ids: feed entries, CAP sender and identifiers.
    Defaults to the host of site_url; set it once and keep it when the site moves."""

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
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as 'Asia/Shanghai'") from None
        return value

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("list at least one language; the first is the default")
        for lang in value:
            if not lang.isalpha() or not lang.islower() or len(lang) > 3:
                raise ValueError(f"{lang!r} is not a language code like 'zh' or 'en'")
        return value

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, value: dict[str, ChannelSettings]) -> dict[str, ChannelSettings]:
        for name in value:
            if name not in SOCIAL_CHANNELS:
                raise ValueError(f"unknown channel {name!r}; known channels: {', '.join(SOCIAL_CHANNELS)}")
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

    def allows_link(self, url: str) -> bool:
        """True when `url` is on the site itself or on an allowed domain (or a subdomain of one)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return False
        host = parts.hostname.lower().rstrip(".")
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
        raise ContentError(
            [Problem(shown, 1, 1, "error", f"no {CONFIG_FILE} here", "run alertcast in the project folder, or pass --project PATH")]
        )
    try:
        raw, positions = yamlsource.load(path.read_text(encoding="utf-8"))
    except yamlsource.YamlSyntaxError as exc:
        raise ContentError([Problem(shown, exc.position.line, exc.position.col, "error", str(exc), "fix the YAML syntax")]) from None
    except UnicodeDecodeError:
        raise ContentError([Problem(shown, 1, 1, "error", "file is not UTF-8 text", "save it as UTF-8")]) from None
    if not isinstance(raw, dict):
        raise ContentError([Problem(shown, 1, 1, "error", f"{CONFIG_FILE} must be a mapping of settings", "")])
    problems: list[Problem] = []
    site_url = raw.get("site_url")
    if not isinstance(site_url, str) or urlsplit(site_url).scheme not in ("http", "https"):
        pos = yamlsource.position_of(positions, ("site_url",))
        problems.append(
            Problem(shown, pos.line, pos.col, "error", "site_url must be the public https:// address of the help site",
                    "add e.g. site_url: https://help.example.com/")
        )
    extra = raw.get("extra") or {}
    section = extra.get("alertcast", {}) if isinstance(extra, dict) else {}
    try:
        settings = Settings.model_validate(section or {})
    except ValidationError as exc:
        problems += validation_problems(exc, shown, positions, ("extra", "alertcast"), Settings)
        settings = None
    if problems:
        raise ContentError(problems)
    assert settings is not None
    return Config(root.resolve(), str(raw.get("site_name", "alertcast")), str(site_url), settings, raw)


def validation_problems(
    exc: ValidationError,
    shown: str,
    positions: dict[yamlsource.Key, yamlsource.Position],
    prefix: tuple[Any, ...],
    model: type[BaseModel] | None = None,
    reference: str = "the configuration reference in README.md",
) -> list[Problem]:
    """Turn pydantic's errors into problems that name the line and say how to fix them."""
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        pos = yamlsource.position_of(positions, prefix + loc)
        key = ".".join(str(p) for p in loc) or "(top level)"
        message, hint = _friendly(err, key, loc, model, reference)
        problems.append(Problem(shown, pos.line, pos.col, "error", message, hint))
    return problems


def _friendly(err: dict[str, Any], key: str, loc: tuple[Any, ...], model: type[BaseModel] | None,
              reference: str) -> tuple[str, str]:
    kind = err["type"]
    if kind == "extra_forbidden":
        name = str(loc[-1])
        known = _known_fields(model, loc[:-1])
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else ("known keys: " + ", ".join(known) if known else "remove it")
        return f"unknown key '{key}'", hint
    if kind == "missing":
        return f"'{key}' is required", f"add '{loc[-1]}:'"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"'{key}' has an unknown value {err.get('input')!r}", f"use one of {expected}"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return f"'{key}': {msg}", f"see {reference}"


def _known_fields(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        if current is None or not hasattr(current, "model_fields"):
            return []
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        current = field.annotation
    if current is None or not hasattr(current, "model_fields"):
        return []
    return list(current.model_fields)
