"""The HTML a page's Markdown becomes passes an allow-list, so no content file can run script.

Editors may write raw HTML in Markdown, and mkdocs passes it through: `<script>`, an `onerror`
attribute, a `javascript:` link or an `<iframe>` in a pull request would run on the help site.
Every page's HTML is cleaned by nh3 with the allow-list of htmlpolicy.py as the last
step of Python-Markdown, so the site, its search index and its table of contents all get the
cleaned text. The allow-list keeps what the site's own Markdown makes (admonitions, details,
content tabs, tables, code, footnotes, task lists, permalinks, alertcast's badges and times);
`alertcast check` reports, at its line, every raw tag or attribute that it would drop (see
checks/lint.py), so nothing an editor wrote disappears silently.

This module is also a Python-Markdown extension (`alertcast.render.sanitize`), which the staged
mkdocs.yml lists last: an extension, not a mkdocs plugin, so another engine that reads
mkdocs.yml and runs Python-Markdown applies it too.
"""

from __future__ import annotations

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor

from ..htmlpolicy import (  # noqa: F401 (the allow-list, read here by the cross-file rules)
    ATTRIBUTES, COMMON, REMOVED_WITH_CONTENT, STYLES, TAGS, URL_ATTRIBUTES, URL_SCHEMES, VALUES, allowed_attribute,
    allowed_image, allowed_url, clean)


class _Clean(Postprocessor):
    def __init__(self, md: Markdown, image_hosts: tuple[str, ...]):
        super().__init__(md)
        self.image_hosts = image_hosts

    def run(self, text: str) -> str:
        return clean(text, self.image_hosts)


class SanitizeExtension(Extension):
    """Clean the document's HTML after every other step (priority 0: the last postprocessor)."""

    def __init__(self, **kwargs):
        self.config = {"image_hosts": [[], "hosts (and their subdomains) images may load from"]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 (Python-Markdown's name)
        hosts = tuple(str(host).lower() for host in self.getConfig("image_hosts") or ())
        md.postprocessors.register(_Clean(md, hosts), "alertcast_sanitize", 0)


def makeExtension(**kwargs) -> SanitizeExtension:  # noqa: N802 (Python-Markdown's entry point)
    return SanitizeExtension(**kwargs)
