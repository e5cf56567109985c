"""Slack: an incoming webhook (posts only, no message id) or a bot token (chat.postMessage,
chat.update, chat.delete, and conversations.history to look for a post after an unknown outcome).

The incoming webhook's URL is its credential; urllib3 logs only its path, which holds the
secret too, so the path is registered with the redactor as well as the URL.
"""

from __future__ import annotations

import json

from .base import Adapter, Message, SendError

#: Slack's Web API asks for the charset with JSON bodies (without it: a `missing_charset` warning).
JSON_UTF8 = "application/json; charset=utf-8"

#: Web API errors that say a repeated call had already taken effect.
ALREADY_DONE = {"chat.delete": "message_not_found"}


class Slack(Adapter):
    name = "slack"

    def setup(self) -> None:
        self.base_url = str(self.settings.get("base_url", "https://slack.com")).rstrip("/")
        self.token = self.secret("token_env", "SLACK_BOT_TOKEN")
        self.webhook = None if self.token else self.secret_url("webhook_env", "SLACK_WEBHOOK_URL")
        if self.token:
            self.channel = self.require("channel")
            self.edit_window = float("inf")
            self.delete_window = float("inf")
            self.safe_repeat = frozenset({"edit", "delete"})  # chat.update sets the same text again
            self.can_lookup = True

    @property
    def configured(self) -> bool:
        return bool(self.token or self.webhook)

    def _api(self, method: str, body: dict, http: str = "POST") -> dict:
        headers = {"Authorization": f"Bearer {self.token}"}
        if http == "POST":
            kwargs: dict = {"data": self._json(body)}
            headers["Content-Type"] = JSON_UTF8
        else:
            kwargs = {"params": body}
        response = self.request(http, f"{self.base_url}/api/{method}", headers=headers, **kwargs)
        data = self.json(response)
        if data.get("ok") is not True and not data.get("error"):  # Slack's errors always name themselves
            raise SendError("unknown", f"slack: unexpected answer: {self.describe(response)}")
        if not data.get("ok"):
            error = self.redact(data.get("error", "not ok"))
            if error == ALREADY_DONE.get(method):
                return {"ok": True}
            if error == "ratelimited":
                raise SendError("rate_limited", "slack: ratelimited", self.retry_hint(response))
            raise SendError("permanent", f"slack: {error}", status=response.status_code, detail=error)
        return data

    @staticmethod
    def _json(body: dict) -> bytes:
        return json.dumps(body, ensure_ascii=False).encode("utf-8")

    def post(self, msg: Message) -> str:
        if not self.token:
            self.request("POST", str(self.webhook), data=self._json({"text": msg.text}),
                         headers={"Content-Type": JSON_UTF8})
            return ""  # an incoming webhook returns no id: no edit or delete later
        return str(self._api("chat.postMessage", {"channel": self.channel, "text": msg.text, "unfurl_links": True})["ts"])

    def edit(self, remote_id: str, msg: Message) -> str:
        self._api("chat.update", {"channel": self.channel, "ts": remote_id, "text": msg.text})
        return remote_id

    def delete(self, remote_id: str, msg: Message | None = None) -> None:
        self._api("chat.delete", {"channel": self.channel, "ts": remote_id})

    def find(self, msg: Message) -> str | None:
        data = self._api("conversations.history", {"channel": self.channel, "limit": 100}, http="GET")
        first = msg.text.split("\n", 1)[0]
        for item in data.get("messages", []):
            text = item.get("text", "")
            if text.split("\n", 1)[0] == first and msg.link in text:
                return str(item["ts"])
        return None
