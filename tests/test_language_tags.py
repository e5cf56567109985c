"""BCP 47 language tags: a project with Traditional Chinese (`zh-Hant`) beside `zh` and `en`, whose
zh-Hant files are optional. Every output follows the tag, and what has no zh-Hant text is shown
in the language it falls back to (zh-Hant → zh → the default), saying so."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from lxml import etree

from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.published import _PUBLISHED
from alertcast.plan import Plan
from alertcast.publish.s3 import upload_rank
from alertcast.render.site import build_site

from conftest import FIXTURE, NOW
from feed_validation import atom_problems, rss_problems
from test_cap import xsd  # noqa: F401  (the OASIS CAP 1.2 schema, as a fixture)
from test_accessibility import AXE, _violations
from test_site import ARTIFACTS, _serve, browser  # noqa: F401

CAP = {"c": "urn:oasis:names:tc:emergency:cap:1.2"}
#: live-phishing has a zh-Hant translation; live-approval (live, with a banner) has none.
HANT_TITLE = "釣魚網站冒充錢包"
ZH_TITLE = "钓鱼网站冒充钱包"
APPROVAL_ZH = "假冒客服索要授权签名"
APPROVAL = """---
title: "{title}"
summary: "{summary}"
severity: critical
category: approval
publish_at: 2026-03-10T10:00:00+08:00
channels: [banner, cap, telegram]
---

{summary}
"""


def _hant(target: Path) -> Path:
    """The fixture project with zh-Hant configured, one alert and the home page translated, and
    a live alert with a banner in zh and en only."""
    shutil.copytree(FIXTURE, target)
    config = target / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("languages: [zh, en]", "languages: [zh, en, zh-Hant]")
                      .replace('chat_id: "@fixture"', 'chat_id: "@fixture"\n        lang: zh-Hant'), encoding="utf-8")
    alerts = target / "content" / "alerts"
    zh = (alerts / "live-phishing.zh.md").read_text(encoding="utf-8")
    for simplified, traditional in ((ZH_TITLE, HANT_TITLE), ("骗子搭建与官网几乎相同的网站，诱导用户输入助记词。",
                                                                 "騙子架設與官網幾乎相同的網站，誘導用戶輸入助記詞。"),
                                    ("补充了识别方法。", "補充了識別方法。"), ("## 详情", "## 詳情"), ("识别钓鱼", "識別釣魚")):
        zh = zh.replace(simplified, traditional)
    (alerts / "live-phishing.zh-Hant.md").write_text(zh, encoding="utf-8")
    (target / "content" / "index.zh-Hant.md").write_text("---\ntitle: 安全中心\n---\n\n# 安全中心\n", encoding="utf-8")
    (alerts / "live-approval.zh.md").write_text(
        APPROVAL.format(title=APPROVAL_ZH, summary="有人冒充客服，要求你签名授权。官方客服从不这样做。"), encoding="utf-8")
    (alerts / "live-approval.en.md").write_text(
        APPROVAL.format(title="Fake support asks for an approval", summary="Support never asks you to sign."),
        encoding="utf-8")
    return target


@pytest.fixture
def hant(tmp_path: Path) -> Path:
    return _hant(tmp_path / "project")


@pytest.fixture(scope="module")
def hant_outputs(tmp_path_factory):
    project = _hant(tmp_path_factory.mktemp("hant") / "project")
    config = load_config(project)
    from alertcast.pipeline import render_outputs

    return render_outputs(Plan.at(load_or_raise(config), NOW), config, None)


@pytest.fixture(scope="module")
def hant_site(tmp_path_factory):
    project = _hant(tmp_path_factory.mktemp("hant-site") / "project")
    config = load_config(project)
    dest = tmp_path_factory.mktemp("hant-built")
    build_site(Plan.at(load_or_raise(config), NOW), config, dest)
    return dest


def test_fallback_order_is_rfc_4647_lookup_then_the_default_language():
    from alertcast import languages

    assert languages.order("zh-Hant", "zh") == ("zh-Hant", "zh")
    assert languages.order("zh-Hant", "en") == ("zh-Hant", "zh", "en")
    assert languages.order("zh-Hant-TW", "en") == ("zh-Hant-TW", "zh-Hant", "zh", "en")
    assert languages.order("pt-BR", "en") == ("pt-BR", "pt", "en")
    assert languages.pick({"en": "A", "zh": "B"}, "zh-Hant", "en") == ("zh", "B")
    assert languages.pick({"en": "A"}, "zh-Hant", "en") == ("en", "A")


def test_theme_language_is_the_closest_material_has():
    from alertcast import languages

    have = {"zh", "zh-Hant", "zh-TW", "pt", "pt-BR", "en"}
    assert languages.best("zh-Hant", have) == "zh-Hant"
    assert languages.best("zh-HK", have) == "zh-Hant"  # Hong Kong writes Traditional characters
    assert languages.best("pt-PT", have) == "pt"
    assert languages.best("tlh", have) == "en"


def test_check_accepts_zh_hant_and_says_what_its_readers_see_without_a_translation(cli, hant):
    result = cli("check", "-p", hant)
    assert result.exit_code == 0, result.output
    assert ("content/alerts/live-approval.zh.md:2:1: warning: no 'zh-Hant' translation of 'live-approval': its "
            "zh-Hant readers see the zh text (add live-approval.zh-Hant.md to translate it)") in result.output
    assert "live-phishing" not in result.output  # translated in all three


def test_a_file_in_a_tag_spelt_otherwise_is_refused_with_the_configured_tags(cli, hant):
    (hant / "content" / "faq.zh-hant.md").write_text("---\ntitle: 常見問題\n---\n", encoding="utf-8")
    result = cli("check", "-p", hant)
    assert result.exit_code == 1
    assert ("content/faq.zh-hant.md:1:1: error: language 'zh-hant' is not configured (use one of zh, en, zh-Hant or "
            "add it to extra.alertcast.languages)") in result.output


def test_site_has_a_zh_hant_folder_whose_pages_say_zh_hant(hant_site):
    translated = (hant_site / "zh-Hant" / "alerts" / "live-phishing" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hant"' in translated
    assert "<h1 id=" in translated and HANT_TITLE in translated and ZH_TITLE not in translated
    assert "alertcast-fallback" not in translated
    # Material's own interface in Traditional characters, alertcast's words too.
    assert 'placeholder="搜尋"' in translated and "更新紀錄" in translated
    assert ('<link rel="alternate " hreflang="zh-Hant" '
            'href="https://help.fixture.example/zh-Hant/alerts/live-phishing/">') in translated
    assert re.search(r'<a href="/zh-Hant/alerts/live-phishing/" hreflang="zh-Hant" lang="zh-Hant"[^>]*>\s*中文 \(繁體\)',
                     translated)
    for page in ("alerts/live-phishing", "alerts/live-approval"):  # the other languages are as they were
        assert '<html lang="zh"' in (hant_site / page / "index.html").read_text(encoding="utf-8")
        assert "alertcast-fallback" not in (hant_site / page / "index.html").read_text(encoding="utf-8")
        assert '<html lang="en"' in (hant_site / "en" / page / "index.html").read_text(encoding="utf-8")
    assert "Sitemap: https://help.fixture.example/zh-Hant/sitemap.xml" in (hant_site / "robots.txt").read_text()
    assert "/zh-Hant/alerts/live-approval/" in (hant_site / "zh-Hant" / "sitemap.xml").read_text()
    # Searched as Chinese: lunr's zh with jieba (Traditional characters are in its dictionary).
    index = json.loads((hant_site / "zh-Hant" / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["zh", "en"]
    assert any(HANT_TITLE in doc["title"].replace("\u200b", "") for doc in index["docs"])


def test_untranslated_page_says_so_and_marks_its_text_with_its_language(hant_site):
    page = (hant_site / "zh-Hant" / "alerts" / "live-approval" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hant"' in page
    assert '<p class="admonition-title">尚未翻譯</p>' in page
    assert "本頁還沒有中文 (繁體)版本，以下是中文版本。" in page
    heading, block = re.findall(r'<div class="alertcast-fallback" lang="zh">(.*?)</div>', page, re.S)
    assert APPROVAL_ZH in heading and "<h1" in heading
    assert "有人冒充客服，要求你签名授权。" in block
    # An untranslated guide says the same.
    guide = (hant_site / "zh-Hant" / "guides" / "spot-phishing" / "index.html").read_text(encoding="utf-8")
    assert "尚未翻譯" in guide and '<div class="alertcast-fallback" lang="zh">' in guide


def test_zh_hant_pages_in_the_browser(browser, hant_site):  # noqa: F811
    with _serve(hant_site) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        assert page.goto(f"{url}/alerts/live-approval/").status == 200
        # The switcher leads from the zh page to the same page in zh-Hant.
        page.locator(".md-select__link[hreflang='zh-Hant']").dispatch_event("click")
        page.wait_for_url(f"{url}/zh-Hant/alerts/live-approval/")
        assert page.evaluate("document.documentElement.lang") == "zh-Hant"
        notice = page.locator(".admonition.info")
        assert notice.is_visible() and "本頁還沒有中文 (繁體)版本" in notice.inner_text()
        heading = page.locator("article h1")
        assert heading.inner_text().startswith(APPROVAL_ZH)
        assert heading.evaluate("h => h.closest('[lang]').lang") == "zh"
        fallback = page.locator(".alertcast-fallback").last
        assert fallback.is_visible() and fallback.get_attribute("lang") == "zh"
        assert "有人冒充客服" in fallback.inner_text()
        ARTIFACTS.mkdir(exist_ok=True)  # for a person to look at (docs/screenshots has a copy)
        shot = ARTIFACTS / "alert-fallback-zh-Hant.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.read_bytes().startswith(b"\x89PNG")
        page.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_zh_hant_pages_have_no_serious_accessibility_violation(browser, hant_site, width):  # noqa: F811
    """axe-core's valid-lang and html-lang-valid rules read the tags too."""
    assert AXE.is_file(), f"axe-core is missing at {AXE}: run scripts/test, which installs it from npm"
    with _serve(hant_site) as url:
        page = browser.new_page(viewport={"width": width, "height": 900})
        found = {}
        for path in ("", "alerts/live-phishing/", "alerts/live-approval/", "guides/spot-phishing/"):
            assert page.goto(f"{url}/zh-Hant/{path}").status == 200
            found[path] = _violations(page)
        page.close()
    assert {path: v for path, v in found.items() if v} == {}


def test_banner_per_locale_says_which_language_an_untranslated_alert_is_in(hant_outputs):
    schema = json.loads(hant_outputs["api/v1/banner.schema.json"])
    banners = {}
    for lang in ("zh", "en", "zh-Hant"):
        doc = json.loads(hant_outputs[f"api/v1/banners/{lang}.json"])
        jsonschema.Draft202012Validator(schema).validate(doc)
        assert doc["locale"] == lang
        banners[lang] = {b["id"]: b for b in doc["banners"]}
    assert banners["zh-Hant"]["live-phishing"]["title"] == HANT_TITLE
    assert "lang" not in banners["zh-Hant"]["live-phishing"]
    assert banners["zh-Hant"]["live-approval"]["title"] == APPROVAL_ZH
    assert banners["zh-Hant"]["live-approval"]["lang"] == "zh"
    assert banners["zh-Hant"]["live-approval"]["action_url"] == "https://help.fixture.example/zh-Hant/alerts/live-approval/"
    assert all("lang" not in b for lang in ("zh", "en") for b in banners[lang].values())


def test_feeds_per_language(hant_outputs):
    rss = hant_outputs["feeds/alerts.zh-Hant.rss.xml"]
    atom = hant_outputs["feeds/alerts.zh-Hant.atom.xml"]
    assert rss_problems(rss, NOW) == [] and atom_problems(atom, NOW) == []
    assert etree.fromstring(rss).findtext("channel/language") == "zh-Hant"
    assert etree.fromstring(atom).get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-Hant"
    assert HANT_TITLE in rss.decode()
    items = {i["url"].rstrip("/").rsplit("/", 1)[-1]: i for i in json.loads(hant_outputs["feeds/alerts.zh-Hant.json"])["items"]}
    assert items["live-phishing"]["language"] == "zh-Hant"
    assert items["live-approval"]["language"] == "zh" and APPROVAL_ZH in items["live-approval"]["title"]


def test_cap_has_an_info_per_language_with_a_text_of_its_own(hant_outputs, xsd):  # noqa: F811
    messages = {path: etree.fromstring(data) for path, data in hant_outputs.items()
                if path.startswith("cap/") and path.endswith(".xml")}
    for path, doc in messages.items():
        assert xsd.validate(doc), (path, xsd.error_log)

    def infos(alert_id: str) -> dict[str, str]:
        doc = next(d for p, d in messages.items() if p.startswith(f"cap/{alert_id}."))
        return {i.findtext("c:language", namespaces=CAP): i.findtext("c:headline", namespaces=CAP)
                for i in doc.findall("c:info", namespaces=CAP)}

    assert infos("live-phishing")["zh-Hant"].endswith(HANT_TITLE)
    assert set(infos("live-approval")) == {"zh", "en"}  # no zh-Hant block carrying Simplified text


def test_posts_preview_of_a_zh_hant_channel(cli, hant):
    result = cli("posts", "preview", "live-phishing", "-p", hant, "--channel", "telegram",
                 "--now", "2026-03-15T00:00:00+08:00")
    assert result.exit_code == 0, result.output
    assert "-- telegram [zh-Hant] post" in result.output
    assert HANT_TITLE in result.output and "https://help.fixture.example/zh-Hant/alerts/live-phishing/" in result.output
    assert "#釣魚網站" in result.output and "#钓鱼网站" not in result.output


def test_published_pages_in_a_tag_folder_are_recognised():
    assert _PUBLISHED.fullmatch("zh-Hant/alerts/live-phishing/index.html")["page"] == "live-phishing"
    assert upload_rank("zh-Hant/alerts/live-phishing/index.html") == upload_rank("en/alerts/live-phishing/index.html")
    assert upload_rank("zh-Hant/index.html") == upload_rank("en/index.html")


def test_new_writes_the_files_every_item_needs_not_the_optional_zh_hant_one(cli, hant):
    result = cli("new", "alert", "fake-refund", "-p", hant, "--now", "2026-03-15T00:00:00+08:00")
    assert result.exit_code == 0, result.output
    alerts = hant / "content" / "alerts"
    assert (alerts / "fake-refund.zh.md").is_file() and (alerts / "fake-refund.en.md").is_file()
    assert not (alerts / "fake-refund.zh-Hant.md").exists()


def test_banner_mock_shows_the_zh_hant_phone_with_the_untranslated_card_marked(hant):
    from alertcast.render.banner_mock import render_mock

    config = load_config(hant)
    page = render_mock(Plan.at(load_or_raise(config), NOW), config).decode()
    assert "<h2>中文 (繁體) (zh-Hant)</h2>" in page
    phones = re.findall(r'<div class="phone" data-lang="zh-Hant" data-placement="home">(.*?)</div></div></div>', page)
    assert phones and 'lang="zh">' in phones[0] and "查看详情" in phones[0] and APPROVAL_ZH in phones[0]


def test_listings_mark_an_untranslated_title_with_its_language(hant_site):
    listing = (hant_site / "zh-Hant" / "alerts" / "index.html").read_text(encoding="utf-8")
    assert f'<span lang="zh">{APPROVAL_ZH}</span>' in listing
    assert HANT_TITLE in listing and f'<span lang="zh">{HANT_TITLE}' not in listing
    guides = (hant_site / "zh-Hant" / "guides" / "index.html").read_text(encoding="utf-8")
    assert '<span lang="zh">识别钓鱼网站</span>' in guides
    assert '<span lang="zh">' not in (hant_site / "alerts" / "index.html").read_text(encoding="utf-8")


def test_a_tag_material_has_no_words_for_reads_the_closest_and_keeps_its_own_lang(tmp_path):
    project = _hant(tmp_path / "project")
    config_file = project / "mkdocs.yml"
    config_file.write_text(config_file.read_text(encoding="utf-8").replace("zh-Hant]", "zh-HK]")
                           .replace("lang: zh-Hant", "lang: zh-HK"), encoding="utf-8")
    for path in project.rglob("*.zh-Hant.md"):
        path.rename(path.with_name(path.name.replace(".zh-Hant.", ".zh-HK.")))
    config = load_config(project)
    build_site(Plan.at(load_or_raise(config), NOW), config, tmp_path / "site")
    page = (tmp_path / "site" / "zh-HK" / "alerts" / "live-approval" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-HK"' in page
    assert 'placeholder="搜尋"' in page and "尚未翻譯" in page  # Material's and alertcast's zh-Hant words
    assert "本頁還沒有中文 (繁體字, 中國香港特別行政區)版本" in page  # its name in CLDR
