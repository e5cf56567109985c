"""Read content/ into typed models, collecting every problem with its file and line.

Layout (the mkdocs-static-i18n suffix convention):

    content/<page>.<lang>.md           top-level pages (index, faq, official-channels, ...)
    content/alerts/<stem>.<lang>.md    alerts; one stem, one file per language
    content/guides/<stem>.<lang>.md    guides
    content/assets/...                 images and other files, copied as they are
"""

from __future__ import annotations

import errno
import glob
import os
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import Any, Callable, TypeVar

from pydantic import BaseModel, ValidationError

from .. import yamlsource
from ..config import CONFIG_FILE, Config
from ..languages import pick
from ..problems import Problem, display_path
from .frontmatter import CONTROL, EXAMPLE_TIME, SLUG, AlertMatter, BannerMatter, GuideMatter, PageMatter
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
    Update,
)
from ..timefmt import editor_time, suggest
from .official import DATA_FILE as OFFICIAL_FILE, load_official
from .parsecache import ParseCache
from .source import SourceFile
from ..validation import validation_problems

MAX_FILE_BYTES = 256 * 1024
SECTIONS = ("alerts", "guides")
#: Folders of assets/ that are the site theme's (Material's scripts and styles, alertcast's
#: verify.js): a file of content/assets/ there would be served in place of the theme's, so a
#: script in a pull request would run on every page. The site copies nothing from them.
THEME_ASSETS = ("javascripts", "stylesheets", "alertcast")
T = TypeVar("T")
_EXAMPLE_STEM = {"alerts": "fake-support-telegram", "guides": "backup-recovery-phrase", "": "official-channels"}
_NAME = re.compile(r"^(?P<stem>[^.]+)\.(?P<lang>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.md$")


def split_front_matter(text: str) -> tuple[str | None, str, int, int]:
    """Return (front matter, body, line where front matter starts, line where body starts).

    The body starts on line 0 when no '---' line closes the front matter."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text, 1, 1
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1:]), 2, index + 2
    return "".join(lines[1:]), "", 2, 0


_MATTER: dict[str, type[BaseModel]] = {"alerts": AlertMatter, "guides": GuideMatter, "": PageMatter}


def read_file(path: Path | str, section: str, config: Config, base: Path, shown: str | None = None,
              cache: ParseCache | None = None) -> tuple[SourceFile | None, list[Problem]]:
    """Parse one file; return it (or None) and the problems found in it alone.

    With a `cache`, a file whose bytes are as at the last load is not parsed again.
    """
    shown = shown or display_path(Path(path), base)
    name = os.path.basename(path)
    try:
        stat = os.stat(path)
    except OSError as exc:
        return None, [_unreadable(path, shown, exc)]
    if not S_ISREG(stat.st_mode):
        what = "a folder" if S_ISDIR(stat.st_mode) else "not a regular file"
        return None, [Problem(shown, 1, 1, "error", f"'{name}' is {what}, not a Markdown file",
                              "rename it so its name does not end in .md, or move it out of the content folder")]
    match = _NAME.match(name)
    if not match:
        return None, [Problem(shown, 1, 1, "error", "file name must be <name>.<language>.md",
                              f"rename it, e.g. {name.split('.')[0]}.{config.default_lang}.md")]
    stem, lang = match["stem"], match["lang"]
    if lang not in config.languages:
        return None, [Problem(shown, 1, 1, "error", f"language '{lang}' is not configured",
                              f"use one of {', '.join(config.languages)} or add it to extra.alertcast.languages")]
    if not SLUG.match(stem):  # it is the page's address (and id) unless the file sets an id
        fixed = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:80] or _EXAMPLE_STEM[section]
        return None, [Problem(shown, 1, 1, "error", f"file name '{stem}' is not a valid id; use lower-case letters, "
                              "digits and '-'", f"rename it, e.g. {fixed}.{lang}.md")]
    size = stat.st_size
    if size > MAX_FILE_BYTES:
        return None, [Problem(shown, 1, 1, "error", f"file is {size // 1024} KiB, over the {MAX_FILE_BYTES // 1024} KiB limit",
                              "split it into several pages")]
    try:
        zone = config.settings.timezone  # the zone a time without an offset is offered in
        if cache is None:
            return _parse(Path(path), Path(path).read_bytes(), shown, section, stem, lang, zone)
        return cache.get(os.fspath(path), (shown, section, zone), stat,
                         lambda raw: _parse(Path(path), raw, shown, section, stem, lang, zone))
    except OSError as exc:  # removed or made unreadable since it was listed
        return None, [_unreadable(path, shown, exc)]


def _unreadable(path: Path | str, shown: str, exc: OSError) -> Problem:
    """Why a listed file cannot be opened, in words, with what to do about it."""
    if os.path.islink(path):
        target = os.readlink(path)
        if exc.errno == errno.ELOOP:
            return Problem(shown, 1, 1, "error", f"symbolic link to {target} loops back on itself and never reaches a file",
                           "point the link at a real file, or delete it")
        if exc.errno == errno.ENOENT:
            return Problem(shown, 1, 1, "error", f"symbolic link to {target}, which does not exist",
                           "point the link at an existing file, or delete it")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return Problem(shown, 1, 1, "error", "file cannot be read: permission denied",
                       "make it readable by the user that runs alertcast (e.g. chmod a+r)")
    return Problem(shown, 1, 1, "error", f"file cannot be read: {exc.strerror or exc}",
                   "check that the file exists and can be opened")


def _parse(path: Path, raw: bytes, shown: str, section: str, stem: str,
           lang: str, zone: str = "UTC") -> tuple[SourceFile | None, list[Problem]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(shown, line, 1, "error", "file is not valid UTF-8", "save it as UTF-8")]
    # As reading in text mode would: universal newlines.
    text = text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")
    front, body, front_line, body_line = split_front_matter(text)
    if front is None:
        return None, [Problem(shown, 1, 1, "error", "missing front matter",
                              "start the file with a '---' line, the YAML keys, and another '---' line")]
    if body_line == 0:  # the text would be read as YAML: its error would point somewhere in the text
        return None, [Problem(shown, 1, 1, "error", "front matter is not closed: no '---' line after its keys",
                              "add a line with only '---' between the last key and the text")]
    try:
        data, positions = yamlsource.load(front, line_offset=front_line - 1, aliases=False)
    except yamlsource.YamlSyntaxError as exc:
        return None, [Problem(shown, exc.position.line, exc.position.col, "error", str(exc),
                              exc.hint or "check indentation and quote values that contain ': ' or start with '@' or '*'")]
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
        matter = schema.model_validate(data, context={"zone": zone})
    except ValidationError as exc:
        problems = validation_problems(exc, shown, positions, (), schema, "the front-matter reference in README.md")
        return None, [_time_hint(p, data, positions, zone) for p in problems]
    return SourceFile(path, shown, section, stem, lang, matter, positions, body, body_line), []


def _time_hint(problem: Problem, data: dict, positions: dict, zone: str) -> Problem:
    """A time check cannot use gets the value to paste instead, in the editors' zone, when the
    written one can be read at all (`2026-12-08 09:00`, `2026/12/08 09:00 北京时间`, `…Z`)."""
    key = problem.message.split(":")[0]
    if "timezone" in problem.message or "time zone" in problem.message:
        message, fallback = f"{key} has no time zone", f"write a full time with its offset, e.g. {EXAMPLE_TIME}"
    elif "Input should be a valid datetime" in problem.message:  # pydantic's words for text it cannot read
        message, fallback = (f"{key} is not a time like {EXAMPLE_TIME}",
                             "write the date (year-month-day), T, the time and its offset from UTC")
    elif "is a date without a time" in problem.message:
        message, fallback = problem.message, problem.hint
    else:
        return problem
    value = _value_at(data, positions, problem.line, problem.col)
    fixed = suggest(value, zone) if value is not None else None
    if fixed is None:
        return Problem(problem.path, problem.line, problem.col, problem.level, message, fallback)
    moment = datetime.fromisoformat(fixed)
    if "date without a time" in message:
        hint = f"write {fixed} ({editor_time(moment, zone)}), with the hour you mean"
    else:
        hint = f"write {fixed} ({editor_time(moment, zone)}): paste it as it is"
    return Problem(problem.path, problem.line, problem.col, problem.level, message, hint)


def _value_at(data: Any, positions: dict, line: int, col: int) -> Any:
    """The value of the key written at (line, col), or None."""
    for key, pos in positions.items():
        if key and pos.line == line and pos.col == col:
            value = data
            try:
                for part in key:
                    value = value[part]
            except (KeyError, IndexError, TypeError):
                return None
            return value
    return None


def discover(content_dir: Path) -> list[tuple[str, str]]:
    """Markdown files under content/ (path, section), in a stable order.

    Paths are strings: building a Path for each of thousands of files, most of them
    unchanged since the last load, was a fifth of a re-publish.
    """
    found = [(path, "") for path in _markdown_in(str(content_dir))]
    for section in SECTIONS:
        found += [(path, section) for path in _markdown_in(os.path.join(content_dir, section))]
    return found


def _markdown_in(folder: str) -> list[str]:
    """`sorted(folder.glob("*.md"))`: every entry so named, whatever it is (read_file says what is wrong)."""
    try:
        with os.scandir(folder) as entries:
            found = sorted(entry.path for entry in entries if entry.name.endswith(".md"))
    except (FileNotFoundError, NotADirectoryError):  # no such folder, as glob: nothing
        return []
    return found


def symlinks(content_dir: Path) -> dict[str, tuple[str, bool]]:
    """Every symbolic link under the content folder: path -> (what it points to, whether that is
    inside the folder). Links are not followed: a link in a pull request may point at the
    signing key or /proc/self/environ, and the build never reads or copies through one."""
    root = os.path.realpath(content_dir)
    found: dict[str, tuple[str, bool]] = {}
    folders = [str(content_dir)]
    while folders:
        try:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    if entry.is_symlink():
                        real = os.path.realpath(entry.path)
                        found[entry.path] = (os.readlink(entry.path), real == root or real.startswith(root + os.sep))
                    elif entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
        except OSError:  # an unreadable folder: the loader reports the files it cannot read
            continue
    return found


def _outside_sections(content_dir: Path) -> list[Path]:
    """Markdown files in sub-folders that are neither a section nor assets/ (they are ignored).

    Only those folders are searched, not the thousands of files in the sections.
    """
    found: list[Path] = []
    for folder in content_dir.iterdir():
        if folder.name in SECTIONS or folder.name == "assets" or folder.is_symlink() or not folder.is_dir():
            continue
        for parent, folders, names in os.walk(folder, onerror=lambda _error: None):  # links not followed
            folders.sort()
            found += [Path(parent, name) for name in names + folders if name.endswith(".md")]
    return sorted(found)


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


@dataclass(frozen=True)
class CheckTarget:
    """What `alertcast check PATH` is asked to check: PATH may be a project folder (the one with
    mkdocs.yml), a content folder, or one file; without PATH, the project given by --project."""

    project: Path
    content_dir: Path | None = None  # None: the one mkdocs.yml configures
    file: Path | None = None  # report only on this file (and its translations)

    @classmethod
    def of(cls, path: Path | None, project: Path | None) -> CheckTarget:
        """`project` is None when --project was not given: then the project is found above PATH."""
        if path is None:
            return cls(project or Path("."))
        if path.is_dir() and (path / CONFIG_FILE).is_file():
            return cls(path)
        if path.is_dir() and (path / "content").is_dir() and not any((path / s).is_dir() for s in SECTIONS):
            return cls(path)  # a project folder that lost its mkdocs.yml: say so, do not read it as content
        if path.name == CONFIG_FILE and path.is_file():
            return cls(path.parent)
        around = project or _project_above(path) or Path(".")
        return cls(around, path) if path.is_dir() else cls(around, None, path)

    def select(self, problems: list[Problem], config: Config) -> list[Problem]:
        """The problems this target asked about: all of them, or those of one file and its translations."""
        if self.file is None:
            return problems
        file = self.file.parent.resolve() / self.file.name  # a link is reported where it is, as the loader does
        try:
            file.relative_to(config.content_dir.resolve())
        except ValueError:
            return [Problem(display_path(file, config.root), 1, 1, "error",
                            f"this file is not in the content folder ({display_path(config.content_dir, config.root)}/)",
                            "check a file under the content folder, or pass --project for the project it belongs to")]
        stem = file.name.split(".")[0]
        mine = {display_path(p, config.root) for p in [file, *file.parent.glob(f"{glob.escape(stem)}.*.md")]}
        config_file = display_path(config.path, config.root)
        return [p for p in problems if p.path in mine or p.path == config_file]


def _project_above(path: Path) -> Path | None:
    for folder in path.resolve().parents:
        if (folder / CONFIG_FILE).is_file():
            return folder
    return None


@dataclass(frozen=True)
class Read:
    """What reading gives before the cross-file rules (checks/lint.py) run: the content (None when
    the folder cannot be read), every file that parsed, and each file's own problems."""

    content: Content | None
    files: list[SourceFile]
    problems: list[Problem]
    complete: bool


def read_all(config: Config, content_dir: Path | None = None, base: Path | None = None,
             cache: ParseCache | None = None) -> Read:
    """Read every file that parses into models and collect the problems found on the way
    (checks/load.py then runs the cross-file rules)."""
    content_dir = content_dir or config.content_dir
    base = base or config.root
    problems: list[Problem] = []
    if not content_dir.is_dir():
        shown = display_path(config.path, base)
        return Read(None, [], [Problem(shown, 1, 1, "error",
                                       f"content folder {display_path(content_dir, base)}/ does not exist",
                                       "create it or set extra.alertcast.content_dir")], False)
    files: list[SourceFile] = []
    present: set[tuple[str, str, str]] = set()  # (section, stem, lang) of every file, readable or not
    shown_in = _Shown(base)
    try:
        discovered = discover(content_dir)
    except OSError as exc:
        denied = exc.errno in (errno.EACCES, errno.EPERM)
        return Read(None, [], [Problem(display_path(Path(exc.filename or content_dir), base), 1, 1, "error",
                                       f"folder cannot be read: {'permission denied' if denied else exc.strerror or exc}",
                                       "make it readable by the user that runs alertcast (e.g. chmod a+rx)" if denied
                                       else "check that the folder exists and can be listed")], False)
    if cache is not None:
        cache.keep_only({path for path, _section in discovered})
    linked = symlinks(content_dir)
    assets = os.path.join(content_dir, "assets")
    for path, (target, inside) in sorted(linked.items()):
        if not inside:
            problems.append(Problem(shown_in(path), 1, 1, "error", f"symbolic link to {target}, outside the content "
                                    "folder: nothing is read or published through it",
                                    "put the file itself here instead of a link, or delete the link"))
        elif path == assets or path.startswith(assets + os.sep):
            problems.append(Problem(shown_in(path), 1, 1, "warning", f"symbolic link to {target}: the site copies "
                                    "no link, so it leaves this out", "put the file itself here instead of a link"))
    for path, section in discovered:
        if not linked.get(path, linked.get(os.path.dirname(path), ("", True)))[1]:
            continue  # never read through a link to outside the content folder: it has its error
        parsed, found = read_file(path, section, config, base, shown_in(path), cache)
        problems += found
        name = os.path.basename(path)
        stem_lang = (section, name.split(".")[0], name.split(".")[-2] if name.count(".") >= 2 else "")
        present.add(stem_lang)
        if parsed:
            files.append(parsed)
    complete = len(files) == len(discovered)  # False when some file could not be parsed at all
    problems += _outside_problems(content_dir, base)
    problems += _theme_asset_problems(content_dir, base)
    groups: dict[tuple[str, str], list[SourceFile]] = defaultdict(list)
    for source in files:
        groups[(source.section, _id_of(source))].append(source)
    problems += _check_ids(groups)
    problems += _check_stem_ids(files, config)
    alerts, guides, pages = [], [], []
    for (section, item_id), sources in sorted(groups.items()):
        sources.sort(key=lambda s: config.languages.index(s.lang))
        # A language is missing only when no file of that stem exists: one that does but failed to
        # parse, or that carries another id, has its own error already.
        langs = {source.lang for source in sources}
        absent = tuple(lang for lang in config.languages
                       if lang not in langs and (section, sources[0].stem, lang) not in present)
        if not _clashing(sources):  # otherwise comparing them would only repeat the id error
            problems += _joined(cache, "translations", sources, lambda section=section, item_id=item_id,
                                sources=sources, absent=absent: _check_translations(section, item_id, sources, absent,
                                                                                     config.default_lang),
                                absent)
        if section == "alerts":
            alerts.append(_joined(cache, "alert", sources, lambda i=item_id, s=sources: _alert(i, s)))
        elif section == "guides":
            guides.append(_joined(cache, "guide", sources, lambda i=item_id, s=sources: _guide(i, s)))
        else:
            pages.append(_joined(cache, "page", sources,
                                 lambda i=item_id, s=sources: Page(i, {x.lang: _text(x) for x in s})))
    official, found = load_official(content_dir, config.languages, shown_in(os.path.join(content_dir, OFFICIAL_FILE)))
    problems += found
    content = Content(content_dir, tuple(alerts), tuple(guides), tuple(pages), committed_at(content_dir), official)
    return Read(content, files, problems, complete)


class _Shown:
    """display_path for many files in few folders, resolving each folder once.

    Resolving every file's full path with pathlib was a tenth of loading a thousand
    alerts; joining strings under an already resolved folder gives the same answer.
    """

    def __init__(self, base: Path):
        self.base = str(base.resolve())
        self.folders: dict[str, str | None] = {}  # folder -> its path below base, None if outside

    def __call__(self, path: str) -> str:
        text = path
        parent, name = os.path.split(text)
        if name in ("", ".", ".."):
            return display_path(Path(path), Path(self.base))
        below = self.folders.get(parent, "?")
        if below == "?":
            folder = os.path.realpath(parent or ".")
            prefix = self.base if self.base.endswith(os.sep) else self.base + os.sep
            below = self.folders[parent] = (
                "" if folder == self.base
                else folder[len(prefix):] + os.sep if folder.startswith(prefix)
                else None)
        return text if below is None else below + name


def _joined(cache: ParseCache | None, kind: str, sources: list[SourceFile], make: Callable[[], T],
            settings: Any = ()) -> T:
    return make() if cache is None else cache.joined(kind, tuple(sources), make, settings)


def committed_at(content_dir: Path) -> datetime | None:
    """The commit time of the checkout holding `content_dir` (HEAD), or None outside git.

    Banner files are versioned by when what they say took effect; an alert merged with a
    `publish_at` or withdrawal time already past took effect at the merge, which only git knows.
    """
    try:
        found = subprocess.run(["git", "-C", str(content_dir), "log", "-1", "--format=%ct"], capture_output=True,
                               text=True, timeout=30, check=False, env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
    except (OSError, subprocess.SubprocessError):
        return None
    stamp = found.stdout.strip()
    return datetime.fromtimestamp(int(stamp), timezone.utc) if found.returncode == 0 and stamp.isdigit() else None


def _id_of(source: SourceFile) -> str:
    return getattr(source.matter, "id", None) or source.stem


def _outside_problems(content_dir: Path, base: Path) -> list[Problem]:
    """One warning per folder that is not a section: its Markdown files would silently not be published."""
    ignored: dict[str, list[Path]] = defaultdict(list)
    for path in _outside_sections(content_dir):
        ignored[path.relative_to(content_dir).parts[0]].append(path)
    problems = []
    for folder, paths in sorted(ignored.items()):
        count = f"its {len(paths)} Markdown files are" if len(paths) > 1 else "its Markdown file is"
        problems.append(Problem(display_path(paths[0], base), 1, 1, "warning",
                                f"'{folder}/' is not a content section; {count} ignored",
                                "move them to alerts/, guides/ or the content root"))
    return problems


def _theme_asset_problems(content_dir: Path, base: Path) -> list[Problem]:
    """An error for each file under one of THEME_ASSETS (the site leaves them out)."""
    problems = []
    for folder in THEME_ASSETS:
        top = content_dir / "assets" / folder
        for dirpath, _dirs, names in os.walk(top):
            for name in sorted(names):
                path = Path(dirpath) / name
                problems.append(Problem(display_path(path, base), 1, 1, "error",
                                        f"assets/{folder}/ is the site theme's folder: this file would be served in "
                                        "place of the theme's, so the site leaves it out",
                                        "move it to another folder of content/assets/"))
    return problems


def _check_stem_ids(files: list[SourceFile], config: Config) -> list[Problem]:
    """Translations (one stem, several languages) must share one id, or they become separate items."""
    stems: dict[tuple[str, str], list[SourceFile]] = defaultdict(list)
    for source in files:
        stems[(source.section, source.stem)].append(source)
    problems = []
    for (_section, stem), sources in stems.items():
        if len({_id_of(s) for s in sources}) < 2:
            continue
        sources.sort(key=lambda s: config.languages.index(s.lang))
        first = sources[0]
        for other in sources[1:]:
            if _id_of(other) == _id_of(first):
                continue
            # Point at the line that sets an id: this file's, or the first file's if only that one has one.
            blamed, there = (other, first) if getattr(other.matter, "id", None) else (first, other)
            problems.append(blamed.problem(("id",), "error",
                                           f"id '{_id_of(blamed)}' differs from {there.shown} ('{_id_of(there)}' there)",
                                           "translations of one item share its id: write the same id in every "
                                           f"language, or remove it from all to use the file name, {stem}"))
    return problems


def _check_ids(groups: dict[tuple[str, str], list[SourceFile]]) -> list[Problem]:
    """Two files of one language with the same id: blame the file(s) whose `id:` line makes it so."""
    problems = []
    for (_section, item_id), sources in groups.items():
        by_lang: dict[str, list[SourceFile]] = defaultdict(list)
        for source in sources:
            by_lang[source.lang].append(source)
        for same in by_lang.values():
            if len(same) < 2:
                continue
            for source in same:
                if getattr(source.matter, "id", None) is None:
                    continue  # its id is its file name: the other file's id line is the one to change
                others = ", ".join(o.shown for o in same if o is not source)
                problems.append(source.problem(("id",), "error", f"id '{item_id}' is used by {others} too",
                                               "give each alert or guide its own id"))
    return problems


def _clashing(sources: list[SourceFile]) -> bool:
    """Two files of one language share an id: they are not translations of each other."""
    return len({s.lang for s in sources}) < len(sources)


# Keys whose values translations must agree on: they describe the alert, not its wording.
_SHARED = {
    "alerts": ("severity", "category", "publish_at", "expires_at", "updated_at", "banner", "channels",
               "scam_indicators", "related", "status", "starts_at", "ends_at"),
    "guides": ("level", "order", "related"),
    "": (),
}


_SAME_VALUES = {"alerts": "translations share one alert: make the values the same",
                "guides": "translations share one guide: make the values the same",
                "": "translations share one page: make the values the same"}


def _check_translations(section: str, item_id: str, sources: list[SourceFile],
                        absent: tuple[str, ...], default_lang: str = "") -> list[Problem]:
    problems = []
    first = sources[0]
    written = {source.lang: source for source in sources}
    for lang in absent:
        missing = first.path.name.replace('.' + first.lang + '.', '.' + lang + '.')
        shown = pick(written, lang, default_lang)
        if shown is None:
            problems.append(first.problem((), "warning", f"no '{lang}' translation of '{item_id}'", f"add {missing}"))
            continue
        problems.append(first.problem((), "warning",
                                      f"no '{lang}' translation of '{item_id}': its {lang} readers see the {shown[0]} text",
                                      f"add {missing} to translate it"))
    for other in sources[1:]:
        for key in _SHARED[section]:
            mine, theirs = getattr(first.matter, key), getattr(other.matter, key)
            if mine != theirs:
                where, what = _difference((key,), theirs, mine)
                problems.append(other.problem(where, "error", f"'{key}' differs from {first.shown} ({what})",
                                              _SAME_VALUES[section]))
        if section == "alerts" and [u.at for u in first.matter.updates] != [u.at for u in other.matter.updates]:
            mine = ", ".join(u.at.isoformat() for u in other.matter.updates) or "none"
            theirs = ", ".join(u.at.isoformat() for u in first.matter.updates) or "none"
            problems.append(other.problem(("updates",), "error",
                                          f"the times of 'updates' differ from {first.shown} ({mine} here, {theirs} there)",
                                          "translations share one history: list the same updates, each with its note "
                                          "in this file's language"))
        if section == "alerts" and bool(first.matter.withdrawn) != bool(other.matter.withdrawn):
            problems.append(other.problem(("withdrawn",), "error", f"'withdrawn' is set in only one of {first.shown} and this file",
                                          "withdraw every translation, each with the reason in its language"))
    return problems


def _difference(key: tuple[Any, ...], here: Any, there: Any) -> tuple[tuple[Any, ...], str]:
    """Where this file's value differs from the other translation's, and how, in words that show
    the difference itself: lists by the items only one of them has, mappings key by key."""
    if isinstance(here, BaseModel) and isinstance(there, BaseModel) and type(here) is type(there):
        parts, where = [], key
        for name in type(here).model_fields:
            mine, theirs = getattr(here, name), getattr(there, name)
            if mine != theirs:
                at, what = _difference(key + (name,), mine, theirs)
                where = where if parts else at
                parts.append(f"{name}: {what}")
        return where, "; ".join(parts)
    if isinstance(here, list) and isinstance(there, list):
        only_here = [item for item in here if item not in there]
        only_there = [item for item in there if item not in here]
        if not only_here and not only_there:
            return key, f"the same items in another order: [{_items(here)}] here, [{_items(there)}] there"
        if only_here and only_there:
            said = f"only here: {_items(only_here)}, only there: {_items(only_there)}"
        else:
            said = f"only here: {_items(only_here)}" if only_here else f"only there: {_items(only_there)}"
        return (key + (here.index(only_here[0]),) if only_here else key), said
    return key, f"{_short(here)} here, {_short(there)} there"


def _items(values: list[Any]) -> str:
    return ", ".join(str(value) for value in values) if values else "none"


def _short(value: Any) -> str:
    text = value.model_dump_json() if isinstance(value, BaseModel) else str(value)
    return text if len(text) < 60 else text[:57] + "..."


def _text(source: SourceFile) -> Text:
    matter = source.matter
    return Text(source.lang, matter.title, getattr(matter, "summary", None) or "", source.body,
                source.path, source.body_line, getattr(matter, "support_reply", None) or "")


def _written_order(source: SourceFile, parent: tuple[str, ...], keys: tuple[str, ...]) -> tuple[str, ...]:
    """`keys` in the order the file writes them (those it leaves out last, in their usual order)."""
    written = {key: source.positions[parent + (key,)] for key in keys if parent + (key,) in source.positions}
    return tuple(sorted(keys, key=lambda k: (k not in written, (written[k].line, written[k].col) if k in written
                                             else (0, keys.index(k)))))


def _updates(sources: list[SourceFile]) -> tuple[Update, ...]:
    """Every update, oldest first, with its note in each language. The older single
    `updated_at` + `update_note` is one more update (for a withdrawn alert without a note,
    `updated_at` is the withdrawal, not an update)."""
    notes: dict[datetime, dict[str, str]] = defaultdict(dict)
    for source in sources:
        m: AlertMatter = source.matter  # type: ignore[assignment]
        for update in m.updates:
            notes[update.at][source.lang] = update.note
        if m.updated_at and (m.update_note or not m.withdrawn):
            note = notes[m.updated_at]
            if m.update_note:
                note[source.lang] = m.update_note
    return tuple(Update(at, note) for at, note in sorted(notes.items()))


def _alert(item_id: str, sources: list[SourceFile]) -> Alert:
    m: AlertMatter = sources[0].matter  # type: ignore[assignment]
    updates = _updates(sources)
    latest = updates[-1] if updates else None
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
        updated_at=max(filter(None, (m.updated_at, latest and latest.at)), default=None),
        update_note=dict(latest.note) if latest else {},
        withdrawn={s.lang: s.matter.withdrawn for s in sources if s.matter.withdrawn},
        banner=banner,
        channels=channels,
        indicators=Indicators(tuple(si.domains), tuple(si.addresses), tuple(si.handles),
                              _written_order(sources[0], ("scam_indicators",), ("domains", "addresses", "handles"))),
        related=tuple(m.related),
        texts={s.lang: _text(s) for s in sources},
        updates=updates,
        status=m.status,
        starts_at=m.starts_at,
        ends_at=m.ends_at,
    )


def _guide(item_id: str, sources: list[SourceFile]) -> Guide:
    m: GuideMatter = sources[0].matter  # type: ignore[assignment]
    return Guide(item_id, m.level, m.order, tuple(m.related), m.updated_at, {s.lang: _text(s) for s in sources})
