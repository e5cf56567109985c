"""The email channel, driven through the dispatcher, against a real SMTP server on 127.0.0.1 (aiosmtpd);
what it receives is read back with the standard library's email parser."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
import yaml

from alertcast.broadcast import outbox
from alertcast.config import load_config
from alertcast.state import open_store
from conftest import NOW
from git_support import commit_all
from fakes.smtp import FakeSMTP
from social_support import ChannelWorld, route_alert_to

ALERT = "live-phishing"
USER, PASSWORD = "alerts-sender", "smtp-PASSWORD-5e1d7c"
LISTS = {lang: {"address": f"alerts-{lang}@lists.fixture.example", "list_id": f"alerts-{lang}.help.fixture.example",
                "unsubscribe_url": f"https://help.fixture.example/unsubscribe?list=alerts-{lang}"}
         for lang in ("zh", "en")}


def header(msg, name):
    """A header as a reader sees it: unfolded (a long Message-ID goes on a line of its own)."""
    return " ".join(str(msg[name]).split())


def part(msg, subtype):
    """A part's text as a reader sees it (the wire's CRLF line ends as newlines)."""
    return msg.get_body((subtype,)).get_content().replace("\r\n", "\n")


class Mail(ChannelWorld):
    def __init__(self, project, tmp_path, *, tls: bool = False, settings: dict | None = None, lists=("zh",)):
        self.project = project
        implicit = (settings or {}).get("security") == "tls"
        self.server = FakeSMTP(tmp_path if tls else None, USER, PASSWORD, implicit_tls=implicit)
        channel = {"host": "127.0.0.1", "port": self.server.port, "from_address": "Fixture Safety <safety@fixture.example>",
                   "lists": {lang: LISTS[lang] for lang in lists}, "security": "starttls" if tls else "none"}
        if tls:
            channel.update(ca_file=str(self.server.cert), username_env="TEST_SMTP_USER", password_env="TEST_SMTP_PASSWORD")
        channel.update(settings or {})
        path = project / "mkdocs.yml"
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        raw["extra"]["alertcast"]["channels"] = {"email": channel}
        path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
        self.env = {"TEST_SMTP_USER": USER, "TEST_SMTP_PASSWORD": PASSWORD} if tls else {}
        route_alert_to(project, ALERT, ["email"])
        config = load_config(project)
        self.engine = open_store(config.settings.state_url, config.root)  # the store `alertcast outbox` uses too
        self.reload()


@pytest.fixture
def mail(project, tmp_path):
    m = Mail(project, tmp_path)
    yield m
    m.server.close()


def test_one_multipart_message_with_list_headers(mail):
    assert mail.enqueue() == 1
    report = mail.drain()
    assert report.sent == 1, report.lines
    [row] = mail.rows()
    [msg] = mail.server.messages
    assert mail.server.envelopes == [("safety@fixture.example", [LISTS["zh"]["address"]])]
    assert row["status"] == "sent" and row["remote_id"] == header(msg, "Message-ID")
    assert header(msg, "Message-ID") == f"<{row['idem_key']}@fixture.example>"  # a retry carries the same id
    assert msg["To"] == LISTS["zh"]["address"]
    assert msg["List-Id"] == "<alerts-zh.help.fixture.example>"
    assert msg["List-Unsubscribe"] == "<https://help.fixture.example/unsubscribe?list=alerts-zh>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Content-Language"] == "zh"
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    subject, _, body = row["text"].partition("\n")
    assert msg["Subject"] == subject  # decoded from RFC 2047 as written
    assert part(msg, "plain").strip() == body.strip()
    text = part(msg, "html")
    assert 'lang="zh"' in text and "<img" not in text.lower() and "src=" not in text.lower()
    assert "wallet-verify[.]example" in part(msg, "plain") and "wallet-verify[.]example" in text
    assert "wallet-verify.example" not in msg.as_string()  # never a live indicator, in either part
    assert re.findall(r'href="([^"]+)"', text) == [row["link"]]  # the alert's page is the only link
    assert mail.drain().sent == 0 and len(mail.server.messages) == 1


def test_html_escapes_what_the_text_holds(mail):
    mail.edit_alert(r'^summary: .*$', 'summary: "Do not click <script>alert(1)</script> & stay safe."')
    mail.enqueue()
    assert mail.drain().sent == 1
    [msg] = mail.server.messages
    html = part(msg, "html")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; stay safe." in html
    assert "<script>alert(1)</script> & stay safe." in part(msg, "plain")


def test_one_message_per_language_each_to_its_own_list(project, tmp_path):
    m = Mail(project, tmp_path, lists=("zh", "en"))
    try:
        assert m.enqueue() == 2 and m.enqueue() == 0
        assert m.drain().sent == 2
        rows = {r["channel"]: r for r in m.rows()}
        assert sorted(rows) == ["email:en", "email:zh"] and rows["email:en"]["idem_key"] != rows["email:zh"]["idem_key"]
        got = {msg["Content-Language"]: msg for msg in m.server.messages}
        assert sorted(got) == ["en", "zh"] and len(m.server.messages) == 2
        for lang, msg in got.items():
            row = rows[f"email:{lang}"]
            assert msg["To"] == LISTS[lang]["address"] and header(msg, "List-Id") == f"<{LISTS[lang]['list_id']}>"
            assert header(msg, "Message-ID") == row["remote_id"] == f"<{row['idem_key']}@fixture.example>"
            assert msg["Subject"] == row["text"].split("\n")[0]
            assert f'lang="{lang}"' in part(msg, "html")
        assert got["en"]["Subject"].endswith("Phishing site poses as the wallet")
        assert "Scammers run a look-alike site" in part(got["en"], "plain")
        assert "钓鱼网站冒充钱包" in got["zh"]["Subject"] and "/en/alerts/live-phishing/" in part(got["en"], "html")
        assert m.drain(NOW + timedelta(hours=1)).sent == 0 and len(m.server.messages) == 2
    finally:
        m.server.close()


def test_lang_sends_to_that_list_alone(project, tmp_path):
    m = Mail(project, tmp_path, settings={"lang": "en"}, lists=("zh", "en"))
    try:
        m.enqueue()
        assert m.drain().sent == 1
        [msg] = m.server.messages
        assert msg["To"] == LISTS["en"]["address"] and msg["Content-Language"] == "en"
        assert msg["Subject"].endswith("Phishing site poses as the wallet")
        assert "Scammers run a look-alike site" in part(msg, "plain")
    finally:
        m.server.close()


def test_update_and_withdrawal_reply_to_the_original(mail):
    mail.enqueue()
    mail.drain()
    mail.edit_alert(r"^updated_at: .*$", "updated_at: 2026-03-15T00:05:00+08:00")
    later = NOW + timedelta(minutes=10)
    assert mail.enqueue(later) == 1
    mail.drain(later)
    mail.edit_alert(r"^publish_at:", 'withdrawn: "Reported in error."\npublish_at:')
    assert mail.enqueue(later) == 1
    mail.drain(later)
    post, update, withdraw = mail.rows()
    assert [r["outcome"] for r in (post, update, withdraw)] == ["posted", "correction", "correction"]
    first, second, third = mail.server.messages
    ids = [header(m, "Message-ID") for m in (first, second, third)]
    assert header(second, "In-Reply-To") == ids[0] and header(second, "References") == ids[0]
    assert header(third, "In-Reply-To") == ids[1]
    assert header(third, "References").split() == ids[:2]
    assert "Reported in error." in part(third, "plain")
    assert len(set(ids)) == 3


@pytest.mark.parametrize("tls", [False, True], ids=["relay-without-login", "login"])
def test_a_correction_replies_only_to_message_ids_proven_ours(project, tmp_path, tls):
    """A push to the state branch that changes the stored Message-ID would thread our correction
    under someone else's message: the correction goes out, without that reply link, saying so."""
    m = Mail(project, tmp_path, tls=tls)
    try:
        m.enqueue()
        m.drain()
        [post] = m.rows()
        forged = "<scam-announcement@wallet-verify.example>"
        with m.engine.begin() as conn:
            conn.execute(outbox.outbox.update().where(outbox.outbox.c.id == post["id"]).values(remote_id=forged))
        m.edit_alert(r"^publish_at:", 'withdrawn: "Reported in error."\npublish_at:')
        assert m.enqueue() == 1
        assert m.drain().sent == 1
        _, correction = m.server.messages
        assert correction["In-Reply-To"] is None and correction["References"] is None
        assert "Reported in error." in part(correction, "plain")
        withdraw = m.rows()[-1]
        assert withdraw["status"] == "sent" and withdraw["outcome"] == "correction"
        assert f"posted without replying to post {forged!r} (row #{post['id']})" in withdraw["last_error"]
        assert "\n" not in withdraw["last_error"]
    finally:
        m.server.close()


def test_a_correction_replies_to_the_message_ids_alertcast_gave_with_login(project, tmp_path):
    m = Mail(project, tmp_path, tls=True)
    try:
        m.enqueue()
        m.drain()
        m.edit_alert(r"^publish_at:", 'withdrawn: "Reported in error."\npublish_at:')
        m.enqueue()
        m.drain()
        first, correction = m.server.messages
        assert header(correction, "In-Reply-To") == header(first, "Message-ID")
        assert m.rows()[-1]["last_error"] is None
    finally:
        m.server.close()


def test_dropped_after_data_is_unknown_and_never_sent_twice(mail):
    """The server took the message and the connection died before its reply: the row is held."""
    mail.enqueue()
    mail.server.fail_next("drop_after_data")
    report = mail.drain()
    assert report.unknown == 1, report.lines
    [row] = mail.rows()
    assert row["status"] == "unknown" and "outbox resolve" in row["last_error"]
    for minutes in (5, 60, 600):
        mail.drain(NOW + timedelta(minutes=minutes))
    assert len(mail.server.messages) == 1 and mail.rows()[0]["status"] == "unknown"


@pytest.mark.parametrize("phase", ["rcpt", "data"])
def test_4xx_is_retried_then_sent_once(mail, phase):
    mail.enqueue()
    mail.server.fail_next(phase, 450 if phase == "rcpt" else 451)
    report = mail.drain()
    assert report.retrying == 1, report.lines
    [row] = mail.rows()
    assert row["status"] == "queued" and re.search(r"\b45[01]\b", row["last_error"]), row["last_error"]
    assert not mail.server.messages
    assert mail.drain(NOW + timedelta(hours=2)).sent == 1
    assert len(mail.server.messages) == 1


@pytest.mark.parametrize("phase", ["rcpt", "data"])
def test_5xx_fails_with_the_servers_text(mail, phase):
    mail.enqueue()
    mail.server.fail_next(phase, 550 if phase == "rcpt" else 554)
    report = mail.drain()
    assert report.failed == 1, report.lines
    [row] = mail.rows()
    assert row["status"] == "failed"
    assert ("550 mailbox unavailable" if phase == "rcpt" else "554 message refused") in row["last_error"]
    assert not mail.server.messages


def test_connection_refused_is_retried(mail):
    mail.enqueue()
    mail.server.close()
    report = mail.drain()
    assert report.retrying == 1 and report.unknown == 0, report.lines
    assert "cannot connect to 127.0.0.1" in mail.rows()[0]["last_error"]


@pytest.fixture
def tls_mail(project, tmp_path):
    m = Mail(project, tmp_path, tls=True)
    yield m
    m.server.close()


def test_starttls_and_auth_from_the_environment(tls_mail):
    tls_mail.enqueue()
    assert tls_mail.drain().sent == 1
    assert tls_mail.server.logins == [USER]
    assert len(tls_mail.server.messages) == 1
    assert PASSWORD not in tls_mail.server.messages[0].as_string()


@pytest.mark.parametrize("echo", [False, True])
def test_refused_auth_fails_without_the_secret(tls_mail, caplog, echo):
    """Also when the server quotes the base64 AUTH PLAIN string it was given."""
    import base64

    tls_mail.enqueue()
    tls_mail.server.fail_next("auth", 535, *(["echo"] if echo else []))
    with caplog.at_level(logging.DEBUG):
        report = tls_mail.drain()
    assert report.failed == 1, report.lines
    [row] = tls_mail.rows()
    assert "535" in row["last_error"] and "password" in row["last_error"]
    encoded = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
    assert ("[REDACTED]" in row["last_error"]) is echo
    for text in (row["last_error"], caplog.text, "\n".join(report.lines)):
        assert PASSWORD not in text and USER not in text and encoded not in text
    assert not tls_mail.server.messages


def test_untrusted_certificate_is_retried_not_sent(project, tmp_path):
    m = Mail(project, tmp_path, tls=True, settings={"ca_file": None})
    try:
        m.enqueue()
        report = m.drain()
        assert report.retrying == 1, report.lines
        assert "CERTIFICATE_VERIFY_FAILED" in m.rows()[0]["last_error"] or "certificate" in m.rows()[0]["last_error"]
        assert not m.server.messages and not m.server.logins
    finally:
        m.server.close()


def _preview_block(output: str, header: str) -> list[str]:
    lines = output.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    block = []
    for line in lines[start + 1:]:
        if line.startswith("-- ") or line.startswith("=="):
            break
        block.append(line)
    return block


def test_preview_shows_the_email_exactly_as_sent_with_its_subject_length(mail, cli):
    result = cli("posts", "preview", ALERT, "-p", mail.project, "--now", NOW.isoformat())
    block = _preview_block(result.output, "-- email [zh] post")
    note = block[0].strip()
    assert re.fullmatch(r"subject: \d+/60 columns \(wide characters count 2\) ok", note), note
    shown = "\n".join(line.removeprefix("   | ") for line in block[1:] if line.startswith("   | "))
    mail.enqueue()
    mail.drain()
    [msg] = mail.server.messages
    assert shown == f"{msg['Subject']}\n\n{part(msg, 'plain').strip()}"
    assert msg["Subject"] == "⚠️ 钓鱼网站冒充钱包" and note.startswith("subject: 18/60 ")  # 1 + 1 + 8 × 2 columns


def test_preview_flags_a_subject_longer_than_mail_clients_show(mail, cli):
    mail.edit_alert(r"^title: .*$", 'title: "' + "A very long title " * 5 + '"')
    result = cli("posts", "preview", ALERT, "-p", mail.project, "--now", NOW.isoformat())
    note = _preview_block(result.output, "-- email [zh] post")[0]
    assert "longer than most mail clients show (shorten the title)" in note, result.output


def test_report_shows_the_email_subject_and_text(project, tmp_path, cli):

    m = Mail(project, tmp_path)
    m.server.close()
    commit_all(project, "base")
    for path in (project / "content" / "alerts").glob(f"{ALERT}.*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("channels:", 'withdrawn: "Reported in error."\nchannels:', 1), encoding="utf-8")
    out = cli("report", str(project), "--base", "main", "--now", NOW.isoformat()).output
    block = out.split(f"== {ALERT}")[1].split("\n== ")[0]
    assert re.search(r"-- email \[zh\] withdraw: \d+/16000 characters ✅\n      subject: \d+/60 columns", block), block
    assert "      | Reported in error." in block


def test_sigkill_between_data_and_reply_is_held_and_sent_once(mail):
    """The real `alertcast outbox drain` is killed once the server has the message and before it
    replies; a later drain finds the row still `sending` after its lease and holds it for a person."""
    import os
    import signal
    import subprocess
    import sys
    import time

    assert mail.enqueue() == 1
    mail.server.hold_replies()
    child = subprocess.Popen([sys.executable, "-m", "alertcast", "outbox", "drain", "-p", str(mail.project),
                              "--no-enqueue", "--now", NOW.isoformat()], env={**os.environ, **mail.env},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120  # an interpreter start on a busy machine; only a bound on a hang
        while not mail.server.messages and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert mail.server.messages and child.poll() is None, "the drain never reached DATA"
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        mail.server.release()
        if child.poll() is None:
            child.kill()
            child.wait()
    [row] = mail.rows()
    assert row["status"] == "sending" and row["operation"] == "post"
    report = mail.drain(NOW + timedelta(minutes=10))  # past the 5-minute lease
    assert report.unknown == 1, report.lines
    for minutes in (20, 120):
        mail.drain(NOW + timedelta(minutes=minutes))
    [row] = mail.rows()
    assert row["status"] == "unknown" and "interrupted" in row["last_error"]
    assert len(mail.server.messages) == 1


def test_preview_shows_one_email_per_list(project, tmp_path, cli):
    m = Mail(project, tmp_path, lists=("zh", "en"))
    m.server.close()
    out = cli("posts", "preview", ALERT, "-p", project, "--now", NOW.isoformat()).output
    zh, en = _preview_block(out, "-- email [zh] post"), _preview_block(out, "-- email [en] post")
    assert en[1] == "   | ⚠️ Phishing site poses as the wallet" and zh[1] == "   | ⚠️ 钓鱼网站冒充钱包", out
    assert "https://help.fixture.example/en/alerts/live-phishing/" in "\n".join(en)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # it is TLS from the first byte
def test_implicit_tls_and_auth(project, tmp_path):
    m = Mail(project, tmp_path, tls=True, settings={"security": "tls"})
    try:
        m.enqueue()
        assert m.drain().sent == 1
        assert m.server.logins == [USER] and len(m.server.messages) == 1
    finally:
        m.server.close()


@pytest.mark.parametrize("forged", ["email:en", "email", "email:zh:zh"])
def test_a_row_for_a_list_the_settings_do_not_name_is_held(mail, forged):
    """The state store is untrusted: a row it brings for a list that is not configured (or a key
    alertcast never derives) is held, even with the text the reviewed content renders for it."""
    from sqlalchemy import insert

    alert = next(a for a in mail.content.alerts if a.id == ALERT)
    post = outbox.render(alert, mail.config, forged, "post")
    with mail.engine.begin() as conn:
        conn.execute(insert(outbox.outbox).values(
            alert_id=ALERT, revision=alert.revision, channel=forged, action="post",
            idem_key=outbox.idem_key(ALERT, alert.revision, forged, "post"), **outbox.post_fields(post),
            status="queued", tries=0, due_at=outbox.utc(NOW), created_at=outbox.utc(NOW)))
    report = mail.drain()
    assert report.held == 1 and report.sent == 0, report.lines
    assert "is not a channel the settings send to" in mail.rows()[0]["last_error"]
    assert not mail.server.messages
