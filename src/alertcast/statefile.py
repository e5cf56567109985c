"""The state store carried between runs as one SQLite file (publish.yml's `alertcast-state` branch).

Two runs' copies are compared by their content, not their bytes: SQLite rewrites its header
(the schema cookie, page counts) when it copies a file, so byte equality would make every run
look like a change. And two copies that both moved on from the same one are merged row by row,
so a run that sent posts never loses that record because someone else saved first.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from .broadcast import channel_memory, outbox
from .state import unwritten

#: Statuses that say a request may have left: a merge never trades them for one that says it did not.
_MAY_HAVE_GONE = ("sent", "unknown", "sending")


class StateFileError(Exception):
    """A state file cannot be read or merged; the message says which and why."""


def _connect(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise StateFileError(f"{path}: no such state file")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:  # a view or a trigger runs its query when a table is read: one that never ends hung the merge (see unwritten)
        found = unwritten(conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall())
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StateFileError(f"{path}: not a readable SQLite state file ({exc})") from None
    if found is not None:
        conn.close()
        raise StateFileError(f"{path}: holds {found}, which alertcast never writes; restore "
                             "a state file alertcast wrote")
    conn.row_factory = sqlite3.Row
    return conn


def canonical(path: Path) -> str:
    """The file's schema and rows as SQL text: equal for two files that hold the same state."""
    try:
        with closing(_connect(path)) as conn:
            return "\n".join(conn.iterdump())
    except sqlite3.DatabaseError as exc:
        raise StateFileError(f"{path}: not a readable SQLite state file ({exc})") from None


def snapshot(source: Path, dest: Path, like: Path | None = None) -> bool:
    """Write `source` (with its WAL folded in) as one self-contained file at `dest`. When `like`
    holds the same state, `dest` becomes a byte-for-byte copy of `like` instead, so nothing looks
    changed. Returns whether the state differs from `like`."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".snapshot-", dir=dest.parent)
    os.close(fd)
    os.unlink(name)  # VACUUM INTO wants a path that does not exist yet
    fresh = Path(name)
    try:
        try:
            with closing(sqlite3.connect(source)) as conn:
                conn.execute("VACUUM INTO ?", (str(fresh),))
        except sqlite3.DatabaseError as exc:
            raise StateFileError(f"{source}: not a readable SQLite state file ({exc})") from None
        if like is not None and like.is_file() and canonical(fresh) == canonical(like):
            shutil.copyfile(like, dest)
            return False
        os.replace(fresh, dest)
        return True
    finally:
        fresh.unlink(missing_ok=True)


def _outbox(conn: sqlite3.Connection, path: Path) -> tuple[list[str], dict[str, dict]]:
    try:
        found = conn.execute("SELECT * FROM outbox ORDER BY id")
    except sqlite3.DatabaseError as exc:
        raise StateFileError(f"{path}: no readable outbox table ({exc})") from None
    columns = [d[0] for d in found.description]
    if "idem_key" not in columns or "status" not in columns:
        raise StateFileError(f"{path}: its outbox table lacks the columns alertcast writes; restore a state file "
                             "alertcast wrote")
    rows = {}
    for row in found:
        if not isinstance(row["idem_key"], str):  # rows are matched and ordered by it: text or nothing
            number = row["id"] if "id" in columns and isinstance(row["id"], int) else "?"
            raise StateFileError(f"{path}: outbox row {number} has an "
                                 "idem_key that is not text, so alertcast did not write it; restore a state file "
                                 "alertcast wrote")
        rows[row["idem_key"]] = {**dict(row), **{name: None for name in outbox.ADDED_COLUMNS if name not in columns}}
    return columns + [name for name in outbox.ADDED_COLUMNS if name not in columns], rows


def _pauses(conn: sqlite3.Connection) -> dict[str, dict]:
    try:
        return {row["channel"]: dict(row) for row in conn.execute("SELECT * FROM outbox_pause")}
    except sqlite3.OperationalError:
        return {}  # written before pauses existed


def _memory(path: Path | None) -> dict[tuple[str, str], dict]:
    """Rows by (channel, key) as text: a forged row may hold any type there (a blob, a number),
    and must still be matched and ordered without an error; `channel_memory.problem` refuses it."""
    if path is None or not path.is_file():
        return {}
    try:
        with closing(_connect(path)) as conn:
            return {(_text(row["channel"]), _text(row["key"])): dict(row)
                    for row in conn.execute("SELECT * FROM channel_memory")}
    except sqlite3.OperationalError:
        return {}  # written before channels remembered anything
    except sqlite3.DatabaseError as exc:
        raise StateFileError(f"{path}: not a readable SQLite state file ({exc})") from None
    except IndexError:  # sqlite3.Row's word for a missing column
        raise StateFileError(f"{path}: its channel_memory table lacks the columns alertcast writes "
                             "(channel, key, value, updated_at); restore a state file alertcast wrote") from None


def _text(value: object) -> str:
    return value if isinstance(value, str) else f"{type(value).__name__}:{value!r}"


def _shown(value: object, limit: int) -> str:
    """A value of an untrusted row as a message quotes it: cut short, control characters escaped
    (a key holding a newline and `::error::` must not become a line of its own in a CI log)."""
    if not isinstance(value, str):
        return f"<{type(value).__name__}>"
    return repr(value[:limit] + ("..." if len(value) > limit else ""))


def _read(path: Path | None) -> tuple[list[str] | None, dict[str, dict], dict[str, dict]]:
    if path is None or not path.is_file():
        return None, {}, {}
    try:
        with closing(_connect(path)) as conn:
            columns, rows = _outbox(conn, path)
            return columns, rows, _pauses(conn)
    except sqlite3.DatabaseError as exc:
        raise StateFileError(f"{path}: not a readable SQLite state file ({exc})") from None


def _same(a: dict | None, b: dict | None) -> bool:
    """Equal apart from the row id, which each copy numbers on its own."""
    if a is None or b is None:
        return a is b
    return {k: v for k, v in a.items() if k != "id"} == {k: v for k, v in b.items() if k != "id"}


def _pick(base: dict | None, ours: dict | None, theirs: dict | None) -> tuple[dict | None, bool]:
    """The merged row and whether both sides changed it differently (a conflict)."""
    if ours is None:
        return theirs, False
    if theirs is None or _same(theirs, base) or _same(ours, theirs):
        return ours, False
    if _same(ours, base):
        return theirs, False

    def weight(row: dict) -> int:
        return _MAY_HAVE_GONE.index(row["status"]) if row["status"] in _MAY_HAVE_GONE else len(_MAY_HAVE_GONE)

    return (theirs if weight(theirs) < weight(ours) else ours), True


@dataclass
class Merged:
    taken: list[str] = field(default_factory=list)  # keys whose row came from ours
    conflicts: list[str] = field(default_factory=list)  # keys both sides changed; resolved toward "sent"
    #: channel memory of ours not in the shape alertcast writes: (channel and key as shown, why)
    refused: list[tuple[str, str]] = field(default_factory=list)
    #: outbox rows ours changed into rows alertcast never writes, not merged: (row id as shown, why)
    refused_rows: list[tuple[str, str]] = field(default_factory=list)


def merge(base: Path | None, ours: Path, theirs: Path, dest: Path) -> Merged:
    """Write at `dest` the state `theirs` holds plus what `ours` changed since `base` (the copy
    both started from). Outbox rows are matched by their idempotency key; a row both changed is
    taken from the side whose status says the request may have left (sent, then unknown, then
    sending; ours on a tie); a row ours changed into one alertcast never writes is not taken.
    A rate-limit pause keeps the later of the two ends. What a channel
    remembers (a WeChat cover's media id) is taken from ours where only ours changed it and it
    has the shape alertcast writes; the adapter checks its seal again before using it. Everything
    else is taken from `theirs`."""
    base_cols, base_rows, base_pauses = _read(base)
    our_cols, our_rows, our_pauses = _read(ours)
    their_cols, their_rows, their_pauses = _read(theirs)
    if our_cols is None or their_cols is None:
        raise StateFileError(f"{ours if our_cols is None else theirs}: no such state file")
    if our_cols != their_cols or (base_cols is not None and base_cols != our_cols):
        raise StateFileError(f"{ours} and {theirs} have different outbox columns (written by different "
                             "alertcast versions); merge them with the same version")
    result = Merged()
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".merge-", dir=dest.parent)
    os.close(fd)
    work = Path(name)
    try:
        shutil.copyfile(theirs, work)
        with closing(sqlite3.connect(work)) as conn, conn:
            have = {row[1] for row in conn.execute("PRAGMA table_info(outbox)")}
            for name in outbox.ADDED_COLUMNS:  # theirs written by an older alertcast
                if name not in have:
                    conn.execute(f"ALTER TABLE outbox ADD COLUMN {name} TEXT")
            used = {row["id"] for row in their_rows.values()}
            parse = outbox.time_reader(sqlite_dialect())
            for key in sorted(our_rows.keys() | base_rows.keys()):
                mine = our_rows.get(key)
                why = None if mine is None or _same(mine, base_rows.get(key)) else outbox.malformed(mine, parse)
                if why is not None:  # changed by ours into a row alertcast never writes: theirs stands
                    result.refused_rows.append((str(mine["id"]) if isinstance(mine["id"], int) else "?", why))
                    continue
                picked, conflict = _pick(base_rows.get(key), mine, their_rows.get(key))
                if conflict:
                    result.conflicts.append(key)
                if picked is None or _same(picked, their_rows.get(key)):
                    continue
                result.taken.append(key)
                values = {k: v for k, v in picked.items() if k != "id"}
                if key in their_rows:
                    conn.execute(f"UPDATE outbox SET {', '.join(f'{k} = ?' for k in values)} WHERE idem_key = ?",
                                 [*values.values(), key])
                else:
                    if picked["id"] not in used:  # keep the number people saw in the run's log
                        values["id"] = picked["id"]
                    conn.execute(f"INSERT INTO outbox ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                                 list(values.values()))
                    used.add(values.get("id"))
            for channel, pause in our_pauses.items():
                if pause == base_pauses.get(channel) or pause == their_pauses.get(channel):
                    continue
                theirs_until = their_pauses.get(channel, {}).get("until")
                if theirs_until is None or str(pause["until"]) > str(theirs_until):
                    conn.execute("INSERT OR REPLACE INTO outbox_pause (channel, until, reason) VALUES (?, ?, ?)",
                                 (channel, pause["until"], pause["reason"]))
            _merge_memory(conn, _memory(base), _memory(ours), _memory(theirs), result)
        os.replace(work, dest)
    except sqlite3.DatabaseError as exc:
        raise StateFileError(f"cannot merge {ours} into {theirs}: {exc}") from None
    finally:
        work.unlink(missing_ok=True)
    return result


def _merge_memory(conn: sqlite3.Connection, base: dict, ours: dict, theirs: dict, result: Merged) -> None:
    for ident in sorted(ours.keys() | base.keys()):
        mine, was, other = ours.get(ident), base.get(ident), theirs.get(ident)
        if mine == was or (other != was and other != mine):
            continue  # unchanged by us, or changed by both: theirs stands (at worst one upload again)
        if mine is None:
            conn.execute("DELETE FROM channel_memory WHERE channel = ? AND key = ?", ident)
            continue
        why = channel_memory.problem(mine.get("channel"), mine.get("key"), mine.get("value"), mine.get("updated_at"))
        if why is None:
            conn.execute("INSERT OR REPLACE INTO channel_memory (channel, key, value, updated_at) VALUES (?, ?, ?, ?)",
                         (mine["channel"], mine["key"], mine["value"], mine["updated_at"]))
        else:
            result.refused.append((f"{_shown(mine.get('channel'), 40)} {_shown(mine.get('key'), 80)}", why))


def changed_since(base: Path | None, current: Path) -> list[dict]:
    """Rows of `current` that are new or changed since `base`, in id order: what a run did."""
    _, before, _ = _read(base)
    _, now, _ = _read(current)
    return sorted((row for key, row in now.items() if not _same(row, before.get(key))), key=lambda r: r["id"])
