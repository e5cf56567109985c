"""The state store: one SQLAlchemy engine for SQLite (default) or PostgreSQL.

Each part that keeps state (the outbox, the publish log, the daemon's lease) defines its
tables on `metadata` in its own module; `open_store` creates whatever is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Integer, MetaData, create_engine, event
from sqlalchemy.engine import Engine

metadata = MetaData()


def make_engine(url: str, root: Path | None = None) -> Engine:
    """An engine for `url`; a relative SQLite path is taken relative to `root`."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and root is not None:
        path = (root / url[len("sqlite:///"):]).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path}"
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()
    return engine


#: Modules that define tables on `metadata`; imported before tables are created, so every
#: process gets every table whichever part of alertcast it started from.
TABLE_MODULES = ("alertcast.broadcast.outbox", "alertcast.daemon.lease", "alertcast.daemon.publog")
TABLE_MODULES += ("alertcast.broadcast.channel_memory",)


def create_tables(engine: Engine) -> None:
    import importlib

    for module in TABLE_MODULES:
        importlib.import_module(module)
    metadata.create_all(engine)
    add_columns(engine)


def add_columns(engine: Engine) -> None:
    """Add the nullable columns a store written by an older alertcast lacks (`create_all` makes
    missing tables only): its rows then read as rows that never had a value there."""
    from sqlalchemy import inspect

    found = inspect(engine)
    for table in metadata.sorted_tables:
        if not found.has_table(table.name):
            continue
        have = {c["name"] for c in found.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have and column.nullable and column.default is None:
                kind = column.type.compile(dialect=engine.dialect)
                with engine.begin() as conn:
                    conn.exec_driver_sql(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')


class StateStoreError(Exception):
    """The state store cannot be used; the message says which file and what to do."""


def open_store(url: str, root: Path | None = None) -> Engine:
    engine = make_engine(url, root)
    if engine.dialect.name == "sqlite":
        plain_tables(engine)
    create_tables(engine)
    return engine


def plain_tables(engine: Engine) -> None:
    """Refuse an SQLite store that is not a database or holds what alertcast never writes (see
    `unwritten`). The file is restored from the state branch, which a push changes without
    review, and SQLite runs a trigger's or a view's query whenever alertcast writes or reads the
    table: one that never ends held `outbox drain` until the job's time ran out, at every run."""
    from sqlalchemy.exc import DBAPIError

    where = engine.url.database or "the state store"
    try:
        with engine.connect() as conn:
            found = unwritten(conn.exec_driver_sql("SELECT type, name, sql FROM sqlite_master ORDER BY name").all())
    except DBAPIError as exc:
        raise StateStoreError(f"{where}: not a readable SQLite state file ({exc.orig}); restore a state file "
                              "alertcast wrote, or move this one away to start with an empty store") from None
    if found is not None:
        raise StateStoreError(f"{where}: holds {found}, which alertcast never writes: the file "
                              "was made elsewhere; restore a state file alertcast wrote")


#: What SQLite's grammar of a table lets evaluate an expression (CHECK, DEFAULT, a generated
#: column's AS), change what a write does (ON CONFLICT, REFERENCES, COLLATE) or hand the table to
#: a module (CREATE VIRTUAL TABLE): alertcast's tables hold none of them.
_TABLE_EXPRESSIONS = frozenset("CHECK DEFAULT AS GENERATED CONFLICT REFERENCES COLLATE VIRTUAL".split())


def unwritten(schema: Iterable[Sequence[Any]]) -> str | None:
    """What in an SQLite file's schema (sqlite_master's type, name and sql) alertcast never
    writes, said in a few words; None when there is nothing. SQLite evaluates whatever a schema
    holds as it reads or writes: a view's or a trigger's query, an index's expression, a table's
    CHECK constraints, generated columns and defaults (a CHECK that takes seconds, a thousand
    times over, held every write); a table's ON CONFLICT REPLACE would replace a sent row instead
    of refusing its double; statistics steer the query planner. So alertcast's own tables may be
    defined only with columns, types, NOT NULL, keys and UNIQUE (as it writes them), and no index
    but their keys' own, no view, no trigger and no statistics may be there."""
    import importlib
    import re

    for module in TABLE_MODULES:
        importlib.import_module(module)
    for kind, name, sql in schema:
        if kind in ("view", "trigger"):
            return f"a {kind} ('{name}')"
        if kind == "index" and sql is not None:  # a key's own index has none
            return f"an index ('{name}')"
        if kind == "table" and str(name).lower().startswith("sqlite_stat"):
            return f"the query planner's statistics ('{name}')"
        if kind == "table" and str(name).lower() in metadata.tables:
            plain = re.sub(r'"(?:[^"]|"")*"', " ", str(sql or ""))  # quoted names
            word = next((word for word in re.findall(r"[^\W\d]\w*|[^\w\s(),.+-]", plain)
                         if word.upper() in _TABLE_EXPRESSIONS or not (word[0].isalpha() or word[0] == "_")), None)
            if word is not None:
                return f"a table ('{name}') defined with {word!r}"
    return None


#: What `migrate` moves: everything but the leader lease (a daemon takes it on the new store).
NOT_MIGRATED = ("daemon_lease",)


class MigrationError(Exception):
    """A store cannot be read or written, or the target already holds state."""


def migrate(source: Engine, target: Engine) -> dict[str, int]:
    """Copy the outbox (sent rows, pauses, channel baselines) and the publish log from `source`
    to `target`, ids kept, in one transaction on the target; returns rows copied per table.

    Run with the daemons stopped. The target must hold no outbox or publish log rows: merging two
    histories could not keep their ids. What was sent stays sent, so nothing is posted again."""
    from sqlalchemy import func, insert, select, text

    create_tables(source)
    create_tables(target)
    tables = [t for t in metadata.sorted_tables if t.name not in NOT_MIGRATED]
    with target.connect() as conn:
        busy = [t.name for t in tables if conn.execute(select(func.count()).select_from(t)).scalar()]
    if busy:
        raise MigrationError(f"the target store already holds rows in {', '.join(busy)}; migrate into an empty "
                             "database (or a new SQLite file)")
    copied = {}
    with source.connect() as src, target.begin() as dst:
        for table in tables:
            rows = [dict(r._mapping) for r in src.execute(select(table))]
            if rows:
                dst.execute(insert(table), rows)
            copied[table.name] = len(rows)
        if target.dialect.name == "postgresql":  # ids were copied: move each sequence past them
            for table in tables:
                (column, *others) = table.primary_key.columns
                if not others and isinstance(column.type, Integer):
                    dst.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                                     f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"))
    return copied
