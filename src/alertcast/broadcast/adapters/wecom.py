"""WeCom (企业微信) group robot: POST {"msgtype": "text", "text": {"content"}} to the webhook
URL `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY`; the answer is
{"errcode": 0, "errmsg": "ok"}. Text content is at most 2048 bytes (UTF-8); a robot sends at
most 20 messages a minute (errcode 45009 beyond that)."""

from __future__ import annotations

from .robot import TeamRobot


class Wecom(TeamRobot):
    name = "wecom"
    url_env = "WECOM_WEBHOOK_URL"
    rate_codes = frozenset({45009})

    def body(self, text: str) -> dict:
        return {"msgtype": "text", "text": {"content": text}}
