"""The maintenance calendar per language: `calendar/maintenance.<lang>.ics` (RFC 5545).

One VEVENT per published maintenance alert whose window (`starts_at`/`ends_at`) has not
ended at `plan.now`: a subscribed calendar shows what is ahead and drops what is over.
Scheduled alerts stay out like everywhere else. The UID is the alert's, so an update moves
the same event; SEQUENCE counts the revisions up to `now` (each update, then a withdrawal),
so calendar apps take the newer one; a withdrawn window stays listed as CANCELLED so
subscribers' copies are cancelled rather than silently kept. Every time comes from the
content (DTSTAMP is the revision's), never from the clock: the same plan gives the same bytes.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from icalendar import Calendar, Event, Timezone

from ..config import Config
from ..content.models import Alert
from ..plan import Plan, State, never_live, withdrawn_at
from . import labels
from .memo import RenderCache, own


#: How often subscribers should fetch again (RFC 7986 REFRESH-INTERVAL, and its older X- name).
REFRESH = timedelta(hours=1)


def calendar_path(lang: str) -> str:
    return f"calendar/maintenance.{lang}.ics"


def in_calendar(plan: Plan) -> tuple[Alert, ...]:
    """Published maintenance alerts with a window that has not ended, soonest first."""
    alerts = [a for a in plan.published
              if a.starts_at is not None and a.ends_at is not None and a.ends_at > plan.now and not never_live(a)]
    return tuple(sorted(alerts, key=lambda a: (a.starts_at, a.id)))


def sequence(alert: Alert) -> int:
    """How many times the alert changed after it was published (as of the plan): 0 at first,
    one more with each update and with the withdrawal."""
    times = {u.at for u in alert.updates}
    if alert.is_withdrawn:
        times.add(withdrawn_at(alert))
    return len({t for t in times if t > alert.publish_at})


def uid(config: Config, alert: Alert) -> str:
    """Stable across revisions and rebuilds, unique to this deployment (like the feeds' ids)."""
    return f"maintenance-{alert.id}@{config.id_domain}"


def _utc(t: datetime) -> datetime:
    return t.astimezone(timezone.utc)


def _event(plan: Plan, config: Config, alert: Alert, lang: str) -> Event:
    assert alert.starts_at is not None and alert.ends_at is not None
    text = alert.text(lang, config.default_lang)
    withdrawn = plan.states[alert.id] is State.withdrawn
    event = Event()
    event.add("uid", uid(config, alert))
    event.add("dtstamp", _utc(alert.changed_at))
    event.add("created", _utc(alert.publish_at))
    event.add("last-modified", _utc(alert.changed_at))
    event.add("sequence", sequence(alert))
    event.add("dtstart", alert.starts_at.astimezone(config.tz))
    event.add("dtend", alert.ends_at.astimezone(config.tz))
    event.add("summary", labels.flagged("withdrawn", text.title, lang) if withdrawn else text.title)
    description = [text.summary]
    if withdrawn:
        description.insert(0, labels.labelled("withdrawn", alert.reason(lang, config.default_lang), lang))
    elif alert.note(lang, config.default_lang) and alert.updated_at:
        description.insert(0, labels.labelled("updated", alert.note(lang, config.default_lang), lang))
    url = config.page_url("alerts", alert.id, lang)
    event.add("description", "\n\n".join(description + [url]))
    event.add("url", url)
    event.add("status", "CANCELLED" if withdrawn else "CONFIRMED")
    event.add("transp", "TRANSPARENT")  # it does not make a subscriber busy
    event.add("categories", [labels.category("maintenance", lang)])
    return event


def render_calendar(plan: Plan, config: Config, lang: str, alerts: tuple[Alert, ...],
                    cache: RenderCache | None = None) -> bytes:
    cal = Calendar()
    cal.add("prodid", f"-//alertcast//maintenance//{lang.upper()}")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    name = f"{config.site_name_in(lang)} · {labels.category('maintenance', lang)}"
    cal.add("name", name)  # RFC 7986
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", config.settings.timezone)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    # The site's zone, always: DTSTART/DTEND name it, and a calendar needs one component even
    # when no window is ahead (RFC 5545 section 3.6).
    zone = config.settings.timezone  # its transitions take a while to work out: once per zone
    cal.add_component(own(cache)("vtimezone", (zone,), lambda: Timezone.from_tzid(zone)))
    for alert in alerts:
        cal.add_component(_event(plan, config, alert, lang))
    return cal.to_ical()


def render_calendars(plan: Plan, config: Config, cache: RenderCache | None = None) -> dict[str, bytes]:
    """Every language's calendar: relative path -> bytes (the same events, same states: same bytes)."""
    memo = own(cache)
    alerts = in_calendar(plan)
    key = (tuple((memo.alert_key(a), plan.states[a.id]) for a in alerts), memo.config_key(config))
    return dict(memo("calendar", key, lambda: {calendar_path(lang): render_calendar(plan, config, lang, alerts, memo)
                                                for lang in config.languages}))
