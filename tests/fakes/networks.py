"""One fake per network, each following that network's documented request, response and error shapes."""

from __future__ import annotations

import html
import re
import time

from . import FakeNetwork, Reply, need

_TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre",
                  "blockquote", "tg-emoji"}


def telegram_html(text: str) -> str:
    """What Telegram makes of `text` with parse_mode HTML: the visible text, or a 400 as Telegram words it."""
    stack: list[str] = []
    for m in re.finditer(r"<(/?)([A-Za-z-]*)[^<>]*>|<|&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        token = m.group(0)
        if token == "<" or (token.startswith("<") and m.group(2).lower() not in _TELEGRAM_TAGS):
            raise Reply(400, {"ok": False, "error_code": 400, "description":
                              f"Bad Request: can't parse entities: Unsupported start tag at byte offset {m.start()}"})
        if token.startswith("&"):
            raise Reply(400, {"ok": False, "error_code": 400, "description":
                              f"Bad Request: can't parse entities: Character '&' is reserved at byte offset {m.start()}"})
        if m.group(1):
            if not stack or stack.pop() != m.group(2).lower():
                raise Reply(400, {"ok": False, "error_code": 400, "description":
                                  f"Bad Request: can't parse entities: Unmatched end tag at byte offset {m.start()}"})
        else:
            stack.append(m.group(2).lower())
    if stack:
        raise Reply(400, {"ok": False, "error_code": 400,
                          "description": "Bad Request: can't parse entities: Can't find end tag corresponding to start tag"})
    return html.unescape(re.sub(r"<[^<>]*>", "", text))


class FakeTelegram(FakeNetwork):
    """Bot API: every answer is {"ok", "error_code", "description"[, "parameters"]}."""

    def error(self, status, message, req):
        return Reply(status, {"ok": False, "error_code": status, "description": message})

    def rate_limited(self, seconds, req=None):
        return Reply(429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {int(seconds)}",
                           "parameters": {"retry_after": int(seconds)}})

    def route(self, req):
        m = re.fullmatch(r"/bot([^/]+)/(\w+)", req["path"])
        if not m or m.group(1) != self.token:
            raise self.unauthorized(req)
        method, body = m.group(2), req["body"]
        if method in ("sendMessage", "editMessageText"):
            need(body, "chat_id", "text")
            visible = telegram_html(body["text"]) if body.get("parse_mode") == "HTML" else body["text"]
            if len(visible.encode("utf-16-le")) // 2 > 4096:
                raise self.error(400, "Bad Request: message is too long", req)
        if method == "sendMessage":
            mid = self.new_id()
            self.posts[mid] = {"text": body["text"], "visible": visible, "chat_id": body["chat_id"]}
            return 200, {"ok": True, "result": {"message_id": int(mid), "chat": {"id": -100}, "text": visible}}, {}
        if method == "editMessageText":
            need(body, "message_id")
            post = self.posts.get(str(body["message_id"]))
            if post is None or str(body["message_id"]) in self.deleted:
                raise self.error(400, "Bad Request: message to edit not found", req)
            if post["text"] == body["text"]:
                raise self.error(400, "Bad Request: message is not modified: specified new message content and "
                                      "reply markup are exactly the same as a current content and reply markup of the "
                                      "message", req)
            post.update(text=body["text"], visible=visible)
            return 200, {"ok": True, "result": {"message_id": body["message_id"], "text": visible}}, {}
        if method == "deleteMessage":
            need(body, "chat_id", "message_id")
            mid = str(body["message_id"])
            if mid not in self.posts or mid in self.deleted:
                raise self.error(400, "Bad Request: message to delete not found", req)
            self.deleted.append(mid)
            return 200, {"ok": True, "result": True}, {}
        raise self.error(404, "Not Found", req)


class FakeMastodon(FakeNetwork):
    """Mastodon: errors are the Error entity {"error": "..."}; limits in X-RateLimit-* headers."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.idempotency: dict[str, str] = {}

    def unauthorized(self, req=None):
        return self.error(401, "The access token is invalid", req or {})

    def forget_idempotency_keys(self) -> None:
        """What the server does about an hour after a key was first used."""
        with self.lock:
            self.idempotency.clear()

    def rate_limited(self, seconds, req=None):
        reset = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + seconds))
        return Reply(429, {"error": "Too many requests"},
                     {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})

    def route(self, req):
        self.bearer(req)
        path, body = req["path"], req["body"]
        if req["method"] == "POST" and path == "/api/v1/statuses":
            need(body, "status")
            key = req["headers"].get("idempotency-key")
            if key and key in self.idempotency:
                sid = self.idempotency[key]
                return 200, {"id": sid, "content": self.posts[sid]["text"]}, {}
            sid = self.new_id()
            self.posts[sid] = {"text": body["status"], "visibility": body.get("visibility")}
            if key:
                self.idempotency[key] = sid
            return 200, {"id": sid, "content": body["status"]}, {}
        m = re.fullmatch(r"/api/v1/statuses/(\w+)", path)
        if m and m.group(1) in self.posts and m.group(1) not in self.deleted:
            if req["method"] == "PUT":
                self.posts[m.group(1)]["text"] = body["status"]
                return 200, {"id": m.group(1)}, {}
            if req["method"] == "DELETE":
                self.deleted.append(m.group(1))
                return 200, {"id": m.group(1)}, {}
        raise self.error(404, "Record not found", req)


class FakeBluesky(FakeNetwork):
    """A PDS: XRPC errors are {"error": Name, "message": ...}; an expired access token is a 400 ExpiredToken.

    Every record is judged by the atproto SDK's own models of the lexicons (strict string formats),
    the record key by the TID syntax (app.bsky.feed.post is keyed by TID), and the text by the
    lexicon's limits the models leave out: 300 graphemes, 3000 bytes, facets inside the text."""

    password = "app-pass-abcd-efgh"

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.sessions = 0  # createSession calls that succeeded
        self.refreshes = 0  # refreshSession calls that succeeded
        self._grant = 0
        self.access: set[str] = set()
        self.expired: set[str] = set()
        self.refresh_tokens: set[str] = set()

    def error(self, status, message, req):
        name = {400: "InvalidRequest", 401: "AuthenticationRequired", 404: "MethodNotImplemented",
                429: "RateLimitExceeded"}.get(status, "InternalServerError")
        return Reply(status, {"error": name, "message": message})

    def rate_limited(self, seconds, req=None):
        return Reply(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                     {"ratelimit-limit": "5000", "ratelimit-remaining": "0",
                      "ratelimit-reset": str(int(time.time() + seconds)), "ratelimit-policy": "5000;w=3600"})

    def _tokens(self) -> dict:
        self._grant += 1
        access, refresh = f"{self.token}-access-{self._grant}", f"{self.token}-refresh-{self._grant}"
        self.access.add(access)
        self.refresh_tokens.add(refresh)
        return {"accessJwt": access, "refreshJwt": refresh}

    def expire_access_tokens(self) -> None:
        """Every access token handed out so far now answers ExpiredToken (they last minutes on a real PDS)."""
        with self.lock:
            self.expired |= self.access
            self.access.clear()

    def expire_refresh_tokens(self) -> None:
        with self.lock:
            self.refresh_tokens.clear()

    def _auth(self, req, tokens: set[str]) -> None:
        auth = req["headers"].get("authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        if token in self.expired or (token and token.startswith(f"{self.token}-refresh-") and token not in tokens):
            raise Reply(400, {"error": "ExpiredToken", "message": "Token has expired"})
        if token not in tokens:
            raise Reply(401, {"error": "AuthenticationRequired", "message": "Invalid token"})

    @staticmethod
    def validate_post(body: dict) -> None:
        import regex
        from atproto_client import models
        from atproto_client.models.string_formats import TID_RE
        from pydantic import ValidationError

        strict = {"strict_string_format": True}
        try:
            models.ComAtprotoRepoPutRecord.Data.model_validate(body, context=strict)
            post = models.AppBskyFeedPost.Record.model_validate(body["record"], context=strict)
        except ValidationError as exc:
            raise Reply(400, {"error": "InvalidRequest", "message": f"Invalid app.bsky.feed.post record: {exc}"})
        if body["collection"] == "app.bsky.feed.post" and not TID_RE.match(body["rkey"]):
            raise Reply(400, {"error": "InvalidRequest", "message": "Invalid record key: must be a TID"})
        text = post.text.encode("utf-8")
        if len(regex.findall(r"\X", post.text)) > 300 or len(text) > 3000:
            raise Reply(400, {"error": "InvalidRequest",
                              "message": "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"})
        for facet in post.facets or []:
            if not 0 <= facet.index.byte_start < facet.index.byte_end <= len(text):
                raise Reply(400, {"error": "InvalidRequest", "message": "Invalid facet: byte range outside the text"})

    def route(self, req):
        path, body = req["path"], req["body"]
        if path == "/xrpc/com.atproto.server.createSession":
            if body.get("password") != self.password:
                raise Reply(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
            self.sessions += 1
            return 200, {"did": "did:plc:fake", "handle": body["identifier"], **self._tokens()}, {}
        if path == "/xrpc/com.atproto.server.refreshSession":
            self._auth(req, self.refresh_tokens)
            self.refresh_tokens.discard(req["headers"]["authorization"][len("Bearer "):])  # refresh tokens rotate
            self.refreshes += 1
            return 200, {"did": "did:plc:fake", "handle": "alerts.example", **self._tokens()}, {}
        self._auth(req, self.access)
        if path == "/xrpc/com.atproto.repo.putRecord":
            need(body, "repo", "collection", "rkey", "record")
            record = body["record"]
            self.validate_post(body)
            uri = f"at://{body['repo']}/{body['collection']}/{body['rkey']}"
            self.posts[uri] = {"text": record["text"], "facets": record.get("facets", [])}
            return 200, {"uri": uri, "cid": "bafyfake"}, {}
        if path == "/xrpc/com.atproto.repo.deleteRecord":
            need(body, "repo", "collection", "rkey")
            self.deleted.append(f"at://{body['repo']}/{body['collection']}/{body['rkey']}")
            return 200, {}, {}
        raise self.error(404, "Method Not Implemented", req)


class FakeX(FakeNetwork):
    """X API v2: errors are problem details {"title", "detail", "type", "status"}; limits in x-rate-limit-*."""

    timeline_limit: int | None = None  # how many of the newest posts the user timeline returns
    # OAuth 1.0a user context: the app's consumer key and secret, the account's access token and
    # secret (`token`). Every request is checked with oauthlib's own HMAC-SHA1 verification.
    api_key = "x-api-key-4c1d2e"
    api_secret = "x-api-secret-9e8f7a"
    access_token = "42-x-access-token-b7c6"

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.nonces: set[tuple[str, str]] = set()

    def oauth1(self, req):
        from oauthlib.oauth1.rfc5849 import errors, signature
        from oauthlib.oauth1.rfc5849.endpoints.base import BaseEndpoint

        try:
            request = BaseEndpoint(None)._create_request(self.url + req["target"], req["method"],
                                                          req["raw"].decode("utf-8"), req["headers"])
        except (errors.OAuth1Error, ValueError):
            raise self.unauthorized(req) from None
        if not (request.signature_method == "HMAC-SHA1" and request.client_key == self.api_key
                and request.resource_owner_key == self.access_token and request.signature
                and signature.verify_hmac_sha1(request, self.api_secret, self.token)):
            raise self.unauthorized(req)
        if (request.nonce, request.timestamp) in self.nonces:  # a replayed request (routes run under the lock)
            raise self.unauthorized(req)
        self.nonces.add((request.nonce, request.timestamp))

    def error(self, status, message, req):
        title = {400: "Invalid Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                 429: "Too Many Requests"}.get(status, "Internal Server Error" if status == 500 else "Service Unavailable")
        return Reply(status, {"title": title, "detail": message, "type": "about:blank", "status": status})

    def rate_limited(self, seconds, req=None):
        return Reply(429, {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank",
                           "status": 429},
                     {"x-rate-limit-limit": "100", "x-rate-limit-remaining": "0",
                      "x-rate-limit-reset": str(int(time.time() + seconds))})

    def route(self, req):
        self.oauth1(req)
        path, body = req["path"], req["body"]
        if req["method"] == "POST" and path == "/2/tweets":
            need(body, "text")
            previous = (body.get("edit_options") or {}).get("previous_post_id")
            if not previous and any(p["text"] == body["text"] for p in self.live_posts()):
                raise self.error(403, "You are not allowed to create a Tweet with duplicate content.", req)
            tid = self.new_id()
            self.posts[tid] = {"text": body["text"], "edit_of": previous}
            if previous:
                self.deleted.append(previous)  # the edited version replaces the original in the timeline
            return 201, {"data": {"id": tid, "text": body["text"], "edit_history_tweet_ids": [tid]}}, {}
        m = re.fullmatch(r"/2/tweets/(\w+)", path)
        if m and req["method"] == "DELETE":
            gone = m.group(1) in self.deleted or m.group(1) not in self.posts
            self.deleted.append(m.group(1))
            return 200, {"data": {"deleted": not gone}}, {}
        if path == "/2/users/me":
            return 200, {"data": {"id": "42", "name": "Fake", "username": "fake"}}, {}
        if path == "/2/users/42/tweets":
            data = []
            for tid, p in sorted(self.posts.items(), reverse=True):
                if tid in self.deleted:
                    continue
                urls = [{"url": "https://t.co/x", "expanded_url": u} for u in re.findall(r"https?://\S+", p["text"])]
                text = re.sub(r"https?://\S+", "https://t.co/x", p["text"])
                data.append({"id": tid, "text": html.escape(text, quote=False), "entities": {"urls": urls}})
            data = data[:self.timeline_limit] if self.timeline_limit is not None else data
            return 200, {"data": data, "meta": {"result_count": len(data)}}, {}
        raise self.error(404, "Not Found", req)


class FakeDiscord(FakeNetwork):
    """Discord webhooks: errors are {"message", "code"}; a 429 has retry_after (seconds) in its body."""

    webhook_path = "/api/webhooks/123/whtoken-secret-xyz"

    def error(self, status, message, req):
        return Reply(status, {"message": message, "code": 0})

    def unauthorized(self, req=None):
        return Reply(401, {"message": "Invalid Webhook Token", "code": 50027})

    def rate_limited(self, seconds, req=None):
        return Reply(429, {"message": "You are being rate limited.", "retry_after": float(seconds), "global": False},
                     {"Retry-After": str(int(seconds)), "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                      "X-RateLimit-Reset-After": str(float(seconds)), "X-RateLimit-Scope": "shared"})

    def route(self, req):
        path = req["path"]
        if not path.startswith(self.webhook_path):
            raise self.unauthorized(req)
        rest = path[len(self.webhook_path):]
        thread = req["query"].get("thread_id", [None])[-1]
        if thread is not None and not thread.isdigit():  # a snowflake, or the form body is invalid
            raise Reply(400, {"message": "Invalid Form Body", "code": 50035,
                              "errors": {"thread_id": {"_errors": [{"code": "NUMBER_TYPE_COERCE",
                                                                    "message": f"Value \"{thread}\" is not snowflake."}]}}})
        if req["method"] == "POST" and rest == "":
            need(req["body"], "content")
            mid = self.new_id()
            self.posts[mid] = {"text": req["body"]["content"], "allowed_mentions": req["body"].get("allowed_mentions"),
                               "thread_id": thread}
            if req["query"].get("wait") != ["true"]:
                return 204, None, {}
            return 200, {"id": mid, "content": req["body"]["content"], "channel_id": thread or "9"}, {}
        m = re.fullmatch(r"/messages/(\w+)", rest)
        if (m and m.group(1) in self.posts and m.group(1) not in self.deleted
                and self.posts[m.group(1)]["thread_id"] == thread):  # a thread's message is found in its thread
            if req["method"] == "PATCH":
                self.posts[m.group(1)]["text"] = req["body"]["content"]
                return 200, {"id": m.group(1)}, {}
            if req["method"] == "DELETE":
                self.deleted.append(m.group(1))
                return 204, None, {}
        raise Reply(404, {"message": "Unknown Message", "code": 10008})


class FakeSlack(FakeNetwork):
    """Slack: the Web API answers HTTP 200 {"ok": false, "error"}; an incoming webhook answers 4xx with a
    plain-text error; both answer 429 with Retry-After."""

    hook_path = "/services/T000/B000/hooksecret123"

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.warnings: list[str] = []  # what Slack puts in response_metadata.warnings

    def _is_hook(self, req) -> bool:
        return req.get("path", "").startswith("/services/")

    def error(self, status, message, req):
        if self._is_hook(req):
            return Reply(status, message.encode())
        code = "internal_error" if status >= 500 else message
        return Reply(status if status >= 500 else 200, {"ok": False, "error": code, "detail": message})

    def unauthorized(self, req=None):
        if self._is_hook(req or {}):
            return Reply(403, b"invalid_token")
        return Reply(200, {"ok": False, "error": "invalid_auth"})

    def rate_limited(self, seconds, req=None):
        body = b"rate_limited" if self._is_hook(req or {}) else {"ok": False, "error": "ratelimited"}
        return Reply(429, body, {"Retry-After": str(int(seconds))})

    def route(self, req):
        path, body = req["path"], req["body"]
        if self._is_hook(req):
            if path != self.hook_path:
                raise Reply(403, b"invalid_token")
            need(body, "text")
            self.posts[self.new_id()] = {"text": body["text"]}
            return 200, b"ok", {}
        if req["headers"].get("authorization") != f"Bearer {self.token}":
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        warning: dict = {}
        if req["method"] == "POST" and req["headers"].get("content-type", "").startswith("application/json"):
            charset = req["headers"]["content-type"].partition("charset=")[2].strip().lower()
            if charset != "utf-8":  # Slack still answers, with a warning
                self.warnings.append("missing_charset" if not charset else "superfluous_charset")
                warning = {"warning": self.warnings[-1], "response_metadata": {"warnings": [self.warnings[-1]]}}
        if path == "/api/chat.postMessage":
            need(body, "channel", "text")
            ts = f"{self.new_id()}.000100"
            self.posts[ts] = {"text": body["text"]}
            return 200, {"ok": True, "channel": body["channel"], "ts": ts, **warning}, {}
        if path in ("/api/chat.update", "/api/chat.delete"):
            if body.get("ts") not in self.posts or body["ts"] in self.deleted:
                return 200, {"ok": False, "error": "message_not_found"}, {}
            if path == "/api/chat.update":
                self.posts[body["ts"]]["text"] = body["text"]
            else:
                self.deleted.append(body["ts"])
            return 200, {"ok": True, "ts": body["ts"]}, {}
        if path == "/api/conversations.history":
            msgs = [{"ts": ts, "text": p["text"]} for ts, p in sorted(self.posts.items(), reverse=True)
                    if ts not in self.deleted]
            return 200, {"ok": True, "messages": msgs}, {}
        return 200, {"ok": False, "error": "unknown_method"}, {}


class FakeMatrix(FakeNetwork):
    """Matrix client-server API: errors are {"errcode", "error"}; a 429 carries retry_after_ms."""

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.txns: dict[str, str] = {}

    def error(self, status, message, req):
        code = {400: "M_BAD_JSON", 401: "M_UNKNOWN_TOKEN", 403: "M_FORBIDDEN", 404: "M_NOT_FOUND"}.get(status, "M_UNKNOWN")
        return Reply(status, {"errcode": code, "error": message})

    def rate_limited(self, seconds, req=None):
        return Reply(429, {"errcode": "M_LIMIT_EXCEEDED", "error": "Too many requests",
                           "retry_after_ms": int(seconds * 1000)})

    def unauthorized(self, req=None):
        return Reply(401, {"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed.", "soft_logout": False})

    def route(self, req):
        self.bearer(req)
        m = re.fullmatch(r"/_matrix/client/v3/rooms/([^/]+)/send/m\.room\.message/([^/]+)", req["path"])
        if m and req["method"] == "PUT":
            need(req["body"], "msgtype", "body")
            txn = m.group(2)
            relates = req["body"].get("m.relates_to") or {}
            if txn not in self.txns and relates.get("rel_type") == "m.replace":
                self.txns[txn] = "$" + self.new_id()
                self.posts[relates["event_id"]]["text"] = req["body"]["m.new_content"]["body"]
            if txn not in self.txns:
                eid = "$" + self.new_id()
                self.txns[txn] = eid
                self.posts[eid] = {"text": req["body"]["body"], "content": req["body"]}
            return 200, {"event_id": self.txns[txn]}, {}
        m = re.fullmatch(r"/_matrix/client/v3/rooms/([^/]+)/redact/([^/]+)/([^/]+)", req["path"])
        if m and req["method"] == "PUT":
            from urllib.parse import unquote
            self.deleted.append(unquote(m.group(2)))
            return 200, {"event_id": "$redaction" + self.new_id()}, {}
        raise Reply(404, {"errcode": "M_UNRECOGNIZED", "error": "Unrecognized request"})


class FakeWebhook(FakeNetwork):
    """A receiver written from docs/social.md ("Generic webhook")."""

    secret = "whsec-0123456789abcdef"
    documented = ("event", "alert_id", "lang", "text", "link", "idempotency_key")

    def route(self, req):
        from alertcast.broadcast.adapters.webhook import sign

        ts = req["headers"].get("x-alertcast-timestamp", "")
        if req["headers"].get("x-alertcast-signature") != sign(self.secret, ts, req["raw"]):
            raise Reply(401, {"error": "bad signature"})
        missing = [k for k in self.documented if k not in req["body"]]
        if missing:  # a receiver written from docs/social.md reads these keys from every event
            raise Reply(400, {"error": f"missing {', '.join(missing)}"})
        rid = self.new_id()
        self.posts[rid] = {"text": req["body"].get("text"), "event": req["body"].get("event"), "key": req["headers"].get("idempotency-key"),
                           "body": req["body"]}
        return 200, {"id": rid}, {}
