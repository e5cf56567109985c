"""A page's sections as the help site shows them: heading, anchor, sanitised HTML, plain text.

The help API and the knowledge base quote the FAQ, guides and alerts section by section, and
link each section to its place on the site. The page is rendered with the site's own Markdown
converter (`site.page_markdown`: the same extensions, heading slugs and sanitiser), so every
anchor is the one the site gives the heading, and the HTML is as clean as the site's. Links
between content files become absolute addresses on the site (an app shows them outside it);
a link to an alert that is not published becomes its text, as on the site.
"""

from __future__ import annotations

import html
import posixpath
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from markdown import Markdown

from ..config import Config
from ..content.links import MD_LINK, REF_LINK, file_link, links, stems
from ..plan import Plan
from . import sanitize
from .memo import RenderCache, own
from .site import LEADING_H1, _Targets, page_extensions, page_markdown, text


@dataclass(frozen=True)
class Section:
    level: int  # heading level, 1 for the page's title
    anchor: str  # the heading's id on the site
    title: str  # the heading as plain text
    html: str  # sanitised HTML of what is under the heading, up to the next heading
    text: str  # the same as plain text


def page_address(config: Config, lang: str, path: str) -> str:
    """Absolute URL of a staged file (`faq.md`, `guides/x.md`, `guides/index.md`) on the site."""
    prefix = "" if lang == config.default_lang else f"{lang}/"
    page = path[: -len(".md")] if path.endswith(".md") else path
    page = "" if page == "index" else page.removesuffix("/index")
    return f"{config.site_url}{prefix}{page}/" if page else f"{config.site_url}{prefix}"


def _absolute(body: str, folder: str, page_url: str, config: Config, lang: str) -> str:
    """Relative link targets of the staged Markdown `body` (a file of `folder`) as absolute URLs."""
    edits = []
    for match in links(body):
        if match.re not in (MD_LINK, REF_LINK):
            continue
        target = match.group("target")
        parts = urlsplit(target)
        if parts.scheme or parts.netloc or target.startswith("/"):
            continue
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        if not parts.path:
            url = page_url + fragment
        else:
            path = posixpath.normpath(posixpath.join(folder, parts.path))
            if path.startswith(".."):
                continue
            url = (page_address(config, lang, path) if path.endswith(".md")
                   else page_address(config, lang, "") + path) + fragment
        edits.append((match.start("target"), match.end("target"), url))
    for start, end, url in reversed(edits):
        body = body[:start] + url + body[end:]
    return body


_HEADING = re.compile(r'<h([1-6]) id="([^"]*)"[^>]*>.*?</h\1>', re.DOTALL)
_BLOCKS = frozenset({"p", "div", "li", "ul", "ol", "pre", "blockquote", "table", "tr", "dl", "dt", "dd",
                     "details", "summary", "h1", "h2", "h3", "h4", "h5", "h6", "br", "hr", "figure"})


class _Text(HTMLParser):
    """Plain text of sanitised HTML: blocks on lines of their own, list items with a dash,
    a link followed by its address when the text does not show it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hrefs: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.out.append("\n")
        if tag == "li":
            self.out.append("- ")
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href"))
            self.start = len(self.out)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.hrefs:
            href = self.hrefs.pop()
            shown = "".join(self.out[self.start:])
            if href and href.startswith(("http://", "https://")) and href not in shown:
                self.out.append(f" ({href})")
        elif tag in _BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def plain(fragment: str) -> str:
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.out).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _names(tokens: list[dict]) -> dict[str, str]:
    found = {}
    for token in tokens:
        found[token["id"]] = html.unescape(token["name"])
        found.update(_names(token["children"]))
    return found


def split(markdown: str, md: Markdown) -> list[Section]:
    """The sections of a staged page's Markdown (which starts with its `# title`), converted by
    `md` (`site.page_markdown`; reused from page to page, as building one costs as much as a page)."""
    page = md.reset().convert(markdown)
    names = _names(md.toc_tokens)
    found = list(_HEADING.finditer(page))
    sections = []
    for i, heading in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(page)
        fragment = sanitize.clean(page[heading.end():end].strip()).strip()  # rebalanced if cut inside a block
        anchor = heading.group(2)
        sections.append(Section(int(heading.group(1)), anchor, names.get(anchor, ""), fragment, plain(fragment)))
    return sections


def _stored_sections(value: object) -> bool:
    """Whether `value` is a list of sections as `Pages._split` stores them."""
    return isinstance(value, list) and all(
        isinstance(f, list) and len(f) == 5 and type(f[0]) is int and all(isinstance(x, str) for x in f[1:])
        for f in value)


class Pages:
    """Sections of the pages of one plan's content, in one language."""

    def __init__(self, plan: Plan, config: Config, lang: str, cache: RenderCache | None = None):
        self.config, self.lang = config, lang
        self.memo = own(cache)
        self.targets = _Targets(stems(plan.content), frozenset(a.id for a in plan.published), config.languages)
        self.files = frozenset(self.targets.files.items())  # which file stem is which item: part of every key
        self._md: Markdown | None = None
        self._settings: str | None = None  # the converter's, as part of the keys on disk

    def _converter(self) -> Markdown:
        if self._md is None:
            self._md = page_markdown(self.config, self.lang)
        return self._md

    def of(self, folder: str, item_id: str, title: str, body: str) -> tuple[str, list[Section]]:
        """(page URL, sections) of an item's page: `folder` is "", "alerts" or "guides". The
        page's own `# heading`, if any, gives way to `title`, as on the site."""
        url = page_address(self.config, self.lang, posixpath.join(folder, f"{item_id}.md"))

        def make() -> list[Section]:
            staged = self.targets.retarget(LEADING_H1.sub("", body), folder)
            staged = _absolute(staged, folder, url, self.config, self.lang)
            return self._split(f"# {text(title)}\n\n{staged}")

        # Rendered again only when the text, the settings or whether an alert it links to is
        # published change: a boundary elsewhere re-renders nothing.
        linked = self.memo("alert-links", (folder, body, self.config.languages, self.files), lambda: self._alert_links(folder, body))
        key = (folder, item_id, self.lang, title, body, linked & self.targets.public, self.memo.config_key(self.config),
               repr(self.config.raw.get("markdown_extensions")))
        return url, self.memo("sections", key, make)

    def _split(self, page: str) -> list[Section]:
        """`split`, or the sections stored on disk for this very Markdown (render/diskcache.py)."""
        disk = self.memo.disk
        if disk is None or not disk.enabled:
            return split(page, self._converter())
        if self._settings is None:
            self._settings = repr(page_extensions(self.config, self.lang))
        key = disk.key("sections", self.lang, self._settings, page)
        stored = disk.get(key, _stored_sections)
        if stored is not None:
            return [Section(*fields) for fields in stored]
        sections = split(page, self._converter())
        disk.put(key, [[s.level, s.anchor, s.title, s.html, s.text] for s in sections])
        return sections

    def _alert_links(self, folder: str, body: str) -> frozenset[str]:
        """Ids of the alerts `body` links to."""
        found = set()
        for match in links(body):
            link = file_link(folder, match.group("target"), self.config.languages)
            if link is not None and link.folder == "alerts" and link.stem:
                found.add(self.targets.files.get(("alerts", link.stem), link.stem))
        return frozenset(found)
