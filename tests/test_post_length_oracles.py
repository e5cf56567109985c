"""Posts as the networks themselves read them: X's lengths by twitter-text, Bluesky's facets by the
atproto SDK's port of @atproto/api's detection, its records by the SDK's lexicon models, graphemes
by `regex` \\X. The reference libraries are the judges; alertcast's own code is what is judged."""

from __future__ import annotations

import dataclasses

import regex
from atproto_client import models
from atproto_client.utils import detect_facets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twitter_text import parse_tweet

from alertcast.render import length
from alertcast.render.posts import facets, render

PIECES = st.sampled_from([
    "钓鱼网站", "冒充客服", "勿信", "：", "，", "。", "！", "（", "）", "「假」",  # CJK and its punctuation
    "ＡＢＣ", "１２３", "ｈｔｔｐｓ", "，", "　",  # full-width forms and the ideographic space
    "👨‍👩‍👧", "🏳️‍🌈", "👍🏽", "⚠️", "🇨🇳", "e\u0301",  # ZWJ sequences, modifiers, flags, combining marks
    "https://help.fixture.example/en/alerts/x/", "https://example.com/spot-phishing/?a=1&b=2",
    "https://www.wallet.com/a_(b)", "(https://example.org/x)", "http://example.net",  # known and unknown TLDs
    ",", ".", ";", ":", "!", "?", ")", "…", " ", "\n", "#Phishing", "＃钓鱼", "#123", "#tag!", "Do not trust",
])
TEXTS = st.lists(PIECES, max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_x_length_is_twitter_texts(text):
    assert length.count("x", text) == parse_tweet(text).weightedLength


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_the_cheap_count_of_a_very_long_text_never_exceeds_x_count(text):
    """Past EXACT_UP_TO characters X's length is a lower bound (twitter-text takes seconds there):
    it must never claim more than X counts, or `check` would ask to cut what fits."""
    assert length._x_floor(text) <= parse_tweet(text).weightedLength


def test_a_very_long_chinese_text_weighs_two_a_character_as_on_x():
    text = "钓鱼网站，" * 1000
    assert length.count("x", text) == 10_000 == parse_tweet(text[:1000]).weightedLength * 5
    assert length.count("x", "a" * 5000) == 5000


def test_a_url_followed_by_a_comma_counts_as_x_counts_it():
    """twitter-text leaves the comma out of the URL (it weighs 23 + 1) and takes a host without a
    TLD it knows for text, not a link."""
    assert length.count("x", "see https://example.com/a?b=2, now") == 4 + 23 + 5
    assert length.count("x", "https://help.alertcast.example/a") == len("https://help.alertcast.example/a")
    assert length.count("mastodon", "see https://example.com/a?b=2, now") == 4 + 23 + 5


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_bluesky_facets_are_blueskys_own_detection(text):
    mine = [(f.byte_start, f.byte_end, f.uri or None, f.tag or None) for f in facets(text)]
    theirs = []
    for facet in detect_facets(text):
        [feature] = facet.features
        if getattr(feature, "tag", "").startswith("$"):
            continue  # cashtags: no post of ours has one to tag
        theirs.append((facet.index.byte_start, facet.index.byte_end, getattr(feature, "uri", None),
                       getattr(feature, "tag", None)))
    assert mine == theirs


def test_a_link_facet_leaves_out_trailing_punctuation_and_an_unbalanced_parenthesis():
    text = "Read https://help.fixture.example/spot-phishing/?a=1&b=2, then (https://help.fixture.example/x)."
    uris = [f.uri for f in facets(text)]
    assert uris == ["https://help.fixture.example/spot-phishing/?a=1&b=2", "https://help.fixture.example/x"]


def _with_summary(alert, lang, summary):
    texts = dict(alert.texts)
    texts[lang] = dataclasses.replace(texts[lang], summary=summary)
    return dataclasses.replace(alert, texts=texts)


SUMMARIES = st.lists(PIECES.filter(lambda p: "://" not in p), min_size=1, max_size=120).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(SUMMARIES, st.sampled_from(["en", "zh"]))
def test_rendered_posts_fit_as_the_networks_count_them(content, config, summary, lang):
    """Whatever the summary, the renderer's X post fits by twitter-text's count, and its Bluesky
    post is a record the lexicon accepts, within 300 graphemes, with Bluesky's own facets."""
    alert = _with_summary(content.alert("live-phishing"), lang, summary.strip() or "钓鱼")
    on_x = render(alert, config, "x", lang=lang)
    assert on_x.length == parse_tweet(on_x.text).weightedLength <= 280
    on_bluesky = render(alert, config, "bluesky", lang=lang)
    assert on_bluesky.length == len(regex.findall(r"\X", on_bluesky.text)) <= 300
    record = {"$type": "app.bsky.feed.post", "text": on_bluesky.text, "createdAt": "2026-03-15T00:00:00.000Z",
              "langs": [lang], "facets": [f.as_record() for f in on_bluesky.facets]}
    models.AppBskyFeedPost.Record.model_validate(record, context={"strict_string_format": True})
    assert [(f.index.byte_start, f.index.byte_end) for f in detect_facets(on_bluesky.text)] == [
        (f.byte_start, f.byte_end) for f in on_bluesky.facets]
