"""Post ids bound to their outbox row by a key the state store does not hold.

A sent row keeps the network's id of its post (`remote_id`); an update edits, and a withdrawal
deletes, the post with that id. The store is restored from the `alertcast-state` branch, which a
push changes without review, so an id read back from it could be another post of the same
account. Each id alertcast stores gets a mark: HMAC-SHA256 over the row's intent (channel, alert,
revision, action) and the id, keyed by the channel's own credentials (from the environment, never
from the store). Only an id whose mark matches is edited or deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Iterable


def key(credentials: Iterable[str]) -> bytes | None:
    """The marking key of a channel whose credentials are `credentials`; None without any."""
    found = sorted({c for c in credentials if c})
    if not found:
        return None
    return hashlib.sha256(json.dumps(["alertcast remote id", found]).encode()).digest()


def mark(secret: bytes | None, row: dict, remote_id: str | None) -> str | None:
    """The mark of `remote_id` stored in `row`; None when there is no id or no key."""
    if secret is None or not remote_id:
        return None
    fields = [row["channel"], row["alert_id"], row["revision"], row["action"], remote_id]
    return hmac.new(secret, json.dumps(fields).encode(), hashlib.sha256).hexdigest()


def proven(secret: bytes | None, row: dict) -> bool:
    """Whether `row`'s remote id carries the mark alertcast gave it with this key."""
    expected = mark(secret, row, row.get("remote_id"))
    found = row.get("remote_mac")
    return expected is not None and isinstance(found, str) and hmac.compare_digest(expected, found)
