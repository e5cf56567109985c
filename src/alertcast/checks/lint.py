"""Rules that need more than one file: links, references, post lengths, indicators, placeholders.

Each rule returns problems pointing at the exact line an editor has to change.
"""

from __future__ import annotations

import html
import posixpath
import re
import sys
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Iterator
from urllib.parse import unquote, urlsplit

import jinja2
from markdown import Markdown

from ..cores import ordered_map
from ..problems import Problem, display_path
from ..testtarget import has_test_target
from ..render import length, posts, push, sanitize, weibo
from ..render.site import LEADING_H1, page_extensions, page_markdown, read_for_search
from ..testtarget import as_sent, sent_actions
from ..content.budget import OverBudget, cpu_budget
from ..content.links import FOLDERS, FileLink, file_link, links, mask_code, may_link, relative, stems
from ..content.models import SOCIAL_CHANNELS, Alert, Content, Indicators
from .wechat_rules import wechat_lengths
from ..content.placeholders import MARK, is_placeholder
from ..content.sitelinks import in_language, language_of
from ..content.source import SourceFile

if TYPE_CHECKING:
    from ..config import Config
    from ..content.parsecache import ParseCache
    from ..render.diskcache import DiskCache

_HTML_OR_MD = re.compile(r"(<[a-zA-Z/][^>]*>|\*\*|__|\[[^\]]+\]\(|^#+\s)", re.MULTILINE)


def lint(content: Content, files: list[SourceFile], config: Config, cache: ParseCache | None = None,
         budget: float | None = None, renders: DiskCache | None = None) -> list[Problem]:
    """Every cross-file problem. With a `cache`, a file's problems are reused while the file,
    its alert, the guide ids and the settings the rules read are all unchanged; links to
    other files and scam indicators (any alert's, anywhere) are always checked again, as
    those files may have come or gone.

    With a `budget` (what `check` gives), each file's page is also rendered as the site renders
    it, and its rules and rendering must finish within `budget` seconds of CPU (see
    content/budget.py). Builds give none: what passed `check` renders, and a build slowed by a
    busy machine must not refuse what `check` accepted. A page whose exact Markdown rendered in
    time before, by the same converter, is not rendered again when `renders` holds its verdict
    (render/diskcache.py); the verdicts of pages rendered now are put in it."""
    guides = frozenset(g.id for g in content.guides)
    alerts = {a.id: a for a in content.alerts}
    enabled = set(config.enabled_channels)
    # Indicators of every alert that still stands: a guide that links to one is as bad as the alert.
    indicators = frozenset(d for a in content.alerts if not a.is_withdrawn for d in a.indicators.domains)
    mentions = _mentions(content)
    item_files = stems(content)
    settings = (config.site_url, config.languages, config.settings.allowed_link_domains, config.enabled_channels,
                guides, config.settings.channels, config.root, repr(config.raw.get("markdown_extensions")))
    keys = _verdict_keys(files, config, budget, renders) if budget is not None and renders is not None else {}
    stored = renders.get_many(keys.values(), lambda v: isinstance(v, bool)) if renders and keys else {}
    verdicts = {path: stored.get(key) for path, key in keys.items()}
    unknown = [s for s in files if verdicts.get(s.path) is None] if budget is not None else []
    converters = {lang: page_markdown(config, lang) for lang in sorted({s.lang for s in unknown})}
    lengths = length.Lengths(renders)  # post lengths measured by an earlier command are not measured again
    if converters:  # what rendering loads on first use, loaded once here, not in each process below
        for converter in converters.values():
            converter.reset().convert("```\n-\n```")  # the code highlighter
        read_for_search("")  # the search plugin

    def problems_of(source: SourceFile) -> tuple[list[Problem], bool | None, dict[str, str]]:
        """The file's problems, whether its page is too deep to render when it was rendered now,
        and the cache's entries put meanwhile (a forked process hands them back to be saved)."""
        alert = alerts.get(getattr(source.matter, "id", None) or source.stem) if source.section == "alerts" else None
        known = (indicators, frozenset(alert.indicators.domains)) if alert is not None else (indicators,)
        found: list[Problem] = []
        fresh: bool | None = None  # the verdict of a page rendered now
        deep: bool | None = None
        try:  # every rule and the page's Markdown within one budget: see content/budget.py
            with cpu_budget(budget):
                if may_link(source.body):
                    found += _body_links(source, config, known, content.root, item_files)
                    found += _raw_links(source, config, known)
                hosts = _hosts(source) if cache is None else cache.joined("hosts", (source,), lambda s=source: _hosts(s))
                if hosts:
                    found += _clickable_hosts(source, hosts, config, known)
                if mentions:
                    found += _mentioned_handles(source, mentions)

                def rules(source: SourceFile = source, alert: Alert | None = alert) -> list[Problem]:
                    nonlocal deep, fresh
                    if budget is not None:
                        deep = verdicts.get(source.path)
                        if deep is None:
                            deep = fresh = _too_deep(source, converters[source.lang])
                    return [*_file_rules(source, alert, guides, enabled, config, lengths),
                            *([_deep(source)] if deep else [])]

                kind = "lint" if budget is None else "lint and render"
                found += rules() if cache is None else cache.joined(kind, (source, alert), rules, settings)
        except OverBudget:
            fresh = None
            found = [Problem(source.shown, source.body_line, 1, "error",
                             f"this page takes over {budget:g} s of CPU to check and render: its Markdown "
                             "has a shape that is slow to read (thousands of unclosed `[`, `[a](`, backticks, "
                             "`>`, or elements nested thousands deep)", "write it as ordinary text, or split it into smaller pages")]
        return found, fresh, renders.take() if renders is not None else {}

    # Rendering every page is most of `check`'s time, and no page's rules read another's
    # results: `check` shares the pages out over the cores. With a cache (the daemon's) the
    # results must stay in this process, and without rendering there is too little to share
    # (with every verdict known, the rules alone still gain from both cores at a thousand alerts).
    found = ordered_map(problems_of, files) if budget is not None and cache is None else map(problems_of, files)
    out = []
    for source, (problems, fresh, entries) in zip(files, found):
        out += problems
        if renders is not None:
            renders.add(entries)
        if fresh is not None and source.path in keys:
            renders.put(keys[source.path], fresh)  # type: ignore[union-attr]
    return out


def _verdict_keys(files: list[SourceFile], config: Config, budget: float, renders: DiskCache) -> dict[Path, str]:
    """The key of each page's render verdict: its Markdown, its language's converter settings,
    the budget and the stack it renders in."""
    if not renders.enabled:
        return {}
    stack = sys.getrecursionlimit() - _BUILD_FRAMES
    keys = {}
    for lang in sorted({s.lang for s in files}):
        pages = [s for s in files if s.lang == lang]
        found = renders.keys("renders", lang, repr(page_extensions(config, lang)), budget, stack, last=[s.body for s in pages])
        keys.update(zip((s.path for s in pages), found))
    return keys


#: Stack frames kept free when `check` renders a page, for the frames mkdocs adds above the
#: Markdown in a build: what renders here cannot overflow the stack there.
_BUILD_FRAMES = 200


def _too_deep(source: SourceFile, converter: Markdown) -> bool:
    """Render the page's Markdown and index it for search as the site will, whatever its
    `publish_at`: a page that the build could not render must fail `check` now, not every build
    once it is due. True when it is nested too deeply to render."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit - _BUILD_FRAMES)
    try:
        read_for_search(converter.reset().convert(source.body))
    except RecursionError:
        return True
    finally:
        sys.setrecursionlimit(limit)
    return False


def _deep(source: SourceFile) -> Problem:
    return Problem(source.shown, source.body_line, 1, "error", "the page's Markdown is nested too deeply to "
                   "render (lists, quotes, emphasis or HTML inside each other)", "nest fewer levels")


def _file_rules(source: SourceFile, alert: Alert | None, guides: frozenset[str], enabled: set[str],
                config: Config, lengths: length.Lengths) -> Iterator[Problem]:
    """The rules that read only this file, its alert, the guide ids and settings."""
    yield from _related(source, guides)
    yield from _dropped_html(source, config)
    yield from _summary_plain(source)
    yield from _placeholders(source)
    yield from _unspaced_headings(source)
    if source.lang.startswith("zh"):
        yield from _half_width_punctuation(source)
        yield from _mixed_register(source)
    if source.section in ("alerts", "guides"):
        yield from _empty_sections(source)
    if source.section == "alerts" and alert is not None:
        yield from _still_stands(source)
        yield from _banner(source, config)
        yield from _channels(source, enabled) if alert.is_public else _test_targets(source, config)
        yield from _post_lengths(source, alert, config, lengths)
        yield from _push_lengths(source, alert, config)
        yield from _weibo_post(source, alert, config)
        yield from wechat_lengths(source, alert, config)


def _related(source: SourceFile, guides: frozenset[str]) -> Iterator[Problem]:
    for index, ref in enumerate(getattr(source.matter, "related", []) or []):
        if ref not in guides:
            yield source.problem(("related", index), "error", f"related guide '{ref}' does not exist",
                                 f"use the id of a guide in guides/ ({_nearest(ref, guides)})")


def _nearest(name: str, options: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(options), n=1)
    return f"did you mean '{close[0]}'?" if close else "see content/guides/"


def _where(source: SourceFile, body: str, offset: int) -> tuple[int, int]:
    line = source.body_line + body.count("\n", 0, offset)
    col = offset - (body.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _body_links(source: SourceFile, config: Config, indicators: tuple[frozenset[str], ...], root: Path,
                files: dict[tuple[str, str], str]) -> Iterator[Problem]:
    """Links to other pages must lead to a page the site has: the file of an alert, guide or page
    (the site serves it at the item's id, see links.py), or another file that exists."""
    body = source.body
    resolved = None  # resolved only when a link needs it: resolving is a syscall per path part
    for match in links(body):
        target, offset = match.group("target"), match.start("target")
        line, col = _where(source, body, offset)
        if "&" in target:  # the site's HTML reads entities: &#46; is a dot
            target = html.unescape(target)
        parts = urlsplit(target)
        if not sanitize.allowed_url(target):
            yield Problem(source.shown, line, col, "error", f"a {_scheme(target)}: address is removed "
                          "from the page (the site keeps http, https, mailto and tel links)",
                          "link to a page or a web address, or leave the link out")
            continue
        if parts.scheme in ("http", "https"):
            if _indicator_of((parts.hostname or "").lower(), indicators):
                continue  # an error from _clickable_hosts, at the same place
            if match.group(0).startswith("!") and not sanitize.allowed_image(target, _image_hosts(config)):
                continue  # an error from _dropped_html, at the same place
            corrected = in_language(target, source.lang, config)
            if corrected:
                yield Problem(source.shown, line, col, "warning",
                              f"link to the {language_of(target, config)[0]} page {target} from this {source.lang} file: "
                              "its readers land on a page in another language",
                              f"link to {corrected}, or to the file (e.g. ../guides/NAME.md), which follows the "
                              "reader's language")
            if not config.allows_link(target):
                yield Problem(source.shown, line, col, "warning", f"link to {parts.hostname}, a domain not on the allow-list",
                              "link only to official domains, or add it to extra.alertcast.allowed_link_domains")
            continue
        if parts.scheme or target.startswith(("#", "/")) or not parts.path:
            continue
        link = file_link(source.section, target, config.languages)
        if link is not None:
            yield from _file_link(source, line, col, target, link, root, config.languages, files)
            continue
        resolved = resolved or root.resolve()
        if not _exists(source.path.parent, parts.path, resolved):
            yield Problem(source.shown, line, col, "error", f"broken link: {target} does not exist",
                          "link to another page by its file, e.g. ../guides/backup-recovery-phrase.md")


def _raw_links(source: SourceFile, config: Config, indicators: tuple[frozenset[str], ...]) -> Iterator[Problem]:
    """Addresses in raw HTML, as a browser reads them (entities decoded), under the rules of
    Markdown links: a scam indicator is never a link, other domains are on the allow-list."""
    for tag in _html_tags(source):
        for name, value in tag.attrs:
            if name not in sanitize.URL_ATTRIBUTES or not value or not sanitize.allowed_url(value):
                continue  # an address the page drops is an error of _dropped_html
            parts = urlsplit(value.strip())
            if parts.scheme not in ("http", "https") or not parts.hostname:
                continue
            host = unquote(parts.hostname).lower()  # browsers read %2E in a host name as a dot
            domain = _indicator_of(host, indicators)
            if domain is not None and host == parts.hostname.lower():
                continue  # the host is in the text as the page shows it: an error from _clickable_hosts
            if domain is not None:
                named = domain if host == domain else f"{domain} (as {host})"
                yield Problem(source.shown, tag.line, tag.col, "error",
                              f"scam indicator {named} is written so that it can become a clickable link",
                              f"write it defanged as `{posts.defang(host)}` (in backticks), never as a link")
            elif not config.allows_host(host) and not (tag.name == "img" and name == "src"):
                yield Problem(source.shown, tag.line, tag.col, "warning",
                              f"link to {host}, a domain not on the allow-list",
                              "link only to official domains, or add it to extra.alertcast.allowed_link_domains")


@dataclass(frozen=True)
class _Tag:
    """A raw HTML start tag in a body: where it is, its name and its attributes (values decoded)."""

    line: int
    col: int
    name: str
    attrs: tuple[tuple[str, str | None], ...]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, int, str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if ":" not in tag and "@" not in tag and "." not in tag:  # <https://...> and <a@b.c> are autolinks
            line, col = self.getpos()
            self.found.append((line, col, tag, attrs))


def _html_tags(source: SourceFile) -> list[_Tag]:
    """Every raw HTML start tag outside code, positioned in the file."""
    body = source.text_body
    if "<" not in body:
        return []
    parser = _Tags()
    parser.feed(body)
    parser.close()
    return [_Tag(source.body_line + line - 1, col + 1, tag, tuple(attrs)) for line, col, tag, attrs in parser.found]


def _scheme(address: str) -> str:
    """The scheme a browser reads in `address` (it ignores tabs, newlines and leading spaces)."""
    return "".join(c for c in address if c not in "\t\n\r").strip().split(":", 1)[0].lower()


def _image_hosts(config: Config) -> tuple[str, ...]:
    return (config.site_host, *config.settings.allowed_link_domains)


#: `{: #id .class key=value }` (attr_list): the keys it sets as attributes.
_ATTR_LIST = re.compile(r"\{:?[ \t]*(?:[#.][^\s{}]+[ \t]+)*[A-Za-z_][^{}\n]*=[^{}\n]*\}")
_ATTR_KEY = re.compile(r"(?:^|[\s{:])([A-Za-z_:][-\w:.]*)=")


def _dropped_html(source: SourceFile, config: Config) -> Iterator[Problem]:
    """Each raw tag or attribute the site's sanitiser removes (render/sanitize.py), where it is
    written, so that nothing an editor wrote disappears without a word."""
    hint = "the site removes it from the page; write Markdown instead (docs/security.md lists what HTML is kept)"
    for tag in _html_tags(source):
        if tag.name not in sanitize.TAGS:
            message = (f"raw HTML <{tag.name}> and its content is not allowed" if tag.name in sanitize.REMOVED_WITH_CONTENT
                       else f"raw HTML <{tag.name}> is not allowed")
            yield Problem(source.shown, tag.line, tag.col, "error", message, hint)
            continue
        for name, value in tag.attrs:
            if name == "markdown" or (tag.name == "input" and name == "type"):  # md_in_html reads the first;
                continue  # an input's type has its own error below
            if not sanitize.allowed_attribute(tag.name, name, value):
                yield Problem(source.shown, tag.line, tag.col, "error",
                              f"attribute {name} on <{tag.name}> is not allowed", hint)
            elif name in sanitize.URL_ATTRIBUTES and value and not sanitize.allowed_url(value):
                yield Problem(source.shown, tag.line, tag.col, "error",
                              f"a {_scheme(value)}: address in {name} on <{tag.name}> is "
                              "not allowed", "use an http, https, mailto or tel address, or a page of the site")
            elif tag.name == "img" and name == "src" and value and not sanitize.allowed_image(value, _image_hosts(config)):
                yield Problem(source.shown, tag.line, tag.col, "error",
                              f"image from {urlsplit(value.strip()).hostname}, a domain not on the allow-list, is not "
                              "shown (it would tell that host the address of every reader)",
                              "put the image under content/assets/, or add the domain to "
                              "extra.alertcast.allowed_link_domains")
        if tag.name == "input" and not any(name == "type" and (value or "").lower() in ("radio", "checkbox")
                                           for name, value in tag.attrs):
            yield Problem(source.shown, tag.line, tag.col, "error", "<input> is allowed only as a checkbox or a radio "
                          "button", hint)
    body = source.text_body
    if "=" in body and "{" in body:
        for found in _ATTR_LIST.finditer(body):
            for key in _ATTR_KEY.findall(found.group(0)):
                if key.lower() not in sanitize.COMMON and not any(
                        sanitize.allowed_attribute(tag, key, None) for tag in sanitize.ATTRIBUTES):
                    line, col = _where(source, body, found.start())
                    yield Problem(source.shown, line, col, "error",
                                  f"attribute {key} (set with {{ }}) is not allowed", hint)
    for match in links(source.body):
        target = match.group("target")
        if match.group(0).startswith("!") and sanitize.allowed_url(html.unescape(target)) and not \
                sanitize.allowed_image(html.unescape(target), _image_hosts(config)):
            line, col = _where(source, source.body, match.start("target"))
            yield Problem(source.shown, line, col, "error",
                          f"image from {urlsplit(html.unescape(target)).hostname}, a domain not on the allow-list, is "
                          "not shown (it would tell that host the address of every reader)",
                          "put the image under content/assets/, or add the domain to "
                          "extra.alertcast.allowed_link_domains")


def _file_link(source: SourceFile, line: int, col: int, target: str, link: FileLink, root: Path,
               languages: tuple[str, ...], files: dict[tuple[str, str], str]) -> Iterator[Problem]:
    if link.folder in FOLDERS and (link.folder, link.stem) in files:
        return
    folder = root / link.folder
    if link.folder == "assets" or link.folder.startswith("assets/"):
        if (folder / link.name).is_file():  # copied to the site as it is
            return
    else:
        names = [link.name] if link.stem is None else [f"{link.stem}.md", *(f"{link.stem}.{lang}.md" for lang in languages)]
        if any((folder / name).is_file() for name in names):
            if link.folder in FOLDERS:
                return  # a file that did not load: it has an error of its own
            yield Problem(source.shown, line, col, "error",
                          f"link to {target}, a page the site does not have ('{link.folder}/' is not a content section)",
                          "link to a page in alerts/, guides/ or the content root, by its file")
            return
    named = next((stem for (where, stem), item in files.items() if where == link.folder and item == link.stem), None)
    if named is not None:  # the item's id, not its file name
        written = relative(source.section, posixpath.join(link.folder, f"{named}.md")) + link.rest
        hint = f"link to its file, {written} ('{link.stem}' is that item's id, not its file name)"
    else:
        hint = "link to another page by its file, e.g. ../guides/backup-recovery-phrase.md"
    yield Problem(source.shown, line, col, "error", f"broken link: {target} does not exist", hint)


def _exists(base_dir: Path, target: str, root: Path) -> bool:
    """A link to a file that is not Markdown (an image under assets/, say), or to a folder."""
    path = (base_dir / target).resolve()
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return path.exists()


# A host name as linkifiers see one: labels joined by dots, optionally after a scheme; not
# preceded by a letter, digit, dot or hyphen (then it would be part of a longer name).
_DOMAIN = re.compile(r"(?<![a-z0-9.-])(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)"
                     r"(?![a-z0-9-])", re.IGNORECASE | re.ASCII)
_DOTTED = re.compile(r"[a-z0-9]\.[a-z0-9]", re.IGNORECASE | re.ASCII)  # what every host name has
_TEXT_KEYS = ("title", "summary", "update_note", "withdrawn", "support_reply")


def _front_texts(source: SourceFile) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(where, text) of each front-matter text that goes verbatim into banners, feeds and posts:
    the keys above and the note of every update."""
    for key in _TEXT_KEYS:
        text = getattr(source.matter, key, None)
        if text:
            yield (key,), text
    for index, update in enumerate(getattr(source.matter, "updates", None) or ()):
        yield ("updates", index, "note"), update.note


def _hosts(source: SourceFile) -> tuple[tuple[tuple[str | int, ...] | None, int, str, str], ...]:
    """Every host name in the file that could become a link: (front-matter key, or None for the
    body outside code; offset; host in lower case; as written from the scheme on). Indicators
    change often and files rarely, so this is kept per file and only looked up on each load."""
    found = []
    if _DOTTED.search(source.body):  # most bodies name no host at all: skip masking and the full scan
        found += [(None, m.start(), m.group(1).lower(), m.group(0)) for m in _DOMAIN.finditer(source.text_body)]
    if "&" in source.body:  # the page shows `wallet-verify&#46;example` as the host name: read it as shown
        start = 0
        for line in source.text_body.split("\n"):
            decoded = html.unescape(line) if "&" in line else line
            if decoded != line:
                found += [(None, start + min(m.start(), len(line) - 1), m.group(1).lower(), m.group(0))
                          for m in _DOMAIN.finditer(decoded) if m.group(0) not in line]
            start += len(line) + 1
    for where, text in _front_texts(source):
        if _DOTTED.search(text):
            found += [(where, m.start(), m.group(1).lower(), m.group(0)) for m in _DOMAIN.finditer(text)]
    return tuple(found)


def _indicator_of(host: str, indicators: tuple[frozenset[str], ...]) -> str | None:
    """The indicator domain that `host` is, or is a subdomain of."""
    labels = host.split(".")
    for start in range(len(labels) - 1):
        suffix = ".".join(labels[start:])
        if any(suffix in known or "*." + suffix in known for known in indicators):
            return suffix
    return None


def _mentions(content: Content) -> dict[str, str]:
    """Scam handles that networks would turn into a mention of that account, lower-cased -> as listed."""
    found = {}
    for alert in content.alerts:
        for handle in alert.indicators.handles:
            name = handle.partition(":")[2].strip()
            if name.startswith("@") and not alert.is_withdrawn:
                found[name.lower()] = handle
    return found


_MENTION = re.compile(r"(?<![\w@])@[\w.]+", re.ASCII)


def _mentioned_handles(source: SourceFile, mentions: dict[str, str]) -> Iterator[Problem]:
    """`@handle` in a post links to (and notifies) that account: a scam account must not get one."""
    for where, text in _front_texts(source):
        if "@" not in text:
            continue
        key = where[-1]
        for match in _MENTION.finditer(text):
            handle = mentions.get(match.group(0).rstrip(".").lower())
            if handle:
                yield source.problem(where, "error", f"{key} names scam handle {handle}, which networks turn into a "
                                     "link to that account", "leave the handle to the alert's page, or write it without "
                                     "the @")


def _clickable_hosts(source: SourceFile, hosts: tuple[tuple[tuple[str | int, ...] | None, int, str, str], ...],
                     config: Config,
                     indicators: tuple[frozenset[str], ...]) -> Iterator[Problem]:
    """Scam indicators may appear only defanged, anywhere. Titles, summaries, update notes and
    withdrawal reasons go verbatim into banners, feeds and posts, where networks turn any host
    name into a link: there only allowed domains may appear at all."""
    for where, offset, host, written in hosts:
        domain = _indicator_of(host, indicators)
        key = where[-1] if where else None
        if where is None:
            if domain is not None:
                line, col = _where(source, source.body, offset)
                named = domain if host == domain else f"{domain} (as {host})"
                yield Problem(source.shown, line, col, "error",
                              f"scam indicator {named} is written so that it can become a clickable link",
                              f"write it defanged as `{posts.defang(written.split('://')[-1])}` (in backticks), "
                              "never as a link")
        elif domain is not None:
            yield source.problem(where, "error", f"{key} names scam indicator {domain} in a form that becomes a link",
                                 f"banners and posts show the {key} as it is: write it defanged, {posts.defang(host)}")
        elif config.allows_host(host):
            continue
        elif "://" in written:
            yield source.problem(where, "error", f"{key} links to {host}, a domain not on the allow-list",
                                 "banners and posts may link only to allowed domains; remove the link or add the "
                                 "domain to extra.alertcast.allowed_link_domains")
        elif host.rsplit(".", 1)[-1].isalpha():  # "8.4.2" is a version, not a host
            yield source.problem(where, "error",
                                 f"{key} mentions {host}, a domain not on the allow-list, which networks turn into a link",
                                 f"write it defanged, {posts.defang(host)}, or add the domain to "
                                 "extra.alertcast.allowed_link_domains")


#: A withdrawal reason that says the warning still holds: the editor meant a correction.
_STILL_STANDS = re.compile(r"仍然有效|依然有效|依旧有效|仍有效|继续有效|仍然成立|依然成立|仍成立|仍然适用|依然适用|仍适用"
                           r"|still (?:valid|stands|applies|holds|true|in (?:effect|force))"
                           r"|remains? (?:valid|in (?:effect|force)|true)", re.IGNORECASE)


def _still_stands(source: SourceFile) -> Iterator[Problem]:
    """`withdrawn` is for a warning that was wrong as a whole: it takes the banner down, deletes
    or corrects the posts and drops the indicators from the blocklist. A reason saying the
    warning still stands is a correction written in the wrong place."""
    reason = getattr(source.matter, "withdrawn", None)
    found = _STILL_STANDS.search(reason or "")
    if found:
        yield source.problem(("withdrawn",), "warning",
                             f"the withdrawal reason says the warning still stands ('{found.group(0)}'), yet "
                             "withdrawn takes the alert out of the banner, deletes or corrects its posts and "
                             "removes its indicators from indicators.json",
                             "to correct a detail, remove withdrawn and add an entry to updates: "
                             "(at: the time of the change, note: what changed)")


def _banner(source: SourceFile, config: Config) -> Iterator[Problem]:
    matter = source.matter
    if matter.banner is not None and "banner" not in matter.channels:
        yield source.problem(("banner",), "warning", "banner settings are ignored: 'banner' is not in channels",
                             "add banner to channels, or remove the banner block")
    url = matter.banner.action_url if matter.banner else None
    if url and not config.allows_link(url):
        yield source.problem(("banner", "action_url"), "error", f"banner action_url {url} is not on an allowed domain",
                             "link to the help site or a domain in extra.alertcast.allowed_link_domains")


def _channels(source: SourceFile, enabled: set[str]) -> Iterator[Problem]:
    for index, name in enumerate(source.matter.channels):
        if name in SOCIAL_CHANNELS and name not in enabled:
            yield source.problem(("channels", index), "warning", f"channel '{name}' is not configured, so nothing will be posted there",
                                 f"add '{name}' under extra.alertcast.channels in mkdocs.yml, or remove it here")


def _test_targets(source: SourceFile, config: Config) -> Iterator[Problem]:
    """A test or exercise alert goes only to test targets: each social channel it lists needs one."""

    status = source.matter.status
    for index, name in enumerate(source.matter.channels):
        if name in SOCIAL_CHANNELS and not has_test_target(config, name):
            yield source.problem(("channels", index), "error",
                                 f"channel '{name}' has no test target, and an alert with status {status} is sent only to "
                                 "test targets",
                                 f"add a test chat, topic or list under extra.alertcast.channels.{name}.test in "
                                 f"mkdocs.yml (docs/social.md, Rehearsals), or remove '{name}' here")


def _summary_plain(source: SourceFile) -> Iterator[Problem]:
    summary = getattr(source.matter, "summary", None) or ""
    if _HTML_OR_MD.search(summary):
        yield source.problem(("summary",), "warning", "summary contains Markdown or HTML; banners and posts show it as plain text",
                             "write the summary as plain sentences")
    if _HTML_OR_MD.search(getattr(source.matter, "support_reply", None) or ""):
        yield source.problem(("support_reply",), "warning", "support_reply contains Markdown or HTML; agents paste it "
                             "into chats as plain text", "write the reply as plain sentences, with full links")


_PLACEHOLDER_NAMES = {"update_note": "update note", "withdrawn": "withdrawal reason", "note": "update note"}
#: The usual ones as whole sentences, so that each is translated as one.
_PLACEHOLDER_MESSAGES = {
    "title": "placeholder left from `alertcast new`: write the title",
    "summary": "placeholder left from `alertcast new`: write the summary",
    "update_note": "placeholder left from `alertcast new`: write the update note",
    "note": "placeholder left from `alertcast new`: write the update note",
    "withdrawn": "placeholder left from `alertcast new`: write the withdrawal reason",
}


def _placeholders(source: SourceFile) -> Iterator[Problem]:
    """Text `alertcast new` wrote for the editor to replace: it must never go live."""
    for where, text in _front_texts(source):
        if is_placeholder(text):
            what = _PLACEHOLDER_NAMES.get(str(where[-1]), str(where[-1]))
            message = _PLACEHOLDER_MESSAGES.get(str(where[-1]), f"placeholder left from `alertcast new`: write the {what}")
            yield source.problem(where, "error", message, "replace the TODO text with your own")
    if MARK not in source.body:  # masking code only blanks characters: no placeholder line without it
        return
    body = source.text_body
    heading = None
    for number, text in enumerate(body.split("\n")):
        found = _HEADINGS.match(text)
        if found:
            heading = found.group(2).strip()
        elif is_placeholder(text.lstrip("-*+0123456789. ")):
            message = (f"placeholder left from `alertcast new`: write the section '{heading}'" if heading
                       else "placeholder left from `alertcast new`: write the text")
            yield Problem(source.shown, source.body_line + number, 1, "error", message,
                          "replace the TODO line with your own text")


_HEADINGS = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$", re.MULTILINE)


_UNSPACED_HEADING = re.compile(r"^(#{1,6})(?=[^#\s])(.*)$", re.MULTILINE)


def _unspaced_headings(source: SourceFile) -> Iterator[Problem]:
    """`##如何识别`: the site makes it a heading, GitHub's preview (and every CommonMark reader)
    shows the hashes as text, so the editor sees one thing and readers another."""
    if "#" not in source.body:
        return
    body = source.text_body
    for found in _UNSPACED_HEADING.finditer(body):
        hashes, rest = found.group(1), found.group(2).strip()
        yield Problem(source.shown, source.body_line + body.count("\n", 0, found.start()), 1, "warning",
                      f"'{hashes}{rest[:30]}' has no space after '{hashes}': the site shows a heading, GitHub shows text",
                      f"write '{hashes} {rest[:30]}' for a heading, or start the line with '\\#' for text")


_FULL_WIDTH = {",": "，", ";": "；", "!": "！", "?": "？", ":": "：", "(": "（", ")": "）"}
_PUNCTUATION = re.compile(r"[,;!?:()]")
#: Link targets and bare addresses, which are not prose.
_NOT_PROSE = re.compile(r"\]\([^)\s]*\)|<?https?://[^\s>]*>?")


def _han(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def _half_width_in(text: str) -> list[int]:
    """Offsets of ASCII punctuation touching a Chinese character: what an input method types when
    it is switched to English mid-sentence. `: ` (a colon and a space) is left alone: "键: 值" is
    YAML. The few candidates are found first (a scan in C), so a page costs microseconds."""
    found = []
    for mark in _PUNCTUATION.finditer(text):
        at = mark.start()
        before, after = at > 0 and _han(text[at - 1]), at + 1 < len(text) and _han(text[at + 1])
        if after or (before and (text[at] != ":" or text[at + 1:at + 2] not in (" ", "\n", ""))):
            found.append(at)
    kept, targets = [], {}  # the link targets and addresses of each line that has a candidate
    for at in found:
        start = text.rfind("\n", 0, at) + 1
        if start not in targets:
            end = text.find("\n", at)
            targets[start] = [m.span() for m in _NOT_PROSE.finditer(text, start, len(text) if end < 0 else end)]
        if not any(a <= at < b for a, b in targets[start]):
            kept.append(at)
    return kept


def _half_width_punctuation(source: SourceFile) -> Iterator[Problem]:
    """`请先核对地址,再转账` in a Chinese file: the site shows the comma as typed. One warning per
    line (the first such character) in the body, and per title, summary, reason or support reply."""
    def problem(char: str, line: int, col: int) -> Problem:
        return Problem(source.shown, line, col, "warning", f"half-width '{char}' in Chinese text",
                       f"write the full-width '{_FULL_WIDTH[char]}'; put code, addresses and YAML in backticks")

    for key in ("title", "summary", "withdrawn", "support_reply"):
        text = getattr(source.matter, key, None)
        found = _half_width_in(text) if isinstance(text, str) else []
        if found:
            pos = source.at(key)
            yield problem(text[found[0]], pos.line, pos.col)
    body, lines = source.text_body, set()
    for at in _half_width_in(body):
        line, col = _where(source, body, at)
        if line not in lines:
            lines.add(line)
            yield problem(body[at], line, col)


#: What a text quotes (a scammer's "抱歉给您带来不便") keeps its own register.
_QUOTED = re.compile(r"“[^”\n]*”")


def _mixed_register(source: SourceFile) -> Iterator[Problem]:
    """你 and 您 in one text: the reader is addressed two ways at once. Each text is judged on its
    own (the page's body, its title, summary, reason and support reply may each pick one), at the
    first 你 or 您 of the register it uses less."""
    texts = [(key, getattr(source.matter, key, None)) for key in ("title", "summary", "withdrawn", "support_reply")]
    for key, text in [*texts, (None, source.text_body)]:
        if not isinstance(text, str) or "您" not in text or "你" not in text:
            continue
        said = _QUOTED.sub(lambda m: " " * len(m.group(0)), text)
        if "您" not in said or "你" not in said:
            continue
        counts = {word: said.count(word) for word in "你您"}
        minority = min("你您", key=lambda word: (counts[word], -said.index(word)))  # a tie: the later one
        majority = "你" if minority == "您" else "您"
        message = f"'{minority}' in a text that otherwise says '{majority}'"
        hint = f"address the reader one way in each text: write '{majority}' here too (quoted words may keep theirs)"
        if key is None:
            line, col = _where(source, said, said.index(minority))
            yield Problem(source.shown, line, col, "warning", message, hint)
        else:
            yield source.problem((key,), "warning", message, hint)


def _empty_sections(source: SourceFile) -> Iterator[Problem]:
    """A heading with nothing under it before the next heading of the same or a higher level;
    a `#` heading below the text's start (the page's title is generated from `title`)."""
    body = source.body
    if "#" not in body:
        return
    if "```" in body or "~~~" in body:  # a "# comment" in a code block is not a heading
        body = mask_code(body)
    found = list(_HEADINGS.finditer(body))
    title = str(getattr(source.matter, "title", "") or "").strip()
    for here in found:
        if len(here.group(1)) != 1:
            continue
        line, text = source.body_line + body.count("\n", 0, here.start()), here.group(2)
        if body[:here.start()].strip() or not LEADING_H1.match(body):
            yield Problem(source.shown, line, 1, "warning",
                          f"'# {text[:30]}' is a second top heading: the page's title is its only one",
                          f"write '## {text[:30]}' for a section")
        elif text.strip() != title:  # the site drops it, taking it for the title
            yield Problem(source.shown, line, 1, "warning",
                          f"'# {text[:30]}' at the start is left out: the page shows its title '{title[:30]}' there",
                          f"delete the line, or write '## {text[:30]}' for a section")
    for here, after in zip(found, found[1:] + [None]):
        if body[here.end():after.start() if after else len(body)].strip():
            continue
        if after is not None and len(after.group(1)) > len(here.group(1)):
            continue  # it holds sub-sections, each checked in turn
        yield Problem(source.shown, source.body_line + body.count("\n", 0, here.start()), 1, "error",
                      f"section '{here.group(2)}' is empty", "write what belongs under the heading, or delete it")


_NETWORK = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon", "telegram": "Telegram", "discord": "Discord",
            "slack": "Slack", "matrix": "Matrix", "webhook": "the webhook", "email": "email", "fcm": "FCM",
            "weibo": "Weibo", "wechat": "WeChat"}
_PROBE = "\u2060alertcast-probe\u2060"  # stands in for the text being measured; no template writes it


def _post_lengths(source: SourceFile, alert: Alert, config: Config, lengths: length.Lengths) -> Iterator[Problem]:
    """Render each post made from this file, as the broadcaster will, and refuse any that the
    renderer would have to cut: a cut warning can lose exactly the sentence that matters. A channel
    is judged only in the language it posts in (its `lang`), in the file its text comes from. How
    much to shorten is counted with the scam indicators in: a post keeps at least the first."""
    lang = source.lang
    for channel in alert.channels:
        if channel not in length.RULES or channel not in config.enabled_channels:
            continue
        sent, sent_config, marked = as_sent(alert, config, channel)  # a test alert: its test target's, marked
        posts_in = posts.channel_lang(sent_config, channel)
        if (posts_in if posts_in in alert.texts else config.default_lang) != lang:
            continue  # the channel never posts this file's text
        over = []  # (lengths with all / the first indicator, or None when unknown, action, post, key, its name)
        try:
            for action in sent_actions(alert):
                post = posts.render(sent, sent_config, channel, action, lang, rehearsal=marked, lengths=lengths)
                if post.truncated or not post.fits:
                    (field, text), note = _written(action), False
                    if action == "update":  # the shipped templates lead with the note and drop the summary
                        note = _uncut_length(sent, sent_config, channel, action, lang, lengths, marked,
                                             note=True) is not None
                        field, text = (_note_key(source, alert), "the update note") if note else (field, text)
                    full = (_uncut_length(sent, sent_config, channel, action, lang, lengths, marked, note=note),
                            _uncut_length(sent, sent_config, channel, action, lang, lengths, marked, note=note, keep=1),
                            _uncut_length(sent, sent_config, channel, action, lang, lengths, marked, note=note, keep=0))
                    over.append((full, action, post, field, text))
        except jinja2.TemplateError as exc:  # a project's own template: say where, never a traceback
            yield _template_problem(source, config, channel, exc)
            continue
        if not over:
            continue
        (full, first, bare), action, post, field, text = max(over, key=lambda item: item[0][0] or 0)  # the update may be longer
        kind = {"post": "post", "update": "update post", "withdraw": "withdrawal post"}[action]
        counted = f"as {_NETWORK[channel]} counts: {post.unit.replace(' (', ', ').rstrip(')')}"
        items = posts.indicators(alert, lang)
        hint = ""
        if full is None:
            message = f"the {channel} {kind} is over {post.limit} ({counted}) and would be cut; shorten {text}"
        elif not items or bare == full:  # no indicators, or a template that does not list them
            message = f"the {channel} {kind} is {full}/{post.limit} ({counted}); shorten {text} by at least {full - post.limit}"
        elif len(items) == 1 or first is None or first >= full:
            message = (f"the {channel} {kind} is {full}/{post.limit} with its scam indicators ({counted}); "
                       f"shorten {text} by at least {full - post.limit} to keep them in the post")
        else:
            message = (f"the {channel} {kind} is {full}/{post.limit} with its {len(items)} scam indicators "
                       f"({counted}); shorten {text} by at least {first - post.limit} to keep the first one "
                       f"({items[0]}), or by {full - post.limit} to keep all {len(items)}")
            hint = "the post lists the scam indicators in the order written: put the most important first"
        yield source.problem(field, "error", message, hint)


def _push_lengths(source: SourceFile, alert: Alert, config: Config) -> Iterator[Problem]:
    """Refuse a push whose title or body in this file's language is longer than a phone shows
    (render/push.py): the push would be cut, and a cut warning can lose what matters. Every
    language is pushed (one topic each), so every file is judged, each for its own text."""
    if "fcm" not in alert.channels or "fcm" not in config.enabled_channels:
        return
    if len(alert.id) > 64:
        yield source.problem(("id",), "error", f"the fcm push collapses by the alert's id, and APNs takes at most "
                             f"64 characters ({len(alert.id)} here)",
                             "give the alert a shorter id: write id: in the front matter of each language, "
                             "or rename its files")
    sent, sent_config, marked = as_sent(alert, config, "fcm")
    title_said = False
    for action in sent_actions(alert):
        if not marked and not push.wanted(alert, config, action):  # a rehearsal pushes every step
            continue
        found = next((p for p in push.pushes(sent, sent_config, action, marked) if p.lang == source.lang), None)
        if found is None:
            continue
        if found.title_cut and not title_said:
            title_said = True
            yield source.problem(("title",), "error", f"the fcm push title is {found.title_length}/{push.TITLE_LIMIT} "
                                 "characters with its marker, more than Android shows",
                                 f"shorten the title by at least {found.title_length - push.TITLE_LIMIT}")
        if found.body_cut:
            if action == "withdraw":
                key, what = ("withdrawn",), "the withdrawal reason"
            elif action == "update" and sent.update_note.get(source.lang):
                key, what = _note_key(source, alert), "the update note"
            else:
                key, what = ("summary",), "the summary"
            yield source.problem(key, "error", f"the fcm {action} push body is {found.body_length}/{push.BODY_LIMIT} "
                                 "characters, more than Android shows",
                                 f"shorten {what} by at least {found.body_length - push.BODY_LIMIT}")


def _weibo_post(source: SourceFile, alert: Alert, config: Config) -> Iterator[Problem]:
    """Refuse a Weibo post its share API would refuse: one with a `#topic#` (two # signs, in the
    editor's text or a project's template), or one without a link on the app's safe domain."""
    if "weibo" not in alert.channels or "weibo" not in config.enabled_channels:
        return
    sent, sent_config, marked = as_sent(alert, config, "weibo")
    posts_in = posts.channel_lang(sent_config, "weibo")
    if (posts_in if posts_in in alert.texts else config.default_lang) != source.lang:
        return  # the channel never posts this file's text
    domain = str(getattr(sent_config.settings.channels["weibo"], "safe_domain", "") or "")
    for action in sent_actions(alert):
        try:
            post = posts.render(sent, sent_config, "weibo", action, source.lang, rehearsal=marked)
        except jinja2.TemplateError:
            return  # _post_lengths says where
        found = weibo.topics(post.text)
        if found:
            written = [key for key in (("title",), ("summary",), ("withdrawn",)) if "#" in str(
                getattr(source.matter, key[0], "") or "")]
            yield source.problem(written[0] if written else ("channels",), "error",
                                 f"the weibo post has the topic {found[0]}, and Weibo's share API refuses a post "
                                 "with a #topic#", "remove the # signs")
            return
        if domain and not any(weibo.on_domain(url, domain) for url in weibo.urls(post.text)):
            kind = {"post": "post", "update": "update post", "withdraw": "withdrawal post"}[action]
            yield source.problem(("channels",), "error", f"the weibo {kind} links to nothing on the safe domain "
                                 f"{domain}, and Weibo refuses it",
                                 "keep {{ link }} in templates/posts/weibo.j2")
            return


def _written(action: str) -> tuple[tuple[str | int, ...], str]:
    """Where the text that a post of `action` shortens is written, and its name."""
    return (("withdrawn",), "the withdrawal reason") if action == "withdraw" else (("summary",), "the summary")


def _note_key(source: SourceFile, alert: Alert) -> tuple[str | int, ...]:
    """Where this file writes the latest update's note: its `updates:` entry, else `update_note`."""
    for index, update in enumerate(getattr(source.matter, "updates", None) or ()):
        if update.at == alert.updated_at:
            return ("updates", index, "note")
    return ("update_note",)


def _template_problem(source: SourceFile, config: Config, channel: str, exc: jinja2.TemplateError) -> Problem:
    where = getattr(exc, "filename", None)
    line = getattr(exc, "lineno", None) or 1
    if where:
        return Problem(display_path(Path(where), config.root), line, 1, "error",
                       f"the {channel} post template cannot be rendered: {exc.message or exc}",
                       "fix the template (see docs/social.md for the names it may use)")
    return source.problem(("summary",), "error", f"the {channel} post template cannot be rendered: {exc.message or exc}",
                          f"fix templates/posts/{channel}.j2 in the project (see docs/social.md for the names it may use)")


def _uncut_length(alert: Alert, config: Config, channel: str, action: str, lang: str, lengths: length.Lengths,
                  marked: bool = False, note: bool = False, keep: int | None = None) -> int | None:
    """The length of the post before the renderer cut it: rendered with a short stand-in for the
    summary (or reason), which is then replaced by the real text, escaped as the renderer escapes
    it, and counted as the network counts what its reader sees. The scam indicators stay in
    (`keep`: only that many, and how many more the page has), as the post keeps them."""
    text = alert.texts[lang]
    if keep == 0:
        alert, keep = replace(alert, indicators=Indicators()), None
    if action == "withdraw":
        original = alert.withdrawn.get(lang, "")
        probe = replace(alert, withdrawn={**alert.withdrawn, lang: _PROBE})
    elif note:  # what must fit is the note; the summary is left out when there is no room
        original = alert.update_note.get(lang, "")
        probe = replace(alert, update_note={**alert.update_note, lang: _PROBE},
                        texts={**alert.texts, lang: replace(text, summary="")})
    else:
        original = text.summary
        probe = replace(alert, texts={**alert.texts, lang: replace(text, summary=_PROBE)})
    rendered = posts.render(probe, config, channel, action, lang, keep=keep, rehearsal=marked, lengths=lengths).text
    if rendered.count(_PROBE) != 1:
        return None
    return posts.count(channel, rendered.replace(_PROBE, posts.markup_of(channel).escape(original)), lengths)
