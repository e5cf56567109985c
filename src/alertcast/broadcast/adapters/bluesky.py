"""Bluesky (AT Protocol): com.atproto.repo.putRecord with a deterministic record key.

Bluesky has no idempotency header, but writing the same rkey twice writes one record, so a
retry after an unknown outcome cannot double-post. createSession is tightly rate-limited:
the session is created once per adapter and refreshed only when it expires.
"""

from __future__ import annotations

import hashlib

from .base import Adapter, Message, SendError, retry_from_reset, utc_iso

_B32 = "234567abcdefghijklmnopqrstuvwxyz"


def record_key(msg: Message) -> str:
    """A valid TID (13 chars, base32-sortable) derived only from the message: same message, same key."""
    micros = int(msg.created_at.timestamp() * 1_000_000) if msg.created_at else 0
    clock = int.from_bytes(hashlib.sha256(msg.idem_key.encode()).digest()[:2], "big") & 0x3FF
    value = ((micros & ((1 << 53) - 1)) << 10) | clock
    return "".join(_B32[(value >> (5 * i)) & 31] for i in range(12, -1, -1))


class Bluesky(Adapter):
    name = "bluesky"
    idempotent_window = float("inf")
    delete_window = float("inf")
    _session_cache: dict[tuple[str, str], dict] = {}

    def setup(self) -> None:
        self.base_url = str(self.settings.get("base_url", "https://bsky.social")).rstrip("/")
        self.handle = self.require("handle")
        self.password = self.secret("password_env", "BLUESKY_APP_PASSWORD")
        self._auth: dict | None = None

    @property
    def configured(self) -> bool:
        return bool(self.password)

    def retry_hint(self, response):  # type: ignore[no-untyped-def]
        return retry_from_reset(response, "ratelimit-reset")

    def _session(self, fresh: bool = False) -> dict:
        key = (self.base_url, self.handle)
        if not fresh and key in self._session_cache:
            return self._session_cache[key]
        response = self.request("POST", f"{self.base_url}/xrpc/com.atproto.server.createSession",
                                json={"identifier": self.handle, "password": self.password})
        data = self.json(response)
        self.redact.add(data.get("accessJwt"))
        self.redact.add(data.get("refreshJwt"))
        self._session_cache[key] = data
        return data

    def _xrpc(self, method: str, body: dict) -> dict:
        for attempt in (0, 1):
            auth = self._session(fresh=attempt == 1)
            try:
                response = self.request("POST", f"{self.base_url}/xrpc/{method}", json={**body, "repo": auth["did"]},
                                        headers={"Authorization": f"Bearer {auth['accessJwt']}"})
                return self.json(response)
            except SendError as exc:
                if exc.kind == "permanent" and ("ExpiredToken" in str(exc) or " 401 " in f" {exc} ") and attempt == 0:
                    continue
                raise
        raise AssertionError("unreachable")

    def post(self, msg: Message) -> str:
        record = {"$type": "app.bsky.feed.post", "text": msg.text,
                  "createdAt": utc_iso(msg.created_at) if msg.created_at else "1970-01-01T00:00:00.000Z",
                  "langs": [msg.lang]}
        if msg.facets:
            record["facets"] = list(msg.facets)
        data = self._xrpc("com.atproto.repo.putRecord",
                          {"collection": "app.bsky.feed.post", "rkey": record_key(msg), "record": record})
        return str(data["uri"])

    def delete(self, remote_id: str) -> None:
        rkey = remote_id.rsplit("/", 1)[-1]
        self._xrpc("com.atproto.repo.deleteRecord", {"collection": "app.bsky.feed.post", "rkey": rkey})
