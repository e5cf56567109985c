"""The help site, built for a pinned `now` and read back in a real headless Chromium."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import re
import shutil
import threading
import time
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml
from playwright.sync_api import sync_playwright

from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.plan import Plan
from alertcast.render.site import build_site, markdown_extensions, python_options, site_config

from conftest import FIXTURE, NOW, REPO
from fakes import QuietServer

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
#: The moment the README screenshots show the bundled content at.
PINNED = datetime(2026, 11, 22, 12, 0, tzinfo=timezone(timedelta(hours=8)))


def _alert(title: str, summary: str, front: str, body: str) -> str:
    return f'---\ntitle: "{title}"\nsummary: "{summary}"\n{front}---\n\n{body}\n'


def _guide(title: str, summary: str, front: str) -> str:
    return f"---\ntitle: {title}\nsummary: {summary}\n{front}---\n\n## Steps\n\n1. {summary}\n"


#: Added to a copy of the fixture project. At NOW: live-approval is live and newer (but less
#: severe) than live-phishing, written in UTC so the site must convert it to the editors' time
#: zone; expired-critical has expired and scheduled-critical is scheduled, both more severe than
#: any live alert. Three more guides, one per level, check the guides' order.
EXTRA = {
    "alerts/live-approval": (
        ("Unlimited approval requests on fake swap sites", "Fake swap sites ask for an unlimited token approval.",
         "假冒兑换网站索要无限额授权", "假冒兑换网站要求你给出无限额的代币授权。"),
        "severity: advisory\ncategory: approval\npublish_at: 2026-03-10T01:00:00Z\nexpires_at: 2026-06-01T00:00:00Z\n"
        "related: [spot-phishing, revoke-basics]\n"),
    "alerts/expired-critical": (
        ("Drainer kit on a fake exchange", "A fake exchange drained wallets that connected to it.",
         "假冒交易所盗币", "假冒交易所会盗走连接它的钱包里的资产。"),
        "severity: critical\ncategory: phishing\npublish_at: 2026-03-05T09:00:00+08:00\n"
        "expires_at: 2026-03-10T09:00:00+08:00\nrelated: [spot-phishing]\n"),
    "alerts/scheduled-critical": (
        ("Emergency upgrade", "An emergency upgrade is coming.", "紧急升级", "即将进行紧急升级。"),
        "severity: critical\ncategory: incident\npublish_at: 2026-03-20T09:00:00+08:00\n"
        "related: [spot-phishing, cold-storage]\n"),
}
GUIDES = {
    "create-first": (("Create a wallet", "Start here.", "创建钱包", "从这里开始。"),
                     "level: basic\norder: 5\nupdated_at: 2026-03-03T23:30:00Z\n"),
    "revoke-basics": (("Revoke approvals", "Take back what you allowed.", "撤销授权", "收回你给出的授权。"),
                      "level: intermediate\norder: 50\n"),
    "cold-storage": (("Cold storage", "Keep savings offline.", "冷存储", "把积蓄放在离线设备上。"),
                     "level: advanced\norder: 1\n"),
}


#: Links to a heading, as editors write them: from the home page to the guide's file, and within
#: the guide. The guide's heading is "## 步骤" / "## Steps" (the fixture's).
TO_HEADINGS = {"zh": ("先看[识别钓鱼网站的步骤](guides/spot-phishing.zh.md#步骤)。", "[回到步骤](#步骤)"),
               "en": ("First read [the steps](guides/spot-phishing.en.md#steps).", "[Back to the steps](#steps)")}


def richer_project(target: Path) -> Path:
    """The fixture project plus EXTRA alerts and GUIDES, in both languages, and TO_HEADINGS."""
    shutil.copytree(FIXTURE, target)
    for lang, (home, guide) in TO_HEADINGS.items():
        with (target / "content" / f"index.{lang}.md").open("a", encoding="utf-8") as f:
            f.write(f"\n{home}\n")
        with (target / "content" / "guides" / f"spot-phishing.{lang}.md").open("a", encoding="utf-8") as f:
            f.write(f"\n{guide}\n")
    for stem, ((en_title, en_summary, zh_title, zh_summary), front) in EXTRA.items():
        for lang, title, summary in (("en", en_title, en_summary), ("zh", zh_title, zh_summary)):
            (target / "content" / f"{stem}.{lang}.md").write_text(
                _alert(title, summary, front, summary), encoding="utf-8")
    for stem, ((en_title, en_summary, zh_title, zh_summary), front) in GUIDES.items():
        for lang, title, summary in (("en", en_title, en_summary), ("zh", zh_title, zh_summary)):
            (target / "content" / "guides" / f"{stem}.{lang}.md").write_text(
                _guide(title, summary, front), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def richer(tmp_path_factory):
    return richer_project(tmp_path_factory.mktemp("richer") / "project")


@pytest.fixture(scope="module")
def site(tmp_path_factory, richer):
    config = load_config(richer)
    dest = tmp_path_factory.mktemp("site")
    build_site(Plan.at(load_or_raise(config), NOW), config, dest)
    return dest


@pytest.fixture(scope="module")
def bundled_plan():
    return Plan.at(load_or_raise(load_config(REPO)), PINNED)


@pytest.fixture(scope="module")
def bundled_site(tmp_path_factory, bundled_plan):
    """The repository's own content at the README's moment: what readers would see."""
    dest = tmp_path_factory.mktemp("bundled-site")
    build_site(bundled_plan, load_config(REPO), dest)
    return dest


@contextlib.contextmanager
def _serve(root: Path):
    """`root` served over HTTP while the block runs; yields the base URL."""
    handler = functools.partial(SiteHandler, directory=str(root))
    server = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """A static host that answers a missing address with the root 404.html (as GitHub Pages, S3
    and most hosts are set up to), plus an endpoint that records what the feedback widget posts."""

    posted: list[tuple[str, bytes]] = []

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.posted.append((self.path, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):  # keep test output readable
        pass


#: The site engines the browser tests read the site of (docs/site.md, "Zensical").
ENGINES = ("mkdocs", "zensical")


def with_engine(project: Path, engine: str, dest: Path) -> Path:
    """A copy of `project` (mkdocs.yml and content/) whose site builds with `engine`."""
    dest.mkdir(parents=True)
    shutil.copytree(project / "content", dest / "content")
    text = (project / "mkdocs.yml").read_text(encoding="utf-8")
    (dest / "mkdocs.yml").write_text(text.replace("extra:\n  alertcast:\n", "extra:\n  alertcast:\n    site:\n"
                                                  f"      engine: {engine}\n", 1), encoding="utf-8")
    return dest


#: Why a browser test that reads only a page's article runs on mkdocs' site alone.
SAME_ARTICLE = ("the article is the staged Markdown rendered with the same extensions by both engines "
                "(test_each_page_holds_the_same_article_on_both_engines); Zensical's differs in the theme around it")


@pytest.fixture(scope="module", params=ENGINES)
def engine(request):
    """Each engine in turn; its sites are built once per module, for every test that reads them."""
    return request.param


def _built_by(engine, project, name, tmp_path_factory, plan=None):  # type: ignore[no-untyped-def]
    """A copy of `project` built by `engine` (the plan of its own content unless `plan` is given)."""
    config = load_config(with_engine(project, engine, tmp_path_factory.mktemp(engine) / name))
    dest = tmp_path_factory.mktemp(f"{name}-site-{engine}")
    build_site(plan or Plan.at(load_or_raise(config), NOW), config, dest)
    return dest


@pytest.fixture(scope="module")
def engine_site(engine, site, richer, tmp_path_factory):
    """`site`, built by `engine`."""
    return site if engine == "mkdocs" else _built_by(engine, richer, "project", tmp_path_factory)


@pytest.fixture(scope="module")
def bundled_engine_site(engine, bundled_site, bundled_plan, tmp_path_factory):
    """`bundled_site`, built by `engine`."""
    return bundled_site if engine == "mkdocs" else _built_by(engine, REPO, "bundled", tmp_path_factory, bundled_plan)


def _article(site: Path, page: Path) -> list[tuple]:
    """What a page's <article> holds, element by element: tag, classes, the address a link leads to
    (resolved: engines write the same link differently, ./ or ../../category/x/) and the text."""
    import lxml.html

    url = "https://site.example/" + page.relative_to(site).as_posix().removesuffix("index.html")
    (article,) = lxml.html.parse(str(page)).getroot().iter("article")
    for own in article.xpath(".//*[@id='alertcast-verify'] | .//script"):  # verify.html's form, data and script
        own.drop_tree()
    return [(el.tag, el.get("class"), None if el.get("href") is None else urljoin(url, el.get("href")),
             " ".join((el.text or "").split()), " ".join((el.tail or "").split()))
            for el in article.iter() if isinstance(el.tag, str) and el.get("id") != "__skip"]  # Zensical's skip target


def test_each_page_holds_the_same_article_on_both_engines(engine, engine_site, site, bundled_engine_site,
                                                         bundled_site):
    """Zensical renders the staged Markdown with the extensions mkdocs uses, inside its own theme:
    every page's article is the same as mkdocs' (the browser tests that read articles alone run
    on mkdocs' site; those that read the theme around them run on both)."""
    if engine == "mkdocs":
        pytest.skip("mkdocs' pages are what the other engine's are compared with")
    for reference, other in ((site, engine_site), (bundled_site, bundled_engine_site)):
        pages = sorted(reference.rglob("*.html"))
        assert len(pages) > 20
        for path in pages:
            twin = other / path.relative_to(reference)
            assert twin.is_file(), twin
            assert _article(other, twin) == _article(reference, path), path.relative_to(reference)


@pytest.fixture(scope="module")
def served(engine_site):
    with _serve(engine_site) as url:
        yield url


@pytest.fixture(scope="module")
def bundled_served(bundled_engine_site):
    with _serve(bundled_engine_site) as url:
        yield url


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


SCHEDULED = {"scheduled-maintenance": "节点维护通知", "scheduled-critical": "紧急升级"}


def test_scheduled_alerts_are_nowhere_in_the_files(site):
    for stem, title in SCHEDULED.items():
        assert not (site / "alerts" / stem).exists()
        assert not (site / "en" / "alerts" / stem).exists()
        for path in site.rglob("*"):
            if path.is_file() and path.suffix in (".html", ".json", ".xml"):
                text = path.read_text(encoding="utf-8", errors="replace")
                assert stem not in text and title not in text, path
    titles = [doc["title"] for doc in json.loads((site / "search" / "search_index.json").read_text())["docs"]]
    assert "节点维护通知" not in titles


def test_build_is_deterministic(site, richer, tmp_path):
    config = load_config(richer)
    build_site(Plan.at(load_or_raise(config), NOW), config, tmp_path)
    first = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_no_page_shows_admonition_markup_as_text(site):
    """The fixture's mkdocs.yml enables no extension: alertcast adds what its pages need."""
    pages = [p for p in site.rglob("*.html")]
    assert any("admonition" in p.read_text(encoding="utf-8") for p in pages)
    for path in pages:
        assert "<p>!!!" not in path.read_text(encoding="utf-8"), path


def test_markdown_extensions_keep_the_users_and_add_what_alertcast_needs():
    """And the sanitiser, last (tests/test_security.py)."""
    clean = "alertcast.render.sanitize"
    assert markdown_extensions(None) == ["admonition", "md_in_html", clean]
    assert markdown_extensions(["attr_list", {"toc": {"permalink": True}}]) == [
        "attr_list", {"toc": {"permalink": True}}, "admonition", "md_in_html", clean]
    assert markdown_extensions(["markdown.extensions.admonition", "md_in_html"]) == [
        "markdown.extensions.admonition", "md_in_html", clean]
    assert markdown_extensions({"admonition": None, "toc": {"permalink": "#"}}) == [
        "admonition", {"toc": {"permalink": "#"}}, "md_in_html", clean]


def test_repository_enables_materials_recommended_extensions_as_plain_yaml():
    """Plain names and options, no !!python tags: Zensical reads the same file."""
    extensions = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))["markdown_extensions"]
    names = {next(iter(e)) if isinstance(e, dict) else e for e in extensions}
    assert {"admonition", "pymdownx.details", "attr_list", "md_in_html", "tables", "toc",
            "pymdownx.superfences", "pymdownx.tabbed", "pymdownx.tasklist", "footnotes"} <= names
    assert {"toc": {"permalink": True}} in extensions


def test_staged_configuration_runs_no_python_plugin_or_hook(project, tmp_path):
    config_file = project / "mkdocs.yml"
    config_file.write_text(config_file.read_text(encoding="utf-8") + "hooks:\n  - hooks.py\nplugins:\n  - blog\n",
                           encoding="utf-8")
    config = load_config(project)
    staged = site_config(config, "en", tmp_path / "docs", tmp_path / "site", Plan.at(load_or_raise(config), NOW))
    assert "hooks" not in staged
    assert [next(iter(p)) for p in staged["plugins"]] == ["search"]
    assert json.loads(json.dumps(staged)) == staged  # plain data: nothing but YAML scalars, lists and mappings
    # The Python values go to mkdocs beside it (Unicode slugs for anchors), leaving it as it was.
    before = json.dumps(staged)
    toc = next(e["toc"] for e in python_options(staged)["markdown_extensions"] if isinstance(e, dict) and "toc" in e)
    assert toc["slugify"]("为什么：重要 Steps", "-") == "为什么重要-steps" and json.dumps(staged) == before


def test_plain_mkdocs_build_of_the_repository_publishes_no_alert(bundled, tmp_path):
    """Someone building the repository's mkdocs.yml by hand must not publish a scheduled alert,
    even with a builder that skips the alertcast plugin that stops `mkdocs build` (Zensical, or
    mkdocs' Python API as here, which runs no startup event): see test_plain_mkdocs.py."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config as mkdocs_config

    config = mkdocs_config(str(bundled / "mkdocs.yml"), site_dir=str(tmp_path / "plain"), plugins=["search"])
    build(config)
    site = tmp_path / "plain"
    assert (site / "sitemap.xml").is_file() and list(site.rglob("guides"))
    assert not list(site.rglob("alerts"))
    assert "/alerts/" not in (site / "sitemap.xml").read_text(encoding="utf-8")
    docs = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    assert not [d["location"] for d in docs if "alerts/" in d["location"]]


def test_alert_page_in_the_browser(engine, browser, served):
    if engine != "mkdocs":
        pytest.skip(SAME_ARTICLE)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    response = page.goto(f"{served}/en/alerts/live-phishing/")
    assert response.status == 200
    body = page.locator("article").inner_text()
    assert page.locator("article .alertcast-badge--warning").inner_text() == "Warning"
    assert "wallet-verify[.]example" in body  # defanged
    assert page.locator("a[href*='wallet-verify']").count() == 0  # never a link
    page.close()


def test_alert_page_shows_its_history_in_the_editors_time_zone(engine, page, served):
    if engine != "mkdocs":
        pytest.skip(SAME_ARTICLE)
    page.goto(f"{served}/en/alerts/live-phishing/")
    history = page.locator("article h2:has-text('History') + ul > li").all_inner_texts()
    assert history == ["2026-03-02 12:00 (UTC+8) · Updated — Added how to tell.",
                       "2026-03-01 10:00 (UTC+8) · Published"]
    page.goto(f"{served}/alerts/withdrawn-fake-app/")
    history = page.locator("article h2:has-text('更新记录') + ul > li").all_inner_texts()
    assert history == ["2026-02-11 10:00 (UTC+8) · 撤回 — 误报：该应用是我们的官方测试版。",
                       "2026-02-10 12:00 (UTC+8) · 发布"]
    page.goto(f"{served}/en/alerts/live-approval/")  # written in UTC, shown in Asia/Shanghai
    history = page.locator("article h2:has-text('History') + ul > li").all_inner_texts()
    assert history == ["2026-06-01 08:00 (UTC+8) · Expires", "2026-03-10 09:00 (UTC+8) · Published"]
    assert page.locator("article time").first.get_attribute("datetime") == "2026-03-10T09:00:00+08:00"
    page.goto(f"{served}/en/alerts/expired-airdrop/")
    history = page.locator("article h2:has-text('History') + ul > li").all_inner_texts()
    assert history == ["2026-02-20 08:00 (UTC+8) · Expired", "2026-02-01 08:00 (UTC+8) · Published"]


def test_withdrawn_and_expired_are_marked_and_scheduled_is_404(engine, browser, served):
    if engine != "mkdocs":
        pytest.skip(SAME_ARTICLE)
    page = browser.new_page()
    page.goto(f"{served}/alerts/")
    index = page.locator("article").inner_text()
    assert "假冒钱包应用" in index and "已撤回" in index
    assert "已过期" in index
    assert "节点维护通知" not in index
    page.goto(f"{served}/alerts/withdrawn-fake-app/")
    notice = page.locator("article .admonition.failure")
    assert notice.locator(".admonition-title").inner_text() == "已撤回"
    assert "误报：该应用是我们的官方测试版。" in notice.inner_text()
    assert "2026-02-11 10:00 (UTC+8)" in notice.inner_text()
    page.goto(f"{served}/en/alerts/expired-airdrop/")
    notice = page.locator("article .admonition.note")
    assert notice.locator(".admonition-title").inner_text() == "Expired"
    assert "expired on 2026-02-20 08:00 (UTC+8)" in notice.inner_text()
    assert page.goto(f"{served}/alerts/scheduled-maintenance/").status == 404
    page.close()


def _luminance(css: str) -> float:
    channels = [int(c) / 255 for c in re.findall(r"\d+", css)[:3]]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _listing(page, within: str = "article") -> list[dict]:
    """Each alert of a listing: its link, severity badge, marks and the line of category and dates."""
    return page.locator(f"{within} li:has(.alertcast-badge)").evaluate_all("""items => items.map(li => ({
        href: li.querySelector(':scope > a').getAttribute('href'),
        badge: li.querySelector('.alertcast-badge').textContent,
        severity: li.querySelector('.alertcast-badge').className.split('--')[1],
        marks: [...li.querySelectorAll('.alertcast-mark')].map(m => m.textContent),
        meta: li.querySelector('.alertcast-meta').innerText,
        category: li.querySelector('.alertcast-meta a').getAttribute('href'),
        colour: getComputedStyle(li.querySelector('.alertcast-badge')).color,
        background: getComputedStyle(li.querySelector('.alertcast-badge')).backgroundColor}))""")


def test_alert_index_lists_newest_first_with_badges_categories_and_dates(engine, page, served):
    if engine != "mkdocs":
        pytest.skip(SAME_ARTICLE)
    page.goto(f"{served}/en/alerts/")
    items = _listing(page)
    assert [i["href"] for i in items] == ["live-approval/", "expired-critical/", "live-phishing/",
                                          "withdrawn-fake-app/", "expired-airdrop/"]
    by_id = {i["href"].strip("./"): i for i in items}
    assert [by_id[a]["badge"] for a in ("live-approval", "expired-critical", "live-phishing")] == [
        "Advisory", "Critical", "Warning"]
    backgrounds = {i["severity"]: i["background"] for i in items}
    assert len(set(backgrounds.values())) == 3  # one colour per severity
    for item in items:  # readable: white on the colour, at least 4.5:1
        light, dark = sorted((_luminance(item["colour"]), _luminance(item["background"])), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, item
    assert by_id["live-phishing"]["meta"] == ("Phishing · Published 2026-03-01 10:00 (UTC+8) · "
                                              "Updated 2026-03-02 12:00 (UTC+8)")
    assert by_id["live-approval"]["meta"] == ("Approval and signature scams · Published 2026-03-10 09:00 (UTC+8) · "
                                              "Expires 2026-06-01 08:00 (UTC+8)")
    assert by_id["expired-airdrop"]["meta"].endswith("Expired 2026-02-20 08:00 (UTC+8)")
    assert by_id["withdrawn-fake-app"]["meta"].endswith("Withdrawn 2026-02-11 10:00 (UTC+8)")
    assert by_id["withdrawn-fake-app"]["marks"] == ["Withdrawn"]
    assert by_id["expired-airdrop"]["marks"] == ["Expired"] and by_id["live-phishing"]["marks"] == []
    page.locator("article li:has(a[href='live-phishing/']) .alertcast-meta a").click()
    page.wait_for_url("**/en/alerts/category/phishing/")
    assert page.locator("article h1").inner_text() == "Alerts: Phishing"
    assert [i["href"] for i in _listing(page)] == ["../../expired-critical/", "../../live-phishing/"]
    page.goto(f"{served}/alerts/")
    zh = {i["href"].strip("./"): i for i in _listing(page)}
    assert zh["live-phishing"]["badge"] == "警告"
    assert zh["live-phishing"]["meta"] == "钓鱼网站 · 发布 2026-03-01 10:00 (UTC+8) · 更新 2026-03-02 12:00 (UTC+8)"
    assert zh["expired-airdrop"]["marks"] == ["已过期"]


def test_home_page_lists_the_live_alerts_newest_first(engine, page, served):
    """The fixture's home page has no marker: the list goes right under its heading."""
    if engine != "mkdocs":
        pytest.skip(SAME_ARTICLE)
    for root, heading in (("/en/", "Latest warnings"), ("/", "最新警报")):
        page.goto(served + root)
        assert page.locator("article h1 + h2").inner_text() == heading
        items = _listing(page)
        assert [i["href"] for i in items] == ["alerts/live-approval/", "alerts/live-phishing/"]
        assert [i["severity"] for i in items] == ["advisory", "warning"]
    page.locator("article li a[href='alerts/live-approval/']").click()
    page.wait_for_url("**/alerts/live-approval/")


def test_home_page_lists_the_latest_alerts_at_the_marker(bundled_site, bundled_plan):
    for lang, prefix in (("zh", ""), ("en", "en/")):
        html = (bundled_site / prefix / "index.html").read_text(encoding="utf-8")
        assert "alertcast:latest-alerts" not in html
        article = html.split("<article", 1)[1].split("</article>", 1)[0]
        headings = re.findall(r"<h2 id=\"[^\"]*\">(.*?)<", article)
        latest = article.split(headings[0], 1)[1].split(headings[1], 1)[0]  # the marker sits in the first section
        shown = re.findall(r'<a href="alerts/([a-z0-9-]+)/">', latest)
        assert shown == [a.id for a in bundled_plan.live[:5]], lang
        assert len(bundled_plan.live) > 5 and 'href="alerts/"' in latest


def test_guides_are_in_the_navigation_by_level_and_order(page, served):
    here = f"{served}/en/guides/spot-phishing/"
    page.goto(here)
    nav = page.locator(".md-sidebar--primary a.md-nav__link").evaluate_all(  # where each leads (Zensical writes ././)
        "links => links.filter(a => !a.getAttribute('href').startsWith('#')).map(a => a.href)")
    assert nav == [urljoin(here, href) for href in
                   ["../..", "../../alerts/", "../", "../create-first/", "./", "../revoke-basics/", "../cold-storage/"]]
    html = page.content()
    assert "live-phishing" not in html.split("md-sidebar--primary", 1)[1].split("md-sidebar--secondary", 1)[0]


def test_navigation_prune_keeps_other_sections_closed(site):
    html = (site / "en" / "alerts" / "live-phishing" / "index.html").read_text(encoding="utf-8")
    nav = html.split("md-sidebar--primary", 1)[1].split("md-sidebar--secondary", 1)[0]
    assert "guides/" in nav and "spot-phishing" not in nav and "create-first" not in nav


def test_guide_page_shows_its_update_and_the_alerts_that_name_it(engine, page, served):
    if engine != "mkdocs":
        pytest.skip(SAME_ARTICLE)
    page.goto(f"{served}/en/guides/spot-phishing/")
    why = _listing(page, "article h2:has-text('Alerts that show why this matters') + ul")
    assert [i["href"] for i in why] == ["../../alerts/live-approval/", "../../alerts/expired-critical/",
                                                  "../../alerts/live-phishing/", "../../alerts/withdrawn-fake-app/",
                                                  "../../alerts/expired-airdrop/"]
    page.goto(f"{served}/guides/cold-storage/")  # named by a scheduled alert only
    assert page.locator("article h2").count() == 1  # its own "Steps", no list of alerts
    page.goto(f"{served}/guides/create-first/")
    assert page.locator("article h1 + p > .alertcast-meta").inner_text() == "最近更新 2026-03-04"
    page.goto(f"{served}/en/guides/create-first/")
    assert "Last updated 2026-03-04" in page.locator("article").inner_text()


def test_guide_page_shows_its_related_guides(engine, page, bundled_served):
    """backup-recovery-phrase names create-wallet, import-restore-wallet,
    hardware-wallets-cold-storage and safety-checklist as related: linked under the guide, in its language."""
    if engine != "mkdocs":
        pytest.skip(SAME_ARTICLE)
    for root, heading, title in (("/", "相关教程", "硬件钱包与冷存储"), ("/en/", "Related guides", "Hardware wallets")):
        page.goto(f"{bundled_served}{root}guides/backup-recovery-phrase/")
        related = page.locator(f"article h2:has-text('{heading}') + ul a")
        assert related.evaluate_all("links => links.map(a => a.getAttribute('href'))") == [
            "../create-wallet/", "../import-restore-wallet/", "../hardware-wallets-cold-storage/", "../safety-checklist/"]
        assert title in related.nth(2).inner_text()
        related.nth(2).click()
        page.wait_for_url(f"{bundled_served}{root}guides/hardware-wallets-cold-storage/")


PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_screenshots_desktop_and_mobile(browser, bundled_served, bundled_plan, lang):
    """Saved as test artifacts for a person to look at (the bundled content at the README's
    moment); asserted to be real, non-empty images of pages that fit a phone's width."""
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = "" if lang == "zh" else "en/"
    alert = next(a for a in bundled_plan.live if a.updated_at)  # a page with a history
    for name, path in (("home", ""), ("alert", f"alerts/{alert.id}/")):
        for device, viewport in (("desktop", {"width": 1280, "height": 900}),
                                 ("mobile", {"width": 390, "height": 844})):
            page = browser.new_page(viewport=viewport)
            assert page.goto(f"{bundled_served}/{prefix}{path}").status == 200
            target = ARTIFACTS / f"{name}-{lang}-{device}.png"
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


#: Zensical's search is its own dialog, with its own ranking, and segments Chinese in the
#: browser (Intl.Segmenter) without the domain's words: docs/site.md, "Zensical".
MATERIAL_SEARCH = "Material's search (jieba with the domain's words, lunr's ranking); Zensical's differs (docs/site.md)"


def open_search(page, engine: str) -> None:
    """Open the search as a reader does: from the header's icon on a phone, else the box
    (Material) or the button that opens Zensical's dialog (in a shadow root, which locators
    reach); then it takes typing."""
    opener = page.locator(".md-header label.md-header__button[for='__search']")
    if opener.is_visible():
        opener.click()
    if engine == "zensical":
        if not opener.is_visible():
            page.locator(".md-search__button").first.click()
        page.locator("dialog[open]").first.wait_for()
    else:
        page.locator("input.md-search__input").click()


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


def test_chinese_and_english_search_in_the_browser(engine, page, served):
    if engine != "mkdocs":
        pytest.skip(MATERIAL_SEARCH)
    assert any("钓鱼网站冒充钱包" in t for t in _search(page, served, "/", "助记词"))
    assert any("识别钓鱼网站" in t for t in _search(page, served, "/", "客服"))
    assert any("Phishing site poses as the wallet" in t for t in _search(page, served, "/en/", "phishing"))
    assert not any("维护" in t for t in _search(page, served, "/", "节点维护"))  # scheduled: not in search


#: (language root, query, the first result's page title) on the bundled content: Latin words
#: written between full-width punctuation in Chinese text (（passphrase，, Chain、Polygon、Arbitrum,
#: Discord、, nonce、), whole English words in Chinese pages, and Chinese queries of several words.
SEARCHES = [
    ("/", "passphrase", "导入或恢复钱包"),
    ("/", "Polygon", "常见问题"),
    ("/", "Arbitrum", "常见问题"),
    ("/", "Discord", "官方客服永远不会做的事"),
    ("/", "nonce", "看懂每一种签名请求"),  # nonce 0 in each example; and see below
    ("/", "助记词", "备份并核对助记词"),
    ("/", "硬件钱包", "硬件钱包与冷存储入门"),
    ("/", "授权", "查看并撤销代币授权"),
    ("/en/", "nonce", "Read any signature request"),
    ("/en/", "Polygon", "Frequently asked questions"),
]


def _result_pages(page, served: str, lang_root: str, query: str) -> list[str]:
    """The titles of the pages a typed query finds, in the order shown."""
    _search(page, served, lang_root, query)
    return [t.replace("\u200b", "").strip() for t in page.locator(".md-search-result__item > a h1").all_inner_texts()]


@pytest.mark.parametrize("lang_root, query, first", SEARCHES)
def test_search_finds_each_word_first_where_it_belongs(engine, page, bundled_served, lang_root, query, first):
    if engine != "mkdocs":
        pytest.skip(MATERIAL_SEARCH)
    assert _result_pages(page, bundled_served, lang_root, query)[:1] == [first]


def test_a_latin_word_before_full_width_punctuation_is_found(engine, page, bundled_served):
    """The fees guide writes it once in running text, as "相同的 nonce、更高的手续费"."""
    if engine != "mkdocs":
        pytest.skip(MATERIAL_SEARCH)
    assert "网络手续费与卡住的交易" in _result_pages(page, bundled_served, "/", "nonce")


def test_a_chinese_query_is_searched_as_the_words_it_is_made_of(engine, page, bundled_served):
    """空投 is a word of the index, and so is 空 (of 空钱包): the query is 空投, not 空, so a page
    with 空钱包 and no 空投 is not found."""
    if engine != "mkdocs":
        pytest.skip(MATERIAL_SEARCH)
    pages = _result_pages(page, bundled_served, "/", "空投")
    assert pages[0] == "安全警报：空投骗局" and "假空投与“领取奖励”页面" in pages
    assert "导入或恢复钱包" not in pages  # 空钱包 only
    both = _result_pages(page, bundled_served, "/", "空投钱包")  # two words: pages with either
    assert "假空投与“领取奖励”页面" in both and "导入或恢复钱包" in both


def test_announcement_bar_links_the_most_severe_live_alert(page, served):
    """Not the newest live alert (advisory), not the more severe ones that expired, were withdrawn
    or are scheduled: the warning."""
    for root, text, title in (("/en/", "Warning Phishing site poses as the wallet", "Phishing site poses as the wallet"),
                              ("/", "警告 钓鱼网站冒充钱包", "钓鱼网站冒充钱包")):
        page.goto(f"{served}{root}guides/spot-phishing/")
        bar = page.locator(".md-banner a.alertcast-announce")
        assert bar.inner_text().replace("\n", " ").strip() == text
        bar.click()
        page.wait_for_url(f"{served}{root}alerts/live-phishing/")
        assert page.locator("article h1").inner_text() == title


def test_no_announcement_when_nothing_is_live(tmp_path):
    from conftest import CST

    config = load_config(FIXTURE)
    before_everything = datetime(2025, 1, 1, tzinfo=CST)
    build_site(Plan.at(load_or_raise(config), before_everything), config, tmp_path)
    for root in (tmp_path, tmp_path / "en"):
        assert json.loads((root / "assets/alertcast/announce.json").read_bytes()) is None


def test_the_announcement_is_no_part_of_any_page(site):
    """Pages read the bar from the release's announce.json at load (the same file for every page
    of a language), so which alert is live changes that file and no page: without JavaScript the
    bar is a link to the alerts page."""
    for root, title in ((site, "钓鱼网站冒充钱包"), (site / "en", "Phishing site poses as the wallet")):
        announce = json.loads((root / "assets/alertcast/announce.json").read_bytes())
        assert (announce["id"], announce["title"], announce["url"]) == ("live-phishing", title, "../../alerts/live-phishing/")
        for page in ("index.html", "guides/spot-phishing/index.html", "alerts/live-approval/index.html", "404.html"):
            html = (root / page).read_text(encoding="utf-8")
            assert "live-phishing" not in html.split('data-md-component="announce"', 1)[1].split("</aside>", 1)[0]
            assert 'class="alertcast-announce-live"' in html and "<noscript><a class=\"alertcast-announce\"" in html


def test_no_bar_shows_when_nothing_is_live(page, tmp_path):
    config = load_config(FIXTURE)
    build_site(Plan.at(load_or_raise(config), datetime(2025, 1, 1, tzinfo=NOW.tzinfo)), config, tmp_path)
    with _serve(tmp_path) as url:
        page.goto(f"{url}/en/guides/spot-phishing/", wait_until="networkidle")
        assert not page.locator(".md-banner").is_visible()
        assert page.locator("article h1").is_visible()


def test_language_switcher_goes_to_the_twin_page(page, served):
    """Even if Material's script got the English sitemap before the default one (a race that
    sent readers to the English home about one time in five; made certain here by holding the
    default sitemap back)."""
    page.route(f"{served}/sitemap.xml", lambda route: None)  # never answered
    page.goto(f"{served}/alerts/live-phishing/", wait_until="networkidle")
    page.locator(".md-header__option .md-select button").first.hover()
    page.locator("a.md-select__link[hreflang='en']").click()
    page.wait_for_url("**/en/alerts/live-phishing/")
    assert page.locator("article h1").inner_text() == "Phishing site poses as the wallet"
    page.locator(".md-header__option .md-select button").first.hover()
    page.locator("a.md-select__link[hreflang='zh']").click()
    page.wait_for_url(f"{served}/alerts/live-phishing/")
    assert page.locator("article h1").inner_text() == "钓鱼网站冒充钱包"


def _hreflang(html: str) -> dict[str, str]:
    """hreflang -> href of the page's <link>s whose rel holds the token alternate (as HTML reads rel)."""
    links: dict[str, str] = {}

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "link" and "alternate" in (a.get("rel") or "").lower().split() and "hreflang" in a:
                links[a["hreflang"]] = a["href"]

    Links().feed(html)
    return links


def test_every_page_names_itself_in_every_language(site):
    """Absolute addresses of the same page in zh and en, x-default the default language's; every
    one of them a page of the built site."""
    pages = [p for p in site.rglob("index.html")]
    assert len(pages) > 20
    for path in pages:
        address = path.parent.relative_to(site).as_posix() + "/"
        address = "" if address == "./" else address
        here = address.removeprefix("en/")
        expected = {"zh": f"https://help.fixture.example/{here}", "en": f"https://help.fixture.example/en/{here}",
                    "x-default": f"https://help.fixture.example/{here}"}
        assert _hreflang(path.read_text(encoding="utf-8")) == expected, path
        for href in expected.values():
            assert (site / href.removeprefix("https://help.fixture.example/") / "index.html").is_file(), href


def test_language_links_in_the_browser_fetch_no_sitemap(page, served):
    """The links are what Chromium reads as rel=alternate, and Material's script asks for no
    sitemap.xml next to them (it used to, on every page view)."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{served}/en/alerts/live-phishing/", wait_until="networkidle")
    links = page.locator("link[hreflang]").evaluate_all(
        "links => links.map(l => [l.relList.contains('alternate'), l.hreflang, l.href])")
    assert links == [[True, "zh", "https://help.fixture.example/alerts/live-phishing/"],
                     [True, "en", "https://help.fixture.example/en/alerts/live-phishing/"],
                     [True, "x-default", "https://help.fixture.example/alerts/live-phishing/"]]
    assert [url for url in requested if "sitemap" in url] == []


def test_feeds_are_announced_in_the_head_and_linked_from_the_alert_index(page, served):
    """As feed autodiscovery finds them: rel holds the token "alternate" (and "feed"), type is a feed's."""
    page.goto(f"{served}/en/alerts/")
    heads = {page.locator(f"link[rel~=alternate][rel~=feed][type='{kind}']").get_attribute("href")
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
    page.locator(".md-banner").wait_for(state="visible")  # the page's script fills it from announce.json
    page.emulate_media(media="print")
    for chrome in (".md-banner", ".md-header", ".md-sidebar--primary", ".md-footer"):
        assert not page.locator(chrome).first.is_visible(), chrome
    assert page.locator("article h1").is_visible()


def test_alerts_stay_out_of_the_sidebar(site):
    """mkdocs renders the whole nav into every page: alerts there make the site quadratic."""
    for page in ("alerts/live-phishing/index.html", "guides/spot-phishing/index.html", "index.html"):
        html = (site / page).read_text(encoding="utf-8")
        nav = html.split("md-sidebar--primary", 1)[1].split("md-sidebar--secondary", 1)[0]
        assert not [a for a in ("live-phishing", "live-approval", "expired-airdrop", "withdrawn-fake-app") if a in nav], page


def test_missing_theme_folder_is_reported_with_file_and_line(project, cli, tmp_path):
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  language: zh\n", "  language: zh\n  custom_dir: theme\n", 1),
                      encoding="utf-8")
    result = cli("build", "-p", project, "--now", NOW.isoformat(), "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "mkdocs.yml:9:3: error: theme.custom_dir 'theme' is not a folder (create it" in result.output
    assert "Traceback" not in result.output


#: Renamed files whose ids stayed: the pages keep their addresses (/alerts/old-name/).
RENAMED = {"alerts/new-name": ("id: old-name\nseverity: advisory\ncategory: phishing\n"
                               "publish_at: 2026-03-10T09:00:00+08:00\nrelated: [old-guide]\n",
                               {"en": "Renamed alert", "zh": "改名的警报"}),
           "guides/new-guide": ("id: old-guide\nlevel: basic\norder: 20\n", {"en": "Renamed guide", "zh": "改名的教程"})}


def renamed_project(target: Path) -> Path:
    """The fixture project plus an alert and a guide whose files were renamed while their ids
    stayed, and links to them written as editors write them: to their files, with and without
    the language, inline and by reference; and a link to the file of a scheduled alert."""
    shutil.copytree(FIXTURE, target)
    content = target / "content"
    for stem, (front, titles) in RENAMED.items():
        for lang, title in titles.items():
            body = ("## Details\n\nRead [the renamed guide](../guides/new-guide.md).\n" if stem.startswith("alerts")
                    else "## Steps\n\n1. Check the domain.\n")
            (content / f"{stem}.{lang}.md").write_text(_alert(title, f"{title}.", front, body), encoding="utf-8")
    for lang in ("en", "zh"):
        with (content / "guides" / f"spot-phishing.{lang}.md").open("a", encoding="utf-8") as guide:
            guide.write(f"\nSee [without language](../alerts/new-name.md), [with language](../alerts/new-name.{lang}.md#details),"
                        f" [by reference][renamed] and [scheduled](../alerts/scheduled-maintenance.{lang}.md).\n\n"
                        f"[renamed]: ../alerts/new-name.{lang}.md\n")
        with (content / f"index.{lang}.md").open("a", encoding="utf-8") as home:
            home.write(f"\nStart with [the renamed guide](guides/new-guide.{lang}.md).\n")
    return target


def test_links_to_renamed_files_lead_to_their_pages(page, tmp_path):
    """A link to a file leads to the page of its item, which is served at the item's id; in
    both languages, followed in the browser."""
    project = renamed_project(tmp_path / "project")
    config = load_config(project)
    build_site(Plan.at(load_or_raise(config), NOW), config, tmp_path / "site")
    for path in (tmp_path / "site").rglob("*.html"):  # mkdocs leaves a link it cannot resolve as it is
        assert not re.search(r'href="[^"]*\.md[#"]', path.read_text(encoding="utf-8")), path
    with _serve(tmp_path / "site") as url:
        page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())  # nothing leaves the machine
        for root, lang in (("/", "zh"), ("/en/", "en")):
            for text, where in (("without language", "alerts/old-name/"), ("with language", "alerts/old-name/#details"),
                                ("by reference", "alerts/old-name/")):
                page.goto(f"{url}{root}guides/spot-phishing/")
                page.locator("article a", has_text=text).click()
                page.wait_for_url(f"{url}{root}{where}")
                assert page.locator("article h1").inner_text() == RENAMED["alerts/new-name"][1][lang]
            page.goto(f"{url}{root}guides/spot-phishing/")
            assert "scheduled" in page.locator("article").inner_text()
            assert page.locator("article a", has_text="scheduled").count() == 0  # not live yet: text, no link
            for start in ("", "alerts/old-name/"):
                page.goto(f"{url}{root}{start}")
                page.locator("article a", has_text="the renamed guide").click()
                page.wait_for_url(f"{url}{root}guides/old-guide/")
                assert page.locator("article h1").inner_text() == RENAMED["guides/new-guide"][1][lang]


def test_the_site_is_named_in_the_readers_language(page, bundled_served):
    """extra.alertcast.site_name in the repository's mkdocs.yml: the header and every page's title;
    the home page's title is the name alone (its own title is the name too: never said twice)."""
    for root, name, other in (("/", "钱包安全中心", "Wallet Safety Center"), ("/en/", "Wallet Safety Center", "钱包安全中心")):
        for path in ("", "guides/"):
            page.goto(f"{bundled_served}{root}{path}")
            assert page.locator(".md-header__title .md-header__topic").first.inner_text().strip() == name
            if path:
                assert page.title().endswith(f" - {name}") and other not in page.title(), page.title()
            else:
                assert page.title() == name


def test_no_page_title_says_the_same_thing_twice(site, bundled_site):
    for built in (site, bundled_site):
        for path in built.rglob("*.html"):
            title = re.search(r"<title>(.*?)</title>", path.read_text(encoding="utf-8")).group(1)
            parts = title.split(" - ")
            assert len(set(parts)) == len(parts), (path, title)
    assert re.search(r"<title>(.*?)</title>", (site / "en" / "index.html").read_text(encoding="utf-8")).group(1) == (
        "Fixture Safety Center")  # the fixture's home page is titled "Safety Center": the site's name wins


def test_a_language_without_its_own_site_name_has_the_top_level_one(project, tmp_path):
    config_file = project / "mkdocs.yml"
    config_file.write_text(config_file.read_text(encoding="utf-8").replace(
        "    languages: [zh, en]\n", "    languages: [zh, en]\n    site_name: {zh: 安全中心}\n"), encoding="utf-8")
    config = load_config(project)
    plan = Plan.at(load_or_raise(config), NOW)
    assert [site_config(config, lang, tmp_path / "docs", tmp_path / "site", plan)["site_name"]
            for lang in ("zh", "en")] == ["安全中心", "Fixture Safety Center"]


class _Page(HTMLParser):
    """One built page: its ids, the URLs it names (tag, attribute, URL, inside <article>) and its CSS."""

    URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "poster")

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.urls: list[tuple[str, str, str, bool]] = []
        self.css: list[str] = []  # <style> elements and style attributes
        self._article = 0
        self._style = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.handle_startendtag(tag, attrs)
        self._article += tag == "article"
        self._style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value)
            elif name == "style":
                self.css.append(value)
            elif name in ("srcset", "imagesrcset"):
                self.urls += [(tag, name, part.split()[0], self._article > 0) for part in value.split(",") if part.strip()]
            elif name in self.URL_ATTRIBUTES:
                self.urls.append((tag, name, value, self._article > 0))

    def handle_endtag(self, tag):
        self._article -= tag == "article"
        if tag == "style":
            self._style = False

    def handle_data(self, data):
        if self._style:
            self.css.append(data)


def _pages(site: Path) -> dict[str, _Page]:
    """Every HTML page of a built site by its file's path from the root ("/guides/x/index.html")."""
    return {"/" + p.relative_to(site).as_posix(): _Page(p.read_text(encoding="utf-8")) for p in site.rglob("*.html")}


def _address(path: str) -> str:
    """Where the page in file `path` is served: /guides/x/ for /guides/x/index.html."""
    return path.removesuffix("index.html")


def _page_file(site: Path, path: str) -> str:
    if path.endswith("/"):
        return path + "index.html"
    return path + "/index.html" if (site / path.lstrip("/")).is_dir() else path


def _links_to_fragments(site: Path, site_url: str) -> list[tuple[str, str, str]]:
    """(page, href, target file) for every link within the site to a #fragment: in pages (<a>,
    <area>) and in the search index (Material links its results to sections)."""
    own = urlsplit(site_url)
    found = []
    for path, page in _pages(site).items():
        for tag, attribute, url, _ in page.urls:
            if tag in ("a", "area") and attribute == "href":
                found.append((path, url, urljoin(f"{own.scheme}://{own.netloc}{_address(path)}", url)))
    for index in site.rglob("search/search_index.json"):
        root = "/" + index.parent.parent.relative_to(site).as_posix().strip(".") + "/"
        root = root.replace("//", "/")
        for doc in json.loads(index.read_text(encoding="utf-8"))["docs"]:
            found.append((str(index.relative_to(site)), doc["location"],
                          urljoin(f"{own.scheme}://{own.netloc}{root}", doc["location"])))
    links = []
    for page, href, absolute in found:
        target = urlsplit(absolute)
        if target.netloc == own.netloc and target.fragment:
            links.append((page, href, absolute))
    return links


def _unresolved_fragments(site: Path, site_url: str) -> tuple[list[str], int]:
    """The links to a #fragment that no element of the target page has as its id, and how many were checked."""
    pages = _pages(site)
    links = _links_to_fragments(site, site_url)
    broken = []
    for page, href, absolute in links:
        target = urlsplit(absolute)
        file = _page_file(site, unquote(target.path))
        if file not in pages or unquote(target.fragment) not in pages[file].ids:
            broken.append(f"{page}: {href}")
    return broken, len(links)


def test_heading_anchors_read_like_the_heading(site, bundled_site):
    """Unicode slugs: #步骤, not #_1 (which moves to the next heading when one is added above)."""
    assert "步骤" in _pages(site)["/guides/spot-phishing/index.html"].ids
    assert "steps" in _pages(site)["/en/guides/spot-phishing/index.html"].ids
    zh = _pages(bundled_site)["/guides/backup-recovery-phrase/index.html"].ids
    assert {"1-离线抄写", "与本文相关的警报"} <= zh
    for built in (site, bundled_site):
        for path, page in _pages(built).items():
            assert not [i for i in page.ids if re.fullmatch(r"_\d+", i)], path


@pytest.mark.parametrize("which", ["site", "bundled_site"])
def test_every_link_to_a_section_reaches_it(request, which):
    """Editors' links to headings (TO_HEADINGS), the table of contents, permalinks, footnotes, the
    skip link and search results: every #fragment within the site is an id on its target page."""
    built = request.getfixturevalue(which)
    site_url = load_config(REPO if which == "bundled_site" else FIXTURE).site_url
    broken, checked = _unresolved_fragments(built, site_url)
    assert broken == [] and checked > 100, (broken[:20], checked)
    if which == "site":
        home = _pages(built)["/index.html"]
        assert ("a", "href", "guides/spot-phishing/#步骤", True) in home.urls
        guide = _pages(built)["/en/guides/spot-phishing/index.html"]
        assert ("a", "href", "#steps", True) in guide.urls


def test_permalinks_are_titled_in_the_pages_language(bundled_site):
    """The toc extension's permalink_title ("Permanent link") on every heading, per language."""
    for path in bundled_site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        titles = set(re.findall(r'<a class="headerlink" href="[^"]*" title="([^"]*)"', html))
        english = path.relative_to(bundled_site).parts[0] == "en"
        if 'class="headerlink"' in html:  # not the stylesheet's a:not(.headerlink)
            assert titles == {"Link to this section" if english else "本节链接"}, path


def _description(path: Path) -> str | None:
    match = re.search(r'<meta name="description" content="([^"]*)"', path.read_text(encoding="utf-8"))
    return match and match.group(1)


def test_pages_are_described_in_their_language(bundled_site, bundled_plan):
    """A page's summary where it has one, else extra.alertcast.site_description in its language."""
    import html

    config = load_config(REPO)
    for lang, prefix in (("zh", ""), ("en", "en/")):
        root = bundled_site / prefix
        site = config.site_description_in(lang)
        assert site == {"zh": "面向钱包用户的防骗警报和安全教程。", "en": "Scam warnings and safety guides for wallet users."}[lang]
        for page in ("alerts/index.html", "alerts/category/phishing/index.html", "guides/index.html", "404.html"):
            assert _description(root / page) == site, (lang, page)
        for alert in bundled_plan.published:
            summary = alert.text(lang, config.default_lang).summary
            assert html.unescape(_description(root / "alerts" / alert.id / "index.html")) == summary, alert.id
        for guide in bundled_plan.content.guides:
            summary = guide.text(lang, config.default_lang).summary
            assert html.unescape(_description(root / "guides" / guide.id / "index.html")) == summary, guide.id
        home = load_or_raise(config).pages
        summary = next(p for p in home if p.id == "index").text(lang, config.default_lang).summary
        assert _description(root / "index.html") == summary
    english = {_description(p) for p in (bundled_site / "en").rglob("*.html")}
    chinese = {_description(p) for p in bundled_site.rglob("*.html") if "en" not in p.relative_to(bundled_site).parts[:1]}
    assert not english & chinese and None not in english | chinese


def test_site_description_per_language_falls_back_to_the_top_level_one(project, tmp_path):
    config_file = project / "mkdocs.yml"
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(text.replace("    languages: [zh, en]\n", "    languages: [zh, en]\n    site_description: {zh: 防骗}\n"),
                           encoding="utf-8")
    config = load_config(project)
    assert [config.site_description_in(lang) for lang in ("zh", "en")] == ["防骗", None]  # the fixture has none
    config_file.write_text("site_description: Scam warnings.\n" + text.replace(
        "    languages: [zh, en]\n", "    languages: [zh, en]\n    site_description: 防骗\n"), encoding="utf-8")
    config = load_config(project)
    assert [config.site_description_in(lang) for lang in ("zh", "en")] == ["防骗", "防骗"]  # one for every language
    config_file.write_text("site_description: Scam warnings.\n" + text.replace(
        "    languages: [zh, en]\n", "    languages: [zh, en]\n    site_description: {zh: 防骗}\n"), encoding="utf-8")
    config = load_config(project)
    plan = Plan.at(load_or_raise(config), NOW)
    assert [site_config(config, lang, tmp_path / "docs", tmp_path / "site", plan)["site_description"]
            for lang in ("zh", "en")] == ["防骗", "Scam warnings."]


@pytest.mark.parametrize("setting, message", [
    ("{zh: 防骗, en: ' '}", "'site_description.en': the site's description is empty (write the description, or leave "
                            "the language out to use the top-level site_description)"),
    ("{fr: Arnaques}", "'site_description.fr': language 'fr' is not configured"),
    ("[防骗, Scams]", "'site_description': must be a description, or a mapping from language to one"),
])
def test_a_wrong_site_description_is_reported(project, setting, message):
    from alertcast.problems import ContentError

    config_file = project / "mkdocs.yml"
    config_file.write_text(config_file.read_text(encoding="utf-8").replace(
        "    languages: [zh, en]\n", f"    languages: [zh, en]\n    site_description: {setting}\n"), encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        load_config(project)
    assert message in str(raised.value)


CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)""")


def _foreign_references(site: Path, config) -> list[str]:
    """Every URL a page or stylesheet names (src, href, srcset, action, ...; CSS url()) that leads to
    another host than the site's, except links in an article to the project's own domains
    (allowed_link_domains: editors' links, which `alertcast check` vets)."""
    own = urlsplit(config.site_url)
    domains = config.settings.allowed_link_domains

    def foreign(url: str, base: str) -> bool:
        target = urlsplit(urljoin(base, url.strip()))
        return target.scheme not in ("data", "mailto", "tel", "javascript") and target.netloc != own.netloc

    found = []
    for path, page in _pages(site).items():
        base = f"{own.scheme}://{own.netloc}{_address(path)}"
        for tag, attribute, url, in_article in page.urls:
            if not foreign(url, base):
                continue
            host = urlsplit(urljoin(base, url)).hostname or ""
            if tag == "a" and in_article and any(host == d or host.endswith("." + d) for d in domains):
                continue
            found.append(f"{path}: <{tag} {attribute}={url}>")
        found += [f"{path}: url({m.group(2)})" for css in page.css for m in CSS_URL.finditer(css) if foreign(m.group(2), base)]
    for css in site.rglob("*.css"):
        base = f"{own.scheme}://{own.netloc}/{css.relative_to(site).as_posix()}"
        found += [f"{css.relative_to(site)}: url({m.group(2)})"
                  for m in CSS_URL.finditer(css.read_text(encoding="utf-8")) if foreign(m.group(2), base)]
    return found


@pytest.mark.parametrize("which", ["site", "bundled_site"])
def test_no_page_references_another_host(request, which):
    """No Google Fonts (theme.font: false, also alertcast's default), no generator link, nothing
    that tells a third party who reads the site."""
    built = request.getfixturevalue(which)
    config = load_config(REPO if which == "bundled_site" else FIXTURE)
    assert _foreign_references(built, config) == []
    if which == "bundled_site":  # the check sees what it should: the editors' link to the download page
        official = _pages(built)["/official-channels/index.html"].urls
        assert ("a", "href", "https://www.alertcast.example/download/", True) in official


def test_no_english_generator_line_in_the_footer(site, bundled_site):
    """Material's "Made with Material for MkDocs" is English on every language's pages: hidden."""
    for built in (site, bundled_site):
        for path in built.rglob("*.html"):
            html = path.read_text(encoding="utf-8")
            assert "Made with" not in html and "squidfunk.github.io" not in html, path
            assert '<div class="md-copyright">' in html  # the footer is there, with the copyright when one is set


def test_the_footer_says_where_to_check_a_contact_and_report_a_scam(page, bundled_served):
    """Not an empty dark strip: in the page's language, links to the official channels, to
    reporting a scam and to the alerts feed, from every depth."""
    for path, links in (("alerts/fake-support-telegram/", [("官方渠道", "/official-channels/"),
                                                          ("举报骗局", "/report-a-scam/"),
                                                          ("订阅 (RSS)", "/feeds/alerts.zh.rss.xml")]),
                        ("en/", [("Official channels", "/en/official-channels/"), ("Report a scam", "/en/report-a-scam/"),
                                 ("Subscribe (RSS)", "/feeds/alerts.en.rss.xml")])):
        page.goto(f"{bundled_served}/{path}")
        footer = page.locator(".md-footer-meta a")
        assert footer.evaluate_all("links => links.map(a => [a.textContent.trim(), a.getAttribute('href')])") == [
            list(link) for link in links]
        footer.first.click()
        page.wait_for_url(f"{bundled_served}{links[0][1]}")
        assert page.locator("article h1").inner_text().rstrip("¶") == links[0][0]


def test_each_language_option_is_marked_with_its_language(site):
    """A screen reader reads 中文 on an English page with a Chinese voice (and English in Chinese)."""
    for path in ("index.html", "en/index.html", "en/alerts/live-phishing/index.html"):
        html = (site / path).read_text(encoding="utf-8")
        options = re.findall(r'<a href="[^"]*" hreflang="(\w+)" lang="(\w+)"[^>]*class="md-select__link">\s*(\S+)', html)
        assert options == [("zh", "zh", "中文"), ("en", "en", "English")], path


def _text(html: str) -> str:
    """What a reader sees of a page: its text, without scripts and styles."""
    parts: list[str] = []

    class Text(HTMLParser):
        hidden = 0

        def handle_starttag(self, tag, attrs):
            self.hidden += tag in ("script", "style")

        def handle_endtag(self, tag):
            self.hidden -= tag in ("script", "style")

        def handle_data(self, data):
            if not self.hidden:
                parts.append(data)

    Text(convert_charrefs=True).feed(html)
    return " ".join(parts)


def test_chinese_pages_use_full_width_punctuation(bundled_site):
    """遇到问题？ not 遇到问题?: no half-width ? ! , ; : ( ) right after a Chinese character or
    before one, on any Chinese page."""
    half = re.compile(r"[\u4e00-\u9fff][?!,;:()]|[?!,;:()][\u4e00-\u9fff]")
    pages = [p for p in bundled_site.rglob("*.html") if not p.relative_to(bundled_site).as_posix().startswith("en/")]
    assert len(pages) > 30
    found = {p.relative_to(bundled_site).as_posix(): half.findall(_text(p.read_text(encoding="utf-8")))
             for p in pages}
    assert {path: marks for path, marks in found.items() if marks} == {}


def test_loading_a_page_requests_nothing_missing_and_nothing_elsewhere(engine, browser, served):
    """Material fetches <alternate>/sitemap.xml for every exact <link rel=alternate> (for its
    language and version switchers); feed links with rel="alternate" alone made it ask for
    /feeds/sitemap.xml, three times a page, each a 404, and the language links for /sitemap.xml
    and /en/sitemap.xml on every page view. And every request stays on the site."""
    page = browser.new_page()
    seen: list[tuple[int, str]] = []
    page.on("response", lambda response: seen.append((response.status, response.url)))
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    try:
        for path in ("/", "/alerts/", "/alerts/live-phishing/", "/guides/spot-phishing/",
                     "/en/", "/en/alerts/", "/en/alerts/live-phishing/", "/en/guides/spot-phishing/"):
            page.goto(f"{served}{path}", wait_until="networkidle")
        open_search(page, engine)  # the search worker and its index
        page.wait_for_load_state("networkidle")
    finally:
        page.close()
    urls = [url for _, url in seen]
    assert [url for url in urls if url.endswith("sitemap.xml")] == []
    assert [(status, url) for status, url in seen if status >= 400] == []
    assert [url for url in urls + failed if not url.startswith(served + "/") and not url.startswith("data:")] == []
    assert failed == []


def test_the_404_page_helps_in_both_languages(site):
    """The root 404.html is served for every missing address, /en/... too: both languages, the
    default first, each with its home and its alerts; en/404.html has English first."""
    for path, langs in (("404.html", ["zh", "en"]), ("en/404.html", ["en", "zh"])):
        html = (site / path).read_text(encoding="utf-8")
        assert "404 - Not found" not in html
        title = re.search(r"<title>(.*?)</title>", html).group(1)
        names = {"zh": "页面不存在", "en": "Page not found"}
        assert title == " / ".join(names[lang] for lang in langs) + " - Fixture Safety Center"
        article = html.split("<article", 1)[1].split("</article>", 1)[0]
        sections = re.findall(r'<section class="alertcast-not-found" lang="(\w+)">(.*?)</section>', article, re.S)
        assert [lang for lang, _ in sections] == langs
        for lang, body in sections:
            root = "/" if lang == "zh" else "/en/"
            assert names[lang] in body
            assert re.findall(r'<a href="([^"]+)"', body) == [root, f"{root}alerts/"]


def test_a_missing_address_gets_the_404_page_in_the_browser(browser, served):
    page = browser.new_page()
    failed: list[str] = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    try:
        response = page.goto(f"{served}/en/alerts/no-such-alert/deeper/", wait_until="networkidle")
        assert response.status == 404
        assert failed == [response.url]  # the page itself; its styles and scripts load from this depth
        assert page.locator("html").get_attribute("lang") == "zh"
        assert page.locator("article h1").inner_text() == "页面不存在 (404)"
        english = page.locator("article section[lang=en]")
        assert english.locator("h2").inner_text() == "Page not found (404)"
        assert page.locator(".md-header").evaluate("e => getComputedStyle(e).position") == "sticky"  # styled
        english.locator("a", has_text="See all alerts").click()
        page.wait_for_url(f"{served}/en/alerts/")
        assert page.locator("article h1").inner_text() == "Alerts"
        page.goto(f"{served}/nope")
        page.locator("article a", has_text="前往首页").click()
        page.wait_for_url(f"{served}/")
    finally:
        page.close()


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.ids.update(value for name, value in attrs if name == "id" and value)


def test_help_and_kb_addresses_land_on_an_element_of_the_built_site(bundled_site, bundled_plan):
    """Every address with an anchor in the help files and the knowledge base (their own `url`s and
    the links inside answers) names a page mkdocs built and an element id on it, in both languages."""
    from alertcast.render.help_api import render_help
    from alertcast.render.knowledge import render_kb

    config = load_config(REPO)
    ids: dict[Path, set[str]] = {}
    checked: dict[str, int] = {}
    for lang in config.languages:
        help_doc = json.loads(render_help(bundled_plan, config, lang))
        records = [json.loads(line) for line in render_kb(bundled_plan, config, lang).decode().splitlines()]
        urls = [e["url"] for e in help_doc["faq"]] + [g["url"] for g in help_doc["guides"]]
        urls += [a["url"] for a in help_doc["alerts"]] + [r["url"] for r in records]
        urls += [href for e in help_doc["faq"] for href in re.findall(r'href="([^"]+)"', e["answer_html"])]
        anchored = [u for u in dict.fromkeys(urls) if u.startswith(config.site_url) and "#" in u]
        assert {r["kind"] for r in records} == {"faq", "guide", "alert"}
        for url in anchored:
            path, _, anchor = url.removeprefix(config.site_url).partition("#")
            page = bundled_site / unquote(path) / "index.html"
            assert page.is_file(), url
            if page not in ids:
                parser = _Ids()
                parser.feed(page.read_text(encoding="utf-8"))
                ids[page] = parser.ids
            assert unquote(anchor) in ids[page], url
        checked[lang] = len(anchored)
    assert all(count > 50 for count in checked.values()), checked
