"""Leader lease: a row with a holder and an expiry, so that of two daemons on one database
exactly one publishes and dispatches, and the other takes over when the lease runs out.

A row (not a PostgreSQL advisory lock) works the same on SQLite and PostgreSQL and needs no
connection pinned for the life of the process; the UPDATE ... WHERE is atomic per row.

A holder is named `host:pid:scope`, scope standing for this boot of this machine and its process
namespace. A daemon restarted after a crash (or SIGKILL) finds its predecessor's lease: when that
holder ran here and its process is gone, the lease is taken at once instead of waited out.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

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

log = logging.getLogger("alertcast.daemon")


def machine_scope() -> str | None:
    """This boot of this machine and this process namespace (None where /proc cannot tell): a pid
    means the same process only within one scope."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return None
    return hashlib.sha256(f"{boot}|{namespace}".encode()).hexdigest()[:12]


def holder_name() -> str:
    """A unique name for this process, from which a later process on this machine can tell it is gone."""
    return f"{socket.gethostname()}:{os.getpid()}:{machine_scope() or uuid.uuid4().hex[:12]}"


def gone(holder: str) -> bool:
    """True when `holder` was a process of this machine (and boot, and pid namespace) that no longer runs."""
    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    host, pid, scope = parts[0], int(parts[1]), parts[2]
    if scope != machine_scope() or host != socket.gethostname() or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


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
            row = conn.execute(select(lease_table.c.holder).where(lease_table.c.name == self.name)).first()
            if row is not None and gone(row[0]):
                result = conn.execute(update(lease_table)
                                      .where(lease_table.c.name == self.name, lease_table.c.holder == row[0])
                                      .values(holder=self.holder, expires_at=until))
                if result.rowcount == 1:
                    log.info("took over the lease of a process of this machine that is gone",
                             extra={"previous": row[0]})
                    return True
            if row is not None:
                return False
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
