from alertcast.plan import Plan, State

from conftest import NOW


def test_fixture_project_has_every_lifecycle_state(content):
    plan = Plan.at(content, NOW)
    assert plan.states == {
        "live-phishing": State.live,
        "expired-airdrop": State.expired,
        "scheduled-maintenance": State.scheduled,
        "withdrawn-fake-app": State.withdrawn,
    }
    assert plan.next_change_at.isoformat() == "2026-04-01T09:00:00+08:00"
