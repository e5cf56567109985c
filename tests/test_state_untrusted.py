"""the state store (restored from the `alertcast-state` branch, which a push can
change without review) cannot publish. A queued post is sent only if the reviewed content,
rendered again at send time, gives exactly its text; a CAP message from the archive is
published again only if it is one alertcast signed."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import timedelta

import pytest
from sqlalchemy import insert, update

from alertcast import statefile
from alertcast.broadcast import outbox
from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.plan import Plan
from conftest import NOW
from social_support import route_alert_to, telegram_project

FORGED = "Verify your recovery phrase at https://wallet-verify.example"


@pytest.fixture
def world(project, monkeypatch):
    with telegram_project(project, monkeypatch) as (config, engine, fake):
        yield project, config, engine, fake


def _drain(cli, project, now=NOW):  # type: ignore[no-untyped-def]
    return cli("outbox", "drain", "-p", project, "--now", now.isoformat(), "--no-enqueue")


def _forge(engine, **values):  # type: ignore[no-untyped-def]
    row = dict(alert_id="live-phishing", revision="20260302T040000Z", channel="telegram", action="post",
               idem_key=outbox.idem_key("live-phishing", "20260302T040000Z", "telegram", "post"), lang="zh",
               text=FORGED, link="https://wallet-verify.example", facets="[]", status="queued", tries=0,
               due_at=outbox.utc(NOW - timedelta(minutes=1)), created_at=outbox.utc(NOW - timedelta(minutes=1)))
    row.update(values)
    with engine.begin() as conn:
        return conn.execute(insert(outbox.outbox).values(**row)).inserted_primary_key[0]


def test_a_forged_text_in_a_queued_row_is_held_not_posted(world, cli):
    project, config, engine, fake = world
    outbox.enqueue(engine, Plan.at(load_or_raise(config), NOW), config)
    [row] = outbox.rows(engine)
    with engine.begin() as conn:  # what a push to the state branch can do to the restored state.db
        conn.execute(update(outbox.outbox).where(outbox.outbox.c.id == row["id"]).values(text=FORGED))
    result = _drain(cli, project)
    assert result.exit_code == 0, result.output
    assert fake.posts == {}
    [held] = outbox.rows(engine, ("held",))
    assert "its text differs from what the reviewed content renders" in held["last_error"]
    assert f"alertcast outbox retry {row['id']}" in held["last_error"]
    assert '"held": 1' in result.output and "held:" in result.output
    listing = cli("outbox", "-p", project, "--status", "held")
    assert listing.exit_code == 0 and f"{row['id']:>5} held" in listing.output

    # a person looks, and sends what the reviewed content says instead
    again = cli("outbox", "retry", str(row["id"]), "-p", project, "--now", NOW.isoformat())
    assert again.exit_code == 0 and "renders now" in again.output, again.output
    assert _drain(cli, project).exit_code == 0
    [post] = fake.posts.values()
    assert FORGED not in post["text"] and post["text"] == row["text"]


@pytest.mark.parametrize("forged", [
    {},  # a post the content never asked for: the text is not what it renders
    {"alert_id": "wallet-verify", "idem_key": outbox.idem_key("wallet-verify", "20260302T040000Z", "telegram", "post")},
    {"channel": "telegram", "alert_id": "expired-airdrop",
     "idem_key": outbox.idem_key("expired-airdrop", "20260302T040000Z", "telegram", "post")},
], ids=["forged-text", "unknown-alert", "channel-not-listed"])
def test_a_row_inserted_into_the_store_is_held(world, cli, forged):
    project, config, engine, fake = world
    row_id = _forge(engine, **forged)
    assert _drain(cli, project).exit_code == 0
    assert fake.posts == {}
    assert outbox.get(engine, row_id)["status"] == "held"


def test_the_exact_text_of_a_scheduled_alert_is_not_posted_before_publish_at(world, cli):
    """A row holding exactly what the content will render, put in before the alert's
    publish_at, would break the embargo (invariant 1): held too."""
    from alertcast.render import posts

    project, config, engine, fake = world
    route_alert_to(project, "scheduled-maintenance", ["telegram"])
    config = load_config(project)
    alert = next(a for a in load_or_raise(config).alerts if a.id == "scheduled-maintenance")
    post = posts.render(alert, config, "telegram", "post")
    row_id = _forge(engine, alert_id=alert.id, revision=alert.revision, text=post.text, link=post.link, lang=post.lang,
                    idem_key=outbox.idem_key(alert.id, alert.revision, "telegram", "post"))
    assert _drain(cli, project).exit_code == 0
    assert fake.posts == {}
    row = outbox.get(engine, row_id)
    assert row["status"] == "held" and "it is scheduled" in row["last_error"]
    retry = cli("outbox", "retry", str(row_id), "-p", project, "--now", NOW.isoformat())
    assert retry.exit_code == 1 and "stays held" in retry.output and "it is scheduled" in retry.output


def _cap_build(config, now, out, key):  # type: ignore[no-untyped-def]
    from alertcast.pipeline import build
    from outputs_support import tree

    return tree(build(config, now, out, with_site=False, content=load_or_raise(config), signing_key=key).release)


def _set(project, alert_id, **values):  # type: ignore[no-untyped-def]
    for path in (project / "content" / "alerts").glob(f"{alert_id}.*.md"):
        lines = path.read_text(encoding="utf-8").split("\n")
        for k, v in values.items():
            found = [i for i, line in enumerate(lines) if line.startswith(f"{k}:")]
            at = found[0] if found else next(i for i, line in enumerate(lines) if line.startswith("channels:"))
            lines[at:at + bool(found)] = [f"{k}: {v}"]
        path.write_text("\n".join(lines), encoding="utf-8")


def test_only_signed_cap_messages_of_the_archive_are_published_again(project, tmp_path):
    """The publish workflow unpacks the state branch's cap/ into the empty output folder and the
    build takes it as the release it replaces: a forged message put there is not published, and
    no later message references it; a genuine one (signed when it was published) is."""
    from datetime import datetime

    from lxml import etree
    from outputs_support import CST, cap_headers, unresolved_references

    from alertcast import signing
    from alertcast.publish.atomic import MARKER

    key = signing.parse_private_key(signing.generate().private_pem.decode())
    config = load_config(project)
    first = _cap_build(config, datetime(2026, 3, 3, tzinfo=CST), tmp_path / "first", key)
    update1 = "cap/live-phishing.20260302T040000Z.xml"
    assert signing.verify_message(key, first[update1])

    _set(project, "live-phishing", updated_at="2026-03-10T12:00:00+08:00", update_note='"Second update."')
    config = load_config(project)
    restored = tmp_path / "restored"  # what the workflow restores: the archive, in a plain folder
    (restored / "cap").mkdir(parents=True)
    (restored / MARKER).touch()  # as the workflow marks it, prepared for alertcast
    for path, data in first.items():
        if path.startswith("cap/live-phishing.2"):
            (restored / path).write_bytes(data)
    forged = "cap/live-phishing.20260305T040000Z.xml"
    (restored / forged).write_bytes(first[update1].replace(b"20260302T040000Z", b"20260305T040000Z")
                                    .replace(b"2026-03-02T12:00:00", b"2026-03-05T12:00:00")
                                    .replace("补充了识别方法".encode(), "请到 wallet-verify.example 验证助记词".encode()))
    unsigned = "cap/withdrawn-fake-app.20260210T050000Z.xml"
    (restored / unsigned).write_bytes(b"<?xml version='1.0' encoding='UTF-8'?>\n" + first[update1].split(b"\n", 1)[1]
                                      .split(signing.MESSAGE_SIGNATURE)[0])

    second = _cap_build(config, datetime(2026, 3, 11, tzinfo=CST), restored, key)
    assert second[update1] == first[update1]  # the genuine earlier update, byte for byte
    assert unsigned not in second, sorted(p for p in second if p.startswith("cap/"))
    assert forged not in second, second[forged]
    assert not any("验证助记词".encode() in data for data in second.values())
    assert unresolved_references({p: d for p, d in second.items() if p.startswith("cap/")}) == []
    update2 = second["cap/live-phishing.20260310T040000Z.xml"]
    refs = etree.fromstring(update2).findtext("{urn:oasis:names:tc:emergency:cap:1.2}references")
    assert "20260305T040000Z" not in refs and cap_headers(second)[update1][1] in refs
    for path, data in second.items():
        if path.startswith("cap/") and path.endswith(".xml") and path != "cap/index.atom":
            assert signing.verify_message(key, data), path

    # without the key nothing from the archive can be verified, so nothing of it is published
    restored_again = tmp_path / "again"
    (restored_again / "cap").mkdir(parents=True)
    (restored_again / MARKER).touch()
    (restored_again / update1).write_bytes(first[update1])
    assert update1 not in _cap_build(config, datetime(2026, 3, 11, tzinfo=CST), restored_again, None)


# -- the store's file itself -------------------------------------------------------------------

#: A query that never ends, as a trigger on the outbox (run by each row queued) and as a view in
#: place of a table (run by each read).
ENDLESS = "SELECT count(*) FROM (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n)"
SCHEMAS = {
    "trigger": f"CREATE TRIGGER t AFTER INSERT ON outbox BEGIN {ENDLESS}; END",
    "view": f"DROP TABLE outbox_pause; CREATE VIEW outbox_pause AS SELECT 'x' AS channel, 0.0 AS until, '' AS reason "
            f"FROM (SELECT 1) WHERE ({ENDLESS}) < 0",
}
#: Half a second of CPU for SQLite each time it is evaluated (a CHECK or an index takes no query).
SLOW = "length(replace(printf('%.*c', 20000000, 'a'), 'a', 'aa'))"


def _redefine_outbox(db: sqlite3.Connection, kind: str) -> None:
    """The outbox table as a push to the state branch can define it, its rows kept: every write
    evaluates a thousand slow CHECKs, or a slow indexed expression; or a double replaces the row."""
    [sql] = db.execute("SELECT sql FROM sqlite_master WHERE name = 'outbox'").fetchone()
    added = {"check": ", " + ", ".join([f"CHECK ({SLOW} > {n})" for n in range(1000)]),
             "on-conflict": ""}.get(kind, "")
    if kind == "on-conflict":
        sql = sql.replace("UNIQUE (idem_key)", "UNIQUE (idem_key) ON CONFLICT REPLACE")
    db.executescript(f"ALTER TABLE outbox RENAME TO old; {sql[:sql.rindex(')')]}{added})"
                     "; INSERT INTO outbox SELECT * FROM old; DROP TABLE old;")
    if kind == "index":
        db.execute(f"CREATE INDEX slow ON outbox(lang, {SLOW})")


def _limits() -> None:
    """A query that never ends fails here instead of stalling the suite."""
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


def _alertcast(*args) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    return subprocess.run([sys.executable, "-m", "alertcast", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, "ALERTCAST_LANG": "en"}, preexec_fn=_limits, timeout=600)


@pytest.mark.parametrize("kind", ["trigger", "view", "not-a-database", "check", "index", "on-conflict"])
def test_a_restored_store_with_a_view_or_a_trigger_is_refused_in_one_line(world, kind):
    """SQLite runs a trigger's or a view's query whenever alertcast writes or reads the table: one
    that never ends held `outbox drain` until the job's time ran out, at every run. So do CHECKs
    and indexed expressions, at every write; ON CONFLICT REPLACE would trade a sent row for its
    double."""
    project, config, engine, fake = world
    engine.dispose()
    path = project / ".alertcast" / "state.db"
    if kind == "not-a-database":
        for stale in path.parent.glob("state.db*"):
            stale.unlink()
        path.write_bytes(b"not a database\n" * 100)
    else:
        with closing(sqlite3.connect(path)) as db:
            if kind in SCHEMAS:
                db.executescript(SCHEMAS[kind])
            else:
                _redefine_outbox(db, kind)
    for command in (("outbox", "drain", "--now", NOW.isoformat()), ("run", "--no-sync", "--listen", "off")):
        result = _alertcast(*command, "-p", project)
        assert result.returncode == 1
        assert result.stderr.startswith(f"Error: {path}: "), result.stderr
        assert ("not a readable SQLite state file" if kind == "not-a-database" else "which alertcast never writes"
                ) in result.stderr
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert fake.posts == {}


@pytest.mark.parametrize("kind", ["trigger", "view", "index"])
def test_a_state_file_with_a_view_or_a_trigger_is_not_merged(world, tmp_path, kind):
    project, config, engine, fake = world
    outbox.enqueue(engine, Plan.at(load_or_raise(config), NOW), config)
    engine.dispose()
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    statefile.snapshot(project / ".alertcast" / "state.db", ours)
    shutil.copy(ours, theirs)
    with closing(sqlite3.connect(theirs)) as db:
        if kind in SCHEMAS:
            db.executescript(SCHEMAS[kind].replace("AFTER INSERT", "BEFORE UPDATE"))
        else:
            _redefine_outbox(db, kind)
    result = _alertcast("outbox", "merge", "--base", ours, "--ours", ours, "--theirs", theirs, "--out", tmp_path / "out.db")
    assert result.returncode == 1
    assert "theirs.db: holds a" in result.stderr and "which alertcast never writes" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out.db").exists()


def test_a_pause_longer_than_any_network_asks_for_is_not_honoured(world, cli):
    """A state branch that paused a channel until 2099 stopped its posts, with no failed row to
    say so: a pause is honoured for at most a day, the longest any network asks for."""
    project, config, engine, fake = world
    with engine.begin() as conn:
        conn.execute(insert(outbox.pauses).values(channel="telegram", until=outbox.utc(NOW.replace(year=2099)),
                                                  reason="rate limited"))
    assert outbox.paused(engine, NOW) == {}
    result = cli("outbox", "drain", "-p", project, "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    assert len(fake.posts) == 1
    soon = outbox.utc(NOW + timedelta(hours=1))  # what a network's hint gives is still honoured
    with engine.begin() as conn:
        conn.execute(update(outbox.pauses).values(until=soon))
    assert outbox.paused(engine, NOW) == {"telegram": soon}


def test_a_rate_limit_hint_longer_than_a_day_pauses_the_channel_for_a_day(world, cli):
    """So that a pause alertcast writes is one it honours when it reads the store again."""
    project, config, engine, fake = world
    fake.fail_next(("rate_limit", 10**12))  # some 31,700 years
    result = cli("outbox", "drain", "-p", project, "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    assert fake.posts == {}
    assert outbox.paused(engine, NOW) == {"telegram": NOW + outbox.MAX_PAUSE}


def _posted(world, cli):  # type: ignore[no-untyped-def]
    """The alert posted on the Telegram fake, next to another post of the same channel (ours too)."""
    project, config, engine, fake = world
    outbox.enqueue(engine, Plan.at(load_or_raise(config), NOW), config)
    assert _drain(cli, project).exit_code == 0
    [row] = outbox.rows(engine)
    fake.posts["777"] = {"text": "another warning of ours", "visible": "another warning of ours", "chat_id": "-100"}
    return row


def _change_alert(project, old, new):  # type: ignore[no-untyped-def]
    for path in (project / "content" / "alerts").glob("live-phishing.*.md"):
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def _unproven_warning(row, remote_id):  # type: ignore[no-untyped-def]
    return (f"post {remote_id!r} (row #{row['id']}) could not be proven ours", "by hand on telegram")


def test_a_post_id_changed_in_the_store_is_not_deleted_by_the_withdrawal(world, cli, caplog):
    """The attack: a push to the state branch points a sent row at another post of the channel."""
    from social_support import TOKENS

    project, config, engine, fake = world
    row = _posted(world, cli)
    with engine.begin() as conn:
        conn.execute(update(outbox.outbox).where(outbox.outbox.c.id == row["id"]).values(remote_id="777"))
    _change_alert(project, "publish_at:", 'withdrawn: "Wrong."\npublish_at:')
    config = load_config(project)
    assert outbox.enqueue(engine, Plan.at(load_or_raise(config), NOW), config) == 1
    result = _drain(cli, project)
    assert result.exit_code == 0, result.output
    assert fake.deleted == []
    [withdraw] = [r for r in outbox.rows(engine) if r["action"] == "withdraw"]
    assert withdraw["status"] == "failed"
    for part in _unproven_warning(row, "777"):
        assert part in withdraw["last_error"] and part in result.output
    assert "\n" not in withdraw["last_error"]
    for said in (withdraw["last_error"], result.output, caplog.text):
        assert TOKENS["telegram"] not in said and config.settings.channels["telegram"].model_extra["chat_id"] not in said


def test_a_post_id_and_its_mark_copied_from_another_alerts_row_are_not_deleted(world, cli):
    """The mark is no proof on another row: an id marked for a post of another alert (as
    alertcast stored it there), copied with its mark onto this alert's row, is not deleted by
    this alert's withdrawal."""
    from alertcast.broadcast import remote_marks
    from social_support import TOKENS

    project, config, engine, fake = world
    row = _posted(world, cli)
    other = dict(channel="telegram", alert_id="expired-airdrop", revision="20260201T000000Z", action="post")
    key = remote_marks.key([TOKENS["telegram"]])
    mark = remote_marks.mark(key, other, "777")
    assert remote_marks.proven(key, {**other, "remote_id": "777", "remote_mac": mark})  # a mark alertcast makes
    _forge(engine, **other, idem_key=outbox.idem_key("expired-airdrop", "20260201T000000Z", "telegram", "post"),
           status="sent", outcome="posted", remote_id="777", remote_mac=mark, sent_at=outbox.utc(NOW))
    with engine.begin() as conn:
        conn.execute(update(outbox.outbox).where(outbox.outbox.c.id == row["id"]).values(remote_id="777", remote_mac=mark))
    _change_alert(project, "publish_at:", 'withdrawn: "Wrong."\npublish_at:')
    config = load_config(project)
    outbox.enqueue(engine, Plan.at(load_or_raise(config), NOW), config)
    result = _drain(cli, project)
    assert result.exit_code == 0, result.output
    assert fake.deleted == [] and "777" in fake.posts
    [withdraw] = [r for r in outbox.rows(engine) if r["action"] == "withdraw"]
    assert withdraw["status"] == "failed"
    assert _unproven_warning(row, "777")[0] in withdraw["last_error"]


def test_a_row_forged_into_the_store_is_not_deleted_and_the_real_post_is(world, cli):
    """A sent row inserted with another post's id (no mark, as a row written before marks had):
    the withdrawal deletes the alert's own post and leaves the other alone, saying so."""
    project, config, engine, fake = world
    row = _posted(world, cli)
    forged = _forge(engine, revision="20260101T000000Z", action="update", status="sent", remote_id="777",
                    outcome="posted", sent_at=outbox.utc(NOW), idem_key="alertcast-forged")
    _change_alert(project, "publish_at:", 'withdrawn: "Wrong."\npublish_at:')
    config = load_config(project)
    outbox.enqueue(engine, Plan.at(load_or_raise(config), NOW), config)
    result = _drain(cli, project)
    assert result.exit_code == 0, result.output
    assert fake.deleted == [outbox.get(engine, row["id"])["remote_id"]]
    [withdraw] = [r for r in outbox.rows(engine) if r["action"] == "withdraw"]
    assert withdraw["status"] == "failed"
    assert _unproven_warning(outbox.get(engine, forged), "777")[0] in withdraw["last_error"]


def test_a_post_id_changed_in_the_store_is_not_edited_by_an_update(world, cli):
    project, config, engine, fake = world
    row = _posted(world, cli)
    with engine.begin() as conn:
        conn.execute(update(outbox.outbox).where(outbox.outbox.c.id == row["id"]).values(remote_id="777"))
    _change_alert(project, "updated_at: 2026-03-02T12:00:00+08:00", "updated_at: 2026-03-03T12:00:00+08:00")
    _change_alert(project, 'title: "', 'title: "Updated: ')
    config = load_config(project)
    assert outbox.enqueue(engine, Plan.at(load_or_raise(config), NOW), config) == 1
    result = _drain(cli, project)
    assert result.exit_code == 0, result.output
    assert fake.posts["777"]["text"] == "another warning of ours"
    [upd] = [r for r in outbox.rows(engine) if r["action"] == "update"]
    assert upd["status"] == "failed" and _unproven_warning(row, "777")[0] in upd["last_error"]
    assert "not edited" in upd["last_error"] and "edit it by hand on telegram" in upd["last_error"]


def test_a_post_id_alertcast_stored_is_edited_by_the_update(world, cli):
    project, config, engine, fake = world
    row = _posted(world, cli)
    _change_alert(project, "updated_at: 2026-03-02T12:00:00+08:00", "updated_at: 2026-03-03T12:00:00+08:00")
    _change_alert(project, 'title: "', 'title: "Updated: ')
    config = load_config(project)
    outbox.enqueue(engine, Plan.at(load_or_raise(config), NOW), config)
    assert _drain(cli, project).exit_code == 0
    [upd] = [r for r in outbox.rows(engine) if r["action"] == "update"]
    remote = outbox.get(engine, row["id"])["remote_id"]
    assert upd["status"] == "sent" and upd["outcome"] == "edited" and upd["remote_id"] == remote
    assert "Updated" in fake.posts[remote]["text"] and fake.posts["777"]["text"] == "another warning of ours"
