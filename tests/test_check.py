"""`alertcast check`: every validation rule, each with a broken file and the exact line a user sees.

Each case edits one real file of a copy of the fixture project and runs the real command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ALERT_EN = "content/alerts/live-phishing.en.md"
ALERT_ZH = "content/alerts/live-phishing.zh.md"
AIRDROP_EN = "content/alerts/expired-airdrop.en.md"


def edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def check(cli, project: Path, *extra: str):
    return cli("check", "-p", project, *extra)


def test_bundled_fixture_is_clean(cli, project):
    result = check(cli, project)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "0 error(s), 0 warning(s)"


# (file, old text, new text, expected line in the output, expected exit code)
CASES = {
    "unknown key with a suggestion": (
        ALERT_EN, "severity: warning", "serverity: warning",
        [f"{ALERT_EN}:2:1: error: 'severity' is required (add 'severity:')",
         f"{ALERT_EN}:4:1: error: unknown key 'serverity' (did you mean 'severity'?)"], 1),
    "unknown severity": (
        ALERT_EN, "severity: warning", "severity: urgent",
        [f"{ALERT_EN}:4:1: error: 'severity' has an unknown value 'urgent' "
         "(use one of 'info', 'advisory', 'warning' or 'critical')"], 1),
    "unknown category": (
        ALERT_EN, "category: phishing", "category: phishy",
        [f"{ALERT_EN}:5:1: error: 'category' has an unknown value 'phishy'"], 1),
    "time without time zone": (
        ALERT_EN, "publish_at: 2026-03-01T10:00:00+08:00", "publish_at: 2026-03-01 10:00:00",
        [f"{ALERT_EN}:6:1: error: 'publish_at' has no time zone "
         "(write a full time with its offset, e.g. 2026-11-01T08:00:00+08:00)"], 1),
    "date instead of time": (
        ALERT_EN, "publish_at: 2026-03-01T10:00:00+08:00", "publish_at: 2026-03-01",
        [f"{ALERT_EN}:6:1: error: 'publish_at'"], 1),
    "expiry before publication": (
        AIRDROP_EN, "expires_at: 2026-02-20T08:00:00+08:00", "expires_at: 2026-01-20T08:00:00+08:00",
        [f"{AIRDROP_EN}:2:1: error: '(top level)': expires_at must be after publish_at"], 1),
    "update before publication": (
        ALERT_EN, "updated_at: 2026-03-02T12:00:00+08:00", "updated_at: 2026-02-02T12:00:00+08:00",
        [f"{ALERT_EN}:2:1: error: '(top level)': updated_at is before publish_at"], 1),
    "update note without update time": (
        AIRDROP_EN, "channels: [banner, cap]", "update_note: \"fixed\"\nchannels: [banner, cap]",
        [f"{AIRDROP_EN}:2:1: error: '(top level)': update_note needs updated_at"], 1),
    "unknown channel": (
        ALERT_EN, "channels: [banner, cap, telegram, mastodon]", "channels: [banner, cap, telegarm, mastodon]",
        [f"{ALERT_EN}:9:25: error: 'channels.2' has an unknown value 'telegarm'"], 1),
    "channel not configured": (
        AIRDROP_EN, "channels: [banner, cap]", "channels: [banner, cap, discord]",
        [f"{AIRDROP_EN}:8:25: warning: channel 'discord' is not configured, so nothing will be posted there "
         "(add 'discord' under extra.alertcast.channels in mkdocs.yml, or remove it here)"], 0),
    "unknown related guide": (
        ALERT_EN, "related: [spot-phishing]", "related: [spot-phishin]",
        [f"{ALERT_EN}:19:11: error: related guide 'spot-phishin' does not exist "
         "(use the id of a guide in guides/ (did you mean 'spot-phishing'?))"], 1),
    "translations disagree": (
        ALERT_EN, "severity: warning", "severity: critical",
        [f"{ALERT_EN}:4:1: error: 'severity' differs from {ALERT_ZH} (critical here, warning there) "
         "(translations share one alert: make the values the same)"], 1),
    "withdrawn in one translation only": (
        ALERT_EN, "channels: [banner", "withdrawn: \"Reported in error.\"\nchannels: [banner",
        [f"{ALERT_EN}:9:1: error: 'withdrawn' is set in only one of {ALERT_ZH} and this file"], 1),
    "empty withdrawal reason": (
        ALERT_EN, "channels: [banner", "withdrawn: \"  \"\nchannels: [banner",
        [f"{ALERT_EN}:9:1: error: 'withdrawn': withdrawn needs a reason readers will see"], 1),
    "broken link between pages": (
        ALERT_EN, "(../guides/spot-phishing.md)", "(../guides/spot-phish.md)",
        [f"{ALERT_EN}:26:21: error: broken link: ../guides/spot-phish.md does not exist"], 1),
    "summary links off the allow-list": (
        ALERT_EN, "asks for your recovery phrase.\"", "asks for your recovery phrase. See https://news.other.test/x\"",
        [f"{ALERT_EN}:3:1: error: summary links to news.other.test, a domain not on the allow-list"], 1),
    "banner action URL off the allow-list": (
        ALERT_EN, "  frequency: daily", "  frequency: daily\n  action_url: https://evil.test/claim",
        [f"{ALERT_EN}:15:3: error: banner action_url https://evil.test/claim is not on an allowed domain"], 1),
    "scam indicator as a link": (
        ALERT_EN, "See [Spot phishing]", "Do not open [this](https://wallet-verify.example/login).\n\nSee [Spot phishing]",
        [f"{ALERT_EN}:26:20: error: scam indicator wallet-verify.example is written so that it can become a "
         "clickable link (write it defanged as `wallet-verify[.]example` (in backticks), never as a link)"], 1),
    "scam indicator as bare text": (
        ALERT_EN, "See [Spot phishing]", "The site wallet-verify.example copies ours.\n\nSee [Spot phishing]",
        [f"{ALERT_EN}:26:10: error: scam indicator wallet-verify.example is written so that it can become a clickable link"], 1),
    "summary too long for the strictest channel": (
        ALERT_EN, "asks for your recovery phrase.\"", "asks for your recovery phrase." + " Never share it." * 30 + "\"",
        [f"{ALERT_EN}:3:1: error: title + summary + link is 606 characters (links count 23) on mastodon; "
         "the limit is 500 (shorten the summary by at least 106)"], 1),
    "summary with Markdown": (
        ALERT_EN, "asks for your recovery phrase.\"", "asks for your **recovery phrase**.\"",
        [f"{ALERT_EN}:3:1: warning: summary contains Markdown or HTML; banners and posts show it as plain text"], 0),
    "bad indicator domain": (
        ALERT_EN, "domains: [wallet-verify.example]", "domains: [not a domain]",
        [f"{ALERT_EN}:16:3: error: 'scam_indicators.domains': 'not a domain' is not a domain like evil-wallet.example"], 1),
    "bad indicator address": (
        ALERT_EN, "eth:0x1111111111111111111111111111111111111111", "0x11",
        [f"{ALERT_EN}:17:3: error: 'scam_indicators.addresses': '0x11' is not 'chain:address'"], 1),
    "bad indicator handle": (
        ALERT_EN, "telegram:@fixture_fake_support", "myspace:@x",
        [f"{ALERT_EN}:18:3: error: 'scam_indicators.handles': 'myspace:@x' is not 'platform:handle'"], 1),
    "app version range upside down": (
        ALERT_EN, "  min_app_version: \"8.0.0\"", "  min_app_version: \"8.0.0\"\n  max_app_version: \"7.1\"",
        [f"{ALERT_EN}:10:1: error: 'banner': min_app_version 8.0.0 is above max_app_version 7.1"], 1),
    "bad id": (
        ALERT_EN, "title:", "id: Live_Phishing\ntitle:",
        [f"{ALERT_EN}:2:1: error: 'id': 'Live_Phishing' is not a valid id"], 1),
    "line separator in a title": (
        ALERT_EN, 'title: "Phishing site poses', 'title: "Phishing\u2028site poses',
        [f"{ALERT_EN}:2:17: error: invisible control character U+2028 in the text"], 1),
    "C1 control character in the body": (
        ALERT_EN, "## Details", "## Det\x85ails",
        [f"{ALERT_EN}:22:7: error: invisible control character U+0085 in the text"], 1),
    "YAML syntax error": (
        ALERT_EN, "category: phishing", "category: [phishing",
        [f"{ALERT_EN}:6:11: error: YAML syntax error: expected ',' or ']', but got ':'"], 1),
    "banner settings without banner channel": (
        ALERT_EN, "channels: [banner, cap, telegram, mastodon]", "channels: [cap, telegram, mastodon]",
        [f"{ALERT_EN}:10:1: warning: banner settings are ignored: 'banner' is not in channels"], 0),
}
BOTH_TRANSLATIONS = {"channel not configured", "banner settings without banner channel"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rule(cli, project, case):
    rel, old, new, expected, code = CASES[case]
    edit(project, rel, old, new)
    if case in BOTH_TRANSLATIONS:  # keep translations agreeing so the rule under test is the only problem
        edit(project, rel.replace(".en.md", ".zh.md"), old, new)
    result = check(cli, project)
    lines = result.output.splitlines()
    for want in expected:
        assert any(line.startswith(want) for line in lines), f"missing {want!r} in:\n{result.output}"
    assert result.exit_code == code, result.output


def test_missing_translation_is_a_warning(cli, project):
    (project / "content/guides/spot-phishing.en.md").unlink()
    result = check(cli, project)
    assert result.exit_code == 0
    assert "content/guides/spot-phishing.zh.md:2:1: warning: no 'en' translation of 'spot-phishing' " \
           "(add spot-phishing.en.md)" in result.output


def test_missing_front_matter(cli, project):
    (project / "content/faq.en.md").write_text("# FAQ\n", encoding="utf-8")
    result = check(cli, project)
    assert "content/faq.en.md:1:1: error: missing front matter" in result.output
    assert result.exit_code == 1


def test_file_name_without_language(cli, project):
    (project / "content/guides/extra.md").write_text("---\ntitle: x\nsummary: y\n---\n", encoding="utf-8")
    result = check(cli, project)
    assert "content/guides/extra.md:1:1: error: file name must be <name>.<language>.md (rename it, e.g. extra.zh.md)" \
        in result.output


def test_unknown_language(cli, project):
    (project / "content/guides/extra.fr.md").write_text("---\ntitle: x\nsummary: y\n---\n", encoding="utf-8")
    result = check(cli, project)
    assert "content/guides/extra.fr.md:1:1: error: language 'fr' is not configured" in result.output


def test_file_too_large(cli, project):
    path = project / "content/guides/huge.en.md"
    path.write_text("---\ntitle: x\nsummary: y\n---\n" + "word " * 60000, encoding="utf-8")
    result = check(cli, project)
    assert "content/guides/huge.en.md:1:1: error: file is 292 KiB, over the 256 KiB limit (split it into several pages)" \
        in result.output


def test_not_utf8(cli, project):
    (project / "content/guides/latin.en.md").write_bytes(b"---\ntitle: caf\xe9\n---\n")
    result = check(cli, project)
    assert "content/guides/latin.en.md:2:1: error: file is not valid UTF-8 (save it as UTF-8)" in result.output


def test_duplicate_id(cli, project):
    edit(project, AIRDROP_EN, "title:", "id: live-phishing\ntitle:")
    result = check(cli, project)
    assert "error: id 'live-phishing' is used by" in result.output
    assert result.exit_code == 1


def test_github_annotations(cli, project):
    edit(project, ALERT_EN, "severity: warning", "severity: urgent")
    result = check(cli, project, "--format", "github")
    assert f"::error file={ALERT_EN},line=4,col=1::'severity' has an unknown value 'urgent'" in result.output
    assert result.exit_code == 1


def test_yaml_tag_in_front_matter_is_not_executed(cli, project):
    edit(project, ALERT_EN, "category: phishing", "category: !!python/object/apply:os.system [\"echo pwned\"]")
    result = check(cli, project)
    assert result.exit_code == 1
    assert "pwned" not in result.output.replace("echo pwned", "")


# -- configuration -----------------------------------------------------------------------------

def test_config_unknown_key(cli, project):
    edit(project, "mkdocs.yml", "    timezone: Asia/Shanghai", "    timezone: Asia/Shanghai\n    langauges: [zh]")
    result = check(cli, project)
    assert "mkdocs.yml:12:5: error: unknown key 'langauges' (did you mean 'languages'?)" in result.output
    assert result.exit_code == 1


def test_config_bad_timezone(cli, project):
    edit(project, "mkdocs.yml", "timezone: Asia/Shanghai", "timezone: Mars/Olympus")
    result = check(cli, project)
    assert "mkdocs.yml:11:5: error: 'timezone': unknown time zone 'Mars/Olympus'" in result.output


def test_config_bad_feedback_url(cli, project):
    edit(project, "mkdocs.yml", "feedback_url: /api/feedback", "feedback_url: http://collector.example/x")
    result = check(cli, project)
    assert ("mkdocs.yml:14:5: error: 'feedback_url': 'http://collector.example/x' must be an https:// URL "
            "or a path on the site such as /api/feedback") in result.output
    assert result.exit_code == 1


def test_config_missing_site_url(cli, project):
    edit(project, "mkdocs.yml", "site_url: https://help.fixture.example/\n", "")
    result = check(cli, project)
    assert "error: site_url must be the public https:// address of the help site" in result.output


def test_config_unknown_channel(cli, project):
    edit(project, "mkdocs.yml", "      telegram:\n", "      telegarm:\n")
    result = check(cli, project)
    assert "mkdocs.yml:18:7: error: 'channels': unknown channel 'telegarm'" in result.output or \
           "error: 'channels': unknown channel 'telegarm'" in result.output


def test_config_yaml_error(cli, project):
    edit(project, "mkdocs.yml", "site_name: Fixture Safety Center", "site_name: [Fixture")
    result = check(cli, project)
    assert result.output.startswith("mkdocs.yml:")
    assert "error: YAML syntax error" in result.output
    assert result.exit_code == 1


def test_corrupted_copy_exits_1_without_traceback(project):
    """The real console entry point, in a subprocess: file:line messages, exit 1, no traceback."""
    edit(project, ALERT_EN, "severity: warning", "serverity: warning")
    (project / "content/guides/spot-phishing.zh.md").write_bytes(b"\xff\xfe garbage")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    proc = subprocess.run([sys.executable, "-m", "alertcast", "check"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert f"{ALERT_EN}:4:1: error: unknown key 'serverity'" in proc.stdout
    assert "content/guides/spot-phishing.zh.md:1:1: error: file is not valid UTF-8" in proc.stdout
    assert "error(s)" in proc.stderr


def test_no_config_is_a_clear_error(cli, tmp_path):
    result = cli("check", "-p", tmp_path)
    assert result.exit_code == 1
    assert "error: no mkdocs.yml here (run alertcast in the project folder, or pass --project PATH)" in result.output
