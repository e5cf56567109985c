"""When a change actually becomes public: the publishing path and its delay.

An alert is public at `publish_at` only when something rebuilds the outputs then. With the
GitHub workflow that is the first scheduled run of `publish.yml` at or after `publish_at`
(a cron in UTC, e.g. every 15 minutes at :07, :22, :37 and :52); with the daemon
(`alertcast run`) it is `publish_at` itself. The report tells the editor which, and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

WORKFLOW = Path(".github") / "workflows" / "publish.yml"


@dataclass(frozen=True)
class PublishPath:
    """`cron` is the publish workflow's schedule (UTC); None: the daemon publishes on the second."""

    cron: str | None

    def live_at(self, when: datetime) -> datetime:
        """The moment the outputs holding a change made at `when` are rebuilt."""
        if self.cron is None:
            return when
        from apscheduler.triggers.cron import CronTrigger

        trigger = CronTrigger.from_crontab(self.cron, timezone=timezone.utc)
        fire = trigger.get_next_fire_time(None, when - timedelta(microseconds=1))
        return fire or when

    def minutes(self) -> int | None:
        """The interval between two scheduled runs, in minutes (None: not a regular one)."""
        if self.cron is None:
            return None
        start = datetime(2026, 1, 1, tzinfo=timezone.utc)
        first = self.live_at(start)
        second = self.live_at(first + timedelta(seconds=1))
        return int((second - first).total_seconds() // 60)

    def describe(self) -> str:
        if self.cron is None:
            return ("the daemon (alertcast run) publishes at publish_at, to the second "
                    "(no schedule in .github/workflows/publish.yml)")
        every = self.minutes()
        return (f"the publish workflow runs on the schedule \"{self.cron}\" (UTC, every {every} minutes): an alert goes "
                "live at the first run after its publish_at, and GitHub may delay a scheduled run by some minutes")


def publish_path(top: Path) -> PublishPath:
    """The path of the repository at `top`: the schedule of its publish workflow, if any."""
    import yaml

    try:
        data = yaml.safe_load((top / WORKFLOW).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return PublishPath(None)
    if not isinstance(data, dict):
        return PublishPath(None)
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    schedule = triggers.get("schedule") if isinstance(triggers, dict) else None
    for entry in schedule or ():
        cron = entry.get("cron") if isinstance(entry, dict) else None
        if isinstance(cron, str):
            try:
                PublishPath(cron).live_at(datetime(2026, 1, 1, tzinfo=timezone.utc))
            except ValueError:
                continue
            return PublishPath(cron)
    return PublishPath(None)
