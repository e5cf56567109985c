"""Rehearsals: an alert's first post, an update and a withdrawal, sent now to its channels' test
targets through the real outbox and dispatcher, so a team sees what each network answers before
it matters (a new channel, a rotated token, a quarterly drill).

A rehearsal's rows are apart from real posts: their channel key ends in `@test` (see
testtarget.py) and their revision names the rehearsal (`rehearsal-<time>`), so a later real post
of the same alert is neither blocked nor deduplicated by one, and two rehearsals never mix.
Every post starts with the test mark of its language. An alert without an update note or a
withdrawal reason is rehearsed with stock ones (testtarget.REHEARSAL_NOTES).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from .. import testtarget
from ..config import Config
from ..content.models import SOCIAL_CHANNELS, Alert
from ..plan import Plan
from . import outbox as ob
from .rehearsal_posts import REVISION_PREFIX, STEPS, render



class RehearsalError(Exception):
    """The alert cannot be rehearsed as asked; the message says why and what to do."""


def revision(now: datetime) -> str:
    return f"{REVISION_PREFIX}{ob.utc(now):%Y%m%dT%H%M%SZ}"


def channels(alert: Alert, config: Config, only: tuple[str, ...] = ()) -> list[str]:
    """The social channels to rehearse `alert` on: `only`, else every one it lists."""
    listed = [name for name in SOCIAL_CHANNELS if name in alert.channels]
    for name in only:
        if name not in listed:
            raise RehearsalError(f"{alert.id} does not list the channel {name}; its social channels are "
                                 f"{', '.join(listed) or 'none'}. Add {name} to its channels, or rehearse another one")
    names = list(only) or listed
    if not names:
        raise RehearsalError(f"{alert.id} lists no social channel; add the channels to rehearse to its channels")
    missing = [name for name in names if not testtarget.has_test_target(config, name)]
    if missing:
        raise RehearsalError(f"no test target for {', '.join(missing)}: add a test chat, topic or list under "
                             f"extra.alertcast.channels.<name>.test in mkdocs.yml (docs/social.md, Rehearsals)")
    return names


def _enqueue(engine: Engine, alert: Alert, config: Config, key: str, action: str, label: str,
             now: datetime) -> int | None:
    post = render(alert, config, key, action)
    row = dict(alert_id=alert.id, revision=label, channel=key, action=action,
               idem_key=ob.idem_key(alert.id, label, key, action), lang=post.lang, text=post.text, link=post.link,
               facets=ob.post_fields(post)["facets"], status="queued", tries=0, due_at=ob.utc(now),
               created_at=ob.utc(now))
    try:
        with engine.begin() as conn:
            return conn.execute(insert(ob.outbox).values(**row)).inserted_primary_key[0]
    except IntegrityError:
        return None  # this rehearsal (same second) has it already


@dataclass
class Step:
    """One action of a rehearsal on one test target, as it ended."""

    key: str
    action: str
    row: dict
    lines: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.row["status"] in ("sent", "previewed")

    def answer(self) -> str:
        row = self.row
        said = row["remote_id"] or row["last_error"] or ""
        return f"{self.key} {self.action}: {row['status']}" + (f" ({row['outcome']})" if row["outcome"] else "") + (
            f": {said}" if said else "")


def run(engine: Engine, config: Config, content, alert_id: str, only: tuple[str, ...],  # type: ignore[no-untyped-def]
        dispatcher, clock: Callable[[], datetime], sleep: Callable[[float], None]) -> Iterator[Step]:
    """Rehearse `alert_id` now: for each action (post, update, withdraw), queue one row per test
    target and have `dispatcher` send exactly those rows; yields each row as it ended. A target
    whose row was not sent gets no further action. A row deferred by the channel's
    `min_interval` is waited for (`sleep`) once."""
    now = clock()
    alert = next((a for a in Plan.at(content, now).content.alerts if a.id == alert_id), None)
    if alert is None:
        raise RehearsalError(f"no alert with id {alert_id!r}; `alertcast posts preview` lists them")
    keys = [key for name in channels(alert, config, only) for key in testtarget.deliveries(config, name)]
    label = revision(now)
    for action in STEPS:
        ids = {key: _enqueue(engine, alert, config, key, action, label, now) for key in keys}
        if action == "post" and None in ids.values():
            raise RehearsalError(f"a rehearsal of {alert.id} started within this second already "
                                 f"({label}); run it again in a second")
        queued = [i for i in ids.values() if i is not None]
        report = dispatcher.drain(now, only=queued)
        if report.deferred:
            gap = max(float(dispatcher.settings(key).get("min_interval") or 0) for key in keys)
            sleep(gap)
            now = clock()
            report = dispatcher.drain(now, only=queued)
        done = []
        for key, row_id in ids.items():
            row = ob.get(engine, row_id) if row_id is not None else None
            if row is None:
                continue
            step = Step(key, action, row, [line for line in report.lines if line.startswith(f"#{row_id} ")])
            yield step
            if step.done:
                done.append(key)
        keys = done
        if not keys:
            return
