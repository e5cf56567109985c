"""Outbox rows restored from the state branch (which a push can change without review) are read
as untrusted: a row that is not one alertcast writes (a status it never sets, a time that is not
a time, text that is not text) is held with a warning that names it and says why, nothing is
posted from it, and the rows beside it are sent as usual."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import timedelta

import pytest

from alertcast.broadcast import outbox
from alertcast.checks.load import load_or_raise
from alertcast.plan import Plan
from alertcast.state import open_store
from conftest import NOW
from social_support import telegram_project


@pytest.fixture
def world(project, monkeypatch):
    with telegram_project(project, monkeypatch) as (config, engine, fake):
        engine.dispose()  # each test opens the store as a command would
        yield project, config, fake


def _state_file(config) -> str:  # type: ignore[no-untyped-def]
    return config.settings.state_url.removeprefix("sqlite:///")


@pytest.mark.parametrize("column, value, why", [
    ("due_at", "0", "due_at is not a date and time"),
    ("due_at", 12, "due_at is not a date and time"),
    ("created_at", b"\x00", "created_at is not a date and time"),
    ("created_at", "2026-02-30 00:00:00.000000", "created_at is not a date and time"),
    ("claimed_at", "yesterday", "claimed_at is not a date and time"),
    ("status", "queued\n::error::x", "status is not one alertcast writes"),
    ("status", 1, "status is not one alertcast writes"),
    ("text", b"Verify your phrase", "text is not text"),
    ("tries", "many", "tries is not a count"),
    ("facets", "{", "facets is not a JSON list"),
    ("facets", '{"a": 1}', "facets is not a JSON list"),
])
def test_a_malformed_restored_row_is_held_with_a_warning_and_nothing_is_posted(world, cli, caplog, column, value, why):
    project, config, fake = world
    engine = open_store(config.settings.state_url, config.root)
    outbox.enqueue(engine, Plan.at(load_or_raise(config), NOW), config)  # the reviewed post, row 1
    engine.dispose()
    path = config.root / _state_file(config)
    due = outbox.utc(NOW - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(
            "INSERT INTO outbox (alert_id, revision, channel, action, idem_key, lang, text, link, facets, status, "
            "tries, due_at, created_at) VALUES ('live-phishing', 'forged', 'telegram', 'post', 'forged-key', 'zh', "
            "'FORGED-ROW: verify your recovery phrase', 'https://wallet-verify.example', '[]', 'queued', 0, ?, ?)", (due, due))
        conn.execute(f"UPDATE outbox SET {column} = ? WHERE idem_key = 'forged-key'", (value,))
    caplog.set_level("WARNING")
    result = cli("outbox", "drain", "-p", project, "--now", NOW.isoformat(), "--no-enqueue")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    warnings = [r.getMessage() for r in caplog.records if "outbox row 2" in r.getMessage()]
    assert warnings and why in warnings[0], [r.getMessage() for r in caplog.records]
    assert "\n" not in warnings[0]
    assert fake.posts and all("FORGED-ROW" not in post["text"] for post in fake.posts.values())  # the reviewed post went
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT status FROM outbox WHERE id = 2").fetchone() == ("held",)
    listed = cli("outbox", "-p", project, "--status", "held")
    assert listed.exit_code == 0 and "Traceback" not in listed.output
    again = cli("outbox", "drain", "-p", project, "--now", (NOW + timedelta(minutes=5)).isoformat())
    assert again.exit_code == 0 and len(fake.posts) == 1, again.output


def test_a_store_written_before_post_ids_were_marked_opens_with_the_column_added(tmp_path):
    """An older alertcast's outbox has no `remote_mac` column: opening the store adds it, empty."""
    path = tmp_path / "state.db"
    engine = open_store(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE outbox DROP COLUMN remote_mac")
    engine.dispose()
    engine = open_store(f"sqlite:///{path}")
    assert outbox.rows(engine) == []
    with engine.connect() as conn:
        assert "remote_mac" in [c[1] for c in conn.exec_driver_sql("PRAGMA table_info(outbox)")]
