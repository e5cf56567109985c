"""`alertcast snapshots`: the site at each new or changed alert's publish_at, one folder per
moment, as the content-check workflow uploads it for the reviewer."""

from __future__ import annotations

import shutil

from conftest import FIXTURE
from git_support import commit_all

NOW = "2026-03-15T00:00:00+08:00"


def committed(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    commit_all(project)
    return project


def add_alert(project, stem: str, publish_at: str) -> None:
    """A copy of the scheduled alert under a new id, going live at `publish_at`."""
    for lang in ("zh", "en"):
        source = project / "content" / "alerts" / f"scheduled-maintenance.{lang}.md"
        text = source.read_text(encoding="utf-8")
        text = text.replace("publish_at: 2026-04-01T09:00:00+08:00", f"publish_at: {publish_at}")
        text = text.replace("expires_at: 2026-04-02T09:00:00+08:00", "expires_at: 2026-06-01T09:00:00+08:00")
        (project / "content" / "alerts" / f"{stem}.{lang}.md").write_text(text, encoding="utf-8")


def test_one_folder_per_moment_each_with_the_alert_readers_see_then(tmp_path, cli):
    project = committed(tmp_path)
    add_alert(project, "fake-refund", "2026-05-01T09:00:00+08:00")
    add_alert(project, "fake-airdrop-claim", "2026-05-01T09:00:00+08:00")  # the same moment: one folder
    add_alert(project, "fake-support-call", "2026-05-02T18:30:00+08:00")
    out = tmp_path / "snapshots"
    result = cli("snapshots", project, "--base", "main", "--now", NOW, "--output", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["20260501T010000Z", "20260502T103000Z"]
    first, second = out / "20260501T010000Z", out / "20260502T103000Z"
    for folder in (first, second):
        assert folder.is_dir() and not folder.is_symlink()
        assert (folder / "index.html").is_file() and not any(p.is_symlink() for p in folder.rglob("*"))
    assert (first / "alerts" / "fake-refund" / "index.html").is_file()
    assert (first / "alerts" / "fake-airdrop-claim" / "index.html").is_file()
    assert not (first / "alerts" / "fake-support-call").exists()  # not live yet at that moment
    assert (second / "alerts" / "fake-support-call" / "index.html").is_file()


def test_an_alert_already_live_is_shown_as_of_now_and_no_change_builds_nothing(tmp_path, cli):
    project = committed(tmp_path)
    out = tmp_path / "snapshots"
    unchanged = cli("snapshots", project, "--base", "main", "--now", NOW, "--output", out)
    assert unchanged.exit_code == 0 and "nothing to build" in unchanged.output
    assert list(out.iterdir()) == []
    alert = project / "content" / "alerts" / "live-phishing.en.md"
    alert.write_text(alert.read_text(encoding="utf-8").replace("look-alike site", "look-alike website"),
                     encoding="utf-8")
    changed = cli("snapshots", project, "--base", "main", "--now", NOW, "--output", out)
    assert changed.exit_code == 0, changed.output
    assert [p.name for p in out.iterdir()] == ["20260314T160000Z"]  # --now, in UTC


def test_content_with_errors_builds_nothing(tmp_path, cli):
    project = committed(tmp_path)
    add_alert(project, "fake-refund", "2026-05-01 09:00")  # no time zone
    out = tmp_path / "snapshots"
    result = cli("snapshots", project, "--base", "main", "--now", NOW, "--output", out)
    assert result.exit_code == 1
    assert "alertcast check" in result.output
    assert not out.exists() or list(out.iterdir()) == []
