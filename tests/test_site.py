"""The help site, built for a pinned `now` and read back in a real headless Chromium."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from alertcast.plan import Plan
from alertcast.render.site import build_site

from conftest import NOW

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from alertcast.config import load_config
    from alertcast.content.loader import load_or_raise

    from conftest import FIXTURE

    config = load_config(FIXTURE)
    dest = tmp_path_factory.mktemp("site")
    build_site(Plan.at(load_or_raise(config), NOW), config, dest)
    return dest


@pytest.fixture(scope="module")
def served(site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_scheduled_alert_is_nowhere_in_the_files(site):
    assert not (site / "alerts" / "scheduled-maintenance").exists()
    assert not (site / "en" / "alerts" / "scheduled-maintenance").exists()
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".xml"):
            assert "scheduled-maintenance" not in path.read_text(encoding="utf-8", errors="replace"), path
    titles = [doc["title"] for doc in json.loads((site / "search" / "search_index.json").read_text())["docs"]]
    assert "节点维护通知" not in titles


def test_build_is_deterministic(site, tmp_path):
    from alertcast.config import load_config
    from alertcast.content.loader import load_or_raise

    from conftest import FIXTURE

    config = load_config(FIXTURE)
    build_site(Plan.at(load_or_raise(config), NOW), config, tmp_path)
    first = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_alert_page_in_the_browser(browser, served):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    response = page.goto(f"{served}/en/alerts/live-phishing/")
    assert response.status == 200
    body = page.locator("article").inner_text()
    assert "Warning" in body
    assert "wallet-verify[.]example" in body  # defanged
    assert page.locator("a[href*='wallet-verify']").count() == 0  # never a link
    assert "Added how to tell." in body  # update history
    page.screenshot(path=str(ARTIFACTS / "alert-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "alert-mobile.png"), full_page=True)
    page.close()


def test_withdrawn_and_expired_are_marked_and_scheduled_is_404(browser, served):
    page = browser.new_page()
    page.goto(f"{served}/alerts/")
    index = page.locator("article").inner_text()
    assert "假冒钱包应用" in index and "已撤回" in index
    assert "已过期" in index
    assert "节点维护通知" not in index
    page.goto(f"{served}/alerts/withdrawn-fake-app/")
    assert "误报：该应用是我们的官方测试版。" in page.locator("article").inner_text()
    assert page.goto(f"{served}/alerts/scheduled-maintenance/").status == 404
    page.goto(f"{served}/")
    page.screenshot(path=str(ARTIFACTS / "home-desktop.png"), full_page=True)
    page.close()
