"""The help site, built for a pinned `now` and read back in a real headless Chromium."""

from __future__ import annotations

import functools
import http.server
import json
import threading
import time
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


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """A static host, plus an endpoint that records what the feedback widget posts."""

    posted: list[tuple[str, bytes]] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.posted.append((self.path, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):  # keep test output readable
        pass


@pytest.fixture(scope="module")
def served(site):
    handler = functools.partial(SiteHandler, directory=str(site))
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


@pytest.fixture
def page(browser):
    tab = browser.new_page()
    yield tab
    tab.close()


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
    page.close()


PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("name, path", [("home", "/"), ("alert", "/alerts/live-phishing/"),
                                        ("home-en", "/en/"), ("alert-en", "/en/alerts/live-phishing/")])
def test_screenshots_desktop_and_mobile(browser, served, name, path):
    """Saved as test artifacts for a person to look at; asserted to be real, non-empty images."""
    ARTIFACTS.mkdir(exist_ok=True)
    for device, viewport in (("desktop", {"width": 1280, "height": 900}), ("mobile", {"width": 390, "height": 844})):
        page = browser.new_page(viewport=viewport)
        assert page.goto(served + path).status == 200
        target = ARTIFACTS / f"{name}-{device}.png"
        page.screenshot(path=str(target), full_page=True)
        if device == "mobile":  # the layout fits the phone: nothing wider than the screen
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.close()
        data = target.read_bytes()
        assert data.startswith(PNG) and len(data) > 10_000, target


def _tokens(site: Path) -> set[str]:
    import re

    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    return {t for d in docs for t in re.split(r"[\s\u200b，。：·]+", re.sub(r"<[^>]+>", " ", d["title"] + " " + d["text"]))}


def test_domain_words_are_indexed_whole(site):
    """Default jieba splits 助记词 into 助记 + 词, and then a search for 助记词 finds nothing."""
    tokens = _tokens(site)
    assert {"助记词", "客服"} <= tokens
    assert "助记" not in tokens


def _search(page, served: str, lang_root: str, query: str) -> list[str]:
    """Type a query as a reader does and return the result titles (Material segments on U+200B)."""
    page.goto(f"{served}{lang_root}")
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(query)
    box.press("End")  # Material searches on key events; filled CJK text fires none by itself
    page.wait_for_function(
        "() => { const m = document.querySelector('.md-search-result__meta');"
        " return m && /\\d|没有|No matching/.test(m.textContent); }", timeout=15_000)
    items = page.locator(".md-search-result__item h1, .md-search-result__item h2").all_inner_texts()
    return [t.replace("\u200b", "").strip() for t in items]


def test_chinese_and_english_search_in_the_browser(page, served):
    assert any("钓鱼网站冒充钱包" in t for t in _search(page, served, "/", "助记词"))
    assert any("识别钓鱼网站" in t for t in _search(page, served, "/", "客服"))
    assert any("Phishing site poses as the wallet" in t for t in _search(page, served, "/en/", "phishing"))
    assert not any("维护" in t for t in _search(page, served, "/", "节点维护"))  # scheduled: not in search


def test_announcement_bar_links_the_most_severe_live_alert(page, served):
    page.goto(f"{served}/en/guides/spot-phishing/")
    bar = page.locator(".md-banner a.alertcast-announce")
    assert bar.inner_text().replace("\n", " ").strip() == "Warning Phishing site poses as the wallet"
    bar.click()
    page.wait_for_url("**/en/alerts/live-phishing/")
    assert page.locator("article h1").inner_text() == "Phishing site poses as the wallet"


def test_no_announcement_when_nothing_is_live(tmp_path):
    from datetime import datetime

    from alertcast.config import load_config
    from alertcast.content.loader import load_or_raise

    from conftest import CST, FIXTURE

    config = load_config(FIXTURE)
    before_everything = datetime(2025, 1, 1, tzinfo=CST)
    build_site(Plan.at(load_or_raise(config), before_everything), config, tmp_path)
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<aside class=\"md-banner\">" not in html and "data-alert-id" not in html


def test_language_switcher_goes_to_the_twin_page(page, served):
    page.goto(f"{served}/alerts/live-phishing/")
    page.locator(".md-header__option .md-select button").first.hover()
    page.locator("a.md-select__link[hreflang='en']").click()
    page.wait_for_url("**/en/alerts/live-phishing/")
    assert page.locator("article h1").inner_text() == "Phishing site poses as the wallet"
    page.locator(".md-header__option .md-select button").first.hover()
    page.locator("a.md-select__link[hreflang='zh']").click()
    page.wait_for_url(f"{served}/alerts/live-phishing/")
    assert page.locator("article h1").inner_text() == "钓鱼网站冒充钱包"


def test_feeds_are_announced_in_the_head_and_linked_from_the_alert_index(page, served):
    page.goto(f"{served}/en/alerts/")
    heads = {page.locator(f"link[rel=alternate][type='{kind}']").get_attribute("href")
             for kind in ("application/rss+xml", "application/atom+xml", "application/feed+json")}
    assert heads == {"/feeds/alerts.en.rss.xml", "/feeds/alerts.en.atom.xml", "/feeds/alerts.en.json"}
    links = {a.get_attribute("href") for a in page.locator("article a").all()}
    assert heads <= links


def test_was_this_page_helpful_posts_the_rating(page, served):
    page.goto(f"{served}/en/guides/spot-phishing/")
    form = page.locator("form.md-feedback")
    form.wait_for(state="visible")
    assert "Was this page helpful?" in form.inner_text()
    SiteHandler.posted.clear()
    form.locator("button[data-md-value='1']").click()
    assert page.locator(".md-feedback__note").inner_text().strip() == "Thanks for your feedback!"
    page.wait_for_function("() => true")  # let the beacon leave
    deadline = time.monotonic() + 10
    while not SiteHandler.posted and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [(path, json.loads(body)) for path, body in SiteHandler.posted] == [
        ("/api/feedback", {"page": "/en/guides/spot-phishing/", "rating": 1})]


def test_printed_page_is_the_article_alone(page, served):
    page.goto(f"{served}/en/alerts/live-phishing/")
    assert page.locator(".md-banner").is_visible()
    page.emulate_media(media="print")
    for chrome in (".md-banner", ".md-header", ".md-sidebar--primary", ".md-footer"):
        assert not page.locator(chrome).first.is_visible(), chrome
    assert page.locator("article h1").is_visible()


def test_alerts_stay_out_of_the_sidebar(site):
    """mkdocs renders the whole nav into every page: alerts there make the site quadratic."""
    for page in ("alerts/live-phishing/index.html", "guides/spot-phishing/index.html", "index.html"):
        html = (site / page).read_text(encoding="utf-8")
        nav = html.split("md-sidebar--primary", 1)[1].split("md-sidebar--secondary", 1)[0]
        assert "live-phishing" not in nav and "expired-airdrop" not in nav and "withdrawn-fake-app" not in nav, page


def test_missing_theme_folder_is_reported_with_file_and_line(project, cli, tmp_path):
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  language: zh\n", "  language: zh\n  custom_dir: theme\n", 1),
                      encoding="utf-8")
    result = cli("build", "-p", project, "--now", NOW.isoformat(), "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "mkdocs.yml:9:3: error: theme.custom_dir 'theme' is not a folder (create it" in result.output
    assert "Traceback" not in result.output
