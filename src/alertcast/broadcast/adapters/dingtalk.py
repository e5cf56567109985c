"""DingTalk (钉钉) custom robot: POST {"msgtype": "text", "text": {"content"}} to
`https://oapi.dingtalk.com/robot/send?access_token=TOKEN`, signed when the robot's security
setting is "加签": `timestamp` (milliseconds) and `sign` = Base64(HMAC-SHA256(key=secret,
"timestamp\\nsecret")), URL-encoded, added to the query. The answer is {"errcode": 0, "errmsg":
"ok"}; 310000 is a bad signature, keyword or IP, 300001 an unknown token, 130101 and 410100 more
than 20 messages a minute, after which DingTalk throttles the robot for 10 minutes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from .discord import webhook_url
from .robot import TeamRobot


def sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class Dingtalk(TeamRobot):
    name = "dingtalk"
    url_env = "DINGTALK_WEBHOOK_URL"
    rate_codes = frozenset({130101, 410100})
    rate_window = 600.0  # "more than 20 a minute: throttled for 10 minutes" (custom robot docs)
    secret_env = "DINGTALK_SECRET"
    #: a sign lets anyone post as the robot for an hour: as secret as the token in the same URL
    signed_params = ("sign",)

    def body(self, text: str) -> dict:
        return {"msgtype": "text", "text": {"content": text}}

    def target(self) -> str:
        if not self.secret_key:
            return str(self.url)
        now = int(time.time() * 1000)  # DingTalk refuses a timestamp more than an hour off
        return webhook_url(str(self.url), timestamp=str(now), sign=sign(self.secret_key, now))
