"""Post rendering: length as each network counts it, truncation that never cuts the link, facets, defanging."""

from __future__ import annotations

import dataclasses

import pytest

from alertcast.render import length
from alertcast.render.posts import defang, facets, render

NETWORKS = ["telegram", "x", "mastodon", "bluesky", "discord", "slack", "matrix", "webhook"]


def _long(alert, lang, summary, title=None):
    t = alert.texts[lang]
    texts = dict(alert.texts)
    texts[lang] = dataclasses.replace(t, summary=summary, title=title or t.title)
    return dataclasses.replace(alert, texts=texts)


def test_length_rules():
    assert length.count("x", "a" * 10) == 10
    assert length.count("x", "钓鱼") == 4  # CJK weighs 2
    assert length.count("x", "👍🏽") == 2  # one emoji sequence weighs 2
    assert length.count("x", "see https://example.com/a/very/long/path/that/is/long") == 4 + 23
    assert length.count("mastodon", "see https://example.com/" + "a" * 80) == 4 + 23
    assert length.count("bluesky", "👨‍👩‍👧 钓鱼") == 4  # graphemes
    assert length.count("telegram", "😀") == 2  # UTF-16 code units
    assert length.count("discord", "😀a") == 3


@pytest.mark.parametrize("channel", NETWORKS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_long_summary_is_cut_to_fit_and_link_survives(content, config, channel, lang):
    alert = content.alert("live-phishing")
    word = "钓鱼网站😀" if lang == "zh" else "phishing "
    long = _long(alert, lang, word * 5000)
    post = render(long, config, channel, lang=lang)
    assert post.truncated
    assert post.length <= post.limit == length.RULES[channel].limit
    assert post.length == length.count(channel, post.text)
    assert post.link in post.text and post.link == config.page_url("alerts", "live-phishing", lang)
    assert "…" in post.text
    if lang == "en":
        summary_line = post.text.split("\n")[1]
        assert summary_line.endswith("phishing…")  # cut at a word boundary


def test_short_post_is_untouched(content, config):
    post = render(content.alert("live-phishing"), config, "x")
    assert not post.truncated and post.fits
    assert "骗子搭建与官网几乎相同的网站，诱导用户输入助记词。" in post.text
    assert "#phishing" in post.text and post.text.startswith("⚠️")


def test_bluesky_facets_use_utf8_byte_offsets(content, config):
    alert = _long(content.alert("live-phishing"), "zh", "中文😀摘要 🚨 再看一遍")
    post = render(alert, config, "bluesky")
    [facet] = post.facets
    raw = post.text.encode("utf-8")
    assert raw[facet.byte_start:facet.byte_end].decode("utf-8") == post.link
    assert facet.as_record()["features"][0]["$type"] == "app.bsky.richtext.facet#link"
    two = facets("😀 https://a.example/x 中 https://b.example/y")
    assert [f.uri for f in two] == ["https://a.example/x", "https://b.example/y"]
    assert "😀 https://a.example/x 中 ".encode()[two[1].byte_start:] .startswith(b"")
    assert two[0].byte_start == len("😀 ".encode())


def test_indicators_are_always_defanged(content, config):
    for channel in NETWORKS:
        post = render(content.alert("live-phishing"), config, channel)
        assert "wallet-verify[.]example" in post.text
        assert "wallet-verify.example" not in post.text
        assert [f.uri for f in post.facets] in ([], [post.link])
    assert defang("https://evil.example/x") == "hxxps://evil[.]example/x"


def test_withdrawal_and_update_texts(content, config):
    withdrawn = render(content.alert("withdrawn-fake-app"), config, "mastodon", "withdraw", lang="en")
    assert "WITHDRAWN" in withdrawn.text and "Reported in error" in withdrawn.text
    update = render(content.alert("live-phishing"), config, "telegram", "update", lang="en")
    assert update.text.split("\n")[0].startswith("⚠️ UPDATE:")


def test_user_template_overrides_the_shipped_one(project, config, content):
    folder = project / "templates" / "posts"
    folder.mkdir(parents=True)
    (folder / "telegram.j2").write_text("{{ marker }} {{ title }} -> {{ link }}", encoding="utf-8")
    post = render(content.alert("live-phishing"), config, "telegram")
    assert post.text == "⚠️ 钓鱼网站冒充钱包 -> https://help.fixture.example/alerts/live-phishing/"


def test_channel_lang_setting(project, cli):
    text = (project / "mkdocs.yml").read_text(encoding="utf-8")
    (project / "mkdocs.yml").write_text(text.replace('chat_id: "@fixture"', 'chat_id: "@fixture"\n        lang: en'),
                                        encoding="utf-8")
    result = cli("posts", "preview", "live-phishing", "-p", project, "--now", "2026-03-15T00:00:00+08:00")
    assert "-- telegram [en] post" in result.output
    assert "-- mastodon [zh] post" in result.output
    assert "https://help.fixture.example/en/alerts/live-phishing/" in result.output


def test_preview_shows_length_and_facets(project, cli):
    result = cli("posts", "preview", "live-phishing", "-p", project, "--channel", "bluesky",
                 "--now", "2026-03-15T00:00:00+08:00")
    assert result.exit_code == 0
    assert "/300 graphemes ok" in result.output and "link facet bytes" in result.output
    assert "dry run" in result.output
    missing = cli("posts", "preview", "nope", "-p", project)
    assert missing.exit_code == 1 and "no alert with id 'nope'" in missing.output
