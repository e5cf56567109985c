"""Keep secrets out of every message, log line and stored error (invariant 7)."""

from __future__ import annotations

import logging
import threading
from urllib.parse import quote


class Redactor:
    def __init__(self, secrets: list[str] | tuple[str, ...] = ()):
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets = sorted(self._secrets + [secret], key=len, reverse=True)
            if self is not SECRETS:
                SECRETS.add(secret)

    def __call__(self, text: object) -> str:
        out = str(text)
        for secret in self._secrets:
            for form in {secret, quote(secret, safe=""), quote(secret, safe="/:")}:
                out = out.replace(form, "[REDACTED]")
        return out


#: Every secret any adapter has read in this process; log records pass through it.
SECRETS = Redactor()


def _clean(record: logging.LogRecord) -> None:
    if not SECRETS._secrets:
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
