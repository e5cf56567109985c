"""A generic webhook: a JSON body signed with HMAC-SHA256, for WeChat/Weibo bridges or a company's push service.

Headers: `X-Alertcast-Signature: sha256=<hex HMAC of "<timestamp>.<body>">`, `X-Alertcast-Timestamp`,
`Idempotency-Key`. A receiver that de-duplicates on the key can declare `idempotent: true`; only
then is anything sent again after an unknown outcome. The signing secret has its own default
variable: `ALERTCAST_WEBHOOK_SECRET` is the daemon's push-webhook secret, a different trust.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from .base import Adapter, Message

DEFAULT_SECRET_ENV = "ALERTCAST_WEBHOOK_CHANNEL_SECRET"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class Webhook(Adapter):
    name = "webhook"

    def setup(self) -> None:
        self.url = str(self.require("url"))
        self.secret_value = self.secret("secret_env", DEFAULT_SECRET_ENV)
        if self.settings.get("idempotent"):
            self.safe_repeat = frozenset({"post", "delete"})
        if self.settings.get("supports_delete"):
            self.delete_window = float("inf")

    @property
    def configured(self) -> bool:
        return bool(self.secret_value)

    def _send(self, payload: dict, key: str) -> str:
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        ts = str(int(time.time()))
        headers = {"Content-Type": "application/json", "Idempotency-Key": key, "X-Alertcast-Timestamp": ts,
                   "X-Alertcast-Signature": sign(str(self.secret_value), ts, body)}
        response = self.request("POST", self.url, data=body, headers=headers)
        try:
            return str(response.json().get("id") or key)
        except (ValueError, AttributeError):
            return key

    def remote_key(self, msg: Message) -> str:
        return msg.idem_key

    def post(self, msg: Message) -> str:
        return self._send(self._body(msg.action, msg), msg.idem_key)

    @staticmethod
    def _body(event: str, msg: Message) -> dict:
        """Every event carries the documented keys (docs/social.md, "Generic webhook")."""
        return {"event": event, "alert_id": msg.alert_id, "lang": msg.lang, "text": msg.text, "link": msg.link,
                "idempotency_key": msg.idem_key}

    def delete(self, remote_id: str, msg: Message | None = None) -> None:
        if msg is None:
            raise ValueError("webhook: a delete event needs the withdrawal it belongs to")
        key = f"{msg.idem_key}:{remote_id}"  # one withdrawal may delete several earlier posts
        self._send({**self._body("delete", msg), "idempotency_key": key, "remote_id": remote_id}, key)
