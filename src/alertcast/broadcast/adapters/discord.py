"""Discord webhook: POST {webhook}?wait=true returns the message (and its id); PATCH/DELETE by id.

The webhook URL contains its token, so it comes from the environment and is redacted.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .base import Adapter, Message


def webhook_url(url: str, suffix: str = "", **params: str) -> str:
    """`url` with `suffix` added to its path and `params` merged into its query: a webhook URL may
    carry documented parameters of its own (`?thread_id=` posts into a thread, and edits and
    deletes there must name it too)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(params)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix, query=urlencode(query)))


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
        response = self.request("POST", webhook_url(str(self.url), wait="true"), json=body)
        return str(self.json(response)["id"])

    def edit(self, remote_id: str, msg: Message) -> str:
        self.request("PATCH", webhook_url(str(self.url), f"/messages/{remote_id}"), json={"content": msg.text, "allowed_mentions": {"parse": []}})
        return remote_id

    def delete(self, remote_id: str, msg: Message | None = None) -> None:
        self.request("DELETE", webhook_url(str(self.url), f"/messages/{remote_id}"))
