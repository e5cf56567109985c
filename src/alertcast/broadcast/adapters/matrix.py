"""Matrix client-server API: PUT .../send/m.room.message/{txnId}; the txnId makes a retry idempotent."""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from .base import Adapter, Message


class Matrix(Adapter):
    name = "matrix"
    edit_window = float("inf")
    delete_window = float("inf")
    safe_repeat = frozenset({"post", "edit", "delete"})  # every request carries a txnId derived from the row

    def setup(self) -> None:
        self.base_url = str(self.require("base_url")).rstrip("/")
        self.room = quote(str(self.require("room_id")), safe="")
        self.token = self.secret("token_env", "MATRIX_ACCESS_TOKEN")

    @property
    def configured(self) -> bool:
        return bool(self.token)

    def retry_hint(self, response):  # type: ignore[no-untyped-def]
        hint = super().retry_hint(response)
        if hint is not None:
            return hint
        try:
            return float(response.json()["retry_after_ms"]) / 1000
        except (ValueError, KeyError, TypeError):
            return None

    def _send(self, txn: str, content: dict) -> str:
        url = f"{self.base_url}/_matrix/client/v3/rooms/{self.room}/send/m.room.message/{quote(txn, safe='')}"
        response = self.request("PUT", url, json=content, headers={"Authorization": f"Bearer {self.token}"})
        return str(self.json(response)["event_id"])

    @staticmethod
    def _txn(key: str) -> str:
        return "alertcast-" + hashlib.sha256(key.encode()).hexdigest()[:32]

    def remote_key(self, msg: Message) -> str:
        return self._txn(msg.idem_key)

    def post(self, msg: Message) -> str:
        return self._send(self._txn(msg.idem_key), {"msgtype": "m.text", "body": msg.text})

    def edit(self, remote_id: str, msg: Message) -> str:
        content = {"msgtype": "m.text", "body": "* " + msg.text,
                   "m.new_content": {"msgtype": "m.text", "body": msg.text},
                   "m.relates_to": {"rel_type": "m.replace", "event_id": remote_id}}
        self._send(self._txn(msg.idem_key), content)
        return remote_id

    def delete(self, remote_id: str, msg: Message | None = None) -> None:
        url = (f"{self.base_url}/_matrix/client/v3/rooms/{self.room}/redact/{quote(remote_id, safe='')}/"
               f"{self._txn('redact:' + remote_id)}")
        self.request("PUT", url, json={"reason": "withdrawn"}, headers={"Authorization": f"Bearer {self.token}"})
