"""Moments around the fixture's boundaries, and a helper to render every output at one."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alertcast.pipeline import render_outputs
from alertcast.plan import Plan

CST = timezone(timedelta(hours=8))
#: before anything, between boundaries, at the scheduled alert's window, after it expired.
BEFORE = datetime(2026, 1, 1, tzinfo=CST)
NOW = datetime(2026, 3, 15, tzinfo=CST)
DURING = datetime(2026, 4, 1, 12, 0, tzinfo=CST)
AFTER = datetime(2026, 4, 3, tzinfo=CST)
MOMENTS = (BEFORE, NOW, DURING, AFTER)


def outputs_at(content, config, now, key=None):  # type: ignore[no-untyped-def]
    return render_outputs(Plan.at(content, now), config, key)


CAP = {"c": "urn:oasis:names:tc:emergency:cap:1.2"}


def cap_headers(files):  # type: ignore[no-untyped-def]
    """(sender, identifier, sent) of every CAP message in `files` ({path: bytes}), by path."""
    from lxml import etree

    out = {}
    for path, data in files.items():
        if path.startswith("cap/") and path.endswith(".xml"):
            doc = etree.fromstring(data)
            out[path] = tuple(doc.findtext(f"c:{tag}", namespaces=CAP) for tag in ("sender", "identifier", "sent"))
    return out


def unresolved_references(files):  # type: ignore[no-untyped-def]
    """Each `references` entry (sender,identifier,sent) that names no message in `files`."""
    from lxml import etree

    published = set(cap_headers(files).values())
    missing = []
    for path, data in files.items():
        if path.startswith("cap/") and path.endswith(".xml"):
            refs = etree.fromstring(data).findtext("c:references", namespaces=CAP) or ""
            missing += [(path, ref) for ref in refs.split() if tuple(ref.split(",")) not in published]
    return missing


def tree(root):  # type: ignore[no-untyped-def]
    """{relative path: bytes} of every file under root."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
