"""CAP 1.2 messages (OASIS) for alerts with the `cap` channel, and their Atom index.

Each alert revision is one message: `Alert` at publish time, `Update` at `updated_at`
(referencing every earlier message), `Cancel` at the withdrawal (also `updated_at`).
Identifiers are derived from `id_authority`, the alert id and the revision, so rebuilding
never mints new ones. A message once published stays published: the content holds only the
latest `updated_at`, so the messages of earlier revisions are taken from the release being
replaced (`archive`), byte for byte, and every `references` entry names a published file.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo

from lxml import etree

from ..config import Config
from ..content.models import Alert
from ..plan import Plan, State, never_live, withdrawn_at
from . import labels
from .memo import RenderCache, own

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
INDEX_PATH = "cap/index.atom"
#: `cap/<alert id>.<revision>.xml`: one message of one alert.
REVISION_FILE = re.compile(r"cap/(?P<id>[a-z0-9][a-z0-9-]*)\.(?P<rev>\d{8}T\d{6}Z(?:-cancel)?)\.xml")

CAP_SEVERITY = {"info": "Minor", "advisory": "Minor", "warning": "Moderate", "critical": "Severe"}
CAP_URGENCY = {"info": "Future", "advisory": "Expected", "warning": "Expected", "critical": "Immediate"}
_ORDER = {"Alert": 0, "Update": 1, "Cancel": 2}


def response_type(alert: Alert, msg_type: str) -> str:
    """CAP's `responseType`: what the message asks people to do.

    A Cancel (the alert was wrong) is `AllClear`. A scam is to be avoided (`Avoid`; also a
    category alertcast does not know, most likely another kind of scam). Maintenance is
    announced so that people can get ready (`Prepare`). An incident whose banner targets app
    versions (`min_app_version` / `max_app_version`: the affected ones) asks those users to
    update (`Execute`); any other incident asks them to follow the notice (`Monitor`).
    """
    if msg_type == "Cancel":
        return "AllClear"
    if alert.category == "maintenance":
        return "Prepare"
    if alert.category == "incident":
        banner = alert.banner
        targeted = banner is not None and (banner.min_app_version or banner.max_app_version)
        return "Execute" if targeted else "Monitor"
    return "Avoid"


def headline(alert: Alert, msg_type: str, lang: str, default_lang: str) -> str:
    """The title, after the shared word for what the message is (`更新：`, `已撤回：`)."""
    title = alert.text(lang, default_lang).title
    if msg_type == "Update":
        return labels.flagged("updated", title, lang)
    if msg_type == "Cancel":
        return labels.flagged("withdrawn", title, lang)
    return title


def description(alert: Alert, msg_type: str, lang: str, default_lang: str) -> str:
    """The summary; an Update leads with its note (what changed), a Cancel with the reason."""
    summary = alert.text(lang, default_lang).summary
    if msg_type == "Cancel":
        return alert.reason(lang, default_lang) + "\n\n" + summary
    note = alert.note(lang, default_lang)
    if msg_type == "Update" and note:
        return note + "\n\n" + summary
    return summary


def cap_time(t: datetime, config: Config) -> str:
    """CAP's dateTime form: local offset, seconds, never `Z` nor fractions."""
    return _local_time(t, config.tz)


@functools.lru_cache(maxsize=8192)
def _local_time(t: datetime, tz: tzinfo) -> str:
    return t.astimezone(tz).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Message:
    identifier: str
    msg_type: str  # Alert | Update | Cancel
    sent: datetime
    revision: str
    sender: str


def _rev(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def messages(alert: Alert, config: Config) -> list[Message]:
    """The messages the content describes, oldest first. An alert withdrawn the moment it
    went out was never live, so it has none (as it has no posts)."""
    if never_live(alert):
        return []
    sender = config.id_domain
    base = f"{sender}.alert.{alert.id}"
    first = Message(f"{base}.{_rev(alert.publish_at)}", "Alert", alert.publish_at, _rev(alert.publish_at), sender)
    if alert.is_withdrawn:
        # updated_at is the withdrawal time; the update before it, if any, is in the archive.
        sent = withdrawn_at(alert)
        return [first, Message(f"{base}.{_rev(sent)}-cancel", "Cancel", sent, _rev(sent) + "-cancel", sender)]
    if alert.updated_at and alert.updated_at > alert.publish_at:
        return [first, Message(f"{base}.{_rev(alert.updated_at)}", "Update", alert.updated_at,
                               _rev(alert.updated_at), sender)]
    return [first]


def _messages(alert: Alert, config: Config, memo: RenderCache) -> list[Message]:
    """`messages`, memoised: they depend on the alert and `id_domain` alone."""
    return memo("cap-messages", (memo.alert_key(alert), config.id_domain), lambda: messages(alert, config))


def parse_message(data: bytes, revision: str) -> Message:
    """The header of a published message (to reference it from later ones)."""
    doc = etree.fromstring(data)
    ns = {"c": CAP_NS}
    return Message(doc.findtext("c:identifier", namespaces=ns), doc.findtext("c:msgType", namespaces=ns),
                   datetime.fromisoformat(doc.findtext("c:sent", namespaces=ns)), revision,
                   doc.findtext("c:sender", namespaces=ns))


def _path(alert: Alert, msg: Message) -> str:
    return f"cap/{alert.id}.{msg.revision}.xml"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _el(indent: str, tag: str, text: str) -> str:
    return f"{indent}<{tag}>{_esc(text)}</{tag}>\n"


def render_message(plan: Plan, config: Config, alert: Alert, msg: Message, earlier: list[Message]) -> bytes:
    """One CAP message, written as text: a tree library costs ten times more for this
    fixed shape. Text is escaped as XML requires; the loader has already refused the control
    characters XML cannot carry, and every message is checked against the XSD in the tests."""
    out = ["<?xml version='1.0' encoding='UTF-8'?>\n", f'<alert xmlns="{CAP_NS}">\n']
    for tag, text in (("identifier", msg.identifier), ("sender", msg.sender), ("sent", cap_time(msg.sent, config)),
                      ("status", alert.status.capitalize()), ("msgType", msg.msg_type), ("source", "alertcast"), ("scope", "Public")):
        out.append(_el("  ", tag, text))
    if msg.msg_type == "Cancel":
        out.append(_el("  ", "note", alert.reason(config.default_lang, config.default_lang)))
    if earlier:
        out.append(_el("  ", "references", " ".join(f"{m.sender},{m.identifier},{cap_time(m.sent, config)}" for m in earlier)))
    cancel = msg.msg_type == "Cancel"
    effective = cap_time(alert.publish_at, config)
    expires = cap_time(alert.expires_at, config) if alert.expires_at else None
    for lang in config.languages:
        if lang != config.default_lang and alert.text(lang, config.default_lang).lang != lang:
            continue  # no text of its own: an <info> in `lang` would carry another language's words
        out.append("  <info>\n")
        for tag, value in (("language", lang), ("category", "Security"), ("event", labels.category(alert.category, lang)),
                           ("responseType", response_type(alert, msg.msg_type)),
                           ("urgency", "Past" if cancel else CAP_URGENCY[alert.severity.value]),
                           ("severity", CAP_SEVERITY[alert.severity.value]),
                           ("certainty", "Unlikely" if cancel else "Observed"),
                           ("effective", effective), ("expires", expires), ("senderName", config.site_name_in(lang)),
                           ("headline", headline(alert, msg.msg_type, lang, config.default_lang)),
                           ("description", description(alert, msg.msg_type, lang, config.default_lang)),
                           # a test alert has no page: a link would point at nothing (invariant 2)
                           ("web", config.page_url("alerts", alert.id, lang) if alert.is_public else None)):
            if value is not None:
                out.append(_el("    ", tag, value))
        out.append("  </info>\n")
    out.append("</alert>\n")
    return "".join(out).encode("utf-8")


def cap_alerts(plan: Plan) -> list[Alert]:
    """Published alerts, and test or exercise alerts past publish_at (their messages say
    `<status>Test</status>` or `Exercise`, which aggregators never show to the public)."""
    return [a for a in plan.published + plan.test_alerts if "cap" in a.channels]


def render_cap(plan: Plan, config: Config, archive: Mapping[str, bytes] | None = None,
               cache: RenderCache | None = None) -> dict[str, bytes]:
    """`cap/<id>.xml` (current message), `cap/<id>.<revision>.xml` (each message; flat, so a
    build makes no directory per alert) and the index.

    `archive` holds revision files of the release being replaced (see `archive_paths`): those
    sent by `now` are published again unchanged, also those of an alert whose files were
    deleted (`check` and `report` refuse that deletion; the messages stay published anyway).
    """
    out: dict[str, bytes] = {}
    index: list[tuple[Alert, Message]] = []
    memo = own(cache)
    ckey = memo.config_key(config)
    kept: dict[str, list[tuple[str, bytes]]] = {}
    for path, data in sorted((archive or {}).items()):
        found = REVISION_FILE.fullmatch(path)
        if found:
            kept.setdefault(found["id"], []).append((found["rev"], data))
    rendered = set()
    for alert in cap_alerts(plan):
        msgs = _messages(alert, config, memo)
        if not msgs:
            continue
        rendered.add(alert.id)
        earlier = _archived(plan, msgs, kept.get(alert.id, ()), memo)
        key = (memo.alert_key(alert), ckey, tuple((m.revision, data) for m, data in earlier))
        files, current = memo("cap", key, lambda: _files(plan, config, alert, msgs, earlier))
        out.update(files)
        if plan.states[alert.id] is not State.expired:
            index.append((alert, current))
    for alert_id, archived in kept.items():
        # Messages of an alert the content no longer publishes to CAP (its files were deleted,
        # or its `cap` channel removed) stay published as they were; the latest stays current.
        if alert_id not in rendered:
            sent = _archived(plan, [], archived, memo)
            for msg, data in sent:
                out[f"cap/{alert_id}.{msg.revision}.xml"] = data
            if sent:
                out[f"cap/{alert_id}.xml"] = max(sent, key=lambda md: (md[0].sent, _ORDER.get(md[0].msg_type, 3)))[1]
    out[INDEX_PATH] = render_index(plan, config, index, memo)
    return out


def archive_paths(plan: Plan, config: Config, published: Iterable[str], cache: RenderCache | None = None) -> list[str]:
    """The revision files among `published` (the paths of the release being replaced) that
    `render_cap` would keep and does not render itself: read them and pass them as `archive`."""
    produced: set[str] = set()
    memo = own(cache)
    for alert in cap_alerts(plan):
        produced.update(_path(alert, m) for m in _messages(alert, config, memo))
    return sorted(p for p in published if p.startswith("cap/") and p not in produced and REVISION_FILE.fullmatch(p))


def _archived(plan: Plan, msgs: list[Message], files: Iterable[tuple[str, bytes]],
              memo: RenderCache) -> list[tuple[Message, bytes]]:
    """Messages from the archive sent by `now` (a build for an earlier moment shows nothing
    sent later), minus the revisions the content renders itself."""
    produced = {m.revision for m in msgs}
    out = []
    for revision, data in files:
        if revision not in produced:
            msg = memo("cap-parsed", (revision, data), lambda: parse_message(data, revision))
            if msg.sent <= plan.now:
                out.append((msg, data))
    return out


def _files(plan: Plan, config: Config, alert: Alert, msgs: list[Message],
           earlier: list[tuple[Message, bytes]]) -> tuple[dict[str, bytes], Message]:
    """Every message of one alert under its revision's path, and the latest as the current one
    (an archived update stays current while a later updated_at is still ahead). Each rendered
    message references every message before it; in a tie the content's message comes last."""
    merged = sorted([(m, None) for m in msgs] + earlier,
                    key=lambda md: (md[0].sent, md[1] is None, _ORDER.get(md[0].msg_type, 3)))
    files: dict[str, bytes] = {}
    for i, (msg, data) in enumerate(merged):
        files[_path(alert, msg)] = data if data is not None else render_message(
            plan, config, alert, msg, [m for m, _ in merged[:i]])
    current = merged[-1][0]
    files[f"cap/{alert.id}.xml"] = files[_path(alert, current)]
    return files, current


def _atom(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", **attrs)
    if text is not None:
        el.text = text
    return el


def _index_entry(config: Config, alert: Alert, msg: Message) -> bytes:
    """The index speaks the default language, with the messages' own headlines; a Cancel's
    summary is the withdrawal reason alone (the original text is what was wrong)."""
    lang = config.default_lang
    entry = etree.Element(f"{{{ATOM_NS}}}entry", nsmap={None: ATOM_NS})
    _atom(entry, "id", f"tag:{config.tag_entity}:cap:{msg.identifier}")
    _atom(entry, "title", headline(alert, msg.msg_type, lang, lang))
    _atom(entry, "updated", cap_time(msg.sent, config))
    _atom(entry, "link", rel="alternate", type="application/cap+xml", href=f"{config.site_url}cap/{alert.id}.xml")
    _atom(entry, "summary", alert.reason(lang, lang) if msg.msg_type == "Cancel"
          else description(alert, msg.msg_type, lang, lang))
    return etree.tostring(entry, encoding="UTF-8")


def render_index(plan: Plan, config: Config, items: list[tuple[Alert, Message]], cache: RenderCache | None = None) -> bytes:
    """The Atom index; entries are serialised once per alert revision and spliced in."""
    items = sorted(items, key=lambda am: (am[1].sent, am[0].id), reverse=True)
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    _atom(feed, "id", f"tag:{config.tag_entity}:cap-index")
    _atom(feed, "title", f"{config.site_name_in(config.default_lang)} CAP")
    # Dated by the newest message; an index with none yet by the plan, never by the epoch.
    updated = max((m.sent for _, m in items), default=plan.generated_at)
    _atom(feed, "updated", cap_time(updated, config))
    _atom(feed, "link", rel="self", href=config.site_url + INDEX_PATH)
    _atom(_atom(feed, "author"), "name", config.site_name_in(config.default_lang))
    head = etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    memo = own(cache)
    ckey = memo.config_key(config)
    entries = [memo("cap-index", (memo.alert_key(alert), msg.identifier, ckey), lambda: _index_entry(config, alert, msg))
               for alert, msg in items]
    close = b"</feed>"
    return head[: head.rindex(close)] + b"\n".join(b"  " + e for e in entries) + b"\n" + close + b"\n"
