"""The official channels as data: `content/official-channels.yml`, beside the page it fills.

One list makes the official-channels page's tables (in each language), `/api/v1/official.json`
and the Verify page's answers, so they cannot disagree. Each value must be written in its one
normal form (contacts.normalise): lower-case handles with their `@`, domains in punycode. A
scam indicator of any alert must not also be listed here.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from publicsuffixlist import PSLFILE, PublicSuffixList

from .. import yamlsource
from ..contacts import KINDS, URL_KINDS, normalise
from ..i18n import N_
from ..problems import Problem

DATA_FILE = "official-channels.yml"
#: Keys of each channel; `for` is required in every language.
CHANNEL_KEYS = ("kind", "value", "for", "never")
MAX_BYTES = 256 * 1024
_ACCOUNT = re.compile(r"[^\s@/<>\"'`]{2,64}")
#: What a value in its normal form must also be, per kind, and how to say it: anything else is
#: no contact of ours (official.json would give apps a javascript: "download" address, and a
#: handle '@' makes every handle a reader pastes a look-alike of it).
SHAPES = {
    "download": (re.compile(r"https://[a-z0-9_.-]+(?:/[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]*)?"),
                 "an https:// address",
                 "write the page's https:// address, with spaces and quotes percent-encoded"),
    "telegram": (re.compile(r"@[a-z0-9_]{5,32}"), "a Telegram username", "write @ and its 5 to 32 letters, digits or _"),
    "x": (re.compile(r"@[a-z0-9_]{1,15}"), "an X handle", "write @ and its 1 to 15 letters, digits or _"),
    "phone": (re.compile(r"\+[1-9][0-9]{5,14}"), "a phone number", "write + and its 6 to 15 digits, country code first"),
    "email": (re.compile(r"[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9_.-]+"), "an email address",
              "write the address readers write to, without spaces or a name"),
    "mastodon": (re.compile(r"@[a-z0-9_]+(?:[a-z0-9_.-]*[a-z0-9_])?@[a-z0-9_.-]+"), "a Mastodon handle",
                 "write @user@server"),
    **{kind: (_ACCOUNT, N_(f"a {kind} account name"),
              N_("write the account's name: no spaces, @, / or quotes"))
       for kind in ("wechat", "weibo", "discord")},
}
SHAPES["ticket"] = SHAPES["download"]
#: contacts.normalise's words for a value it cannot read ("{kind} value is not valid: {exc}"),
#: for the catalogue: contacts.py is a foundation and imports nothing of alertcast.
NORMALISE_MESSAGES = (
    N_("'{text}' is not a domain name"),
    N_("'{text[:60]}...' is longer than a domain name can be ({MAX_DOMAIN} characters)"),
    N_("'{text}' is not a valid domain name"),
)


@dataclass(frozen=True)
class Channel:
    kind: str
    value: str
    used_for: dict[str, str]  # lang -> what it is for
    never: dict[str, str]  # lang -> what it never does ({} when not said)
    line: int = field(default=1, compare=False)  # where it is in the data file


@dataclass(frozen=True)
class Official:
    names: tuple[str, ...] = ()
    channels: tuple[Channel, ...] = ()
    shown: str = DATA_FILE  # the data file as problems name it

    def __bool__(self) -> bool:
        return bool(self.channels)


def load_official(content_dir: Path, languages: tuple[str, ...], shown: str) -> tuple[Official, list[Problem]]:
    """The data file's channels, and a problem at its line for each entry that is wrong (the
    entry is left out). No file: no channels, no problem."""
    path = content_dir / DATA_FILE
    try:  # never through a link, and never blocking on a named pipe a pull request put there
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return Official(shown=shown), []
    except OSError as exc:
        return Official(shown=shown), [Problem(shown, 1, 1, "error", f"cannot be read: {exc.strerror}",
                                               "make it a readable regular file")]
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return Official(shown=shown), [Problem(shown, 1, 1, "error", "is not a regular file",
                                               "make it a plain YAML file")]
    with os.fdopen(fd, "rb") as fh:
        raw = fh.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        return Official(shown=shown), [Problem(shown, 1, 1, "error", f"is larger than {MAX_BYTES // 1024} KB",
                                               "list only the official channels here")]
    try:
        data, positions = yamlsource.load(raw.decode("utf-8"), aliases=False)
    except UnicodeDecodeError:
        return Official(shown=shown), [Problem(shown, 1, 1, "error", "is not UTF-8 text", "save it as UTF-8")]
    except yamlsource.YamlSyntaxError as exc:
        return Official(shown=shown), [Problem(shown, exc.position.line, exc.position.col, "error",
                                               f"is not valid YAML: {exc}", exc.hint or "fix the YAML syntax")]
    problems: list[Problem] = []

    def problem(key: tuple, level: str, message: str, hint: str) -> None:
        pos = yamlsource.position_of(positions, key)
        problems.append(Problem(shown, pos.line, pos.col, level, message, hint))

    if not isinstance(data, dict):
        problem((), "error", "must be a mapping with 'names' and 'channels'", "see docs/content.md, Official channels")
        return Official(shown=shown), problems
    for key in data:
        if key not in ("names", "channels"):
            problem((key,), "error", f"unknown key '{key}'", "use 'names' and 'channels' only")
    names = data.get("names") or []
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        problem(("names",), "error", "'names' must be a list of names", "write e.g. names: [alertcast]")
        names = []
    for index, name in enumerate(names):
        if not re.fullmatch(r"[^\W_]{3,63}", name.strip()):
            problem(("names", index), "error", f"name '{name}' is not a name as domains and handles use it: every "
                    "domain or handle that contains it would be called a look-alike of ours",
                    "write our name alone: 3 or more letters or digits, as in alertcast")
    names = [n for n in names if re.fullmatch(r"[^\W_]{3,63}", n.strip())]
    listed: list[tuple[int, Channel]] = []
    for index, item in enumerate(data.get("channels") or []):
        channel = _channel(item, index, languages, problem)
        if channel is not None:
            line = yamlsource.position_of(positions, ("channels", index)).line
            listed.append((index, Channel(channel.kind, channel.value, channel.used_for, channel.never, line)))
    domains = [c.value for _, c in listed if c.kind == "domain"]
    channels: list[Channel] = []
    for index, channel in listed:
        imitated = _imitated(channel, [c for _, c in listed], names)
        if imitated:
            problem(("channels", index, "value"), "error", f"{channel.kind} '{channel.value}' imitates our official "
                    f"{imitated.kind} '{imitated.value}' with look-alike characters",
                    "leave it out, even if you registered it to keep it from scammers: the Verify page would call "
                    "it official, and readers must learn that a look-alike is never us")
            continue
        host = channel.value.partition("://")[2].split("/")[0]
        if channel.kind in URL_KINDS and not any(host == d or host.endswith("." + d) for d in domains):
            problem(("channels", index, "value"), "error", f"{channel.kind} '{channel.value}' is on no official domain",
                    f"list '{host}' (or the domain it is under) as a domain of ours first, if it is ours")
            continue
        channels.append(channel)
    seen: dict[tuple[str, str], int] = {}
    for channel in channels:
        if (channel.kind, channel.value) in seen:
            problems.append(Problem(shown, channel.line, 1, "error",
                                    f"{channel.kind} '{channel.value}' is listed twice (also on line "
                                    f"{seen[(channel.kind, channel.value)]})", "delete one of the two entries"))
        seen.setdefault((channel.kind, channel.value), channel.line)
    return Official(tuple(n.strip().lower() for n in names), tuple(channels), shown), problems


def _channel(item: object, index: int, languages: tuple[str, ...], problem) -> Channel | None:  # type: ignore[no-untyped-def]
    key = ("channels", index)
    if not isinstance(item, dict):
        problem(key, "error", "each channel must be a mapping with kind, value and for",
                "write e.g. - kind: telegram, value: '@name', for: {zh: ..., en: ...}")
        return None
    for name in item:
        if name not in CHANNEL_KEYS:
            problem(key + (name,), "error", f"unknown key '{name}' in a channel", "use kind, value, for and never")
    kind, value = item.get("kind"), item.get("value")
    if kind not in KINDS:
        problem(key + ("kind",), "error", f"kind '{kind}' is not one alertcast knows", f"use one of: {', '.join(KINDS)}")
        return None
    if not isinstance(value, str) or not value.strip():
        problem(key + ("value",), "error", "value is missing or not text", "write the handle, domain, address or URL")
        return None
    try:
        normal = normalise(kind, value)
    except ValueError as exc:
        problem(key + ("value",), "error", f"{kind} value is not valid: {exc}", "write it as readers would type it")
        return None
    if normal != value:
        problem(key + ("value",), "error", f"{kind} '{value}' is not in its normal form",
                f"write it as '{normal}' (lower case, domains in punycode, handles with their @)")
        return None
    if kind == "domain" and is_public_suffix(value):
        problem(key + ("value",), "error", f"domain '{value}' is a public suffix: anyone can have a name under it",
                f"list the name registered for you under it (e.g. yourname.{value})")
        return None
    shape = SHAPES.get(kind)
    if shape is not None and not shape[0].fullmatch(value):
        problem(key + ("value",), "error", f"official {kind} '{value}' is not {shape[1]}", shape[2])
        return None
    texts = {}
    for name in ("for", "never"):
        given = item.get(name) or {}
        if not isinstance(given, dict) or not all(isinstance(v, str) for v in given.values()):
            problem(key + (name,), "error", f"'{name}' must give a text per language",
                    "write e.g. for: {zh: 官方频道, en: Official channel}")
            given = {}
        texts[name] = {lang: given[lang].strip() for lang in languages if isinstance(given.get(lang), str)}
    missing = [lang for lang in languages if not texts["for"].get(lang)]
    if missing:
        problem(key + ("for",), "error", f"'for' has no text in {', '.join(missing)}",
                "say in each language what this channel is for")
    return Channel(kind, value, texts["for"], texts["never"])


def _imitated(channel: Channel, listed: list[Channel], names: list) -> Channel | None:
    """The other official channel `channel` reads as, written with other characters (a Cyrillic
    а, a 1 for an l), as the Verify page would tell a reader; None when it imitates none."""
    from ..contacts import check, confusable_chars, unicode_domain

    if not confusable_chars(unicode_domain(channel.value) if channel.kind == "domain" else channel.value):
        return None  # written in the characters it looks like: the other one is the imitation
    others = [c for c in listed if c is not channel]
    data = as_data(Official(tuple(n.strip().lower() for n in names if isinstance(n, str)), tuple(others)))
    verdict = check(channel.value, data, {})
    if verdict["verdict"] == "lookalike" and "confusable" in verdict["reasons"]:
        found = verdict["channels"][0]
        return next(c for c in others if (c.kind, c.value) == (found["kind"], found["value"]))
    return None


@cache
def public_suffixes() -> PublicSuffixList:
    """The Public Suffix List as the package bundles it (github.io, co.uk, ...): never fetched."""
    return PublicSuffixList()


def is_public_suffix(domain: str) -> bool:
    """Whether `domain` (normal form) is on the Public Suffix List. A name is one only when the
    list has a rule for it (`co.uk`) or a wildcard over it (`*.kawasaki.jp`) or over its parent
    (`*.ck`): the list's text is searched for those lines first, and parsed only when one is
    there (parsing its 10,000 rules was 0.04 s of every load)."""
    if "xn--" not in domain:  # the list writes its names in Unicode: those go to the parser
        parent = domain.partition(".")[2]
        rules = rf"^(?:(?:\*\.)?{re.escape(domain)}|\*\.{re.escape(parent)})(?=\s|$)"
        if not re.search(rules, _public_suffix_text(), re.MULTILINE):
            return False
    return public_suffixes().is_public(domain)


@cache
def _public_suffix_text() -> str:
    return Path(PSLFILE).read_text(encoding="utf-8").lower()


def as_data(official: Official) -> dict:
    """The channels as official.json lists them (and as contacts.check reads them)."""
    return {"names": list(official.names),
            "channels": [{"kind": c.kind, "value": c.value, "for": c.used_for, "never": c.never}
                         for c in official.channels]}


def indicator_text(kind: str, value: str) -> str | None:
    """A scam indicator as a reader would paste it (None for an address: never a channel of ours)."""
    if kind == "domains":
        return value.replace("[.]", ".")
    if kind == "handles":
        platform, _, name = value.partition(":")
        host = {"telegram": "t.me", "x": "x.com"}.get(platform.strip().lower())
        return f"{host}/{name.strip().lstrip('@')}" if host else name.strip()
    return None


def cross_check(content, files: list) -> list[Problem]:  # type: ignore[no-untyped-def]
    """An error for a scam indicator that is one of our channels, and a warning for one that
    imitates one of our channels while the alert's text never names the channel it imitates
    (readers comparing the two need to be told which is ours)."""
    from ..contacts import check

    official = content.official
    if not official:
        return []
    data = as_data(official)
    problems: list[Problem] = []
    sources = {(s.section, s.stem, s.lang): s for s in files}
    for alert in content.alerts:
        if alert.is_withdrawn:
            continue
        texts = [(sources.get(("alerts", t.source.name.split(".")[0], lang)), t) for lang, t in alert.texts.items()]
        for kind, value in alert.indicators.in_order():
            pasted = indicator_text(kind, value)
            if pasted is None:
                continue
            verdict = check(pasted, data, {})
            index = getattr(alert.indicators, kind).index(value)
            for source, text in texts[:1] if verdict["verdict"] == "official" else texts:
                if source is None:
                    continue
                if verdict["verdict"] == "official":
                    channel = verdict["channels"][0]
                    problems.append(source.problem(("scam_indicators", kind, index), "error",
                                                   f"scam indicator '{value}' is our official {channel['kind']} "
                                                   f"'{channel['value']}' ({official.shown}:{_line(official, channel)})",
                                                   "remove it from the alert, or from the official channels if it is "
                                                   "no longer ours"))
                elif verdict["verdict"] == "lookalike":
                    imitated = verdict["channels"][0]["value"]
                    said = (text.title + " " + text.summary + " " + text.body).lower()
                    if imitated.lower() not in said:
                        problems.append(source.problem(
                            ("scam_indicators", kind, index), "warning",
                            f"scam indicator '{value}' imitates our official {verdict['channels'][0]['kind']} "
                            f"'{imitated}' ({', '.join(verdict['reasons'])}), but the alert does not name it",
                            f"say in the text that ours is '{imitated}', so readers can tell them apart"))
    return problems


def _line(official: Official, channel: dict) -> int:
    return next((c.line for c in official.channels if (c.kind, c.value) == (channel["kind"], channel["value"])), 1)
