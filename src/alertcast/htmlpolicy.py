"""The HTML the help site allows in a page: the allow-list every page's HTML passes, so no
content file (and no setting the theme writes into pages) can run script.

Editors may write raw HTML in Markdown, and mkdocs passes it through: `<script>`, an `onerror`
attribute, a `javascript:` link or an `<iframe>` in a pull request would run on the help site.
The allow-list keeps what the site's own Markdown makes (admonitions, details, content tabs,
tables, code, footnotes, task lists, permalinks, alertcast's badges and times); nh3 (the binding
to the Rust sanitiser ammonia) applies it. render/sanitize.py applies it to every page as the
last step of Python-Markdown; config.py holds mkdocs.yml's `copyright` and theme texts to it.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

import nh3

#: Tags the site keeps. Anything else is removed, its text kept (script and style: text too).
TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "details",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "input", "ins", "kbd", "label", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
})
#: Removed with their content: what is inside them is not text for a reader.
REMOVED_WITH_CONTENT = frozenset({"script", "style"})
#: Attributes every kept tag may carry.
COMMON = frozenset({"class", "id", "title", "lang", "dir"})
#: Attributes some tags may carry, besides COMMON.
ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "hreflang"}),
    "img": frozenset({"src", "alt", "width", "height", "loading"}),
    "td": frozenset({"colspan", "rowspan", "style", "align"}),
    "th": frozenset({"colspan", "rowspan", "style", "align", "scope"}),
    "col": frozenset({"span"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "li": frozenset({"value"}),
    "time": frozenset({"datetime"}),
    "details": frozenset({"open"}),
    "label": frozenset({"for"}),
    "div": frozenset({"data-tabs"}),  # pymdownx.tabbed's content tabs
    "input": frozenset({"name", "checked", "disabled"}),  # content tabs and task lists; `type` below
    "q": frozenset({"cite"}),
    "blockquote": frozenset({"cite"}),
}
#: Attributes kept only with one of these values.
VALUES = {"input": {"type": frozenset({"radio", "checkbox"})}}
#: The only style a kept `style` attribute keeps (tables' column alignment).
STYLES = frozenset({"text-align"})
#: Schemes a link or image address may use; relative addresses are kept.
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
#: Attributes whose value is an address (checked against URL_SCHEMES).
URL_ATTRIBUTES = frozenset({"href", "src", "cite", "action", "formaction", "poster", "background", "xlink:href",
                            "srcset", "data"})


def allowed_attribute(tag: str, name: str, value: str | None) -> bool:
    """Whether the sanitiser keeps attribute `name` (with `value`) on a kept `tag`."""
    name = name.lower()
    if name in VALUES.get(tag, {}):
        return (value or "").lower() in VALUES[tag][name]
    return name in COMMON or name in ATTRIBUTES.get(tag, ())


def allowed_url(value: str) -> bool:
    """Whether an address (entities already decoded) keeps its place: relative, or a kept scheme.
    As browsers do, tabs, newlines and leading spaces or controls do not hide a scheme."""
    cleaned = "".join(c for c in value if c not in "\t\n\r").lstrip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b"
                                                                     "\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17"
                                                                     "\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
    scheme, colon, _ = cleaned.partition(":")
    if not colon or any(c in scheme for c in "/?#"):
        return True  # no scheme: a relative address
    return scheme.lower() in URL_SCHEMES


def allowed_image(value: str, hosts: tuple[str, ...]) -> bool:
    """Whether an image address loads from the site itself (relative) or one of `hosts` (or a
    subdomain of one): an image elsewhere tells a tracker the address of every reader."""
    if not allowed_url(value):
        return False
    parts = urlsplit(value.strip())
    if not parts.scheme and not parts.netloc:
        return True
    host = (parts.hostname or "").lower().rstrip(".")
    return parts.scheme in ("http", "https") and any(host == d or host.endswith("." + d) for d in hosts if d)


@cache
def _cleaner(image_hosts: tuple[str, ...]) -> nh3.Cleaner:
    attributes = {tag: set(extra) for tag, extra in ATTRIBUTES.items()}
    attributes["*"] = set(COMMON)

    def images(tag: str, name: str, value: str) -> str | None:
        if tag == "img" and name == "src" and not allowed_image(value, image_hosts):
            return None
        return value

    return nh3.Cleaner(tags=set(TAGS), clean_content_tags=set(REMOVED_WITH_CONTENT), attributes=attributes,
                       tag_attribute_values={tag: {name: set(values) for name, values in by_name.items()}
                                             for tag, by_name in VALUES.items()},
                       url_schemes=set(URL_SCHEMES), filter_style_properties=set(STYLES), link_rel=None,
                       strip_comments=True, attribute_filter=images)


def clean(html: str, image_hosts: tuple[str, ...] = ()) -> str:
    """`html` with everything off the allow-list removed, and images from hosts other than
    `image_hosts` (and the site itself)."""
    return _cleaner(tuple(sorted(image_hosts))).clean(html)
