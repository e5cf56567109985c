"""`alertcast report` says what an update or a withdrawal does to what is already out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from alertcast.broadcast.outbox import outbox, utc
from alertcast.state import open_store

from conftest import NOW
from test_report import edit, git, report, repo  # noqa: F401 - repo is a fixture

assert repo


def _sent(root, rows):
    engine = open_store("sqlite:///.alertcast/state.db", root)
    with engine.begin() as conn:
        for number, (channel, action, remote_id) in enumerate(rows):
            conn.execute(insert(outbox).values(
                alert_id="live-phishing", revision=f"r{number}", channel=channel, action=action,
                idem_key=f"k{number}", lang="en", text="t", link="l", status="sent", due_at=utc(NOW),
                created_at=utc(NOW), sent_at=utc(NOW - timedelta(days=3)), remote_id=remote_id, outcome="posted"))
    engine.dispose()


def _block(out: str, alert_id: str) -> str:
    return out.split(f"== {alert_id}")[1].split("\n== ")[0]


def test_withdrawal_spells_out_banner_posts_and_indicators_counted_from_the_outbox(cli, repo):
    _sent(repo, [("mastodon", "post", "m1"), ("mastodon", "update", "m2"), ("telegram", "post", "t1"),
                 ("telegram", "update", "t1")])  # Telegram edited in place: one post
    block = _block(report(cli, repo, "--base", "main").output, "live-phishing")
    assert "what the withdrawal does:" in block
    assert "- banner: removed from the app (home, support) in every language" in block
    assert "- Mastodon: 2 post(s) deleted" in block
    assert "- Telegram: 1 post(s) deleted if sent less than 48 hours before; otherwise a correction post goes out" in block
    assert ("- indicators removed from indicators.json: wallet-verify[.]example, 0x1111…1111 (ETH), "
            "fixture_fake_support (Telegram)") in block


def test_withdrawal_without_an_outbox_says_the_count_is_unknown(cli, repo):
    block = _block(report(cli, repo, "--base", "main").output, "live-phishing")
    assert "- Mastodon: every post sent is deleted (the outbox was not available to count them)" in block
    assert not (repo / ".alertcast").exists()  # reading creates no state


def test_withdrawal_with_nothing_sent_deletes_nothing(cli, repo):
    _sent(repo, [])
    block = _block(report(cli, repo, "--base", "main").output, "live-phishing")
    assert "- Mastodon: nothing was sent, so nothing is deleted; a post still queued is cancelled" in block


def test_update_says_per_channel_whether_the_earlier_post_is_edited_or_a_new_one_added(cli, repo):
    git(repo, "stash", "--quiet")  # only this change: a new update of live-phishing
    for lang, note in (("zh", "新增微信号。"), ("en", "Added the new WeChat ID.")):
        edit(repo / "content" / "alerts" / f"live-phishing.{lang}.md",
             ("updated_at: 2026-03-02T12:00:00+08:00\n",
              f'updates:\n  - at: 2026-03-10T09:00:00+08:00\n    note: "{note}"\nupdated_at: 2026-03-02T12:00:00+08:00\n'))
    settings = repo / "mkdocs.yml"
    edit(settings, ("      mastodon:\n", "      x: {}\n      mastodon:\n"))
    for lang in ("zh", "en"):
        edit(repo / "content" / "alerts" / f"live-phishing.{lang}.md",
             ("channels: [banner, cap, telegram, mastodon]", "channels: [banner, cap, telegram, mastodon, x]"))
    block = _block(report(cli, repo, "--base", "main").output, "live-phishing")
    assert "what the update does to the earlier posts:" in block
    assert "- Telegram: the earlier post is edited in place" in block
    assert "- Mastodon: the earlier post is edited in place" in block
    assert "- X: a new post goes out; the earlier post stays as it was" in block
