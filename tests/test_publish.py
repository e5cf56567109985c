from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path

import pytest
from outputs_support import AFTER, BEFORE, NOW

from alertcast.pipeline import build, finish, prepare, publish
from alertcast.problems import ContentError
from alertcast.publish.atomic import atomic_publish, pruned, releases_dir


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def tiny_site(plan, config, dest: Path) -> None:
    """A stand-in site engine: one page per published alert."""
    for alert in plan.published:
        page = dest / "alerts" / alert.id / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"<h1>{alert.id}</h1>", encoding="utf-8")


class ExplodingFiles(Mapping):
    """An artifact set whose writer dies after `after` files, like a crash mid-write."""

    def __init__(self, files, after):
        self.files, self.after, self.read = files, after, 0

    def __getitem__(self, key):
        self.read += 1
        if self.read > self.after:
            raise OSError("disk full (injected)")
        return self.files[key]

    def __iter__(self):
        return iter(self.files)

    def __len__(self):
        return len(self.files)


def test_build_twice_is_byte_identical(config, content, tmp_path):
    a = build(config, NOW, tmp_path / "a" / "site", site_builder=tiny_site, content=content, signing_key=None)
    b = build(config, NOW, tmp_path / "b" / "site", site_builder=tiny_site, content=content, signing_key=None)
    assert snapshot(a.output) == snapshot(b.output)
    assert "alerts/live-phishing/index.html" in snapshot(a.output)
    again = build(config, NOW, tmp_path / "a" / "site", site_builder=tiny_site, content=content, signing_key=None)
    assert again.changed == []


def test_output_is_symlink_to_complete_release_and_old_ones_pruned(config, content, tmp_path):
    out = tmp_path / "site"
    results = [build(config, t, out, with_site=False, content=content, signing_key=None)
               for t in (BEFORE, NOW, AFTER, NOW, AFTER)]
    assert out.is_symlink() and out.resolve() == results[-1].release
    pruned()  # old releases are deleted in the background, after the switch
    kept = [p for p in releases_dir(out).iterdir() if p.is_dir() and not p.is_symlink()]
    assert len(kept) == 3 and all(p.name.startswith("r") for p in kept)
    assert "api/v1/banners/en.json" in results[1].changed
    assert (out / "api/v1/banners/en.json").is_file()


def test_a_build_does_not_wait_for_older_releases_to_be_deleted(config, content, tmp_path):
    """The prune after a switch runs in the background; the next build (an urgent push right after
    another) starts and goes live meanwhile, and the prune still keeps the live release."""
    import threading

    from alertcast.publish import atomic

    out = tmp_path / "site"
    for t in (BEFORE, NOW, AFTER):
        build(config, t, out, with_site=False, content=content, signing_key=None)
    pruned()
    deleting = threading.Event()
    busy = threading.Thread(target=deleting.wait, args=(600,), name="a prune that takes its time")
    busy.start()
    atomic._pruning = busy
    try:
        finished = []
        runner = threading.Thread(target=lambda: finished.append(
            build(config, NOW, out, with_site=False, content=content, signing_key=None)))
        runner.start()
        runner.join(300)
        assert finished and busy.is_alive()  # built and switched while the prune was still running
    finally:
        deleting.set()
        runner.join()
    pruned()
    assert out.resolve() == finished[0].release and (out / "api/v1/banners/en.json").is_file()


def test_failed_build_leaves_previous_outputs_untouched(config, content, tmp_path):
    out = tmp_path / "site"
    build(config, NOW, out, site_builder=tiny_site, content=content, signing_key=None)
    before = snapshot(out)
    live = out.resolve()

    def broken_site(plan, config, dest):
        tiny_site(plan, config, dest)
        raise RuntimeError("site engine crashed")

    with pytest.raises(RuntimeError):
        build(config, AFTER, out, site_builder=broken_site, content=content, signing_key=None)
    assert out.resolve() == live and snapshot(out) == before
    assert not [p for p in releases_dir(out).iterdir() if p.name.startswith("tmp-")]


def test_writer_killed_midway_leaves_previous_outputs_intact(config, content, tmp_path):
    out = tmp_path / "site"
    first = build(config, NOW, out, with_site=False, content=content, signing_key=None)
    before = snapshot(out)
    with pytest.raises(OSError, match="injected"):
        # every file is read once to hash it, then again to write it: die after 5 writes
        atomic_publish(out, ExplodingFiles({k: b"new " + k.encode() for k in first.files}, after=len(first.files) + 5))
    assert snapshot(out) == before
    assert not [p for p in releases_dir(out).iterdir() if p.name.startswith("tmp-")]


def test_bad_content_keeps_last_good_outputs(project, config, cli, tmp_path):
    out = tmp_path / "site"
    assert cli("build", "-p", project, "--no-site", "--now", "2026-03-15T00:00:00+08:00", "-o", out).exit_code == 0
    before = snapshot(out)
    bad = project / "content" / "alerts" / "live-phishing.en.md"
    bad.write_text(bad.read_text(encoding="utf-8").replace("severity: warning", "severity: loud"), encoding="utf-8")
    with pytest.raises(ContentError):
        build(config, NOW, out, with_site=False)
    result = cli("build", "-p", project, "--no-site", "-o", out)
    assert result.exit_code == 1 and "live-phishing.en.md:" in result.output and "Traceback" not in result.output
    assert snapshot(out) == before


def test_readers_never_see_a_mix(config, content, tmp_path):
    """A reader resolving the output while builds switch sees one consistent release each time."""
    out = tmp_path / "site"
    build(config, BEFORE, out, with_site=False, content=content, signing_key=None)
    stop, seen, errors = threading.Event(), set(), []

    def reader():
        while not stop.is_set():
            root = Path(os.path.realpath(out))
            try:
                stamps = {json.loads((root / f"api/v1/banners/{lang}.json").read_bytes())["generated_at"]
                          for lang in ("zh", "en")}
            except FileNotFoundError:
                continue  # a release pruned after we resolved it: a new lookup follows
            if len(stamps) != 1:
                errors.append(stamps)
            seen.update(stamps)

    thread = threading.Thread(target=reader)
    thread.start()
    for _ in range(5):
        for t in (NOW, AFTER):
            build(config, t, out, with_site=False, content=content, signing_key=None)
    stop.set()
    thread.join()
    assert errors == [] and len(seen) >= 2


def test_now_option_and_summary(project, cli, tmp_path):
    out = tmp_path / "site"
    result = cli("build", "-p", project, "--no-site", "--now", "2026-04-01T12:00:00+08:00", "-o", out)
    assert result.exit_code == 0
    assert "live: scheduled-maintenance, live-phishing" in result.output
    assert "next change: 2026-04-02 09:00 Beijing time (UTC+8)" in result.output
    assert b"scheduled-maintenance" in (out / "api/v1/banners/zh.json").read_bytes()


def test_a_scheduled_rebuild_with_nothing_new_changes_no_file(project, cli, tmp_path):
    """The publish workflow rebuilds every 15 minutes: between boundaries that changes nothing,
    so nothing is uploaded again and apps polling with If-None-Match keep getting 304."""
    out = tmp_path / "site"
    assert cli("build", "-p", project, "--no-site", "--now", "2026-03-15T00:00:00+08:00", "-o", out).exit_code == 0
    later = cli("build", "-p", project, "--no-site", "--now", "2026-03-15T00:15:00+08:00", "-o", out)
    assert later.exit_code == 0 and "changed: 0 file(s)" in later.output, later.output
    at_boundary = cli("build", "-p", project, "--no-site", "--now", "2026-04-01T09:00:00+08:00", "-o", out)
    assert "api/v1/banners/en.json" in at_boundary.output and "changed: 0 " not in at_boundary.output


def test_publish_to_directory_target(project, tmp_path):
    (project / "mkdocs.yml").write_text((project / "mkdocs.yml").read_text().replace(
        "    banner:\n", "    deploy:\n      path: ../served\n    banner:\n"), encoding="utf-8")
    from alertcast.config import load_config

    config = load_config(project)
    result = publish(config, NOW, tmp_path / "site", with_site=False, signing_key=None)
    served = tmp_path / "served"
    assert served.is_symlink() and snapshot(served) == snapshot(tmp_path / "site")
    assert "feeds/alerts.zh.rss.xml" in result.deployed


def test_a_directory_target_keeps_its_pages_and_cap_messages_when_a_release_lacks_them(project, tmp_path):
    """`publish --no-site` from a fresh output folder (no pages to carry, no CAP archive to
    copy): the directory target keeps its pages and every CAP message it published."""
    (project / "mkdocs.yml").write_text((project / "mkdocs.yml").read_text().replace(
        "    banner:\n", "    deploy:\n      path: ../served\n    banner:\n"), encoding="utf-8")
    from alertcast.config import load_config

    config = load_config(project)
    publish(config, NOW, tmp_path / "one", site_builder=tiny_site, signing_key=None)
    served = tmp_path / "served"
    before = snapshot(served)
    archived = [p for p in before if re.fullmatch(r"cap/[a-z0-9-]+\.[0-9TZ-]+\.xml", p)]
    assert "alerts/live-phishing/index.html" in before and archived
    publish(config, AFTER, tmp_path / "fresh", with_site=False, signing_key=None)
    after = snapshot(served)
    assert {p: before[p] for p in ["alerts/live-phishing/index.html", *archived]} == \
        {p: after.get(p) for p in ["alerts/live-phishing/index.html", *archived]}


def test_cli_publish_and_help(project, cli, tmp_path):
    result = cli("publish", "-p", project, "--no-site", "--now", "2026-03-15T00:00:00+08:00", "-o", tmp_path / "site")
    assert result.exit_code == 0 and "live: live-phishing" in result.output
    for command in ("build", "publish", "keygen"):
        assert cli(command, "--help").exit_code == 0


def test_unchanged_files_are_hard_linked_from_the_previous_release(tmp_path):
    """A release shares the inode of every file identical to the previous release's; a changed
    file is new, and the previous release keeps its old bytes."""
    out = tmp_path / "site"
    first, _ = atomic_publish(out, {"same.json": b"unchanged", "feeds/a.xml": b"old"})
    second, changes = atomic_publish(out, {"same.json": b"unchanged", "feeds/a.xml": b"new"})
    assert changes == ["feeds/a.xml"]
    assert os.stat(second / "same.json").st_ino == os.stat(first / "same.json").st_ino
    assert os.stat(second / "feeds/a.xml").st_ino != os.stat(first / "feeds/a.xml").st_ino
    assert (first / "feeds/a.xml").read_bytes() == b"old"
    assert (out / "feeds/a.xml").read_bytes() == b"new"


def test_identical_files_in_a_release_share_one_copy(tmp_path):
    """An alert's current CAP message is also its latest revision: written once, linked once."""
    out = tmp_path / "site"
    release, _changes = atomic_publish(out, {"cap/a.xml": b"<alert/>", "cap/a.r1.xml": b"<alert/>", "other": b"x"})
    assert (release / "cap/a.xml").read_bytes() == (release / "cap/a.r1.xml").read_bytes() == b"<alert/>"
    assert os.path.samefile(release / "cap/a.xml", release / "cap/a.r1.xml")
    assert not os.path.samefile(release / "cap/a.xml", release / "other")


def test_prepared_release_is_private_until_finished_and_equals_a_direct_build(config, content, tmp_path):
    """A release built before its moment changes nothing for readers until it is switched to."""
    out = tmp_path / "a" / "site"
    build(config, BEFORE, out, site_builder=tiny_site, content=content, signing_key=None)
    before = snapshot(out)
    prepared = prepare(config, NOW, out, site_builder=tiny_site, content=content, signing_key=None)
    assert snapshot(out) == before  # the live release is untouched
    assert prepared.staged.path.parent == releases_dir(out) and prepared.staged.path.stat().st_mode & 0o077 == 0
    result = finish(prepared)
    assert out.resolve() == result.release and result.release.stat().st_mode & 0o755 == 0o755
    assert "api/v1/banners/en.json" in result.changed
    direct = tmp_path / "b" / "site"
    build(config, NOW, direct, site_builder=tiny_site, content=content, signing_key=None)
    assert snapshot(out) == snapshot(direct)


def test_discarded_prepared_release_leaves_nothing_behind(config, content, tmp_path):
    out = tmp_path / "site"
    build(config, BEFORE, out, with_site=False, content=content, signing_key=None)
    before = snapshot(out)
    prepare(config, NOW, out, with_site=False, content=content, signing_key=None).discard()
    assert snapshot(out) == before
    assert not [p for p in releases_dir(out).iterdir() if p.name.startswith("tmp-")]


def test_progress_names_each_phase_and_each_language_of_the_real_site(config, tmp_path):
    from alertcast.config import load_config

    phases = []
    publish(config, NOW, tmp_path / "site", signing_key=None, progress=lambda *call: phases.append(call))
    names = [p for p, _done, _total in phases]
    # The languages build in parallel: each says when it starts, in either order.
    assert names[:3] == ["load", "render", "site"] and sorted(names[3:5]) == ["site en", "site zh"]
    assert names[5:] == ["write"]
    (config.root / "mkdocs.yml").write_text((config.root / "mkdocs.yml").read_text().replace(
        "    banner:\n", "    deploy:\n      path: ../served\n    banner:\n"), encoding="utf-8")
    phases.clear()
    publish(load_config(config.root), AFTER, tmp_path / "site", with_site=False, signing_key=None,
            progress=lambda *call: phases.append(call))
    assert phases == [("load", None, None), ("render", None, None), ("write", None, None),
                      ("deploy", None, None), ("deploy", 1, 1)]


def run_cli(args, cwd, terminal):
    """The real `alertcast` command in a fresh process, its stderr a terminal (a pty) or a pipe."""
    import pty
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"), COLUMNS="100")
    command = [sys.executable, "-m", "alertcast", *map(str, args)]
    if not terminal:
        proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=300)
        return proc.returncode, proc.stderr.decode()
    leader, follower = pty.openpty()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        out += chunk
    os.close(leader)
    return proc.wait(timeout=300), out.decode(errors="replace")


def test_cli_shows_progress_on_a_terminal_only(project, tmp_path):
    args = ["build", "-p", project, "--no-site", "--now", "2026-03-15T00:00:00+08:00", "-o", tmp_path / "site"]
    code, shown = run_cli(args, tmp_path, terminal=True)
    assert code == 0
    for label in ("load content", "render feeds, banners, CAP, indicators", "write the release"):
        assert label in shown
    assert "\x1b[" in shown and "live: live-phishing" in shown
    code, logged = run_cli(args, tmp_path, terminal=False)
    assert code == 0 and "\x1b" not in logged
    assert "load content" not in logged  # no progress in a log ...
    assert "live: live-phishing" in logged and "next change: 2026-04-01 09:00 Beijing time (UTC+8)" in logged  # ... the summary


FULL_DISK = """
import resource, signal, sys
from datetime import datetime
from pathlib import Path

from alertcast.config import load_config
from alertcast.pipeline import publish

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
project, now, out, with_site, limit = sys.argv[1:]
config = load_config(project)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(limit), resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
publish(config, datetime.fromisoformat(now), Path(out), with_site=with_site == "site", signing_key=None)
"""


@pytest.mark.parametrize("with_site, limit", [(False, 1500), (True, 64 * 1024)], ids=["outputs", "mkdocs-site"])
def test_publish_killed_by_a_full_disk_midway_leaves_the_previous_release_live(project, config, tmp_path,
                                                                                with_site, limit):
    """A real write fails partway through the release (files over `limit` bytes cannot be
    written, like a disk filling up): feeds are written after banners and indicators, and
    mkdocs copies its theme's large scripts after some pages. The live release stays as it was."""
    import subprocess
    import sys

    out = tmp_path / "site"
    first = publish(config, NOW, out, with_site=with_site, signing_key=None)
    before, releases = snapshot(out), sorted(p.name for p in releases_dir(out).iterdir())
    assert any(len(data) > limit for data in first.files.values()) or with_site
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-c", FULL_DISK, str(project), AFTER.isoformat(), str(out),
                           "site" if with_site else "no-site", str(limit)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "File too large" in proc.stderr, proc.stderr
    assert out.resolve() == first.release and snapshot(out) == before
    assert sorted(p.name for p in releases_dir(out).iterdir()) == releases  # no half release left
    again = publish(config, AFTER, out, with_site=with_site, signing_key=None)  # room again: it goes through
    assert out.resolve() == again.release and "feeds/alerts.en.atom.xml" in again.changed


def test_old_releases_are_deleted_by_processes_of_their_own(config, content, tmp_path):
    """A command that made a release live does not stay to delete an old release's files: a
    process of its own removes them, holding the release meanwhile (no other build sweeps or
    reads it), and the command may exit before it ends."""
    from alertcast.scratch import reading

    out = tmp_path / "site"
    pruned()
    for t in (BEFORE, NOW, AFTER):
        build(config, t, out, with_site=False, content=content, signing_key=None)
    assert pruned() == []  # nothing to remove yet
    oldest = min(p for p in releases_dir(out).iterdir() if p.name.startswith("r") and p.is_dir())
    build(config, NOW, out, with_site=False, content=content, signing_key=None)
    removers = pruned()
    assert len(removers) == 1 and os.getpid() not in removers
    assert not oldest.exists() and not oldest.with_name(oldest.name + ".sha256").exists()
    with reading(out.resolve()) as live:
        assert live is not None  # the live release is never the one removed
