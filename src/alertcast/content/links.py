"""Links between content files, as editors write them, read the same way by check and the site.

An editor links to another page by its file, relative to the file being written:
`../alerts/fake-support.md` (the mkdocs-static-i18n way) or `../alerts/fake-support.en.md`
(the file itself, which also works when browsing the repository). Either names the item whose
file has that stem; the site serves that item at its `id`, which may differ from the stem when
a file was renamed, so the staged tree links to `alerts/<id>.md` instead.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import unquote, urlsplit

from .models import Content

#: Folders of content/ that hold items (the top-level pages are at "").
FOLDERS = ("", "alerts", "guides")

MD_LINK = re.compile(r"!?\[(?P<text>(?:[^\]\\]|\\.)*)\]\(\s*<?(?P<target>[^)\s>]+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
#: A reference definition; `[^label]:` is a footnote's text (the footnotes extension), not a link.
REF_LINK = re.compile(r"^\s{0,3}\[(?P<label>[^\]^][^\]]*)\]:\s*<?(?P<target>\S+?)>?(?:\s|$)", re.MULTILINE)
AUTOLINK = re.compile(r"<(?P<target>https?://[^>\s]+)>", re.IGNORECASE)
_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)


def mask_code(body: str) -> str:
    """Blank out code blocks and spans, keeping offsets, so what is in code is not read as a link."""
    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))
    return _CODE_SPAN.sub(blank, _FENCE.sub(blank, body))


@dataclass(frozen=True)
class FileLink:
    """A relative link to a Markdown file of content/: where it leads, lexically."""

    folder: str  # "", "alerts", "guides" or another folder under content/
    name: str  # the file name as written, e.g. "fake-support.md" or "fake-support.en.md"
    stem: str | None  # the item's file stem; None when the name is not that of a content file
    rest: str  # "?query#fragment" as written, to keep on the new link


def file_link(folder: str, target: str, languages: tuple[str, ...]) -> FileLink | None:
    """The Markdown file a link written in a file of `folder` leads to; None for every other
    link (a web address, an anchor, a path from the site root, a file that is not Markdown, or
    a path that leaves content/)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith(("#", "/")) or not parts.path.endswith(".md"):
        return None
    path = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
    if path.startswith("../") or path == "..":
        return None
    where, _, name = path.rpartition("/")
    pieces = name[: -len(".md")].split(".")
    stem = pieces[0] if len(pieces) == 1 or (len(pieces) == 2 and pieces[1] in languages) else None
    rest = (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    return FileLink(where, name, stem or None, rest)


def stems(content: Content) -> dict[tuple[str, str], str]:
    """(folder, file stem) -> id of every alert, guide and page (an alert's id need not be its stem)."""
    found: dict[tuple[str, str], str] = {}
    for folder, items in (("alerts", content.alerts), ("guides", content.guides), ("", content.pages)):
        for item in items:
            for text in item.texts.values():
                found[(folder, text.source.name.split(".")[0])] = item.id
    return found


def relative(from_folder: str, to_path: str) -> str:
    """`to_path` (relative to content/) as a link written in a file of `from_folder`."""
    return posixpath.relpath(to_path, from_folder or ".")


def may_link(body: str) -> bool:
    """False when no link pattern can match: each needs one of these (masking code adds none)."""
    return "](" in body or "]:" in body or "<" in body


def links(body: str) -> Iterator[re.Match[str]]:
    """Every inline link, reference definition and autolink outside code, in order of appearance."""
    if not may_link(body):  # most alerts link to nothing in their text: no code to mask, no pattern to run
        return iter(())
    masked = mask_code(body)
    found = [m for pattern in (MD_LINK, REF_LINK, AUTOLINK) for m in pattern.finditer(masked)]
    return iter(sorted(found, key=lambda m: m.start()))
