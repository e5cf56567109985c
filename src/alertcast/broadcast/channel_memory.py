"""What a channel remembers between runs that is neither a post nor a secret: the media id of a
cover image WeChat already holds, so it is uploaded once, not with every article.

Kept in the state store (SQLite or PostgreSQL) beside the outbox, so every process and every
daemon sharing the store reuses it. Never a token: the store is copied to the state branch.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, String, Table, Text, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..state import metadata

memory = Table(
    "channel_memory", metadata,
    Column("channel", String(40), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


def recall(engine: Engine, channel: str, key: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(memory.c.value).where(memory.c.channel == channel, memory.c.key == key)).scalar()


def remember(engine: Engine, channel: str, key: str, value: str, now: datetime) -> None:
    for _ in range(2):
        try:
            with engine.begin() as conn:
                done = conn.execute(update(memory).where(memory.c.channel == channel, memory.c.key == key)
                                    .values(value=value, updated_at=now))
                if done.rowcount == 0:
                    conn.execute(insert(memory).values(channel=channel, key=key, value=value, updated_at=now))
            return
        except IntegrityError:
            continue  # another process wrote it at the same moment: write ours over it


def forget(engine: Engine, channel: str, key: str) -> None:
    with engine.begin() as conn:
        conn.execute(memory.delete().where(memory.c.channel == channel, memory.c.key == key))
