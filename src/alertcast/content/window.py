"""The maintenance window: `starts_at` and `ends_at` in an alert's front matter.

Planned maintenance is announced ahead (an earlier `publish_at`) and users plan around the
window itself, so it is its own pair of times, not `publish_at`/`expires_at`. Both or none,
the end after the start, and only on a `maintenance` alert: a window elsewhere would put a
scam warning in the maintenance calendar.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError
from pydantic_core import InitErrorDetails

from ..problems import hint_error

EXAMPLE_START = "2026-11-01T01:00:00+08:00"
EXAMPLE_END = "2026-11-01T03:00:00+08:00"


def window_error(category: str, starts_at: datetime | None, ends_at: datetime | None,
                 when: str, start_written: str) -> ValidationError | None:
    """The error of a window that is not one, at the key to fix; None when it is fine.
    `when` is `ends_at` as an editor reads it, `start_written` the same for `starts_at`."""
    if starts_at is None and ends_at is None:
        return None
    if ends_at is None:
        return _at("starts_at", starts_at, hint_error(
            "needs ends_at: a maintenance window has a start and an end",
            f"add ends_at: with the time the maintenance ends, e.g. ends_at: {EXAMPLE_END}"))
    if starts_at is None:
        return _at("ends_at", ends_at, hint_error(
            "needs starts_at: a maintenance window has a start and an end",
            f"add starts_at: with the time the maintenance begins, e.g. starts_at: {EXAMPLE_START}"))
    if category != "maintenance":
        return _at("starts_at", starts_at, hint_error(
            f"is a maintenance window, but the category is {category}",
            "set category: maintenance, or remove starts_at and ends_at"))
    if ends_at <= starts_at:
        return _at("ends_at", ends_at, hint_error(
            f"is {when}, not after starts_at ({start_written}): the window would end before it begins",
            "set ends_at to when the maintenance ends; swap the two times if they are reversed"))
    return None


def _at(key: str, value: datetime | None, error: Exception) -> ValidationError:
    return ValidationError.from_exception_data("AlertMatter", [
        InitErrorDetails(type=error, loc=(key,), input=value)])  # type: ignore[arg-type]
