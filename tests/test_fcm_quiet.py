"""The `fcm` channel's quiet hours: per language, a non-critical push that falls in them waits
until they end (policy hold) or is not pushed in that language (drop); a critical one always
goes. The clock is the `now` each drain is given; the fakes are those of tests/test_fcm.py.

The fixture's live-phishing alert is a warning; NOW is 2026-03-15 00:00 Beijing time, the
configured zone, inside quiet hours of 23:00-07:00.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml

from alertcast.quiet import QuietHours, quiet_period
from conftest import CST, NOW
from test_fcm import World

NIGHT = {"start": "23:00", "end": "07:00"}
MORNING = datetime(2026, 3, 15, 7, 0, tzinfo=CST)
SECOND = timedelta(seconds=1)


@pytest.fixture
def make_world(project, tmp_path):
    made = []

    def make(quiet_hours):
        made.append(World(project, tmp_path, {"quiet_hours": quiet_hours}))
        return made[-1]

    yield make
    for w in made:
        w.fake.close()


def topics(w) -> list[str]:  # type: ignore[no-untyped-def]
    return [m["topic"] for m in w.fake.messages]


def test_a_push_in_quiet_hours_waits_until_they_end_then_goes_once(make_world):
    w = make_world({"zh": {**NIGHT, "policy": "hold"}})
    assert w.enqueue() == 2
    report = w.drain(NOW)
    # Each language has its own row: English, which has no quiet hours, never waits for Chinese.
    assert report.sent == 1 and report.deferred == 1 and topics(w) == ["alerts-en"]
    zh, en = w.rows()
    assert zh["status"] == "queued" and "quiet hours (zh 23:00-07:00 Asia/Shanghai)" in zh["last_error"]
    assert en["status"] == "sent"
    assert w.drain(MORNING - SECOND).sent == 0 and topics(w) == ["alerts-en"]
    assert w.drain(MORNING).sent == 1
    assert topics(w) == ["alerts-en", "alerts-zh"]
    assert w.drain(MORNING + timedelta(hours=1)).sent == 0 and len(w.fake.messages) == 2


def test_a_push_outside_quiet_hours_goes_at_once(make_world):
    w = make_world({"zh": {**NIGHT, "policy": "hold"}, "en": {**NIGHT, "policy": "drop"}})
    w.enqueue()
    assert w.drain(MORNING).sent == 2 and topics(w) == ["alerts-zh", "alerts-en"]


def test_drop_leaves_that_language_out_and_sends_the_others(make_world):
    w = make_world({"zh": {**NIGHT, "policy": "drop"}})
    w.enqueue()
    report = w.drain(NOW)
    assert report.sent == 1 and report.dropped == 1 and topics(w) == ["alerts-en"]
    assert any("fcm:zh: dropped, quiet hours" in line for line in report.lines), report.lines
    assert w.drain(MORNING).sent == 0 and topics(w) == ["alerts-en"]  # not pushed later either


def test_a_push_every_language_of_which_is_dropped_is_cancelled_visibly(make_world):
    w = make_world({"zh": {**NIGHT, "policy": "drop"}, "en": {**NIGHT, "policy": "drop"}})
    w.enqueue()
    report = w.drain(NOW)
    assert report.dropped == 2 and report.sent == 0 and w.fake.messages == []
    assert all(row["status"] == "cancelled" and row["last_error"].startswith("dropped: quiet hours")
               for row in w.rows())
    assert w.drain(MORNING).sent == 0 and w.fake.messages == []


def test_a_critical_push_goes_in_quiet_hours(make_world):
    w = make_world({"zh": {**NIGHT, "policy": "hold"}, "en": {**NIGHT, "policy": "drop"}})
    w.edit_alert(r"^severity: warning", "severity: critical")
    w.enqueue()
    assert w.drain(NOW).sent == 2 and topics(w) == ["alerts-zh", "alerts-en"]


def test_a_correction_is_held_never_dropped(make_world):
    """Whoever got the warning must get its correction: drop applies to warnings and updates."""
    w = make_world({"zh": {**NIGHT, "policy": "drop"}, "en": {**NIGHT, "policy": "drop"}})
    w.enqueue(NOW - timedelta(hours=2))
    assert w.drain(NOW - timedelta(hours=2)).sent == 2  # 22:00: before the quiet hours
    w.edit_alert(r"^severity: warning", 'severity: warning\nwithdrawn: "This site is ours after all."')
    assert w.enqueue(NOW) == 2
    assert w.drain(NOW).sent == 0
    assert [r["status"] for r in w.rows() if r["action"] == "withdraw"] == ["queued", "queued"]
    assert w.drain(MORNING).sent == 2
    assert [m["topic"] for m in w.fake.messages if m["data"]["action"] == "withdraw"] == ["alerts-zh", "alerts-en"]


@pytest.mark.parametrize("now, period", [
    (datetime(2026, 3, 15, 6, 59, tzinfo=CST), (datetime(2026, 3, 14, 23, 0, tzinfo=CST), MORNING)),
    (datetime(2026, 3, 14, 23, 0, tzinfo=CST), (datetime(2026, 3, 14, 23, 0, tzinfo=CST), MORNING)),
    (MORNING, None),
    (datetime(2026, 3, 14, 22, 59, 59, tzinfo=CST), None),
])
def test_quiet_hours_past_midnight(now, period):
    assert quiet_period(QuietHours(**NIGHT), ZoneInfo("Asia/Shanghai"), now) == period


def test_quiet_hours_are_clock_times_in_the_configured_zone():
    """12:00-14:00 in London is 11:00-13:00 UTC in summer and 12:00-14:00 UTC in winter."""
    london, hours = ZoneInfo("Europe/London"), QuietHours(start="12:00", end="14:00")
    utc = ZoneInfo("UTC")
    assert quiet_period(hours, london, datetime(2026, 7, 1, 12, 30, tzinfo=utc)) is not None
    assert quiet_period(hours, london, datetime(2026, 7, 1, 13, 30, tzinfo=utc)) is None
    assert quiet_period(hours, london, datetime(2026, 1, 5, 13, 30, tzinfo=utc)) is not None


@pytest.mark.parametrize("quiet_hours, said", [
    ({"zh": {"start": "23:00", "end": "7"}}, "'7' is not a time of day like 23:00"),
    ({"zh": {"start": "23:00", "end": "23:00"}}, "start and end are the same"),
    ({"zh": {**NIGHT, "policy": "later"}}, "policy"),
    ({"fr": NIGHT}, "language 'fr' is not configured"),
    ({"zh": {"start": 1380, "end": "07:00"}}, "is read as a number"),
])
def test_check_names_the_mkdocs_line_of_bad_quiet_hours(project, cli, quiet_hours, said):
    path = project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["channels"] = {"fcm": {"project": "wallet-alerts", "quiet_hours": quiet_hours}}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = cli("check", "-p", project)
    assert result.exit_code != 0 and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("mkdocs.yml:")]
    assert lines and said in lines[0], result.output
    assert json.dumps(quiet_hours)  # the case is what was written


HELD = ("quiet hours (zh 23:00-07:00 Asia/Shanghai) at 2026-03-15 00:00 Beijing time (UTC+8): the push is held "
        "until 2026-03-15 07:00 Beijing time (UTC+8)")


def test_posts_preview_says_a_push_at_now_is_held_until_the_quiet_hours_end(make_world, cli):
    w = make_world({"zh": {**NIGHT, "policy": "hold"}})
    result = cli("posts", "preview", "live-phishing", "-p", w.project, "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    assert f"   {HELD}\n" in result.output, result.output
    morning = cli("posts", "preview", "live-phishing", "-p", w.project, "--now", MORNING.isoformat())
    assert "quiet hours" not in morning.output and "alerts-zh [zh] title" in morning.output


def test_posts_preview_judges_a_scheduled_push_at_its_publish_at_and_says_what_is_dropped(make_world, cli):
    w = make_world({"en": {**NIGHT, "policy": "drop"}})
    w.edit_alert(r"^publish_at: .*\nupdated_at: .*$", "publish_at: 2026-03-15T23:30:00+08:00\nupdated_at: 2026-03-16T09:00:00+08:00")
    result = cli("posts", "preview", "live-phishing", "-p", w.project, "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    assert ("quiet hours (en 23:00-07:00 Asia/Shanghai) at 2026-03-15 23:30 Beijing time (UTC+8): dropped for en, "
            "never pushed later") in result.output, result.output
    w.edit_alert(r"^severity: warning", "severity: critical")  # a critical push always goes
    assert "quiet hours" not in cli("posts", "preview", "live-phishing", "-p", w.project, "--now",
                                    NOW.isoformat()).output


def test_posts_preview_speaks_of_quiet_hours_in_chinese(make_world, cli, monkeypatch):
    monkeypatch.setenv("ALERTCAST_LANG", "zh")
    w = make_world({"zh": {**NIGHT, "policy": "hold"}})
    result = cli("posts", "preview", "live-phishing", "-p", w.project, "--now", NOW.isoformat())
    assert "免打扰时段（zh 23:00-07:00 Asia/Shanghai）：推送暂缓，到 2026-03-15 07:00 北京时间（UTC+8）再发" in result.output, \
        result.output


def test_the_report_says_a_correction_push_is_held_by_the_quiet_hours(make_world, cli):
    w = make_world({"zh": {**NIGHT, "policy": "drop"}})
    w.commit()  # the base `report --base HEAD` compares with
    w.edit_alert(r"^severity: warning", 'severity: warning\nwithdrawn: "This site is ours after all."')
    result = cli("report", str(w.project), "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    assert f"      {HELD}\n" in result.output, result.output  # a correction is held, never dropped
    markdown = cli("report", str(w.project), "--now", NOW.isoformat(), "--format", "markdown")
    assert HELD in markdown.output, markdown.output
