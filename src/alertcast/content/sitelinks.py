"""Full links to the help site's own pages, and which language's page each one opens.

The site serves the default language at its root and every other language under `/<lang>/`,
so `https://help.example/guides/x/` in an English file sends English readers to the Chinese
guide. A link to a file (`../guides/x.md`) follows the reader's language by itself; a full
link does not, so check offers the same link in the file's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from ..config import Config


#: Folders of the site that are the same for every language (machine-readable outputs, assets).
SHARED = ("api", "feeds", "cap", "calendar", "assets", "search")


def language_of(url: str, config: Config) -> tuple[str, str] | None:
    """(language, path after the language prefix) of a link to a page of the site; None when
    the link leads elsewhere."""
    site, link = urlsplit(config.site_url), urlsplit(url)
    if link.scheme not in ("http", "https") or (link.hostname or "").lower() != (site.hostname or "").lower():
        return None
    base = site.path if site.path.endswith("/") else site.path + "/"
    if "." in link.path.rsplit("/", 1)[-1]:
        return None  # a file (a feed, the banner JSON, CAP): one per language already, or none
    path = link.path if link.path.endswith("/") else link.path + "/"
    if not path.startswith(base):
        return None
    rest = path[len(base):]
    first, _, after = rest.partition("/")
    if first in SHARED:
        return None
    if first in config.languages and first != config.default_lang:
        return first, after
    return config.default_lang, rest


def in_language(url: str, lang: str, config: Config) -> str | None:
    """The same link in `lang` when it opens another language's page of the site; else None."""
    found = language_of(url, config)
    if found is None or found[0] == lang or lang not in config.languages:
        return None
    link = urlsplit(url)
    prefix = "" if lang == config.default_lang else f"{lang}/"
    site = config.site_url if config.site_url.endswith("/") else config.site_url + "/"
    corrected = f"{site}{prefix}{found[1]}"
    if link.query:
        corrected += f"?{link.query}"
    if link.fragment:
        corrected += f"#{link.fragment}"
    return corrected
