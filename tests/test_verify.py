"""`alertcast verify`, the matching it shares with the Verify page, official.json, and what
`check` says about the official channels."""

from __future__ import annotations

import html
import json
import re
import shutil
import time
import unicodedata
from pathlib import Path

import idna
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from publicsuffixlist import PSLFILE, PublicSuffixList

from alertcast import pipeline, signing
from alertcast.config import load_config
from alertcast.contacts import check, confusables, normalise_domain, skeleton
from alertcast.checks.load import load_content, load_or_raise
from alertcast.content.official import as_data, is_public_suffix, load_official, public_suffixes
from alertcast.plan import Plan
from alertcast.render.indicators import INDICATORS_PATH, render_indicators
from alertcast.render.official import OFFICIAL_PATH, SCHEMA_PATH, render_official
from conftest import REPO
from verify_table import FLOOD_RATIO, FLOODS, PINNED, TABLE, target


@pytest.fixture(scope="module")
def bundled_docs():
    config = load_config(REPO)
    plan = Plan.at(load_or_raise(config), PINNED)
    return (json.loads(render_official(plan, config)[OFFICIAL_PATH]),
            json.loads(render_indicators(plan)[INDICATORS_PATH]))


@pytest.mark.parametrize("text,verdict,expected,reasons", TABLE, ids=[row[0] for row in TABLE])
def test_the_cli_answers_each_row_of_the_shared_table(cli, text, verdict, expected, reasons):
    result = cli("verify", "--json", "--now", PINNED.isoformat(), "-p", REPO, text)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert (answer["verdict"], target(answer), tuple(answer["reasons"])) == (verdict, expected, tuple(reasons))


def test_the_table_is_large_and_covers_every_verdict_and_reason():
    assert len(TABLE) >= 40
    assert {row[1] for row in TABLE} == {"official", "scam", "lookalike", "unknown"}
    from alertcast.contacts import REASONS

    assert {reason for row in TABLE for reason in row[3]} == set(REASONS)


def test_the_text_answer_says_which_channel_is_imitated_and_why_in_each_language(cli):
    en = cli("verify", "--lang", "en", "--now", PINNED.isoformat(), "-p", REPO, "@alertcast_exampIe").output
    assert en.startswith("lookalike: ")
    assert "@alertcast_example" in en and "U+0049" in en and "never messages you first" in en
    zh = cli("verify", "--now", PINNED.isoformat(), "-p", REPO, "t.me/ExampleTicketBot").output
    assert zh.startswith("scam: ") and "(fake-support-telegram)" in zh and "官方客服永远不会主动私信你" in zh


def test_skeletons_come_from_unicodes_confusables():
    assert skeleton("walIet") == skeleton("wallet") == skeleton("wаllet")  # Latin capital I, Cyrillic а
    assert skeleton("0") == skeleton("O") and skeleton("rn") == "m"


def test_a_skeleton_maps_every_confusable_character_as_the_table_says():
    table = confusables()
    for char, ascii in table.items():
        expected = ascii.lower()
        expected = "".join(table.get(c, c) for c in expected).replace("rn", "m")
        if unicodedata.normalize("NFKC", char) == char and char.lower() == char:
            assert skeleton(char) == expected, char


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcxyzAZ019-_.@: /\u0430\u00e9\u4e2d\uff41"), min_size=1, max_size=30))
def test_a_plain_host_is_its_own_normal_form_as_idna_would_say(text):
    """normalise_domain leaves idna out for ASCII names: its answer is the one idna's gives."""
    def by_idna(text):
        host = unicodedata.normalize("NFKC", text).strip().rstrip(".").lower()
        if not host or any(c in host for c in "/:@ ") or "." not in host:
            raise ValueError
        try:
            return idna.encode(host, uts46=True, transitional=False).decode("ascii")
        except idna.IDNAError:
            if host.isascii() and re.fullmatch(r"[a-z0-9_.-]+", host):
                return host
            raise ValueError from None

    try:
        expected = by_idna(text)
    except ValueError:
        with pytest.raises(ValueError):
            normalise_domain(text)
    else:
        assert normalise_domain(text) == expected
    assert skeleton("ｗａｌｌｅｔ") == "wallet"


def test_official_json_is_signed_like_the_banner_and_valid_against_its_schema(bundled_docs):
    config = load_config(REPO)
    key = signing.parse_private_key(signing.generate().private_pem.decode())
    out = pipeline.render_outputs(Plan.at(load_or_raise(config), PINNED), config, key)
    doc = json.loads(out[OFFICIAL_PATH])
    jsonschema.validate(doc, json.loads(out[SCHEMA_PATH]))
    assert doc["key_id"] == signing.key_id(key)
    assert signing.verify(out[signing.PUBLIC_KEY_PATH], out[OFFICIAL_PATH], out[OFFICIAL_PATH + ".sig"])
    assert not signing.verify(out[signing.PUBLIC_KEY_PATH], out[OFFICIAL_PATH].replace(b"alertcast_example", b"alertcast_exampIe"),
                              out[OFFICIAL_PATH + ".sig"])
    unsigned = json.loads(pipeline.render_outputs(Plan.at(load_or_raise(config), PINNED), config)[OFFICIAL_PATH])
    jsonschema.validate(unsigned, json.loads(out[SCHEMA_PATH]))
    assert unsigned["key_id"] is None and OFFICIAL_PATH + ".sig" not in pipeline.render_outputs(
        Plan.at(load_or_raise(config), PINNED), config)
    kinds = {(c["kind"], c["value"]) for c in doc["channels"]}
    assert {("telegram", "@alertcast_example"), ("domain", "help.alertcast.example"),
            ("email", "support@alertcast.example")} <= kinds
    assert doc["pages"]["verify"] == {"zh": "https://help.alertcast.example/verify/",
                                      "en": "https://help.alertcast.example/en/verify/"}


def _data_file(bundled, text: str) -> None:
    (bundled / "content" / "official-channels.yml").write_text(text, encoding="utf-8")


def _problems(bundled):
    _content, problems = load_content(load_config(bundled))
    return [str(p) for p in problems]


CHANNEL = "  - kind: {kind}\n    value: {value}\n    for: {{zh: 官方, en: Official}}\n"


@pytest.mark.parametrize("kind,value,fix", [
    ("telegram", "'@Alertcast_Example'", "'@alertcast_example'"),
    ("telegram", "alertcast_example", "'@alertcast_example'"),
    ("domain", "Help.Alertcast.Example.", "'help.alertcast.example'"),
    ("domain", "钱包.example", "'xn--uir314m.example'"),
    ("email", "Support@ALERTCAST.example", "'support@alertcast.example'"),
])
def test_check_wants_each_value_in_its_normal_form_at_its_line(bundled, kind, value, fix):
    _data_file(bundled, "names: [alertcast]\nchannels:\n" + CHANNEL.format(kind=kind, value=value))
    problems = _problems(bundled)
    assert any(p.startswith("content/official-channels.yml:4:") and "normal form" in p and f"write it as {fix}" in p
               for p in problems), problems


def test_check_refuses_an_unknown_kind_a_missing_translation_and_a_duplicate(bundled):
    _data_file(bundled, "channels:\n" + CHANNEL.format(kind="myspace", value="x")
               + "  - kind: x\n    value: '@alertcast'\n    for: {zh: 官方}\n"
               + CHANNEL.format(kind="domain", value="alertcast.example")
               + CHANNEL.format(kind="domain", value="alertcast.example"))
    problems = "\n".join(_problems(bundled))
    assert "official-channels.yml:2:5: error: kind 'myspace' is not one alertcast knows" in problems
    assert "official-channels.yml:7:5: error: 'for' has no text in en" in problems
    assert "official-channels.yml:11:1: error: domain 'alertcast.example' is listed twice (also on line 8)" in problems


def test_check_refuses_a_data_file_that_is_not_yaml(bundled):
    _data_file(bundled, "channels: [\n")
    problems = _problems(bundled)
    assert any(p.startswith("content/official-channels.yml:") and "error" in p for p in problems), problems


def test_check_refuses_a_scam_indicator_that_is_an_official_channel(bundled):
    alert = bundled / "content" / "alerts" / "fake-support-telegram.en.md"
    for path in (alert, alert.with_name("fake-support-telegram.zh.md")):
        path.write_text(path.read_text(encoding="utf-8").replace('"telegram:@example_support"',
                                                                 '"telegram:@alertcast_example"'), encoding="utf-8")
    problems = "\n".join(_problems(bundled))
    at = _position(alert.with_name("fake-support-telegram.zh.md"), '"telegram:@alertcast_example"')
    assert (f"content/alerts/fake-support-telegram.zh.md:{at}: error: scam indicator 'telegram:@alertcast_example' is "
            "our official telegram '@alertcast_example'") in problems, problems


def test_check_warns_when_an_indicator_imitates_an_official_channel_the_alert_does_not_name(bundled):
    alert = bundled / "content" / "alerts" / "fake-support-telegram.en.md"
    for path in (alert, alert.with_name("fake-support-telegram.zh.md")):
        path.write_text(path.read_text(encoding="utf-8").replace('"telegram:@example_support"',
                                                                 '"telegram:@alertcast_exampIe"'), encoding="utf-8")
    problems = "\n".join(_problems(bundled))
    at = _position(alert, '"telegram:@alertcast_exampIe"')
    assert (f"content/alerts/fake-support-telegram.en.md:{at}: warning: scam indicator 'telegram:@alertcast_exampIe' "
            "imitates our official telegram '@alertcast_example' (confusable), but the alert does not name it") in problems
    text = alert.read_text(encoding="utf-8")
    alert.write_text(text.replace("## How to tell", "Ours is `@alertcast_example`.\n\n## How to tell", 1), encoding="utf-8")
    problems = "\n".join(_problems(bundled))
    assert f"fake-support-telegram.en.md:{at}: warning: scam indicator" not in problems
    at_zh = _position(alert.with_name("fake-support-telegram.zh.md"), '"telegram:@alertcast_exampIe"')
    assert f"fake-support-telegram.zh.md:{at_zh}: warning: scam indicator" in problems


def test_without_the_data_file_nothing_changes(bundled):
    (bundled / "content" / "official-channels.yml").unlink()
    config = load_config(bundled)
    plan = Plan.at(load_or_raise(config), PINNED)
    assert render_official(plan, config) == {}
    assert check("@alertcast_example", {}, {})["verdict"] == "unknown"


def test_the_cli_says_what_is_missing_without_a_data_file(bundled, cli):
    (bundled / "content" / "official-channels.yml").unlink()
    result = cli("verify", "-p", bundled, "@x")
    assert result.exit_code == 1 and "official-channels.yml lists no official channels" in result.output
    assert "Traceback" not in result.output
    shutil.rmtree(bundled / "content")
    result = cli("verify", "-p", bundled, "@x")
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_the_vendored_confusables_are_what_the_script_makes_from_unicodes_data():
    import importlib.util

    from alertcast.contacts import CONFUSABLES_FILE

    spec = importlib.util.spec_from_file_location("confusables_script", REPO / "scripts" / "confusables.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert json.loads(CONFUSABLES_FILE.read_text(encoding="utf-8")) == script.table()
    assert script.table()["а"] == "a" and script.table()["I"] == "l"  # Cyrillic а; Latin capital I


@pytest.fixture(scope="module")
def site_before_the_incident(tmp_path_factory):
    """The bundled site at 2026-11-19 noon, when the bar shows the fake-support alert."""
    from datetime import datetime

    from alertcast.render.site import build_site

    dest = tmp_path_factory.mktemp("verify-links")
    config = load_config(REPO)
    build_site(Plan.at(load_or_raise(config), datetime.fromisoformat("2026-11-19T12:00:00+08:00")), config, dest)
    return dest


def test_home_fake_support_alerts_and_their_announcement_link_to_verify(site_before_the_incident):
    site = site_before_the_incident
    for prefix, name in (("", "核验"), ("en/", "Verify")):
        home = (site / prefix / "index.html").read_text(encoding="utf-8")
        assert 'href="verify/"' in home
        alert = (site / prefix / "alerts" / "fake-support-x-wechat" / "index.html").read_text(encoding="utf-8")
        assert 'href="../../verify/"' in alert
        other = (site / prefix / "alerts" / "address-poisoning" / "index.html").read_text(encoding="utf-8")
        assert "verify/" not in other.split('class="md-content"', 1)[1].split("md-footer", 1)[0]
        bar = json.loads((site / prefix / "assets/alertcast/announce.json").read_bytes())
        assert bar["id"] == "fake-support-telegram"
        assert bar["verify"]["url"] == "../../verify/" and name in bar["verify"]["text"]  # from the file, two folders down
        verify = (site / prefix / "verify" / "index.html").read_text(encoding="utf-8")
        assert 'id="alertcast-verify-input"' in verify and "assets/alertcast/verify.js" in verify


def test_the_official_channels_page_is_made_from_the_data_in_each_language(site_before_the_incident):
    config = load_config(REPO)
    official = load_or_raise(config).official
    for prefix, lang in (("", "zh"), ("en/", "en")):
        page = (site_before_the_incident / prefix / "official-channels" / "index.html").read_text(encoding="utf-8")
        for channel in official.channels:
            assert channel.value in page
            assert html.escape(channel.used_for[lang], quote=False) in page
        assert 'href="../verify/"' in page


@pytest.mark.parametrize("make", ["fifo", "folder", "link"])
def test_a_data_file_that_is_no_plain_file_is_refused_without_blocking(bundled, make):
    import os

    path = bundled / "content" / "official-channels.yml"
    path.unlink()
    if make == "fifo":
        os.mkfifo(path)
    elif make == "folder":
        path.mkdir()
    else:
        path.symlink_to("/etc/passwd")
    problems = "\n".join(_problems(bundled))
    assert "content/official-channels.yml:1:1: error:" in problems, problems


def _position(path, needle: str) -> str:
    """line:col of `needle` in the file, as check reports it (both counted from 1)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines) if needle in text)
    return f"{line + 1}:{lines[line].index(needle) + 1}"


def _fastest(run, times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("shape", sorted(FLOODS))
def test_a_flood_pasted_is_answered_in_time_linear_in_its_length(bundled_docs, shape):
    official, indicators = bundled_docs
    text = FLOODS[shape]
    once = _fastest(lambda: skeleton(text), 5)
    answer = _fastest(lambda: check(text, official, indicators))
    assert answer < FLOOD_RATIO * once, f"{shape}: {answer:.4f} s, reading it once {once:.4f} s"


@pytest.mark.parametrize("kind,value,says", [
    ("download", "'javascript://alertcast.example/%0aalert(1)'", "is not an https:// address"),
    ("download", "'data://alertcast.example/x'", "is not an https:// address"),
    ("ticket", "'http://help.alertcast.example/support/'", "is not an https:// address"),
    ("ticket", "'https://help.alertcast.example/a b>c'", "is not an https:// address"),
    ("telegram", "'@a b'", "is not a Telegram username"),
    ("telegram", "'@'", "is not a Telegram username"),
    ("x", "'@<b>'", "is not an X handle"),
    ("phone", "'+'", "is not a phone number"),
    ("email", "'a b@alertcast.example'", "is not an email address"),
    ("wechat", "'<script>'", "is not a wechat account name"),
    ("mastodon", "'@a b@mastodon.example'", "is not a Mastodon handle"),
])
def test_check_refuses_a_value_that_is_no_contact_of_its_kind(bundled, kind, value, says):
    """Each would be listed as ours in official.json (an app's "verified" link to a javascript:
    address), or make every handle a reader pastes a look-alike of '@'."""
    _data_file(bundled, "names: [alertcast]\nchannels:\n" + CHANNEL.format(kind="domain", value="alertcast.example")
               + CHANNEL.format(kind=kind, value=value))
    problems = _problems(bundled)
    assert any(p.startswith("content/official-channels.yml:7:") and says in p for p in problems), problems
    official, _ = load_official(bundled / "content", ("zh", "en"), "official-channels.yml")
    assert [c.value for c in official.channels] == ["alertcast.example"]  # the entry is left out


def test_an_x_handle_is_at_most_15_characters_as_x_allows(bundled):
    """X: "Your username cannot be longer than 15 characters." A longer one is no account of ours."""
    _data_file(bundled, "names: [alertcast]\nchannels:\n" + CHANNEL.format(kind="domain", value="alertcast.example")
               + CHANNEL.format(kind="x", value="'@alertcast_example'")
               + CHANNEL.format(kind="x", value="'@alertcast_1234'"))
    assert ("content/official-channels.yml:7:5: error: official x '@alertcast_example' is not an X handle "
            "(write @ and its 1 to 15 letters, digits or _)") in _problems(bundled)
    official, _ = load_official(bundled / "content", ("zh", "en"), "official-channels.yml")
    assert [c.value for c in official.channels] == ["alertcast.example", "@alertcast_1234"]  # 15 is allowed


@pytest.mark.parametrize("value", ["github.io", "co.uk", "s3.amazonaws.com"])
def test_check_refuses_a_public_suffix_as_an_official_domain(bundled, value):
    """Anyone can have a name under github.io: listed as ours, every phishing page there would be
    marked official on the Verify page and in apps."""
    _data_file(bundled, "names: [alertcast]\nchannels:\n" + CHANNEL.format(kind="domain", value="alertcast.example")
               + CHANNEL.format(kind="domain", value=value))
    problems = _problems(bundled)
    assert any(p.startswith("content/official-channels.yml:7:") and "public suffix" in p for p in problems), problems
    official, _ = load_official(bundled / "content", ("zh", "en"), "official-channels.yml")
    assert check(f"alertcast-login.{value}", as_data(official), {})["verdict"] != "official"


def test_a_public_suffix_is_told_as_the_lists_parser_tells_it_and_an_ordinary_domain_without_it():
    public_suffixes.cache_clear()
    official, problems = load_official(REPO / "content", ("zh", "en"), "official-channels.yml")
    assert official and problems == []
    assert public_suffixes.cache_info().currsize == 0  # the list was not parsed for the bundled domains
    parser = PublicSuffixList()
    rules = [line.split(" ")[0].strip().lower() for line in Path(PSLFILE).read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("//")]
    wildcards = [rule for rule in rules if rule[0] in "*!"]
    names = set()
    for rule in wildcards + rules[::13]:  # every wildcard and exception, and one rule in 13 of the others
        name = rule.lstrip("!").replace("*", "x")
        for derived in (name, "y." + name, name.partition(".")[2], name.partition(".")[2].partition(".")[2]):
            try:
                names.add(normalise_domain(derived))
            except ValueError:
                continue  # not a domain name: refused before the list is asked
    assert len(names) > 2000
    assert [name for name in sorted(names) if is_public_suffix(name) != parser.is_public(name)] == []


def test_check_refuses_a_download_or_ticket_page_on_no_official_domain(bundled):
    _data_file(bundled, "names: [alertcast]\nchannels:\n" + CHANNEL.format(kind="domain", value="alertcast.example")
               + CHANNEL.format(kind="ticket", value="https://help.alertcast.example/support/")
               + CHANNEL.format(kind="download", value="https://alertcast-apps.example/download/"))
    problems = "\n".join(_problems(bundled))
    assert ("official-channels.yml:10:5: error: download 'https://alertcast-apps.example/download/' is on no official "
            "domain") in problems, problems
    assert ":7:" not in problems


@pytest.mark.parametrize("name", ["a", "x1", "alert cast", "alertcast.example"])
def test_check_refuses_a_name_that_would_make_strangers_look_alikes(bundled, name):
    """names: [a] made wikipedia.org and every handle with an 'a' a look-alike of ours."""
    _data_file(bundled, f"names: ['{name}']\nchannels:\n" + CHANNEL.format(kind="domain", value="alertcast.example"))
    problems = _problems(bundled)
    assert any(p.startswith("content/official-channels.yml:1:") and f"name '{name}' is not a name" in p
               for p in problems), problems
    official, _ = load_official(bundled / "content", ("zh", "en"), "official-channels.yml")
    assert check("wikipedia.org", as_data(official), {})["verdict"] == "unknown"


@pytest.mark.parametrize("kind,value,imitated", [
    ("domain", "xn--lertcast-06g.example", "alertcast.example"),  # аlertcast.example, a Cyrillic а
    ("domain", "a1ertcast.example", "alertcast.example"),
    ("telegram", "'@alertcast_examp1e'", "@alertcast_example"),
])
def test_check_refuses_an_official_channel_that_imitates_another(bundled, kind, value, imitated):
    """Listed as ours, a look-alike would be marked official on the Verify page: the very answer the
    page exists to refuse."""
    _data_file(bundled, "names: [alertcast]\nchannels:\n" + CHANNEL.format(kind="domain", value="alertcast.example")
               + CHANNEL.format(kind="telegram", value="'@alertcast_example'") + CHANNEL.format(kind=kind, value=value))
    problems = _problems(bundled)
    assert any(p.startswith("content/official-channels.yml:10:") and f"imitates our official {kind} '{imitated}'" in p
               for p in problems), problems
    official, _ = load_official(bundled / "content", ("zh", "en"), "official-channels.yml")
    assert check(value.strip("'"), as_data(official), {})["verdict"] == "lookalike"


def test_the_verify_page_is_the_same_whichever_alerts_are_live(bundled, tmp_path):
    """The alerts a verdict names (title and page) come from the language's verify-alerts.json,
    which verify.js reads at load: the page's HTML, and the staged configuration every page of
    an incremental build is keyed by, do not change when an alert does."""
    from alertcast.render.site import build_site
    from alertcast.render.verify_page import ALERTS_PATH

    config = load_config(bundled)
    build_site(Plan.at(load_or_raise(config), PINNED), config, tmp_path / "before")
    alert = bundled / "content" / "alerts" / "fake-support-telegram.en.md"
    alert.write_text(alert.read_text(encoding="utf-8").replace("title: Fake support on Telegram",
                                                               "title: Fake support on Telegram, again"),
                     encoding="utf-8")
    build_site(Plan.at(load_or_raise(config), PINNED), config, tmp_path / "after")
    for prefix in ("", "en/"):
        page = (tmp_path / "after" / prefix / "verify" / "index.html").read_bytes()
        assert page == (tmp_path / "before" / prefix / "verify" / "index.html").read_bytes()
        assert b"fake-support-telegram" not in page
        named = json.loads((tmp_path / "after" / prefix / ALERTS_PATH).read_bytes())
        listed = json.loads(render_indicators(Plan.at(load_or_raise(config), PINNED))[INDICATORS_PATH])["indicators"]
        assert set(named) == {alert for item in listed for alert in item["alerts"]} != set()
        for entry in named.values():  # only pages of this very release
            assert (tmp_path / "after" / entry["url"].lstrip("/") / "index.html").is_file(), entry
    named = json.loads((tmp_path / "after" / "en" / ALERTS_PATH).read_bytes())
    assert named["fake-support-telegram"] == {"title": "Fake support on Telegram, again",
                                              "url": "/en/alerts/fake-support-telegram/"}
