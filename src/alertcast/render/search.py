"""The site's search: how Material's search plugin indexes each language, and the one fix its
browser side needs for Chinese queries.

Material segments Chinese text with jieba at build time (words joined by U+200B) and, in the
reader's browser, segments a Chinese query with the words of the index. Both sides must split
Latin words out of Chinese punctuation the same way, or `（passphrase，` is one word nobody types.
"""

from __future__ import annotations

import re
from pathlib import Path

SITE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "site"
#: Words of the domain that jieba would otherwise split (助记词 -> 助记 + 词), kept whole in the index.
JIEBA_USER_DICT = SITE_TEMPLATES / "jieba_user_dict.txt"
#: Where the index and queries split words (a JavaScript regular expression): spaces and ASCII
#: punctuation; U+200B, which Material puts between the words jieba finds; the full-width and
#: CJK punctuation of Chinese text (（）、，。：；！？「」『』《》【】 …), the curly quotes, dashes
#: and middle dot, so that a Latin word written among them is indexed as itself; a dot that is
#: not a decimal point; escaped angle brackets; and camelCase humps.
SEPARATOR = (r'[\s\u200b\-_,:!=\[\]()"`/'
             r"\u00b7\u2010-\u2027\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]+"
             r"|\.(?!\d)|&[lg]t;|(?!\b)(?=[A-Z][a-z])")
#: Material's worker looks for the index's words in a Chinese query by trying every start and
#: end, except an end at the query's last character: 空投 was searched as 空 (a word of the
#: index, from 空钱包) and found every page with 空. Matched on the shape of the loop, so
#: another build of the same code is fixed too; `build` warns when it is not found.
_SEGMENT_LOOP = re.compile(r"for\(let (\w+)=(\w+)\+1;\1<(\w+)\.length;\1\+\+\)(\3\.slice\(\2,\1\)in )")


def segments_chinese(lang: str) -> bool:
    """Whether the language's pages are indexed as Chinese (jieba's words: the most costly index)."""
    return lang.split("-")[0] == "zh"


def plugin(lang: str) -> dict:
    """The search plugin's settings for one language's build. lunr knows languages, not tags:
    zh-Hant and zh-TW are searched as zh (jieba segments Traditional characters too), pt-BR as pt."""
    language = lang.split("-")[0]
    # Material segments the Chinese words of every language's pages (杀猪盘 in an English
    # glossary), so every language's build loads the domain's words, not only Chinese ones: the
    # index is then the same whichever language a process happened to build first.
    search: dict = {"lang": ["zh", "en"] if language == "zh" else [language], "separator": SEPARATOR,
                    "jieba_dict_user": str(JIEBA_USER_DICT)}
    if language == "zh":
        # No stemmer: with zh and en together lunr stems the index's English words (nonce ->
        # nonc) but not the query, so a whole English word found nothing. Unstemmed, a query
        # still finds longer forms (approval finds approvals): Material searches by prefix.
        search["pipeline"] = []
    return search


def fix_query_segmentation(site_dir: Path) -> bool:
    """Let Material's search worker in `site_dir` try the query's last character as a word's
    end; False when no worker has the loop (a Material that changed it)."""
    fixed = False
    for worker in sorted((site_dir / "assets" / "javascripts" / "workers").glob("search.*.js")):
        text = worker.read_text(encoding="utf-8")
        new, count = _SEGMENT_LOOP.subn(r"for(let \1=\2+1;\1<=\3.length;\1++)\4", text)
        if count:
            worker.write_text(new, encoding="utf-8")
            fixed = True
    return fixed
