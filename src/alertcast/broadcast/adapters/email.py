"""Email to subscriber lists over SMTP: one message per outbox row, to the list of the row's language.

The message is `multipart/alternative` (the plain text the outbox holds, and HTML made from it by
render/mail.py), built with the standard library's EmailMessage. Its `Message-ID` is the row's
idempotency key, so a message sent again after an unknown outcome is recognisable as the same one;
`List-Id`, `List-Unsubscribe` and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 2919,
RFC 8058) come from the list's settings. An update or a withdrawal is a new message that replies to
the earlier ones (`In-Reply-To`, `References`): sent email cannot be edited or deleted.

SMTP has no idempotency: once the message's data has left, a dropped connection or a missing
reply means it may have been accepted, and the row is held for a person (`unknown`). Anything that
fails before the data (connection, TLS, AUTH, MAIL, RCPT) sent nothing: 4xx replies are retried,
5xx ones fail with the server's text.
"""

from __future__ import annotations

import base64
import email.policy
import email.utils
import smtplib
import ssl
from email.message import EmailMessage

from ...render import mail
from .base import Adapter, ConfigProblem, Message, SendError

DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class Email(Adapter):
    name = "email"
    timeout = 30.0

    def setup(self) -> None:
        self.host = str(self.require("host"))
        self.security = str(self.settings.get("security") or "starttls")
        if self.security not in DEFAULT_PORTS:
            raise ConfigProblem("mkdocs.yml: extra.alertcast.channels.email.security must be starttls, tls or none")
        self.port = int(self.settings.get("port") or DEFAULT_PORTS[self.security])
        self.ca_file = self.settings.get("ca_file") or None
        self.from_address = str(self.require("from_address"))
        self.lists = dict(self.require("lists"))
        self.username = self.secret("username_env", "ALERTCAST_SMTP_USERNAME")
        self.password = self.secret("password_env", "ALERTCAST_SMTP_PASSWORD")
        if bool(self.username) != bool(self.password):
            raise ConfigProblem("email: SMTP AUTH needs both a user name and a password; set both environment "
                                "variables named by username_env and password_env (docs/social.md, Email)")
        if self.username and self.password:  # AUTH sends them base64-encoded; a server may echo that
            for form in (f"\0{self.username}\0{self.password}", str(self.password), str(self.username)):
                self.redact.add(base64.b64encode(form.encode()).decode())
        if self.username and self.security == "none":
            raise ConfigProblem("email: security: none would send the SMTP password unencrypted; use starttls or tls")

    @property
    def configured(self) -> bool:
        """AUTH credentials are present, or the channel speaks to a relay that takes none (`security: none`)."""
        return bool(self.username) or self.security == "none"

    # -- the message ---------------------------------------------------------------------
    def _list(self, lang: str) -> dict:
        found = self.lists.get(lang)
        if not isinstance(found, dict) or not found.get("address"):
            raise SendError("permanent", f"email: no list for {lang!r} in extra.alertcast.channels.email.lists; "
                                         "add one (address, list_id, unsubscribe_url)")
        return found

    def message_id(self, msg: Message) -> str:
        domain = email.utils.parseaddr(self.from_address)[1].rpartition("@")[2] or "localhost"
        return f"<{msg.idem_key}@{domain}>"

    def remote_key(self, msg: Message) -> str:
        return self.message_id(msg)

    def build(self, msg: Message) -> EmailMessage:
        """The message exactly as it is sent."""
        target = self._list(msg.lang)
        out = EmailMessage(policy=email.policy.SMTP)
        out["From"] = self.from_address
        out["To"] = str(target["address"])
        out["Subject"] = mail.subject(msg.text)
        out["Date"] = email.utils.format_datetime(msg.created_at) if msg.created_at else email.utils.formatdate()
        out["Message-ID"] = self.message_id(msg)
        if msg.earlier:
            out["In-Reply-To"] = msg.earlier[-1]
            out["References"] = " ".join(msg.earlier)
        out["List-Id"] = f"<{target['list_id']}>"
        out["List-Unsubscribe"] = f"<{target['unsubscribe_url']}>"
        out["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        out["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the list
        out.set_content(mail.body(msg.text) + "\n")
        out.add_alternative(mail.html_body(msg.text, msg.lang, msg.link), subtype="html")
        out["Content-Language"] = msg.lang  # after the parts: making them moves Content-* headers into the first
        return out

    # -- SMTP ----------------------------------------------------------------------------
    def _fail(self, kind: str, what: str, exc: BaseException) -> SendError:
        code = getattr(exc, "smtp_code", None)
        text = getattr(exc, "smtp_error", b"")
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        detail = self.redact(" ".join((text or str(exc)).split()))[:300]
        said = f"{code} {detail}" if code else f"{type(exc).__name__}: {detail}"
        return SendError(kind, self.redact(f"email: {what}: {said}"), status=code, detail=detail)

    def _by_code(self, what: str, exc: smtplib.SMTPResponseException) -> SendError:
        """Nothing was accepted: a 4xx reply is worth another try, a 5xx one needs a person."""
        return self._fail("retry" if 400 <= exc.smtp_code < 500 else "permanent", what, exc)

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=self.ca_file)
        try:
            if self.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except smtplib.SMTPResponseException as exc:
            raise self._by_code(f"{self.host}:{self.port} refused the connection", exc) from None
        except (OSError, smtplib.SMTPException) as exc:  # refused, unresolvable, TLS: nothing was sent
            raise self._fail("retry", f"cannot connect to {self.host}:{self.port}", exc) from None
        try:
            smtp.ehlo()
            if self.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if self.username:
                smtp.login(str(self.username), str(self.password))
        except smtplib.SMTPNotSupportedError as exc:
            smtp.close()
            raise self._fail("permanent", f"{self.host}:{self.port} does not offer what security: "
                                          f"{self.security} and AUTH need", exc) from None
        except smtplib.SMTPAuthenticationError as exc:
            smtp.close()
            if 400 <= exc.smtp_code < 500:
                raise self._fail("retry", "AUTH failed for now", exc) from None
            raise self._fail("permanent", "AUTH refused; check the user name and password in the environment "
                                          "variables named by username_env and password_env", exc) from None
        except smtplib.SMTPResponseException as exc:
            smtp.close()
            raise self._by_code("the server refused the session", exc) from None
        except (OSError, smtplib.SMTPException) as exc:
            smtp.close()
            raise self._fail("retry", "the session ended before anything was sent", exc) from None
        return smtp

    def _send(self, message: EmailMessage) -> None:
        sender = email.utils.parseaddr(str(message["From"]))[1]
        recipient = email.utils.parseaddr(str(message["To"]))[1]
        data = message.as_bytes()
        smtp = self._connect()
        try:
            try:
                code, reply = smtp.mail(sender)
                if code != 250:
                    raise smtplib.SMTPSenderRefused(code, reply, sender)
                code, reply = smtp.rcpt(recipient)
                if code not in (250, 251):
                    raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
            except smtplib.SMTPRecipientsRefused as exc:
                code, reply = exc.recipients[recipient]
                raise self._by_code(f"the list address {recipient} was refused",
                                    smtplib.SMTPResponseException(code, reply)) from None
            except smtplib.SMTPResponseException as exc:
                raise self._by_code(f"the sender {sender} was refused", exc) from None
            except (OSError, smtplib.SMTPException) as exc:
                raise self._fail("retry", "the session ended before the message was sent", exc) from None
            try:
                code, reply = smtp.data(data)  # raises only when DATA itself is refused
                if code != 250:
                    raise smtplib.SMTPDataError(code, reply)
            except smtplib.SMTPDataError as exc:  # a reply that refuses the message: it was not taken
                raise self._by_code("the message was refused", exc) from None
            except (OSError, smtplib.SMTPException) as exc:
                # The data may have arrived and been accepted without our hearing it: never resend blindly.
                raise self._fail("unknown", "the connection ended while the message was sent, before the "
                                            "server's reply; it may have been accepted", exc) from None
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    # -- operations ----------------------------------------------------------------------
    def post(self, msg: Message) -> str:
        message = self.build(msg)
        self._send(message)
        return str(message["Message-ID"])
