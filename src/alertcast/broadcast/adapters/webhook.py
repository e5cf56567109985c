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

from .base import Adapter, ConfigProblem, Message

DEFAULT_SECRET_ENV = "ALERTCAST_WEBHOOK_CHANNEL_SECRET"
DAEMON_SECRET_ENV = "ALERTCAST_WEBHOOK_SECRET"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class Webhook(Adapter):
    name = "webhook"

    def setup(self) -> None:
        self.url = str(self.require("url"))
        self.secret_value = self.secret("secret_env", DEFAULT_SECRET_ENV)
        if not self.secret_value and not self.settings.get("secret_env") and self.env.get(DAEMON_SECRET_ENV):
            # Before it had its own default this channel signed with the daemon's secret; running
            # dry now would mark its rows previewed for good, so stop and say what to set.
            raise ConfigProblem(f"mkdocs.yml: extra.alertcast.channels.webhook signs with {DEFAULT_SECRET_ENV} "
                                f"(or the variable named by secret_env), which is not set; {DAEMON_SECRET_ENV} is "
                                f"the daemon's push-webhook secret only")
        if self.settings.get("idempotent"):
            self.idempotent_window = float("inf")
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

    def post(self, msg: Message) -> str:
        return self._send({"event": msg.action, "alert_id": msg.alert_id, "lang": msg.lang, "text": msg.text,
                           "link": msg.link, "idempotency_key": msg.idem_key}, msg.idem_key)

    def delete(self, remote_id: str) -> None:
        self._send({"event": "delete", "remote_id": remote_id}, "delete:" + remote_id)
