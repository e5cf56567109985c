"""Structured logs: one JSON object per line, with the `extra` fields a record carries.

Secrets are removed from the whole line (message, fields, traceback) by the handler, not by
filters on a few loggers: a filter on a logger does not see what its child loggers log, and a
secret that is a URL (a Slack or Discord webhook) shows up in urllib3's debug lines as its path
alone, without the scheme and host that the full secret has.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlsplit

from ..broadcast.redaction import SECRETS

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_MIN_PART = 8  # a URL path shorter than this is not secret enough to hide (and would hide too much)
_own: set[str] = set()  # the daemon's own secrets (webhook secret, signing key), see hide()


def hide(secret: str | None) -> None:
    """Never print `secret` (nor, for a multi-line one such as a PEM key, any of its long lines)."""
    if not secret:
        return
    _own.add(secret)
    _own.update(line.strip() for line in secret.splitlines() if len(line.strip()) >= 16)


def _forms(secret: str) -> set[str]:
    forms = {secret, quote(secret, safe=""), quote(secret, safe="/:")}
    parts = urlsplit(secret)
    if parts.scheme in ("http", "https") and len(parts.path) >= _MIN_PART:
        forms |= {parts.path, quote(parts.path, safe="/")}
    return {f for f in forms if len(f) >= 4}


def redact(text: str) -> str:
    secrets = set(SECRETS._secrets) | _own  # every secret an adapter read in this process, and ours
    forms = sorted({f for s in secrets for f in _forms(s)}, key=len, reverse=True)
    for form in forms:
        if form in text:
            text = text.replace(form, "[REDACTED]")
    return text


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return redact(str(value))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        data.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(_clean(data), sort_keys=True, default=str, ensure_ascii=False)


class _Above(logging.Filter):
    def __init__(self, level: int):
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level


def setup(level: str = "info") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # mkdocs notes every page at info on every build (a thousand lines a publish), and jieba prints
    # its dictionary loading to stderr with its own handler, outside this JSON: only their warnings.
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    logging.getLogger("jieba").addFilter(_Above(logging.WARNING))
