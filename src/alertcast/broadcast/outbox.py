"""The outbox: one row per (alert, revision, channel, action), written before anything is sent.

Statuses: `queued` (due at `due_at`), `sending` (claimed; the intent is recorded before the
request leaves), `sent`, `failed` (gave up; `last_error` says why), `unknown` (the request may
have arrived and the network cannot tell us: a person decides with `alertcast outbox resolve`),
`cancelled` (the alert was withdrawn before this row was sent), `previewed` (the channel ran dry:
shown, never sent), `held` (what the row would send is not what the reviewed content renders:
see `reviewed_problem`). The unique key makes enqueueing
idempotent across restarts and two daemons sharing one database (invariant 4).

The store is not trusted to say what to post: in the publish workflow it is restored from the
`alertcast-state` branch, which a push can change without review. So a row is sent only if the
reviewed content, rendered again at send time, gives exactly its text, link and facets.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import (Column, DateTime, Integer, String, Table, Text, UniqueConstraint, and_, func, insert,
                        select, text, update)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..config import Config, delivery, push_target
from ..content.models import TEAM_CHANNELS
from ..plan import Plan, State
from ..render import posts, push
from ..state import metadata
from .. import testtarget
from ..testtarget import is_test_key
from . import rehearsal_posts

STATUSES = ("queued", "sending", "sent", "failed", "unknown", "cancelled", "previewed", "held")

outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", String(200), nullable=False),
    Column("revision", String(40), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("action", String(20), nullable=False),  # post | update | withdraw
    Column("idem_key", String(80), nullable=False, unique=True),
    Column("lang", String(8), nullable=False),
    Column("text", Text, nullable=False),
    Column("link", Text, nullable=False),
    Column("facets", Text, nullable=False, default="[]"),
    Column("status", String(20), nullable=False, default="queued"),
    Column("tries", Integer, nullable=False, default=0),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("first_try_at", DateTime(timezone=True)),
    Column("claimed_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("remote_id", Text),
    Column("remote_mac", Text),  # binds remote_id to this row: see remote_marks.py
    Column("operation", String(20)),  # recorded at claim time, before the request: post | edit | delete
    Column("outcome", String(40)),  # how it was sent: posted, edited, deleted, correction, found, resolved
    Column("last_error", Text),
    UniqueConstraint("alert_id", "revision", "channel", "action", name="uq_outbox_intent"),
)


#: Columns added after stores were first written: a store without them is read as holding NULL
#: there (`state.add_columns` adds them when it is opened; `alertcast outbox merge` too).
ADDED_COLUMNS = ("remote_mac",)


#: A channel that answered "rate limited" waits as a whole: its other rows must not go out before
#: the hint passes (the limit is the account's or the chat's, not one post's).
pauses = Table(
    "outbox_pause", metadata,
    Column("channel", String(40), primary_key=True),
    Column("until", DateTime(timezone=True), nullable=False),
    Column("reason", Text),
)


#: What was already live on a channel when it was first enabled on this state store (a fresh
#: store, a channel added): those alerts were posted before, or never meant to be, so they are not
#: posted now. One row per channel with alert_id "" marks the baseline as recorded.
baseline = Table(
    "outbox_baseline", metadata,
    Column("channel", String(40), primary_key=True),
    Column("alert_id", String(200), primary_key=True),
    Column("revision", String(40), primary_key=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)


def record_baseline(engine: Engine, plan: Plan, config: Config) -> list[str]:
    """For each enabled channel without a baseline on this store, record the alerts live on it in
    `plan`; returns the channels recorded now. Run by the daemon before its first enqueue, so
    that an empty state store (a new file, a moved database) re-sends nothing."""
    with engine.connect() as conn:
        known = {c for (c,) in conn.execute(select(baseline.c.channel).where(baseline.c.alert_id == ""))}
    added = []
    for channel in config.deliveries:
        if channel in known:
            continue
        rows = [dict(channel=channel, alert_id="", revision="", recorded_at=utc(plan.now))]
        rows += [dict(channel=channel, alert_id=a.id, revision=a.revision, recorded_at=utc(plan.now))
                 for a in plan.live if delivery(channel)[0] in a.channels]
        try:
            with engine.begin() as conn:
                conn.execute(insert(baseline), rows)
            added.append(channel)
        except IntegrityError:
            continue  # another daemon recorded it at the same moment
    return added


def _baselined(engine: Engine) -> dict[str, set[tuple[str, str]]]:
    with engine.connect() as conn:
        found: dict[str, set[tuple[str, str]]] = {}
        for channel, alert_id, revision in conn.execute(select(baseline.c.channel, baseline.c.alert_id,
                                                               baseline.c.revision)):
            found.setdefault(channel, set()).add((alert_id, revision))
        return found


def repost(engine: Engine, alert, config: Config, channel: str, now: datetime) -> bool:  # type: ignore[no-untyped-def]
    """Queue a live alert on `channel` although it was live before the channel's baseline (a person
    asked, see `alertcast outbox repost`); False when this revision is already in the outbox."""
    with engine.begin() as conn:
        conn.execute(baseline.delete().where(baseline.c.channel == channel, baseline.c.alert_id == alert.id))
    if any(r["revision"] == alert.revision and r["action"] in ("post", "update")
           for r in _rows_for(engine, alert.id, channel)):
        return False
    return _add(engine, alert, config, channel, "post", now) == 1


def idem_key(alert_id: str, revision: str, channel: str, action: str) -> str:
    """Stable across processes and machines; sent to networks that honour idempotency keys."""
    digest = hashlib.sha256(f"{alert_id}|{revision}|{channel}|{action}".encode()).hexdigest()
    return f"alertcast-{digest[:40]}"


def utc(when: datetime) -> datetime:
    return when.astimezone(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _rows_for(engine: Engine, alert_id: str, channel: str) -> list[dict]:
    """The alert's rows on `channel`; a push row of every language (key `fcm`, from before pushes
    had a row per language) counts for each language, and one of a language (`fcm:en`, from before
    `platforms` was set) for each of its platforms, so no revision it pushed is pushed again."""
    keys: tuple[str, ...] = (channel,)
    name, lang = delivery(channel)
    if name == "fcm":
        keys = tuple(dict.fromkeys((channel, "fcm", f"fcm:{push_target(lang)[0]}" if lang else "fcm")))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(outbox).where(and_(outbox.c.alert_id == alert_id, outbox.c.channel.in_(keys))).order_by(outbox.c.id))]


def post_fields(post: posts.Post) -> dict:
    """What a row stores of a rendered post, as it stores it."""
    return dict(lang=post.lang, text=post.text, link=post.link,
                facets=json.dumps([f.as_record() for f in post.facets], sort_keys=True))


def render(alert, config: Config, channel: str, action: str) -> posts.Post:  # type: ignore[no-untyped-def]
    """The post of an outbox channel key (`email:en`: the email channel's English message)."""
    if is_test_key(channel):  # a test target's row: see rehearsal_posts.py
        return rehearsal_posts.render(alert, config, channel, action)
    name, lang = delivery(channel)
    return posts.render(alert, config, name, action, lang)


def _add(engine: Engine, alert, config: Config, channel: str, action: str, now: datetime) -> int:
    post = render(alert, config, channel, action)
    row = dict(alert_id=alert.id, revision=alert.revision, channel=channel, action=action,
               idem_key=idem_key(alert.id, alert.revision, channel, action), **post_fields(post),
               status="queued", tries=0, due_at=utc(now), created_at=utc(now))
    try:
        with engine.begin() as conn:
            conn.execute(insert(outbox).values(**row))
        return 1
    except IntegrityError:
        return 0  # already enqueued (by us earlier or by another daemon)


def enqueue(engine: Engine, plan: Plan, config: Config) -> int:
    """Enqueue what `plan` calls for on each enabled social channel; returns rows added. Idempotent.

    Live alerts get a `post` (first time) or an `update` (new revision). Withdrawn alerts get a
    `withdraw` on channels where something was posted or may have been, and their unsent rows
    are cancelled; so are the unsent rows of expired alerts. Scheduled alerts are never enqueued
    on a public channel (invariant 1); the support team's robots get a heads-up (`enqueue_heads_up`).
    """
    added = 0
    before = _baselined(engine)
    for channel in config.deliveries:
        for alert in plan.published:  # as the plan presents them at its `now`; scheduled ones are not there
            state = plan.states[alert.id]
            if delivery(channel)[0] not in alert.channels:
                continue
            if state is State.live and (alert.id, alert.revision) in before.get(channel, ()):
                continue  # live, as it is, since before the channel was enabled on this store
            rows = _rows_for(engine, alert.id, channel)
            if state is State.live:
                if any(r["revision"] == alert.revision and r["action"] in ("post", "update") for r in rows):
                    continue
                stale = [r["id"] for r in rows if r["action"] in ("post", "update") and r["status"] == "queued"]
                if stale:  # an older revision never went out: send only the newest text
                    with engine.begin() as conn:
                        conn.execute(update(outbox).where(and_(outbox.c.id.in_(stale), outbox.c.status == "queued"))
                                     .values(status="cancelled", last_error="superseded by a newer revision"))
                earlier = [r for r in rows if r["action"] in ("post", "update")
                           and r["status"] in ("sent", "sending", "unknown")]
                action = "update" if earlier else "post"
                if delivery(channel)[0] == "fcm" and not push.wanted(alert, config, action):
                    continue  # below the push threshold, or an update while push_updates is off
                added += _add(engine, alert, config, channel, action, plan.now)
            elif state is State.expired:
                # A warning that could not go out while it was live (network down, long backoff)
                # would now tell followers about something already over: drop it, visibly.
                with engine.begin() as conn:
                    conn.execute(update(outbox).where(and_(
                        outbox.c.alert_id == alert.id, outbox.c.channel == channel,
                        outbox.c.action.in_(("post", "update")), outbox.c.status == "queued",
                    )).values(status="cancelled", last_error="alert expired before it was sent"))
            elif state is State.withdrawn:
                with engine.begin() as conn:
                    conn.execute(update(outbox).where(and_(
                        outbox.c.alert_id == alert.id, outbox.c.channel == channel,
                        outbox.c.action != "withdraw", outbox.c.status == "queued",
                    )).values(status="cancelled", last_error="alert withdrawn before it was sent"))
                rows = _rows_for(engine, alert.id, channel)
                if any(r["action"] == "withdraw" for r in rows):
                    continue
                if any(r["status"] in ("sent", "sending", "unknown") for r in rows if r["action"] != "withdraw"):
                    added += _add(engine, alert, config, channel, "withdraw", plan.now)
    return added + enqueue_heads_up(engine, plan, config)


def heads_up_lead(config: Config, channel: str) -> timedelta:
    """How long before publish_at a team robot channel is told (0: never)."""
    from ..config import CHANNEL_KEYS

    settings = config.settings.channels.get(channel)
    minutes = (settings.model_extra or {}).get("heads_up_minutes") if settings is not None else None
    if minutes is None:
        minutes = CHANNEL_KEYS[channel].model_fields["heads_up_minutes"].default
    return timedelta(minutes=int(minutes))


def enqueue_heads_up(engine: Engine, plan: Plan, config: Config) -> int:
    """Queue a `headsup` on each team robot channel for the scheduled alerts that list it and go
    live within its lead; cancel those still unsent of alerts no longer scheduled (live already,
    or removed). Idempotent and cheap: the daemon calls it at every drain, since the moment a
    heads-up is due is no boundary of the plan."""
    added = 0
    scheduled = {a.id for a in plan.scheduled}
    for channel in config.deliveries:
        if delivery(channel)[0] not in TEAM_CHANNELS:
            continue
        lead = heads_up_lead(config, delivery(channel)[0])
        for alert in plan.scheduled:
            if lead and delivery(channel)[0] in alert.channels and alert.publish_at - lead <= plan.now:
                added += _add(engine, alert, config, channel, "headsup", plan.now)
        with engine.begin() as conn:
            conn.execute(update(outbox).where(and_(
                outbox.c.channel == channel, outbox.c.action == "headsup", outbox.c.status == "queued",
                outbox.c.alert_id.notin_(scheduled),
            )).values(status="cancelled", last_error="the alert was no longer scheduled when its heads-up was due"))
    return added


_ACTION_STATE = {"post": State.live, "update": State.live, "withdraw": State.withdrawn, "headsup": State.scheduled}


def _reviewed_post(row: dict, plan: Plan, config: Config) -> tuple[posts.Post | None, str]:
    """The post the reviewed content calls for in this row's place at `plan.now`, or why none."""
    if is_test_key(row["channel"]):  # a rehearsal: see rehearsal.py
        return _reviewed_rehearsal(row, plan, config)
    alert = next((a for a in plan.content.alerts if a.id == row["alert_id"]), None)
    if alert is None:
        return None, f"alert {row['alert_id']!r} is not in the reviewed content"
    if not alert.is_public:
        return None, f"the alert has status {alert.status}: it goes only to test targets (`alertcast rehearse`)"
    if delivery(row["channel"])[0] not in alert.channels or row["action"] not in _ACTION_STATE:
        return None, f"the reviewed content sends no {row['action']!r} of this alert to {row['channel']}"
    if row["channel"] not in config.deliveries_of(delivery(row["channel"])[0]):  # e.g. a forged `telegram:en`
        return None, f"{row['channel']} is not a channel the settings send to"
    state = plan.states[alert.id]
    if state is not _ACTION_STATE[row["action"]]:
        return None, f"a {row['action']} needs the alert {_ACTION_STATE[row['action']].value}, it is {state.value}"
    if row["revision"] != alert.revision:
        return None, f"revision {row['revision']} is not the alert's current revision {alert.revision}"
    if row["idem_key"] != idem_key(alert.id, alert.revision, row["channel"], row["action"]):
        return None, "its idempotency key is not the one alertcast derives for it"
    if delivery(row["channel"])[0] == "fcm" and not push.wanted(alert, config, row["action"]):
        return None, f"the fcm settings push no {row['action']} of a {alert.severity.value} alert"
    return render(alert, config, row["channel"], row["action"]), ""


def _reviewed_rehearsal(row: dict, plan: Plan, config: Config) -> tuple[posts.Post | None, str]:
    """The post the reviewed content gives for a rehearsal row, or why none."""
    alert = next((a for a in plan.content.alerts if a.id == row["alert_id"]), None)
    if alert is None:
        return None, f"alert {row['alert_id']!r} is not in the reviewed content"
    name = delivery(row["channel"])[0]
    if name not in alert.channels or row["action"] not in rehearsal_posts.STEPS:
        return None, f"the reviewed content sends no {row['action']!r} of this alert to {name}"
    if not testtarget.has_test_target(config, name) or row["channel"] not in testtarget.deliveries(config, name):
        return None, f"{row['channel']} is not a test target the settings give"
    if not row["revision"].startswith(rehearsal_posts.REVISION_PREFIX):
        return None, f"revision {row['revision']} is not a rehearsal's"
    if row["idem_key"] != idem_key(alert.id, row["revision"], row["channel"], row["action"]):
        return None, "its idempotency key is not the one alertcast derives for it"
    return rehearsal_posts.render(alert, config, row["channel"], row["action"]), ""


def reviewed_problem(row: dict, plan: Plan, config: Config) -> str | None:
    """Why this row must not be sent, or None when the reviewed content, rendered again, gives
    exactly what it holds (an alert public at `plan.now`, on a channel it lists, this revision)."""
    post, why = _reviewed_post(row, plan, config)
    if post is None:
        return why
    fields = post_fields(post)
    differ = [name for name in ("text", "link", "facets", "lang") if row[name] != fields[name]]
    if differ:
        verb = "differs" if len(differ) == 1 else "differ"
        return f"its {' and '.join(differ)} {verb} from what the reviewed content renders"
    return None


def held_note(row_id: int, problem: str) -> str:
    return (f"held: {problem}; nothing from the state store is sent unless the reviewed content renders it. "
            f"If templates or settings changed since it was queued, `alertcast outbox retry {row_id}` queues it "
            "again with the text rendered now")


def hold(engine: Engine, row: dict, problem: str) -> bool:
    with engine.begin() as conn:
        done = conn.execute(update(outbox).where(and_(outbox.c.id == row["id"], outbox.c.status == row["status"]))
                            .values(status="held", last_error=held_note(row["id"], problem)))
    return done.rowcount == 1


def rerender(engine: Engine, row_id: int, plan: Plan, config: Config) -> str | None:
    """Queue a held row again with the text the reviewed content renders now; or say why not."""
    row = get(engine, row_id)
    if row is None or row["status"] != "held":
        return f"row {row_id} is not held; see `alertcast outbox --status held`"
    post, why = _reviewed_post(row, plan, config)
    if post is None:
        return f"row {row_id} stays held: {why}"
    with engine.begin() as conn:
        conn.execute(update(outbox).where(and_(outbox.c.id == row_id, outbox.c.status == "held"))
                     .values(status="queued", tries=0, due_at=utc(plan.now), last_error=None, **post_fields(post)))
    return None


#: The longest a channel waits for one rate-limit hint: past the longest any network asks for (a
#: daily quota). A longer pause in the store was not written by alertcast (see `paused`).
MAX_PAUSE = timedelta(days=1)


def pause(engine: Engine, channel: str, until: datetime, reason: str) -> None:
    """Hold every row of `channel` until `until`; a later pause extends it, an earlier one does not shorten it."""
    until = utc(until)
    for _ in range(2):
        try:
            with engine.begin() as conn:
                found = conn.execute(select(pauses.c.until).where(pauses.c.channel == channel)).first()
                if found is None:
                    conn.execute(insert(pauses).values(channel=channel, until=until, reason=reason))
                elif as_utc(found[0]) < until:
                    conn.execute(update(pauses).where(pauses.c.channel == channel).values(until=until, reason=reason))
            return
        except IntegrityError:
            continue  # another daemon paused it at the same moment: compare with theirs


def paused(engine: Engine, now: datetime) -> dict[str, datetime]:
    """Channels still waiting for a rate-limit hint at `now`, with the time it passes. A pause
    ending later than MAX_PAUSE from now is not one alertcast wrote: a state branch that paused a
    channel until 2099 stopped its posts without a failed row to say so. It is not honoured."""
    with engine.connect() as conn:
        found = conn.execute(select(pauses.c.channel, pauses.c.until).where(
            and_(pauses.c.until > utc(now), pauses.c.until <= utc(now + MAX_PAUSE))))
        return {channel: as_utc(until) for channel, until in found}  # type: ignore[misc]


#: The outbox's columns by what a row alertcast wrote holds in them.
_TEXTS = ("alert_id", "revision", "channel", "action", "idem_key", "lang", "text", "link", "facets", "status")
_TIMES = ("due_at", "created_at")
_MAYBE_TIMES = ("first_try_at", "claimed_at", "sent_at")
_MAYBE_TEXTS = ("remote_id", "remote_mac", "operation", "outcome", "last_error")


def _stored_time(name: str) -> str:
    """SQL: whether SQLite's column `name` holds a time as SQLAlchemy writes it, a valid one."""
    digits = "[0-9][0-9]"
    return (f"(typeof({name}) = 'text' AND {name} GLOB '{digits}{digits}-{digits}-{digits} {digits}:{digits}:{digits}*'"
            f" AND datetime(julianday(substr({name}, 1, 19))) = substr({name}, 1, 19))")


#: SQL: the rows that may not be ones alertcast writes (SQLite; `malformed` decides).
_MAYBE_MALFORMED = " OR ".join([
    *(f"typeof({name}) != 'text'" for name in ("alert_id", "revision", "channel", "action", "idem_key", "lang",
                                                 "text", "link", "facets", "status")),
    f"status NOT IN ({', '.join(repr(status) for status in STATUSES)})",
    "typeof(tries) != 'integer' OR tries < 0",
    *(f"NOT {_stored_time(name)}" for name in ("due_at", "created_at")),
    *(f"({name} IS NOT NULL AND NOT {_stored_time(name)})" for name in ("first_try_at", "claimed_at", "sent_at")),
    *(f"({name} IS NOT NULL AND typeof({name}) != 'text')" for name in _MAYBE_TEXTS),
    "CASE WHEN json_valid(facets) THEN json_type(facets) != 'array' ELSE 1 END",
])


def time_reader(dialect):  # type: ignore[no-untyped-def]
    """How the database `dialect` reads a stored value as one of the outbox's times."""
    return outbox.c.due_at.type.dialect_impl(dialect).result_processor(dialect, None) or (lambda value: value)


def malformed(row: dict, parse_time) -> str | None:  # type: ignore[no-untyped-def]
    """Why `row` (its values as the database holds them) is not one alertcast writes, or None.
    `parse_time`: how the database's values become times (see `time_reader`)."""
    for name in _TEXTS:
        if not isinstance(row.get(name), str):
            return f"{name} is not text"
    if row["status"] not in STATUSES:
        return "status is not one alertcast writes"
    if type(row.get("tries")) is not int or row["tries"] < 0:
        return "tries is not a count"
    for name in (*_TIMES, *_MAYBE_TIMES):
        if row.get(name) is None and name in _MAYBE_TIMES:
            continue
        try:
            if not isinstance(parse_time(row.get(name)), datetime):
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            return f"{name} is not a date and time"
    for name in _MAYBE_TEXTS:
        if row.get(name) is not None and not isinstance(row[name], str):
            return f"{name} is not text"
    try:
        if not isinstance(json.loads(row["facets"]), list):
            raise ValueError
    except ValueError:
        return "facets is not a JSON list"
    return None


def hold_malformed(engine: Engine, now: datetime) -> list[str]:
    """Hold every row that is not one alertcast writes (the store may be restored from the state
    branch, which a push can change without review): nothing is posted from it, and the rest of
    alertcast reads it without an error. Done once when a store is opened to post from (`outbox
    drain`, a dispatcher's first drain, the daemon's start): alertcast writes no such row itself. Its values that are not what their column holds are
    replaced (times by `now`); `last_error` says why, and `alertcast outbox retry ID` queues it
    again with the text the reviewed content renders. Returns one warning per row (also logged).

    Only SQLite stores are restored from the branch, and SQLite holds any value in any column; a
    PostgreSQL store holds only values of its columns' types and is written by alertcast alone.
    SQLite finds the rows that may be malformed (bench/outbox_check.py: about a third of the time
    of a check of every row in Python); each is then checked as `malformed` says."""
    if engine.dialect.name != "sqlite":
        return []
    parse = time_reader(engine.dialect)
    with engine.connect() as conn:  # a textual query: the values as stored, not read through their types
        found = [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM outbox WHERE {_MAYBE_MALFORMED} ORDER BY id"))]
    warnings = []
    for row in found:
        if type(row.get("id")) is not int:
            continue  # SQLite's rowid: always an integer
        why = malformed(row, parse)
        if why is None:
            continue
        note = (f"held: outbox row {row['id']} is not one alertcast writes: {why}; nothing is posted from it. "
                f"`alertcast outbox retry {row['id']}` queues it again with the text the reviewed content renders")
        values: dict[str, object] = {"status": "held", "last_error": note}
        for name in _TEXTS:
            if not isinstance(row.get(name), str):
                values[name] = f"malformed-{row['id']}" if name in ("idem_key", "revision") else ""
        try:
            listed = isinstance(json.loads(values.get("facets", row["facets"])), list)  # type: ignore[arg-type]
        except ValueError:
            listed = False
        if not listed:
            values["facets"] = "[]"
        if type(row.get("tries")) is not int or row["tries"] < 0:
            values["tries"] = 0
        for name in (*_TIMES, *_MAYBE_TIMES):
            try:
                ok = row.get(name) is None and name in _MAYBE_TIMES or isinstance(parse(row.get(name)), datetime)
            except (TypeError, ValueError, OverflowError):
                ok = False
            if not ok:
                values[name] = None if name in _MAYBE_TIMES else utc(now)
        for name in _MAYBE_TEXTS:
            if row.get(name) is not None and not isinstance(row[name], str):
                values[name] = None
        with engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == row["id"]).values(**values))
        warnings.append(note)
        logging.getLogger("alertcast.broadcast").warning("%s", note)
    return warnings


def rows(engine: Engine, statuses: tuple[str, ...] | None = None) -> list[dict]:
    query = select(outbox).order_by(outbox.c.id)
    if statuses:
        query = query.where(outbox.c.status.in_(statuses))
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def get(engine: Engine, row_id: int) -> dict | None:
    with engine.connect() as conn:
        found = conn.execute(select(outbox).where(outbox.c.id == row_id)).first()
    return dict(found._mapping) if found else None


def retry(engine: Engine, row_id: int, now: datetime) -> bool:
    """Put a failed (or dry-run previewed) row back in the queue with fresh tries."""
    with engine.begin() as conn:
        done = conn.execute(update(outbox).where(and_(outbox.c.id == row_id,
                                                      outbox.c.status.in_(("failed", "previewed"))))
                            .values(status="queued", tries=0, due_at=utc(now), last_error=None))
    return done.rowcount == 1


def resolve(engine: Engine, row_id: int, now: datetime, *, posted: bool, remote_id: str | None = None,
            remote_mac: str | None = None) -> bool:
    """A person settles an `unknown` row: it was posted (mark sent) or it was not (send again).
    `remote_mac`: the mark of the `remote_id` the person gave (see remote_marks.py)."""
    # Without a remote id given, the row keeps the one it has: a later update or withdrawal needs it.
    values = (dict(status="sent", sent_at=utc(now), remote_id=remote_id or func.coalesce(outbox.c.remote_id, ""),
                   outcome="resolved", **({"remote_mac": remote_mac} if remote_id else {}))
              if posted else dict(status="queued", due_at=utc(now), last_error=None))
    with engine.begin() as conn:
        done = conn.execute(update(outbox).where(and_(outbox.c.id == row_id, outbox.c.status == "unknown"))
                            .values(**values))
    return done.rowcount == 1


def vouch(engine: Engine, row_id: int, remote_id: str, remote_mac: str | None) -> bool:
    """A person checked that a sent row's post is `remote_id`: it is marked again, with the
    channel's credentials of now (after a rotation the old mark proves nothing)."""
    with engine.begin() as conn:
        done = conn.execute(update(outbox).where(and_(outbox.c.id == row_id, outbox.c.status == "sent"))
                            .values(remote_id=remote_id, remote_mac=remote_mac))
    return done.rowcount == 1


#: The outcome of a withdrawal a person did on the network themselves.
BY_HAND = "deleted by hand"


def withdrawn_by_hand(engine: Engine, row_id: int, now: datetime) -> bool:
    """A person deleted the alert's posts on the network: the withdrawal that alertcast could
    not finish (failed, or unknown) is settled, and nothing more is sent for it."""
    with engine.begin() as conn:
        done = conn.execute(update(outbox).where(and_(
            outbox.c.id == row_id, outbox.c.action == "withdraw", outbox.c.status.in_(("failed", "unknown"))))
            .values(status="sent", sent_at=utc(now), outcome=BY_HAND,
                    last_error="the posts alertcast could not delete were deleted by hand on the network "
                               "(`alertcast outbox resolve --withdrawn`)"))
    return done.rowcount == 1
