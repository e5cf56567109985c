"""Post rendering: length as each network counts it, truncation that never cuts the link, facets, defanging,
per-channel markup, hashtags."""

from __future__ import annotations

import dataclasses
import re

import pytest
import yaml

from alertcast.config import load_config
from alertcast.content.loader import load_or_raise
from alertcast.render import length
from alertcast.render.posts import count, defang, facets, render
from fakes import Reply
from fakes.networks import telegram_html
from social_support import add_alert

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
    assert post.length == count(channel, post.text)
    if channel != "telegram":  # Telegram counts the text after its HTML is parsed
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
    facet, tag = post.facets  # the link, then the category's hashtag
    raw = post.text.encode("utf-8")
    assert (tag.tag, raw[tag.byte_start:tag.byte_end]) == ("phishing", b"#phishing")
    assert tag.as_record() == {"index": {"byteStart": tag.byte_start, "byteEnd": tag.byte_end},
                               "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "phishing"}]}
    raw = post.text.encode("utf-8")
    assert raw[facet.byte_start:facet.byte_end].decode("utf-8") == post.link
    assert facet.byte_start == len(post.text[:post.text.index(post.link)].encode("utf-8"))
    assert facet.as_record() == {"index": {"byteStart": facet.byte_start, "byteEnd": facet.byte_end},
                                 "features": [{"$type": "app.bsky.richtext.facet#link", "uri": post.link}]}
    text = "😀 https://a.example/x 中 https://b.example/y 👨‍👩‍👧 https://c.example/钓鱼"
    three = facets(text)
    # 😀 is 4 bytes, 中 3, the family emoji 18 (three people joined by two zero-width joiners)
    assert [(f.byte_start, f.byte_end, f.uri) for f in three] == [
        (5, 24, "https://a.example/x"), (29, 48, "https://b.example/y"), (68, 92, "https://c.example/钓鱼")]
    encoded = text.encode("utf-8")
    assert [encoded[f.byte_start:f.byte_end] for f in three] == [
        b"https://a.example/x", b"https://b.example/y", "https://c.example/钓鱼".encode()]
    # hashtags after CJK and emoji; a # inside a link or a defanged handle is no tag
    tagged = facets("🚨 钓鱼 #钓鱼 #scam https://a.example/#frag fake[#]1234 (Discord)")
    assert [(f.byte_start, f.byte_end, f.tag or f.uri) for f in tagged] == [
        (12, 19, "钓鱼"), (20, 25, "scam"), (26, 49, "https://a.example/#frag")]


def test_indicators_are_always_defanged(content, config):
    for channel in NETWORKS:
        post = render(content.alert("live-phishing"), config, channel)
        assert "wallet-verify[.]example" in post.text
        assert "wallet-verify.example" not in post.text
        assert [f.uri for f in post.facets if not f.tag] in ([], [post.link])
    assert defang("https://evil.example/x") == "hxxps://evil[.]example/x"


def test_withdrawal_and_update_texts(content, config):
    withdrawn = render(content.alert("withdrawn-fake-app"), config, "mastodon", "withdraw", lang="en")
    assert "WITHDRAWN" in withdrawn.text and "Reported in error" in withdrawn.text
    update = render(content.alert("live-phishing"), config, "telegram", "update", lang="en")
    assert update.text.split("\n")[0].startswith("<b>⚠️ UPDATE:")
    update = render(content.alert("live-phishing"), config, "mastodon", "update", lang="en")
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
    # preview never sends, so a --dry-run switch would promise a choice that does not exist
    assert cli("posts", "preview", "-p", project, "--dry-run").exit_code == 2


RICH_INDICATORS = """  domains: [evil-wallet.example, login.evil.example]
  addresses: ["eth:0x2222222222222222222222222222222222222222", "tron:TXyzXyzXyzXyzXyzXyzXyzXyzXyzXyzX"]
  handles: ["telegram:@fake_support", "x:@fake_x_help", "email:support@evil.example", "discord:fake#1234",
            "phone:+85212345678"]
"""
#: What the networks' own parsers take for a mention: `@name` (Telegram, X, Mastodon, Discord, Slack,
#: Matrix user ids) and the fullwidth or small ＠/﹫ (twitter-text counts them as @).
MENTION = re.compile(r"[@＠﹫][A-Za-z0-9_]")
#: What a linkifier takes for a bare domain or an email (Telegram, X and Slack link `evil.example`).
BARE_DOMAIN = re.compile(r"(?i)[a-z0-9-]+(?:[.。．｡][a-z0-9-]+)+")
SCHEME = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*:(?://)?[^\s]")  # http://, ethereum:, tg://, mailto:


def _rich(project):
    add_alert(project, "rich", ["telegram", "mastodon"], title="Fake & <b>support</b> *desk*",
              indicators=RICH_INDICATORS)
    config = load_config(project)
    return config, load_or_raise(config).alert("rich")


@pytest.mark.parametrize("channel", NETWORKS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_indicator_is_a_link_or_a_mention_on_any_network(project, channel, lang):
    config, alert = _rich(project)
    post = render(alert, config, channel, lang=lang)
    text = post.text.replace(post.link, " ")  # the alert's own page is the one link a post has
    assert not MENTION.search(text), text
    assert not BARE_DOMAIN.search(text.replace("#", " ")), text  # hashtags are ours
    assert not SCHEME.search(text), text
    assert [f.uri for f in post.facets if not f.tag] in ([], [post.link])
    if post.indicators_left_out:  # the page lists them all; the post says how many it left out
        n = post.indicators_left_out
        assert (f"另有 {n} 项见页面" if lang == "zh" else f"+{n} more on the page") in post.text
    else:
        for shown in ("evil-wallet[.]example", "login[.]evil[.]example", "0x2222222222222222222222222222222222222222 (ETH)",
                      "fake_support (Telegram)", "fake_x_help (X)", "support[at]evil[.]example", "fake[#]1234 (Discord)"):
            assert shown in post.text
    assert "evil-wallet[.]example" in post.text


def test_handles_and_addresses_are_defanged_everywhere(content, config):
    for channel in NETWORKS:
        post = render(content.alert("live-phishing"), config, channel, lang="en")
        assert "@fixture_fake_support" not in post.text and "fixture_fake_support (Telegram)" in post.text
        assert "eth:0x1111" not in post.text and "0x1111111111111111111111111111111111111111 (ETH)" in post.text


def test_telegram_is_html_that_telegram_parses(project):
    config, alert = _rich(project)
    for action in ("post", "update"):
        post = render(alert, config, "telegram", action, lang="en")
        visible = telegram_html(post.text)  # the fake's parser answers 400 as Telegram would on bad markup
        assert post.text.startswith("<b>⚠️ ") and "Fake &amp; &lt;b&gt;support&lt;/b&gt; *desk*</b>" in post.text
        assert visible.startswith("⚠️ ") and "Fake & <b>support</b> *desk*" in visible
        assert "<code>fake_support (Telegram)</code>" in post.text  # code entities are never linked
        assert post.length == length.utf16_units(visible)
    with pytest.raises(Reply):
        telegram_html("<b>unclosed & bare")


def test_discord_and_slack_markup(project):
    config, alert = _rich(project)
    discord = render(alert, config, "discord", lang="en").text
    assert discord.startswith("**⚠️ Fake & \\<b\\>support\\</b\\> \\*desk\\***")
    assert "`fake_support (Telegram)`" in discord and "`evil-wallet[.]example`" in discord
    slack = render(alert, config, "slack", lang="en").text
    assert slack.startswith("*⚠️ Fake &amp; &lt;b&gt;support&lt;/b&gt; *desk**")
    assert "`support[at]evil[.]example (email)`" in slack and "<b>" not in slack


@pytest.mark.parametrize("channel", ["x", "bluesky", "mastodon", "matrix", "webhook"])
def test_plain_text_networks_get_no_markup(project, channel):
    config, alert = _rich(project)
    post = render(alert, config, channel, lang="en")
    assert post.text.startswith("⚠️ Fake & <b>support</b> *desk*\n")  # shown as written
    assert "`" not in post.text and "<code>" not in post.text


def test_user_template_can_extend_the_shipped_one(project, config, content):
    folder = project / "templates" / "posts"
    folder.mkdir(parents=True)
    (folder / "x.j2").write_text('{% extends "default.j2" %}{% block headline %}[{{ severity }}] {{ title }}{% endblock %}',
                                 encoding="utf-8")
    post = render(content.alert("live-phishing"), config, "x")
    assert post.text.startswith("[warning] 钓鱼网站冒充钱包\n") and post.link in post.text
    assert render(content.alert("live-phishing"), config, "mastodon").text.startswith("⚠️ 钓鱼网站冒充钱包\n")


def _set_channel(project, channel, **keys):
    path = project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["channels"].setdefault(channel, {}).update(keys)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_config(project)


def test_hashtags_setting_per_channel_and_category(project, content):
    config = _set_channel(project, "telegram", hashtags={"phishing": ["#phishing", "#scam"], "airdrop": []})
    alert = content.alert("live-phishing")
    assert render(alert, config, "telegram").text.endswith("\n#phishing #scam")
    assert render(alert, config, "mastodon").text.endswith("\n#phishing")  # unset: the defaults
    airdrop = dataclasses.replace(alert, category="airdrop")
    assert render(airdrop, config, "telegram").text.endswith("/alerts/live-phishing/")  # [] means none
    assert render(airdrop, config, "mastodon").text.endswith("\n#airdrop #scam")
    fake_app = dataclasses.replace(alert, category="fake-app")
    assert render(fake_app, config, "telegram").text.endswith("\n#FakeApp")  # categories not named keep defaults
