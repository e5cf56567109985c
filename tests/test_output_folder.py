"""The output folder: alertcast takes only a folder it made (or an empty one), says in one line
what is wrong with any other, leaves nothing behind when it cannot write, is never without
its output for a moment, and removes what killed builds left."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from outputs_support import AFTER, NOW

from alertcast.pipeline import build, prepare
from alertcast.publish.atomic import pruned, releases_dir

# Only long-standing public names are imported at the top, so that every test here runs (and
# fails for what it checks) against a version of alertcast without these rules.
STAGE = "alertcast-stage-"  # the site's docs staging folders, in the temporary folder
MARKER = ".alertcast-output"

SRC = Path(__file__).resolve().parents[1] / "src"
WHEN = "2026-03-15T00:00:00+08:00"


def listing(root: Path) -> dict[str, str]:
    """Every entry under root (links as their target), to show nothing was added or changed."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        out[rel] = ("-> " + os.readlink(path)) if path.is_symlink() else (
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir")
    return out


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


@pytest.mark.parametrize("output, expected", [
    (".", "is the project folder or holds it"),
    ("..", "is the project folder or holds it"),
    ("/", "is the root folder"),
    ("content/alerts", "is inside the content folder content/"),
    ("content/site", "is inside the content folder content/"),
    ("docs", "holds files alertcast did not make"),
])
def test_an_output_alertcast_must_not_replace_is_refused_in_one_line_and_nothing_moves(project, cli, output, expected):
    (project / "docs").mkdir()
    (project / "docs" / "notes.md").write_text("mine")
    around = project.parent
    before = listing(around)
    result = cli("build", "-p", project, "--no-site", "--now", WHEN, "-o", os.path.normpath(project / output))
    line = one_line_error(result)
    assert expected in line and ("--output" in line), line
    assert listing(around) == before  # nothing moved, nothing written


def test_a_file_and_a_foreign_link_are_refused(project, cli, config, content, tmp_path):
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(Exception, match="is a file"):
        build(config, NOW, tmp_path / "a-file", with_site=False, content=content, signing_key=None)
    line = one_line_error(cli("build", "-p", project, "--no-site", "--now", WHEN, "-o", tmp_path / "link"))
    assert "not a release alertcast made" in line
    assert not releases_dir(tmp_path / "link").exists() and (tmp_path / "link").is_symlink()


def test_the_daemon_and_python_callers_get_the_same_refusal(config, content, tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("someone's site")
    with pytest.raises(Exception, match="holds files alertcast did not make"):
        build(config, NOW, out, with_site=False, content=content, signing_key=None)
    assert (out / "index.html").read_text() == "someone's site" and not releases_dir(out).exists()


def test_the_cap_archive_is_never_read_outside_a_release_alertcast_made(config, content, tmp_path):
    """An output that is a link to another folder (here one holding a CAP message of the
    fixture's alert) is refused before anything is read; a release of alertcast's is read."""
    other = tmp_path / "other"
    (other / "cap").mkdir(parents=True)
    forged = other / "cap" / "live-phishing.20260101T000000Z.xml"
    forged.write_text("<alert/>")
    (tmp_path / "site").symlink_to(other)
    os.utime(forged, (0, 0))
    with pytest.raises(Exception, match="not a release alertcast made"):
        build(config, NOW, tmp_path / "site", with_site=False, content=content, signing_key=None)
    assert forged.stat().st_atime == 0  # never opened


def test_a_mount_point_is_refused_before_anything_is_written(project, cli, tmp_path):
    mount = tmp_path / "mnt"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root with mount rights)")
    try:
        before = sorted(p.name for p in tmp_path.iterdir())
        line = one_line_error(cli("build", "-p", project, "--no-site", "--now", WHEN, "-o", mount))
        assert "is a mount point" in line and f"--output {mount / 'live'}" in line
        assert sorted(p.name for p in tmp_path.iterdir()) == before  # no orphan release
        ok = cli("build", "-p", project, "--no-site", "--now", WHEN, "-o", mount / "live")  # the way it suggests
        assert ok.exit_code == 0 and (mount / "live" / "feeds" / "alerts.en.atom.xml").is_file()
    finally:
        subprocess.run(["umount", str(mount)], check=False)


WATCH = """
import os, sys
path, stop = sys.argv[1], sys.argv[2]
misses = 0
while not os.path.exists(stop):
    try:
        os.stat(path)
    except FileNotFoundError:
        misses += 1
print(misses)
"""


ARCHIVED = "cap/live-phishing.20260301T000000Z.xml"  # a revision the content no longer describes


@pytest.mark.parametrize("prepared", [False, True], ids=["empty", "marked-with-cap-archive"])
def test_a_plain_folder_becomes_the_first_release_with_no_moment_without_it(config, content, tmp_path, prepared):
    """Another process looks at the output in a tight loop while a first build replaces an
    empty folder (or one prepared for alertcast: marked, holding a restored CAP archive) with
    the release, twenty times: it never finds the output missing."""
    from alertcast import signing

    key = signing.parse_private_key(signing.generate().private_pem.decode())  # the archive must be signed
    archived = build(config, NOW, tmp_path / "first", with_site=False, content=content,
                     signing_key=key).files["cap/live-phishing.xml"]
    for n in range(20):
        out = tmp_path / f"site{n}"
        out.mkdir()
        if prepared:
            (out / MARKER).touch()
            (out / "cap").mkdir()
            (out / ARCHIVED).write_bytes(archived)
        stop = tmp_path / f"stop{n}"
        watcher = subprocess.Popen([sys.executable, "-c", WATCH, str(out), str(stop)], stdout=subprocess.PIPE, text=True)
        try:
            build(config, NOW, out, with_site=False, content=content, signing_key=key)
        finally:
            stop.touch()
        assert watcher.communicate(timeout=60)[0].strip() == "0"
        assert out.is_symlink() and (out / "feeds" / "alerts.en.atom.xml").is_file()
        assert (out / ARCHIVED).exists() == prepared  # the archive was read from the prepared folder
        assert not (out / MARKER).exists()


def _unprivileged(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """The real CLI as a user file permissions apply to (root writes anywhere)."""
    command = [sys.executable, "-m", "alertcast", *args]
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: every folder is writable")
        command = ["setpriv", "--inh-caps=-all", "--bounding-set=-all", "--", *command]
    return subprocess.run(command, cwd=cwd, env=dict(os.environ, PYTHONPATH=str(SRC)),
                          capture_output=True, text=True, timeout=120)


def test_an_unwritable_output_is_one_line_and_leaves_nothing_behind(project, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        proc = _unprivileged(["build", "-p", str(project), "--no-site", "--now", WHEN, "-o", str(locked / "site")], tmp_path)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "Permission denied" in lines[0] and "writable" in lines[0], lines
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


def test_a_switch_refused_by_the_folder_leaves_no_release_and_no_link(project, tmp_path):
    """The releases folder is writable but the output's own folder is not (the case of the
    report: a complete release and a `link-r…` were left): one line, the live release stays,
    nothing new remains."""
    parent = tmp_path / "served"
    parent.mkdir()
    first = _unprivileged(["build", "-p", str(project), "--no-site", "--now", WHEN, "-o", str(parent / "site")], tmp_path)
    assert first.returncode == 0, first.stderr
    live = (parent / "site").resolve()
    rel_dir = releases_dir(parent / "site")
    before = listing(rel_dir)
    parent.chmod(0o555)
    rel_dir.chmod(0o755)
    try:
        proc = _unprivileged(["build", "-p", str(project), "--no-site", "--now", AFTER.isoformat(), "-o",
                              str(parent / "site")], tmp_path)
    finally:
        parent.chmod(0o755)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Permission denied" in proc.stderr
    assert (parent / "site").resolve() == live and listing(rel_dir) == before


KILLED = """
import glob, os, signal, sys, threading, time
from datetime import datetime
from pathlib import Path
from alertcast.config import load_config
from alertcast.pipeline import build
from alertcast.publish.atomic import releases_dir

project, out, now = sys.argv[1:4]
stages = os.path.join(os.environ["TMPDIR"], "alertcast-stage-*")
releases = os.path.join(releases_dir(Path(out).absolute()), "tmp-*")


def kill_while_the_site_is_staged():
    while not (glob.glob(stages) and glob.glob(releases)):
        time.sleep(0.001)
    os.kill(os.getpid(), signal.SIGKILL)


threading.Thread(target=kill_while_the_site_is_staged, daemon=True).start()
build(load_config(project), datetime.fromisoformat(now), Path(out), signing_key=None)
"""


def kill_a_build(project: Path, out: Path, scratch_dir: Path) -> None:
    """A real `build` (with the site) killed with SIGKILL while it stages the site's docs and the
    release (the languages build from before the release's folder is made until it is filled), with
    its own temporary folder (so nothing of other processes is involved)."""
    scratch_dir.mkdir(exist_ok=True)
    proc = subprocess.run([sys.executable, "-c", KILLED, str(project), str(out), WHEN],
                          env=dict(os.environ, PYTHONPATH=str(SRC), TMPDIR=str(scratch_dir)),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert [p for p in releases_dir(out).iterdir() if p.name.startswith("tmp-")]  # left behind
    assert list(scratch_dir.glob(STAGE + "*"))


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """The temporary folder of this process, private to the test (the system's is shared)."""
    import tempfile

    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_leftovers_of_a_killed_build_go_with_the_next_build_but_a_prepared_release_stays(
        project, config, content, private_tmp):
    out = config.output_dir
    build(config, NOW, out, with_site=False, content=content, signing_key=None)
    kill_a_build(project, out, private_tmp)
    prepared = prepare(config, AFTER, out, with_site=False, content=content, signing_key=None)  # held, ahead of time
    try:
        build(config, NOW, out, with_site=False, content=content, signing_key=None)
        assert [p for p in releases_dir(out).iterdir() if p.name.startswith("tmp-")] == [prepared.staged.path]
        assert not list(private_tmp.glob(STAGE + "*"))
    finally:
        prepared.discard()


def test_the_daemon_removes_leftovers_when_it_starts(project, config, private_tmp):
    from alertcast.daemon.service import Daemon
    from alertcast.pipeline import publish

    kill_a_build(project, config.output_dir, private_tmp)
    daemon = Daemon(config, sync=False, publisher=lambda c, now: publish(c, now, with_site=False, signing_key=None))
    try:
        daemon.start()
        assert not [p for p in releases_dir(config.output_dir).iterdir() if p.name.startswith("tmp-")]
        assert not list(private_tmp.glob(STAGE + "*"))
    finally:
        daemon.stop()


def test_alertcast_run_removes_leftovers_at_start_and_keeps_a_running_builds(tmp_path, private_tmp):
    """The real `alertcast run` process, started after a build was killed and while another
    build (stopped midway) holds its folders: it removes the killed build's folders, says so
    in its log, and the running build still finishes."""
    import json

    from daemon_support import Process, make_repo, wait_for

    live = make_repo(tmp_path).clone("live")
    out = live / "site"
    kill_a_build(live, out, private_tmp)
    killed = {p for p in releases_dir(out).iterdir() if p.name.startswith("tmp-")} | set(private_tmp.glob(STAGE + "*"))
    running = subprocess.Popen([sys.executable, "-c", STOPPED, str(live), str(tmp_path / "other"), WHEN],
                               env=dict(os.environ, PYTHONPATH=str(SRC), TMPDIR=str(private_tmp)), start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    daemon = None
    try:
        assert os.WIFSTOPPED(os.waitpid(running.pid, os.WUNTRACED)[1])
        held = set(private_tmp.glob(STAGE + "*")) - killed
        assert len(held) == 1
        daemon = Process(live, tmp_path / "daemon.log", {}, "--sync-interval", "60")
        wait_for(lambda: any(json.loads(line).get("message") == "removed the folders of killed builds"
                             for line in daemon.output().splitlines() if line.startswith("{")), timeout=90)
        assert not [p for p in killed if p.exists()] and all(p.is_dir() for p in held)
    finally:
        if daemon is not None:
            daemon.kill()
        os.killpg(running.pid, signal.SIGCONT)
        _out, err = running.communicate(timeout=300)
    assert running.returncode == 0, err
    assert (tmp_path / "other" / "index.html").is_file()


def test_a_held_folder_is_not_swept(tmp_path):
    from alertcast.scratch import Scratch, sweep

    held = Scratch("tmp-", tmp_path)
    os.utime(held.path, (0, 0))  # however old: age says nothing about whether a process holds it
    try:
        assert sweep(tmp_path, "tmp-") == [] and held.path.is_dir()
    finally:
        held.remove()
    assert not held.path.exists()


STOPPED = """
import glob, os, signal, sys, threading, time
from datetime import datetime
from pathlib import Path
from alertcast.config import load_config
from alertcast.pipeline import build

project, out, now = sys.argv[1:4]
staged = os.path.join(os.environ["TMPDIR"], "alertcast-stage-*", "*")
others = {os.path.dirname(p) for p in glob.glob(staged)}  # a killed build's, already there


def stop_while_the_site_is_staged():
    while not [p for p in glob.glob(staged) if os.path.dirname(p) not in others]:
        time.sleep(0.001)
    os.killpg(0, signal.SIGSTOP)  # the build and the processes building its other languages


threading.Thread(target=stop_while_the_site_is_staged, daemon=True).start()
build(load_config(project), datetime.fromisoformat(now), Path(out), signing_key=None)
"""


def test_a_concurrent_build_keeps_its_folders_while_another_build_sweeps(project, config, content, private_tmp):
    """Two builds at once (two test workers, a daemon and a manual build) share the temporary
    folder and the releases folder: the sweep of one must not take the other's folders, however
    long the other takes. A real build with the site is stopped (SIGSTOP) while it stages the
    site, another build runs to the end, and the first then finishes its release."""
    out = config.output_dir
    build(config, NOW, out, with_site=False, content=content, signing_key=None)
    proc = subprocess.Popen([sys.executable, "-c", STOPPED, str(project), str(out), WHEN],
                            env=dict(os.environ, PYTHONPATH=str(SRC), TMPDIR=str(private_tmp)), start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _pid, status = os.waitpid(proc.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status), "the build ended before it staged the site"
        theirs = [p for p in releases_dir(out).iterdir() if p.name.startswith("tmp-")]
        theirs += list(private_tmp.glob(STAGE + "*"))
        assert len(theirs) == 2, theirs
        before = {path: listing(path) for path in theirs}

        build(config, AFTER, out, with_site=False, content=content, signing_key=None)
        pruned()  # the pruning after a switch sweeps too
        assert {path: listing(path) for path in theirs if path.is_dir()} == before
    finally:
        os.killpg(proc.pid, signal.SIGCONT)
        _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert (out / "index.html").is_file() and (out / "alerts/live-phishing/index.html").is_file()
    assert not [p for p in releases_dir(out).iterdir() if p.name.startswith("tmp-")]
    assert not list(private_tmp.glob(STAGE + "*"))


def test_a_folder_swept_before_its_maker_holds_it_is_replaced(tmp_path, monkeypatch):
    """A sweep may take a folder in the instant between its creation and its lock; the maker
    then takes another instead of failing (or writing into a folder that is gone)."""
    import tempfile

    from alertcast.scratch import Scratch, sweep

    made = []

    def mkdtemp_then_swept(*args, **kwargs):
        path = real_mkdtemp(*args, **kwargs)
        made.append(path)
        if len(made) == 1:
            assert sweep(tmp_path, "tmp-") == [Path(path)]  # another build's sweep, just then
        return path

    real_mkdtemp = tempfile.mkdtemp
    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp_then_swept)
    held = Scratch("tmp-", tmp_path)
    try:
        assert len(made) == 2 and held.path == Path(made[1]) and held.path.is_dir()
        assert sweep(tmp_path, "tmp-") == [] and held.path.is_dir()
    finally:
        held.remove()


def test_no_site_keeps_the_live_sites_pages(project, cli, tmp_path):
    """`build --no-site` into a live output refreshes feeds, banners and CAP, and carries every
    page of the live site into the new release (hard-linked: the bytes are the live ones)."""
    out = tmp_path / "site"
    assert cli("build", "-p", project, "--now", WHEN, "-o", out).exit_code == 0
    pages = {rel: digest for rel, digest in listing(out).items() if not rel.startswith(("feeds/", "cap/", "api/"))}
    assert "index.html" in pages and "alerts/live-phishing/index.html" in pages
    first = out.resolve()
    result = cli("build", "-p", project, "--no-site", "--now", AFTER.isoformat(), "-o", out)
    assert result.exit_code == 0, result.output
    assert out.resolve() != first
    now = listing(out)
    assert {rel: now.get(rel) for rel in pages} == pages
    assert "feeds/alerts.en.atom.xml" in result.output or now["feeds/alerts.en.atom.xml"] != listing(first)[
        "feeds/alerts.en.atom.xml"]
    assert os.stat(out / "index.html").st_ino == os.stat(first / "index.html").st_ino
