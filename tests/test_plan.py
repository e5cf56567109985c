"""The plan decides invariant 1 once: what is public, live, scheduled, expired or withdrawn at `now`."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alertcast.plan import Plan, State

from conftest import CST, NOW
from datetime import datetime

PUBLISH = datetime(2026, 4, 1, 9, 0, tzinfo=CST)   # scheduled-maintenance publish_at
EXPIRE = datetime(2026, 4, 2, 9, 0, tzinfo=CST)    # scheduled-maintenance expires_at
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize("now, state", [
    (PUBLISH - SECOND, State.scheduled),
    (PUBLISH, State.live),               # live at the very second of publish_at
    (EXPIRE - SECOND, State.live),
    (EXPIRE, State.expired),             # gone from banners at the very second of expires_at
])
def test_boundaries_to_the_second(content, now, state):
    assert Plan.at(content, now).states["scheduled-maintenance"] is state


def test_scheduled_alert_is_nowhere_public(content):
    plan = Plan.at(content, NOW)
    assert not plan.is_public("scheduled-maintenance")
    assert "scheduled-maintenance" not in {a.id for a in plan.published}
    assert all("scheduled-maintenance" != a.id for a in plan.in_channel("banner"))


def test_withdrawn_and_expired_are_public_but_never_in_a_channel(content):
    plan = Plan.at(content, NOW)
    assert {a.id for a in plan.published} == {"live-phishing", "expired-airdrop", "withdrawn-fake-app"}
    for channel in ("banner", "cap", "telegram", "mastodon"):
        assert {a.id for a in plan.in_channel(channel)} <= {"live-phishing"}


def test_next_change_walks_the_boundaries(content):
    assert Plan.at(content, NOW).next_change_at == PUBLISH
    assert Plan.at(content, PUBLISH).next_change_at == EXPIRE
    assert Plan.at(content, EXPIRE).next_change_at is None


def test_banner_order_is_severity_then_newest(content):
    plan = Plan.at(content, PUBLISH)
    assert [a.id for a in plan.in_channel("banner")] == ["live-phishing", "scheduled-maintenance"]


def test_naive_now_is_refused(content):
    with pytest.raises(ValueError):
        Plan.at(content, datetime(2026, 3, 15))


UPDATE = datetime(2026, 3, 2, 12, 0, tzinfo=CST)     # live-phishing updated_at
WITHDRAW = datetime(2026, 2, 11, 10, 0, tzinfo=CST)  # withdrawn-fake-app updated_at (its withdrawal)


def test_an_update_is_not_shown_before_its_updated_at(content):
    before = Plan.at(content, UPDATE - SECOND)
    alert = next(a for a in before.live if a.id == "live-phishing")
    assert alert.updated_at is None and alert.update_note == {}
    assert alert.revision == "20260301T020000Z"  # its first revision, from publish_at
    assert before.next_change_at == UPDATE  # the update is a boundary
    at = next(a for a in Plan.at(content, UPDATE).live if a.id == "live-phishing")
    assert at.updated_at == UPDATE and at.revision == "20260302T040000Z" and at.update_note


def test_a_withdrawal_is_not_shown_before_its_updated_at(content):
    before = Plan.at(content, WITHDRAW - SECOND)
    assert before.states["withdrawn-fake-app"] is State.live
    assert "withdrawn-fake-app" in {a.id for a in before.in_channel("banner")}
    assert before.next_change_at == WITHDRAW
    at = Plan.at(content, WITHDRAW)
    assert at.states["withdrawn-fake-app"] is State.withdrawn
    assert "withdrawn-fake-app" not in {a.id for a in at.in_channel("banner")}


def test_plan_content_is_the_content_as_of_now(content):
    """Whatever reads alerts from the plan (the outbox reads plan.content.alerts) sees the same moment."""
    plan = Plan.at(content, UPDATE - SECOND)
    shown = {a.id: a for a in plan.content.alerts}
    assert shown["live-phishing"].updated_at is None
    assert set(shown) == {a.id for a in content.alerts}
    assert Plan.at(content, UPDATE).content.alert("live-phishing").updated_at == UPDATE


def test_an_update_between_publishing_and_a_later_withdrawal_shows_in_a_later_plan(project):
    """A process that plans at one moment and then at the next (the daemon does) sees the
    update once its time has come, though the withdrawal after it has not."""
    from alertcast.config import load_config
    from alertcast.checks.load import load_or_raise

    from test_check import edit

    for lang in ("zh", "en"):
        edit(project, f"content/alerts/scheduled-maintenance.{lang}.md", "channels:",
             "updates:\n  - at: 2026-04-01T18:00:00+08:00\n    note: \"Moved an hour.\"\n"
             "updated_at: 2026-04-01T20:00:00+08:00\nwithdrawn: \"Called off.\"\nchannels:")
    loaded = load_or_raise(load_config(project))
    first = Plan.at(loaded, PUBLISH).content.alert("scheduled-maintenance")
    assert first.updates == () and first.updated_at is None
    later = Plan.at(loaded, datetime(2026, 4, 1, 19, 0, tzinfo=CST)).content.alert("scheduled-maintenance")
    assert [u.at.hour for u in later.updates] == [18] and later.note("en", "zh") == "Moved an hour."
    assert not later.is_withdrawn
