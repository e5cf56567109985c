"""Is this contact ours? A handle, link, domain, email, phone number or address a reader was
sent, checked against the official channels (`/api/v1/official.json`) and the scam indicators
(`/api/v1/indicators.json`).

The Verify page runs the same steps in the reader's browser (templates/site/overrides/assets/
alertcast/verify.js, kept line for line in step with this module, and tested with the same
table), so nothing the reader types leaves the page; `alertcast verify` and `check` run them
here. The verdict is one of:

- `official`: the contact is one of the listed channels (or a name under an official domain);
- `scam`: an alert names it as a scam indicator;
- `lookalike`: it imitates an official channel, with the reasons (`REASONS`);
- `unknown`: none of these: the advice is what official support never does.

Look-alikes are found on the "skeleton" of a name (Unicode's UTS #39 idea): each character
that looks like an ASCII letter or digit becomes that one (`confusables.json`, made by
scripts/confusables.py from Unicode's confusables data), so `walIet` and `wаllet` (Cyrillic а)
both read `wallet`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import idna

CONFUSABLES_FILE = (Path(__file__).resolve().parent / "templates" / "site" / "overrides" / "assets" / "alertcast"
                    / "confusables.json")
#: Kinds of official channel whose value is a handle on a network (compared with a pasted handle).
HANDLE_KINDS = ("telegram", "x", "wechat", "weibo", "discord")
#: Kinds whose value is an address on the web (compared with a pasted link by its domain).
URL_KINDS = ("download", "ticket")
KINDS = ("domain", *URL_KINDS, "email", "phone", *HANDLE_KINDS, "mastodon", "bluesky")
#: Why a contact is a look-alike, in the order they are reported.
REASONS = ("punycode", "confusable", "extra_char", "missing_char", "changed_char", "swapped_chars", "tld",
           "subdomain", "added_words")
#: Links to these hosts name a handle on a network: t.me/<name> is the Telegram account <name>.
HANDLE_HOSTS = {"t.me": "telegram", "telegram.me": "telegram", "telegram.dog": "telegram", "x.com": "x",
                "twitter.com": "x", "mobile.twitter.com": "x", "www.x.com": "x", "www.twitter.com": "x",
                "weibo.com": "weibo", "www.weibo.com": "weibo", "discord.gg": "discord"}
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
_TRAILING = ".,;:!?\u3002\uff0c\uff1b\uff1a\uff01\uff1f\u3001/"
_SEPARATORS = re.compile(r"[-_.]")
#: The longest domain name (RFC 1035; its Unicode form is never longer than its punycode).
MAX_DOMAIN = 253
_NAME = re.compile(r"[^@\s/]+")  # a Mastodon user or a host
_LOCAL = re.compile(r"[^@\s/:]+")  # an email address's local part
#: Host names idna leaves as they are (lower-case ASCII letters, digits, '-', '.') or refuses
#: while browsers accept them (underscores, hyphens anywhere, empty labels): either way the
#: name is its own normal form, found without idna's tables (two thousand indicators in `check`).
_PLAIN_HOST = re.compile(r"[a-z0-9_.-]+")


@cache
def confusables() -> dict[str, str]:
    return json.loads(CONFUSABLES_FILE.read_text(encoding="utf-8"))


@cache
def _confusable_table() -> dict[int, str]:
    """confusables() as str.translate reads it: a check of two thousand indicators mapped their
    characters one by one in Python for a third of its time."""
    return {ord(char): ascii for char, ascii in confusables().items()}


def skeleton(text: str) -> str:
    """What `text` looks like: NFKC (full-width letters become ASCII), then each confusable
    character replaced by the ASCII one it imitates, lower case, and "rn" read as "m"."""
    table = _confusable_table()
    return unicodedata.normalize("NFKC", text).translate(table).lower().translate(table).replace("rn", "m")


def confusable_chars(text: str) -> list[str]:
    """The characters of `text` that look like another ASCII character than they are."""
    table = confusables()
    return sorted({c for c in unicodedata.normalize("NFKC", text) if table.get(c, c.lower()) != c.lower()})


def normalise_domain(text: str) -> str:
    """Lower case, ASCII (punycode for an IDN, as browsers do: UTS #46), no trailing dot.
    Raises ValueError when it is not a domain name."""
    host = unicodedata.normalize("NFKC", text).strip().rstrip(".").lower()
    if not host or any(c in host for c in "/:@ ") or "." not in host:
        raise ValueError(f"'{text}' is not a domain name")
    if len(host) > MAX_DOMAIN:  # also spares idna a megabyte pasted as one (ten seconds)
        raise ValueError(f"'{text[:60]}...' is longer than a domain name can be ({MAX_DOMAIN} characters)")
    if host.isascii() and _PLAIN_HOST.fullmatch(host):
        return host  # what idna gives such a name, or a name browsers accept that IDNA 2008 does not
    try:
        return idna.encode(host, uts46=True, transitional=False).decode("ascii")
    except idna.IDNAError:
        raise ValueError(f"'{text}' is not a valid domain name") from None


def unicode_domain(host: str) -> str:
    """The domain as a reader sees it (its punycode labels decoded)."""
    labels = []
    for label in host.split("."):
        try:
            labels.append(idna.decode(label) if label.startswith("xn--") else label)
        except idna.IDNAError:
            labels.append(label)
    return ".".join(labels)


def normalise_handle(kind: str, text: str) -> str:
    """`@name` in lower case for Telegram and X (both ignore case); `@user@host` for Mastodon;
    a domain for Bluesky; the name in lower case elsewhere."""
    text = unicodedata.normalize("NFKC", text).strip()
    if kind in ("telegram", "x"):
        return "@" + text.lstrip("@").lower()
    if kind == "mastodon":
        user, _, host = text.lstrip("@").partition("@")
        return f"@{user.lower()}@{normalise_domain(host)}"
    if kind == "bluesky":
        return normalise_domain(text.lstrip("@"))
    return text.lower()


def normalise(kind: str, text: str) -> str:
    """The one form of an official channel's value that lists, official.json and matching use."""
    if kind == "domain":
        return normalise_domain(text)
    if kind in URL_KINDS:
        scheme, _, rest = text.strip().partition("://")
        host, slash, path = rest.partition("/")
        return f"{scheme.lower()}://{normalise_domain(host)}{slash}{path}"
    if kind == "email":
        local, _, host = unicodedata.normalize("NFKC", text).strip().partition("@")
        return f"{local.lower()}@{normalise_domain(host)}"
    if kind == "phone":
        return "+" + re.sub(r"\D", "", text, flags=re.ASCII)
    return normalise_handle(kind, text)


def parse(text: str) -> dict[str, Any]:
    """What the reader pasted: {kind, value} with kind one of url, domain, email, phone,
    address, handle (with its `platform` when the link says it) or text."""
    t = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).strip().strip("\"'<>()[]`")
    t = t.rstrip(_TRAILING) if not re.match(r"^[a-z][a-z0-9+.-]*://", t, re.I) else t.rstrip(".,;:!?")
    low = t.lower()
    if low.startswith("mailto:"):
        t, low = t[7:], low[7:]
    if low.startswith("tel:"):
        t = t[4:]
    if re.fullmatch(r"\+?[\d\s().-]{6,}", t, re.ASCII) and 6 <= len(re.sub(r"\D", "", t, flags=re.ASCII)) <= 15:
        return {"kind": "phone", "value": normalise("phone", t)}
    if re.fullmatch(r"0x[0-9a-fA-F]{40}", t):
        return {"kind": "address", "value": t.lower()}
    if re.fullmatch(r"T[1-9A-HJ-NP-Za-km-z]{33}", t):
        return {"kind": "address", "value": t}
    if t.startswith("@") and _at_host(t[1:], _NAME):
        try:
            return {"kind": "handle", "platform": "mastodon", "value": normalise_handle("mastodon", t)}
        except ValueError:
            return {"kind": "text", "value": t}
    if _at_host(t, _LOCAL):
        local, _, host = t.partition("@")
        try:
            return {"kind": "email", "value": f"{local.lower()}@{normalise_domain(host)}"}
        except ValueError:
            return {"kind": "text", "value": t}
    if not t.startswith("@") and " " not in t and ("." in t.split("/")[0] or "://" in t):
        return _link(t)
    if re.fullmatch(r"@?[\w.-]{2,64}", t):
        return {"kind": "handle", "platform": None, "value": t.lstrip("@")}
    return {"kind": "text", "value": t}


def _at_host(text: str, before: re.Pattern) -> bool:
    """Whether `text` is `before@host`, the host with a dot inside (`X+@[^@\\s/]+\\.[^@\\s/]+`),
    tested part by part: that one regex backtracks, so a long paste with no end took time
    quadratic in its length (tens of kilobytes: seconds; a megabyte: hours)."""
    name, at, host = text.partition("@")
    return (bool(at) and before.fullmatch(name) is not None and _NAME.fullmatch(host) is not None
            and "." in host[1:-1])


def _link(t: str) -> dict[str, Any]:
    rest = re.sub(r"^[a-z][a-z0-9+.-]*://", "", t, flags=re.I)
    split = re.match(r"([^/?#]*)(.*)", rest, re.S)
    host, path = split.group(1).rpartition("@")[2].split(":")[0], split.group(2)  # type: ignore[union-attr]
    try:
        ascii_host = normalise_domain(host)
    except ValueError:
        return {"kind": "text", "value": t}
    platform = HANDLE_HOSTS.get(ascii_host)
    name = path.lstrip("/").split("/")[0].split("?")[0].split("#")[0]
    if platform and name:
        return {"kind": "handle", "platform": platform, "value": name.lstrip("@")}
    kind = "url" if path.strip("/") else "domain"
    return {"kind": kind, "value": ascii_host + (path if kind == "url" else ""), "host": ascii_host,
            "shown": host.rstrip(".")}


def check(text: str, official: dict, indicators: dict) -> dict[str, Any]:
    """The verdict on `text` (see the module): {input, kind, value, verdict, channels (official
    ones it is or imitates), alerts (ids of the alerts that name it), reasons}."""
    contact = parse(text)
    result = {"input": text, **contact, "verdict": "unknown", "channels": [], "alerts": [], "reasons": []}
    channels = official.get("channels", [])
    names = [skeleton(n) for n in official.get("names", [])]
    kind, value = contact["kind"], contact["value"]
    host = contact.get("host") or (value.partition("@")[2] if kind == "email" else None)
    found = _official(contact, host, channels)
    if found:
        return {**result, "verdict": "official", "channels": found}
    alerts = _scam(contact, host, indicators.get("indicators", []))
    if alerts:
        return {**result, "verdict": "scam", "alerts": alerts}
    if kind == "handle" and contact.get("platform") != "mastodon":
        imitated, reasons = _handle_lookalike(value, contact.get("platform"), channels, names)
    elif host:
        imitated, reasons = _domain_lookalike(host, contact.get("shown") or host, channels, names)
    else:
        imitated, reasons = [], []
    if reasons:
        return {**result, "verdict": "lookalike", "channels": imitated, "reasons": reasons}
    return result


def _under(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def on_domain(url: str, domain: str) -> bool:
    """True when `url`'s host is `domain` or a subdomain of it."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    domain = domain.lower().strip(".")
    return bool(domain) and (host == domain or host.endswith("." + domain))


def _official(contact: dict, host: str | None, channels: list[dict]) -> list[dict]:
    kind, value = contact["kind"], contact["value"]
    if kind == "handle":
        name = value.lower().lstrip("@")
        return [c for c in channels if c["kind"] in HANDLE_KINDS + ("mastodon", "bluesky")
                and contact.get("platform") in (None, c["kind"]) and c["value"].lstrip("@") == name]
    if kind in ("phone", "email"):
        return [c for c in channels if c["kind"] == kind and c["value"] == value]
    if kind in ("url", "domain") and host:
        if kind == "url":
            pages = [c for c in channels if c["kind"] in URL_KINDS
                     and (value + "/").startswith(c["value"].partition("://")[2].rstrip("/") + "/")]
            if pages:
                return pages
        domains = [c for c in channels if c["kind"] == "domain" and _under(host, c["value"])]
        return sorted(domains, key=lambda c: -len(c["value"]))[:1]  # the most precise one
    return []


def _scam(contact: dict, host: str | None, indicators: list[dict]) -> list[str]:
    kind, value = contact["kind"], contact["value"]
    ids: set[str] = set()
    for item in indicators:
        listed = item["value"]
        if item["type"] == "domain" and host and _under(host, listed):
            ids.update(item["alerts"])
        elif item["type"] == "address" and kind == "address" and listed.partition(":")[2] == value:
            ids.update(item["alerts"])
        elif item["type"] == "handle" and kind == "handle":
            platform, _, name = listed.partition(":")
            if contact.get("platform") in (None, platform) and name.lstrip("@") == value.lower().lstrip("@"):
                ids.update(item["alerts"])
    return sorted(ids)


def distance(a: str, b: str) -> int:
    """Edits (insert, delete, change, swap of neighbours) from `a` to `b` (optimal string alignment)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _edit(a: str, b: str) -> str | None:
    """The reason `a` is one edit away from `b`, or None."""
    if a == b or abs(len(a) - len(b)) > 1 or distance(a, b) != 1:
        return None
    if len(a) != len(b):
        return "extra_char" if len(a) > len(b) else "missing_char"
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return "swapped_chars" if len(diff) == 2 else "changed_char"


def _bare(text: str) -> str:
    return _SEPARATORS.sub("", text)


def _handle_lookalike(value: str, platform: str | None, channels: list[dict],
                      names: list[str]) -> tuple[list[dict], list[str]]:
    handles = [c for c in channels if c["kind"] in HANDLE_KINDS and platform in (None, c["kind"])]
    shown = value.lstrip("@")
    mine = skeleton(shown)
    for channel in handles:
        theirs = skeleton(channel["value"].lstrip("@"))
        if mine == theirs:
            return [channel], ["confusable"]
        edit = _edit(mine, theirs)
        if edit:
            return [channel], (["confusable"] if confusable_chars(shown) else []) + [edit]
    for channel in handles:
        theirs = skeleton(channel["value"].lstrip("@"))
        if _bare(theirs) in _bare(mine) or any(n in _bare(mine) for n in names):
            return [channel], (["confusable"] if confusable_chars(shown) else []) + ["added_words"]
    return [], []


def _domain_lookalike(host: str, shown: str, channels: list[dict], names: list[str]) -> tuple[list[dict], list[str]]:
    domains = [c for c in channels if c["kind"] == "domain"]
    readable = unicode_domain(host) if "xn--" in host else unicodedata.normalize("NFKC", shown).lower()
    punycode = ["punycode"] if "xn--" in host else []
    confusable = ["confusable"] if confusable_chars(readable) else []
    mine = skeleton(readable)
    for channel in domains:
        theirs = skeleton(channel["value"])
        if mine == theirs or mine.endswith("." + theirs):
            return [channel], punycode + (confusable or ["confusable"])
    if not domains:
        return [], []
    labels = mine.split(".")
    for index, label in enumerate(labels[:-1]):
        for name in names:
            position = "tld" if index == len(labels) - 2 else "subdomain"
            reason = ([position] if label == name else [edit] if (edit := _edit(label, name)) else
                      ["added_words"] if name in _bare(label) else [])
            if reason:
                if position == "subdomain" and reason[0] != "subdomain":
                    reason.append("subdomain")
                return [_registered(domains)], punycode + confusable + reason
    return [], []


def _registered(domains: list[dict]) -> dict:
    """The official domain a look-alike imitates: the registered one (the shortest)."""
    return min(domains, key=lambda c: (len(c["value"]), c["value"]))
