"""Language tags (BCP 47): which tags a project may configure, and which language a reader of
one sees when an item has no text in it.

A tag is a language with an optional script and region: `zh`, `en`, `zh-Hant` (Traditional
Chinese), `zh-TW`, `pt-BR`. It is written the same everywhere: in `languages`, in file names
(`faq.zh-Hant.md`), as the site folder (`/zh-Hant/`), in `lang` and `hreflang`, feed and banner
file names, CAP `<language>`.

Fallback is RFC 4647's "lookup": drop the last subtag until a language with a text is left
(zh-Hant-TW → zh-Hant → zh), then the default language (the first configured). So with
`languages: [zh, en, zh-Hant]`, a reader of zh-Hant sees zh-Hant, else zh; with
`languages: [en, zh, zh-Hant]`, zh-Hant, else zh, else en.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Mapping, TypeVar

from babel import Locale, UnknownLocaleError
from babel.core import get_global

#: language (2-3 letters), script (4 letters), region (2 letters or 3 digits), variants: the
#: parts of RFC 5646's langtag that name a language as readers read it (no extensions).
TAG = re.compile(r"(?P<language>[A-Za-z]{2,3})(?:-(?P<script>[A-Za-z]{4}))?"
                 r"(?:-(?P<region>[A-Za-z]{2}|[0-9]{3}))?(?P<variants>(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*)")
#: How a language names itself in the site's language switcher; Babel (CLDR) names the others.
NAMES = {"zh": "中文", "en": "English"}
T = TypeVar("T")


def canonical(tag: str) -> str | None:
    """`tag` in BCP 47's conventional case (zh-hant → zh-Hant, pt-br → pt-BR); None when it is
    not a language tag at all."""
    match = TAG.fullmatch(tag)
    if not match:
        return None
    parts = [match["language"].lower()]
    if match["script"]:
        parts.append(match["script"].title())
    if match["region"]:
        parts.append(match["region"].upper())
    parts += [v.lower() for v in match["variants"].split("-") if v]
    return "-".join(parts)


def problem(tag: str) -> str | None:
    """Why `tag` cannot be a configured language, in words with the fix; None when it can."""
    written = canonical(tag)
    if written is None:
        return f"{tag!r} is not a language tag like 'zh', 'en', 'zh-Hant' or 'pt-BR'"
    if written != tag:
        return f"write the language tag {tag!r} as {written!r}: file names and addresses use that spelling"
    try:
        Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        return f"{tag!r} is not a language Unicode CLDR knows; use a tag like 'zh', 'en', 'zh-Hant' or 'pt-BR'"
    return None


def lookup(tag: str) -> tuple[str, ...]:
    """`tag`, then each shorter tag RFC 4647 lookup falls back to: zh-Hant-TW, zh-Hant, zh."""
    parts = tag.split("-")
    return tuple("-".join(parts[:n]) for n in range(len(parts), 0, -1))


def order(tag: str, default: str) -> tuple[str, ...]:
    """The languages a reader of `tag` is shown, best first: the lookup chain, then `default`."""
    chain = lookup(tag)
    return chain if default in chain else chain + (default,)


def optional(tag: str, configured: Iterable[str]) -> bool:
    """Whether `tag` falls back to another configured language before the default (zh-Hant to zh):
    its files are translations to add when there is time, not files every item needs."""
    return any(lang in set(configured) for lang in lookup(tag)[1:])


def pick(values: Mapping[str, T], tag: str, default: str) -> tuple[str, T] | None:
    """The first language of `order(tag, default)` that `values` has, with its value."""
    if values.get(tag):  # the common case, asked for by every renderer for every alert
        return tag, values[tag]
    for lang in order(tag, default):
        if values.get(lang):
            return lang, values[lang]
    return None


def in_table(table: Mapping[str, T], tag: str, last: str = "en") -> T:
    """`tag`'s entry of a table of interface words, else the closest one `best` finds (zh-TW:
    zh-Hant's), else `last`'s."""
    if tag in table:  # what `best` finds first; a site's pages ask this some 13,000 times a language
        return table[tag]
    return table[best(tag, table, last)]


def name(tag: str, reader: str | None = None) -> str:
    """The language's name in `reader`'s language, by default in itself (the language switcher:
    中文, English, 中文 (繁體)); Unicode CLDR's names, through Babel."""
    if reader in (None, tag) and tag in NAMES:
        return NAMES[tag]
    try:
        locale = Locale.parse(tag, sep="-")
        return locale.get_display_name(Locale.parse(reader, sep="-") if reader else locale) or tag
    except (UnknownLocaleError, ValueError):
        return tag


def likely(tag: str) -> str:
    """`tag` with the script CLDR's likely subtags give it when it names none: zh-HK → zh-Hant-HK,
    zh-CN → zh-Hans-CN; a tag with a script, or none known, is returned as it is."""
    parts = tag.split("-")
    if len(parts) < 2 or len(parts[1]) == 4:
        return tag
    full = get_global("likely_subtags").get(tag.replace("-", "_"))
    if not full or len(full.split("_")) < 3:
        return tag
    script = full.split("_")[1]
    return "-".join([parts[0], script, *parts[1:]])


def best(tag: str, available: Iterable[str], last: str = "en") -> str:
    """The first of `tag`'s lookup chain that `available` holds (a theme's interface languages),
    trying the likely script before the bare language (zh-HK: zh-Hant before zh), else `last`."""
    have = set(available)
    candidates = (*lookup(tag)[:-1], *lookup(likely(tag))[:-1], tag.split("-")[0])
    return next((c for c in candidates if c in have), last)


def theme_languages(folder: Path) -> frozenset[str]:
    """The interface languages of a theme's `partials/languages/<tag>.html` files."""
    return frozenset(p.stem for p in folder.glob("*.html"))
