"""The publish log: every publish and sync attempt, for `alertcast status` and /healthz.

Each daemon syncs every minute, so the log keeps the newest KEEP entries of each kind, not all:
a pair of daemons would otherwise add some 2,880 rows a day, for ever."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Boolean, Column, DateTime, Float, Integer, String, Table, Text, delete, insert, select
from sqlalchemy.engine import Engine

from ..state import metadata

publish_log = Table(
    "publish_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # publish | sync
    Column("at", DateTime(timezone=True), nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("holder", String(200), nullable=False, default=""),
    Column("duration", Float, nullable=False, default=0.0),
    Column("detail", Text, nullable=False, default=""),
)

KEEP = 1000  # entries of each kind (publish, sync) kept


@dataclass(frozen=True)
class Entry:
    kind: str
    at: datetime
    ok: bool
    holder: str
    duration: float
    detail: str


def record(engine: Engine, kind: str, at: datetime, ok: bool, *, holder: str = "", duration: float = 0.0,
           detail: str = "") -> None:
    with engine.begin() as conn:
        conn.execute(insert(publish_log).values(kind=kind, at=at.astimezone(timezone.utc), ok=ok, holder=holder,
                                                duration=duration, detail=detail[:2000]))
        oldest_kept = select(publish_log.c.id).where(publish_log.c.kind == kind).order_by(publish_log.c.id.desc())
        cutoff = conn.execute(oldest_kept.offset(KEEP).limit(1)).scalar()
        if cutoff is not None:
            conn.execute(delete(publish_log).where(publish_log.c.kind == kind, publish_log.c.id <= cutoff))


def _entry(row) -> Entry:  # type: ignore[no-untyped-def]
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=timezone.utc)
    return Entry(row.kind, at, row.ok, row.holder, row.duration, row.detail)


def last(engine: Engine, kind: str, *, ok: bool | None = None) -> Entry | None:
    query = select(publish_log).where(publish_log.c.kind == kind)
    if ok is not None:
        query = query.where(publish_log.c.ok == ok)
    with engine.connect() as conn:
        row = conn.execute(query.order_by(publish_log.c.id.desc()).limit(1)).first()
    return _entry(row) if row else None


def entries(engine: Engine, kind: str | None = None) -> list[Entry]:
    query = select(publish_log).order_by(publish_log.c.id)
    if kind:
        query = query.where(publish_log.c.kind == kind)
    with engine.connect() as conn:
        return [_entry(r) for r in conn.execute(query)]
