"""The state file carried between runs: compared by content, merged row by row toward "sent"."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import insert

from alertcast import statefile
from alertcast.broadcast import channel_memory, outbox
from alertcast.cli import main
from alertcast.state import open_store

T0 = datetime(2026, 3, 3, tzinfo=timezone.utc)


def store(path: Path, *rows: tuple[str, str]) -> Path:
    """A state file as alertcast writes it, with one outbox row per (alert id, status)."""
    engine = open_store(f"sqlite:///{path}")
    with engine.begin() as conn:
        for alert_id, status in rows:
            conn.execute(insert(outbox.outbox).values(
                alert_id=alert_id, revision="r1", channel="webhook", action="post",
                idem_key=outbox.idem_key(alert_id, "r1", "webhook", "post"), lang="en", text=f"{alert_id}!",
                link="https://help.example/", facets="[]", status=status, tries=0, due_at=T0, created_at=T0))
    engine.dispose()
    return path


def set_status(path: Path, alert_id: str, status: str, **more: str) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(f"UPDATE outbox SET status = ?{''.join(f', {k} = ?' for k in more)} WHERE alert_id = ?",
                     (status, *more.values(), alert_id))
    conn.close()


def statuses(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        found = dict(conn.execute("SELECT alert_id, status FROM outbox"))
    conn.close()
    return found


def test_a_copy_of_an_unchanged_state_is_the_earlier_file_byte_for_byte(tmp_path):
    first = tmp_path / "first.db"
    assert statefile.snapshot(store(tmp_path / "earlier.db", ("a", "sent")), first) is True
    live = tmp_path / "live.db"  # the next run restores that copy and opens it: nothing to send
    shutil.copy(first, live)
    open_store(f"sqlite:///{live}").dispose()
    again = tmp_path / "again.db"
    with sqlite3.connect(live) as conn:  # what VACUUM INTO alone gives: same rows, another schema cookie
        conn.execute("VACUUM INTO ?", (str(again),))
    conn.close()
    assert again.read_bytes() != first.read_bytes()
    assert statefile.canonical(again) == statefile.canonical(first)
    second = tmp_path / "second.db"
    assert statefile.snapshot(live, second, like=first) is False
    assert second.read_bytes() == first.read_bytes()
    set_status(live, "a", "failed")
    assert statefile.snapshot(live, second, like=first) is True
    assert statuses(second) == {"a": "failed"}


def test_merge_keeps_what_each_side_changed_and_resolves_a_conflict_toward_sent(tmp_path):
    base = store(tmp_path / "base.db", ("both", "queued"), ("ours-only", "queued"), ("theirs-only", "unknown"),
                 ("ours-unknown", "queued"))
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    shutil.copy(base, ours)
    shutil.copy(base, theirs)
    set_status(ours, "both", "sent", remote_id="42")  # this run sent it ...
    set_status(theirs, "both", "failed")  # ... while someone else gave it up
    set_status(ours, "ours-only", "sent")
    set_status(theirs, "theirs-only", "sent", outcome="resolved")  # a person resolved it by hand
    set_status(ours, "ours-unknown", "unknown")
    set_status(theirs, "ours-unknown", "cancelled")
    engine = open_store(f"sqlite:///{ours}")  # this run also queued a row of its own
    with engine.begin() as conn:
        conn.execute(insert(outbox.outbox).values(
            alert_id="new", revision="r2", channel="webhook", action="update", idem_key="alertcast-new", lang="en",
            text="new", link="https://help.example/", facets="[]", status="sent", tries=1, due_at=T0, created_at=T0))
    engine.dispose()
    out = tmp_path / "merged.db"
    merged = statefile.merge(base, ours, theirs, out)
    assert statuses(out) == {"both": "sent", "ours-only": "sent", "theirs-only": "sent", "ours-unknown": "unknown",
                             "new": "sent"}
    assert len(merged.conflicts) == 2
    # the merge reads as a state store again, with every row's key unique
    assert len(outbox.rows(open_store(f"sqlite:///{out}"))) == 5


def test_merge_of_a_run_that_changed_nothing_is_theirs(tmp_path):
    base = store(tmp_path / "base.db", ("a", "unknown"))
    theirs = tmp_path / "theirs.db"
    shutil.copy(base, theirs)
    set_status(theirs, "a", "queued")  # resolved --not-posted: send again
    statefile.merge(base, base, theirs, tmp_path / "out.db")
    assert statuses(tmp_path / "out.db") == {"a": "queued"}


def test_merge_refuses_files_it_cannot_read_in_one_line(tmp_path):
    good = store(tmp_path / "good.db", ("a", "sent"))
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database")
    result = CliRunner().invoke(main, ["outbox", "merge", "--ours", str(good), "--theirs", str(junk),
                                       "--out", str(tmp_path / "out.db")])
    assert result.exit_code == 1, result.output
    assert "junk.db" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out.db").exists()


def remember(path: Path, key: str, value: str, channel: str = "wechat") -> None:
    engine = open_store(f"sqlite:///{path}")
    channel_memory.remember(engine, channel, key, value, T0)
    engine.dispose()


def memory(path: Path) -> dict[tuple[str, str], str]:
    with sqlite3.connect(path) as conn:
        found = {(c, k): v for c, k, v in conn.execute("SELECT channel, key, value FROM channel_memory")}
    conn.close()
    return found


COVER = "cover:wx0123456789abcdef:" + "ab" * 32
OTHER = "cover:wx0123456789abcdef:" + "cd" * 32
SEALED = "MEDIA_ours#" + "1" * 64


def test_merge_carries_what_a_channel_remembered_and_refuses_what_alertcast_never_writes(tmp_path):
    base = store(tmp_path / "base.db", ("a", "queued"))
    remember(base, OTHER, "MEDIA_old#" + "2" * 64)
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    shutil.copy(base, ours)
    shutil.copy(base, theirs)
    remember(ours, COVER, SEALED)  # this run uploaded the cover
    remember(ours, "cover:wx0123456789abcdef:" + "ef" * 32, "MEDIA_forged")  # no seal
    remember(ours, "token", "stolen", channel="x")  # a channel that remembers nothing
    engine = open_store(f"sqlite:///{ours}")
    channel_memory.forget(engine, "wechat", OTHER)  # WeChat no longer had it
    engine.dispose()
    set_status(theirs, "a", "sent")
    out = tmp_path / "merged.db"
    result = CliRunner().invoke(main, ["outbox", "merge", "--base", str(base), "--ours", str(ours),
                                       "--theirs", str(theirs), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert memory(out) == {("wechat", COVER): SEALED}
    assert statuses(out) == {"a": "sent"}
    assert result.output.count("not merged: channel memory") == 2 and "Traceback" not in result.output


def test_merge_keeps_their_memory_when_both_sides_changed_it(tmp_path):
    base = store(tmp_path / "base.db", ("a", "queued"))
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    shutil.copy(base, ours)
    shutil.copy(base, theirs)
    remember(ours, COVER, SEALED)
    remember(theirs, COVER, "MEDIA_theirs#" + "3" * 64)
    statefile.merge(base, ours, theirs, tmp_path / "out.db")
    assert memory(tmp_path / "out.db") == {("wechat", COVER): "MEDIA_theirs#" + "3" * 64}


GOOD_TIME = "2026-03-03 00:00:00.000000"


@pytest.mark.parametrize("row, why", [
    (("wechat".encode(), COVER, SEALED, GOOD_TIME), "no channel of alertcast remembers anything under this name"),
    (("x", "token", "stolen", GOOD_TIME), "no channel of alertcast remembers anything under this name"),
    (("wechat", COVER.encode(), SEALED, GOOD_TIME), "the key is not one wechat writes"),
    (("wechat", COVER, 12, GOOD_TIME), "the value is not one wechat writes"),
    (("wechat", COVER, "M" * 1_000_000 + "#" + "1" * 64, GOOD_TIME), "the value is not one wechat writes"),
    (("wechat", COVER, SEALED, b"x" * 10_000_000), "updated_at is not a date and time"),
    (("wechat", COVER, SEALED, 12), "updated_at is not a date and time"),
    (("wechat", COVER, SEALED, "yesterday"), "updated_at is not a date and time"),
    (("wechat", "k\n::error::forged\x1b[31m", SEALED, GOOD_TIME), "the key is not one wechat writes"),
])
def test_merge_skips_a_forged_memory_row_with_a_warning_that_says_why(tmp_path, row, why):
    """The state branch is untrusted: a row of any type and size is refused with one line that
    names it (control characters escaped: no line of it can pass for a CI log command), and the
    rows beside it still merge."""
    base = store(tmp_path / "base.db", ("a", "queued"))
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    shutil.copy(base, ours)
    shutil.copy(base, theirs)
    remember(ours, OTHER, SEALED)  # a good row beside the forged one
    with closing(sqlite3.connect(ours)) as conn, conn:
        conn.execute("INSERT INTO channel_memory (channel, key, value, updated_at) VALUES (?, ?, ?, ?)", row)
    out = tmp_path / "merged.db"
    result = CliRunner().invoke(main, ["outbox", "merge", "--base", str(base), "--ours", str(ours),
                                       "--theirs", str(theirs), "--out", str(out)])
    assert result.exit_code == 0 and result.exception is None, result.output
    assert memory(out) == {("wechat", OTHER): SEALED}
    [warning] = [line for line in result.output.splitlines() if "not merged" in line]
    assert warning.startswith("warning: not merged: channel memory ") and warning.endswith(f"{ours}: {why}")
    assert len(warning) < 400 and "\x1b" not in result.output
    assert not any(line.startswith("::") for line in result.output.splitlines())


def test_merge_refuses_a_memory_table_without_its_columns_in_one_line(tmp_path):
    base = store(tmp_path / "base.db", ("a", "queued"))
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    shutil.copy(base, ours)
    shutil.copy(base, theirs)
    with closing(sqlite3.connect(ours)) as conn, conn:
        conn.execute("DROP TABLE channel_memory")
        conn.execute("CREATE TABLE channel_memory (name TEXT, data BLOB)")
        conn.execute("INSERT INTO channel_memory VALUES ('wechat', x'00')")
    result = CliRunner().invoke(main, ["outbox", "merge", "--base", str(base), "--ours", str(ours),
                                       "--theirs", str(theirs), "--out", str(tmp_path / "out.db")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert f"{ours}: its channel_memory table lacks the columns alertcast writes" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out.db").exists()


def test_merge_refuses_an_outbox_row_keyed_by_anything_but_text_in_one_line(tmp_path):
    """Rows are matched and ordered by their idempotency key: a blob there (the state branch is
    untrusted) raised a TypeError."""
    base = store(tmp_path / "base.db", ("a", "queued"), ("b", "queued"))
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    shutil.copy(base, ours)
    shutil.copy(base, theirs)
    with closing(sqlite3.connect(theirs)) as conn, conn:
        conn.execute("UPDATE outbox SET idem_key = ? WHERE alert_id = 'b'", (b"\x00forged",))
    result = CliRunner().invoke(main, ["outbox", "merge", "--base", str(base), "--ours", str(ours),
                                       "--theirs", str(theirs), "--out", str(tmp_path / "out.db")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert f"{theirs}: outbox row 2 has an idem_key that is not text" in result.output
    assert not (tmp_path / "out.db").exists()


@pytest.mark.parametrize("column, value, why", [
    ("status", "posted", "status is not one alertcast writes"),
    ("due_at", "soon", "due_at is not a date and time"),
    ("text", b"\x00", "text is not text"),
    ("tries", -1, "tries is not a count"),
])
def test_merge_skips_an_outbox_row_alertcast_never_writes_with_a_warning_that_says_why(tmp_path, column, value, why):
    """Ours may be a state restored from the branch and changed by anyone who can push: a row it
    changed into one alertcast never writes is not merged (theirs stands), the rows beside it are."""
    base = store(tmp_path / "base.db", ("a", "queued"), ("b", "queued"))
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    shutil.copy(base, ours)
    shutil.copy(base, theirs)
    set_status(ours, "b", "sent")
    with closing(sqlite3.connect(ours)) as conn, conn:
        conn.execute(f"UPDATE outbox SET {column} = ? WHERE alert_id = 'a'", (value,))
    out = tmp_path / "merged.db"
    result = CliRunner().invoke(main, ["outbox", "merge", "--base", str(base), "--ours", str(ours),
                                       "--theirs", str(theirs), "--out", str(out)])
    assert result.exit_code == 0 and result.exception is None, result.output
    assert statuses(out) == {"a": "queued", "b": "sent"}
    assert f"warning: not merged: outbox row 1 of {ours}: {why}" in result.output.splitlines()


def test_merge_of_a_run_after_the_upgrade_into_files_without_post_id_marks(tmp_path):
    """The first run after post ids were marked: base and theirs were written by the older
    alertcast (no `remote_mac` column), ours has the column and a marked row."""
    base = store(tmp_path / "base.db", ("a", "queued"), ("b", "queued"))
    with sqlite3.connect(base) as conn:
        conn.execute("ALTER TABLE outbox DROP COLUMN remote_mac")
    conn.close()
    ours, theirs = tmp_path / "ours.db", tmp_path / "theirs.db"
    shutil.copy(base, ours)
    shutil.copy(base, theirs)
    open_store(f"sqlite:///{ours}").dispose()  # this run opened it: the column is added
    set_status(ours, "a", "sent", remote_id="42", remote_mac="f" * 64)
    set_status(theirs, "b", "failed")
    out = tmp_path / "merged.db"
    merged = statefile.merge(base, ours, theirs, out)
    assert statuses(out) == {"a": "sent", "b": "failed"} and merged.conflicts == []
    marks = {r["alert_id"]: r["remote_mac"] for r in outbox.rows(open_store(f"sqlite:///{out}"))}
    assert marks == {"a": "f" * 64, "b": None}
