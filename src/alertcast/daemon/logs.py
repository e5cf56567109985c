"""Structured logs: one JSON object per line, with the `extra` fields a record carries.

Secrets are removed from the whole line (message, fields, traceback) by the handler, not by
filters on a few loggers: a filter on a logger does not see what its child loggers log. A
secret that is a URL (a Slack or Discord webhook) shows up in urllib3's debug lines as its path
alone; adapters register that path as a secret too (`Adapter.secret_url`).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

from ..broadcast.redaction import SECRETS

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def hide(secret: str | None) -> None:
    """Never print `secret` (nor, for a multi-line one such as a PEM key, any of its long lines):
    the daemon's own secrets (webhook secret, signing key) join those the adapters registered."""
    if not secret:
        return
    SECRETS.add(secret)
    for line in secret.splitlines():
        if len(line.strip()) >= 16:
            SECRETS.add(line.strip())


def redact(text: str) -> str:
    return SECRETS(text)


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
