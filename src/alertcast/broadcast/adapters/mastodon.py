"""Mastodon: POST /api/v1/statuses with an Idempotency-Key (honoured for about an hour)."""

from __future__ import annotations

from datetime import datetime

from .base import Adapter, Message, parse_retry_after


class Mastodon(Adapter):
    name = "mastodon"
    idempotent_window = 3600.0
    edit_window = float("inf")
    delete_window = float("inf")
    safe_repeat = frozenset({"edit", "delete"})  # the same text again; a second delete is a 404

    def setup(self) -> None:
        self.base_url = str(self.require("base_url")).rstrip("/")
        self.visibility = self.settings.get("visibility", "public")
        self.token = self.secret("token_env", "MASTODON_TOKEN")

    @property
    def configured(self) -> bool:
        return bool(self.token)

    def _headers(self, idem: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"}
        if idem:
            headers["Idempotency-Key"] = idem
        return headers

    def retry_hint(self, response):  # type: ignore[no-untyped-def]
        reset = response.headers.get("X-RateLimit-Reset")
        if reset:
            try:
                return max((datetime.fromisoformat(reset.replace("Z", "+00:00")) - datetime.now().astimezone()).total_seconds(), 0.0)
            except ValueError:
                pass
        return parse_retry_after(response.headers.get("Retry-After"))

    def remote_key(self, msg: Message) -> str:
        return msg.idem_key

    def post(self, msg: Message) -> str:
        body = {"status": msg.text, "visibility": self.visibility, "language": msg.lang}
        response = self.request("POST", f"{self.base_url}/api/v1/statuses", json=body, headers=self._headers(msg.idem_key))
        return str(self.json(response)["id"])

    def edit(self, remote_id: str, msg: Message) -> str:
        response = self.request("PUT", f"{self.base_url}/api/v1/statuses/{remote_id}", json={"status": msg.text},
                                headers=self._headers())
        return str(self.json(response)["id"])

    def delete(self, remote_id: str, msg: Message | None = None) -> None:
        self.request("DELETE", f"{self.base_url}/api/v1/statuses/{remote_id}", headers=self._headers())
