"""What `alertcast status` shows: live and scheduled alerts, outbox summary, last publish/sync."""

from __future__ import annotations

from sqlalchemy import MetaData, Table, func, inspect, select
from sqlalchemy.engine import Engine


def outbox_summary(engine: Engine) -> dict[tuple[str, str], int]:
    """Rows per (channel, status) in the outbox table, whatever its other columns; {} if absent."""
    if not inspect(engine).has_table("outbox"):
        return {}
    table = Table("outbox", MetaData(), autoload_with=engine)
    if "channel" not in table.c or "status" not in table.c:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(select(table.c.channel, table.c.status, func.count())
                            .group_by(table.c.channel, table.c.status))
        return {(str(c), str(s)): int(n) for c, s, n in rows}
