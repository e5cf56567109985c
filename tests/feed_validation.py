"""Feed validators that are not alertcast's: each returns the list of problems it finds.

- Atom: the RELAX NG schema of RFC 4287 (Appendix B, `schemas/atom.rnc`, converted with
  rnc2rng and run by libxml2 through lxml), plus the Schematron rules embedded in that
  schema, evaluated as the XPath they are.
- RSS 2.0: the elements the RSS 2.0 specification requires, with RFC 822 dates.
- JSON Feed 1.1: the rules of https://jsonfeed.org/version/1.1.
- All three: feedparser reads the feed without complaint, and every date is plausible as the
  W3C Feed Validation Service judges it (`ImplausibleDate`: before 1990, or in the future of
  the moment the feed is for).
"""

from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import rnc2rng
from lxml import etree

ATOM = "http://www.w3.org/2005/Atom"
SCHEMATRON = "http://www.ascc.net/xml/schematron"
EARLIEST = datetime(1990, 1, 1).astimezone()


@functools.cache
def _atom_schema() -> tuple[etree.RelaxNG, list[tuple[str, str, str]]]:
    rng = rnc2rng.dumps(rnc2rng.loads((Path(__file__).parent / "schemas" / "atom.rnc").read_text()))
    # rnc2rng declares the empty `local` prefix the schema uses for "no namespace"; XML 1.0
    # namespaces do not allow binding a prefix to "", and RELAX NG does not need it.
    doc = etree.fromstring(rng.replace('xmlns:local=""', "").encode())
    rules = [(rule.get("context"), test.get("test"), " ".join(test.text.split()))
             for rule in doc.iter(f"{{{SCHEMATRON}}}rule") for test in rule.iter(f"{{{SCHEMATRON}}}assert")]
    return etree.RelaxNG(doc), rules


def _plausible(when: datetime | None, now: datetime, where: str) -> list[str]:
    if when is None:
        return [f"{where}: no date"]
    if when < EARLIEST:
        return [f"{where}: implausible date {when.isoformat()} (before 1990)"]
    if when > now + timedelta(minutes=10):
        return [f"{where}: implausible date {when.isoformat()} (in the future of {now.isoformat()})"]
    return []


def _feedparser(data: bytes) -> list[str]:
    parsed = feedparser.parse(data)
    return [f"feedparser: {parsed.get('bozo_exception')}"] if parsed.bozo else []


def atom_problems(data: bytes, now: datetime) -> list[str]:
    schema, rules = _atom_schema()
    doc = etree.fromstring(data)
    problems = [f"RFC 4287 schema: line {e.line}: {e.message}" for e in schema.error_log] if not schema.validate(doc) else []
    ns = {"atom": ATOM}
    for context, test, message in rules:
        for node in doc.xpath(f"descendant-or-self::{context}", namespaces=ns):
            if not node.xpath(f"boolean({test})", namespaces=ns):
                problems.append(f"RFC 4287 schema (Schematron): line {node.sourceline}: {message}")
    for el in doc.iter(f"{{{ATOM}}}updated", f"{{{ATOM}}}published"):
        problems += _plausible(datetime.fromisoformat(el.text.strip()), now, f"line {el.sourceline}: {el.tag.split('}')[1]}")
    return problems + _feedparser(data)


def _rfc822(text: str | None) -> datetime | None:
    try:
        return parsedate_to_datetime(text) if text else None
    except (TypeError, ValueError):
        return None


def rss_problems(data: bytes, now: datetime) -> list[str]:
    doc = etree.fromstring(data)
    problems = [] if doc.tag == "rss" and doc.get("version") == "2.0" else ["not an RSS 2.0 document"]
    channel = doc.find("channel")
    if channel is None:
        return problems + ["no <channel>"]
    for tag in ("title", "link", "description"):
        if not (channel.findtext(tag) or "").strip():
            problems.append(f"channel: missing required element <{tag}>")
    for tag in ("pubDate", "lastBuildDate"):
        if channel.find(tag) is not None:
            problems += _plausible(_rfc822(channel.findtext(tag)), now, f"channel <{tag}>")
    for item in channel.iter("item"):
        where = f"item line {item.sourceline}"
        if not (item.findtext("title") or item.findtext("description")):
            problems.append(f"{where}: an item needs a title or a description")
        guid = item.find("guid")
        if guid is not None and guid.get("isPermaLink", "true") == "true" and not urlsplit(guid.text or "").scheme:
            problems.append(f"{where}: a permalink guid must be a URL")
        if item.find("pubDate") is not None:
            problems += _plausible(_rfc822(item.findtext("pubDate")), now, f"{where} <pubDate>")
    return problems + _feedparser(data)


def _rfc3339(text: object) -> datetime | None:
    if not isinstance(text, str) or "T" not in text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def json_feed_problems(data: bytes, now: datetime) -> list[str]:
    """The JSON Feed 1.1 rules: `version` and `title` required, `items` an array; each item has
    a unique string `id` and `content_html` or `content_text`; dates in RFC 3339; URLs
    absolute; extension keys start with `_`; `authors` an array of objects with a name, url
    or avatar."""
    try:
        doc = json.loads(data)
    except ValueError as exc:
        return [f"not JSON: {exc}"]
    known = {"version", "title", "home_page_url", "feed_url", "description", "user_comment", "next_url", "icon",
             "favicon", "authors", "author", "language", "expired", "hubs", "items"}
    problems = []
    if doc.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append("version must be https://jsonfeed.org/version/1.1")
    if not isinstance(doc.get("title"), str) or not doc["title"]:
        problems.append("title is required")
    problems += [f"unknown top-level key {k!r} (extensions start with _)" for k in doc if k not in known and not k.startswith("_")]
    for key in ("home_page_url", "feed_url"):
        if key in doc and not urlsplit(doc[key]).scheme:
            problems.append(f"{key} must be an absolute URL")
    problems += _authors(doc.get("authors"), "feed")
    items = doc.get("items")
    if not isinstance(items, list):
        return problems + ["items must be an array"]
    item_keys = {"id", "url", "external_url", "title", "content_html", "content_text", "summary", "image",
                 "banner_image", "date_published", "date_modified", "authors", "author", "tags", "language",
                 "attachments"}
    seen = set()
    for n, item in enumerate(items):
        where = f"items[{n}]"
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"{where}: id must be a non-empty string")
        elif item["id"] in seen:
            problems.append(f"{where}: duplicate id {item['id']}")
        seen.add(item.get("id"))
        if not any(isinstance(item.get(k), str) for k in ("content_html", "content_text")):
            problems.append(f"{where}: content_html or content_text is required")
        problems += [f"{where}: unknown key {k!r} (extensions start with _)" for k in item if k not in item_keys and not k.startswith("_")]
        if "url" in item and not urlsplit(item["url"]).scheme:
            problems.append(f"{where}: url must be absolute")
        if "tags" in item and not (isinstance(item["tags"], list) and all(isinstance(t, str) for t in item["tags"])):
            problems.append(f"{where}: tags must be an array of strings")
        for key in ("date_published", "date_modified"):
            if key in item:
                when = _rfc3339(item[key])
                problems += [f"{where}: {key} is not RFC 3339"] if when is None else _plausible(when, now, f"{where} {key}")
        problems += _authors(item.get("authors"), where)
    return problems


def _authors(authors: object, where: str) -> list[str]:
    if authors is None:
        return []
    if not isinstance(authors, list) or not all(isinstance(a, dict) and ({"name", "url", "avatar"} & set(a))
                                                for a in authors):
        return [f"{where}: authors must be an array of objects with a name, url or avatar"]
    return []


def feed_problems(path: str, data: bytes, now: datetime) -> list[str]:
    """Problems of one feed file, chosen by its name."""
    if path.endswith((".atom.xml", ".atom")):
        return atom_problems(data, now)
    if path.endswith(".rss.xml"):
        return rss_problems(data, now)
    if path.endswith(".json"):
        return json_feed_problems(data, now)
    raise ValueError(f"not a feed: {path}")
