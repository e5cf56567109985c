"""Alert listings stay small as content grows: the alerts index and each category's listing
hold at most ALERTS_PER_PAGE alerts a page, every page is linked from the others and is in the
sitemap, and every alert is listed exactly once across the pages."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import NOW

from alertcast import pipeline
from alertcast.config import load_config
from alertcast.render.site import ALERTS_PER_PAGE

MANY = 2 * ALERTS_PER_PAGE + 30  # with the fixture's: three pages, the last one short
#: The fixture's own alerts published at NOW (the scheduled one is not); live-phishing is the phishing one.
FIXTURE_PUBLISHED = ("live-phishing", "expired-airdrop", "withdrawn-fake-app")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    import shutil

    from conftest import FIXTURE

    project = tmp_path_factory.mktemp("many") / "project"
    shutil.copytree(FIXTURE, project)
    alerts = project / "content" / "alerts"
    for lang in ("zh", "en"):
        source = (alerts / f"live-phishing.{lang}.md").read_text(encoding="utf-8")
        for n in range(MANY):
            when = (NOW - timedelta(days=10, hours=n)).isoformat()
            text = re.sub(r"publish_at: .*", f"publish_at: {when}", source)
            text = re.sub(r"updated_at: .*\n|update_note: .*\n", "", text)
            text = re.sub(r"scam_indicators:\n(?:  .*\n)+", "", text)  # one alert per indicator
            (alerts / f"bulk-{n:03}.{lang}.md").write_text(text, encoding="utf-8")
    out = project.parent / "site"
    pipeline.build(load_config(project), NOW, out, signing_key=None)
    return out


def _listed(html: str) -> list[str]:
    """The alerts a listing page links to, in order (each item's title link)."""
    return re.findall(r'<li>.*?<a href="(?:\.\./)*([a-z0-9-]+)/"', html)


def _page(site: Path, url: str) -> str:
    return (site / url.strip("/") / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["", "en/"])
def test_the_alerts_index_is_paginated_and_every_alert_is_on_exactly_one_page(built, lang):
    urls = [f"{lang}alerts/", f"{lang}alerts/page/2/", f"{lang}alerts/page/3/"]
    pages = [_page(built, url) for url in urls]
    listed = [_listed(html) for html in pages]
    everything = [a for page in listed for a in page]
    assert len(everything) == len(set(everything)) == MANY + len(FIXTURE_PUBLISHED)  # each once
    assert [len(page) for page in listed] == [ALERTS_PER_PAGE, ALERTS_PER_PAGE, len(everything) - 2 * ALERTS_PER_PAGE]
    bulk = [a for a in everything if a.startswith("bulk-")]
    assert bulk == [f"bulk-{n:03}" for n in range(MANY)]  # newest first: bulk-000 is the newest
    assert not (built / lang / "alerts" / "page" / "4").exists()
    for n, html in enumerate(pages, 1):  # each page links the two others, and shows its own number
        pager = re.search(r'<span class="alertcast-pager">(.*?)</span>', html, re.S)[1]
        linked = re.findall(r'<a href="([^"]+)">(\d)</a>', pager)
        assert [int(label) for _, label in linked] == [m for m in (1, 2, 3) if m != n]
        assert f"<strong>{n}</strong>" in pager
        here = built / urls[n - 1]
        for href, _ in linked:
            assert (here / href / "index.html").resolve().is_file(), (urls[n - 1], href)


@pytest.mark.parametrize("lang", ["", "en/"])
def test_every_listing_page_is_in_the_sitemap(built, lang):
    sitemap = (built / lang / "sitemap.xml").read_text(encoding="utf-8")
    base = "https://help.fixture.example/" + lang
    for url in ("alerts/", "alerts/page/2/", "alerts/page/3/", "alerts/category/phishing/",
                "alerts/category/phishing/page/2/", "alerts/category/phishing/page/3/"):
        assert f"<loc>{base}{url}</loc>" in sitemap, url


def test_a_category_listing_is_paginated_too(built):
    listed = [_listed(_page(built, url)) for url in ("alerts/category/phishing/", "alerts/category/phishing/page/2/",
                                                      "alerts/category/phishing/page/3/")]
    phishing = MANY + sum(1 for a in FIXTURE_PUBLISHED if a == "live-phishing")
    assert [len(page) for page in listed] == [ALERTS_PER_PAGE, ALERTS_PER_PAGE, phishing - 2 * ALERTS_PER_PAGE]
    assert {a for page in listed for a in page} >= {f"bulk-{n:03}" for n in range(MANY)}
    back = re.search(r'<a href="([^"]+)">← 全部警报', _page(built, "alerts/category/phishing/page/2/"))[1]
    assert (built / "alerts/category/phishing/page/2" / back).resolve() == (built / "alerts").resolve()
