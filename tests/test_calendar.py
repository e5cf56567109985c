"""The maintenance window (`starts_at`/`ends_at`) and the maintenance calendar.

The fixture's scheduled-maintenance alert publishes 2026-04-01 09:00 +08:00 and expires a day
later; these tests give it a window, 2026-04-02 01:00 to 03:00 +08:00, and read every output
back with the tools others use: `icalendar` and `vobject` (two independent iCalendar parsers,
the second validating), jsonschema for the banner, the feed validators for the feeds.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import icalendar
import jsonschema
import pytest
import vobject
from lxml import html

from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.plan import Plan
from alertcast.render.site import build_site

from feed_validation import feed_problems
from outputs_support import outputs_at
from test_check import check, edit, problems

CST = timezone(timedelta(hours=8))
ALERT = "content/alerts/scheduled-maintenance.{lang}.md"
LANGS = ("zh", "en")
STARTS = datetime(2026, 4, 2, 1, 0, tzinfo=CST)
ENDS = datetime(2026, 4, 2, 3, 0, tzinfo=CST)
UPDATED = datetime(2026, 4, 1, 18, 0, tzinfo=CST)
WITHDRAWN = datetime(2026, 4, 1, 20, 0, tzinfo=CST)
#: The moments the calendar is read at: before the alert is published, published before its
#: window, after its update, during the window, after the window (the alert not yet expired).
SCHEDULED = datetime(2026, 4, 1, 8, 59, 59, tzinfo=CST)
PUBLISHED = datetime(2026, 4, 1, 9, 0, tzinfo=CST)
AFTER_UPDATE = datetime(2026, 4, 1, 18, 30, tzinfo=CST)
IN_WINDOW = datetime(2026, 4, 2, 2, 0, tzinfo=CST)
OVER = datetime(2026, 4, 2, 3, 0, tzinfo=CST)
UID = "maintenance-scheduled-maintenance@help.fixture.example"
TITLES = {"zh": "节点维护通知", "en": "Node maintenance notice"}
EXPIRES = "expires_at: 2026-04-02T09:00:00+08:00"
WINDOW = "starts_at: 2026-04-02T01:00:00+08:00\nends_at: 2026-04-02T03:00:00+08:00"


def with_window(project: Path, extra: str = "") -> Path:
    """The fixture project, its maintenance alert given the window (and `extra` front matter)."""
    for lang in LANGS:
        edit(project, ALERT.format(lang=lang), EXPIRES, f"{EXPIRES}\n{WINDOW}" + (f"\n{extra}" if extra else ""))
    return project


def updated_then_withdrawn(project: Path) -> Path:
    notes = {"zh": "维护推迟一小时。", "en": "The maintenance starts an hour later."}
    reasons = {"zh": "维护已取消。", "en": "The maintenance is called off."}
    for lang in LANGS:
        edit(project, ALERT.format(lang=lang), EXPIRES,
             f"{EXPIRES}\n{WINDOW}\nupdates:\n  - at: {UPDATED.isoformat()}\n    note: \"{notes[lang]}\"\n"
             f"updated_at: {WITHDRAWN.isoformat()}\nwithdrawn: \"{reasons[lang]}\"")
    return project


def calendars(project: Path, now: datetime) -> dict[str, bytes]:
    config = load_config(project)
    files = outputs_at(load_or_raise(config), config, now)
    return {lang: files[f"calendar/maintenance.{lang}.ics"] for lang in LANGS}


def events(data: bytes) -> list[dict]:
    """Each VEVENT as both parsers read it; they must agree, and vobject validates the file."""
    cal = icalendar.Calendar.from_ical(data)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    ours = [{"uid": str(e["UID"]), "sequence": int(e["SEQUENCE"]), "start": e["DTSTART"].dt, "end": e["DTEND"].dt,
             "summary": str(e["SUMMARY"]), "description": str(e["DESCRIPTION"]), "url": str(e["URL"]),
             "status": str(e["STATUS"]), "stamp": e["DTSTAMP"].dt} for e in cal.walk("VEVENT")]
    theirs = vobject.readOne(data.decode("utf-8"), validate=True)
    other = [{"uid": e.uid.value, "sequence": int(e.sequence.value), "start": e.dtstart.value, "end": e.dtend.value,
              "summary": e.summary.value, "description": e.description.value, "url": e.url.value,
              "status": e.status.value, "stamp": e.dtstamp.value} for e in theirs.contents.get("vevent", [])]
    assert ours == other
    assert len(cal.walk("VTIMEZONE")) == 1  # a calendar always has a component (RFC 5545 3.6)
    return ours


def test_nothing_scheduled_leaks_and_an_ended_window_leaves(project):
    """Before publish_at the calendar holds no trace of the alert; from publish_at to the end
    of its window it holds one event; from ends_at on, none again."""
    with_window(project)
    for now in (SCHEDULED, OVER, OVER + timedelta(days=30)):
        for lang, data in calendars(project, now).items():
            assert events(data) == [], (now, lang)
            assert TITLES[lang].encode() not in data and b"scheduled-maintenance" not in data
    for now in (PUBLISHED, IN_WINDOW, OVER - timedelta(seconds=1)):
        for lang, data in calendars(project, now).items():
            [event] = events(data)
            assert event["uid"] == UID and event["sequence"] == 0 and event["status"] == "CONFIRMED"
            assert event["start"] == STARTS and event["end"] == ENDS
            assert event["summary"] == TITLES[lang]
            page = f"https://help.fixture.example/{'' if lang == 'zh' else 'en/'}alerts/scheduled-maintenance/"
            assert event["url"] == page and page in event["description"]
            assert event["stamp"] == PUBLISHED


def test_the_build_after_the_window_is_planned_at_its_end(project):
    """ends_at is a boundary: the daemon rebuilds then, so the event leaves on the second."""
    with_window(project)
    config = load_config(project)
    assert Plan.at(load_or_raise(config), IN_WINDOW).next_change_at == ENDS


def test_an_update_keeps_the_uid_and_raises_the_sequence_and_a_withdrawal_cancels(project):
    updated_then_withdrawn(project)
    seen = {}
    for now in (PUBLISHED, AFTER_UPDATE, WITHDRAWN, IN_WINDOW):
        for lang, data in calendars(project, now).items():
            [event] = events(data)
            seen[now, lang] = event
            assert event["uid"] == UID
    for lang in LANGS:
        assert [seen[t, lang]["sequence"] for t in (PUBLISHED, AFTER_UPDATE, WITHDRAWN)] == [0, 1, 2]
        assert [seen[t, lang]["status"] for t in (PUBLISHED, AFTER_UPDATE, WITHDRAWN, IN_WINDOW)] == [
            "CONFIRMED", "CONFIRMED", "CANCELLED", "CANCELLED"]
        assert seen[AFTER_UPDATE, lang]["stamp"] == UPDATED and seen[WITHDRAWN, lang]["stamp"] == WITHDRAWN
    assert "维护已取消。" in seen[WITHDRAWN, "zh"]["description"]
    assert seen[WITHDRAWN, "en"]["summary"] == "Withdrawn: Node maintenance notice"
    assert "The maintenance starts an hour later." in seen[AFTER_UPDATE, "en"]["description"]
    assert "The maintenance starts an hour later." not in seen[PUBLISHED, "en"]["description"]


def test_calendar_bytes_depend_on_the_content_and_the_moment_only(project):
    """No clock inside: two builds at one moment, and at two moments between boundaries, agree."""
    with_window(project)
    assert calendars(project, PUBLISHED) == calendars(project, PUBLISHED + timedelta(hours=3))
    assert calendars(project, PUBLISHED) != calendars(project, OVER)


def test_an_alert_without_a_window_is_in_no_calendar(project):
    for lang, data in calendars(project, PUBLISHED).items():
        assert events(data) == []


# -- check -------------------------------------------------------------------------------------

EN = ALERT.format(lang="en")
ZH = ALERT.format(lang="zh")
PHISHING = "content/alerts/live-phishing.{lang}.md"

CHECK_CASES = {
    "start without an end": (
        [(EN, EXPIRES, f"{EXPIRES}\nstarts_at: 2026-04-02T01:00:00+08:00"),
         (ZH, EXPIRES, f"{EXPIRES}\nstarts_at: 2026-04-02T01:00:00+08:00")],
        [f"{path}:8:1: error: 'starts_at': needs ends_at: a maintenance window has a start and an end (add ends_at: "
         "with the time the maintenance ends, e.g. ends_at: 2026-11-01T03:00:00+08:00)" for path in (EN, ZH)]),
    "end without a start": (
        [(EN, EXPIRES, f"{EXPIRES}\nends_at: 2026-04-02T03:00:00+08:00")],
        [f"{EN}:8:1: error: 'ends_at': needs starts_at: a maintenance window has a start and an end (add starts_at: "
         "with the time the maintenance begins, e.g. starts_at: 2026-11-01T01:00:00+08:00)"]),
    "end before the start": (
        [(EN, EXPIRES, f"{EXPIRES}\nstarts_at: 2026-04-02T01:00:00+08:00\nends_at: 2026-04-01T23:00:00+08:00")],
        [f"{EN}:9:1: error: 'ends_at': is 2026-04-01 23:00 Beijing time (UTC+8), not after starts_at (2026-04-02 01:00 "
         "Beijing time (UTC+8)): the window would end before it begins (set ends_at to when the maintenance ends; "
         "swap the two times if they are reversed)"]),
    "a window on a scam warning": (
        [(PHISHING.format(lang="en"), "update_note: \"Added how to tell.\"",
          f"update_note: \"Added how to tell.\"\n{WINDOW}")],
        ["content/alerts/live-phishing.en.md:9:1: error: 'starts_at': is a maintenance window, but the category is "
         "phishing (set category: maintenance, or remove starts_at and ends_at)"]),
    "a date without a time": (
        [(EN, EXPIRES, f"{EXPIRES}\nstarts_at: 2026-04-02\nends_at: 2026-04-02T03:00:00+08:00")],
        [f"{EN}:8:1: error: 'starts_at': is a date without a time (write 2026-04-02T00:00:00+08:00 (2026-04-02 00:00 "
         "Beijing time (UTC+8)), with the hour you mean)"]),
    "translations with two windows": (
        [(EN, EXPIRES, f"{EXPIRES}\n{WINDOW}"), (ZH, EXPIRES, f"{EXPIRES}\n{WINDOW.replace('03:00', '04:00')}")],
        [f"{EN}:9:1: error: 'ends_at' differs from {ZH} (2026-04-02 03:00:00+08:00 here, 2026-04-02 04:00:00+08:00 "
         "there) (translations share one alert: make the values the same)"]),
}


@pytest.mark.parametrize("name", CHECK_CASES)
def test_check_names_the_line_of_a_window_that_is_not_one(cli, project, name):
    edits, expected = CHECK_CASES[name]
    for rel, old, new in edits:
        edit(project, rel, old, new)
    result = check(cli, project)
    assert result.exit_code == 1, result.output
    assert problems(result) == expected
    assert "Traceback" not in result.output


def test_check_accepts_a_window(cli, project):
    with_window(project)
    result = check(cli, project)
    assert result.exit_code == 0, result.output


# -- the window where readers see the alert ---------------------------------------------------

def test_banner_carries_the_window_and_validates(project):
    with_window(project)
    config = load_config(project)
    files = outputs_at(load_or_raise(config), config, IN_WINDOW)
    schema = json.loads(files["api/v1/banner.schema.json"])
    for lang in LANGS:
        doc = json.loads(files[f"api/v1/banners/{lang}.json"])
        jsonschema.Draft202012Validator(schema).validate(doc)
        windows = {b["id"]: b.get("window") for b in doc["banners"]}
        assert windows["scheduled-maintenance"] == {"starts_at": "2026-04-01T17:00:00Z", "ends_at": "2026-04-01T19:00:00Z"}
        assert all(w is None for i, w in windows.items() if i != "scheduled-maintenance")


def test_feeds_show_the_window_in_the_editors_zone_and_stay_valid(project):
    with_window(project)
    config = load_config(project)
    files = outputs_at(load_or_raise(config), config, IN_WINDOW)
    shown = {"zh": "维护时间：2026-04-02 01:00 – 03:00 (UTC+8)", "en": "Maintenance window: 2026-04-02 01:00 – 03:00 (UTC+8)"}
    for lang in LANGS:
        for kind in ("rss.xml", "atom.xml", "json"):
            path = f"feeds/alerts.{lang}.{kind}"
            assert feed_problems(path, files[path], IN_WINDOW) == []
            assert shown[lang] in files[path].decode("utf-8"), path
        [item] = [i for i in json.loads(files[f"feeds/alerts.{lang}.json"])["items"]
                  if i["url"].endswith("/scheduled-maintenance/")]
        assert item["_alertcast"]["window"] == {"starts_at": "2026-04-01T17:00:00Z", "ends_at": "2026-04-01T19:00:00Z"}
        assert item["content_text"].startswith(shown[lang])


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    import shutil

    from conftest import FIXTURE

    project = tmp_path_factory.mktemp("calendar") / "project"
    shutil.copytree(FIXTURE, project)
    with_window(project)
    config = load_config(project)
    dest = tmp_path_factory.mktemp("site")
    build_site(Plan.at(load_or_raise(config), IN_WINDOW), config, dest)
    return dest


def _page(site: Path, rel: str):
    return html.fromstring((site / rel).read_text(encoding="utf-8"))


def test_maintenance_listing_links_the_calendar_to_subscribe(site):
    for lang, prefix in (("zh", ""), ("en", "en/")):
        page = _page(site, f"{prefix}alerts/category/maintenance/index.html")
        url = f"https://help.fixture.example/calendar/maintenance.{lang}.ics"
        assert page.xpath(f'//article//a[@href="{url}"]'), lang
        assert url in page.xpath("string(//article)")  # also written out, to paste into a calendar app


def test_alert_page_and_listing_show_the_window(site):
    words = {"zh": "维护时间", "en": "Maintenance window"}
    for lang, prefix in (("zh", ""), ("en", "en/")):
        for rel in ("alerts/scheduled-maintenance/index.html", "alerts/category/maintenance/index.html"):
            page = _page(site, prefix + rel)
            meta = page.xpath(f'//article//*[text()[contains(., "{words[lang]}")]]')  # the line of dates
            assert meta, (lang, rel)
            times = meta[0].xpath(".//time/@datetime")
            assert times[:2] == ["2026-04-02T01:00:00+08:00", "2026-04-02T03:00:00+08:00"], (lang, rel)
            assert "2026-04-02 01:00 (UTC+8) – 2026-04-02 03:00 (UTC+8)" in meta[0].text_content()


def test_bundled_maintenance_notice_is_in_the_calendar_from_its_announcement_to_its_end():
    from conftest import REPO

    config = load_config(REPO)
    content = load_or_raise(config)
    window = (datetime(2027, 1, 12, 2, 0, tzinfo=CST), datetime(2027, 1, 12, 4, 0, tzinfo=CST))
    for now, expected in ((datetime(2026, 11, 22, 12, 0, tzinfo=CST), 0), (datetime(2027, 1, 5, 10, 0, tzinfo=CST), 1),
                          (datetime(2027, 1, 12, 3, 0, tzinfo=CST), 1), (window[1], 0)):
        files = outputs_at(content, config, now)
        for lang in config.languages:
            found = events(files[f"calendar/maintenance.{lang}.ics"])
            assert len(found) == expected, (now, lang)
            assert all((e["start"], e["end"]) == window for e in found)


@pytest.mark.browser
@pytest.mark.parametrize("zone, lang, prefix, shown", [
    ("Europe/Berlin", "en", "en/", " (your time: 2026-04-01 19:00 – 2026-04-01 21:00 (UTC+2))"),
    ("America/New_York", "zh", "", "（你的时间：2026-04-01 13:00 – 2026-04-01 15:00 (UTC-4)）"),
    ("Asia/Shanghai", "en", "en/", None),  # the site's own zone: nothing to add
])
def test_a_reader_elsewhere_sees_the_window_in_their_own_zone_too(site, zone, lang, prefix, shown):
    from playwright.sync_api import sync_playwright

    from test_site import CHROMIUM_ARGS, _serve

    with _serve(site) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(timezone_id=zone).new_page()
            for rel in ("alerts/scheduled-maintenance/", "alerts/category/maintenance/"):
                page.goto(f"{url}/{prefix}{rel}")
                window = page.locator("article .alertcast-window").first
                assert "2026-04-02 01:00 (UTC+8) – 2026-04-02 03:00 (UTC+8)" in window.inner_text()
                local = window.locator(".alertcast-local")
                if shown is None:
                    assert local.count() == 0
                else:
                    assert local.text_content() == shown
        finally:
            browser.close()
