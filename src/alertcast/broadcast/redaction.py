"""Keep secrets out of every message, log line and stored error (invariant 7)."""

from __future__ import annotations

import logging
import re
import threading
from urllib.parse import quote

#: What stands for a secret in a message.
MARK = "[REDACTED]"


class Redactor:
    """Replaces every secret it was given, and the value of every query parameter it was told
    holds one, with MARK. What one adapter's redactor learns, the process-wide SECRETS learns too,
    so log records of any logger are cleaned of it."""

    def __init__(self, secrets: list[str] | tuple[str, ...] = ()):
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
        self._params: tuple[str, ...] = ()
        self._param_values: re.Pattern[str] | None = None

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets = sorted(self._secrets + [secret], key=len, reverse=True)
            if self is not SECRETS:
                SECRETS.add(secret)

    def add_param(self, name: str) -> None:
        """A query parameter whose value is a secret or is made from one (DingTalk's `sign`, an
        `access_token`): its value is redacted in any URL, including values made anew for each
        request, which no list of secrets could hold (and one would grow with every send)."""
        if name and name not in self._params:
            self._params = (*self._params, name)
            names = "|".join(re.escape(p) for p in sorted(self._params, key=len, reverse=True))
            # Also inside a URL quoted once or twice (a redirect's `?next=`, a proxy's error page):
            # `%26sign%3D…` carries the same signature as `&sign=…`.
            self._param_values = re.compile(
                rf"(?:(?<![\w.%-])|(?<=%26)|(?<=%3[fF])|(?<=%2526)|(?<=%253[fF]))"
                rf"((?:{names})(?:=|%3[dD]|%253[dD]))[^&\s'\"#<>()\[\]]+")  # not MARK again
            if self is not SECRETS:
                SECRETS.add_param(name)

    def include(self, other: Redactor) -> None:
        """Redact everything `other` redacts (the dispatcher, what each of its adapters knows)."""
        for secret in other._secrets:
            self.add(secret)
        for name in other._params:
            self.add_param(name)

    @property
    def empty(self) -> bool:
        """True while there is nothing to redact: a log record need not be looked at."""
        return not (self._secrets or self._params)

    def __call__(self, text: object) -> str:
        out = str(text)
        for secret in self._secrets:
            for form in {secret, quote(secret, safe=""), quote(secret, safe="/:")}:
                out = out.replace(form, MARK)
        if self._param_values is not None:
            out = self._param_values.sub(rf"\1{MARK}", out)
        return out


#: Every secret any adapter has read in this process; log records pass through it.
SECRETS = Redactor()


def _clean(record: logging.LogRecord) -> None:
    if SECRETS.empty:
        return
    try:
        message = record.getMessage()
    except Exception:  # a malformed call: logging reports it when the record is emitted
        return
    clean = SECRETS(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = SECRETS(logging.Formatter().formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = SECRETS(record.exc_text)
    if record.stack_info:
        record.stack_info = SECRETS(record.stack_info)


_LOCK = threading.Lock()
_INSTALLED = False


def install_log_filter() -> None:
    """Redact every log record when it is made, whichever logger makes it.

    A filter on a logger sees only records logged on that very logger, not those of its
    children (urllib3.util.retry logs URLs too, and Telegram's has the token), nor records
    that reach a handler some other way; a record factory sees them all.
    """
    global _INSTALLED
    with _LOCK:
        if _INSTALLED:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args, **kwargs):  # type: ignore[no-untyped-def]
            record = previous(*args, **kwargs)
            _clean(record)
            return record

        logging.setLogRecordFactory(factory)
        _INSTALLED = True
