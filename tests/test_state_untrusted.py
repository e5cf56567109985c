"""Issue 14 row 6: the state store (restored from the `alertcast-state` branch, which a push can
change without review) cannot publish. A queued post is sent only if the reviewed content,
rendered again at send time, gives exactly its text; a CAP message from the archive is
published again only if it is one alertcast signed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, update

from alertcast.broadcast import outbox
from alertcast.config import load_config
from alertcast.content.loader import load_or_raise
from alertcast.plan import Plan
from alertcast.state import create_tables, open_store
from conftest import NOW
from social_support import configure, route_alert_to, start

FORGED = "Verify your recovery phrase at https://wallet-verify.example"


@pytest.fixture
def world(project, monkeypatch):
    fake = start("telegram")
    env = configure(project, {"telegram": fake})
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    route_alert_to(project, "live-phishing", ["telegram"])
    config = load_config(project)
    engine = open_store(config.settings.state_url, config.root)
    create_tables(engine)
    yield project, config, engine, fake
    fake.close()


def _drain(cli, project, now=NOW):  # type: ignore[no-untyped-def]
    return cli("outbox", "drain", "-p", project, "--now", now.isoformat(), "--no-enqueue")


def _forge(engine, **values):  # type: ignore[no-untyped-def]
    row = dict(alert_id="live-phishing", revision="20260302T040000Z", channel="telegram", action="post",
               idem_key=outbox.idem_key("live-phishing", "20260302T040000Z", "telegram", "post"), lang="zh",
               text=FORGED, link="https://wallet-verify.example", facets="[]", status="queued", tries=0,
               due_at=outbox.utc(NOW - timedelta(minutes=1)), created_at=outbox.utc(NOW - timedelta(minutes=1)))
    row.update(values)
    with engine.begin() as conn:
        return conn.execute(insert(outbox.outbox).values(**row)).inserted_primary_key[0]


def test_a_forged_text_in_a_queued_row_is_held_not_posted(world, cli):
    project, config, engine, fake = world
    outbox.enqueue(engine, Plan.at(load_or_raise(config), NOW), config)
    [row] = outbox.rows(engine)
    with engine.begin() as conn:  # what a push to the state branch can do to the restored state.db
        conn.execute(update(outbox.outbox).where(outbox.outbox.c.id == row["id"]).values(text=FORGED))
    result = _drain(cli, project)
    assert result.exit_code == 0, result.output
    assert fake.posts == {}
    [held] = outbox.rows(engine, ("held",))
    assert "its text differs from what the reviewed content renders" in held["last_error"]
    assert f"alertcast outbox retry {row['id']}" in held["last_error"]
    assert '"held": 1' in result.output and "held:" in result.output
    listing = cli("outbox", "-p", project, "--status", "held")
    assert listing.exit_code == 0 and f"{row['id']:>5} held" in listing.output

    # a person looks, and sends what the reviewed content says instead
    again = cli("outbox", "retry", str(row["id"]), "-p", project, "--now", NOW.isoformat())
    assert again.exit_code == 0 and "renders now" in again.output, again.output
    assert _drain(cli, project).exit_code == 0
    [post] = fake.posts.values()
    assert FORGED not in post["text"] and post["text"] == row["text"]


@pytest.mark.parametrize("forged", [
    {},  # a post the content never asked for: the text is not what it renders
    {"alert_id": "wallet-verify", "idem_key": outbox.idem_key("wallet-verify", "20260302T040000Z", "telegram", "post")},
    {"channel": "telegram", "alert_id": "expired-airdrop",
     "idem_key": outbox.idem_key("expired-airdrop", "20260302T040000Z", "telegram", "post")},
], ids=["forged-text", "unknown-alert", "channel-not-listed"])
def test_a_row_inserted_into_the_store_is_held(world, cli, forged):
    project, config, engine, fake = world
    row_id = _forge(engine, **forged)
    assert _drain(cli, project).exit_code == 0
    assert fake.posts == {}
    assert outbox.get(engine, row_id)["status"] == "held"


def test_the_exact_text_of_a_scheduled_alert_is_not_posted_before_publish_at(world, cli):
    """A row holding exactly what the content will render, put in before the alert's
    publish_at, would break the embargo (invariant 1): held too."""
    from alertcast.render import posts

    project, config, engine, fake = world
    route_alert_to(project, "scheduled-maintenance", ["telegram"])
    config = load_config(project)
    alert = next(a for a in load_or_raise(config).alerts if a.id == "scheduled-maintenance")
    post = posts.render(alert, config, "telegram", "post")
    row_id = _forge(engine, alert_id=alert.id, revision=alert.revision, text=post.text, link=post.link, lang=post.lang,
                    idem_key=outbox.idem_key(alert.id, alert.revision, "telegram", "post"))
    assert _drain(cli, project).exit_code == 0
    assert fake.posts == {}
    row = outbox.get(engine, row_id)
    assert row["status"] == "held" and "it is scheduled" in row["last_error"]
    retry = cli("outbox", "retry", str(row_id), "-p", project, "--now", NOW.isoformat())
    assert retry.exit_code == 1 and "stays held" in retry.output and "it is scheduled" in retry.output
