"""Ed25519 signatures for banner files: detached, base64, verifiable with the published key.

The private key comes only from the environment variable or file named in the settings
(`Config.secret`); it is never logged, written to outputs or put into error messages.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from . import verifier
from .config import Config

PUBLIC_KEY_PATH = "api/v1/banner-signing-key.pem"


class SigningKeyError(Exception):
    """The configured key cannot be used; the message never contains the key."""


@dataclass(frozen=True)
class KeyPair:
    private_pem: bytes
    public_pem: bytes


def generate() -> KeyPair:
    key = Ed25519PrivateKey.generate()
    return KeyPair(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        public_pem(key),
    )


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id(key: Ed25519PrivateKey) -> str:
    """The name banner files give their signing key (`key_id`, see `verifier.key_id`): apps keep
    a public key per id, so a new key can be shipped before it signs anything."""
    return verifier.key_id(public_pem(key))


def parse_private_key(text: str) -> Ed25519PrivateKey:
    """PEM (PKCS#8) or base64 of the 32 raw private bytes."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True))
    except Exception:
        raise SigningKeyError("the signing key is not an Ed25519 private key (PEM or base64 of 32 bytes); "
                              "create one with `alertcast keygen`") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError("the signing key is not an Ed25519 key; create one with `alertcast keygen`")
    return key


def load_key(config: Config) -> Ed25519PrivateKey | None:
    """The configured signing key, or None when none is configured (banners go out unsigned)."""
    s = config.settings.signing
    secret = config.secret(s.key_env, s.key_file)
    return parse_private_key(secret) if secret else None


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    """The detached signature file's content: base64 of the 64-byte signature, newline."""
    return base64.b64encode(key.sign(data)) + b"\n"


def verify(public_key_pem: bytes, data: bytes, signature_file: bytes) -> bool:
    key = serialization.load_pem_public_key(public_key_pem)
    if not isinstance(key, Ed25519PublicKey):
        return False
    try:
        key.verify(base64.b64decode(signature_file.strip()), data)
    except (InvalidSignature, ValueError):
        return False
    return True


#: How a CAP message carries its signature: an XML comment after the root element, which CAP
#: readers skip and the OASIS schema allows. It signs every byte before it.
MESSAGE_SIGNATURE = b"<!-- alertcast-signature "


def sign_message(key: Ed25519PrivateKey, data: bytes) -> bytes:
    """The message with its signature appended, so that it proves its origin wherever it is
    copied (the CAP archive travels through the state branch, which is not reviewed)."""
    signature = base64.b64encode(key.sign(data)).decode()
    return data + MESSAGE_SIGNATURE + f"key_id={key_id(key)} ed25519={signature} -->\n".encode()


def is_signed(data: bytes) -> bool:
    return MESSAGE_SIGNATURE in data


def verify_message(key: Ed25519PrivateKey, data: bytes) -> bool:
    """True when `data` ends with a signature by `key` over everything before it."""
    body, found, tail = data.rpartition(MESSAGE_SIGNATURE)
    fields = dict(f.split("=", 1) for f in tail.decode("ascii", "replace").split() if "=" in f)
    if not found or not tail.endswith(b" -->\n") or "ed25519" not in fields:
        return False
    try:
        key.public_key().verify(base64.b64decode(fields["ed25519"], validate=True), body)
    except (InvalidSignature, ValueError):
        return False
    return True
