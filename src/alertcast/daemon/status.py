"""What `alertcast status` shows: live and scheduled alerts, outbox summary, last publish/sync."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from ..broadcast.outbox import outbox


def outbox_summary(engine: Engine) -> dict[tuple[str, str], int]:
    """Rows per (channel, status) in the outbox.

    Read through the table the outbox module declares (`open_store` creates it), not one
    reflected from the database: the daemon calls this at every drain interval, and each
    reflection left a new entry in SQLAlchemy's statement cache, so an idle daemon grew."""
    with engine.connect() as conn:
        rows = conn.execute(select(outbox.c.channel, outbox.c.status, func.count())
                            .group_by(outbox.c.channel, outbox.c.status))
        return {(str(c), str(s)): int(n) for c, s, n in rows}
