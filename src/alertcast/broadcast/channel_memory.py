"""What a channel remembers between runs that is neither a post nor a secret: the media id of a
cover image WeChat already holds, so it is uploaded once, not with every article.

Kept in the state store (SQLite or PostgreSQL) beside the outbox, so every process and every
daemon sharing the store reuses it. Never a token: the store is copied to the state branch.
"""

from __future__ import annotations

import re
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


#: What a remembered value may be, per channel and key: a WeChat cover is
#: `cover:<AppID>:<sha256 of the image>` -> `<media id>#<HMAC-SHA256>` (see `Wechat._seal`).
SHAPES = {"wechat": (re.compile(r"cover:wx[0-9a-f]{16}:[0-9a-f]{64}"), re.compile(r"[A-Za-z0-9_-]{1,128}#[0-9a-f]{64}"))}


def well_formed(channel: object, key: object, value: object) -> bool:
    """Whether a row read from a copy of the store (the state branch, untrusted) has the shape
    alertcast writes; what it says is checked again where it is used."""
    shape = SHAPES.get(channel) if isinstance(channel, str) else None
    return (shape is not None and isinstance(key, str) and isinstance(value, str)
            and shape[0].fullmatch(key) is not None and shape[1].fullmatch(value) is not None)


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
