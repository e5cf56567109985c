"""Rules that need more than one file: links, references, lengths, indicators.

Each rule returns problems pointing at the exact line an editor has to change.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterator
from urllib.parse import urlsplit

from ..problems import Problem
from ..render.length import RULES, URL
from .models import SOCIAL_CHANNELS, Alert, Content

if TYPE_CHECKING:
    from ..config import Config
    from .loader import SourceFile
    from .parsecache import ParseCache

_MD_LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
_REF_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>", re.IGNORECASE)
_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_ASCII_LOOKALIKES = "\u0130\u0131\u017f\u212a"  # İ ı ſ K: re.IGNORECASE matches them to i, i, s, k
_HTML_OR_MD = re.compile(r"(<[a-zA-Z/][^>]*>|\*\*|__|\[[^\]]+\]\(|^#+\s)", re.MULTILINE)


def lint(content: Content, files: list[SourceFile], config: Config, cache: ParseCache | None = None) -> list[Problem]:
    """Every cross-file problem. With a `cache`, a file's problems are reused while the file,
    its alert, the guide ids and the settings the rules read are all unchanged; links to
    other files are always checked again, as those files may have come or gone."""
    problems: list[Problem] = []
    guides = frozenset(g.id for g in content.guides)
    alerts = {a.id: a for a in content.alerts}
    enabled = set(config.enabled_channels)
    settings = (config.site_url, config.languages, config.settings.allowed_link_domains, config.enabled_channels,
                guides)
    for source in files:
        if _may_link(source.body):
            problems += _body_links(source, config)
        alert = alerts.get(getattr(source.matter, "id", None) or source.stem) if source.section == "alerts" else None

        def rules(source: SourceFile = source, alert: Alert | None = alert) -> list[Problem]:
            return list(_file_rules(source, alert, guides, enabled, config))

        problems += rules() if cache is None else cache.joined("lint", (source, alert), rules, settings)
    return problems


def _file_rules(source: SourceFile, alert: Alert | None, guides: frozenset[str], enabled: set[str],
                config: Config) -> Iterator[Problem]:
    """The rules that read only this file, its alert, the guide ids and settings."""
    yield from _related(source, guides)
    yield from _summary_plain(source)
    if source.section == "alerts" and alert is not None:
        yield from _indicators_in_body(source, alert.indicators.domains)
        yield from _summary_links(source, config)
        yield from _banner(source, config)
        yield from _channels(source, enabled)
        yield from _summary_length(source, alert.id, alert.channels, config)


def _related(source: SourceFile, guides: frozenset[str]) -> Iterator[Problem]:
    for index, ref in enumerate(getattr(source.matter, "related", []) or []):
        if ref not in guides:
            yield source.problem(("related", index), "error", f"related guide '{ref}' does not exist",
                                 f"use the id of a guide in guides/ ({_nearest(ref, guides)})")


def _nearest(name: str, options: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(options), n=1)
    return f"did you mean '{close[0]}'?" if close else "see content/guides/"


def _mask_code(body: str) -> str:
    """Blank out code blocks and spans, keeping offsets, so what is in code is not read as a link."""
    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))
    return _CODE_SPAN.sub(blank, _FENCE.sub(blank, body))


def _where(source: SourceFile, body: str, offset: int) -> tuple[int, int]:
    line = source.body_line + body.count("\n", 0, offset)
    col = offset - (body.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _may_link(body: str) -> bool:
    """False when no link pattern can match: each needs one of these (masking code adds none)."""
    return "](" in body or "]:" in body or "<" in body


def _links(body: str) -> Iterator[tuple[int, str]]:
    for pattern in (_MD_LINK, _REF_LINK, _AUTOLINK):
        for match in pattern.finditer(body):
            yield match.start(1), match.group(1)


def _body_links(source: SourceFile, config: Config) -> Iterator[Problem]:
    body = _mask_code(source.body)
    base_dir = source.path.parent
    root = None  # resolved only when a relative link needs it: resolving is a syscall per path part
    for offset, target in _links(body):
        line, col = _where(source, body, offset)
        parts = urlsplit(target)
        if parts.scheme in ("http", "https"):
            if not config.allows_link(target):
                yield Problem(source.shown, line, col, "warning", f"link to {parts.hostname}, a domain not on the allow-list",
                              "link only to official domains, or add it to extra.alertcast.allowed_link_domains")
            continue
        if parts.scheme or target.startswith(("#", "/")) or not parts.path:
            continue
        root = root or config.content_dir.resolve()
        if not _exists(base_dir, parts.path, root, config.languages):
            yield Problem(source.shown, line, col, "error", f"broken link: {target} does not exist",
                          "link to another page by its file, e.g. ../guides/backup-recovery-phrase.md")


def _exists(base_dir: Path, target: str, root: Path, languages: tuple[str, ...]) -> bool:
    path = (base_dir / target).resolve()
    try:
        path.relative_to(root)
    except ValueError:
        return False
    if path.exists():
        return True
    if path.suffix == ".md":
        stem = path.name[: -len(".md")]
        return any((path.parent / f"{stem}.{lang}.md").exists() for lang in languages)
    return False


def _indicators_in_body(source: SourceFile, domains: tuple[str, ...]) -> Iterator[Problem]:
    if not domains:
        return
    # Compiling one pattern per domain dominated loading; most bodies never mention their
    # domains, so a plain substring test rules them out first. It is exact: the only
    # non-ASCII letters that match ASCII ones case-insensitively are the few below, and
    # masking code only blanks text out, so what the raw body lacks the masked one lacks.
    lowered = None if any(ch in source.body for ch in _ASCII_LOOKALIKES) else source.body.lower()
    mentioned = [d for d in domains if lowered is None or d.lower() in lowered]
    if not mentioned:
        return
    body = _mask_code(source.body)
    for domain in mentioned:
        pattern = re.compile(r"(?<![\w.-])(?:https?://)?" + re.escape(domain) + r"(?![\w-])", re.IGNORECASE)
        for match in pattern.finditer(body):
            line, col = _where(source, body, match.start())
            defanged = domain.replace(".", "[.]")
            yield Problem(source.shown, line, col, "error",
                          f"scam indicator {domain} is written so that it can become a clickable link",
                          f"write it defanged as `{defanged}` (in backticks), never as a link")


def _summary_links(source: SourceFile, config: Config) -> Iterator[Problem]:
    for url in URL.findall(source.matter.summary):
        if not config.allows_link(url):
            yield source.problem(("summary",), "error", f"summary links to {urlsplit(url).hostname}, a domain not on the allow-list",
                                 "banners and posts may link only to allowed domains; remove the link or add the domain "
                                 "to extra.alertcast.allowed_link_domains")


def _banner(source: SourceFile, config: Config) -> Iterator[Problem]:
    matter = source.matter
    if matter.banner is not None and "banner" not in matter.channels:
        yield source.problem(("banner",), "warning", "banner settings are ignored: 'banner' is not in channels",
                             "add banner to channels, or remove the banner block")
    url = matter.banner.action_url if matter.banner else None
    if url and not config.allows_link(url):
        yield source.problem(("banner", "action_url"), "error", f"banner action_url {url} is not on an allowed domain",
                             "link to the help site or a domain in extra.alertcast.allowed_link_domains")


def _channels(source: SourceFile, enabled: set[str]) -> Iterator[Problem]:
    for index, name in enumerate(source.matter.channels):
        if name in SOCIAL_CHANNELS and name not in enabled:
            yield source.problem(("channels", index), "warning", f"channel '{name}' is not configured, so nothing will be posted there",
                                 f"add '{name}' under extra.alertcast.channels in mkdocs.yml, or remove it here")


def _summary_plain(source: SourceFile) -> Iterator[Problem]:
    summary = getattr(source.matter, "summary", None) or ""
    if _HTML_OR_MD.search(summary):
        yield source.problem(("summary",), "warning", "summary contains Markdown or HTML; banners and posts show it as plain text",
                             "write the summary as plain sentences")


def post_preview(title: str, summary: str, url: str) -> str:
    """The shortest post a channel gets: title, summary and link. Templates only add to it."""
    return f"{title}\n\n{summary}\n\n{url}"


def _summary_length(source: SourceFile, alert_id: str, channels: tuple[str, ...], config: Config) -> Iterator[Problem]:
    targets = [RULES[c] for c in channels if c in RULES and c in config.enabled_channels]
    url = config.page_url("alerts", alert_id, source.lang)
    text = post_preview(source.matter.title, source.matter.summary, url)
    over = [(rule, rule.count(text)) for rule in targets if rule.count(text) > rule.limit]
    if over:
        rule, counted = min(over, key=lambda pair: pair[0].limit)
        yield source.problem(("summary",), "error",
                             f"title + summary + link is {counted} {rule.unit} on {rule.channel}; the limit is {rule.limit}",
                             f"shorten the summary by at least {counted - rule.limit}")
