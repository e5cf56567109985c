"""Post rendering: length as each network counts it, truncation that never cuts the link, facets, defanging,
per-channel markup, hashtags."""

from __future__ import annotations

import dataclasses
import re

import pytest
import yaml

from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.render import length
from alertcast.render.posts import count, defang, facets, render
from fakes import Reply
from fakes.networks import telegram_html
from social_support import add_alert

NETWORKS = ["telegram", "x", "mastodon", "bluesky", "discord", "slack", "matrix", "webhook", "email", "weibo"]


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
        summary_line = post.text.split("\n")[2 if channel == "email" else 1]  # an email's subject, then a blank line
        assert summary_line.endswith("phishing…")  # cut at a word boundary


def test_short_post_is_untouched(content, config):
    post = render(content.alert("live-phishing"), config, "x")
    assert not post.truncated and post.fits
    assert "骗子搭建与官网几乎相同的网站，诱导用户输入助记词。" in post.text
    assert post.text.endswith("\n#钓鱼网站 #防诈骗") and post.text.startswith("⚠️")


def test_bluesky_facets_use_utf8_byte_offsets(content, config):
    alert = _long(content.alert("live-phishing"), "zh", "中文😀摘要 🚨 再看一遍")
    post = render(alert, config, "bluesky")
    facet, tag, scam = post.facets  # the link, then the category's hashtags
    raw = post.text.encode("utf-8")
    assert (tag.tag, raw[tag.byte_start:tag.byte_end]) == ("钓鱼网站", "#钓鱼网站".encode())
    assert (scam.tag, raw[scam.byte_start:scam.byte_end]) == ("防诈骗", "#防诈骗".encode())
    assert tag.as_record() == {"index": {"byteStart": tag.byte_start, "byteEnd": tag.byte_end},
                               "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "钓鱼网站"}]}
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
    assert withdrawn.text.startswith("ℹ️ Withdrawn: Fake wallet app\nReported in error")
    update = render(content.alert("live-phishing"), config, "telegram", "update", lang="en")
    assert update.text.split("\n")[0].startswith("<b>⚠️ Updated: ")
    update = render(content.alert("live-phishing"), config, "mastodon", "update", lang="en")
    assert update.text.split("\n")[0].startswith("⚠️ Updated: ")


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
    # the fixture's live-phishing does not list bluesky: shown when asked for, marked as never sent
    assert "-- bluesky [zh] post" in result.output and "not in this alert's channels (not sent)" in result.output
    listed = cli("posts", "preview", "live-phishing", "-p", project, "--channel", "mastodon",
                 "--now", "2026-03-15T00:00:00+08:00")
    assert "dry run" in listed.output and "not sent" not in listed.output
    missing = cli("posts", "preview", "nope", "-p", project)
    assert missing.exit_code == 1 and "no alert with id 'nope'" in missing.output
    # preview never sends, so a --dry-run switch would promise a choice that does not exist
    assert cli("posts", "preview", "-p", project, "--dry-run").exit_code == 2


def test_preview_shows_the_posts_while_the_project_has_errors(project, cli):
    """The post `check` calls too long is what an editor needs to see: preview shows it, and every
    error of the project (this alert's and another file's) after the posts, never instead of them."""
    zh = project / "content" / "alerts" / "live-phishing.zh.md"
    summary = "骗子搭建与官网几乎相同的网站，诱导用户输入助记词。"
    zh.write_text(zh.read_text(encoding="utf-8").replace(summary, "钓" * 600), encoding="utf-8")
    guide = project / "content" / "guides" / "spot-phishing.en.md"
    guide.write_text(guide.read_text(encoding="utf-8").replace("---\n", "---\nlevel: expert\n", 1), encoding="utf-8")
    checked = cli("check", "-p", project)
    assert checked.exit_code == 1
    expected = [line for line in checked.output.splitlines() if ": error: " in line]
    assert any("live-phishing.zh.md" in e and "the mastodon post is" in e for e in expected), expected
    assert any("spot-phishing.en.md" in e for e in expected), expected
    result = cli("posts", "preview", "live-phishing", "-p", project, "--now", "2026-03-15T00:00:00+08:00")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "-- mastodon [zh] post" in out and "钓钓钓钓" in out and "-- telegram [zh] post" in out
    posts, _, after = out.partition(f"{len(expected)} errors in the project")
    assert "-- mastodon" in posts and after, out
    assert [line.strip() for line in after.splitlines()[1:]] == [e.strip() for e in expected]


def test_preview_of_an_alert_with_a_broken_template_says_so(project, cli):
    folder = project / "templates" / "posts"
    folder.mkdir(parents=True)
    (folder / "mastodon.j2").write_text("{{ title }}\n{% if %}\n", encoding="utf-8")
    result = cli("posts", "preview", "live-phishing", "-p", project, "--now", "2026-03-15T00:00:00+08:00")
    assert result.exit_code == 0 and result.exception is None, result.output
    assert "-- mastodon post: the post template cannot be rendered" in result.output
    assert "-- telegram [zh] post" in result.output
    assert "templates/posts/mastodon.j2:2:1: error: the mastodon post template cannot be rendered" in result.output


RICH_INDICATORS = """  domains: [evil-wallet.example, login.evil.example]
  addresses: ["eth:0x2222222222222222222222222222222222222222", "tron:TXka46PPwttNPWfFDPtt3GUodbPThyufaV"]
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
        kept = 9 - n
        assert ((f"另有 {n} 项见页面" if lang == "zh" else f"+{n} more on the page") if kept else
                (f"{n} 项，见页面" if lang == "zh" else f"{n} listed on the page")) in post.text
    else:
        for shown in ("evil-wallet[.]example", "login[.]evil[.]example", "0x2222…2222 (ETH)", "TXka46…ufaV (TRON)",
                      "fake_support (Telegram)", "fake_x_help (X)", "support[at]evil[.]example", "fake[#]1234 (Discord)"):
            assert shown in post.text
    assert "evil-wallet[.]example" in post.text


def test_handles_and_addresses_are_defanged_everywhere(content, config):
    for channel in NETWORKS:
        post = render(content.alert("live-phishing"), config, channel, lang="en")
        assert "@fixture_fake_support" not in post.text and "fixture_fake_support (Telegram)" in post.text
        assert "eth:0x1111" not in post.text and "0x1111…1111 (ETH)" in post.text
        assert "0x11111111" not in post.text  # never a whole address: a post is no place to copy one from


def test_telegram_is_html_that_telegram_parses(project):
    config, alert = _rich(project)
    for action in ("post", "update"):
        post = render(alert, config, "telegram", action, lang="en")
        visible = telegram_html(post.text)  # the fake's parser answers 400 as Telegram would on bad markup
        assert post.text.startswith("<b>⚠️ ") and "Fake &amp; &lt;b&gt;support&lt;/b&gt; *desk*</b>" in post.text
        assert visible.startswith("⚠️ ") and "Fake & <b>support</b> *desk*" in visible
        assert "fake_support (Telegram)" in visible and "<code>" not in post.text  # no one-tap copy
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
    for lang in ("zh", "en"):  # a configured list wins in every language
        assert render(alert, config, "telegram", lang=lang).text.endswith("\n#phishing #scam")
    assert render(alert, config, "mastodon").text.endswith("\n#钓鱼网站 #防诈骗")  # unset: the defaults
    assert render(alert, config, "mastodon", lang="en").text.endswith("\n#Phishing #ScamAlert")
    airdrop = dataclasses.replace(alert, category="airdrop")
    assert render(airdrop, config, "telegram").text.endswith("/alerts/live-phishing/")  # [] means none
    assert render(airdrop, config, "mastodon").text.endswith("\n#空投骗局 #防诈骗")
    fake_app = dataclasses.replace(alert, category="fake-app")
    assert render(fake_app, config, "telegram").text.endswith("\n#假冒应用 #防诈骗")  # categories not named keep defaults
    assert render(fake_app, config, "telegram", lang="en").text.endswith("\n#FakeApp #ScamAlert")


ASCII_COLON = re.compile(r"(?<!https)(?<!http):")  # a colon that is not a URL's scheme


@pytest.mark.parametrize("channel", NETWORKS)
def test_chinese_posts_have_full_width_colons_and_chinese_hashtags(content, config, channel):
    from alertcast.render.posts import HASHTAGS

    for alert_id, action in (("live-phishing", "post"), ("live-phishing", "update"), ("withdrawn-fake-app", "withdraw")):
        post = render(content.alert(alert_id), config, channel, action, lang="zh")
        assert not ASCII_COLON.search(post.text.replace(post.link, "")), post.text
        headline = post.text.split("\n")[0]
        assert action == "post" or re.search(r"【(更新|已撤回)】", headline), headline
        if action == "post":
            assert "勿信：" in post.text
    tags = [t for by_category in HASHTAGS["zh"].values() for t in by_category]
    assert tags and all(re.fullmatch(r"#[\u4e00-\u9fff]+", t) for t in tags), tags
    english = [t for by_category in HASHTAGS["en"].values() for t in by_category]
    assert set(HASHTAGS["en"]) == set(HASHTAGS["zh"]) and all(re.fullmatch(r"#(?:[A-Z][a-z]+)+", t) for t in english)


def test_update_post_leads_with_what_changed(content, config):
    alert = content.alert("live-phishing")
    post = render(alert, config, "mastodon", "update", lang="zh")
    lines = post.text.split("\n")
    assert lines[0] == "⚠️ 【更新】钓鱼网站冒充钱包"
    assert lines[1] == "补充了识别方法。" and lines[2] == alert.texts["zh"].summary
    # no room for the summary: it is left out whole (the page has it), the note stays, nothing is cut
    long = _long(alert, "en", "Scammers run a look-alike site that asks for your recovery phrase. " * 4)
    on_x = render(long, config, "x", "update", lang="en")
    assert on_x.fits and not on_x.truncated
    assert on_x.text.split("\n")[:2] == ["⚠️ Updated: Phishing site poses as the wallet", "Added how to tell."]
    assert "Scammers" not in on_x.text and on_x.link in on_x.text
    assert "Scammers" in render(alert, config, "x", "update", lang="en").text  # with room it is there
    # a note too long by itself is what gets shortened, never the link
    noted = dataclasses.replace(long, update_note={"en": "We found more sites. " * 30, "zh": "补充。"})
    cut = render(noted, config, "x", "update", lang="en")
    note_line = cut.text.split("\n")[1]
    assert cut.fits and cut.truncated and note_line.endswith("…")
    assert note_line[:-1].split()[-1] in ("We", "found", "more", "sites")  # cut at a word boundary
    assert "Scammers" not in cut.text and cut.link in cut.text
    assert "Do not trust: wallet-verify[.]example, +2 more on the page" in cut.text  # the first indicator stays


def test_withdrawal_post_is_a_neutral_correction(project, content):
    config = _set_channel(project, "mastodon", hashtags={"fake-app": ["#FakeApp"]})
    alert = content.alert("withdrawn-fake-app")  # critical: its posts went out with 🚨
    for lang, tag in (("zh", "#更正"), ("en", "#Correction")):
        post = render(alert, config, "mastodon", "withdraw", lang=lang)
        assert post.text.startswith("ℹ️ ") and "🚨" not in post.text
        assert post.text.endswith("\n" + tag) and "#FakeApp" not in post.text and "#假冒应用" not in post.text
    assert render(alert, config, "mastodon", "post", lang="en").text.startswith("🚨 ")


def test_posts_never_carry_a_whole_address(project):
    config, alert = _rich(project)
    for channel in NETWORKS:
        for lang in ("zh", "en"):
            text = render(alert, config, channel, lang=lang).text
            assert "2222222222" not in text and "XyzXyzXyzXyz" not in text
            assert "<code>" not in text


def test_preview_shows_the_alert_as_it_stands_and_its_update(project, cli):
    at = {"before the update": "2026-03-02T11:59:59+08:00", "after it": "2026-03-02T12:00:00+08:00"}
    early = cli("posts", "preview", "live-phishing", "-p", project, "--now", at["before the update"]).output
    assert "-- mastodon [zh] post" in early and "update:" not in early and "补充了识别方法" not in early
    late = cli("posts", "preview", "live-phishing", "-p", project, "--now", at["after it"]).output
    assert "-- mastodon [zh] update" in late and "   | ⚠️ 【更新】钓鱼网站冒充钱包\n   | 补充了识别方法。" in late
    before = cli("posts", "preview", "withdrawn-fake-app", "-p", project, "--now", "2026-02-10T13:00:00+08:00").output
    assert "-- mastodon [zh] post" in before and "] withdraw:" not in before  # the withdrawal is a day later
    assert "-- mastodon [zh] withdraw" in cli("posts", "preview", "withdrawn-fake-app", "-p", project,
                                             "--now", "2026-02-11T10:00:00+08:00").output


def test_bundled_channels_post_in_both_languages():
    from alertcast.render.posts import channel_lang

    from conftest import REPO

    config = load_config(REPO)
    assert {c: channel_lang(config, c) for c in config.enabled_channels} == {
        "telegram": "zh", "x": "en", "mastodon": "en", "bluesky": "en", "weibo": "zh", "wechat": "zh"}
