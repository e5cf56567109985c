"""Moments around the fixture's boundaries, and a helper to render every output at one."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alertcast.pipeline import render_outputs
from alertcast.plan import Plan

CST = timezone(timedelta(hours=8))
#: before anything, between boundaries, at the scheduled alert's window, after it expired.
BEFORE = datetime(2026, 1, 1, tzinfo=CST)
NOW = datetime(2026, 3, 15, tzinfo=CST)
DURING = datetime(2026, 4, 1, 12, 0, tzinfo=CST)
AFTER = datetime(2026, 4, 3, tzinfo=CST)
MOMENTS = (BEFORE, NOW, DURING, AFTER)


def outputs_at(content, config, now, key=None):  # type: ignore[no-untyped-def]
    return render_outputs(Plan.at(content, now), config, key)
