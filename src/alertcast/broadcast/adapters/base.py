"""What every adapter shares: credentials from the environment, HTTP error mapping, redaction.

A send ends in one of five ways, and the dispatcher acts on which:
`rate_limited` (not done; the whole channel waits for the hint), `retry` (not done: the request
never left, e.g. connection refused or a malformed URL), `unknown` (the request may have arrived:
timeout, 5xx, an answer we cannot read), `duplicate` (the network says it already has this text:
probably posted) and `permanent` (4xx: a person must act).
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping
from urllib.parse import urlsplit

import requests
import urllib3

from ..redaction import Redactor, install_log_filter


class ConfigProblem(Exception):
    """A channel is misconfigured; the message names mkdocs.yml and the key to fix."""


class SendError(Exception):
    """A send that did not succeed; `status` and `detail` (the redacted answer) let adapters tell errors apart."""

    def __init__(self, kind: str, message: str, retry_after: float | None = None, *, status: int | None = None,
                 detail: str = ""):
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after
        self.status = status
        self.detail = detail


#: Raised while the request is being built, so nothing left this machine: safe to retry.
_NEVER_SENT = (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema,
               requests.exceptions.InvalidHeader, requests.exceptions.URLRequired, requests.exceptions.InvalidJSONError)


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
    #: remote ids of the alert's earlier sent posts on this channel, for a new post that updates or
    #: corrects them (an email's In-Reply-To); empty for a first post
    earlier: tuple[str, ...] = field(default=())
    #: what the dispatcher claimed for the row: post, or what `Adapter.choose` made of it
    operation: str = "post"


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
    #: seconds during which the server de-duplicates a repeated post (Mastodon's Idempotency-Key);
    #: None: none. A post that is always safe to repeat is in `safe_repeat` instead.
    idempotent_window: float | None = None
    edit_window: float | None = None  # None: cannot edit; float('inf'): no limit
    delete_window: float | None = None
    #: operations that may be sent again after an unknown outcome without a visible double
    safe_repeat: frozenset[str] = frozenset()
    can_lookup = False
    timeout = 10.0
    #: The most of an answer read, and the most time reading it may take whatever its pace
    #: (`timeout` bounds each wait for a byte, so a server dripping one byte at a time never hit
    #: it): a hostile or broken server must not hold the dispatcher, nor fill the daemon's memory.
    max_answer = 4 * 1024 * 1024
    answer_deadline = 60.0
    clock = staticmethod(time.monotonic)

    def __init__(self, settings: Mapping[str, Any], env: Mapping[str, str], session: requests.Session | None = None):
        self.settings = dict(settings)
        self.env = env
        self.session = session or requests.Session()
        self.redact = Redactor()
        self.secrets_read: list[str] = []  # what the channel's post-id marks are keyed by (remote_marks.py)
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
        env_name = self.settings.get(key) or default_env  # unset or null: the documented default
        value = self.env.get(env_name) if env_name else None
        self.redact.add(value)
        value = value.strip() if value else value  # a secret read from a file often ends in a newline
        self.redact.add(value)
        if value:
            self.secrets_read.append(value)
        return value or None

    def secret_url(self, key: str, default_env: str) -> str | None:
        """A URL that is itself the credential (a webhook). urllib3 logs and errors show only its
        path, so the path and its last segment are secrets too."""
        url = self.secret(key, default_env)
        if url:
            parts = urlsplit(url)  # secret() has stripped it
            path = parts.path.rstrip("/")
            for part in (parts.netloc + path, path, path.rsplit("/", 1)[-1]):
                if len(part) >= 8:
                    self.redact.add(part)
        return url

    @property
    def configured(self) -> bool:
        """True when credentials are present; otherwise the channel runs dry."""
        return True

    # -- HTTP ----------------------------------------------------------------------------
    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One HTTP call. Every failure becomes a SendError whose message holds no secret."""
        name = self.name
        started = self.clock()
        try:
            response = self.session.request(method, url, timeout=kwargs.pop("timeout", self.timeout), stream=True,
                                            **kwargs)
            self._read(response, started)
        except SendError:
            raise
        except requests.exceptions.ConnectTimeout as exc:
            raise SendError("retry", self.redact(f"{name}: connect timeout: {exc}")) from None
        except requests.exceptions.ConnectionError as exc:
            # Refused, unresolvable or a failed TLS handshake: nothing was sent, safe to retry.
            # A connection dropped mid-request is not.
            reason = str(exc)
            early = ("refused" in reason.lower() or "NewConnectionError" in reason or "NameResolution" in reason
                     or isinstance(exc, (requests.exceptions.SSLError, requests.exceptions.ProxyError)))
            raise SendError("retry" if early else "unknown", self.redact(f"{name}: connection error: {exc}")) from None
        except requests.exceptions.Timeout as exc:
            raise SendError("unknown", self.redact(f"{name}: no answer in time: {exc}")) from None
        except _NEVER_SENT as exc:
            raise SendError("retry", self.redact(f"{name}: the request could not be made, check the channel's URL "
                                                 f"in mkdocs.yml or its environment variable: {exc}")) from None
        except requests.exceptions.RequestException as exc:
            raise SendError("unknown", self.redact(f"{name}: {type(exc).__name__}: {exc}")) from None
        except Exception as exc:  # not from requests: we cannot tell whether it left
            raise SendError("unknown", self.redact(f"{name}: unexpected {type(exc).__name__}: {exc}")) from None
        status = response.status_code
        if status == 429:
            raise SendError("rate_limited", f"{name}: rate limited (429)", self.retry_hint(response), status=status,
                            detail=self.describe(response))
        if status >= 500:
            detail = self.describe(response)
            raise SendError("unknown", f"{name}: server error {status}: {detail}", status=status, detail=detail)
        if status >= 400:
            detail = self.describe(response)
            raise SendError("permanent", f"{name}: {status} {detail}", status=status, detail=detail)
        return response

    def _read(self, response: requests.Response, started: float) -> None:
        """The whole answer, within `max_answer` bytes (decompressed) and `answer_deadline` seconds."""
        chunks, size = [], 0
        with response:
            while chunk := _arrived(response):
                size += len(chunk)
                if size > self.max_answer:
                    raise SendError("unknown", f"{self.name}: the answer is larger than "
                                               f"{self.max_answer // (1024 * 1024)} MB: not read")
                if self.clock() - started > self.answer_deadline:
                    raise SendError("unknown", f"{self.name}: the answer took longer than "
                                               f"{self.answer_deadline:.0f} s to arrive: not read")
                chunks.append(chunk)
        response._content = b"".join(chunks)  # what .content, .text and .json() read from now on

    def retry_hint(self, response: requests.Response) -> float | None:
        return parse_retry_after(response.headers.get("Retry-After"))

    def describe(self, response: requests.Response) -> str:
        """The answer's body, redacted before it is cut (a cut could leave part of a secret)."""
        try:
            text = response.text
        except Exception:  # an undecodable body says nothing useful
            return ""
        return self.redact(" ".join(text.split()))[:300]

    @staticmethod
    def json(response: requests.Response) -> dict:
        try:
            data = response.json()
        except ValueError:
            raise SendError("unknown", f"answer was not JSON (status {response.status_code})") from None
        return data if isinstance(data, dict) else {}

    # -- channels that keep state or narrow a post (WeChat) --------------------------------
    def attach(self, engine: Any, config: Any) -> None:
        """The state store and settings, for a channel that remembers things between runs."""

    def choose(self, row: dict, operation: str, now: datetime) -> tuple[str, str | None]:
        """The operation to claim for `row` (WeChat: a post becomes a broadcast or a publish) and
        a note saying what was held back and why; by default the dispatcher's own choice."""
        return operation, None

    def remark(self, remote_id: str) -> tuple[str | None, str | None]:
        """(outcome, note) the network gave a sent post beyond success (a broadcast waiting for an
        administrator's confirmation); (None, None) when there is nothing more to say."""
        return None, None

    def follow_up(self, row: dict, now: datetime) -> tuple[str, str | None] | None:
        """A sent row whose outcome was still open (a broadcast pending confirmation): its
        (outcome, note) now, or None while it is still open. The outcome `broadcasts.INSTEAD`
        asks the dispatcher to claim the row and call `settle`."""
        return None

    def settle(self, row: dict, now: datetime) -> str:
        """Send what `follow_up` asked for instead (WeChat: publish the article of a broadcast
        that was not confirmed); returns its remote id."""
        raise NotImplementedError

    # -- operations ----------------------------------------------------------------------
    def remote_key(self, msg: Message) -> str | None:
        """The key the network files this post under when we choose it (a Bluesky record key, an
        Idempotency-Key, a Matrix txnId): two rows with one key would be one post there, the second
        overwriting the first or answered with it. None: the network chooses the id."""
        return None

    def post(self, msg: Message) -> str:
        raise NotImplementedError

    def edit(self, remote_id: str, msg: Message) -> str:
        raise NotImplementedError

    def delete(self, remote_id: str, msg: Message | None = None) -> None:
        raise NotImplementedError

    def find(self, msg: Message) -> str | None:
        """Look for an earlier post of `msg` (after an unknown outcome); None when absent."""
        raise NotImplementedError


def _arrived(response: requests.Response) -> bytes:
    """What has arrived of the body (b"" at its end), decompressed; urllib3's errors as requests
    gives them (a read timeout, a connection lost mid-answer)."""
    try:
        return response.raw.read1(64 * 1024, decode_content=True)
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ReadTimeout(exc) from None
    except urllib3.exceptions.HTTPError as exc:
        raise requests.exceptions.ConnectionError(exc) from None


def utc_iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
