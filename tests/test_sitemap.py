"""The sitemap dates each page by its last content change, so it does not change from one day
to the next while nothing happens; robots.txt names the sitemaps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree

from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.plan import Plan
from alertcast.render.site import build_site

from conftest import FIXTURE, NOW

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def lastmods(sitemap: bytes) -> dict[str, str | None]:
    doc = etree.fromstring(sitemap)
    return {url.findtext("s:loc", namespaces=NS): url.findtext("s:lastmod", namespaces=NS)
            for url in doc.findall("s:url", NS)}


@pytest.fixture(scope="module")
def two_days(tmp_path_factory):
    """The fixture's site built on two days with no boundary between them."""
    config = load_config(FIXTURE)
    content = load_or_raise(config)
    out = []
    for n, now in enumerate((NOW, NOW + timedelta(days=1))):
        dest = tmp_path_factory.mktemp(f"day{n}")
        build_site(Plan.at(content, now), config, dest)
        out.append(dest)
    return out


def test_the_sitemap_is_the_same_on_two_days_without_a_change(two_days):
    first, second = two_days
    for path in ("sitemap.xml", "en/sitemap.xml", "sitemap.xml.gz", "en/sitemap.xml.gz"):
        assert (first / path).read_bytes() == (second / path).read_bytes(), path


def test_each_page_is_dated_by_its_last_content_change(two_days):
    dates = lastmods((two_days[0] / "sitemap.xml").read_bytes())
    assert dates["https://help.fixture.example/alerts/live-phishing/"] == "2026-03-02T04:00:00+00:00"  # updated_at
    assert dates["https://help.fixture.example/alerts/expired-airdrop/"] == "2026-02-20T00:00:00+00:00"  # expires_at
    assert dates["https://help.fixture.example/alerts/"] == "2026-03-02T04:00:00+00:00"  # its newest change
    # A guide without updated_at: the latest change of the alerts it lists as related.
    assert dates["https://help.fixture.example/guides/spot-phishing/"] == "2026-03-02T04:00:00+00:00"
    # A page with no date of its own gets none, rather than the build's.
    assert dates["https://help.fixture.example/guides/"] is None
    en = lastmods((two_days[0] / "en/sitemap.xml").read_bytes())
    assert en["https://help.fixture.example/en/alerts/live-phishing/"] == "2026-03-02T04:00:00+00:00"


def test_robots_txt_names_every_sitemap(two_days):
    robots = (two_days[0] / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in robots
    assert [line for line in robots if line.startswith("Sitemap:")] == [
        "Sitemap: https://help.fixture.example/sitemap.xml", "Sitemap: https://help.fixture.example/en/sitemap.xml"]
