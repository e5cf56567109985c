"""The editor's language: messages of check, new, report, status, preview and posts preview in
English or Chinese, from the gettext catalogue in `locale/` (`alertcast.pot`, `zh/…/alertcast.po`).

The library builds its messages in English (logic and tests read them); only the command line
translates, at the edge, what it prints. A message's msgid is the template it was written from,
with each `{...}` a value filled in at run time (`unknown key '{key}'`); a printed message is
matched against the templates and its values are carried over into the translation, so a
translator works on whole sentences in the `.po` file and the code keeps one English string per
message.

Which language (the first that says one):

1. `ALERTCAST_LANG` (`zh` or `en`): the editor's explicit choice;
2. the locale, as gettext reads it (`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`) when it names
   Chinese (`zh_CN.UTF-8`, `zh`, ...);
3. the project's default language (the first of `extra.alertcast.languages`) when it is `zh`;
4. English.
"""

from __future__ import annotations

import gettext
import os
import re
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

from .timefmt import ZONE_NAMES, labelled

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "alertcast"
LANGUAGES = ("en", "zh")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is not an argument of a problem or an echo."""
    return message


def choose(default_lang: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The language of the editor's messages: see the module's docstring for the order."""
    environ = os.environ if environ is None else environ
    explicit = environ.get("ALERTCAST_LANG", "").strip().lower()[:2]
    if explicit in LANGUAGES:
        return explicit
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            if any(part.lower().startswith("zh") for part in value.split(":")):
                return "zh"
            break
    return "zh" if (default_lang or "").lower().startswith("zh") else "en"


#: A full-width closing bracket, then spaces before a Chinese character.
_AFTER_BRACKET = re.compile(r"）[ ]+(?=[\u3400-\u4dbf\u4e00-\u9fff])")


class _Template:
    """One msgid: its fixed parts around the `{...}` values, and its pattern once compiled."""

    __slots__ = ("msgid", "msgstr", "parts", "fixed", "fields", "pattern")

    def __init__(self, msgid: str, msgstr: str, parts: tuple[str, ...]):
        self.msgid, self.msgstr, self.parts = msgid, msgstr, parts
        self.fixed = sum(map(len, parts))
        self.fields = list(dict.fromkeys(PLACEHOLDER.findall(msgid)))
        self.pattern: re.Pattern[str] | None = None

    def may_match(self, text: str) -> bool:
        """Whether `text` starts and ends with the fixed text and holds the rest in between: a
        text that does not cannot match the pattern, whose values may be empty."""
        return len(text) >= self.fixed and text.startswith(self.parts[0]) and text.endswith(self.parts[-1]) \
            and all(part in text for part in self.parts[1:-1])

    def compile(self) -> None:
        placeholders = PLACEHOLDER.findall(self.msgid)
        pattern, seen = "", set()
        for i, part in enumerate(self.parts):
            pattern += re.escape(part)
            if i < len(placeholders):
                group = f"v{self.fields.index(placeholders[i])}"
                pattern += f"(?P={group})" if group in seen else f"(?P<{group}>.*?)"  # the same value twice
                seen.add(group)
        self.pattern = re.compile(pattern, re.DOTALL)


class Translator:
    """Translates printed English messages into one language; English passes through."""

    def __init__(self, lang: str):
        self.lang = lang
        self.compiled = 0  # the templates' patterns compiled so far: most texts need none or one
        if lang == "en":
            self._catalogue: gettext.NullTranslations = gettext.NullTranslations()
        else:
            self._catalogue = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])

    @classmethod
    def for_project(cls, default_lang: str | None, environ: Mapping[str, str] | None = None) -> Translator:
        return cls(choose(default_lang, environ))

    @cached_property
    def _templates(self) -> list[_Template]:
        """Each msgid as a template, the most specific (longest fixed text) first. Its pattern is
        compiled when a text could match it: compiling all of the catalogue's to print one line
        (`check`'s count) cost 50 ms."""
        catalog = getattr(self._catalogue, "_catalog", {})
        templates = []
        for msgid, msgstr in catalog.items():
            if not isinstance(msgid, str) or not msgid or not msgstr:
                continue
            parts = PLACEHOLDER.split(msgid)
            if not "".join(parts).strip():
                continue  # "{message}" alone would match anything
            templates.append(_Template(msgid, msgstr, tuple(parts)))
        templates.sort(key=lambda t: -t.fixed)
        return templates

    def gettext(self, message: str) -> str:
        """The translation of exactly `message`, a msgid (no values carried over), or `message`."""
        return self._catalogue.gettext(message)

    def known(self, text: str) -> bool:
        """Whether `text` is one of the catalogue's messages (with its values filled in)."""
        return self._match(text) is not None

    def _match(self, text: str) -> str | None:
        if self.lang == "en":
            return text
        for template in self._templates:
            if not template.may_match(text):
                continue
            if template.pattern is None:
                template.compile()
                self.compiled += 1
            found = template.pattern.fullmatch(text)  # type: ignore[union-attr]
            if found:
                values = {field: found.group(f"v{i}") for i, field in enumerate(template.fields)}
                filled = PLACEHOLDER.sub(lambda m: self._value(values.get(m.group(), m.group())), template.msgstr)
                # a value that ends in a full-width bracket (a time, `…北京时间（UTC+8）`) takes no space
                # after it, which the message left for a Latin value (docs/style.zh.md)
                return _AFTER_BRACKET.sub("）", filled)
        return None

    def _value(self, value: str) -> str:
        """A value that is itself a message (pydantic's, YAML's) is translated too; a single word
        never is: it may be an editor's id or key (the commands translate their own words)."""
        inner = self._match(value) if " " in value.strip() else None
        return inner if inner is not None else self._zones(value)

    def _zones(self, text: str) -> str:
        """Times are written with the zone's name in the editor's language (timefmt.labelled)."""
        for names in ZONE_NAMES.values():
            if names["en"] != "UTC" and self.lang in names and f"{names['en']} (UTC" in text:
                text = re.sub(re.escape(names["en"]) + r" \((UTC[+-][0-9]+(?::[0-9]{2})?)\)",
                              lambda found: labelled(names[self.lang], found.group(1), self.lang), text)
        return text

    def __call__(self, text: str) -> str:
        """`text` in this language, or as it is when the catalogue does not know it."""
        if self.lang == "en" or not text:
            return text
        translated = self._match(text)
        return translated if translated is not None else self._zones(text)

    def problem(self, problem) -> str:  # type: ignore[no-untyped-def]
        """A problem as `check` prints it: `path:line:col: 错误: message (hint)`."""
        level = self(problem.level)
        text = f"{problem.path}:{problem.line}:{problem.col}: {level}: {self(problem.message)}"
        if not problem.hint:
            return text
        return f"{text}（{self(problem.hint)}）" if self.lang == "zh" else f"{text} ({problem.hint})"

    def problem_github(self, problem) -> str:  # type: ignore[no-untyped-def]
        from dataclasses import replace

        if self.lang == "en":
            return problem.github()
        return replace(problem, message=self(problem.message), hint=self(problem.hint) if problem.hint else "").github()


#: English, as the library writes it: what a renderer prints when no language is asked for.
ENGLISH = Translator("en")

#: pydantic's own messages that front matter and settings can produce ("'order': {msg}").
PYDANTIC_MESSAGES = (
    N_("Field required"),
    N_("Extra inputs are not permitted"),
    N_("Input should be a valid string"),
    N_("Input should be a valid integer"),
    N_("Input should be a valid integer, unable to parse string as an integer"),
    N_("Input should be a valid integer, got a number with a fractional part"),
    N_("Input should be a valid number"),
    N_("Input should be a valid number, unable to parse string as a number"),
    N_("Input should be a valid boolean"),
    N_("Input should be a valid boolean, unable to interpret input"),
    N_("Input should be a valid list"),
    N_("Input should be a valid dictionary"),
    N_("Input should be a valid datetime or date, {error}"),
    N_("Input should be a valid date or datetime, {error}"),
    N_("Datetimes provided to dates should have zero time - e.g. be exact dates"),
    N_("Input should be a valid date"),
    N_("Input should be a finite number"),
    N_("Input should be a valid datetime"),
    N_("Input should have timezone info"),
    N_("Input should be greater than {gt}"),
    N_("Input should be greater than or equal to {ge}"),
    N_("Input should be less than {lt}"),
    N_("Input should be less than or equal to {le}"),
    N_("String should have at least {min_length} character"),
    N_("String should have at least {min_length} characters"),
    N_("String should have at most {max_length} characters"),
    N_("List should have at least {min_length} item after validation, not {actual_length}"),
    N_("Input should be {expected}"),
)

#: pydantic's details of a date or time it cannot read ("Input should be a valid datetime or date, {error}").
DATETIME_DETAILS = (
    N_("invalid character in year"), N_("invalid character in month"), N_("invalid character in day"),
    N_("invalid character in hour"), N_("invalid character in minute"), N_("invalid character in second"),
    N_("month value is outside expected range of 1-12"), N_("day value is outside expected range"),
    N_("hour value is outside expected range of 0-23"), N_("minute value is outside expected range of 0-59"),
    N_("second value is outside expected range of 0-59"), N_("invalid date separator, expected `-`"),
    N_("invalid time separator, expected `:`"),
    N_("invalid datetime separator, expected `T`, `t`, `_` or space"), N_("input is too short"),
    N_("unexpected extra characters at the end of the input"), N_("invalid timezone sign"),
    N_("invalid timezone hour"), N_("invalid timezone minute"), N_("timezone offset must be less than 24 hours"),
    N_("second fraction digits missing after `.`"), N_("second fraction value is more than 6 digits long"),
)

#: The references a hint points to ("see {reference}").
REFERENCES = (
    N_("the configuration reference in README.md"),
    N_("the front-matter reference in README.md"),
    N_("the channel settings in docs/social.md"),
)

#: Python's words for a date that does not exist ("2026-02-30 ... is not a real date or time: {exc}").
DATE_MESSAGES = (
    N_("day is out of range for month"),
    N_("month must be in 1..12"),
    N_("hour must be in 0..23"),
    N_("minute must be in 0..59"),
    N_("second must be in 0..59"),
    N_("year {year} is out of range"),
)

#: Words the report shows alone: an alert's change and status, a post's length unit.
REPORT_WORDS = (
    N_("added"), N_("modified"), N_("withdrawn"), N_("removed"), N_("unreadable"),
    N_("live now"), N_("live"), N_("scheduled"), N_("expired"), N_("never"), N_("none"),
    N_("characters"), N_("graphemes"), N_("characters (links count 23)"),
    N_("weighted characters (CJK and emoji count 2, links 23)"),
)

#: What the report says about posts, as report.py puts the sentence together.
REPORT_POST_NOTES = (
    N_("post: a new post goes out on {channels}"),
    N_("post: a new post goes out on {channels} at the next publish"),
    N_("post: a new post goes out on {channels} at publish_at (nothing goes out before it)"),
    N_("update: a correction or edit of the earlier post goes out at publish_at (nothing goes out before it)"),
    N_("nothing is posted: withdrawn before it went out"),
    N_("nothing is posted: the alert has already expired"),
    N_("no social channel: nothing is posted"),
)

#: A post that does not fit, as checks/lint.py words it, for each kind of post: the kind is a
#: single word or two (`post`), which a value never gets translated as (see `_value`), so each
#: kind has its own sentences.
POST_LENGTH_MESSAGES = (
    N_("the {channel} post is over {post.limit} ({counted}) and would be cut; shorten {text}"),
    N_("the {channel} post is {full}/{post.limit} ({counted}); shorten {text} by at least {full - post.limit}"),
    N_("the {channel} post is {full}/{post.limit} with its scam indicators ({counted}); shorten {text} "
       "by at least {full - post.limit} to keep them in the post"),
    N_("the {channel} post is {full}/{post.limit} with its {len(items)} scam indicators ({counted}); "
       "shorten {text} by at least {first - post.limit} to keep the first one ({items[0]}), or by {full - post.limit} "
       "to keep all {len(items)}"),
    N_("the {channel} update post is over {post.limit} ({counted}) and would be cut; shorten {text}"),
    N_("the {channel} update post is {full}/{post.limit} ({counted}); shorten {text} by at least {full - post.limit}"),
    N_("the {channel} update post is {full}/{post.limit} with its scam indicators ({counted}); shorten {text} "
       "by at least {full - post.limit} to keep them in the post"),
    N_("the {channel} update post is {full}/{post.limit} with its {len(items)} scam indicators ({counted}); "
       "shorten {text} by at least {first - post.limit} to keep the first one ({items[0]}), or by {full - post.limit} "
       "to keep all {len(items)}"),
    N_("the {channel} withdrawal post is over {post.limit} ({counted}) and would be cut; shorten {text}"),
    N_("the {channel} withdrawal post is {full}/{post.limit} ({counted}); shorten {text} by at least {full - post.limit}"),
    N_("the {channel} withdrawal post is {full}/{post.limit} with its scam indicators ({counted}); shorten {text} "
       "by at least {full - post.limit} to keep them in the post"),
    N_("the {channel} withdrawal post is {full}/{post.limit} with its {len(items)} scam indicators ({counted}); "
       "shorten {text} by at least {first - post.limit} to keep the first one ({items[0]}), or by {full - post.limit} "
       "to keep all {len(items)}"),
    # how each network counts (render/length.py's units, as the message writes them)
    N_("as {network} counts: weighted characters, CJK and emoji count 2, links 23"),
    N_("as {network} counts: characters, links count 23"),
    N_("as {network} counts: characters, half-width letters, digits, spaces and signs count half, links 10"),
    N_("as {network} counts: characters"),
    N_("as {network} counts: graphemes"),
    N_("as {network} counts: bytes, UTF-8"),
)
