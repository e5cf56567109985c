"""A real SMTP server on 127.0.0.1 (aiosmtpd), with the failures a mail server can answer.

`fail_next(kind, ...)` queues one failure: ("rcpt", 450 | 550), ("data", 451 | 554), ("auth", 535),
or ("drop_after_data",): the message is taken, then the connection is cut before the reply, as
when a server or the network dies between the data and its answer. `hold_replies()` keeps every
reply to DATA back (the message is taken) until `release()`.
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own CA, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeSMTP:
    def __init__(self, folder: Path | None = None, username: str = "", password: str = "", implicit_tls: bool = False):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.failures: list[tuple] = []
        self.logins: list[str] = []
        self.username, self.password = username, password
        self._hold = threading.Event()
        self._hold.set()
        kwargs: dict = {}
        self.cert: Path | None = None
        if folder is not None:  # STARTTLS and AUTH
            self.cert, key = self_signed(folder)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert, key)
            tls = dict(ssl_context=context) if implicit_tls else dict(tls_context=context, require_starttls=True)
            # aiosmtpd counts only STARTTLS as TLS for AUTH; with implicit TLS the whole session is encrypted
            kwargs = dict(**tls, authenticator=self._authenticate, auth_required=True, auth_require_tls=not implicit_tls,
                          auth_exclude_mechanism=["LOGIN"])  # one mechanism: smtplib tries each offered
        self.port = _free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)
        self.controller.start()

    def hold_replies(self) -> None:
        self._hold.clear()

    def release(self) -> None:
        self._hold.set()

    def fail_next(self, *failure) -> None:
        self.failures.append(failure)

    def _take(self, kind: str) -> tuple | None:
        if self.failures and self.failures[0][0] == kind:
            return self.failures.pop(0)
        return None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):  # noqa: ANN001
        failure = self._take("auth")
        ok = (failure is None and isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == self.username and auth_data.password.decode() == self.password)
        if ok:
            self.logins.append(auth_data.login.decode())
        elif failure and len(failure) > 2 and failure[2] == "echo":  # a server that quotes what it got
            echoed = base64.b64encode(b"\0" + auth_data.login + b"\0" + auth_data.password).decode()
            return AuthResult(success=False, handled=False, message=f"535 5.7.8 credentials {echoed} rejected")
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 235 or 535

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001
        failure = self._take("rcpt")
        if failure:
            return f"{failure[1]} mailbox unavailable for {address}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001
        failure = self._take("data")
        if failure:
            return f"{failure[1]} message refused"
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        if self._take("drop_after_data"):
            server.transport.abort()  # taken, and the reply never leaves
        while not self._hold.is_set():
            await asyncio.sleep(0.01)
        return "250 OK: queued"

    def close(self) -> None:
        self._hold.set()
        try:
            self.controller.stop()
        except (AssertionError, RuntimeError):  # already stopped
            pass
