"""Google's OAuth 2.0 token endpoint and the FCM HTTP v1 API, as their references describe them.

The token endpoint takes a JWT grant (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`)
and checks the assertion as Google does: RS256 signature against the service account's public
key, `iss` the account's email, `aud` Google's token URI, a scope, `iat`/`exp` at most an hour apart.
The send endpoint checks the bearer token and the message's shape (one target, string data
values, a topic name FCM accepts) and answers errors in FCM's shape: an `error` with `code`,
`message`, `status` and a `details` entry of type FcmError carrying its `errorCode`.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from urllib.parse import parse_qs

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from . import FakeNetwork, Reply

#: The audience Google requires in the assertion, wherever the grant is posted (google-auth sets it so).
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
#: FCM's errorCode -> (HTTP status, google.rpc status, message), as the ErrorCode reference pairs them.
ERRORS = {
    "INVALID_ARGUMENT": (400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
    "UNREGISTERED": (404, "NOT_FOUND", "Requested entity was not found."),
    "SENDER_ID_MISMATCH": (403, "PERMISSION_DENIED", "SenderId mismatch"),
    "QUOTA_EXCEEDED": (429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Messages per minute'."),
    "UNAVAILABLE": (503, "UNAVAILABLE", "The service is currently unavailable."),
    "INTERNAL": (500, "INTERNAL", "Internal error encountered."),
    "THIRD_PARTY_AUTH_ERROR": (401, "UNAUTHENTICATED", "Auth error from APNS or Web Push Service"),
}
_TOPIC = re.compile(r"[a-zA-Z0-9-_.~%]+")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def service_account(project: str) -> tuple[dict, rsa.RSAPrivateKey]:
    """A service account key file's content (as the Firebase console downloads it) and its key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return ({"type": "service_account", "project_id": project, "private_key_id": secrets.token_hex(20),
             "private_key": pem, "client_email": f"firebase-adminsdk@{project}.iam.gserviceaccount.com",
             "client_id": "10000000000000000001", "auth_uri": "https://accounts.google.com/o/oauth2/auth",
             "token_uri": "https://oauth2.googleapis.com/token"}, key)


class FakeFcm(FakeNetwork):
    """Both Google endpoints on one local server: `/token` and `/v1/projects/{project}/messages:send`.

    Scripted faults (`fail_next`) apply to sends only; the token endpoint has its own `refuse_grants`."""

    def __init__(self, project: str = "wallet-alerts", *a, **k):
        super().__init__(*a, **k)
        self.project = project
        self.account, self.key = service_account(project)
        self.tokens: dict[str, float] = {}  # access token -> expiry (epoch seconds)
        self.grants = 0
        self.refuse_grants = False
        self.messages: list[dict] = []  # every message FCM accepted, in order

    @property
    def token_uri(self) -> str:
        return self.url + "/token"

    def key_file(self, folder) -> str:
        path = folder / "fcm-service-account.json"
        path.write_text(json.dumps(self.account), encoding="utf-8")
        return str(path)

    # -- error shapes ------------------------------------------------------------------------
    def fcm_error(self, code: str, message: str | None = None, headers: dict | None = None) -> Reply:
        status, rpc, text = ERRORS[code]
        return Reply(status, {"error": {"code": status, "message": message or text, "status": rpc, "details": [
            {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": code}]}}, headers)

    def error(self, status, message, req):
        code = {400: "INVALID_ARGUMENT", 404: "UNREGISTERED", 500: "INTERNAL", 503: "UNAVAILABLE"}.get(status)
        if code:
            return self.fcm_error(code, message if status == 400 and message != "Bad Request" else None)
        return Reply(status, {"error": {"code": status, "message": message, "status": "UNKNOWN"}})

    def rate_limited(self, seconds, req=None):
        return self.fcm_error("QUOTA_EXCEEDED", headers={"Retry-After": str(int(seconds))})

    def unauthorized(self, req=None):
        return Reply(401, {"error": {"code": 401, "message": "Request had invalid authentication credentials. "
                                     "Expected OAuth 2 access token, login cookie or other valid authentication "
                                     "credential.", "status": "UNAUTHENTICATED"}})

    def server_error(self, status, req):
        return self.fcm_error("UNAVAILABLE" if status == 503 else "INTERNAL")

    # -- the token endpoint ------------------------------------------------------------------
    def dispatch(self, req):
        if req["path"] == "/token":  # scripted faults are for sends
            try:
                return self.grant(req)
            except Reply as reply:
                return reply.status, reply.body, reply.headers
        return super().dispatch(req)

    def _grant_error(self, description: str, error: str = "invalid_grant") -> Reply:
        return Reply(400, {"error": error, "error_description": description})

    def grant(self, req) -> tuple[int, object, dict]:
        form = {k: v[0] for k, v in parse_qs(req["raw"].decode()).items()}
        if form.get("grant_type") != JWT_GRANT:
            raise self._grant_error("Invalid grant_type", "unsupported_grant_type")
        if self.refuse_grants:
            raise self._grant_error("Invalid JWT Signature.")
        try:
            head, body, signature = form["assertion"].split(".")
            header, claims = json.loads(_unb64(head)), json.loads(_unb64(body))
        except (KeyError, ValueError):
            raise self._grant_error("Invalid JWT: Token must be a short-lived token and in a reasonable timeframe") from None
        if header.get("alg") != "RS256" or header.get("kid") != self.account["private_key_id"]:
            raise self._grant_error("Invalid JWT Signature.")
        try:
            self.key.public_key().verify(_unb64(signature), f"{head}.{body}".encode(), padding.PKCS1v15(),
                                         hashes.SHA256())
        except Exception:
            raise self._grant_error("Invalid JWT Signature.") from None
        now = time.time()
        if (claims.get("iss") != self.account["client_email"] or claims.get("aud") != GOOGLE_TOKEN_URI
                or SCOPE not in str(claims.get("scope", "")).split()
                or not (claims.get("iat", 0) - 300 <= now <= claims.get("exp", 0))
                or claims["exp"] - claims["iat"] > 3600):
            raise self._grant_error("Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                                    "reasonable timeframe. Check your iat and exp values in the JWT claim.")
        token = "ya29." + secrets.token_urlsafe(32)
        with self.lock:
            self.grants += 1
            self.tokens[token] = now + 3599
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}, {}

    # -- the send endpoint -------------------------------------------------------------------
    def route(self, req):
        if req["method"] != "POST" or req["path"] != f"/v1/projects/{self.project}/messages:send":
            return 404, {"error": {"code": 404, "message": "Not found", "status": "NOT_FOUND"}}, {}
        auth = req["headers"].get("authorization", "")
        if not auth.startswith("Bearer ") or self.tokens.get(auth[7:], 0) < time.time():
            raise self.unauthorized(req)
        message = req["body"].get("message")
        if not isinstance(message, dict):
            raise self.fcm_error("INVALID_ARGUMENT", "Invalid JSON payload received. Unknown name \"message\"")
        targets = [k for k in ("token", "topic", "condition") if k in message]
        if len(targets) != 1:
            raise self.fcm_error("INVALID_ARGUMENT", "Exactly one of token, topic or condition must be specified")
        if "topic" in message and not _TOPIC.fullmatch(message["topic"]):
            raise self.fcm_error("INVALID_ARGUMENT", "Invalid topic name")
        data = message.get("data", {})
        if any(not isinstance(v, str) for v in data.values()):
            raise self.fcm_error("INVALID_ARGUMENT", "Invalid value at 'message.data' (TYPE_STRING)")
        if len(json.dumps(data).encode()) > 2048:  # topic messages: 2 KB of data
            raise self.fcm_error("INVALID_ARGUMENT", "Message is too big")
        ttl = message.get("android", {}).get("ttl")
        if ttl is not None and not re.fullmatch(r"\d+(\.\d{1,9})?s", ttl):
            raise self.fcm_error("INVALID_ARGUMENT", "Invalid value at 'message.android.ttl'")
        name = f"projects/{self.project}/messages/{self.new_id()}"
        self.messages.append(message)
        self.posts[name] = {"text": json.dumps(message, ensure_ascii=False, sort_keys=True), "message": message}
        return 200, {"name": name}, {}
