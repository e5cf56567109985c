"""One fake per network, each following that network's documented request and response shapes."""

from __future__ import annotations

import re
import time

from . import FakeNetwork, Reply, need


class FakeTelegram(FakeNetwork):
    def rate_limited(self, seconds):
        return Reply(429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {int(seconds)}",
                           "parameters": {"retry_after": int(seconds)}})

    def unauthorized(self):
        return Reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})

    def route(self, req):
        m = re.fullmatch(r"/bot([^/]+)/(\w+)", req["path"])
        if not m or m.group(1) != self.token:
            raise self.unauthorized()
        method, body = m.group(2), req["body"]
        if method == "sendMessage":
            need(body, "chat_id", "text")
            if len(body["text"].encode("utf-16-le")) // 2 > 4096:
                raise Reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"})
            mid = self.new_id()
            self.posts[mid] = {"text": body["text"], "chat_id": body["chat_id"]}
            return 200, {"ok": True, "result": {"message_id": int(mid), "chat": {"id": -100}, "text": body["text"]}}, {}
        if method == "editMessageText":
            need(body, "chat_id", "message_id", "text")
            self.posts[str(body["message_id"])]["text"] = body["text"]
            return 200, {"ok": True, "result": {"message_id": body["message_id"]}}, {}
        if method == "deleteMessage":
            need(body, "chat_id", "message_id")
            self.deleted.append(str(body["message_id"]))
            return 200, {"ok": True, "result": True}, {}
        raise Reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})


class FakeMastodon(FakeNetwork):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.idempotency: dict[str, str] = {}

    def rate_limited(self, seconds):
        reset = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + seconds))
        return Reply(429, {"error": "Too many requests"}, {"X-RateLimit-Reset": reset, "X-RateLimit-Remaining": "0"})

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
        if m and m.group(1) in self.posts:
            if req["method"] == "PUT":
                self.posts[m.group(1)]["text"] = body["status"]
                return 200, {"id": m.group(1)}, {}
            if req["method"] == "DELETE":
                self.deleted.append(m.group(1))
                return 200, {"id": m.group(1)}, {}
        raise Reply(404, {"error": "Record not found"})


class FakeBluesky(FakeNetwork):
    password = "app-pass-abcd-efgh"

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.sessions = 0

    def rate_limited(self, seconds):
        return Reply(429, {"error": "RateLimitExceeded"}, {"ratelimit-reset": str(int(time.time() + seconds))})

    def route(self, req):
        path, body = req["path"], req["body"]
        if path == "/xrpc/com.atproto.server.createSession":
            if body.get("password") != self.password:
                raise Reply(401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
            self.sessions += 1
            return 200, {"did": "did:plc:fake", "handle": body["identifier"], "accessJwt": self.token,
                         "refreshJwt": "refresh-" + self.token}, {}
        self.bearer(req)
        if path == "/xrpc/com.atproto.repo.putRecord":
            need(body, "repo", "collection", "rkey", "record")
            if not re.fullmatch(r"[234567a-z]{13}", body["rkey"]):
                raise Reply(400, {"error": "InvalidRequest", "message": "rkey is not a TID"})
            record = body["record"]
            need(record, "$type", "text", "createdAt")
            uri = f"at://{body['repo']}/{body['collection']}/{body['rkey']}"
            self.posts[uri] = {"text": record["text"], "facets": record.get("facets", [])}
            return 200, {"uri": uri, "cid": "bafyfake"}, {}
        if path == "/xrpc/com.atproto.repo.deleteRecord":
            need(body, "repo", "collection", "rkey")
            self.deleted.append(f"at://{body['repo']}/{body['collection']}/{body['rkey']}")
            return 200, {}, {}
        raise Reply(404, {"error": "MethodNotImplemented"})


class FakeX(FakeNetwork):
    def rate_limited(self, seconds):
        return Reply(429, {"title": "Too Many Requests", "status": 429},
                     {"x-rate-limit-reset": str(int(time.time() + seconds)), "x-rate-limit-remaining": "0"})

    def route(self, req):
        self.bearer(req)
        path, body = req["path"], req["body"]
        if req["method"] == "POST" and path == "/2/tweets":
            need(body, "text")
            previous = (body.get("edit_options") or {}).get("previous_post_id")
            if not previous and any(p["text"] == body["text"] for p in self.live_posts()):
                raise Reply(403, {"detail": "You are not allowed to create a Tweet with duplicate content.",
                                  "status": 403, "title": "Forbidden"})
            tid = self.new_id()
            self.posts[tid] = {"text": body["text"], "edit_of": previous}
            if previous:
                self.deleted.append(previous)  # the edited version replaces the original in the timeline
            return 201, {"data": {"id": tid, "text": body["text"]}}, {}
        m = re.fullmatch(r"/2/tweets/(\w+)", path)
        if m and req["method"] == "DELETE":
            self.deleted.append(m.group(1))
            return 200, {"data": {"deleted": True}}, {}
        if path == "/2/users/me":
            return 200, {"data": {"id": "42", "username": "fake"}}, {}
        if path == "/2/users/42/tweets":
            data = []
            for tid, p in sorted(self.posts.items(), reverse=True):
                if tid in self.deleted:
                    continue
                urls = [{"url": "https://t.co/x", "expanded_url": u} for u in re.findall(r"https?://\S+", p["text"])]
                data.append({"id": tid, "text": re.sub(r"https?://\S+", "https://t.co/x", p["text"]),
                             "entities": {"urls": urls}})
            return 200, {"data": data, "meta": {"result_count": len(data)}}, {}
        raise Reply(404, {"title": "Not Found"})


class FakeDiscord(FakeNetwork):
    webhook_path = "/api/webhooks/123/whtoken-secret-xyz"

    def rate_limited(self, seconds):
        return Reply(429, {"message": "You are being rate limited.", "retry_after": float(seconds), "global": False},
                     {"Retry-After": str(int(seconds))})

    def route(self, req):
        path = req["path"]
        if not path.startswith(self.webhook_path):
            raise Reply(401, {"message": "Invalid Webhook Token", "code": 50027})
        rest = path[len(self.webhook_path):]
        if req["method"] == "POST" and rest == "":
            need(req["body"], "content")
            mid = self.new_id()
            self.posts[mid] = {"text": req["body"]["content"]}
            if req["query"].get("wait") != ["true"]:
                return 204, None, {}
            return 200, {"id": mid, "content": req["body"]["content"], "channel_id": "9"}, {}
        m = re.fullmatch(r"/messages/(\w+)", rest)
        if m and m.group(1) in self.posts:
            if req["method"] == "PATCH":
                self.posts[m.group(1)]["text"] = req["body"]["content"]
                return 200, {"id": m.group(1)}, {}
            if req["method"] == "DELETE":
                self.deleted.append(m.group(1))
                return 204, None, {}
        raise Reply(404, {"message": "Unknown Message", "code": 10008})


class FakeSlack(FakeNetwork):
    hook_path = "/services/T000/B000/hooksecret123"

    def route(self, req):
        path, body = req["path"], req["body"]
        if path == self.hook_path:
            need(body, "text")
            self.posts[self.new_id()] = {"text": body["text"]}
            return 200, b"ok", {}
        if req["headers"].get("authorization") != f"Bearer {self.token}":
            return 200, {"ok": False, "error": "invalid_auth"}, {}
        if path == "/api/chat.postMessage":
            need(body, "channel", "text")
            ts = f"{self.new_id()}.000100"
            self.posts[ts] = {"text": body["text"]}
            return 200, {"ok": True, "channel": body["channel"], "ts": ts}, {}
        if path == "/api/chat.update":
            self.posts[body["ts"]]["text"] = body["text"]
            return 200, {"ok": True, "ts": body["ts"]}, {}
        if path == "/api/chat.delete":
            self.deleted.append(body["ts"])
            return 200, {"ok": True, "ts": body["ts"]}, {}
        if path == "/api/conversations.history":
            msgs = [{"ts": ts, "text": p["text"]} for ts, p in sorted(self.posts.items(), reverse=True)
                    if ts not in self.deleted]
            return 200, {"ok": True, "messages": msgs}, {}
        return 200, {"ok": False, "error": "unknown_method"}, {}


class FakeMatrix(FakeNetwork):
    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.txns: dict[str, str] = {}

    def rate_limited(self, seconds):
        return Reply(429, {"errcode": "M_LIMIT_EXCEEDED", "error": "Too many requests",
                           "retry_after_ms": int(seconds * 1000)})

    def unauthorized(self):
        return Reply(401, {"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token"})

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
    secret = "whsec-0123456789abcdef"

    def route(self, req):
        from alertcast.broadcast.adapters.webhook import sign

        ts = req["headers"].get("x-alertcast-timestamp", "")
        if req["headers"].get("x-alertcast-signature") != sign(self.secret, ts, req["raw"]):
            raise Reply(401, {"error": "bad signature"})
        rid = self.new_id()
        self.posts[rid] = {"text": req["body"].get("text"), "event": req["body"].get("event"), "key": req["headers"].get("idempotency-key")}
        return 200, {"id": rid}, {}
