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


def problem(channel: object, key: object, value: object, updated_at: object) -> str | None:
    """Why a row read from a copy of the store (the state branch, untrusted: any type, any size)
    is not one alertcast writes, or None when it is; what it says is checked again where it is used."""
    shape = SHAPES.get(channel) if isinstance(channel, str) else None
    if shape is None:
        return "no channel of alertcast remembers anything under this name"
    if not isinstance(key, str) or shape[0].fullmatch(key) is None:
        return f"the key is not one {channel} writes"
    if not isinstance(value, str) or shape[1].fullmatch(value) is None:
        return f"the value is not one {channel} writes"
    if not _is_time(updated_at):
        return "updated_at is not a date and time"
    return None


def _is_time(value: object) -> bool:
    """A time as the store writes it in SQLite (`2026-03-03 00:00:00.000000`)."""
    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


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
