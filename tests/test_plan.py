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
