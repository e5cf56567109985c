"""What the team robots of WeCom, DingTalk and Feishu share: a webhook URL that is itself the
credential, a JSON text message, and an answer that is HTTP 200 with an error code in the body.

A group robot can only post: no message id comes back, so an update or a withdrawal is a new
message (a correction), and a post whose outcome is unknown is held for a person. Each robot
takes about 20 messages a minute, so the channel's `min_interval` is at least 3 seconds
(config.py); a rate-limit code pauses the channel for as long as the platform blocks the robot
(`rate_window`: a minute for WeCom and Feishu, ten minutes for DingTalk).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

from .base import Adapter, Message, SendError

class TeamRobot(Adapter):
    #: environment variables holding the webhook URL and the signing secret, by default ("": none)
    url_env = ""
    secret_env = ""
    #: error codes meaning "too many messages", and those meaning the URL or key is not (or no longer) valid
    rate_codes: frozenset[int] = frozenset()
    #: seconds the platform blocks a robot that went over its limit
    rate_window = 60.0
    #: query parameters the robot adds to its URL that are made from the signing secret
    signed_params: tuple[str, ...] = ()

    def setup(self) -> None:
        self.url = self.secret_url("webhook_env", self.url_env)
        for name, value in parse_qsl(urlsplit(self.url or "").query):  # WeCom's key, DingTalk's access_token
            self.redact.add_param(name)  # the credential, however short
            if len(value) >= 8:
                self.redact.add(value)
        self.secret_key = self.secret("secret_env", self.secret_env) if self.secret_env else None
        for name in self.signed_params:
            self.redact.add_param(name)

    @property
    def configured(self) -> bool:
        return bool(self.url)

    def body(self, text: str) -> dict:
        raise NotImplementedError

    def target(self) -> str:
        return str(self.url)

    def outcome(self, data: dict) -> tuple[int, str]:
        """(error code, message) of an answer; code 0 is success."""
        return int(data.get("errcode", -1)), str(data.get("errmsg", ""))

    def post(self, msg: Message) -> str:
        payload = json.dumps(self.body(msg.text), ensure_ascii=False).encode("utf-8")
        response = self.request("POST", self.target(), data=payload,
                                headers={"Content-Type": "application/json; charset=utf-8"})
        code, message = self.outcome(self.json(response))
        if code == 0:
            return ""  # a robot returns no message id: no edit or delete later
        detail = self.redact(f"{code} {message}")
        if code in self.rate_codes:
            raise SendError("rate_limited", f"{self.name}: rate limited ({detail})", self.rate_window, detail=detail)
        raise SendError("permanent", f"{self.name}: {detail}", status=response.status_code, detail=detail)
