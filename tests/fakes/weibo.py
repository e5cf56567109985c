"""A fake of Weibo's open API (open.weibo.com/wiki/2/statuses/share, statuses/destroy,
statuses/user_timeline, Error_code), answering as documented.

Requests are form-encoded (`status`, `rip`), the token an `access_token` parameter or an
`Authorization: OAuth2 <token>` header (Weibo's 授权机制说明 documents both); every error is a JSON body
{"request", "error_code", "error"}. The share checks what the documentation says it checks: the
token (21332 invalid_access_token, 21327 expired_token), a missing parameter (10016), the text's
length as Weibo counts it (20012), a `#topic#` and a link off the safe domain (10017), and a text
already posted (20019). A timeline returns each post with its links made t.cn links, as Weibo
shows them.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from alertcast.render import weibo

from . import FakeNetwork, Reply


class FakeWeibo(FakeNetwork):
    safe_domain = "fixture.example"

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.expired: set[str] = set()

    def error(self, status, message, req, code=None):
        code = code or {400: 10008, 401: 21332, 403: 10012, 404: 10020}.get(status, 10001)
        return Reply(status, {"request": req.get("path", ""), "error_code": code, "error": message})

    def fail(self, status: int, code: int, message: str, req: dict) -> Reply:
        return self.error(status, message, req, code)

    def unauthorized(self, req=None):
        return self.fail(401, 21332, "invalid_access_token", req or {})

    def rate_limited(self, seconds, req=None):
        return self.fail(403, 10023, "User requests out of rate limit!", req or {})

    def server_error(self, status, req):
        return self.fail(status, 10001, "System error", req)

    def fail_next_code(self, status: int, code: int, message: str) -> None:
        """The next write is answered with Weibo error `code` (before it takes effect)."""
        self.script.append(("code", status, code, message))

    def dispatch(self, req):
        if self.script and self.script[0][0] == "code" and req["method"] != "GET":
            _, status, code, message = self.script.pop(0)
            with self.lock:
                self.requests.append(req)
            reply = self.fail(status, code, message, req)
            return reply.status, reply.body, reply.headers
        return super().dispatch(req)

    @staticmethod
    def form(req) -> dict:
        raw = req["raw"].decode("utf-8") if req["method"] != "GET" else ""
        fields = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        fields.update({k: v[0] for k, v in req["query"].items()})
        return fields

    def authorize(self, req, fields) -> None:
        token = fields.get("access_token") or req["headers"].get("authorization", "").removeprefix("OAuth2 ")
        if token in self.expired:
            raise self.fail(401, 21327, "expired_token", req)
        if token != self.token:
            raise self.unauthorized(req)

    def route(self, req):
        fields = self.form(req)
        self.authorize(req, fields)
        path = req["path"]
        if req["method"] == "POST" and path == "/2/statuses/share.json":
            for key in ("status", "rip"):
                if not fields.get(key):
                    raise self.fail(400, 10016, f"Miss required parameter ({key}) , see doc for more info", req)
            text = fields["status"]
            if weibo.count(text) > weibo.LIMIT:
                raise self.fail(400, 20012, "Text too long, please input text less than 140 characters!", req)
            if weibo.topics(text) or not any(weibo.on_domain(u, self.safe_domain) for u in weibo.urls(text)):
                raise self.fail(400, 10017, "Parameter (status)'s value invalid, see doc for more info", req)
            if any(p["text"] == text for p in self.live_posts()):
                raise self.fail(400, 20019, "Repeated weibo text!", req)
            sid = self.new_id()
            self.posts[sid] = {"text": text, "rip": fields["rip"]}
            return 200, {"created_at": "Sun Mar 15 00:00:00 +0800 2026", "id": int(sid), "idstr": sid,
                         "mid": sid, "text": self.shown(text)}, {}
        if req["method"] == "POST" and path == "/2/statuses/destroy.json":
            sid = fields.get("id", "")
            if sid not in self.posts or sid in self.deleted:
                raise self.fail(400, 20101, "Target weibo does not exist!", req)
            self.deleted.append(sid)
            return 200, {"id": int(sid), "idstr": sid, "text": self.shown(self.posts[sid]["text"])}, {}
        if req["method"] == "GET" and path == "/2/statuses/user_timeline.json":
            statuses = [{"id": int(sid), "idstr": sid, "text": self.shown(p["text"])}
                        for sid, p in sorted(self.posts.items(), reverse=True) if sid not in self.deleted]
            return 200, {"statuses": statuses[: int(fields.get("count", 20))], "total_number": len(statuses)}, {}
        raise self.fail(404, 10020, "Request api not found!", req)

    @staticmethod
    def shown(text: str) -> str:
        """The text as Weibo shows it: each link made a t.cn short link."""
        return re.sub(r"https?://\S+", "http://t.cn/A6abcdEF", text)
