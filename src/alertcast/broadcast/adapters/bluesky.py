"""Bluesky (AT Protocol): com.atproto.repo.putRecord with a deterministic record key.

Bluesky has no idempotency header, but writing the same rkey twice writes one record, so a
retry after an unknown outcome cannot double-post. createSession is tightly rate-limited:
the session is created once per process (per server and handle) and kept; an expired access
token is renewed with refreshSession, and only if that fails is a new session created, once.
"""

from __future__ import annotations

import hashlib

from .base import Adapter, Message, SendError, retry_from_reset, utc_iso

_B32 = "234567abcdefghijklmnopqrstuvwxyz"
_EXPIRED = ("ExpiredToken", "InvalidToken", "AuthenticationRequired")


#: TIDs hold microseconds since 1970 in 53 bits; ours lie between 2023 and 2058, so they read as
#: plausible times, and keep 50 bits of hash in them (60 with the clock id).
_TID_EPOCH = 1_672_531_200_000_000  # 2023-01-01T00:00:00Z in microseconds


def record_key(msg: Message) -> str:
    """A valid TID (13 base32-sortable chars, top bit 0) derived only from the row: alert, revision
    and action (all in `idem_key`) and language. The same row always gets the same key, so a retry
    rewrites its own record; with 60 bits of hash, 100,000 rows collide with odds below 1 in 10^8.
    (Not the queueing time: every row of one drain shares it, and two alerts overwrote each other.)"""
    digest = int.from_bytes(hashlib.sha256(f"{msg.idem_key}|{msg.lang}".encode()).digest()[:8], "big")
    micros = _TID_EPOCH + (digest >> 14)  # 50 bits
    clock = digest & 0x3FF
    value = (micros << 10) | clock
    return "".join(_B32[(value >> (5 * i)) & 31] for i in range(12, -1, -1))


def _expired(exc: SendError) -> bool:
    """The PDS answers an expired access token with 400 ExpiredToken (not 401)."""
    return exc.status in (400, 401) and any(name in exc.detail for name in _EXPIRED)


class Bluesky(Adapter):
    name = "bluesky"
    delete_window = float("inf")
    safe_repeat = frozenset({"post", "delete"})  # the same rkey; deleting a missing record succeeds
    _session_cache: dict[tuple[str, str], dict] = {}

    def setup(self) -> None:
        self.base_url = str(self.settings.get("base_url", "https://bsky.social")).rstrip("/")
        self.handle = self.require("handle")
        self.password = self.secret("password_env", "BLUESKY_APP_PASSWORD")

    @property
    def configured(self) -> bool:
        return bool(self.password)

    def retry_hint(self, response):  # type: ignore[no-untyped-def]
        return retry_from_reset(response, "ratelimit-reset")

    def _hide_tokens(self, data: dict) -> None:
        self.redact.add(data.get("accessJwt"))
        self.redact.add(data.get("refreshJwt"))

    def _keep(self, data: dict) -> dict:
        self._hide_tokens(data)
        if not (data.get("did") and data.get("accessJwt")):  # never keep a session we could not read
            raise SendError("unknown", "bluesky: the session answer holds no did or accessJwt")
        self._session_cache[(self.base_url, self.handle)] = data
        return data

    def _session(self) -> dict:
        cached = self._session_cache.get((self.base_url, self.handle))
        if cached is not None:
            self._hide_tokens(cached)
            return cached
        return self._create_session()

    def _create_session(self) -> dict:
        response = self.request("POST", f"{self.base_url}/xrpc/com.atproto.server.createSession",
                                json={"identifier": self.handle, "password": self.password})
        return self._keep(self.json(response))

    def _refresh(self, auth: dict) -> dict:
        """refreshSession with the refresh token; a new session only if that token is no good either."""
        try:
            response = self.request("POST", f"{self.base_url}/xrpc/com.atproto.server.refreshSession",
                                    headers={"Authorization": f"Bearer {auth.get('refreshJwt', '')}"})
        except SendError as exc:
            if not _expired(exc):
                raise
            return self._create_session()
        return self._keep({**auth, **self.json(response)})

    def _xrpc(self, method: str, body: dict) -> dict:
        auth = self._session()
        for attempt in (0, 1):
            try:
                response = self.request("POST", f"{self.base_url}/xrpc/{method}", json={**body, "repo": auth["did"]},
                                        headers={"Authorization": f"Bearer {auth['accessJwt']}"})
                return self.json(response)
            except SendError as exc:
                if attempt == 1 or not _expired(exc):
                    raise
                auth = self._refresh(auth)  # the write was refused, so sending it again is safe
        raise AssertionError("unreachable")

    def remote_key(self, msg: Message) -> str:
        return record_key(msg)

    def post(self, msg: Message) -> str:
        record = {"$type": "app.bsky.feed.post", "text": msg.text,
                  "createdAt": utc_iso(msg.created_at) if msg.created_at else "1970-01-01T00:00:00.000Z",
                  "langs": [msg.lang]}
        if msg.facets:
            record["facets"] = list(msg.facets)
        data = self._xrpc("com.atproto.repo.putRecord",
                          {"collection": "app.bsky.feed.post", "rkey": record_key(msg), "record": record})
        return str(data["uri"])

    def delete(self, remote_id: str, msg: Message | None = None) -> None:
        rkey = remote_id.rsplit("/", 1)[-1]
        self._xrpc("com.atproto.repo.deleteRecord", {"collection": "app.bsky.feed.post", "rkey": rkey})
