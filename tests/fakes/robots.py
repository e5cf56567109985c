"""Fakes of the team robots' webhooks (WeCom, DingTalk, Feishu), each answering as its official
docs say: HTTP 200 with an error code in the body, the signature checked as the platform checks it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from . import FakeNetwork, Reply


class _Robot(FakeNetwork):
    """A robot: one webhook path with its key; every answer is HTTP 200 with a code."""

    path = "/hook"
    limit = 2048  # bytes of text

    def __init__(self, *a, **k):
        super().__init__(*a, **k)
        self.secret = "SEC0123456789abcdef0123456789abcdef"
        self.signed = False  # the robot's security setting asks for a signature

    def answer(self, code: int, message: str) -> dict:
        return {"errcode": code, "errmsg": message}

    def error(self, status, message, req):
        if status >= 500:
            return Reply(status, b"<html>502 Bad Gateway</html>")
        return Reply(200, self.answer(self.bad_request, message))

    def unauthorized(self, req=None):
        return Reply(200, self.answer(self.bad_key, self.bad_key_message))

    def rate_limited(self, seconds, req=None):
        return Reply(200, self.answer(self.rate_code, self.rate_message))

    def text(self, body: dict) -> str:
        return body["text"]["content"]

    def route(self, req):
        if req["path"] != self.path or not self.key_ok(req):
            raise self.unauthorized(req)
        self.check_signature(req)
        body = req["body"]
        try:
            text = self.text(body)
        except (KeyError, TypeError):
            raise Reply(200, self.answer(self.bad_request, "missing text")) from None
        if len(text.encode("utf-8")) > self.limit:
            raise Reply(200, self.answer(self.too_long, "content exceed max length"))
        self.posts[self.new_id()] = {"text": text, "body": body}
        return 200, self.answer(0, "ok"), {}


class FakeWecom(_Robot):
    path = "/cgi-bin/webhook/send"
    bad_request, bad_key, bad_key_message = 40008, 93000, "invalid webhook url"
    rate_code, rate_message, too_long = 45009, "api freq out of limit", 40058

    def key_ok(self, req):
        return req["query"].get("key") == [self.token]

    def check_signature(self, req):
        pass


class FakeDingtalk(_Robot):
    path = "/robot/send"
    limit = 20000
    bad_request, bad_key, bad_key_message = 400102, 300001, "token is not exist"
    rate_code, rate_message, too_long = 130101, "send too fast, exceed 20 times per minute", 460101

    def key_ok(self, req):
        return req["query"].get("access_token") == [self.token]

    def check_signature(self, req):
        if not self.signed:
            return
        stamp = (req["query"].get("timestamp") or [""])[0]
        given = (req["query"].get("sign") or [""])[0]  # parse_qs has URL-decoded it
        digest = hmac.new(self.secret.encode(), f"{stamp}\n{self.secret}".encode(), hashlib.sha256).digest()
        if not stamp.isdigit() or abs(int(stamp) - time.time() * 1000) > 3600_000 or given != base64.b64encode(digest).decode():
            raise Reply(200, self.answer(310000, "sign not match"))


class FakeFeishu(_Robot):
    limit = 18000
    bad_request, bad_key, bad_key_message = 9499, 19001, "param invalid: incoming webhook access token invalid"
    rate_code, rate_message, too_long = 11232, "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]", 9499

    @property
    def path(self):  # type: ignore[override]
        return f"/open-apis/bot/v2/hook/{self.token}"

    def answer(self, code: int, message: str) -> dict:
        return {"code": code, "msg": message, "data": {}}

    def text(self, body: dict) -> str:
        if body.get("msg_type") != "text":
            raise KeyError("msg_type")
        return body["content"]["text"]

    def key_ok(self, req):
        return True

    def check_signature(self, req):
        if not self.signed:
            return
        body = req["body"]
        stamp, given = str(body.get("timestamp", "")), body.get("sign", "")
        digest = hmac.new(f"{stamp}\n{self.secret}".encode(), b"", hashlib.sha256).digest()
        if not stamp.isdigit() or abs(int(stamp) - time.time()) > 3600 or given != base64.b64encode(digest).decode():
            raise Reply(200, self.answer(19021, "sign match fail or timestamp is not within one hour from current time"))
