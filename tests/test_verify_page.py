"""The Verify page in Chromium: the shared table's answers (tests/verify_table.py), in the
reader's language, on a 390 px screen, with nothing sent once the page has loaded."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest
from playwright.sync_api import sync_playwright

from alertcast import pipeline
from alertcast.config import load_config
from conftest import REPO
from fakes import QuietServer
from verify_table import FLOOD_RATIO, FLOODS, PINNED, TABLE

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The bundled content built at PINNED (site and api/v1 files), served over HTTP."""
    out = tmp_path_factory.mktemp("verify-site") / "out"
    result = pipeline.build(load_config(REPO), PINNED, out, signing_key=None)
    server = QuietServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(result.release)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                            has_touch=True)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url)
    page.wait_for_selector("#alertcast-verify-form[data-ready=true]")
    page.wait_for_load_state("networkidle")
    return page, requests


def _answer(page) -> tuple[str, str, tuple[str, ...]]:
    out = page.locator("#alertcast-verify-result")
    verdict = out.get_attribute("data-verdict")
    if verdict == "scam":
        target = out.get_attribute("data-alerts")
    elif verdict == "unknown":
        target = out.get_attribute("data-kind")
    else:
        target = out.get_attribute("data-channels").split(" ")[0]
    return verdict, target, tuple(out.get_attribute("data-reasons").split())


@pytest.mark.parametrize("lang,path", [("zh", "/verify/"), ("en", "/en/verify/")])
def test_the_page_answers_the_whole_table_and_sends_nothing_typed(browser, served, lang, path):
    page, requests = _open(browser, served + path)
    try:
        loaded = len(requests)
        answers = {}
        for text, *_ in TABLE:
            page.fill("#alertcast-verify-input", text)
            answers[text] = _answer(page)
        page.fill("#alertcast-verify-input", "")
        page.locator("#alertcast-verify-input").press_sequentially("@alertcast_exampIe")
        typed = _answer(page)
        page.keyboard.press("Enter")
        page.wait_for_timeout(200)  # a submitted form would have started its request by now
        assert requests[loaded:] == []  # nothing typed (nor anything else) left the page
        assert page.url == served + path
    finally:
        page.close()
    expected = {text: (verdict, target, tuple(reasons)) for text, verdict, target, reasons in TABLE}
    assert answers == expected
    assert typed == ("lookalike", "telegram:@alertcast_example", ("confusable",))
    assert len(TABLE) >= 40


def test_the_answer_is_in_the_readers_language_and_fits_390px(browser, served):
    for path, says, advice in (("/verify/", "不是我们", "官方客服永远不会主动私信你"),
                               ("/en/verify/", "This is not us", "never messages you first")):
        page, _ = _open(browser, served + path)
        try:
            page.fill("#alertcast-verify-input", "t.me/alertcast_examp1e")
            out = page.locator("#alertcast-verify-result")
            text = out.inner_text()
            assert says in text and advice in text and "U+0031" in text
            assert "@alertcast_example" in text  # the channel it imitates
            widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert widths[0] <= widths[1] == 390  # no sideways scrolling
            box = page.locator("#alertcast-verify-input").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["width"] >= 200
            feedback = page.locator("form.md-feedback").bounding_box()
            assert box["y"] < feedback["y"]  # the field comes right under the page's text
            page.fill("#alertcast-verify-input", "@example_support")
            link = out.locator("a").first
            assert link.get_attribute("href").endswith("alerts/fake-support-telegram/")
        finally:
            page.close()


FASTEST = """([text, official, indicators]) => {
  const v = window.alertcastVerify, fastest = (run, times) => {
    let best = Infinity;
    for (let i = 0; i < times; i++) { const start = performance.now(); run(); best = Math.min(best, performance.now() - start); }
    return best;
  };
  return [fastest(() => v.skeleton(text), 5), fastest(() => v.check(text, official, indicators), 3)];
}"""


def test_a_flood_pasted_is_answered_in_time_linear_in_its_length(browser, served):
    page, _ = _open(browser, served + "/en/verify/")
    try:
        docs = [page.evaluate(f"fetch('{served}/{path}').then(r => r.json())")
                for path in ("api/v1/official.json", "api/v1/indicators.json")]
        for shape, text in sorted(FLOODS.items()):
            once, answer = page.evaluate(FASTEST, [text, *docs])
            assert answer < FLOOD_RATIO * max(once, 0.1), f"{shape}: {answer:.1f} ms, reading it once {once:.1f} ms"
        page.fill("#alertcast-verify-input", FLOODS["email_without_end"])
        assert _answer(page)[0] == "unknown"
    finally:
        page.close()


@pytest.mark.parametrize("path,official,alerts", [("/verify/", "查看全部官方渠道", "已知的诈骗账号和网址列在各条安全警报中"),
                                                  ("/en/verify/", "See all our official channels",
                                                   "Known scam accounts and addresses are named in the alerts")])
def test_without_javascript_the_page_says_where_to_check_by_hand(browser, served, path, official, alerts):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(served + path)
        for name in (official, alerts):
            link = page.get_by_role("link", name=name, exact=True)
            assert link.is_visible()
            target = page.evaluate("href => new URL(href, document.baseURI).href", link.get_attribute("href"))
            assert page.request.get(target).ok, target
    finally:
        context.close()
