"""The dispatcher: sends due outbox rows once, and decides what an uncertain send means.

Every send is claimed first (status `sending`, the chosen operation recorded) in its own
transaction, so a crash leaves evidence. A row found still `sending` after its lease is an
unknown outcome: retried only where repeating it cannot show twice (each adapter's
`safe_repeat`: Matrix txnId, Bluesky record key, an edit that sets the same text again, a
second delete; Mastodon posts within its Idempotency-Key hour); looked up where the network
lets us read our own posts (X, Slack bot); otherwise held as `unknown` for a person
(`alertcast outbox resolve`). A rate-limit answer pauses the whole channel until its hint
passes. Any failure of one row, expected or not, settles that row and the drain goes on.
Time comes in as `now`; jitter comes from an injected random source.

What goes out is decided by the reviewed content, not by the store: before a row is claimed,
its post is rendered again from the content as it stands at `now`, and a row that differs is
`held` (see `outbox.reviewed_problem`). While the content cannot be loaded, nothing is sent.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import traceback
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

import requests
from sqlalchemy import and_, func, select, update
from sqlalchemy.engine import Engine

from .. import testtarget
from ..config import CHANNEL_KEYS, DISPATCH_DEFAULTS, Config, delivery
from ..checks.load import load_or_raise
from ..content.models import Content, Severity
from ..plan import Plan
from ..problems import ContentError
from . import broadcasts
from .. import quiet
from ..render import push
from . import outbox as ob
from . import remote_marks
from .adapters import Adapter, ConfigProblem, Message, SendError, build
from .redaction import Redactor

log = logging.getLogger("alertcast.broadcast")

DRY_RUN_NOTE = ("dry run (no credentials, dry_run: true, or the channel is disabled): not sent; "
                "`alertcast outbox retry ID` sends it")
DEFAULTS = DISPATCH_DEFAULTS
#: How a retry after an unknown outcome starts its `last_error`: an earlier attempt may have arrived.
UNCERTAIN = "outcome unknown"


@dataclass
class DrainReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    unknown: int = 0
    dry_run: int = 0
    deferred: int = 0  # due but held back by a channel's rate limit or quiet hours
    dropped: int = 0  # a push every language of which fell in quiet hours with policy drop
    held: int = 0  # not what the reviewed content renders: never sent
    lines: list[str] = field(default_factory=list)

    def add(self, kind: str, line: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        self.lines.append(line)


class Dispatcher:
    def __init__(self, engine: Engine, config: Config, *, env: Mapping[str, str] = os.environ,
                 session: requests.Session | None = None, rng: random.Random | None = None,
                 lease_seconds: float = 300.0, reviewed: Callable[[], Content] | None = None):
        """`reviewed` loads the reviewed content the rows are checked against (default: the
        content folder of `config`, read again at each drain that has rows due)."""
        self.engine = engine
        self.config = config
        self.reviewed = reviewed or (lambda: load_or_raise(self.config))
        self.env = env
        self.session = session or requests.Session()
        self.rng = rng or random.Random()
        self.lease = timedelta(seconds=lease_seconds)
        self._adapters: dict[str, Adapter | ConfigProblem] = {}
        self._paused: dict[str, datetime] = {}
        self._remote_keys: dict[str, dict[str, int]] = {}  # per channel: remote key -> the row that has it
        self._rows_checked = False  # see outbox.hold_malformed
        self.redact = Redactor()

    # -- channels ------------------------------------------------------------------------
    def settings(self, channel: str) -> dict[str, Any]:
        name = delivery(channel)[0]
        cs = self.config.settings.channels.get(name)
        keys = CHANNEL_KEYS.get(name)  # a channel may have defaults of its own (a robot's min_interval)
        defaults = {**DEFAULTS, **({key: keys.model_fields[key].default for key in DEFAULTS} if keys else {})}
        found = {**defaults, **(cs.model_extra or {})} if cs is not None else defaults
        return testtarget.merged(found) if testtarget.is_test_key(channel) else found

    def adapter(self, channel: str) -> Adapter:
        key = channel
        channel = delivery(channel)[0]  # email:en and email:zh share one adapter; a test target has its own
        if testtarget.is_test_key(key):
            channel = testtarget.rehearsal_key(channel)
        if channel not in self._adapters:
            try:
                adapter = build(delivery(channel)[0], self.settings(channel), self.env, self.session)
                self.redact.include(adapter.redact)
                self._adapters[channel] = adapter
                adapter.attach(self.engine, self.config)
            except ConfigProblem as exc:
                self._adapters[channel] = exc
        found = self._adapters[channel]
        if isinstance(found, ConfigProblem):
            raise found
        return found

    def is_dry(self, channel: str) -> bool:
        cs = self.config.settings.channels.get(delivery(channel)[0])
        if cs is not None and testtarget.is_test_key(channel):  # rehearsed whether or not the channel is enabled
            return bool(self.settings(channel).get("dry_run", cs.dry_run) or not self.adapter(channel).configured)
        # A channel removed or disabled after its rows were queued must not post them anyway.
        return bool(cs is None or not cs.enabled or cs.dry_run or not self.adapter(channel).configured)

    # -- drain ---------------------------------------------------------------------------
    def check_rows(self, now: datetime) -> list[str]:
        """Hold the rows alertcast never writes (outbox.hold_malformed), once, before this
        dispatcher's first drain reads a row (call it first to enqueue before that drain)."""
        if self._rows_checked:
            return []
        self._rows_checked = True
        return ob.hold_malformed(self.engine, ob.utc(now))

    def drain(self, now: datetime, max_rows: int | None = None, only: list[int] | None = None) -> DrainReport:
        """Send the due rows (`only`: just these rows, as a rehearsal does)."""
        now = ob.utc(now)
        report = DrainReport()
        self._remote_keys = {}
        for note in self.check_rows(now):
            report.add("held", note)
        self._recover_stale(now, report)
        query = select(ob.outbox).where(and_(ob.outbox.c.status == "queued", ob.outbox.c.due_at <= now))
        if only is not None:
            query = query.where(ob.outbox.c.id.in_(only))
        self._follow_up(now, report)
        with self.engine.connect() as conn:
            due = [dict(r._mapping) for r in conn.execute(query.order_by(ob.outbox.c.due_at, ob.outbox.c.id))]
        if due:  # read only by the loop below: no rows due, no query
            self._paused = ob.paused(self.engine, now)
            try:
                plan = Plan.at(self.reviewed(), now)
            except ContentError:
                report.lines.append(f"{len(due)} due row(s) wait: the reviewed content has errors "
                                    "(`alertcast check`); nothing is sent until it loads")
                due = []
        per_channel: dict[str, int] = {}
        handled = 0
        for row in due:
            if max_rows is not None and handled >= max_rows:
                break
            channel = row["channel"]
            problem = ob.reviewed_problem(row, plan, self.config)
            if problem is not None:
                if ob.hold(self.engine, row, problem):
                    report.add("held", f"#{row['id']} {channel}: {ob.held_note(row['id'], problem)}")
                continue
            try:
                dry = self.is_dry(channel)
            except ConfigProblem as exc:
                report.lines.append(f"#{row['id']} {channel}: {exc}")
                continue
            if dry:
                # Settled as `previewed`: a dry row left queued would be logged at every drain and
                # counted as backlog forever, then flood the channel with stale posts the day a
                # token is added. `alertcast outbox retry ID` sends one on purpose.
                if self._set(row, "queued", status="previewed", last_error=DRY_RUN_NOTE):
                    report.add("dry_run",
                               f"#{row['id']} {channel}: dry run, would {row['action']}: {row['text'][:60]!r}")
                continue
            settings = self.settings(channel)
            if (channel in self._paused or per_channel.get(channel, 0) >= int(settings["per_drain"])
                    or self._too_soon(channel, now, settings)):
                report.deferred += 1
                continue
            if delivery(channel)[0] == "fcm":
                row = self._quiet(row, plan, now, report)
                if row is None:
                    continue
            per_channel[channel] = per_channel.get(channel, 0) + 1
            handled += 1
            self._send(row, now, report)
        for line in report.lines:
            log.info(self.redact(line))
        return report

    def _quiet(self, row: dict, plan: Plan, now: datetime, report: DrainReport) -> dict | None:
        """The push row to send now under the channel's quiet hours (its dropped languages left
        out), or None: it waits in the queue until they end, or every language was dropped."""
        alert = plan.content.alert(row["alert_id"])
        langs = tuple(m.get("data", {}).get("lang") for m in push.messages(row["text"]))
        found = quiet.decide(push.settings(self.config).quiet_hours, self.config.tz, langs,
                             alert.severity is Severity.critical, row["action"], now)
        if found.hold_until is not None:
            self._set(row, "queued", due_at=ob.utc(found.hold_until), last_error=f"quiet hours ({found.why}): waits until "
                                                                          f"{found.hold_until.isoformat()}")
            report.add("deferred", f"#{row['id']} {row['channel']}: quiet hours ({found.why}), waits until "
                                   f"{found.hold_until.isoformat()}")
            return None
        if not found.dropped:
            return row
        if not found.send:
            if self._set(row, "queued", status="cancelled", last_error=f"dropped: quiet hours ({found.why})"):
                report.add("dropped", f"#{row['id']} {row['channel']}: dropped, quiet hours ({found.why})")
            return None
        report.lines.append(f"#{row['id']} {row['channel']}: {', '.join(found.dropped)} left out, quiet hours ({found.why})")
        return {**row, "text": push.only(row["text"], found.send)}

    def _too_soon(self, channel: str, now: datetime, settings: dict) -> bool:
        gap = float(settings["min_interval"])
        if gap <= 0:
            return False
        with self.engine.connect() as conn:
            last = conn.execute(select(func.max(ob.outbox.c.claimed_at)).where(and_(
                ob.outbox.c.channel == channel, ob.outbox.c.status.in_(("sent", "sending"))))).scalar()
        last = ob.as_utc(last)
        return last is not None and now - last < timedelta(seconds=gap)

    def _follow_up(self, now: datetime, report: DrainReport) -> None:
        """Settle sent rows whose outcome the network had not decided (see `broadcasts.PENDING`)."""
        with self.engine.connect() as conn:
            open_rows = [dict(r._mapping) for r in conn.execute(select(ob.outbox).where(and_(
                ob.outbox.c.status == "sent", ob.outbox.c.outcome == broadcasts.PENDING)))]
        for row in open_rows:
            if not self.proven(row):  # asking about another broadcast could publish this row's text instead
                said = (f"{row['channel']}: the stored id {str(row['remote_id'])[:80]!r} of this open post could not "
                        f"be proven ours (its mark is missing or does not match the channel's credentials); not "
                        f"followed up: check the account by hand, then `alertcast outbox resolve {row['id']} "
                        f"--posted` or `--not-posted`")
                if self._set(row, "sent", status="unknown", last_error=said):
                    report.add("unknown", f"#{row['id']} {said}")
                continue
            try:
                adapter = self.adapter(row["channel"])
                settled = adapter.follow_up(row, now)
            except (ConfigProblem, SendError):
                continue  # asked again at the next drain
            if settled is None:
                continue
            if settled[0] == broadcasts.INSTEAD:
                self._instead(row, adapter, now, settled[1] or "", report)
                continue
            self._set(row, "sent", outcome=settled[0], last_error=settled[1])
            report.lines.append(f"#{row['id']} {row['channel']}: {settled[0]}" + (f"; {settled[1]}" if settled[1] else ""))

    def _instead(self, row: dict, adapter: Adapter, now: datetime, note: str, report: DrainReport) -> None:
        """Send the network's fallback for an open row once: claimed first as `unknown` with what a
        person should check, so a crash or a lost answer leaves it held, never sent twice."""
        held = (f"{note}; publishing it instead may have been interrupted: check the account's published "
                f"articles, then `alertcast outbox resolve {row['id']}`")
        if not self._set(row, "sent", status="unknown", outcome=broadcasts.SETTLING, last_error=held):
            return  # another process has it
        try:
            remote = adapter.settle(row, now)
        except SendError as exc:
            error = self.redact(adapter.redact(str(exc)))
            if exc.kind in ("retry", "rate_limited"):  # nothing public was made: asked again at the next drain
                self._set(row, "unknown", status="sent", outcome=broadcasts.PENDING,
                          last_error=f"{note}; publishing it instead failed, tried again at the next drain: {error}")
                report.add("retrying", f"#{row['id']} {row['channel']}: will publish instead later: {error}")
            elif exc.kind == "permanent":
                self._set(row, "unknown", status="failed", outcome="broadcast failed",
                          last_error=f"{note}; publishing it instead failed too: {error}")
                report.add("failed", f"#{row['id']} {row['channel']}: failed: {error}")
            else:
                self._set(row, "unknown", last_error=f"{held} ({error})")
                report.add("unknown", f"#{row['id']} {row['channel']}: outcome unknown, held for a person: {error}")
            return
        except Exception as exc:
            self._set(row, "unknown", last_error=f"{held} ({self._unexpected(row, adapter, exc)})")
            report.add("unknown", f"#{row['id']} {row['channel']}: outcome unknown, held for a person")
            return
        note = f"{note}; published instead ({remote}), notifying no one"
        self._set(row, "unknown", status="sent", remote_id=remote, outcome=broadcasts.INSTEAD, last_error=note)
        report.add("sent", f"#{row['id']} {row['channel']}: {broadcasts.INSTEAD}; {note}")

    def _recover_stale(self, now: datetime, report: DrainReport) -> None:
        with self.engine.connect() as conn:
            stale = [dict(r._mapping) for r in conn.execute(select(ob.outbox).where(and_(
                ob.outbox.c.status == "sending", ob.outbox.c.claimed_at <= now - self.lease)))]
        for row in stale:
            try:
                adapter = self.adapter(row["channel"])
            except ConfigProblem as exc:
                self._set(row, "sending", status="unknown", last_error=str(exc))
                continue
            self._unknown(row, adapter, now, report, "interrupted: the process ended during the send", expect="sending")

    # -- one row -------------------------------------------------------------------------
    def _earlier(self, row: dict) -> list[dict]:
        with self.engine.connect() as conn:
            query = select(ob.outbox).where(and_(
                ob.outbox.c.alert_id == row["alert_id"], ob.outbox.c.channel == row["channel"],
                ob.outbox.c.id < row["id"], ob.outbox.c.status == "sent",
                ob.outbox.c.action.in_(("post", "update"))))
            if testtarget.is_test_key(row["channel"]):  # a rehearsal follows up its own posts alone
                query = query.where(ob.outbox.c.revision == row["revision"])
            found = conn.execute(query.order_by(ob.outbox.c.id))
            return [dict(r._mapping) for r in found]

    def _operation(self, row: dict, adapter: Adapter, now: datetime) -> tuple[str, list[str], list[dict]]:
        """What to do for this row: post, edit (target ids) or delete (target ids); and the earlier
        rows whose ids it would edit or delete but cannot prove ours (see remote_marks.py)."""
        if row["action"] == "post":
            return "post", [], []
        earlier = [r for r in self._earlier(row) if r["remote_id"] and r["outcome"] in ("posted", "found", "resolved")]
        def within(window: float | None, r: dict) -> bool:
            return window is not None and now - ob.as_utc(r["sent_at"]) <= timedelta(seconds=min(window, 10**9))
        if row["action"] == "update" and earlier and within(adapter.edit_window, earlier[0]):
            if not self.proven(earlier[0]):
                return "edit", [], [earlier[0]]
            return "edit", [earlier[0]["remote_id"]], []
        if row["action"] == "withdraw":
            sent = [r for r in self._earlier(row) if r["remote_id"]]
            if sent and all(within(adapter.delete_window, r) for r in sent):
                targets = list(dict.fromkeys(r["remote_id"] for r in sent if self.proven(r)))
                return "delete", targets, [r for r in sent if r["remote_id"] not in targets]
        return "post", [], []  # a correction post

    def proven(self, row: dict) -> bool:
        """Whether `row`'s remote id is one this channel's credentials marked for it."""
        return remote_marks.proven(self._mark_key(row["channel"]), row)

    def mark(self, row: dict, remote_id: str | None) -> str | None:
        """The mark to store with `remote_id` in `row` (None when the channel has no credentials)."""
        return remote_marks.mark(self._mark_key(row["channel"]), row, remote_id)

    def _mark_key(self, channel: str) -> bytes | None:
        try:
            return remote_marks.key(self.adapter(channel).secrets_read)
        except ConfigProblem:
            return None

    def _replies(self, row: dict, adapter: Adapter) -> tuple[tuple[str, ...], str | None]:
        """The earlier post ids a correction replies to, and a note naming those it leaves out.

        A reply links our correction under the post it names, so the id must be ours: marked
        (see remote_marks.py), or the very id alertcast gives such a post itself (an email's
        Message-ID, made from the row's alert, revision, channel and action, not read from the
        store). An unproven id is left out and the correction goes out anyway: a wrong warning
        must not stay uncorrected because a link to it cannot be proven."""
        replies, left_out = [], []
        for r in self._earlier(row):
            if not r["remote_id"]:
                continue
            own = Message(ob.idem_key(r["alert_id"], r["revision"], r["channel"], r["action"]), r["alert_id"],
                          r["action"], r["lang"], r["text"], r["link"])
            (replies if self.proven(r) or adapter.remote_key(own) == r["remote_id"] else left_out).append(r)
        if not left_out:
            return tuple(dict.fromkeys(r["remote_id"] for r in replies)), None
        ids = ", ".join(f"{str(r['remote_id'])[:80]!r} (row #{r['id']})" for r in left_out)  # as read: escaped
        return tuple(dict.fromkeys(r["remote_id"] for r in replies)), (
            f"posted without replying to post {ids}: it could not be proven ours (its id's mark is missing or does "
            f"not match the credentials of {row['channel']})")

    def _unproven(self, row: dict, operation: str, unproven: list[dict], done: list[str]) -> str:
        """The one-line warning for earlier rows whose post ids could not be proven ours."""
        verb, do = ("edited", "edit") if operation == "edit" else ("deleted", "delete")
        ids = ", ".join(f"{str(r['remote_id'])[:80]!r} (row #{r['id']})" for r in unproven)  # as read: escaped
        line = (f"not {verb}: post {ids} could not be proven ours (its id's mark is missing or does not match "
                f"the credentials of {row['channel']}: the row was changed in the state store, written before "
                f"post ids were marked, or the credentials changed since); nothing was sent to it. If it is ours, "
                f"{do} it by hand on "
                f"{delivery(row['channel'])[0]}")
        if done:
            line += f"; deleted: {', '.join(done)}"
        return line

    def _message(self, row: dict) -> Message:
        return Message(row["idem_key"], row["alert_id"], row["action"], row["lang"], row["text"], row["link"],
                       tuple(json.loads(row["facets"] or "[]")), ob.as_utc(row["created_at"]))

    def _set(self, row: dict, expect: str, **values: Any) -> bool:
        with self.engine.begin() as conn:
            if isinstance(values.get("remote_id"), str):  # an id alertcast stores is marked as its own
                values["remote_mac"] = self.mark(row, values["remote_id"])
            done = conn.execute(update(ob.outbox).where(and_(ob.outbox.c.id == row["id"], ob.outbox.c.status == expect))
                                .values(**values))
        return done.rowcount == 1

    def _send(self, row: dict, now: datetime, report: DrainReport) -> None:
        adapter = self.adapter(row["channel"])
        operation, targets, unproven = self._operation(row, adapter, now)
        if unproven and not targets:
            warning = self._unproven(row, operation, unproven, [])
            if self._set(row, "queued", status="failed", operation=operation, last_error=warning):
                log.warning("%s", self.redact(f"#{row['id']} {row['channel']}: {warning}"))
                report.add("failed", f"#{row['id']} {row['channel']}: failed: {warning}")
            return
        if operation == "post" and self._key_taken(row, adapter, report):
            return
        if operation == "post" and self._key_expired(row, adapter, now):
            # Checked when it is sent, not when the retry was decided: a backoff, a paused channel
            # or a stopped daemon can carry a retry past the hour, and then the key makes no double.
            self._set(row, "queued", status="unknown", operation=operation, last_error=(
                f"{row['channel']}: an earlier attempt may have posted, and the server keeps its Idempotency-Key "
                f"about {adapter.idempotent_window / 60:.0f} minutes, now over: not sent again (check the channel, "
                f"then `alertcast outbox resolve {row['id']}`); before: {row['last_error']}"))
            report.add("unknown", f"#{row['id']} {row['channel']}: outcome unknown, held for a person: the "
                                  "idempotency window has passed")
            return
        operation, note = adapter.choose(row, operation, now)
        # Record the intent before the request leaves; losing this race means another daemon has it.
        if not self._set(row, "queued", status="sending", tries=row["tries"] + 1, claimed_at=now,
                         first_try_at=row["first_try_at"] or now, operation=operation):
            return
        row = {**row, "tries": row["tries"] + 1, "first_try_at": row["first_try_at"] or now, "operation": operation}
        msg = replace(self._message(row), operation=operation)
        if operation == "post" and row["action"] != "post":  # a new post that follows up the earlier ones
            replies, unlinked = self._replies(row, adapter)
            msg = replace(msg, earlier=replies)
            if unlinked:
                note = "; ".join(filter(None, (note, unlinked)))
                log.warning("%s", self.redact(f"#{row['id']} {row['channel']}: {unlinked}"))
        try:
            if operation == "edit":
                remote = adapter.edit(targets[0], msg)
                outcome = "edited"
            elif operation == "delete":
                for target in targets:
                    try:
                        adapter.delete(target, msg)
                    except SendError as exc:
                        if exc.status != 404:  # already gone: what a delete wants
                            raise
                remote, outcome = ",".join(targets), "deleted"
            else:
                remote = adapter.post(msg)
                outcome = "posted" if row["action"] == "post" else "correction"
                said, remarked = adapter.remark(remote)
                outcome, note = said or outcome, remarked or note
        except SendError as exc:
            self._failed_send(row, adapter, now, report, exc)
            return
        except Exception as exc:  # an answer we could not read, or a bug: the request may have gone out
            self._unknown(row, adapter, now, report, self._unexpected(row, adapter, exc))
            return
        if unproven:  # the proven posts are deleted; the others wait for a person
            warning = self._unproven(row, operation, unproven, targets)
            self._set(row, "sending", status="failed", sent_at=now, remote_id=remote, outcome=outcome, last_error=warning)
            log.warning("%s", self.redact(f"#{row['id']} {row['channel']}: {warning}"))
            report.add("failed", f"#{row['id']} {row['channel']}: failed: {warning}")
            return
        self._set(row, "sending", status="sent", sent_at=now, remote_id=remote, outcome=outcome, last_error=note)
        report.add("sent", f"#{row['id']} {row['channel']}: {row['action']} {outcome} ({remote})"
                   + (f"; {note}" if note else ""))

    @staticmethod
    def _key_expired(row: dict, adapter: Adapter, now: datetime) -> bool:
        """An earlier attempt of this post may have arrived, and the network's memory of its
        idempotency key (counted from the first attempt) is over."""
        window, first = adapter.idempotent_window, ob.as_utc(row["first_try_at"])
        return (window is not None and "post" not in adapter.safe_repeat and first is not None
                and str(row["last_error"] or "").startswith(UNCERTAIN) and now - first >= timedelta(seconds=window))

    def _key_taken(self, row: dict, adapter: Adapter, report: DrainReport) -> bool:
        """Refuse a post whose remote key another row of the channel already used: on the network
        the two would be one post (Bluesky's putRecord overwrites the first). Settled `failed`,
        before anything is sent."""
        key = adapter.remote_key(self._message(row))
        if key is None:
            return False
        keys = self._remote_keys.get(row["channel"])
        if keys is None:
            keys = self._remote_keys[row["channel"]] = {}
            with self.engine.connect() as conn:
                used = conn.execute(select(ob.outbox).where(and_(  # every row ever claimed for a post
                    ob.outbox.c.channel == row["channel"], ob.outbox.c.operation == "post")).order_by(ob.outbox.c.id))
                for other in used:
                    keys.setdefault(str(adapter.remote_key(self._message(dict(other._mapping)))), other.id)
        owner = keys.setdefault(key, row["id"])
        if owner == row["id"]:
            return False
        error = (f"not sent: its remote key {key} is already row #{owner}'s, and the network would take both for "
                 f"one post; this is a bug in alertcast, please report it")
        if self._set(row, "queued", status="failed", last_error=error):
            report.add("failed", f"#{row['id']} {row['channel']}: failed: {error}")
        return True

    def _backoff(self, row: dict, hint: float | None) -> timedelta:
        settings = self.settings(row["channel"])
        if hint is not None and math.isfinite(hint):  # a network's hint, held to the longest pause kept
            return timedelta(seconds=min(max(hint, 0.0), ob.MAX_PAUSE.total_seconds()))
        base = min(float(settings["backoff_cap"]), float(settings["backoff_base"]) * 2 ** max(row["tries"] - 1, 0))
        return timedelta(seconds=base * (0.5 + self.rng.random() / 2))

    def _requeue(self, row: dict, now: datetime, report: DrainReport, error: str, hint: float | None,
                 expect: str = "sending") -> None:
        if row["tries"] >= int(self.settings(row["channel"])["max_tries"]):
            self._set(row, expect, status="failed", last_error=f"gave up after {row['tries']} tries: {error}")
            report.add("failed", f"#{row['id']} {row['channel']}: failed: {error}")
            return
        if str(row.get("last_error") or "").startswith(UNCERTAIN) and not error.startswith(UNCERTAIN):
            error = f"{UNCERTAIN} earlier, then: {error}"  # a later 429 must not hide that it may have arrived
        self._set(row, expect, status="queued", due_at=now + self._backoff(row, hint), last_error=error)
        report.add("retrying", f"#{row['id']} {row['channel']}: will retry: {error}")

    def _unexpected(self, row: dict, adapter: Adapter, exc: Exception) -> str:
        """A one-line, redacted reason for an exception no adapter turned into a SendError; the
        traceback (redacted too) goes to the log for whoever fixes it."""
        def clean(text: str) -> str:
            return self.redact(adapter.redact(text))

        log.warning("%s", clean(f"#{row['id']} {row['channel']}: unexpected error\n" + traceback.format_exc()))
        return clean(f"{row['channel']}: unexpected {type(exc).__name__}: {exc}")

    def _failed_send(self, row: dict, adapter: Adapter, now: datetime, report: DrainReport, exc: SendError) -> None:
        error = self.redact(adapter.redact(str(exc)))
        if exc.kind == "rate_limited":
            # The limit is the channel's: hold all of its rows until the hint passes, not just this one.
            delay = self._backoff(row, exc.retry_after)
            self._paused[row["channel"]] = until = now + delay
            ob.pause(self.engine, row["channel"], until, error)
            self._requeue(row, now, report, error, delay.total_seconds())
        elif exc.kind == "retry":
            self._requeue(row, now, report, error, exc.retry_after)
        elif exc.kind == "duplicate":
            self._unknown(row, adapter, now, report, error, probably_posted=True)
        elif exc.kind == "permanent":
            self._set(row, "sending", status="failed", last_error=error)
            report.add("failed", f"#{row['id']} {row['channel']}: failed: {error}")
        else:
            self._unknown(row, adapter, now, report, error)

    def _unknown(self, row: dict, adapter: Adapter, now: datetime, report: DrainReport, error: str,
                 expect: str = "sending", probably_posted: bool = False) -> None:
        """The request may have arrived. Repeat it only where that cannot show twice; else look, else hold.

        `probably_posted`: the network said it already has this text (X's duplicate 403), so a
        lookup that finds nothing holds the row for a person instead of posting again.
        """
        operation = row["operation"] or "post"
        first = ob.as_utc(row["first_try_at"]) or now
        window = adapter.idempotent_window
        within = operation == "post" and window is not None and now - first < timedelta(seconds=window)
        if not probably_posted and (operation in adapter.safe_repeat or within):
            self._requeue(row, now, report, f"outcome unknown, safe to retry: {error}", None, expect)
            return
        if adapter.can_lookup and operation != "delete":  # post, edit, or what `choose` made of a post
            try:
                found = adapter.find(self._message(row))
            except SendError as exc:
                found, error = None, f"{error}; lookup failed: {self.redact(adapter.redact(str(exc)))}"
            except Exception as exc:
                found, error = None, f"{error}; lookup failed: {self._unexpected(row, adapter, exc)}"
            else:
                if found:
                    self._set(row, expect, status="sent", sent_at=now, remote_id=found, outcome="found", last_error=None)
                    report.add("sent", f"#{row['id']} {row['channel']}: found the earlier post ({found})")
                    return
                if not probably_posted:
                    self._requeue(row, now, report, f"outcome unknown, not found by lookup: {error}", None, expect)
                    return
                error = f"{error}; not among the account's recent posts"
        self._set(row, expect, status="unknown", last_error=f"{error} (check the channel, then `alertcast outbox resolve {row['id']}`)")
        report.add("unknown", f"#{row['id']} {row['channel']}: outcome unknown, held for a person: {error}")
