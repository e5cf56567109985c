"""Feishu / Lark (飞书) custom bot: POST {"msg_type": "text", "content": {"text"}} to
`https://open.feishu.cn/open-apis/bot/v2/hook/TOKEN` (Lark: open.larksuite.com), signed when
the bot's security setting asks for it: `timestamp` (seconds) and `sign` = Base64(HMAC-SHA256
with key "timestamp\\nsecret" over an empty message) in the body. The answer is {"code": 0,
"msg": "success"}; 19021 is a bad signature or a timestamp over an hour off, 19024 a missing
keyword, 19022 a refused IP, 9499 a bad request, 11232 too many messages."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from .robot import TeamRobot


def sign(secret: str, timestamp: int) -> str:
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class Feishu(TeamRobot):
    name = "feishu"
    url_env = "FEISHU_WEBHOOK_URL"
    rate_codes = frozenset({11232})
    secret_env = "FEISHU_SECRET"

    def body(self, text: str) -> dict:
        body: dict = {"msg_type": "text", "content": {"text": text}}
        if self.secret_key:
            now = int(time.time())
            body.update(timestamp=str(now), sign=sign(self.secret_key, now))
        return body

    def outcome(self, data: dict) -> tuple[int, str]:
        if "code" in data:
            return int(data["code"]), str(data.get("msg", ""))
        return int(data.get("StatusCode", -1)), str(data.get("StatusMessage", ""))  # the older answer's shape
