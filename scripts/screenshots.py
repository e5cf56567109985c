"""Remake the README's screenshots of the bundled content, in both languages.

    python3 scripts/screenshots.py

Builds `content/` at a fixed moment into a temporary directory, serves it, and saves
docs/screenshots/<page>-<lang>.png from headless Chromium at 1280x900, and the banner mock
`alertcast preview` serves (the app's home and support screens) as banner-mock-<lang>.png.
"""

from __future__ import annotations

import functools
import http.server
import sys
import tempfile
import threading
from datetime import datetime
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from alertcast import pipeline  # noqa: E402
from alertcast.config import load_config  # noqa: E402
from alertcast.render.banner_mock import PATH as MOCK_PATH  # noqa: E402
from alertcast.render.banner_mock import render_mock  # noqa: E402

NOW = datetime.fromisoformat("2026-11-22T12:00:00+08:00")  # the moment README names
PAGES = {"home": "", "alerts": "alerts/", "alert": "alerts/fake-support-telegram/",
         "guide": "guides/backup-recovery-phrase/"}
#: Shots of what the top of a page does not show (docs/site.md links them): a guide's end (its
#: related guides, the footer), a page at phone width, and a search typed into the box.
SCROLLED = {"guide-end": "guides/backup-recovery-phrase/"}
PHONE = {"alert-phone": "alerts/fake-support-telegram/"}
SEARCHES = {"search": {"zh": "passphrase", "en": "nonce"}}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # type: ignore[no-untyped-def]
        pass


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(REPO)
        result = pipeline.build(config, NOW, Path(tmp) / "site", signing_key=None)
        mock = result.output / MOCK_PATH
        mock.parent.mkdir(parents=True, exist_ok=True)
        mock.write_bytes(render_mock(result.plan, config))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(result.output)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            for name, path in PAGES.items():
                for lang in ("zh", "en"):
                    prefix = "" if lang == "zh" else "en/"
                    if page.goto(base + prefix + path).status != 200:
                        raise SystemExit(f"{prefix + path} is not in the bundled site; update PAGES")
                    target = REPO / "docs" / "screenshots" / f"{name}-{lang}.png"
                    page.screenshot(path=str(target))
                    print(target.relative_to(REPO))
            for lang, prefix in (("zh", ""), ("en", "en/")):
                for name, path in SCROLLED.items():
                    page.goto(base + prefix + path)
                    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                    _save(page, name, lang)
                for name, queries in SEARCHES.items():
                    page.goto(base + prefix)
                    box = page.locator("input.md-search__input")
                    box.click()
                    box.fill(queries[lang])
                    box.press("End")  # Material searches on key events
                    page.wait_for_selector(".md-search-result__item")
                    _save(page, name, lang)
                phone = browser.new_page(viewport={"width": 390, "height": 844})
                for name, path in PHONE.items():
                    phone.goto(base + prefix + path)
                    _save(phone, name, lang)
                phone.close()
            page.goto(base + MOCK_PATH)
            for index, lang in enumerate(config.languages):  # one row of phones per language
                target = REPO / "docs" / "screenshots" / f"banner-mock-{lang}.png"
                page.locator(".row").nth(index).screenshot(path=str(target))
                print(target.relative_to(REPO))
            browser.close()
        server.shutdown()


def _save(page, name: str, lang: str) -> None:  # type: ignore[no-untyped-def]
    target = REPO / "docs" / "screenshots" / f"{name}-{lang}.png"
    page.screenshot(path=str(target))
    print(target.relative_to(REPO))


if __name__ == "__main__":
    main()
