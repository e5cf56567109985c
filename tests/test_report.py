"""`alertcast report`: what a pull request will publish, from two commits of a real git repository."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import NOW

GIT = ["git", "-c", "user.email=editor@alertcast.example", "-c", "user.name=Editor", "-c", "commit.gpgsign=false"]
LONG = ("Scammers pose as support agents in fake help groups and ask you to share your screen, "
        "install a remote-control app and type your recovery phrase into a form they call a "
        "wallet check; official support never asks for any of this, so leave the group, block "
        "the account and report it to us through the help center.")


def git(repo: Path, *args: str) -> str:
    return subprocess.run([*GIT, "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def pull_request(project: Path) -> Path:
    """A repo whose `main` is the fixture and whose HEAD adds, modifies and withdraws alerts."""
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "base")
    git(project, "checkout", "-q", "-b", "change")
    edit(project, "mkdocs.yml", "      mastodon:", "      x:\n        token_env: FIXTURE_X_TOKEN\n      mastodon:")
    for lang in ("en", "zh"):
        source = (project / f"content/alerts/live-phishing.{lang}.md").read_text(encoding="utf-8")
        added = re.sub(r'^summary: .*$', f'summary: "{LONG}"', source, count=1, flags=re.M)
        added = added.replace("channels: [banner, cap, telegram, mastodon]", "channels: [banner, x, telegram]")
        added = added.replace("publish_at: 2026-03-01T10:00:00+08:00", "publish_at: 2026-03-20T09:00:00+08:00")
        added = re.sub(r"^(updated_at|update_note): .*\n", "", added, flags=re.M)
        (project / f"content/alerts/fake-support-groups.{lang}.md").write_text(added, encoding="utf-8")
        edit(project, f"content/alerts/live-phishing.{lang}.md", "updated_at: 2026-03-02T12:00:00+08:00",
             "updated_at: 2026-03-14T12:00:00+08:00")
        edit(project, f"content/alerts/expired-airdrop.{lang}.md", "channels:",
             'withdrawn: "The claim page was ours after all."\nchannels:')
    edit(project, "content/alerts/live-phishing.en.md", 'title: "Phishing site poses as the wallet"',
         'title: "Phishing site poses as the wallet app"')
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "change")
    return project


def test_markdown_summary_of_a_pull_request(pull_request, cli):
    result = cli("report", "-p", pull_request, "--base", "main", "--head", "HEAD", "--format", "markdown",
                 "--now", NOW.isoformat())
    out = result.output
    # the changed alerts, each with its kind; the untouched ones are not listed
    assert "| `fake-support-groups` " in out and "### `fake-support-groups` — added" in out
    assert "### `live-phishing` — modified" in out
    assert "changed: updated_at, title (en)" in out
    assert "### `expired-airdrop` — withdrawn" in out
    assert "scheduled-maintenance" not in out and "withdrawn-fake-app" not in out
    # when it goes live, in the editors' time zone and in UTC
    assert "2026-03-20 09:00 (UTC+08:00) = 2026-03-20 01:00 UTC" in out
    # each channel's length against its limit, counted as that network counts
    rows = dict(re.findall(r"^\| (x|telegram|mastodon)[^|]* \| \w+ \| (\d+ [^|]+) \| \d+ \| ", out, re.M))
    assert set(rows) == {"x", "telegram", "mastodon"}
    assert "| x | zh | " in out and "| 280 | ✂️ shortened |" in out
    assert re.search(r"^\| telegram \| zh \| \d+ characters \| 4096 \| ✅ \|$", out, re.M)
    # the over-long summary is flagged: check's error and the shortened post
    assert "### ❌ 2 error(s) to fix before merging" in out
    assert re.search(r"fake-support-groups\.(en|zh)\.md:\d+:\d+: error: title \+ summary \+ link is \d+ "
                     r"weighted characters \(CJK and emoji count 2, links 23\) on x; the limit is 280", out)
    assert "⚠️ x: the summary was shortened to fit 280" in out
    # the banner exactly as apps get it
    banner = re.search(r"<summary>en</summary>\n\n```json\n(.*?)\n```", out.split("### `fake-support-groups`")[1], re.S)
    assert json.loads(banner.group(1))["title"] == "Phishing site poses as the wallet"
    assert "No banner: the alert is withdrawn, so apps drop it." in out.split("### `expired-airdrop`")[1]
    assert result.exit_code == 1  # the error must be fixed before merging


def test_working_tree_against_a_ref_in_text(pull_request, cli):
    edit(pull_request, "content/alerts/fake-support-groups.en.md", f'summary: "{LONG}"', 'summary: "Short."')
    edit(pull_request, "content/alerts/fake-support-groups.zh.md", f'summary: "{LONG}"', 'summary: "简短。"')
    result = cli("report", "-p", pull_request, "--base", "HEAD", "--now", NOW.isoformat())
    assert result.output.splitlines()[0].startswith("compared HEAD with the working tree")
    assert "fake-support-groups: modified" in result.output
    assert "changed: summary (en), summary (zh)" in result.output
    assert re.search(r"  x \(zh\): \d+/280 weighted characters .* — ok", result.output)
    assert result.exit_code == 0


@pytest.mark.parametrize("args, message", [
    (["--base", "no-such-branch"], "git ref 'no-such-branch' does not exist here; fetch it first"),
    (["--base", "main", "--head", "v9"], "git ref 'v9' does not exist here"),
])
def test_a_bad_ref_is_one_clear_line(pull_request, args, message):
    proc = subprocess.run([sys.executable, "-m", "alertcast", "report", "-p", str(pull_request), *args],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_outside_a_git_repository(project):
    proc = subprocess.run([sys.executable, "-m", "alertcast", "report", "-p", str(project), "--base", "main"],
                          capture_output=True, text=True, cwd=project)
    assert proc.returncode == 2
    assert "is not inside a git repository" in proc.stderr and "Traceback" not in proc.stderr
