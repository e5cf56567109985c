"""Keep secrets out of every message, log line and stored error (invariant 7)."""

from __future__ import annotations

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


class RedactingFilter:
    """A logging filter that removes known secrets (urllib3 logs request paths, and Telegram's has the token)."""

    def filter(self, record) -> bool:  # type: ignore[no-untyped-def]
        message = record.getMessage()
        clean = SECRETS(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


_FILTER = RedactingFilter()


def install_log_filter() -> None:
    import logging

    for name in ("urllib3.connectionpool", "urllib3", "requests", "alertcast", "alertcast.broadcast"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
