"""Broadcasts that notify every follower (WeChat's 群发): the monthly quota, counted from the
outbox (4 a month reach a service account's followers; more are refused), and the broadcasts
still waiting for an administrator's confirmation.

A broadcast counts once it is claimed (`sending`), sent or unknown: an attempt whose outcome is
unknown may have gone out, so it is spent. Months are calendar months in the project's time zone.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Engine

from . import outbox as ob

SPENT = ("sending", "sent", "unknown")


def month_start(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def spent(engine: Engine, channel: str, now: datetime, tz: ZoneInfo, *, besides: int | None = None) -> int:
    """Broadcasts of `channel` claimed since the month began (`besides`: a row not to count)."""
    start = ob.utc(month_start(now, tz))
    query = select(func.count()).select_from(ob.outbox).where(and_(
        ob.outbox.c.channel == channel, ob.outbox.c.operation == "broadcast", ob.outbox.c.status.in_(SPENT),
        ob.outbox.c.claimed_at >= start))
    if besides is not None:
        query = query.where(ob.outbox.c.id != besides)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def refusal(used: int, per_month: int, severity: str, keep_last_for: tuple[str, ...]) -> str | None:
    """Why a broadcast of an alert of `severity` must not be spent, or None when it may."""
    left = per_month - used
    if left <= 0:
        return f"this month's {per_month} broadcast(s) are spent"
    if left == 1 and severity not in keep_last_for:
        return (f"the month's last broadcast is kept for {', '.join(keep_last_for)} alerts (keep_last_for); "
                f"this one is {severity}")
    return None


def made(row: dict) -> str | None:
    """The msg_id of the broadcast already made for this row, confirmed or not, else None. A row
    never broadcasts twice: sent again (`outbox resolve --not-posted` after publishing instead was
    interrupted), it only publishes its article."""
    kind, _, msg_id = str(row.get("remote_id") or "").partition(":")
    return msg_id if kind == "broadcast" and msg_id else None


PENDING = "pending confirmation"
#: A broadcast WeChat did not send (refused, or not confirmed in 30 minutes): its article is
#: published instead, which notifies no one; `SETTLING` marks the row while that publish is out.
INSTEAD = "published instead"
SETTLING = "publishing instead"


def status_lines(engine: Engine, channel: str, now: datetime, tz: ZoneInfo, per_month: int) -> list[str]:
    """For `alertcast status`: the month's quota and each broadcast waiting for confirmation."""
    out = [f"{channel} broadcasts this month: {spent(engine, channel, now, tz)} of {per_month}"]
    with engine.connect() as conn:
        waiting = conn.execute(select(ob.outbox).where(and_(ob.outbox.c.channel == channel,
                                                            ob.outbox.c.outcome == PENDING)).order_by(ob.outbox.c.id))
        for row in waiting:
            out.append(f"  #{row.id} {row.alert_id}: broadcast {row.remote_id} {PENDING} by an administrator "
                       "in WeChat (cancelled by WeChat after 30 minutes, then published without notifying)")
        start = ob.utc(month_start(now, tz))
        settled = conn.execute(select(ob.outbox).where(and_(
            ob.outbox.c.channel == channel, ob.outbox.c.outcome.in_((INSTEAD, SETTLING)),
            ob.outbox.c.claimed_at >= start)).order_by(ob.outbox.c.id))
        for row in settled:
            said = ("broadcast not confirmed; published instead, followers not notified" if row.outcome == INSTEAD
                    else f"broadcast not confirmed; publishing instead was interrupted: {row.status}, check the account")
            out.append(f"  #{row.id} {row.alert_id}: {said} ({row.remote_id})")
    return out
