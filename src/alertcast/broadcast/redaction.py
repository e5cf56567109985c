"""Keep secrets out of every message, log line and stored error (invariant 7)."""

from __future__ import annotations

from urllib.parse import quote


class Redactor:
    def __init__(self, secrets: list[str] | tuple[str, ...] = ()):
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets = sorted(self._secrets + [secret], key=len, reverse=True)

    def __call__(self, text: object) -> str:
        out = str(text)
        for secret in self._secrets:
            for form in {secret, quote(secret, safe=""), quote(secret, safe="/:")}:
                out = out.replace(form, "[REDACTED]")
        return out
