"""Telegram Bot API: sendMessage / editMessageText / deleteMessage, with parse_mode HTML.

The bot token is part of the URL path, so every URL and error passes through the redactor.
No idempotency and bots cannot read channel history: an unknown outcome of a post is held for
a person. An edit or delete may be repeated: Telegram answers "message is not modified" or
"message to delete not found", which mean the first one arrived.
"""

from __future__ import annotations

from .base import Adapter, Message, SendError

#: Telegram's 400 descriptions that say a repeated edit or delete had already taken effect.
ALREADY_DONE = {"editMessageText": "message is not modified", "deleteMessage": "message to delete not found"}


class Telegram(Adapter):
    name = "telegram"
    edit_window = float("inf")
    delete_window = 48 * 3600.0  # deleteMessage only works within 48 hours
    safe_repeat = frozenset({"edit", "delete"})

    def setup(self) -> None:
        self.base_url = str(self.settings.get("base_url", "https://api.telegram.org")).rstrip("/")
        self.chat_id = self.require("chat_id")
        self.token = self.secret("token_env", "TELEGRAM_BOT_TOKEN")

    @property
    def configured(self) -> bool:
        return bool(self.token)

    def _call(self, method: str, payload: dict) -> dict:
        try:
            response = self.request("POST", f"{self.base_url}/bot{self.token}/{method}", json=payload)
        except SendError as exc:
            done = ALREADY_DONE.get(method)
            if exc.status == 400 and done and done in exc.detail.lower():
                return {"ok": True, "result": None}
            raise
        data = self.json(response)
        if data.get("ok") is not True:  # Telegram answers errors with a 4xx; a 2xx without ok says nothing
            raise SendError("unknown", self.redact(f"telegram: unexpected answer: {self.describe(response)}"))
        return data

    def retry_hint(self, response):  # type: ignore[no-untyped-def]
        try:
            return float(response.json()["parameters"]["retry_after"])
        except (ValueError, KeyError, TypeError):
            return super().retry_hint(response)

    def post(self, msg: Message) -> str:
        data = self._call("sendMessage", {"chat_id": self.chat_id, "text": msg.text, "parse_mode": "HTML",
                                          "link_preview_options": {"url": msg.link}})
        return str(data["result"]["message_id"])

    def edit(self, remote_id: str, msg: Message) -> str:
        self._call("editMessageText", {"chat_id": self.chat_id, "message_id": int(remote_id), "text": msg.text,
                                       "parse_mode": "HTML", "link_preview_options": {"url": msg.link}})
        return remote_id

    def delete(self, remote_id: str, msg: Message | None = None) -> None:
        self._call("deleteMessage", {"chat_id": self.chat_id, "message_id": int(remote_id)})
