"""`alertcast report` for a pull request: its default base, the publishing delay, files that do
not parse, and a base that is the commit itself."""

from __future__ import annotations

import re

from test_report import edit, git, repo  # noqa: F401 - repo is a fixture

from conftest import NOW

assert repo
NO_PR = {"GITHUB_BASE_REF": ""}
WORKFLOW = """name: publish
on:
  push:
    branches: [main]
  schedule:
    - cron: "7-59/15 * * * *"
jobs: {}
"""


def run(cli, root, *args, env=NO_PR):
    return cli("report", str(root), "--now", NOW.isoformat(), *args, env=env)


def test_without_base_it_compares_with_main(cli, repo):
    out = run(cli, repo).output
    assert re.search(r"-> working tree", out) and out.startswith("alertcast report: main (")
    assert "== new-drop: added" in out


def test_without_base_in_a_pull_request_it_compares_with_the_target_branch(cli, repo):
    git(repo, "branch", "release")  # the base commit
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "on main")  # main moves on; the pull request targets release
    out = run(cli, repo, env={"GITHUB_BASE_REF": "release"}).output
    assert out.startswith("alertcast report: release (")
    assert "== new-drop: added" in out  # main's commit is part of the change against release


def test_base_head_after_committing_says_so_instead_of_no_change(cli, repo):
    git(repo, "switch", "--quiet", "-c", "alert/new-drop")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "Alert: new drop")
    out = run(cli, repo, "--base", "HEAD").output
    assert "The base HEAD is the commit you are on" in out and "alertcast report --base main" in out
    assert "== new-drop: added" in run(cli, repo).output  # the default base, main, shows the change


def test_the_schedule_of_the_publish_workflow_says_when_a_scheduled_alert_is_public(cli, repo):
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "publish.yml").write_text(WORKFLOW, encoding="utf-8")
    out = run(cli, repo).output
    assert 'Publishing: the publish workflow runs on the schedule "7-59/15 * * * *" (UTC, every 15 minutes)' in out
    block = out.split("== new-drop")[1].split("\n== ")[0]  # publish_at 2026-03-16 08:00 +08:00
    assert re.search(r"goes live: 2026-03-16 08:00 .*; public at about 2026-03-16 08:07 ", block), block


def test_without_a_schedule_the_daemon_publishes_on_the_second(cli, repo):
    out = run(cli, repo).output
    assert "Publishing: the daemon (alertcast run) publishes at publish_at, to the second" in out
    assert "public at about" not in out


def test_a_new_alert_whose_front_matter_does_not_parse_is_listed_not_hidden(cli, repo):
    git(repo, "stash", "--include-untracked", "--quiet")
    alerts = repo / "content" / "alerts"
    for lang in ("zh", "en"):
        text = (alerts / f"expired-airdrop.{lang}.md").read_text(encoding="utf-8")
        (alerts / f"wechat-unfreeze-fee.{lang}.md").write_text(text.replace("severity: advisory", "severity: [critical"),
                                                               encoding="utf-8")
    result = run(cli, repo)
    out = result.output
    assert result.exit_code == 1
    assert "No alert is added" not in out
    assert "== wechat-unfreeze-fee: unreadable" in out
    assert re.search(r"content/alerts/wechat-unfreeze-fee\.en\.md:\d+:\d+: error", out)
    checked = cli("check", "-p", repo)
    counts = re.search(r"(\d+) error\(s\), (\d+) warning\(s\)", checked.stderr).groups()
    assert f"{counts[0]} error(s), {counts[1]} warning(s)" in out
    markdown = run(cli, repo, "--format", "markdown").output
    assert "| `wechat-unfreeze-fee` | unreadable |" in markdown and "No alert is added" not in markdown
