"""Leader lease: a row with a holder and an expiry, so that of two daemons on one database
exactly one publishes and dispatches, and the other takes over when the lease runs out.

A row (not a PostgreSQL advisory lock) works the same on SQLite and PostgreSQL and needs no
connection pinned for the life of the process; the UPDATE ... WHERE is atomic per row.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Column, Float, String, Table, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..state import metadata

lease_table = Table(
    "daemon_lease", metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("expires_at", Float, nullable=False),  # unix seconds
)


@dataclass
class Lease:
    engine: Engine
    holder: str
    ttl: float = 15.0
    name: str = "publisher"

    def acquire(self, now: float | None = None) -> bool:
        """Take or renew the lease; True when this process holds it until now + ttl."""
        now = time.time() if now is None else now
        until = now + self.ttl
        with self.engine.begin() as conn:
            result = conn.execute(
                update(lease_table)
                .where(lease_table.c.name == self.name)
                .where((lease_table.c.holder == self.holder) | (lease_table.c.expires_at < now))
                .values(holder=self.holder, expires_at=until))
            if result.rowcount == 1:
                return True
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(lease_table).values(name=self.name, holder=self.holder, expires_at=until))
            return True
        except IntegrityError:
            return False

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(lease_table)
                         .where(lease_table.c.name == self.name, lease_table.c.holder == self.holder)
                         .values(expires_at=0.0))

    def current(self) -> tuple[str, float] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(lease_table.c.holder, lease_table.c.expires_at)
                               .where(lease_table.c.name == self.name)).first()
        return (row[0], row[1]) if row else None
