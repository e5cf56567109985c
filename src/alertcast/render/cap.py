"""CAP 1.2 messages (OASIS) for alerts with the `cap` channel, and their Atom index.

Each alert revision is one message: `Alert` at publish time, `Update` for each later
`updated_at` (referencing the earlier message), `Cancel` when withdrawn. Identifiers are
derived from the alert id and revision, so rebuilding never mints new ones.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo

from lxml import etree

from ..config import Config
from ..content.models import Alert
from ..plan import Plan, State
from .memo import alert_key, config_key, memo

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
INDEX_PATH = "cap/index.atom"

CAP_SEVERITY = {"info": "Minor", "advisory": "Minor", "warning": "Moderate", "critical": "Severe"}
CAP_URGENCY = {"info": "Future", "advisory": "Expected", "warning": "Expected", "critical": "Immediate"}


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


def _rev(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def messages(alert: Alert, config: Config) -> list[Message]:
    """Every message this alert has had, oldest first."""
    host = config.site_host or "alertcast"
    base = f"{host}.alert.{alert.id}"
    out = [Message(f"{base}.{_rev(alert.publish_at)}", "Alert", alert.publish_at, _rev(alert.publish_at))]
    if alert.updated_at and alert.updated_at > alert.publish_at:
        out.append(Message(f"{base}.{_rev(alert.updated_at)}", "Update", alert.updated_at, _rev(alert.updated_at)))
    if alert.is_withdrawn:
        # There is no withdrawal time in the content: the Cancel is dated at the last revision.
        sent = alert.changed_at
        out.append(Message(f"{base}.{_rev(sent)}.cancel", "Cancel", sent, _rev(sent) + "-cancel"))
    return out


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _el(indent: str, tag: str, text: str) -> str:
    return f"{indent}<{tag}>{_esc(text)}</{tag}>\n"


def render_message(plan: Plan, config: Config, alert: Alert, msg: Message, earlier: list[Message]) -> bytes:
    """One CAP message, written as text: a tree library costs ten times more for this
    fixed shape. Text is escaped as XML requires; the loader has already refused the control
    characters XML cannot carry, and every message is checked against the XSD in the tests."""
    sender = config.site_host or "alertcast"
    out = ["<?xml version='1.0' encoding='UTF-8'?>\n", f'<alert xmlns="{CAP_NS}">\n']
    for tag, text in (("identifier", msg.identifier), ("sender", sender), ("sent", cap_time(msg.sent, config)),
                      ("status", "Actual"), ("msgType", msg.msg_type), ("source", "alertcast"), ("scope", "Public")):
        out.append(_el("  ", tag, text))
    if msg.msg_type == "Cancel":
        out.append(_el("  ", "note", alert.withdrawn.get(config.default_lang) or next(iter(alert.withdrawn.values()))))
    if earlier:
        out.append(_el("  ", "references", " ".join(f"{sender},{m.identifier},{cap_time(m.sent, config)}" for m in earlier)))
    cancel = msg.msg_type == "Cancel"
    effective = cap_time(alert.publish_at, config)
    expires = cap_time(alert.expires_at, config) if alert.expires_at else None
    for lang in config.languages:
        text = alert.text(lang, config.default_lang)
        description = text.summary
        if cancel:
            description = (alert.withdrawn.get(lang) or alert.withdrawn.get(config.default_lang, "")) + "\n\n" + description
        out.append("  <info>\n")
        for tag, value in (("language", lang), ("category", "Security"), ("event", alert.category),
                           ("responseType", "AllClear" if cancel else "Avoid"),
                           ("urgency", "Past" if cancel else CAP_URGENCY[alert.severity.value]),
                           ("severity", CAP_SEVERITY[alert.severity.value]),
                           ("certainty", "Unlikely" if cancel else "Observed"),
                           ("effective", effective), ("expires", expires), ("senderName", config.site_name),
                           ("headline", text.title), ("description", description),
                           ("web", config.page_url("alerts", alert.id, lang))):
            if value is not None:
                out.append(_el("    ", tag, value))
        out.append("  </info>\n")
    out.append("</alert>\n")
    return "".join(out).encode("utf-8")


def cap_alerts(plan: Plan) -> list[Alert]:
    return [a for a in plan.published if "cap" in a.channels]


def render_cap(plan: Plan, config: Config) -> dict[str, bytes]:
    """`cap/<id>.xml` (current message), `cap/<id>.<revision>.xml` (each message; flat, so a build makes no directory per alert) and the index."""
    out: dict[str, bytes] = {}
    index: list[tuple[Alert, Message]] = []
    ckey = config_key(config)
    host = config.site_host
    for alert in cap_alerts(plan):
        msgs = memo("cap-messages", (alert_key(alert), host), lambda: messages(alert, config))
        out.update(memo("cap", (alert_key(alert), ckey), lambda: _files(plan, config, alert, msgs)))
        if plan.states[alert.id] is not State.expired:
            index.append((alert, msgs[-1]))
    out[INDEX_PATH] = render_index(plan, config, index)
    return out


def _files(plan: Plan, config: Config, alert: Alert, msgs: list[Message]) -> dict[str, bytes]:
    """Every message of one alert under its revision's path, and the latest as the current one."""
    files = {f"cap/{alert.id}.{msg.revision}.xml": render_message(plan, config, alert, msg, msgs[:i])
             for i, msg in enumerate(msgs)}
    files[f"cap/{alert.id}.xml"] = files[f"cap/{alert.id}.{msgs[-1].revision}.xml"]
    return files


def _atom(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", **attrs)
    if text is not None:
        el.text = text
    return el


def _index_entry(config: Config, alert: Alert, msg: Message) -> bytes:
    entry = etree.Element(f"{{{ATOM_NS}}}entry", nsmap={None: ATOM_NS})
    _atom(entry, "id", f"tag:alertcast,2026:cap:{msg.identifier}")
    _atom(entry, "title", f"{msg.msg_type}: {alert.text(config.default_lang, config.default_lang).title}")
    _atom(entry, "updated", cap_time(msg.sent, config))
    _atom(entry, "link", rel="alternate", type="application/cap+xml", href=f"{config.site_url}cap/{alert.id}.xml")
    _atom(entry, "summary", alert.text(config.default_lang, config.default_lang).summary)
    return etree.tostring(entry, encoding="UTF-8")


def render_index(plan: Plan, config: Config, items: list[tuple[Alert, Message]]) -> bytes:
    """The Atom index; entries are serialised once per alert revision and spliced in."""
    items = sorted(items, key=lambda am: (am[1].sent, am[0].id), reverse=True)
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    _atom(feed, "id", f"tag:alertcast,2026:cap-index:{config.site_host}")
    _atom(feed, "title", f"{config.site_name} CAP")
    updated = max((m.sent for _, m in items), default=datetime(1970, 1, 1, tzinfo=timezone.utc))
    _atom(feed, "updated", cap_time(updated, config))
    _atom(feed, "link", rel="self", href=config.site_url + INDEX_PATH)
    _atom(_atom(feed, "author"), "name", config.site_name)
    head = etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    ckey = config_key(config)
    entries = [memo("cap-index", (alert_key(alert), msg.identifier, ckey), lambda: _index_entry(config, alert, msg))
               for alert, msg in items]
    close = b"</feed>"
    return head[: head.rindex(close)] + b"\n".join(b"  " + e for e in entries) + b"\n" + close + b"\n"
