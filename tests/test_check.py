"""`alertcast check`: every validation rule, each with a broken file and the exact lines a user sees.

Each case edits real files of a copy of the fixture project and runs the real command; the
problems printed must be exactly the expected ones, no more, so each case proves one rule.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ALERT_EN = "content/alerts/live-phishing.en.md"
ALERT_ZH = "content/alerts/live-phishing.zh.md"
AIRDROP_EN = "content/alerts/expired-airdrop.en.md"
AIRDROP_ZH = "content/alerts/expired-airdrop.zh.md"
WITHDRAWN_EN = "content/alerts/withdrawn-fake-app.en.md"
GUIDE_EN = "content/guides/spot-phishing.en.md"
GUIDE_ZH = "content/guides/spot-phishing.zh.md"
INDEX_EN = "content/index.en.md"
SRC = Path(__file__).resolve().parents[1] / "src"


def edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def both(rel: str, old: str, new: str) -> list[tuple[str, str, str]]:
    """The same edit in the en and zh file, so translations keep agreeing."""
    return [(rel, old, new), (rel.replace(".en.md", ".zh.md"), old, new)]


def check(cli, project: Path, *extra: str):
    return cli("check", "-p", project, *extra)


def problems(result) -> list[str]:
    return result.stdout.splitlines()


def test_bundled_fixture_is_clean(cli, project):
    result = check(cli, project)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.strip() == "0 error(s), 0 warning(s)"


LONG_TITLE = "Phishing " * 14  # 126 characters
TEXT = "the front-matter reference in README.md"
COPY = "copy the address again from where the scam was reported; never retype it"

# name: (edits as (file, old text, new text), the exact lines check prints)
CASES: dict[str, tuple[list[tuple[str, str, str]], list[str]]] = {
    # -- front matter: keys, types, values ---------------------------------------------------
    "unknown key with a suggestion": (
        [(ALERT_EN, "severity: warning", "serverity: warning")],
        [f"{ALERT_EN}:4:1: error: unknown key 'serverity' (did you mean 'severity'?)"]),  # not also 'severity' missing
    "unknown key in a guide": (
        [(GUIDE_EN, "level: basic", "levle: basic")],
        [f"{GUIDE_EN}:4:1: error: unknown key 'levle' (did you mean 'level'?)"]),
    "alert key in a page": (
        [(INDEX_EN, "title: Safety Center", "title: Safety Center\nseverity: info")],
        [f"{INDEX_EN}:3:1: error: unknown key 'severity' (known keys: title, summary, hide)"]),
    "unknown severity": (
        [(ALERT_EN, "severity: warning", "severity: urgent")],
        [f"{ALERT_EN}:4:1: error: 'severity' has an unknown value 'urgent' "
         "(use one of 'info', 'advisory', 'warning' or 'critical')"]),
    "unknown category": (
        [(ALERT_EN, "category: phishing", "category: phishy")],
        [f"{ALERT_EN}:5:1: error: 'category' has an unknown value 'phishy' (use one of 'phishing', 'impersonation', "
         "'fake-app', 'airdrop', 'approval', 'address-poisoning', 'account-takeover', 'investment-scam', 'incident' "
         "or 'maintenance')"]),
    "time without time zone": (
        [(ALERT_EN, "publish_at: 2026-03-01T10:00:00+08:00", "publish_at: 2026-03-01 10:00:00")],
        [f"{ALERT_EN}:6:1: error: 'publish_at' has no time zone "
         "(write 2026-03-01T10:00:00+08:00 (2026-03-01 10:00 Beijing time (UTC+8)): paste it as it is)"]),
    "date instead of time": (
        [(ALERT_EN, "publish_at: 2026-03-01T10:00:00+08:00", "publish_at: 2026-03-01")],
        [f"{ALERT_EN}:6:1: error: 'publish_at': is a date without a time "
         "(write 2026-03-01T00:00:00+08:00 (2026-03-01 00:00 Beijing time (UTC+8)), with the hour you mean)"]),
    "number instead of time": (
        [(ALERT_EN, "publish_at: 2026-03-01T10:00:00+08:00", "publish_at: 20260301")],
        [f"{ALERT_EN}:6:1: error: 'publish_at': is a number, not a time "
         "(write a full time with its offset, e.g. 2026-11-01T08:00:00+08:00)"]),
    "quoted number instead of time": (
        [(ALERT_EN, "updated_at: 2026-03-02T12:00:00+08:00", 'updated_at: "1772424000"')],
        [f"{ALERT_EN}:7:1: error: 'updated_at': is a number, not a time "
         "(write a full time with its offset, e.g. 2026-11-01T08:00:00+08:00)"]),
    "time in another format": (
        [(ALERT_EN, "publish_at: 2026-03-01T10:00:00+08:00", "publish_at: 2026/03/01 10:00")],
        [f"{ALERT_EN}:6:1: error: 'publish_at' is not a time like 2026-11-01T08:00:00+08:00 "
         "(write 2026-03-01T10:00:00+08:00 (2026-03-01 10:00 Beijing time (UTC+8)): paste it as it is)"]),
    "time in a form check cannot read": (
        [(ALERT_EN, "publish_at: 2026-03-01T10:00:00+08:00", "publish_at: next monday")],
        [f"{ALERT_EN}:6:1: error: 'publish_at' is not a time like 2026-11-01T08:00:00+08:00 "
         "(write the date (year-month-day), T, the time and its offset from UTC)"]),
    "time with a zone name": (
        [(ALERT_EN, "publish_at: 2026-03-01T10:00:00+08:00", "publish_at: 2026-03-01 10:00 北京时间")],
        [f"{ALERT_EN}:6:1: error: 'publish_at' is not a time like 2026-11-01T08:00:00+08:00 "
         "(write 2026-03-01T10:00:00+08:00 (2026-03-01 10:00 Beijing time (UTC+8)): paste it as it is)"]),
    "time with full-width colons": (
        [(ALERT_ZH, "publish_at: 2026-03-01T10:00:00+08:00", "publish_at: 2026-03-01T10\uff1a00\uff1a00+08:00")],
        [f"{ALERT_ZH}:6:1: error: 'publish_at': '2026-03-01T10\uff1a00\uff1a00+08:00' is written with full-width "
         "characters (write 2026-03-01T10:00:00+08:00 (half-width))"]),
    "date that does not exist": (
        [(ALERT_EN, "publish_at: 2026-03-01T10:00:00+08:00", "publish_at: 2026-02-30T10:00:00+08:00")],
        [f"{ALERT_EN}:6:13: error: 'publish_at': 2026-02-30T10:00:00+08:00 is not a real date or time: day is out of "
         "range for month (check the month (1-12), the day of that month and the time (00:00 to 23:59), "
         "e.g. 2026-11-01T08:00:00+08:00)"]),
    "hour that does not exist": (
        [(ALERT_EN, "updated_at: 2026-03-02T12:00:00+08:00", "updated_at: 2026-03-02T24:00:00+08:00")],
        [f"{ALERT_EN}:7:13: error: 'updated_at': 2026-03-02T24:00:00+08:00 is not a real date or time: hour must be "
         "in 0..23 (check the month (1-12), the day of that month and the time (00:00 to 23:59), "
         "e.g. 2026-11-01T08:00:00+08:00)"]),
    "empty title": (
        [(ALERT_EN, 'title: "Phishing site poses as the wallet"', 'title: ""')],
        [f"{ALERT_EN}:2:1: error: 'title': String should have at least 1 character (see {TEXT})"]),
    "title that YAML reads as a comment": (
        [(ALERT_EN, 'title: "Phishing site poses as the wallet"', "title: #1 phishing site")],
        [f"{ALERT_EN}:2:1: error: 'title' is empty (write the value after 'title:'; put it in quotes if it starts "
         "with '#', which YAML reads as the start of a comment)"]),
    "title too long": (
        [(ALERT_EN, 'title: "Phishing site poses as the wallet"', f'title: "{LONG_TITLE}"')],
        [f"{ALERT_EN}:2:1: error: 'title': String should have at most 120 characters (see {TEXT})"]),
    "empty summary": (
        [(ALERT_EN, 'summary: "Scammers run a look-alike site that asks for your recovery phrase."', 'summary: "  "')],
        [f"{ALERT_EN}:3:1: error: 'summary': String should have at least 1 character (see {TEXT})"]),
    "summary too long": (
        [(ALERT_EN, "asks for your recovery phrase.\"", "asks for your recovery phrase." + " Never share it." * 40 + "\"")],
        [f"{ALERT_EN}:3:1: error: 'summary': String should have at most 600 characters (see {TEXT})"]),
    "summary of two paragraphs": (
        [(ALERT_EN, 'summary: "Scammers run a look-alike site that asks for your recovery phrase."',
          'summary: |\n  Scammers run a look-alike site.\n\n  It asks for your recovery phrase.')],
        [f"{ALERT_EN}:3:1: error: 'summary': summary must be one paragraph (see {TEXT})"]),
    "front matter that is not a mapping": (
        [(GUIDE_EN, "title: Spot phishing\nsummary: Learn to spot look-alike sites and links.\nlevel: basic\norder: 10",
          "- Spot phishing\n- Learn to spot look-alike sites")],
        [f"{GUIDE_EN}:2:1: error: front matter must be 'key: value' lines"]),
    "bad id": (
        [(ALERT_EN, "title:", "id: Live_Phishing\ntitle:")],
        [f"{ALERT_EN}:2:1: error: 'id': 'Live_Phishing' is not a valid id; use lower-case letters, digits and '-' "
         f"(e.g. fake-support-telegram) (see {TEXT})"]),
    "unknown channel": (
        [(ALERT_EN, "channels: [banner, cap, telegram, mastodon]", "channels: [banner, cap, telegarm, mastodon]")],
        [f"{ALERT_EN}:9:25: error: 'channels.2' has an unknown value 'telegarm' (use one of 'site', 'feed', 'banner', "
         "'cap', 'telegram', 'x', 'mastodon', 'bluesky', 'discord', 'slack', 'matrix', 'webhook', 'email', 'fcm', "
         "'weibo', 'wechat', 'wecom', 'dingtalk' or 'feishu')"]),
    "empty withdrawal reason": (
        [(ALERT_EN, "channels: [banner", "withdrawn: \"  \"\nchannels: [banner")],
        [f"{ALERT_EN}:9:1: error: 'withdrawn': withdrawn needs a reason readers will see, "
         f"e.g. 'Reported in error: the site is ours.' (see {TEXT})"]),
    "guide level": (
        [(GUIDE_EN, "level: basic", "level: expert")],
        [f"{GUIDE_EN}:4:1: error: 'level' has an unknown value 'expert' (use one of 'basic', 'intermediate' or 'advanced')"]),
    "guide order negative": (
        [(GUIDE_EN, "order: 10", "order: -1")],
        [f"{GUIDE_EN}:5:1: error: 'order': Input should be greater than or equal to 0 (see {TEXT})"]),
    "guide order too large": (
        [(GUIDE_EN, "order: 10", "order: 10001")],
        [f"{GUIDE_EN}:5:1: error: 'order': Input should be less than or equal to 10000 (see {TEXT})"]),
    "guide order not a number": (
        [(GUIDE_EN, "order: 10", "order: first")],
        [f"{GUIDE_EN}:5:1: error: 'order': Input should be a valid integer, unable to parse string as an integer "
         f"(see {TEXT})"]),
    "page hide": (
        [(INDEX_EN, "title: Safety Center", "title: Safety Center\nhide: [navigation, sidebar]")],
        [f"{INDEX_EN}:3:20: error: 'hide.1' has an unknown value 'sidebar' "
         "(use one of 'navigation', 'toc', 'footer', 'path', 'feedback' or 'tags')"]),
    # -- times ---------------------------------------------------------------------------------
    "expiry before publication": (
        [(AIRDROP_EN, "expires_at: 2026-02-20T08:00:00+08:00", "expires_at: 2026-01-20T08:00:00+08:00")],
        [f"{AIRDROP_EN}:7:1: error: 'expires_at': must be after publish_at (2026-02-01 08:00 Beijing time (UTC+8)) "
         "(set a later expires_at, or remove it to keep the alert in the banner)"]),
    "update before publication": (
        [(ALERT_EN, "updated_at: 2026-03-02T12:00:00+08:00", "updated_at: 2026-02-02T12:00:00+08:00")],
        [f"{ALERT_EN}:7:1: error: 'updated_at': is before publish_at (2026-03-01 10:00 Beijing time (UTC+8)); an alert cannot "
         "be updated before it is published (set updated_at to when the text changed)"]),
    "update note without update time": (
        [(AIRDROP_EN, "channels: [banner, cap]", "update_note: \"fixed\"\nchannels: [banner, cap]")],
        [f"{AIRDROP_EN}:8:1: error: 'update_note': needs updated_at (when the change was made) "
         "(add e.g. updated_at: 2026-11-01T08:00:00+08:00)"]),
    "withdrawn without update time": (
        both(WITHDRAWN_EN, "updated_at: 2026-02-11T10:00:00+08:00\n", ""),
        [f"{WITHDRAWN_EN}:7:1: error: 'withdrawn': needs updated_at (when it was withdrawn); feeds and CAP date the "
         "withdrawal with it (add updated_at: with the time it was withdrawn, e.g. updated_at: 2026-11-01T08:00:00+08:00)",
         f"{WITHDRAWN_EN.replace('.en.', '.zh.')}:7:1: error: 'withdrawn': needs updated_at (when it was withdrawn); "
         "feeds and CAP date the withdrawal with it (add updated_at: with the time it was withdrawn, "
         "e.g. updated_at: 2026-11-01T08:00:00+08:00)"]),
    "duplicate key": (
        [(ALERT_EN, "severity: warning", "publish_at: 2026-01-01T10:00:00+08:00\nseverity: warning")],
        [f"{ALERT_EN}:7:1: error: 'publish_at' is set twice, here and on line 4; only the last would count "
         "(delete one of the two 'publish_at:' lines)"]),
    "duplicate nested key": (
        [(ALERT_EN, "  frequency: daily", "  frequency: daily\n  frequency: once")],
        [f"{ALERT_EN}:15:3: error: 'banner.frequency' is set twice, here and on line 14; only the last would count "
         "(delete one of the two 'frequency:' lines)"]),
    # -- banner --------------------------------------------------------------------------------
    "bad app version": (
        [(ALERT_EN, '  min_app_version: "8.0.0"', '  min_app_version: "8.x"')],
        [f"{ALERT_EN}:12:3: error: 'banner.min_app_version': '8.x' is not an app version like 8.2.0 (see {TEXT})"]),
    "app version that YAML reads as a number": (
        [(ALERT_EN, 'min_app_version: "8.0.0"', "min_app_version: 8.10")],
        [f"{ALERT_EN}:12:3: error: 'banner.min_app_version': is read as the number 8.1, not as a version (8.10 would "
         'become 8.1) (write the version in quotes, e.g. "8.10.0")']),
    "app version range upside down": (
        [(ALERT_EN, "  min_app_version: \"8.0.0\"", "  min_app_version: \"8.0.0\"\n  max_app_version: \"7.1\"")],
        [f"{ALERT_EN}:13:3: error: 'banner.max_app_version': is 7.1, below min_app_version 8.0.0: no app version "
         "would see the banner (swap the two versions, or remove one of them)"]),
    "empty platforms": (
        [(ALERT_EN, "  platforms: [ios, android]", "  platforms: []")],
        [f"{ALERT_EN}:11:3: error: 'banner.platforms': is empty: the banner would reach nobody "
         "(remove the key to target every platform)"]),
    "banner settings without banner channel": (
        both(ALERT_EN, "channels: [banner, cap, telegram, mastodon]", "channels: [cap, telegram, mastodon]"),
        [f"{ALERT_EN}:10:1: warning: banner settings are ignored: 'banner' is not in channels "
         "(add banner to channels, or remove the banner block)",
         f"{ALERT_ZH}:10:1: warning: banner settings are ignored: 'banner' is not in channels "
         "(add banner to channels, or remove the banner block)"]),
    "banner action URL off the allow-list": (
        both(ALERT_EN, "  frequency: daily", "  frequency: daily\n  action_url: https://evil.test/claim"),
        [f"{ALERT_EN}:15:3: error: banner action_url https://evil.test/claim is not on an allowed domain "
         "(link to the help site or a domain in extra.alertcast.allowed_link_domains)",
         f"{ALERT_ZH}:15:3: error: banner action_url https://evil.test/claim is not on an allowed domain "
         "(link to the help site or a domain in extra.alertcast.allowed_link_domains)"]),
    # -- channels ------------------------------------------------------------------------------
    "channel not configured": (
        both(AIRDROP_EN, "channels: [banner, cap]", "channels: [banner, cap, discord]"),
        [f"{AIRDROP_EN}:8:25: warning: channel 'discord' is not configured, so nothing will be posted there "
         "(add 'discord' under extra.alertcast.channels in mkdocs.yml, or remove it here)",
         f"{AIRDROP_ZH}:8:25: warning: channel 'discord' is not configured, so nothing will be posted there "
         "(add 'discord' under extra.alertcast.channels in mkdocs.yml, or remove it here)"]),
    # -- references and links ------------------------------------------------------------------
    "unknown related guide": (
        both(ALERT_EN, "related: [spot-phishing]", "related: [spot-phishin]"),
        [f"{ALERT_EN}:19:11: error: related guide 'spot-phishin' does not exist "
         "(use the id of a guide in guides/ (did you mean 'spot-phishing'?))",
         f"{ALERT_ZH}:19:11: error: related guide 'spot-phishin' does not exist "
         "(use the id of a guide in guides/ (did you mean 'spot-phishing'?))"]),
    "broken link between pages": (
        [(ALERT_EN, "(../guides/spot-phishing.md)", "(../guides/spot-phish.md)")],
        [f"{ALERT_EN}:26:21: error: broken link: ../guides/spot-phish.md does not exist "
         "(link to another page by its file, e.g. ../guides/backup-recovery-phrase.md)"]),
    "footnote, which is not a link": (
        [(GUIDE_EN, "1. Check the domain.", "1. Check the domain.[^1]"),
         (GUIDE_EN, "your recovery phrase.\n", "your recovery phrase.\n\n[^1]: The address bar shows it.\n")],
        []),
    "link to a domain off the allow-list": (
        [(GUIDE_EN, "1. Check the domain.", "1. Check the domain, as [this news site](https://news.other.test/x) explains.")],
        [f"{GUIDE_EN}:10:42: warning: link to news.other.test, a domain not on the allow-list "
         "(link only to official domains, or add it to extra.alertcast.allowed_link_domains)"]),
    # -- scam indicators -----------------------------------------------------------------------
    "scam indicator as a link": (
        [(ALERT_EN, "See [Spot phishing]", "Do not open [this](https://wallet-verify.example/login).\n\nSee [Spot phishing]")],
        [f"{ALERT_EN}:26:20: error: scam indicator wallet-verify.example is written so that it can become a "
         "clickable link (write it defanged as `wallet-verify[.]example` (in backticks), never as a link)"]),
    "scam indicator as bare text": (
        [(ALERT_EN, "See [Spot phishing]", "The site wallet-verify.example copies ours.\n\nSee [Spot phishing]")],
        [f"{ALERT_EN}:26:10: error: scam indicator wallet-verify.example is written so that it can become a "
         "clickable link (write it defanged as `wallet-verify[.]example` (in backticks), never as a link)"]),
    "subdomain of a scam indicator as a link": (
        [(ALERT_EN, "See [Spot phishing]", "Do not open <https://www.wallet-verify.example/login>.\n\nSee [Spot phishing]")],
        [f"{ALERT_EN}:26:14: error: scam indicator wallet-verify.example (as www.wallet-verify.example) is written so "
         "that it can become a clickable link (write it defanged as `www[.]wallet-verify[.]example` (in backticks), "
         "never as a link)"]),
    "scam indicator as a link in a guide": (
        [(GUIDE_EN, "1. Check the domain.", "1. Check the domain: [this one](https://login.wallet-verify.example/) is fake.")],
        [f"{GUIDE_EN}:10:33: error: scam indicator wallet-verify.example (as login.wallet-verify.example) is written "
         "so that it can become a clickable link (write it defanged as `login[.]wallet-verify[.]example` "
         "(in backticks), never as a link)"]),
    "scam indicator in a page": (
        [(INDEX_EN, "# Safety Center", "# Safety Center\n\nwallet-verify.example is not ours.")],
        [f"{INDEX_EN}:7:1: error: scam indicator wallet-verify.example is written so that it can become a "
         "clickable link (write it defanged as `wallet-verify[.]example` (in backticks), never as a link)"]),
    "defanged scam indicator in text and code is fine": (
        [(GUIDE_EN, "1. Check the domain.", "1. Check the domain: `wallet-verify.example` and wallet-verify[.]example "
          "are fake.")],
        []),
    "scam indicator in a summary": (
        [(ALERT_EN, "asks for your recovery phrase.\"", "asks for your recovery phrase at www.wallet-verify.example.\"")],
        [f"{ALERT_EN}:3:1: error: summary names scam indicator wallet-verify.example in a form that becomes a link "
         "(banners and posts show the summary as it is: write it defanged, www[.]wallet-verify[.]example)"]),
    "scam indicator in a title": (
        both(ALERT_EN, 'title: "', 'title: "wallet-verify.example: '),
        [f"{ALERT_EN}:2:1: error: title names scam indicator wallet-verify.example in a form that becomes a link "
         "(banners and posts show the title as it is: write it defanged, wallet-verify[.]example)",
         f"{ALERT_ZH}:2:1: error: title names scam indicator wallet-verify.example in a form that becomes a link "
         "(banners and posts show the title as it is: write it defanged, wallet-verify[.]example)"]),
    "scam handle in a summary": (
        [(ALERT_EN, "asks for your recovery phrase.\"", "asks for your recovery phrase. Block @Fixture_Fake_Support.\"")],
        [f"{ALERT_EN}:3:1: error: summary names scam handle telegram:@fixture_fake_support, which networks turn into a "
         "link to that account (leave the handle to the alert's page, or write it without the @)"]),
    "defanged scam indicator in a summary is fine": (
        [(ALERT_EN, "asks for your recovery phrase.\"", "asks for your recovery phrase at wallet-verify[.]example.\"")],
        []),
    "other domain in a summary": (
        [(ALERT_EN, "asks for your recovery phrase.\"", "asks for your recovery phrase, as other-news.test reported.\"")],
        [f"{ALERT_EN}:3:1: error: summary mentions other-news.test, a domain not on the allow-list, which networks "
         "turn into a link (write it defanged, other-news[.]test, or add the domain to "
         "extra.alertcast.allowed_link_domains)"]),
    "summary links off the allow-list": (
        [(ALERT_EN, "asks for your recovery phrase.\"", "asks for your recovery phrase. See https://news.other.test/x\"")],
        [f"{ALERT_EN}:3:1: error: summary links to news.other.test, a domain not on the allow-list (banners and posts "
         "may link only to allowed domains; remove the link or add the domain to extra.alertcast.allowed_link_domains)"]),
    "allowed domain and version in a summary are fine": (
        [(ALERT_EN, "asks for your recovery phrase.\"", "asks for your recovery phrase; update to 8.4.2 and read "
          "https://help.fixture.example/guides/ or fixture.example.\"")],
        []),
    "scam indicator in a withdrawal reason": (
        [(WITHDRAWN_EN, "the app is our official beta.", "the app at wallet-verify.example is our official beta.")],
        [f"{WITHDRAWN_EN}:8:1: error: withdrawn names scam indicator wallet-verify.example in a form that becomes a "
         "link (banners and posts show the withdrawn as it is: write it defanged, wallet-verify[.]example)"]),
    "bad indicator domain": (
        [(ALERT_EN, "domains: [wallet-verify.example]", "domains: [wallet-verify.example, not a domain]")],
        [f"{ALERT_EN}:16:36: error: 'scam_indicators.domains.1': 'not a domain' is not a domain like "
         "evil-wallet.example (write the host name alone, e.g. wallet-verify.example or *.wallet-verify.example)"]),
    "indicator domain in Unicode": (
        [(ALERT_EN, "domains: [wallet-verify.example]", "domains: [wallet-verify.example, alertc\u0430st.example]")],
        [f"{ALERT_EN}:16:36: error: 'scam_indicators.domains.1': 'alertc\u0430st.example' is written in Unicode: it "
         "shows as alertc\u0430st.example but contains \u0430 (U+0430 CYRILLIC SMALL LETTER A), so browsers look up "
         "xn--alertcst-66g.example (write xn--alertcst-66g.example: the blocklist must hold the name browsers "
         "look up)"]),
    "indicator domain with a full-width dot": (
        [(ALERT_EN, "domains: [wallet-verify.example]", "domains: [wallet-verify\u3002example]")],
        [f"{ALERT_EN}:16:13: error: 'scam_indicators.domains.0': 'wallet-verify\u3002example' is written in Unicode: "
         "it contains \u3002 (U+3002 IDEOGRAPHIC FULL STOP), which browsers read as wallet-verify.example (write "
         "wallet-verify.example: the blocklist must hold the name browsers look up)"]),
    "indicator domain whose xn-- label does not decode": (
        [(ALERT_EN, "domains: [wallet-verify.example]", "domains: [wallet-verify.example, xn--alertcst-6g.example]")],
        [f"{ALERT_EN}:16:36: error: 'scam_indicators.domains.1': 'xn--alertcst-6g.example': the label xn--alertcst-6g "
         "is not valid punycode, so it decodes to no name: a character is mistyped or missing (copy the domain again "
         "from where the scam was reported; an xn-- label is the ASCII form of a name in another script and must "
         "decode)"]),
    "indicator domain whose xn-- label decodes to control characters": (
        [(ALERT_EN, "domains: [wallet-verify.example]", "domains: [xn--abc.example]")],
        [f"{ALERT_EN}:16:13: error: 'scam_indicators.domains.0': 'xn--abc.example': the label xn--abc decodes to "
         "'\\x82\\x81\\x80', which holds invisible or control characters: a character is mistyped (copy the domain "
         "again from where the scam was reported; an xn-- label is the ASCII form of a name in another script and "
         "must decode)"]),
    "look-alike domain in its xn-- form is fine": (
        both(ALERT_EN, "domains: [wallet-verify.example]", "domains: [wallet-verify.example, xn--alertcst-66g.example]"),
        []),
    "bad indicator address": (
        [(ALERT_EN, "eth:0x1111111111111111111111111111111111111111", "0x11")],
        [f"{ALERT_EN}:17:15: error: 'scam_indicators.addresses.0': '0x11' is not 'chain:address' "
         f"(e.g. eth:0x12ab..., tron:TQ...) (see {TEXT})"]),
    "EVM address with a digit missing": (
        [(ALERT_EN, "eth:0x1111111111111111111111111111111111111111", "eth:0x111111111111111111111111111111111111111")],
        [f"{ALERT_EN}:17:15: error: 'scam_indicators.addresses.0': 'eth:0x111111111111111111111111111111111111111': "
         f"it has 39 hex digits after 0x where an address on eth has 40: a digit is missing ({COPY})"]),
    "EVM address with a letter that is not hex": (
        [(ALERT_EN, "eth:0x1111111111111111111111111111111111111111", "bsc:0x11111111111111111111111111111111111111g1")],
        [f"{ALERT_EN}:17:15: error: 'scam_indicators.addresses.0': 'bsc:0x11111111111111111111111111111111111111g1': "
         f"'g' (character 41) is not a hex digit (0-9, a-f): a character is mistyped ({COPY})"]),
    "EVM address whose EIP-55 checksum fails": (
        [(ALERT_EN, "eth:0x1111111111111111111111111111111111111111", "polygon:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")],
        [f"{ALERT_EN}:17:15: error: 'scam_indicators.addresses.0': 'polygon:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD': "
         f"the checksum does not match: a character is mistyped (its mix of capital and small letters is an EIP-55 "
         f"checksum) ({COPY})"]),
    "EVM address with a good EIP-55 checksum is fine": (
        both(ALERT_EN, "eth:0x1111111111111111111111111111111111111111", "eth:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"),
        []),
    "TRON address with a mistyped character": (
        [(ALERT_EN, "addresses: [", "addresses: [\"tron:TBFXJJ97uPDyaqkCPkNVS6gQqRcGKHAi5C\", ")],
        [f"{ALERT_EN}:17:15: error: 'scam_indicators.addresses.0': 'tron:TBFXJJ97uPDyaqkCPkNVS6gQqRcGKHAi5C': "
         f"the checksum does not match: a character is mistyped ({COPY})"]),
    "TRON address that decodes to another prefix": (
        [(ALERT_EN, "addresses: [", "addresses: [\"tron:TshN6toSWSp6oBB92AezWtiAgufXjPAcc9\", ")],
        [f"{ALERT_EN}:17:15: error: 'scam_indicators.addresses.0': 'tron:TshN6toSWSp6oBB92AezWtiAgufXjPAcc9': it is "
         f"not a TRON address: its first byte is 0x42, where a TRON address has 0x41 (a character is mistyped) ({COPY})"]),
    "TRON address with a character missing": (
        [(ALERT_EN, "addresses: [", "addresses: [\"tron:TBFXJJ97uPDyaqkCPkNVS6gQqRcGKHAi5\", ")],
        [f"{ALERT_EN}:17:15: error: 'scam_indicators.addresses.0': 'tron:TBFXJJ97uPDyaqkCPkNVS6gQqRcGKHAi5': it has "
         f"33 characters where a TRON address has 34: a character is missing ({COPY})"]),
    "TRON address with a character never used": (
        [(ALERT_EN, "addresses: [", "addresses: [\"tron:TBFXJJ97uPDyaqkCPkNVS6gQqRcGKHAi0B\", ")],
        [f"{ALERT_EN}:17:15: error: 'scam_indicators.addresses.0': 'tron:TBFXJJ97uPDyaqkCPkNVS6gQqRcGKHAi0B': '0' "
         "(character 33) is never in TRON addresses (they leave out 0, O, I and l so that none is mistaken for "
         f"another): a character is mistyped ({COPY})"]),
    "valid TRON and Bitcoin addresses are fine": (
        both(ALERT_EN, "addresses: [", "addresses: [\"tron:TBFXJJ97uPDyaqkCPkNVS6gQqRcGKHAi5B\", "
             "\"btc:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4\", \"btc:3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy\", "),
        []),
    "Bitcoin address with a mistyped character": (
        [(ALERT_EN, "addresses: [", "addresses: [\"btc:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5\", ")],
        [f"{ALERT_EN}:17:15: error: 'scam_indicators.addresses.0': 'btc:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5': "
         f"the checksum does not match: a character is mistyped ({COPY})"]),
    "bad indicator handle": (
        [(ALERT_EN, "telegram:@fixture_fake_support", "myspace:@x")],
        [f"{ALERT_EN}:18:13: error: 'scam_indicators.handles.0': 'myspace:@x' is not 'platform:handle' with platform one "
         "of telegram, x, wechat, discord, whatsapp, facebook, instagram, tiktok, youtube, qq, line, email, phone "
         f"(see {TEXT})"]),
    "indicator handle with a full-width colon": (
        [(ALERT_ZH, "telegram:@fixture_fake_support", "telegram\uff1a@fixture_fake_support")],
        [f"{ALERT_ZH}:18:13: error: 'scam_indicators.handles.0': 'telegram\uff1a@fixture_fake_support' has a full-width "
         'colon "\uff1a" after the platform (write telegram:@fixture_fake_support (half-width colon))']),
    # -- summaries and text --------------------------------------------------------------------
    "summary with Markdown": (
        [(ALERT_EN, "asks for your recovery phrase.\"", "asks for your **recovery phrase**.\"")],
        [f"{ALERT_EN}:3:1: warning: summary contains Markdown or HTML; banners and posts show it as plain text "
         "(write the summary as plain sentences)"]),
    "line separator in a title": (
        [(ALERT_EN, 'title: "Phishing site poses', 'title: "Phishing\u2028site poses')],
        [f"{ALERT_EN}:2:17: error: invisible control character U+2028 in the text "
         "(delete it; it breaks feeds and CAP messages)"]),
    "control character written as a YAML escape": (
        [(ALERT_EN, 'title: "Phishing site poses', 'title: "Phishing\\u2028site poses')],
        [f"{ALERT_EN}:2:1: error: 'title': contains an invisible control character; retype the text or delete and "
         f"re-enter it (see {TEXT})"]),
    "C1 control character in the body": (
        [(ALERT_EN, "## Details", "## Det\x85ails")],
        [f"{ALERT_EN}:22:7: error: invisible control character U+0085 in the text "
         "(delete it; it breaks feeds and CAP messages)"]),
    "YAML syntax error": (
        [(ALERT_EN, "category: phishing", "category: [phishing")],
        [f"{ALERT_EN}:6:11: error: YAML syntax error: expected ',' or ']', but got ':' "
         "(check indentation and quote values that contain ': ' or start with '@' or '*')"]),
    # -- YAML as typed on a Chinese keyboard --------------------------------------------------
    "full-width colon after a key": (
        [(ALERT_ZH, "category: phishing", "category\uff1aphishing")],
        [f'{ALERT_ZH}:5:9: error: full-width colon "\uff1a" after category: write ":" (half-width) (YAML reads only '
         "the half-width colon, followed by a space: category: phishing)"]),
    "full-width colon after the only key of a block": (
        [(ALERT_ZH, "  placement: [home, support]\n  frequency: daily\n", ""),
         (ALERT_ZH, "  min_app_version: \"8.0.0\"\n", ""),
         (ALERT_ZH, "  platforms: [ios, android]", "  platforms\uff1a [ios, android]")],
        [f'{ALERT_ZH}:11:12: error: full-width colon "\uff1a" after platforms: write ":" (half-width) (YAML reads '
         "only the half-width colon, followed by a space: platforms: [ios, android])"]),
    "tab that indents a line": (
        [(ALERT_ZH, "  frequency: daily", "\tfrequency: daily")],
        [f"{ALERT_ZH}:14:1: error: a tab indents this line: YAML needs spaces (replace the tab with spaces, as many "
         "as the lines around it use)"]),
    "full-width comma in a list": (
        [(ALERT_ZH, "channels: [banner, cap,", "channels: [banner\uff0ccap,")],
        [f'{ALERT_ZH}:9:18: error: full-width comma "\uff0c" in a list: write "," (YAML separates items only with a '
         "half-width comma; put an item in quotes if the comma belongs to its text)"]),
    "enumeration comma in a list": (
        [(ALERT_ZH, "related: [spot-phishing]", "related: [spot-phishing\u3001spot-phishing]")],
        [f'{ALERT_ZH}:19:24: error: enumeration comma "\u3001" in a list: write "," (YAML separates items only with '
         "a half-width comma; put an item in quotes if the comma belongs to its text)"]),
    "full-width brackets around a list": (
        [(ALERT_ZH, "related: [spot-phishing]", "related: \u3010spot-phishing\u3011")],
        [f'{ALERT_ZH}:19:10: error: full-width bracket "\u3010" around a list: write "[" and "]" (half-width) (YAML '
         "reads a list only between half-width brackets, e.g. [banner, cap])"]),
    "curly quotes around a text with a colon": (
        [(ALERT_ZH, 'title: "\u9493\u9c7c\u7f51\u7ad9\u5192\u5145\u94b1\u5305"',
          "title: \u201c\u6ce8\u610f: \u9493\u9c7c\u7f51\u7ad9\u201d")],
        [f'{ALERT_ZH}:2:8: error: curly quote "\u201c" does not quote text in YAML: write a straight " (half-width) '
         '(start and end the text with a straight "; curly quotes inside the text are fine)']),
    "full-width punctuation inside text is fine": (
        [(ALERT_ZH, 'title: "\u9493\u9c7c\u7f51\u7ad9\u5192\u5145\u94b1\u5305"',
          "title: \u3010\u91cd\u8981\uff0c\u5fc5\u8bfb\u3011\u9493\u9c7c\uff1a\u300c\u5ba2\u670d\u300d\u3001\u7f51\u7ad9"),
         (ALERT_ZH, 'update_note: "', 'update_note: "Note\uff1a[a\uff0cb] '),
         (ALERT_ZH, "summary: ", "summary: >\n  Note\uff1a\u9a97\u5b50\n  x\uff1a[a\u3001b]\n  "),
         ],
        []),
    "empty section": (
        [(GUIDE_EN, "## Steps", "## Before you start\n\n## Steps")],
        [f"{GUIDE_EN}:8:1: error: section 'Before you start' is empty (write what belongs under the heading, or delete it)"]),
    "empty section at the end": (
        [(ALERT_EN, "(../guides/spot-phishing.md).", "(../guides/spot-phishing.md).\n\n## More")],
        [f"{ALERT_EN}:28:1: error: section 'More' is empty (write what belongs under the heading, or delete it)"]),
    # -- translations --------------------------------------------------------------------------
    "translations disagree": (
        [(ALERT_EN, "severity: warning", "severity: critical")],
        [f"{ALERT_EN}:4:1: error: 'severity' differs from {ALERT_ZH} (critical here, warning there) "
         "(translations share one alert: make the values the same)"]),
    "translations disagree on a time": (
        [(ALERT_EN, "publish_at: 2026-03-01T10:00:00+08:00", "publish_at: 2026-03-01T11:00:00+08:00")],
        [f"{ALERT_EN}:6:1: error: 'publish_at' differs from {ALERT_ZH} (2026-03-01 11:00:00+08:00 here, "
         "2026-03-01 10:00:00+08:00 there) (translations share one alert: make the values the same)"]),
    "translations disagree on scam indicators": (
        [(ALERT_EN, "domains: [wallet-verify.example]", "domains: [wallet-verify.example, xn--alertcst-66g.example]"),
         (ALERT_EN, 'handles: ["telegram:@fixture_fake_support"]', "handles: []")],
        [f"{ALERT_EN}:16:36: error: 'scam_indicators' differs from {ALERT_ZH} (domains: only here: "
         "xn--alertcst-66g.example; handles: only there: telegram:@fixture_fake_support) (translations share one "
         "alert: make the values the same)"]),
    "translations disagree on a long address": (
        [(ALERT_ZH, "eth:0x1111111111111111111111111111111111111111", "eth:0x1111111111111111111111111111111111111112")],
        [f"{ALERT_EN}:17:15: error: 'scam_indicators' differs from {ALERT_ZH} (addresses: only here: "
         "eth:0x1111111111111111111111111111111111111111, only there: eth:0x1111111111111111111111111111111111111112) "
         "(translations share one alert: make the values the same)"]),
    "translations list channels in another order": (
        [(ALERT_EN, "channels: [banner, cap, telegram, mastodon]", "channels: [banner, telegram, cap, mastodon]")],
        [f"{ALERT_EN}:9:1: error: 'channels' differs from {ALERT_ZH} (the same items in another order: [banner, "
         "telegram, cap, mastodon] here, [banner, cap, telegram, mastodon] there) (translations share one alert: "
         "make the values the same)"]),
    "translations disagree on a banner setting": (
        [(ALERT_EN, "  frequency: daily", "  frequency: once")],
        [f"{ALERT_EN}:14:3: error: 'banner' differs from {ALERT_ZH} (frequency: once here, daily there) "
         "(translations share one alert: make the values the same)"]),
    "guide translations disagree": (
        [(GUIDE_EN, "order: 10", "order: 20")],
        [f"{GUIDE_EN}:5:1: error: 'order' differs from {GUIDE_ZH} (20 here, 10 there) "
         "(translations share one guide: make the values the same)"]),
    "withdrawn in one translation only": (
        [(ALERT_EN, "channels: [banner", "withdrawn: \"Reported in error.\"\nchannels: [banner")],
        [f"{ALERT_EN}:9:1: error: 'withdrawn' is set in only one of {ALERT_ZH} and this file "
         "(withdraw every translation, each with the reason in its language)"]),
    "translations with different ids": (
        [(ALERT_EN, "title:", "id: phishing-site\ntitle:")],
        [f"{ALERT_EN}:2:1: error: id 'phishing-site' differs from {ALERT_ZH} ('live-phishing' there) (translations of "
         "one item share its id: write the same id in every language, or remove it from all to use the file name, "
         "live-phishing)"]),
    "duplicate id": (
        both(AIRDROP_EN, "title:", "id: live-phishing\ntitle:"),
        [f"{AIRDROP_EN}:2:1: error: id 'live-phishing' is used by {ALERT_EN} too (give each alert or guide its own id)",
         f"{AIRDROP_ZH}:2:1: error: id 'live-phishing' is used by {ALERT_ZH} too (give each alert or guide its own id)"]),
    "duplicate id in one file only": (
        [(AIRDROP_EN, "title:", "id: live-phishing\ntitle:")],
        [f"{AIRDROP_EN}:2:1: error: id 'live-phishing' differs from {AIRDROP_ZH} ('expired-airdrop' there) "
         "(translations of one item share its id: write the same id in every language, or remove it from all to use "
         "the file name, expired-airdrop)",
         f"{AIRDROP_EN}:2:1: error: id 'live-phishing' is used by {ALERT_EN} too (give each alert or guide its own id)"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rule(cli, project, case):
    edits, expected = CASES[case]
    for rel, old, new in edits:
        edit(project, rel, old, new)
    result = check(cli, project)
    assert problems(result) == expected, result.output
    assert result.exit_code == (1 if any(": error: " in line for line in expected) else 0), result.output


def _rename_alert(project: Path) -> None:
    """live-phishing's files renamed to new-name.<lang>.md, its id (and so its page) kept."""
    for lang in ("en", "zh"):
        old = project / f"content/alerts/live-phishing.{lang}.md"
        old.rename(project / f"content/alerts/new-name.{lang}.md")
        edit(project, f"content/alerts/new-name.{lang}.md", "---\n", "---\nid: live-phishing\n")


def test_links_to_a_renamed_alert_name_its_file(cli, project):
    """The site serves an alert at its id and rewrites links to its files there: a link to
    either file is fine, a link by the id is one to a file that does not exist."""
    _rename_alert(project)
    with (project / GUIDE_EN).open("a", encoding="utf-8") as guide:
        guide.write("\nSee [it](../alerts/new-name.md), [it](../alerts/new-name.en.md#details) and [it][ref].\n\n"
                    "[ref]: ../alerts/new-name.zh.md\n")
    assert problems(check(cli, project)) == []
    with (project / GUIDE_EN).open("a", encoding="utf-8") as guide:
        guide.write("\nNot [by id](../alerts/live-phishing.md#details), [by id][id] or [a typo](../alerts/new-nam.md)."
                    "\n\n[id]: ../alerts/live-phishing.en.md\n")
    result = check(cli, project)
    assert problems(result) == [
        f"{GUIDE_EN}:17:13: error: broken link: ../alerts/live-phishing.md#details does not exist (link to its file, "
        "../alerts/new-name.md#details ('live-phishing' is that item's id, not its file name))",
        f"{GUIDE_EN}:17:74: error: broken link: ../alerts/new-nam.md does not exist (link to another page by its "
        "file, e.g. ../guides/backup-recovery-phrase.md)",
        f"{GUIDE_EN}:19:7: error: broken link: ../alerts/live-phishing.en.md does not exist (link to its file, "
        "../alerts/new-name.md ('live-phishing' is that item's id, not its file name))"]
    assert result.exit_code == 1


def test_link_to_a_page_the_site_does_not_have(cli, project):
    """A Markdown file outside alerts/, guides/ and the content root is not published."""
    drafts = project / "content" / "drafts"
    drafts.mkdir()
    (drafts / "plan.en.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    with (project / GUIDE_EN).open("a", encoding="utf-8") as guide:
        guide.write("\nSee [the plan](../drafts/plan.md).\n")
    result = check(cli, project)
    assert problems(result) == [
        "content/drafts/plan.en.md:1:1: warning: 'drafts/' is not a content section; its Markdown file is ignored "
        "(move them to alerts/, guides/ or the content root)",
        f"{GUIDE_EN}:13:16: error: link to ../drafts/plan.md, a page the site does not have ('drafts/' is not a "
        "content section) (link to a page in alerts/, guides/ or the content root, by its file)"]
    assert result.exit_code == 1


def test_missing_translation_is_a_warning(cli, project):
    (project / GUIDE_EN).unlink()
    result = check(cli, project)
    assert problems(result) == [f"{GUIDE_ZH}:2:1: warning: no 'en' translation of 'spot-phishing': its en readers "
                                "see the zh text (add spot-phishing.en.md to translate it)"]
    assert result.exit_code == 0


def test_translation_that_does_not_parse_is_not_called_missing(cli, project):
    edit(project, GUIDE_EN, "level: basic", "level: [basic")
    result = check(cli, project)
    assert [line for line in problems(result) if "translation" in line] == []
    assert result.exit_code == 1


def test_missing_front_matter(cli, project):
    (project / "content/faq.en.md").write_text("# FAQ\n", encoding="utf-8")
    result = check(cli, project)
    assert problems(result) == ["content/faq.en.md:1:1: error: missing front matter (start the file with a '---' "
                                "line, the YAML keys, and another '---' line)"]
    assert result.exit_code == 1


def test_front_matter_not_closed(cli, project):
    """Without its closing '---' the text is read as YAML: the error is the missing line, at the
    front matter, not a YAML error somewhere in the text (or, with no text, nothing at all)."""
    text = (project / ALERT_EN).read_text(encoding="utf-8")
    (project / ALERT_EN).write_text(text.replace("related: [spot-phishing]\n---\n", "related: [spot-phishing]\n"),
                                    encoding="utf-8")
    (project / GUIDE_EN).write_text("---\ntitle: Spot phishing\nsummary: Learn to spot look-alike sites.\n",
                                    encoding="utf-8")
    result = check(cli, project)
    assert problems(result) == [
        f"{path}:1:1: error: front matter is not closed: no '---' line after its keys (add a line with only '---' "
        "between the last key and the text)" for path in (ALERT_EN, GUIDE_EN)]
    assert result.exit_code == 1


def test_file_name_without_language(cli, project):
    (project / "content/guides/extra.md").write_text("---\ntitle: x\nsummary: y\n---\n", encoding="utf-8")
    result = check(cli, project)
    assert problems(result) == ["content/guides/extra.md:1:1: error: file name must be <name>.<language>.md "
                                "(rename it, e.g. extra.zh.md)"]


def test_file_name_that_is_not_an_id(cli, project):
    """The file name is the item's id and its address on the site: 'Backup Phrase' would be neither."""
    for name in ("Backup Phrase.en.md", "备份助记词.zh.md"):
        (project / "content/guides" / name).write_text("---\ntitle: x\nsummary: y\n---\n\nText.\n",
                                                      encoding="utf-8")
    result = check(cli, project)
    assert problems(result) == [
        "content/guides/Backup Phrase.en.md:1:1: error: file name 'Backup Phrase' is not a valid id; use lower-case "
        "letters, digits and '-' (rename it, e.g. backup-phrase.en.md)",
        "content/guides/备份助记词.zh.md:1:1: error: file name '备份助记词' is not a valid id; use lower-case "
        "letters, digits and '-' (rename it, e.g. backup-recovery-phrase.zh.md)"]
    assert result.exit_code == 1


def test_unknown_language(cli, project):
    (project / "content/guides/extra.fr.md").write_text("---\ntitle: x\nsummary: y\n---\n", encoding="utf-8")
    result = check(cli, project)
    assert problems(result) == ["content/guides/extra.fr.md:1:1: error: language 'fr' is not configured "
                                "(use one of zh, en or add it to extra.alertcast.languages)"]


def test_file_too_large(cli, project):
    path = project / "content/guides/huge.en.md"
    path.write_text("---\ntitle: x\nsummary: y\n---\n" + "word " * 60000, encoding="utf-8")
    result = check(cli, project)
    assert problems(result) == ["content/guides/huge.en.md:1:1: error: file is 292 KiB, over the 256 KiB limit "
                                "(split it into several pages)"]


def test_not_utf8(cli, project):
    (project / "content/guides/latin.en.md").write_bytes(b"---\ntitle: caf\xe9\n---\n")
    result = check(cli, project)
    assert problems(result) == ["content/guides/latin.en.md:2:1: error: file is not valid UTF-8 (save it as UTF-8)"]


def test_folder_that_is_not_a_content_section(cli, project):
    drafts = project / "content" / "drafts"
    drafts.mkdir()
    for name in ("b.en.md", "a.en.md", "notes.txt"):
        (drafts / name).write_text("---\ntitle: x\n---\n", encoding="utf-8")
    (project / "content" / "assets").mkdir()
    (project / "content" / "assets" / "ok.md").write_text("not content", encoding="utf-8")
    result = check(cli, project)
    assert problems(result) == ["content/drafts/a.en.md:1:1: warning: 'drafts/' is not a content section; its 2 "
                                "Markdown files are ignored (move them to alerts/, guides/ or the content root)"]
    assert result.exit_code == 0


def test_github_annotations(cli, project):
    edit(project, ALERT_EN, "severity: warning", "severity: urgent")
    result = check(cli, project, "--format", "github")
    assert problems(result) == [f"::error file={ALERT_EN},line=4,col=1::'severity' has an unknown value 'urgent' "
                                "(use one of 'info', 'advisory', 'warning' or 'critical')"]
    assert result.exit_code == 1


def test_yaml_tag_in_front_matter_is_never_executed(cli, project, tmp_path):
    marker = tmp_path / "executed"
    edit(project, ALERT_EN, "category: phishing", f'category: !!python/object/apply:os.system ["touch {marker}"]')
    edit(project, "mkdocs.yml", "extra:\n", f'extra:\n  hook: !!python/object/apply:os.system ["touch {marker}"]\n')
    result = check(cli, project)
    assert not marker.exists()
    assert problems(result) == [f"{ALERT_EN}:5:1: error: 'category' has an unknown value "
                                "'!object/apply:os.system' (use one of 'phishing', 'impersonation', 'fake-app', "
                                "'airdrop', 'approval', 'address-poisoning', 'account-takeover', 'investment-scam', "
                                "'incident' or 'maintenance')"]
    assert result.exit_code == 1


# -- files the loader cannot read ----------------------------------------------------------------

def test_folder_named_like_a_markdown_file(cli, project):
    (project / "content/alerts/notes.en.md").mkdir()
    result = check(cli, project)
    assert problems(result) == ["content/alerts/notes.en.md:1:1: error: 'notes.en.md' is a folder, not a Markdown "
                                "file (rename it so its name does not end in .md, or move it out of the content folder)"]
    assert result.exit_code == 1


def test_dangling_symlink(cli, project):
    (project / "content/guides/gone.en.md").symlink_to("removed.en.md")
    result = check(cli, project)
    assert problems(result) == ["content/guides/gone.en.md:1:1: error: symbolic link to removed.en.md, which does not "
                                "exist (point the link at an existing file, or delete it)"]
    assert result.exit_code == 1


def test_symlink_loop(cli, project):
    (project / "content/guides/a.en.md").symlink_to("b.en.md")
    (project / "content/guides/b.en.md").symlink_to("a.en.md")
    result = check(cli, project)
    assert problems(result) == [
        f"content/guides/{name}.en.md:1:1: error: symbolic link to {other}.en.md loops back on itself and never "
        "reaches a file (point the link at a real file, or delete it)" for name, other in (("a", "b"), ("b", "a"))]
    assert result.exit_code == 1


def test_symlink_to_a_real_file_in_the_content_folder_is_read(cli, project):
    """A link out of the content folder is an error (tests/test_security.py); one inside it is read."""
    (project / "content/shared").mkdir()
    (project / "content/guides/spot-phishing.en.md").rename(project / "content/shared/spot.txt")
    (project / "content/guides/spot-phishing.en.md").symlink_to(project / "content/shared/spot.txt")
    result = check(cli, project)
    assert problems(result) == []
    assert result.exit_code == 0


def test_unreadable_file(project):
    """Root reads any file, so as root the command runs without its capabilities (setpriv)."""
    (project / GUIDE_EN).chmod(0)
    proc = _unprivileged_check(project)
    assert "Traceback" not in proc.stderr
    assert proc.stdout.splitlines() == [f"{GUIDE_EN}:1:1: error: file cannot be read: permission denied (make it "
                                        "readable by the user that runs alertcast (e.g. chmod a+r))"]
    assert proc.returncode == 1


def test_unreadable_folder(project):
    (project / "content" / "guides").chmod(0)
    try:
        proc = _unprivileged_check(project)
    finally:
        (project / "content" / "guides").chmod(0o755)
    assert "Traceback" not in proc.stderr
    assert proc.stdout.splitlines() == ["content/guides:1:1: error: folder cannot be read: permission denied (make it "
                                        "readable by the user that runs alertcast (e.g. chmod a+rx))"]
    assert proc.returncode == 1


def _unprivileged_check(project: Path) -> subprocess.CompletedProcess:
    """`alertcast check` as a user that file permissions apply to (root reads anything)."""
    command = [sys.executable, "-m", "alertcast", "check"]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: every file is readable")
        command = ["setpriv", "--inh-caps=-all", "--bounding-set=-all", "--", *command]
    return subprocess.run(command, cwd=project, env=dict(os.environ, PYTHONPATH=str(SRC)),
                          capture_output=True, text=True, timeout=60)


# -- post lengths, measured by the post renderer --------------------------------------------------

#: A project template (alertcast's override mechanism) whose length is easy to count by hand:
#: title, summary (or the withdrawal reason) and link, one per line. The link weighs 23 on X.
PLAIN_X = ("{% if action == 'withdraw' %}{{ title }}\n{{ reason }}{% else %}{{ title }}\n{{ summary }}{% endif %}\n"
           "{{ link }}\n")


#: The fixture's links as X counts them: their host ends in .example, a TLD twitter-text does not
#: know, so X shows them as text and counts every character (a link with a known TLD weighs 23).
X_LINK = {"en": len("https://help.fixture.example/en/alerts/live-phishing/"),
          "zh": len("https://help.fixture.example/alerts/live-phishing/")}


def _post_to_x(project: Path, template: str | None = PLAIN_X, lang: str = "en") -> None:
    edit(project, "mkdocs.yml", "      mastodon:",
         f"      x:\n        lang: {lang}\n      mastodon:")
    for rel in (ALERT_EN, ALERT_ZH, WITHDRAWN_EN, WITHDRAWN_EN.replace(".en.", ".zh.")):
        text = (project / rel).read_text(encoding="utf-8")
        (project / rel).write_text(text.replace("channels: [banner, cap, ", "channels: [banner, cap, x, "),
                                   encoding="utf-8")
    if template is not None:
        folder = project / "templates" / "posts"
        folder.mkdir(parents=True)
        (folder / "x.j2").write_text(template, encoding="utf-8")


def _set(project: Path, rel: str, key: str, value: str) -> None:
    path = project / rel
    lines = [f'{key}: "{value}"' if line.startswith(f"{key}:") else line
             for line in path.read_text(encoding="utf-8").split("\n")]
    path.write_text("\n".join(lines), encoding="utf-8")


X_UNITS = "(as X counts: weighted characters, CJK and emoji count 2, links 23)"


def test_post_that_fits_exactly_is_fine_and_one_more_character_is_an_error(cli, project):
    _post_to_x(project)
    title = "Phishing site poses as the wallet"
    fixed = len(title) + 1 + 1 + X_LINK["en"]  # title, newline, newline, link
    _set(project, ALERT_EN, "summary", "a" * (280 - fixed))
    assert problems(check(cli, project)) == []
    _set(project, ALERT_EN, "summary", "a" * (280 - fixed + 1))
    result = check(cli, project)
    assert problems(result) == [f"{ALERT_EN}:3:1: error: the x post is 281/280 {X_UNITS}; "
                                "shorten the summary by at least 1"]
    assert result.exit_code == 1


def test_post_length_is_counted_as_the_network_counts(cli, project):
    """X weighs CJK as two: 133 CJK characters are 266, with the 8-character title 16, the link (50 characters:
    its host ends in .example, which twitter-text does not take for a URL) and two newlines."""
    _post_to_x(project, lang="zh")
    _set(project, ALERT_ZH, "summary", "钓" * 133)
    result = check(cli, project)
    assert problems(result) == [f"{ALERT_ZH}:3:1: error: the x post is 334/280 {X_UNITS}; "
                                "shorten the summary by at least 54"]


def test_a_channel_is_judged_only_in_the_language_it_posts_in(cli, project):
    """X here posts in Chinese: an English summary X never carries is no error of X's, however long;
    the same summary in the Chinese file is."""
    _post_to_x(project, lang="zh")
    _set(project, ALERT_EN, "summary", "a" * 400)
    assert problems(check(cli, project)) == []
    _set(project, ALERT_ZH, "summary", "a" * 400)
    [line] = [p for p in problems(check(cli, project)) if "the x post" in p]  # (Mastodon posts in zh too)
    assert line.startswith(f"{ALERT_ZH}:3:1: error: the x post is "), line


def test_update_post_is_measured_too(cli, project):
    """The update post says UPDATE: first (here in a template of the project), so it is the longer one."""
    _post_to_x(project, "{% if action == 'update' %}UPDATE: {% endif %}{{ title }}\n{{ summary }}\n{{ link }}\n")
    title = "Phishing site poses as the wallet"
    _set(project, ALERT_EN, "summary", "a" * (280 - len(title) - 2 - X_LINK["en"]))  # the post fits, the update does not
    result = check(cli, project)
    assert problems(result) == [f"{ALERT_EN}:3:1: error: the x update post is 288/280 {X_UNITS}; "
                                "shorten the summary by at least 8"]


def test_update_note_too_long_for_the_shipped_template_points_at_the_note(cli, project):
    """The shipped templates lead an update post with its note and drop the summary when short of
    room: a note that cannot fit is the error, on the update_note line, with what to cut."""
    _post_to_x(project, template=None)
    _set(project, ALERT_EN, "update_note", "n" * 300)
    result = check(cli, project)
    [line] = problems(result)
    found = re.fullmatch(rf"{ALERT_EN}:8:1: error: the x update post is (\d+)/280 with its 3 scam indicators "
                         rf"{re.escape(X_UNITS)}; shorten the update note by at least (\d+) to keep the first one "
                         r"\(wallet-verify\[\.\]example\), or by (\d+) to keep all 3 \(.*\)", line)
    assert found, line
    assert int(found[1]) - 280 == int(found[3]) > int(found[2]) > 20  # the 300 n's, a headline, indicators, a link


def test_withdrawal_reason_is_measured(cli, project):
    _post_to_x(project)
    _set(project, WITHDRAWN_EN, "withdrawn", "b" * 300)
    result = check(cli, project)
    counted = len("Fake wallet app") + 1 + 300 + 1 + len("https://help.fixture.example/en/alerts/withdrawn-fake-app/")
    assert problems(result) == [f"{WITHDRAWN_EN}:8:1: error: the x withdrawal post is {counted}/280 {X_UNITS}; "
                                f"shorten the withdrawal reason by at least {counted - 280}"]


def test_telegram_length_counts_what_the_reader_sees_not_the_markup(cli, project):
    """Telegram counts text after its HTML is parsed: the template's tags count nothing and an
    escaped `&` counts one. Shortening by the amount check names makes the post fit, one less does not."""
    edit(project, "mkdocs.yml", '        chat_id: "@fixture"', '        chat_id: "@fixture"\n        lang: en')
    folder = project / "templates" / "posts"
    folder.mkdir(parents=True)
    (folder / "telegram.j2").write_text(
        "<b><i>{{ title }}</i></b>\n{% if alert_id == 'live-phishing' %}" + "p" * 3900 + "{% endif %}\n"
        "{{ summary }}\n<a href=\"{{ link }}\">{{ link }}</a>\n", encoding="utf-8")
    summary = "a&" * 150
    _set(project, ALERT_EN, "summary", summary)
    [line] = problems(check(cli, project))
    found = re.fullmatch(rf"{ALERT_EN}:3:1: error: the telegram post is (\d+)/4096 \(as Telegram counts: "
                         r"characters\); shorten the summary by at least (\d+)", line)
    assert found, line
    cut = int(found[2])
    _set(project, ALERT_EN, "summary", summary[:-cut])
    assert problems(check(cli, project)) == []
    _set(project, ALERT_EN, "summary", summary[:-cut + 1])
    assert [p.rsplit(";", 1)[1] for p in problems(check(cli, project))] == [" shorten the summary by at least 1"]


def test_broken_project_template_is_a_positioned_error(cli, project):
    _post_to_x(project, "{{ title }}\n{% if %}\n")
    result = check(cli, project)
    assert problems(result) == [
        "templates/posts/x.j2:2:1: error: the x post template cannot be rendered: Expected an expression, got "
        "'end of statement block' (fix the template (see docs/social.md for the names it may use))"]
    assert result.exit_code == 1


def test_unknown_name_in_project_template_is_an_error_at_the_alert(cli, project):
    _post_to_x(project, "{{ title }}\n{{ sumary }}\n{{ link }}\n")
    result = check(cli, project)
    assert problems(result) == [
        f"{rel}:3:1: error: the x post template cannot be rendered: 'sumary' is undefined (fix templates/posts/x.j2 "
        "in the project (see docs/social.md for the names it may use))"
        for rel in (ALERT_EN, WITHDRAWN_EN)]  # X posts in English: the Chinese files are not rendered for it


def test_check_and_the_bundled_templates_agree_at_the_limit(cli, project, config, content):
    """With the templates alertcast ships, check passes the longest summary the renderer leaves
    whole, and refuses one word more."""
    import dataclasses

    from alertcast.config import load_config
    from alertcast.render.posts import render

    _post_to_x(project, template=None)
    config = load_config(project)
    alert = content.alert("live-phishing")
    text = alert.texts["en"]

    def truncated(summary: str) -> bool:
        changed = dataclasses.replace(alert, texts={**alert.texts, "en": dataclasses.replace(text, summary=summary)},
                                      channels=alert.channels + ("x",))
        return any(render(changed, config, "x", action, "en").truncated for action in ("post", "update"))

    words = 1
    while not truncated(" ".join(["word"] * (words + 1))):
        words += 1
    _set(project, ALERT_EN, "summary", " ".join(["word"] * words))
    assert problems(check(cli, project)) == []
    _set(project, ALERT_EN, "summary", " ".join(["word"] * (words + 1)))
    [line] = problems(check(cli, project))
    assert line.startswith(f"{ALERT_EN}:3:1: error: the x ") and "/280 " in line


# -- configuration -----------------------------------------------------------------------------

CONFIG = "the configuration reference in README.md"
CHANNELS = "the channel settings in docs/social.md"

# name: (old text in mkdocs.yml, new text, the exact lines check prints)
CONFIG_CASES = {
    "channel sending the signing key": (
        "        token_env: FIXTURE_MASTODON_TOKEN", "        token_env: ALERTCAST_SIGNING_KEY",
        ["mkdocs.yml:23:9: error: 'channels.mastodon.token_env' names ALERTCAST_SIGNING_KEY, and signing.key_env "
         "names it too: the channel would send that secret to its network's address (give each channel a variable "
         "of its own)"]),
    "two channels naming one variable": (
        "        token_env: FIXTURE_MASTODON_TOKEN", "        token_env: FIXTURE_TELEGRAM_TOKEN",
        ["mkdocs.yml:23:9: error: 'channels.mastodon.token_env' names FIXTURE_TELEGRAM_TOKEN, and "
         "channels.telegram.token_env names it too: the channel would send that secret to its network's address "
         "(give each channel a variable of its own)"]),
    "channel sending the runner's token": (
        "        token_env: FIXTURE_TELEGRAM_TOKEN", "        token_env: GITHUB_TOKEN",
        ["mkdocs.yml:20:9: error: 'channels.telegram.token_env' names GITHUB_TOKEN, and it holds another secret "
         "of the runner or the daemon: the channel would send that secret to its network's address (give each "
         "channel a variable of its own)"]),
    "email channel without a list for the language it sends in": (
        "    channels:\n", "    channels:\n      email:\n        host: smtp.fixture.example\n        lang: zh\n"
        "        from_address: safety@fixture.example\n        lists:\n          en: {address: alerts-en@fixture.example, "
        "list_id: alerts-en.help.fixture.example, unsubscribe_url: 'https://help.fixture.example/unsubscribe'}\n",
        ["mkdocs.yml:22:9: error: 'channels.email.lists': no list for 'zh', the only language this channel sends in "
         "(lang) (add lists.zh with address, list_id and unsubscribe_url, or set lang to one of en, or remove lang to "
         "send to every list)"]),
    "email channel without a list": (
        "    channels:\n", "    channels:\n      email:\n        host: smtp.fixture.example\n"
        "        from_address: safety@fixture.example\n        lists: {}\n",
        ["mkdocs.yml:21:9: error: 'channels.email.lists': no list to send to (add a list per language, e.g. lists.en "
         "with address, list_id and unsubscribe_url)"]),
    "email list with an address that is not one": (
        "    channels:\n", "    channels:\n      email:\n        host: smtp.fixture.example\n        lang: en\n"
        "        from_address: safety@fixture.example\n        lists:\n          en: {address: alerts-en, "
        "list_id: alerts-en.help.fixture.example, unsubscribe_url: 'https://help.fixture.example/unsubscribe'}\n",
        ["mkdocs.yml:23:16: error: 'channels.email.lists.en.address': 'alerts-en' is not an email address "
         "(write it as alerts@example.com or 'Wallet Safety <alerts@example.com>')"]),
    "site name in a language that is not configured": (
        "    languages: [zh, en]", "    languages: [zh, en]\n    site_name:\n      zh: 安全中心\n      fr: Centre d'aide",
        ["mkdocs.yml:15:7: error: 'site_name.fr': language 'fr' is not configured (use one of zh, en, or add it to "
         "extra.alertcast.languages)"]),
    "empty site name in one language": (
        "    languages: [zh, en]", "    languages: [zh, en]\n    site_name: {zh: 安全中心, en: ' '}",
        ["mkdocs.yml:13:27: error: 'site_name.en': the site's name is empty (write the name, or leave the language out "
         "to use the top-level site_name)"]),
    "site name that is neither a name nor a mapping": (
        "    languages: [zh, en]", "    languages: [zh, en]\n    site_name: [安全中心, Help Center]",
        ["mkdocs.yml:13:5: error: 'site_name': must be a name, or a mapping from language to name (write e.g. "
         "site_name: {zh: 钱包安全中心, en: Wallet Safety Center})"]),
    "site name for some languages only": (
        "    languages: [zh, en]", "    languages: [zh, en]\n    site_name: {zh: 安全中心}\n    content_dir: content",
        []),
    "unknown key": (
        "    timezone: Asia/Shanghai", "    timezone: Asia/Shanghai\n    langauges: [zh]",
        ["mkdocs.yml:12:5: error: unknown key 'langauges' (did you mean 'languages'?)"]),
    "bad time zone": (
        "timezone: Asia/Shanghai", "timezone: Mars/Olympus",
        [f"mkdocs.yml:11:5: error: 'timezone': unknown time zone 'Mars/Olympus'; use an IANA name such as "
         f"'Asia/Shanghai' (see {CONFIG})"]),
    "time zone that names a folder of zones": (
        "timezone: Asia/Shanghai", "timezone: Asia",
        [f"mkdocs.yml:11:5: error: 'timezone': unknown time zone 'Asia'; use an IANA name such as "
         f"'Asia/Shanghai' (see {CONFIG})"]),
    "time zone too long to be a file name": (
        "timezone: Asia/Shanghai", "timezone: " + "x" * 300,
        [f"mkdocs.yml:11:5: error: 'timezone': unknown time zone '{'x' * 300}'; use an IANA name such as "
         f"'Asia/Shanghai' (see {CONFIG})"]),
    "no language": (
        "languages: [zh, en]", "languages: []",
        [f"mkdocs.yml:12:5: error: 'languages': list at least one language; the first is the default (see {CONFIG})"]),
    "bad language code": (
        "languages: [zh, en]", "languages: [zh, English]",
        [f"mkdocs.yml:12:5: error: 'languages': 'English' is not a language tag like 'zh', 'en', 'zh-Hant' or "
         f"'pt-BR' (see {CONFIG})"]),
    "language tag in another case": (
        "languages: [zh, en]", "languages: [zh, en, zh-hant]",
        [f"mkdocs.yml:12:5: error: 'languages': write the language tag 'zh-hant' as 'zh-Hant': file names and "
         f"addresses use that spelling (see {CONFIG})"]),
    "unknown language": (
        "languages: [zh, en]", "languages: [zh, en, qq]",
        [f"mkdocs.yml:12:5: error: 'languages': 'qq' is not a language Unicode CLDR knows; use a tag like 'zh', "
         f"'en', 'zh-Hant' or 'pt-BR' (see {CONFIG})"]),
    "language listed twice": (
        "languages: [zh, en]", "languages: [zh, en, zh]",
        [f"mkdocs.yml:12:5: error: 'languages': each language may be listed once (see {CONFIG})"]),
    "bad feedback URL": (
        "feedback_url: /api/feedback", "feedback_url: http://collector.example/x",
        [f"mkdocs.yml:14:5: error: 'feedback_url': 'http://collector.example/x' must be an https:// URL or a path on "
         f"the site such as /api/feedback (see {CONFIG})"]),
    "poll interval too short": (
        "poll_seconds: 300", "poll_seconds: 10",
        [f"mkdocs.yml:16:7: error: 'banner.poll_seconds': Input should be greater than or equal to 30 (see {CONFIG})"]),
    "unknown deploy target": (
        "    banner:", "    deploy:\n      target: ftp\n    banner:",
        ["mkdocs.yml:16:7: error: 'deploy.target' has an unknown value 'ftp' (use one of 'directory' or 's3')"]),
    "missing site_url": (
        "site_url: https://help.fixture.example/\n", "",
        ["mkdocs.yml:1:1: error: site_url must be the public https:// address of the help site "
         "(add e.g. site_url: https://help.example.com/)"]),
    "duplicate key": (
        "    timezone: Asia/Shanghai", "    timezone: Asia/Shanghai\n    timezone: Europe/Paris",
        ["mkdocs.yml:12:5: error: 'extra.alertcast.timezone' is set twice, here and on line 11; only the last would "
         "count (delete one of the two 'timezone:' lines)"]),
    "unknown channel": (
        "      telegram:\n", "      telegarm:\n",
        ["mkdocs.yml:18:7: error: unknown channel 'telegarm' (did you mean 'telegram'?)"]),
    "unknown channel key": (
        "        token_env: FIXTURE_TELEGRAM_TOKEN", "        tokn_env: FIXTURE_TELEGRAM_TOKEN",
        ["mkdocs.yml:20:9: error: unknown key 'channels.telegram.tokn_env' (did you mean 'token_env'?)"]),
    "channel key left empty": (
        "        token_env: FIXTURE_TELEGRAM_TOKEN", "        token_env:",
        ["mkdocs.yml:20:9: error: 'channels.telegram.token_env' is empty (write the value after 'token_env:'; put it "
         "in quotes if it starts with '#', which YAML reads as the start of a comment)"]),
    "key of another channel": (
        "        token_env: FIXTURE_MASTODON_TOKEN", "        token_env: FIXTURE_MASTODON_TOKEN\n        chat_id: '@x'",
        ["mkdocs.yml:24:9: error: unknown key 'channels.mastodon.chat_id' (known keys: enabled, dry_run, lang, "
         "max_tries, backoff_base, backoff_cap, per_drain, min_interval, hashtags, test, base_url, visibility, token_env)"]),
    "required channel key": (
        "        base_url: https://mastodon.fixture.example\n", "",
        ["mkdocs.yml:21:7: error: 'channels.mastodon.base_url' is required (add 'base_url:')"]),
    "secret instead of a variable name": (
        "token_env: FIXTURE_TELEGRAM_TOKEN", "token_env: 123456:AAE-secret-token",
        ["mkdocs.yml:20:9: error: 'channels.telegram.token_env': must be the name of an environment variable, such "
         "as MY_TOKEN (put the secret in that variable, never in mkdocs.yml)"]),
    "channel language not configured": (
        "        chat_id: \"@fixture\"", "        chat_id: \"@fixture\"\n        lang: fr",
        ["mkdocs.yml:20:9: error: 'channels.telegram.lang': language 'fr' is not configured (use one of zh, en)"]),
    "pacing of the wrong type": (
        "        chat_id: \"@fixture\"", "        chat_id: \"@fixture\"\n        min_interval: soon",
        [f"mkdocs.yml:20:9: error: 'channels.telegram.min_interval': Input should be a valid number, unable to parse "
         f"string as a number (see {CHANNELS})"]),
    "hashtags for an unknown category": (
        "        chat_id: \"@fixture\"", "        chat_id: \"@fixture\"\n        hashtags:\n          phishin: ['#scam']",
        ["mkdocs.yml:21:11: error: 'channels.telegram.hashtags.phishin': 'phishin' is not an alert category "
         "(did you mean 'phishing'?)"]),
    "hashtag that is not one": (
        "        chat_id: \"@fixture\"", "        chat_id: \"@fixture\"\n        hashtags:\n          phishing: ['#scam', 'no tag']",
        ["mkdocs.yml:21:31: error: 'channels.telegram.hashtags.phishing.1': 'no tag' is not a hashtag (write each tag "
         "as one word starting with #, e.g. \"#phishing\")"]),
    "value with braces is shown as written": (
        "        chat_id: \"@fixture\"", "        chat_id: \"@fixture\"\n        hashtags:\n          phishing: ['{hint}']",
        ["mkdocs.yml:21:22: error: 'channels.telegram.hashtags.phishing.0': '{hint}' is not a hashtag (write each tag "
         "as one word starting with #, e.g. \"#phishing\")"]),
    "full-width colon": (
        "    timezone: Asia/Shanghai", "    timezone\uff1aAsia/Shanghai",
        ['mkdocs.yml:11:13: error: full-width colon "\uff1a" after timezone: write ":" (half-width) (YAML reads only '
         "the half-width colon, followed by a space: timezone: Asia/Shanghai)"]),
    "full-width comma in a list": (
        "languages: [zh, en]", "languages: [zh\uff0c en]",
        ['mkdocs.yml:12:19: error: full-width comma "\uff0c" in a list: write "," (YAML separates items only with a '
         "half-width comma; put an item in quotes if the comma belongs to its text)"]),
    "tab that indents a line": (
        "      poll_seconds: 300", "    \tpoll_seconds: 300",
        ["mkdocs.yml:16:5: error: a tab indents this line: YAML needs spaces (replace the tab with spaces, as many "
         "as the lines around it use)"]),
    "every known channel key is accepted": (
        "        chat_id: \"@fixture\"",
        "        chat_id: \"@fixture\"\n        dry_run: true\n        enabled: true\n        lang: en\n"
        "        min_interval: 60\n        max_tries: 3\n        backoff_base: 5\n        backoff_cap: 600\n"
        "        per_drain: 5\n        base_url: https://telegram.fixture.example\n"
        "        hashtags:\n          phishing: ['#phishing', '#scam']\n          airdrop: []",
        []),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_config_rule(cli, project, case):
    old, new, expected = CONFIG_CASES[case]
    edit(project, "mkdocs.yml", old, new)
    result = check(cli, project)
    assert problems(result) == expected, result.output
    assert result.exit_code == (1 if expected else 0)
    assert "secret-token" not in result.output


def test_config_yaml_error(cli, project):
    edit(project, "mkdocs.yml", "site_name: Fixture Safety Center", "site_name: [Fixture")
    result = check(cli, project)
    assert problems(result) == ["mkdocs.yml:2:9: error: YAML syntax error: expected ',' or ']', but got ':' "
                                "(fix the YAML syntax)"]
    assert result.exit_code == 1


def test_config_that_is_not_a_mapping(cli, project):
    (project / "mkdocs.yml").write_text("- site_name\n", encoding="utf-8")
    result = check(cli, project)
    assert problems(result) == ["mkdocs.yml:1:1: error: mkdocs.yml must be a mapping of settings"]


def test_content_folder_that_does_not_exist(cli, project):
    edit(project, "mkdocs.yml", "    timezone:", "    content_dir: pages\n    timezone:")
    result = check(cli, project)
    assert problems(result) == ["mkdocs.yml:1:1: error: content folder pages/ does not exist "
                                "(create it or set extra.alertcast.content_dir)"]


def test_no_config_is_a_clear_error(cli, tmp_path):
    result = cli("check", "-p", tmp_path)
    assert result.exit_code == 1
    assert problems(result) == [f"mkdocs.yml:1:1: error: no mkdocs.yml in {tmp_path} (give the folder that holds "
                                "mkdocs.yml and content/)"]
    assert result.stderr == "1 error(s), 0 warning(s)\n"



def test_no_config_in_the_current_folder_names_it_and_suggests_project(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("check")
    assert problems(result) == [f"mkdocs.yml:1:1: error: no mkdocs.yml in {tmp_path} (run alertcast in the project "
                                "folder, or pass --project PATH)"]

# -- what PATH means ---------------------------------------------------------------------------

CORRUPTED = [f"{ALERT_EN}:4:1: error: unknown key 'serverity' (did you mean 'severity'?)",
             f"{GUIDE_ZH}:1:1: error: file is not valid UTF-8 (save it as UTF-8)"]


def _corrupt(project: Path) -> None:
    edit(project, ALERT_EN, "severity: warning", "serverity: warning")
    (project / GUIDE_ZH).write_bytes(b"\xff\xfe garbage")


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """The real console entry point, in a subprocess."""
    return subprocess.run([sys.executable, "-m", "alertcast", *args], cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(SRC)), timeout=60)


@pytest.mark.parametrize("where", [".", "project", "project/content", "project/mkdocs.yml"])
def test_corrupted_copy_checked_by_path_exits_1_with_positions(project, where):
    _corrupt(project)
    cwd = project if where == "." else project.parent
    proc = _run(["check"] + ([] if where == "." else [where]), cwd)
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.splitlines() == CORRUPTED
    assert proc.stderr.strip() == "2 error(s), 0 warning(s)"
    assert proc.returncode == 1


def test_one_file_reports_that_file_and_its_translations(project):
    _corrupt(project)
    edit(project, ALERT_ZH, "category: phishing", "category: phishy")
    proc = _run(["check", f"project/{ALERT_EN}"], project.parent)
    assert proc.stdout.splitlines() == CORRUPTED[:1] + [
        f"{ALERT_ZH}:5:1: error: 'category' has an unknown value 'phishy' (use one of 'phishing', 'impersonation', "
        "'fake-app', 'airdrop', 'approval', 'address-poisoning', 'account-takeover', 'investment-scam', 'incident' "
        "or 'maintenance')"]
    assert proc.returncode == 1
    clean = _run(["check", f"project/{AIRDROP_EN}"], project.parent)
    assert (clean.stdout, clean.returncode) == ("", 0)


def test_project_folder_without_its_config_is_not_read_as_content(cli, project):
    (project / "mkdocs.yml").unlink()
    result = cli("check", project)
    assert problems(result) == [f"mkdocs.yml:1:1: error: no mkdocs.yml in {project} (give the folder that holds "
                                "mkdocs.yml and content/)"]
    assert result.exit_code == 1


def test_file_outside_the_content_folder(cli, project):
    (project / "notes.md").write_text("# notes\n", encoding="utf-8")
    result = cli("check", project / "notes.md")
    assert problems(result) == ["notes.md:1:1: error: this file is not in the content folder (content/) (check a file "
                                "under the content folder, or pass --project for the project it belongs to)"]
    assert result.exit_code == 1


def test_content_folder_with_explicit_project(cli, project, tmp_path):
    """A content folder kept apart from the project is checked with that project's settings."""
    elsewhere = tmp_path / "elsewhere"
    shutil.move(project / "content", elsewhere)
    edit(project, "mkdocs.yml", "    timezone:", "    content_dir: ../elsewhere\n    timezone:")
    _corrupt_alert = elsewhere / "alerts" / "live-phishing.en.md"
    _corrupt_alert.write_text(_corrupt_alert.read_text(encoding="utf-8").replace("severity: warning", "severity: x"),
                              encoding="utf-8")
    result = cli("check", elsewhere, "-p", project)
    assert [line.split(": error: ")[1] for line in problems(result)] == [
        "'severity' has an unknown value 'x' (use one of 'info', 'advisory', 'warning' or 'critical')"]
    assert result.exit_code == 1


def test_one_value_where_a_list_belongs_says_to_write_brackets(cli, project):
    edit(project, ALERT_EN, "channels: [banner, cap, telegram, mastodon]", "channels: banner")
    edit(project, ALERT_EN, "  platforms: [ios, android]", "  platforms: ios")
    assert problems(check(cli, project)) == [
        f"{ALERT_EN}:9:1: error: 'channels' is one value, not a list "
        "(write it in brackets, e.g. channels: [banner]; separate several with a comma)",
        f"{ALERT_EN}:11:3: error: 'banner.platforms' is one value, not a list "
        "(write it in brackets, e.g. platforms: [ios]; separate several with a comma)"]


def test_heading_without_a_space_is_a_warning_at_its_line(cli, project):
    """Python-Markdown makes `##Steps` a heading; GitHub's preview shows it as text."""
    edit(project, GUIDE_EN, "## Steps", "##Steps")
    path = project / GUIDE_EN
    path.write_text(path.read_text(encoding="utf-8") + "\n```sh\n#!/bin/sh\n```\n\n`#1` and #1 are fine mid-line\n",
                    encoding="utf-8")
    result = check(cli, project)
    assert problems(result) == [
        f"{GUIDE_EN}:8:1: warning: '##Steps' has no space after '##': the site shows a heading, GitHub shows text "
        "(write '## Steps' for a heading, or start the line with '\\#' for text)"]
    assert result.exit_code == 0


def test_top_headings_in_the_text_are_warnings(cli, project):
    """The site writes the title as the page's one `#` heading and drops a leading one from the
    text: a different leading heading would vanish, a later one would be a second title."""
    edit(project, GUIDE_EN, "## Steps", "# Steps")
    path = project / GUIDE_EN
    path.write_text(path.read_text(encoding="utf-8") + "\n# More\n\nText.\n", encoding="utf-8")
    assert problems(check(cli, project)) == [
        f"{GUIDE_EN}:8:1: warning: '# Steps' at the start is left out: the page shows its title 'Spot phishing' "
        "there (delete the line, or write '## Steps' for a section)",
        f"{GUIDE_EN}:13:1: warning: '# More' is a second top heading: the page's title is its only one "
        "(write '## More' for a section)"]
    edit(project, GUIDE_EN, "# Steps", "# Spot phishing")  # the title again: left out, as meant
    assert [p.split(": warning: ")[1][:8] for p in problems(check(cli, project))] == ["'# More'"]


def test_an_x_oauth2_token_is_refused_with_the_keys_to_use(cli, project):
    """X's OAuth 2.0 user tokens die after two hours; the channel asks for OAuth 1.0a keys instead."""
    edit(project, "mkdocs.yml", "      mastodon:", "      x:\n        token_env: X_USER_TOKEN\n      mastodon:")
    result = check(cli, project)
    assert result.exit_code == 1
    [line] = problems(result)
    assert re.fullmatch(r"mkdocs\.yml:\d+:\d+: error: .*token_env.*expire two hours after they are issued.*"
                        r"api_key_env, api_secret_env, access_token_env and access_secret_env.*", line), line
