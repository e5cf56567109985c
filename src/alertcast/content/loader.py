"""Read content/ into typed models, collecting every problem with its file and line.

Layout (the mkdocs-static-i18n suffix convention):

    content/<page>.<lang>.md           top-level pages (index, faq, official-channels, ...)
    content/alerts/<stem>.<lang>.md    alerts; one stem, one file per language
    content/guides/<stem>.<lang>.md    guides
    content/assets/...                 images and other files, copied as they are
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .. import yamlsource
from ..config import Config, validation_problems
from ..problems import ContentError, Problem, display_path
from .frontmatter import CONTROL, AlertMatter, BannerMatter, GuideMatter, PageMatter
from .models import (
    IMPLICIT_CHANNELS,
    Alert,
    Banner,
    Content,
    Guide,
    Indicators,
    Page,
    Severity,
    Text,
)

MAX_FILE_BYTES = 256 * 1024
SECTIONS = ("alerts", "guides")
_NAME = re.compile(r"^(?P<stem>[^.]+)\.(?P<lang>[a-z]{2,3})\.md$")


@dataclass
class SourceFile:
    """One parsed Markdown file, before translations are joined."""

    path: Path  # absolute
    shown: str  # as shown in messages
    section: str  # "alerts", "guides" or "" for top-level pages
    stem: str
    lang: str
    matter: BaseModel
    positions: dict[yamlsource.Key, yamlsource.Position]
    body: str
    body_line: int

    def at(self, *key: Any) -> yamlsource.Position:
        return yamlsource.position_of(self.positions, key)

    def problem(self, key: tuple[Any, ...], level: str, message: str, hint: str = "") -> Problem:
        pos = self.at(*key)
        return Problem(self.shown, pos.line, pos.col, level, message, hint)


def split_front_matter(text: str) -> tuple[str | None, str, int, int]:
    """Return (front matter, body, line where front matter starts, line where body starts)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text, 1, 1
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1:]), 2, index + 2
    return "".join(lines[1:]), "", 2, len(lines) + 1


_MATTER: dict[str, type[BaseModel]] = {"alerts": AlertMatter, "guides": GuideMatter, "": PageMatter}


def read_file(path: Path, section: str, config: Config, base: Path) -> tuple[SourceFile | None, list[Problem]]:
    """Parse one file; return it (or None) and the problems found in it alone."""
    shown = display_path(path, base)
    match = _NAME.match(path.name)
    if not match:
        return None, [Problem(shown, 1, 1, "error", "file name must be <name>.<language>.md",
                              f"rename it, e.g. {path.stem.split('.')[0]}.{config.default_lang}.md")]
    stem, lang = match["stem"], match["lang"]
    if lang not in config.languages:
        return None, [Problem(shown, 1, 1, "error", f"language '{lang}' is not configured",
                              f"use one of {', '.join(config.languages)} or add it to extra.alertcast.languages")]
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return None, [Problem(shown, 1, 1, "error", f"file is {size // 1024} KiB, over the {MAX_FILE_BYTES // 1024} KiB limit",
                              "split it into several pages")]
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        return None, [Problem(shown, line, 1, "error", "file is not valid UTF-8", "save it as UTF-8")]
    text = text.removeprefix("\ufeff")
    front, body, front_line, body_line = split_front_matter(text)
    if front is None:
        return None, [Problem(shown, 1, 1, "error", "missing front matter",
                              "start the file with a '---' line, the YAML keys, and another '---' line")]
    try:
        data, positions = yamlsource.load(front, line_offset=front_line - 1)
    except yamlsource.YamlSyntaxError as exc:
        return None, [Problem(shown, exc.position.line, exc.position.col, "error", str(exc),
                              "check indentation and quote values that contain ': ' or start with '@' or '*'")]
    if not isinstance(data, dict):
        return None, [Problem(shown, front_line, 1, "error", "front matter must be 'key: value' lines", "")]
    # YAML reads U+0085, U+2028 and U+2029 as line breaks, so in front matter they would silently
    # turn into spaces; in a body they break feeds and CAP. Either way: show where, never guess.
    for part, first_line in ((front, front_line), (body, body_line)):
        bad = CONTROL.search(part)
        if bad:
            line = first_line + part.count("\n", 0, bad.start())
            col = bad.start() - (part.rfind("\n", 0, bad.start()) + 1) + 1
            return None, [Problem(shown, line, col, "error",
                                  f"invisible control character U+{ord(bad.group()):04X} in the text",
                                  "delete it; it breaks feeds and CAP messages")]
    schema = _MATTER[section]
    try:
        matter = schema.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(exc, shown, positions, (), schema, "the front-matter reference in README.md")
        return None, [_time_hint(p) for p in problems]
    return SourceFile(path, shown, section, stem, lang, matter, positions, body, body_line), []


def _time_hint(problem: Problem) -> Problem:
    if "timezone" in problem.message or "time zone" in problem.message:
        return Problem(problem.path, problem.line, problem.col, problem.level,
                       problem.message.split(":")[0] + " has no time zone",
                       "write a full time with its offset, e.g. 2026-11-01T08:00:00+08:00")
    return problem


def discover(content_dir: Path) -> list[tuple[Path, str]]:
    """Markdown files under content/, with the section each belongs to, in a stable order."""
    found = []
    for path in sorted(content_dir.glob("*.md"), key=str):
        found.append((path, ""))
    for section in SECTIONS:
        for path in sorted((content_dir / section).glob("*.md"), key=str):
            found.append((path, section))
    return found


class ParseCache:
    """Parsed files from the previous load, keyed by their bytes, so that a long-running process
    (the daemon, `alertcast preview`) re-parses only what changed. Keyed by a digest of the bytes,
    not by mtime: a checkout can rewrite a file within one timestamp tick at the same size."""

    def __init__(self) -> None:
        self.entries: dict[tuple, tuple[SourceFile | None, list[Problem]]] = {}
        self.hits = 0
        self.misses = 0

    def read(self, path: Path, section: str, config: Config, base: Path,
             keep: dict[tuple, tuple[SourceFile | None, list[Problem]]]) -> tuple[SourceFile | None, list[Problem]]:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise OSError("too large")
            raw = path.read_bytes()
        except OSError:
            return read_file(path, section, config, base)  # says what is wrong with it
        key = (str(path), hashlib.blake2b(raw, digest_size=16).digest(), section, config.languages,
               config.default_lang, str(base))
        found = self.entries.get(key)
        if found is None:
            self.misses += 1
            found = read_file(path, section, config, base)
        else:
            self.hits += 1
        keep[key] = found
        return found[0], list(found[1])


PARSE_CACHE = ParseCache()


@dataclass(frozen=True)
class Loaded:
    """Everything that could be read, even when some of it is wrong.

    `alertcast report` shows what a change would publish next to its problems, so it needs the
    models of every file that parsed, not only a verdict. `complete` is False when some file
    could not be parsed at all (its alert would look missing).
    """

    content: Content | None  # None only when the content folder does not exist
    problems: list[Problem]
    complete: bool

    @property
    def ok(self) -> bool:
        return self.content is not None and not any(p.is_error for p in self.problems)


def load_content(config: Config, content_dir: Path | None = None, base: Path | None = None) -> tuple[Content | None, list[Problem]]:
    """Load everything. Returns the content (None when there are errors) and all problems.

    Warnings (such as a missing translation) do not stop loading.
    """
    loaded = load_all(config, content_dir, base)
    return (loaded.content if loaded.ok else None), loaded.problems


def load_all(config: Config, content_dir: Path | None = None, base: Path | None = None) -> Loaded:
    """Load every file that parses into models and collect every problem, errors included."""
    content_dir = content_dir or config.content_dir
    base = base or config.root
    problems: list[Problem] = []
    if not content_dir.is_dir():
        shown = display_path(config.path, base)
        return Loaded(None, [Problem(shown, 1, 1, "error", f"content folder {content_dir} does not exist",
                                     "create it or set extra.alertcast.content_dir")], False)
    files: list[SourceFile] = []
    unreadable: set[tuple[str, str, str]] = set()  # (section, stem, lang) of files with errors
    seen: dict[tuple, tuple[SourceFile | None, list[Problem]]] = {}
    for path, section in discover(content_dir):
        parsed, found = PARSE_CACHE.read(path, section, config, base, seen)
        problems += found
        if parsed:
            files.append(parsed)
        else:
            unreadable.add((section, path.name.split(".")[0], path.name.split(".")[-2] if path.name.count(".") >= 2 else ""))
    PARSE_CACHE.entries = seen  # forget files that are gone or changed
    strays = (d for d in sorted(content_dir.iterdir()) if d.is_dir() and d.name not in (*SECTIONS, "assets"))
    for path in (p for d in strays for p in sorted(d.rglob("*.md"))):
        rel = path.relative_to(content_dir)
        if len(rel.parts) > 1:
            problems.append(Problem(display_path(path, base), 1, 1, "warning",
                                    f"'{rel.parts[0]}/' is not a content section; this file is ignored",
                                    "move it to alerts/, guides/ or the content root"))
    groups: dict[tuple[str, str], list[SourceFile]] = defaultdict(list)
    for source in files:
        groups[(source.section, _id_of(source))].append(source)
    problems += _check_ids(groups)
    alerts, guides, pages = [], [], []
    for (section, item_id), sources in sorted(groups.items()):
        sources.sort(key=lambda s: config.languages.index(s.lang))
        problems += _check_translations(section, item_id, sources, config, unreadable)
        if section == "alerts":
            alerts.append(_alert(item_id, sources))
        elif section == "guides":
            guides.append(_guide(item_id, sources))
        else:
            pages.append(Page(item_id, {s.lang: _text(s) for s in sources}))
    content = Content(content_dir, tuple(alerts), tuple(guides), tuple(pages))
    from .lint import lint  # cross-file rules need the whole set

    problems += lint(content, files, config)
    return Loaded(content, sorted(set(problems)), not unreadable)


def load_or_raise(config: Config, content_dir: Path | None = None) -> Content:
    content, problems = load_content(config, content_dir)
    if content is None:
        raise ContentError(problems)
    return content


def _id_of(source: SourceFile) -> str:
    return getattr(source.matter, "id", None) or source.stem


def _check_ids(groups: dict[tuple[str, str], list[SourceFile]]) -> list[Problem]:
    problems = []
    for (_section, item_id), sources in groups.items():
        seen: dict[str, SourceFile] = {}
        for source in sources:
            if source.lang in seen:
                other = seen[source.lang]
                problems.append(source.problem(("id",), "error", f"id '{item_id}' is used by {other.shown} too",
                                               "give each alert or guide its own id"))
            seen[source.lang] = source
    return problems


# Keys whose values translations must agree on: they describe the alert, not its wording.
_SHARED = {
    "alerts": ("severity", "category", "publish_at", "expires_at", "updated_at", "banner", "channels",
               "scam_indicators", "related"),
    "guides": ("level", "order", "related"),
    "": (),
}


def _check_translations(section: str, item_id: str, sources: list[SourceFile], config: Config,
                        unreadable: set[tuple[str, str, str]]) -> list[Problem]:
    problems = []
    langs = {s.lang for s in sources}
    first = sources[0]
    for lang in config.languages:
        if lang not in langs and (section, first.stem, lang) not in unreadable:
            problems.append(first.problem((), "warning", f"no '{lang}' translation of '{item_id}'",
                                          f"add {first.path.name.replace('.' + first.lang + '.', '.' + lang + '.')}"))
    for other in sources[1:]:
        for key in _SHARED[section]:
            mine, theirs = getattr(first.matter, key), getattr(other.matter, key)
            if mine != theirs:
                problems.append(other.problem((key,), "error",
                                              f"'{key}' differs from {first.shown} ({_short(theirs)} here, {_short(mine)} there)",
                                              "translations share one alert: make the values the same"))
        if section == "alerts" and bool(first.matter.withdrawn) != bool(other.matter.withdrawn):
            problems.append(other.problem(("withdrawn",), "error", f"'withdrawn' is set in only one of {first.shown} and this file",
                                          "withdraw every translation, each with the reason in its language"))
    return problems


def _short(value: Any) -> str:
    text = value.model_dump_json() if isinstance(value, BaseModel) else str(value)
    return text if len(text) < 60 else text[:57] + "..."


def _text(source: SourceFile) -> Text:
    matter = source.matter
    return Text(source.lang, matter.title, getattr(matter, "summary", None) or "", source.body,
                source.path, source.body_line)


def _alert(item_id: str, sources: list[SourceFile]) -> Alert:
    m: AlertMatter = sources[0].matter  # type: ignore[assignment]
    channels = tuple(dict.fromkeys(IMPLICIT_CHANNELS + tuple(m.channels)))
    banner = None
    if "banner" in channels:
        b = m.banner or BannerMatter()
        banner = Banner(tuple(b.platforms), b.min_app_version, b.max_app_version, tuple(b.placement),
                        b.dismissible, b.frequency, b.action_url)
    si = m.scam_indicators
    return Alert(
        id=item_id,
        severity=Severity(m.severity),
        category=m.category,
        publish_at=m.publish_at,
        expires_at=m.expires_at,
        updated_at=m.updated_at,
        update_note={s.lang: s.matter.update_note for s in sources if s.matter.update_note},
        withdrawn={s.lang: s.matter.withdrawn for s in sources if s.matter.withdrawn},
        banner=banner,
        channels=channels,
        indicators=Indicators(tuple(si.domains), tuple(si.addresses), tuple(si.handles)),
        related=tuple(m.related),
        texts={s.lang: _text(s) for s in sources},
    )


def _guide(item_id: str, sources: list[SourceFile]) -> Guide:
    m: GuideMatter = sources[0].matter  # type: ignore[assignment]
    return Guide(item_id, m.level, m.order, tuple(m.related), m.updated_at, {s.lang: _text(s) for s in sources})
