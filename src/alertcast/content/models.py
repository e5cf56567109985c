"""Typed content models: what the rest of alertcast works with once files are validated.

One `Alert` (or `Guide`, `Page`) holds what its translations share; the per-language
text lives in `texts`, keyed by language code. Renderers never see raw front matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

from ..languages import pick
from ..vocabulary import CATEGORIES as CATEGORIES  # the content's vocabulary, for those who read it here
from ..vocabulary import IMPLICIT_CHANNELS as IMPLICIT_CHANNELS
from ..vocabulary import KNOWN_CHANNELS as KNOWN_CHANNELS
from ..vocabulary import OUTPUT_CHANNELS as OUTPUT_CHANNELS
from ..vocabulary import SOCIAL_CHANNELS as SOCIAL_CHANNELS
from ..vocabulary import TEAM_CHANNELS as TEAM_CHANNELS
from .official import Official


class Severity(str, Enum):
    info = "info"
    advisory = "advisory"
    warning = "warning"
    critical = "critical"

    @property
    def rank(self) -> int:
        """Higher is more severe; used to sort banners and pick the announcement."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.info: 0, Severity.advisory: 1, Severity.warning: 2, Severity.critical: 3}


PLATFORMS = ("ios", "android", "extension", "desktop")
PLACEMENTS = ("home", "support", "send", "dapp")
FREQUENCIES = ("once", "daily", "every_launch")
#: An alert's `status`, as CAP 1.2 names them: only `actual` alerts are public.
STATUSES = ("actual", "test", "exercise")



def _text_in(texts: dict[str, Text], lang: str, default_lang: str) -> Text:
    """The text a reader of `lang` sees: see alertcast.languages for the order."""
    found = pick(texts, lang, default_lang)
    return found[1] if found else texts[default_lang]


@dataclass(frozen=True)
class Text:
    """One language's text of an alert, guide or page."""

    lang: str
    title: str
    summary: str
    body: str  # Markdown, without front matter
    source: Path  # the file it came from, relative to the content root
    body_line: int  # 1-based line in `source` where the body starts
    support_reply: str = ""  # what an agent or support assistant may paste; "" when not written


@dataclass(frozen=True)
class Banner:
    """In-app banner targeting. Defaults show the banner everywhere, once."""

    platforms: tuple[str, ...] = PLATFORMS
    min_app_version: str | None = None
    max_app_version: str | None = None
    placement: tuple[str, ...] = ("home",)
    dismissible: bool = True
    frequency: str = "once"
    action_url: str | None = None  # defaults to the alert's page on the site


@dataclass(frozen=True)
class Indicators:
    """Things a scam uses. Always shown defanged, never as links; exported for apps to block."""

    domains: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()  # "chain:address", e.g. "tron:TX...", "eth:0x..."
    handles: tuple[str, ...] = ()  # "platform:handle", e.g. "telegram:@fake_support"
    #: The kinds in the order the editor wrote them: a post that has room for only some lists
    #: them in this order, so the most important comes first.
    order: tuple[str, ...] = field(default=("domains", "addresses", "handles"), compare=False)

    def in_order(self) -> list[tuple[str, str]]:
        """(kind, value) of every indicator, in the editor's order."""
        return [(kind, value) for kind in self.order for value in getattr(self, kind)]

    def __bool__(self) -> bool:
        return bool(self.domains or self.addresses or self.handles)


@dataclass(frozen=True)
class Update:
    """One correction or update of an alert: the warning still stands, its text changed."""

    at: datetime
    note: dict[str, str]  # lang -> what changed

    def text(self, lang: str, default_lang: str) -> str:
        found = pick(self.note, lang, default_lang)
        return found[1] if found else ""


@dataclass(frozen=True)
class Alert:
    id: str
    severity: Severity
    category: str
    publish_at: datetime
    expires_at: datetime | None
    updated_at: datetime | None  # the latest update, or the withdrawal
    update_note: dict[str, str]  # lang -> what the latest update changed (only with updated_at)
    withdrawn: dict[str, str]  # lang -> reason; empty when not withdrawn
    banner: Banner | None  # None: the alert has no banner channel
    channels: tuple[str, ...]  # always includes IMPLICIT_CHANNELS
    indicators: Indicators
    related: tuple[str, ...]  # guide ids
    texts: dict[str, Text] = field(compare=False)
    updates: tuple[Update, ...] = ()  # every update, oldest first; the page shows them all
    starts_at: datetime | None = None  # the maintenance window (category maintenance): both or none
    ends_at: datetime | None = None
    status: str = "actual"  # test | exercise: a rehearsal, sent only to channels' test targets

    @property
    def is_public(self) -> bool:
        """False for a test or exercise alert: no public output (site, feeds, banner, indicators,
        help API) may show it; CAP carries it with its status, posts go only to test targets."""
        return self.status == "actual"

    @property
    def is_withdrawn(self) -> bool:
        return bool(self.withdrawn)

    @property
    def changed_at(self) -> datetime:
        """When the alert last changed materially (its latest revision)."""
        return self.updated_at or self.publish_at

    @cached_property  # asked for by every renderer; an Alert never changes
    def revision(self) -> str:
        """Stable revision label: changes exactly when `updated_at` does.

        Outbox rows, CAP identifiers and banner revisions are keyed on it, so a typo fix
        without a new `updated_at` never re-posts anything.
        """
        return self.changed_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")

    def text(self, lang: str, default_lang: str) -> Text:
        """The text in `lang`, else in the language it falls back to (its `lang` says which)."""
        return _text_in(self.texts, lang, default_lang)

    def reason(self, lang: str, default_lang: str) -> str:
        """Why it was withdrawn, in `lang`, falling back like `text`; "" when it was not."""
        found = pick(self.withdrawn, lang, default_lang)
        return found[1] if found else next(iter(self.withdrawn.values()), "")

    def note(self, lang: str, default_lang: str) -> str:
        """What the update changed, in `lang`, else in the default language; "" when neither has a note."""
        found = pick(self.update_note, lang, default_lang)
        return found[1] if found else ""


@dataclass(frozen=True)
class Guide:
    id: str
    level: str  # basic | intermediate | advanced
    order: int
    related: tuple[str, ...]  # other guide ids
    updated_at: datetime | None
    texts: dict[str, Text] = field(compare=False)

    def text(self, lang: str, default_lang: str) -> Text:
        """The text in `lang`, else in the language it falls back to (its `lang` says which)."""
        return _text_in(self.texts, lang, default_lang)


GUIDE_LEVELS = ("basic", "intermediate", "advanced")


@dataclass(frozen=True)
class Page:
    """A top-level page (home, FAQ, official channels ...). `id` is its file stem."""

    id: str
    texts: dict[str, Text] = field(compare=False)

    def text(self, lang: str, default_lang: str) -> Text:
        """The text in `lang`, else in the language it falls back to (its `lang` says which)."""
        return _text_in(self.texts, lang, default_lang)


@dataclass(frozen=True)
class Content:
    """Everything under content/, validated."""

    root: Path
    alerts: tuple[Alert, ...]
    guides: tuple[Guide, ...]
    pages: tuple[Page, ...]
    committed_at: datetime | None = None
    """When the commit these files come from was made (None outside git). An alert merged with a
    `publish_at` or `updated_at` already past takes effect at the merge, not at that time."""
    official: Official = field(default_factory=Official)
    """The official channels (content/official-channels.yml); empty without that file."""

    def alert(self, alert_id: str) -> Alert:
        return next(a for a in self.alerts if a.id == alert_id)

    def guide(self, guide_id: str) -> Guide:
        return next(g for g in self.guides if g.id == guide_id)

