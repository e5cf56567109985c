"""The reference check of a downloaded banner file: what a wallet app must do before showing it.

A valid signature alone proves only that the key signed these bytes once. An attacker on the
network can still serve an older signed file (an alert withdrawn since, a critical one missing),
another locale's file, or freeze one forever. So after the signature, the app checks that the
file is for the locale it asked for, names the key that verified it, is still within
`valid_until`, and is not older than a file it has already shown. docs/outputs.md gives the same
check for apps; this module depends on `cryptography` alone so it can be copied as it is.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SCHEMA_VERSION = 2


class Rejected(Exception):
    """The file must not be shown; the message says why."""


@dataclass(frozen=True)
class Banner:
    doc: dict
    version: int
    stale: bool
    """`next_change_at` has passed: the file is still valid, but a newer one exists; fetch again."""


def key_id(public_key_pem: bytes) -> str:
    """16 hex digits of the SHA-256 of the key's 32 raw bytes: the `key_id` banner files carry."""
    key = serialization.load_pem_public_key(public_key_pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return hashlib.sha256(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).hexdigest()[:16]


def _time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def _signer(data: bytes, signature_file: bytes, trusted: Mapping[str, bytes]) -> str:
    try:
        signature = base64.b64decode(signature_file.strip(), validate=True)
    except ValueError:
        raise Rejected("the signature file is not base64") from None
    for kid, pem in trusted.items():
        key = serialization.load_pem_public_key(pem)
        if not isinstance(key, Ed25519PublicKey):
            continue
        try:
            key.verify(signature, data)
        except InvalidSignature:
            continue
        return kid
    raise Rejected("the signature does not verify with any trusted key")


def verify_banner(data: bytes, signature_file: bytes, trusted_keys: Mapping[str, bytes], locale: str,
                  now: datetime, last_version: int | None = None) -> Banner:
    """Check a banner file as an app must, before parsing anything it says.

    `trusted_keys`: key id -> public key PEM, built into the app (two during a key rotation).
    `last_version`: the highest `version` the app has shown for this locale (None on first run);
    store the returned `version` once the file is shown. Raises `Rejected`.
    """
    signer = _signer(data, signature_file, trusted_keys)
    try:
        doc = json.loads(data)
        if doc.get("schema_version") != SCHEMA_VERSION:
            raise Rejected(f"schema_version {doc.get('schema_version')!r} is not {SCHEMA_VERSION}")
        named, version = doc["key_id"], doc["version"]
        valid_until, next_change = _time(doc["valid_until"]), _time(doc["next_change_at"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise Rejected("not a banner file of this schema version") from None
    if named != signer:
        raise Rejected(f"signed by key {signer} but names key {named!r}")
    if doc.get("locale") != locale:
        raise Rejected(f"the file is for locale {doc.get('locale')!r}, not {locale!r}")
    if not isinstance(version, int) or isinstance(version, bool):
        raise Rejected("version is not an integer")
    if now >= valid_until:
        raise Rejected(f"expired at {doc['valid_until']}: show no banner from it and fetch again")
    if last_version is not None and version < last_version:
        raise Rejected(f"version {version} is older than {last_version}, already shown: a replayed file")
    return Banner(doc, version, now >= next_change)
