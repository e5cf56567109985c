"""The live release is read back as untrusted (render/incremental.py, publish/atomic.py): nothing
changed in it between builds (a page, the key file, the manifest) may reach the next release,
hang a build or make it read outside the release."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from alertcast import pipeline
from alertcast.config import load_config
from alertcast.publish.atomic import tree_digests
from alertcast.render.incremental import KEYS_PATH
from conftest import NOW


def _build(project: Path, output: str = "site", **kwargs) -> Path:
    result = pipeline.build(load_config(project), NOW, project / output, signing_key=None, **kwargs)
    assert result.release is not None
    return result.release


def _build_process(project: Path, *options: str) -> Path:
    """`alertcast build` in a process of its own: it reads the live release from disk (no digests
    kept in memory), and a build that waits forever fails the test at the timeout."""
    done = subprocess.run([sys.executable, "-m", "alertcast", "build", "-p", str(project), "--now", NOW.isoformat(),
                           "-o", str(project / "site"), *options], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return (project / "site").resolve()


def _differences(a: Path, b: Path) -> list[str]:
    da, db = tree_digests(a), tree_digests(b)
    return sorted(p for p in set(da) | set(db) if da.get(p) != db.get(p))


def test_a_kept_page_edited_in_place_is_rendered_again(project):
    first = _build(project)
    page = first / "alerts/expired-airdrop/index.html"
    page.write_text("<script>tampered()</script>", encoding="utf-8")  # the same inode, other bytes
    second = _build(project)
    assert "tampered" not in (second / "alerts/expired-airdrop/index.html").read_text(encoding="utf-8")
    assert _differences(second, _build(project, output="full", full=True)) == []


def test_a_kept_page_replaced_by_a_hard_link_to_a_file_outside_is_not_published(project, tmp_path):
    first = _build(project)
    secret = tmp_path / "secret.key"
    secret.write_text("SIGNING-KEY-SECRET", encoding="utf-8")
    page = first / "alerts/expired-airdrop/index.html"
    page.unlink()
    os.link(secret, page)
    second = _build(project)
    assert "SIGNING-KEY-SECRET" not in (second / "alerts/expired-airdrop/index.html").read_text(encoding="utf-8")
    assert _differences(second, _build(project, output="full", full=True)) == []


def test_a_key_file_replaced_by_a_fifo_does_not_hang_the_build(project):
    first = _build(project)
    keys = first / KEYS_PATH
    keys.unlink()
    os.mkfifo(keys)
    second = _build_process(project)
    assert _differences(second, _build(project, output="full", full=True)) == []



def test_a_fifo_or_a_linked_folder_in_the_live_release_is_not_carried_by_a_build_without_the_site(project, tmp_path):
    """`--no-site` carries the live release's pages into the new one: only its regular files."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "index.html").write_text("SECRET", encoding="utf-8")
    first = _build(project)
    page = first / "alerts/expired-airdrop/index.html"
    page.unlink()
    os.mkfifo(page)  # reading it would wait for a writer forever
    manifest = first.parent / f"{first.name}.sha256"
    manifest.write_text(manifest.read_text(encoding="utf-8") + f"{'0' * 64}  linked/index.html\n", encoding="utf-8")
    (first / "linked").symlink_to(tmp_path / "outside")
    second = _build_process(project, "--no-site")
    assert not (second / "alerts/expired-airdrop/index.html").exists()
    assert not (second / "linked").exists()
    assert (second / "alerts/live-phishing/index.html").is_file()  # the rest is carried


def test_a_page_edited_in_place_is_not_carried_by_a_build_without_the_site(project, cli):
    """`--no-site` renders no page, so one edited in the live release is not carried into the
    next: the build fails, names the file and says how to proceed, and the live release stays."""
    first = _build(project)
    page = first / "alerts/expired-airdrop/index.html"
    page.write_text("<script>tampered()</script>", encoding="utf-8")  # the same inode, other bytes
    result = cli("build", "-p", project, "--now", NOW.isoformat(), "-o", project / "site", "--no-site")
    assert result.exit_code == 1
    assert f"{page}: not the file alertcast published in the live release" in result.output, result.output
    assert "without --no-site" in result.output and "Traceback" not in result.output
    assert (project / "site").resolve() == first
    assert [p.name for p in first.parent.iterdir() if p.name.startswith("tmp-")] == []
    second = _build(project)  # with the site, the page is rendered again
    assert "tampered" not in (second / "alerts/expired-airdrop/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("manifest", ["garbage\n", f"{'0' * 64}  ../../../../etc/hostname\n", None, "deleted"])
def test_a_forged_manifest_of_the_live_release_is_not_read(project, cli, manifest):
    """A build with the site then takes the release's digests from its files: it neither fails
    nor reads what a forged path names. One without the site renders no page, and the pages'
    own digests prove nothing (a page edited in place, its manifest deleted, was carried): it
    fails, names the manifest and says how to proceed."""
    first = _build(project)
    page = first / "alerts/expired-airdrop/index.html"
    page.write_text("<script>tampered()</script>", encoding="utf-8")  # the same inode, other bytes
    path = first.parent / f"{first.name}.sha256"
    path.unlink()
    if manifest is None:
        os.mkfifo(path)
    elif manifest != "deleted":
        path.write_text(manifest, encoding="utf-8")
    result = cli("build", "-p", project, "--now", NOW.isoformat(), "-o", project / "site", "--no-site")
    assert result.exit_code == 1
    assert f"{path}: the live release has no manifest alertcast wrote" in result.output, result.output
    assert "without --no-site" in result.output and "Traceback" not in result.output
    assert (project / "site").resolve() == first
    second = _build_process(project)
    assert "tampered" not in (second / "alerts/expired-airdrop/index.html").read_text(encoding="utf-8")
    assert _differences(second, _build(project, output="full")) == []


def test_releases_going_live_while_a_build_reuses_pages_do_not_remove_the_release_it_reads(project, monkeypatch):
    """More releases than are kept go live (and are pruned) while an incremental build reads
    pages from the release that was live when it started: that release stays until the build
    is done, the build reuses its pages, and a later prune removes it."""
    from alertcast.publish.atomic import KEEP, atomic_publish, pruned, releases_dir
    from alertcast.render.incremental import LanguagePages

    first = _build(project)
    output = project / "site"
    finish = LanguagePages.finish
    went_live: list[Path] = []

    def others_go_live_first(pages: LanguagePages, site_dir: Path) -> None:
        if not went_live:  # the first language: its pages are planned, not linked in yet
            for n in range(KEEP + 1):
                went_live.append(atomic_publish(output, {"other.txt": f"release {n}".encode()})[0])
            pruned()
        finish(pages, site_dir)

    monkeypatch.setattr(LanguagePages, "finish", others_go_live_first)
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})  # the languages build in this process, where the test sees them
    try:
        second = _build(project)
    finally:
        os.sched_setaffinity(0, cores)
    assert len(went_live) == KEEP + 1
    assert os.stat(second / "alerts/expired-airdrop/index.html").st_ino == os.stat(
        first / "alerts/expired-airdrop/index.html").st_ino  # reused from the first release, which stayed
    pruned()
    assert not first.exists() and second in releases_dir(output).iterdir()
    assert _differences(second, _build(project, output="full", full=True)) == []
