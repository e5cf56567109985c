"""Discord webhook: POST {webhook}?wait=true returns the message (and its id); PATCH/DELETE by id.

The webhook URL contains its token, so it comes from the environment and is redacted.
"""

from __future__ import annotations

from .base import Adapter, Message


class Discord(Adapter):
    name = "discord"
    edit_window = float("inf")
    delete_window = float("inf")
    safe_repeat = frozenset({"edit", "delete"})  # PATCH sets the same text; a second DELETE is a 404

    def setup(self) -> None:
        self.url = self.secret_url("webhook_env", "DISCORD_WEBHOOK_URL")

    @property
    def configured(self) -> bool:
        return bool(self.url)

    def retry_hint(self, response):  # type: ignore[no-untyped-def]
        try:
            return float(response.json()["retry_after"])
        except (ValueError, KeyError, TypeError):
            return super().retry_hint(response)

    def post(self, msg: Message) -> str:
        body = {"content": msg.text, "allowed_mentions": {"parse": []}}
        response = self.request("POST", f"{self.url}?wait=true", json=body)
        return str(self.json(response)["id"])

    def edit(self, remote_id: str, msg: Message) -> str:
        self.request("PATCH", f"{self.url}/messages/{remote_id}", json={"content": msg.text, "allowed_mentions": {"parse": []}})
        return remote_id

    def delete(self, remote_id: str) -> None:
        self.request("DELETE", f"{self.url}/messages/{remote_id}")
