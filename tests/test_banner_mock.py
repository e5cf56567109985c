"""`alertcast preview` shows what it leaves out and how to see it, and a mock of the app's home
and support screens with the banners as the app would show them, in both languages."""

from __future__ import annotations

import logging

import pytest
from playwright.sync_api import sync_playwright

from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.plan import Plan
from alertcast.preview import make_builder, not_shown
from alertcast.render.banner_mock import PATH

from conftest import NOW

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]


def test_preview_names_each_scheduled_alert_with_the_now_that_shows_it(config):
    plan = Plan.at(load_or_raise(config), NOW)
    assert not_shown(plan, config) == [
        "not shown yet: scheduled-maintenance is scheduled for 2026-04-01 09:00 Beijing time (UTC+8); to see it, "
        "run alertcast preview --now 2026-04-01T09:00:00+08:00"]
    later = Plan.at(load_or_raise(config), NOW.replace(month=4, day=1, hour=9))
    assert not_shown(later, config) == []  # at that --now it is shown


@pytest.fixture
def built(project, tmp_path, caplog):
    output = tmp_path / "site"
    with caplog.at_level(logging.INFO, logger="alertcast.preview"):
        make_builder(project, output, lambda: NOW)()
    return output


def test_each_rebuild_logs_what_it_does_not_show_and_writes_the_banner_mock(built, caplog):
    messages = [r.getMessage() for r in caplog.get_records("setup")]
    assert any(m.startswith("not shown yet: scheduled-maintenance") for m in messages), messages
    assert any("2026-03-15 00:00 Beijing time (UTC+8)" in m for m in messages), messages
    assert (built / PATH).is_file()


def test_the_mock_shows_the_banners_on_the_home_and_support_screens_in_both_languages(built, project):
    config = load_config(project)
    alert = load_or_raise(config).alert("live-phishing")  # banner on home and support
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto((built / PATH).resolve().as_uri())
        for lang in ("zh", "en"):
            text = alert.texts[lang]
            for placement in ("home", "support"):
                phone = page.locator(f'.phone[data-lang="{lang}"][data-placement="{placement}"]')
                assert phone.count() == 1
                assert phone.locator("h3").inner_text() == text.title
                assert phone.locator(".card p").inner_text() == text.summary
                assert phone.locator("a.button").get_attribute("href") == config.page_url("alerts", "live-phishing", lang)
        scheduled = page.locator('.phone[data-scheduled="scheduled-maintenance"][data-lang="zh"]')
        assert "节点维护通知" in scheduled.inner_text()
        assert "2026-04-01 09:00 北京时间（UTC+8）起显示" in scheduled.inner_text()
        assert "alertcast preview --now 2026-04-01T09:00:00+08:00" in scheduled.inner_text()
        assert "\\u" not in page.content()  # text, not JSON escapes
        browser.close()
