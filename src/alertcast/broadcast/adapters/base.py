"""What every adapter shares: credentials from the environment, HTTP error mapping, redaction.

A send ends in one of four ways, and the dispatcher acts on which:
`rate_limited` (not done; retry after the hint), `retry` (not done, e.g. connection refused),
`unknown` (the request may have arrived: timeout, 5xx) and `permanent` (4xx: a person must act).
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

import requests

from ..redaction import Redactor, install_log_filter


class ConfigProblem(Exception):
    """A channel is misconfigured; the message names mkdocs.yml and the key to fix."""


class SendError(Exception):
    def __init__(self, kind: str, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after


@dataclass(frozen=True)
class Message:
    idem_key: str
    alert_id: str
    action: str
    lang: str
    text: str
    link: str
    facets: tuple[dict, ...] = field(default=())
    created_at: datetime | None = None


def retry_from_reset(response, reset_header: str) -> float | None:  # type: ignore[no-untyped-def]
    """Seconds to wait from an epoch-seconds rate-limit reset header, else from Retry-After."""
    reset = response.headers.get(reset_header)
    if reset:
        try:
            return max(float(reset) - time.time(), 0.0)
        except ValueError:
            pass
    return parse_retry_after(response.headers.get("Retry-After"))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(when.timestamp() - (now or time.time()), 0.0)
    except (TypeError, ValueError):
        return None


class Adapter:
    name = "base"
    #: seconds during which a retried send is de-duplicated by the server; None: no server-side idempotency
    idempotent_window: float | None = None
    edit_window: float | None = None  # None: cannot edit; float('inf'): no limit
    delete_window: float | None = None
    can_lookup = False
    timeout = 10.0

    def __init__(self, settings: Mapping[str, Any], env: Mapping[str, str], session: requests.Session | None = None):
        self.settings = dict(settings)
        self.env = env
        self.session = session or requests.Session()
        self.redact = Redactor()
        install_log_filter()
        self.setup()

    # -- configuration -------------------------------------------------------------------
    def setup(self) -> None:
        """Read settings; subclasses validate their keys here."""

    def require(self, key: str, default: Any = None) -> Any:
        value = self.settings.get(key, default)
        if value in (None, ""):
            raise ConfigProblem(f"mkdocs.yml: extra.alertcast.channels.{self.name}.{key} is required for {self.name}; add it")
        return value

    def secret(self, key: str, default_env: str) -> str | None:
        """The secret named by setting `key` (an environment variable name); None when unset."""
        env_name = self.settings.get(key, default_env)
        value = self.env.get(env_name) if env_name else None
        self.redact.add(value)
        return value or None

    @property
    def configured(self) -> bool:
        """True when credentials are present; otherwise the channel runs dry."""
        return True

    # -- HTTP ----------------------------------------------------------------------------
    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        try:
            response = self.session.request(method, url, timeout=kwargs.pop("timeout", self.timeout), **kwargs)
        except requests.exceptions.ConnectTimeout as exc:
            raise SendError("retry", self.redact(f"{self.name}: connect timeout: {exc}")) from None
        except requests.exceptions.ConnectionError as exc:
            # Refused before anything was sent is safe to retry; a drop mid-request is not.
            reason = str(exc)
            kind = "retry" if ("refused" in reason.lower() or "NewConnectionError" in reason) else "unknown"
            raise SendError(kind, self.redact(f"{self.name}: connection error: {exc}")) from None
        except requests.exceptions.Timeout as exc:
            raise SendError("unknown", self.redact(f"{self.name}: no answer in time: {exc}")) from None
        if response.status_code == 429:
            raise SendError("rate_limited", f"{self.name}: rate limited (429)", self.retry_hint(response))
        if response.status_code >= 500:
            raise SendError("unknown", f"{self.name}: server error {response.status_code}")
        if response.status_code >= 400:
            raise SendError("permanent", self.redact(f"{self.name}: {response.status_code} {self.describe(response)}"))
        return response

    def retry_hint(self, response: requests.Response) -> float | None:
        return parse_retry_after(response.headers.get("Retry-After"))

    def describe(self, response: requests.Response) -> str:
        return self.redact(response.text[:300])

    @staticmethod
    def json(response: requests.Response) -> dict:
        try:
            data = response.json()
        except ValueError:
            raise SendError("unknown", f"answer was not JSON (status {response.status_code})") from None
        return data if isinstance(data, dict) else {}

    # -- operations ----------------------------------------------------------------------
    def post(self, msg: Message) -> str:
        raise NotImplementedError

    def edit(self, remote_id: str, msg: Message) -> str:
        raise NotImplementedError

    def delete(self, remote_id: str) -> None:
        raise NotImplementedError

    def find(self, msg: Message) -> str | None:
        """Look for an earlier post of `msg` (after an unknown outcome); None when absent."""
        raise NotImplementedError


def utc_iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
