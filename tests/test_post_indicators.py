"""A post for an alert with scam indicators never loses them silently: it keeps at least the
first one (in the order the editor wrote them), or `check` fails with how much to shorten,
counted with the indicators in."""

from __future__ import annotations

import re

from alertcast.config import load_config
from alertcast.checks.load import load_all
from alertcast.render.posts import render

from test_check import ALERT_EN, ALERT_ZH, _post_to_x, _set, check, edit, problems

SUMMARY = ("Fake WeChat customer service says your wallet is frozen by risk control and asks for an "
           "unfreeze fee in USDT. Nobody from us will ever ask you to pay to unfreeze a wallet. ")
SHOWN = ("wallet-verify[.]example", "0x1111…1111 (ETH)", "fixture_fake_support (Telegram)")


def _x_post(project, action="post", lang="en"):
    config = load_config(project)
    return render(load_all(config).content.alert("live-phishing"), config, "x", action, lang=lang)


def _shorten_by(line: str) -> tuple[int, int]:
    found = re.search(r"shorten the summary by at least (\d+) to keep the first one \(wallet-verify\[\.\]example\), "
                      r"or by (\d+) to keep all 3", line)
    assert found, line
    return int(found[1]), int(found[2])


def test_a_summary_that_leaves_no_room_for_the_indicators_fails_check_with_the_count_that_keeps_them(cli, project):
    _post_to_x(project, template=None)  # the shipped X template, with its "Do not trust:" line
    _set(project, ALERT_EN, "summary", SUMMARY.strip())
    [line] = [p for p in problems(check(cli, project)) if ALERT_EN in p]
    assert line.startswith(f"{ALERT_EN}:3:1: error: the x post is ")
    first, every = _shorten_by(line)
    assert every > first > 0
    # shortening by exactly the first number passes, and the post carries the first indicator
    _set(project, ALERT_EN, "summary", SUMMARY.strip()[:-first])
    assert [p for p in problems(check(cli, project)) if ALERT_EN in p] == []
    post = _x_post(project)
    assert post.fits and not post.truncated
    assert "Do not trust: wallet-verify[.]example, +2 more on the page" in post.text
    # one character more is an error again (a character, not a space the loader strips)
    _set(project, ALERT_EN, "summary", SUMMARY.strip()[:-first] + "!")
    assert [p for p in problems(check(cli, project)) if ALERT_EN in p]
    # by the second number every indicator is in the post
    _set(project, ALERT_EN, "summary", SUMMARY.strip()[:-every])
    assert [p for p in problems(check(cli, project)) if ALERT_EN in p] == []
    assert all(shown in _x_post(project).text for shown in SHOWN)


def test_the_renderer_keeps_the_first_indicator_whatever_the_summary(project):
    _post_to_x(project, template=None)
    for size in range(0, 400, 7):
        _set(project, ALERT_EN, "summary", ("x" * size) or "x")
        post = _x_post(project)
        assert post.fits and "wallet-verify[.]example" in post.text, (size, post.text)
        assert post.indicators_left_out <= 2


def test_the_editor_orders_the_indicators_by_writing_them_in_that_order(cli, project):
    _post_to_x(project, template=None)
    for rel in (ALERT_EN, ALERT_ZH):
        edit(project, rel, '  domains: [wallet-verify.example]\n  addresses: ["eth:0x1111111111111111111111111111111111111111"]\n'
             '  handles: ["telegram:@fixture_fake_support"]\n',
             '  handles: ["telegram:@fixture_fake_support"]\n  addresses: ["eth:0x1111111111111111111111111111111111111111"]\n'
             '  domains: [wallet-verify.example]\n')
    _set(project, ALERT_EN, "summary", SUMMARY.strip())
    [line] = [p for p in problems(check(cli, project)) if ALERT_EN in p]
    assert "to keep the first one (fixture_fake_support (Telegram))" in line
    post = _x_post(project)
    assert "Do not trust: fixture_fake_support (Telegram)" in post.text


def test_an_update_post_keeps_the_first_indicator_and_check_counts_it(cli, project):
    _post_to_x(project, template=None)
    _set(project, ALERT_EN, "update_note", "We added the new WeChat ID the scammers use since Monday. " * 4)
    post = _x_post(project, "update")
    assert "wallet-verify[.]example" in post.text and post.truncated
    [line] = [p for p in problems(check(cli, project)) if ALERT_EN in p]
    assert re.search(r"the x update post is \d+/280 with its 3 scam indicators .* shorten the update note by at "
                     r"least \d+ to keep the first one \(wallet-verify\[\.\]example\)", line), line
