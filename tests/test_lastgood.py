"""A broken commit does not stop time: the newest commit that passes check is found by walking back."""

from __future__ import annotations

import subprocess
from pathlib import Path

from click.testing import CliRunner

from git_support import commit_all

from alertcast import lastgood
from alertcast.cli import main


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=Editor", "-c", "user.email=editor@fixture.example", *args],
                          cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def break_alert(project: Path, severity: str = "bogus") -> None:
    path = project / "content" / "alerts" / "live-phishing.en.md"
    path.write_text(path.read_text(encoding="utf-8").replace("severity: warning", f"severity: {severity}", 1)
                    .replace("severity: critical", f"severity: {severity}", 1), encoding="utf-8")


def history(project: Path) -> tuple[str, str, str]:
    """good, then two broken commits on top (the second on a merged side branch)."""
    good = commit_all(project, "good")
    break_alert(project)
    broken = commit_all(project, "broken")
    (project / "notes.txt").write_text("still broken\n")
    still = commit_all(project, "still broken")
    return good, broken, still


def test_the_newest_good_commit_is_found_and_every_newer_one_named(project):
    good, broken, still = history(project)
    walk = lastgood.newest_good(project)
    assert walk.good == good
    assert [b.commit for b in walk.broken] == [still, broken]
    assert all("severity" in b.errors[0].message for b in walk.broken)
    assert lastgood.newest_good(project, ref=good).good == good  # a good tip is its own answer
    assert lastgood.newest_good(project, bound=2).good is None  # the walk stops at its bound


def test_last_good_prints_the_commit_and_names_the_broken_ones(project):
    good, broken, still = history(project)
    result = CliRunner().invoke(main, ["last-good", "-p", str(project)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == good
    assert f"{still} fails check with 1 error(s)" in result.stderr and broken in result.stderr
    short = CliRunner().invoke(main, ["last-good", "-p", str(project), "--max-commits", "2"])
    assert short.exit_code == 1 and short.stdout == ""
    assert "none of the last 2 commit(s)" in short.stderr
    nowhere = CliRunner().invoke(main, ["last-good", "-p", str(project), "--ref", "no-such-branch"])
    assert nowhere.exit_code == 2 and "unknown git ref 'no-such-branch'" in nowhere.stderr


def test_the_walk_follows_the_branch_not_the_commits_merged_into_it(project):
    commit_all(project, "good")
    git(project, "switch", "-q", "-c", "side")
    (project / "side.txt").write_text("x")
    side = commit_all(project, "side: good")
    break_alert(project)
    commit_all(project, "side: broken")
    git(project, "switch", "-q", "main")
    (project / "main.txt").write_text("y")
    base = commit_all(project, "main: good")
    git(project, "merge", "-q", "--no-ff", "-m", "merge side", "side")
    walk = lastgood.newest_good(project)
    assert walk.good == base and walk.good != side  # the side branch's commits were never main's tip
