"""The state store: one SQLAlchemy engine for SQLite (default) or PostgreSQL.

Each part that keeps state (the outbox, the publish log, the daemon's lease) defines its
tables on `metadata` in its own module; `open_store` creates whatever is missing.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import MetaData, create_engine, event
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


def create_tables(engine: Engine) -> None:
    import importlib

    for module in TABLE_MODULES:
        importlib.import_module(module)
    metadata.create_all(engine)


def open_store(url: str, root: Path | None = None) -> Engine:
    engine = make_engine(url, root)
    create_tables(engine)
    return engine
