"""Firebase Cloud Messaging HTTP v1: `POST /v1/projects/{project}/messages:send`, one message per
language topic, authorised by an OAuth 2.0 access token that google-auth obtains with a JWT
signed by the service account's key (the key file's path is in an environment variable).

A push cannot be edited or deleted, and FCM has no idempotency key and no way to list what was
sent to a topic: a send whose answer is lost (timeout, 5xx) is held as unknown for a person,
never sent again. A row holds every language's message (render/push.py); if one language went
out and a later one fails, the row is held too, naming what went out, since sending the row
again would push the first language twice.
"""

from __future__ import annotations

import json
from pathlib import Path

import google.auth.exceptions
from google.auth.credentials import TokenState
from google.auth.transport.requests import Request
from google.oauth2 import service_account

from ...render import push
from .base import Adapter, ConfigProblem, Message, SendError

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
DEFAULT_CREDENTIALS_ENV = "FCM_SERVICE_ACCOUNT_FILE"


class Fcm(Adapter):
    name = "fcm"

    def setup(self) -> None:
        self.project = str(self.require("project"))
        self.base_url = str(self.settings.get("base_url") or "https://fcm.googleapis.com").rstrip("/")
        token_uri = str(self.settings.get("token_uri") or "https://oauth2.googleapis.com/token")
        env_name = str(self.settings.get("credentials_env") or DEFAULT_CREDENTIALS_ENV)
        path = self.secret("credentials_env", DEFAULT_CREDENTIALS_ENV)
        self.credentials = None
        if not path:
            return  # not configured: the channel runs dry
        try:
            info = json.loads(Path(path).read_text(encoding="utf-8"))
            for key in ("private_key", "private_key_id"):
                self._hide(info.get(key))
            self.credentials = service_account.Credentials.from_service_account_info(
                {**info, "token_uri": token_uri}, scopes=[SCOPE])
        except OSError as exc:
            raise ConfigProblem(f"fcm: cannot read the service account key file named by {env_name}: "
                                f"{exc.strerror or type(exc).__name__}; set {env_name} to the path of the JSON key "
                                "downloaded from the Firebase console (Project settings > Service accounts)") from None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ConfigProblem(f"fcm: the file named by {env_name} is not a service account key (JSON with "
                                "client_email and private_key); download one from the Firebase console "
                                "(Project settings > Service accounts)") from None

    def _hide(self, value: object) -> None:
        """The key, and each line of it: an error may quote a part."""
        if isinstance(value, str):
            self.redact.add(value)
            for line in value.splitlines():
                if len(line) >= 16 and not line.startswith("-----"):
                    self.redact.add(line)

    @property
    def configured(self) -> bool:
        return self.credentials is not None

    def _token(self) -> str:
        """A valid access token, fetched again when the one held has expired (about an hour)."""
        creds = self.credentials
        if creds.token_state is not TokenState.FRESH:  # none yet, expired, or expiring within minutes
            try:
                creds.refresh(Request(self.session))
            except google.auth.exceptions.TransportError as exc:
                raise SendError("retry", self.redact(f"fcm: the token endpoint did not answer: {exc}")) from None
            except google.auth.exceptions.RefreshError as exc:
                # Nothing reached FCM; a refusal (a revoked or wrong key) needs a person.
                kind = "retry" if getattr(exc, "retryable", False) else "permanent"
                raise SendError(kind, self.redact(f"fcm: the token endpoint refused the service account: {exc}; "
                                                  "check the key file and that its account may send FCM")) from None
            self._hide(creds.token)
        return str(creds.token)

    def _send(self, url: str, message: dict):  # type: ignore[no-untyped-def]
        """One message; an access token FCM no longer takes (401: revoked, or expired early) is
        replaced once. A 401 means FCM did not accept the message, so sending it again is safe."""
        for attempt in (1, 2):
            try:
                return self.request("POST", url, json={"message": message},
                                    headers={"Authorization": f"Bearer {self._token()}"})
            except SendError as exc:
                if exc.status != 401 or attempt == 2:
                    raise
                self.credentials.token = None  # not valid any more: the next _token() asks again

    def post(self, msg: Message) -> str:
        try:
            messages = push.messages(msg.text)
        except ValueError as exc:
            raise SendError("permanent", f"fcm: row is not a list of FCM messages: {exc}") from None
        url = f"{self.base_url}/v1/projects/{self.project}/messages:send"
        sent: list[str] = []
        for message in messages:
            try:
                response = self._send(url, message)
                sent.append(str(self.json(response).get("name") or message.get("topic")))
            except SendError as exc:
                if not sent:
                    raise
                done = ", ".join(sent)
                raise SendError("unknown", f"fcm: sent to {done}; then {message.get('topic')}: {exc} (sending the "
                                           "row again would push those topics twice)",
                                status=exc.status, detail=exc.detail) from None
        return ",".join(sent)
