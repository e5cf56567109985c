"""The site's languages build in worker processes while the build renders the other outputs: the
same files as one after the other in one process, a mistake found in a worker reaches the editor
as it would from one process (file:line, no traceback), progress still names each language, and
a killed worker fails the build cleanly."""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from conftest import NOW, copy_bundled
from outputs_support import tree

from alertcast.config import load_config
from alertcast.filedigest import FileDigest
from alertcast.publish.atomic import read_manifest, tree_digests
from alertcast.render.incremental import KEYS_PATH, page_dest
from alertcast.pipeline import BuildResult, build
from alertcast.problems import SiteBuildError
from alertcast.render.site import OVERRIDES

MOMENT = datetime.fromisoformat("2026-11-22T12:00:00+08:00")  # the starter content has every state then


class Languages(logging.Handler):
    """The "building the site in <lang>" records, with the process each came from."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seen: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        lang = getattr(record, "site_language", None)
        if lang:
            self.seen[lang] = record.process or 0


@dataclass
class Releases:
    """The starter content built at MOMENT twice, read by the tests below: with the languages in
    workers (the log records naming each language, and the process each came from), and in a
    process whose affinity is one core."""

    concurrent: BuildResult
    announced: dict[str, int]
    alone: BuildResult
    both: Path
    one: Path


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> Releases:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("releases")
    config = load_config(copy_bundled(root / "bundled"))
    languages = Languages()
    logger = logging.getLogger("alertcast.render.site")
    logger.addHandler(languages)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        concurrent = build(config, MOMENT, root / "both", signing_key=None)
    finally:
        logger.removeHandler(languages)
        logger.setLevel(old_level)
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        alone = build(config, MOMENT, root / "one", signing_key=None)
    finally:
        os.sched_setaffinity(0, cores)
    return Releases(concurrent, dict(languages.seen), alone, root / "both", root / "one")


def _sites(phases) -> list:  # type: ignore[no-untyped-def]
    return [phase for phase in phases if phase.name.startswith("site ")]


def test_languages_built_in_parallel_give_the_files_of_one_after_the_other(releases):
    in_parallel, parallel, alone = releases.announced, _sites(releases.concurrent.phases), _sites(releases.alone.phases)
    # Each language reported itself from a worker process of its own, and the two built at once.
    assert in_parallel["zh"] not in (0, os.getpid()) and in_parallel["en"] not in (0, os.getpid(), in_parallel["zh"])
    assert {phase.name: phase.process for phase in parallel} == {"site zh": in_parallel["zh"], "site en": in_parallel["en"]}
    assert parallel[0].overlaps(parallel[1])
    assert [phase.name for phase in alone] == ["site zh", "site en"] and {phase.process for phase in alone} == {os.getpid()}
    assert not alone[0].overlaps(alone[1])
    one = tree(releases.one)
    assert {"index.html", "en/index.html", "search/search_index.json", "en/search/search_index.json",
            "sitemap.xml.gz", "en/sitemap.xml.gz", "robots.txt"} <= set(one)


def _break_english_template(project: Path) -> int:
    """A copy of alertcast's overrides as the project's theme, whose main.html calls a macro that
    does not exist on English pages only (so the mistake is met by the worker that builds en);
    returns the line of the call."""
    shutil.copytree(OVERRIDES, project / "theme")
    main = project / "theme" / "main.html"
    text = main.read_text(encoding="utf-8")
    at = text.index("{% block extrahead %}") + len("{% block extrahead %}")
    line = text[:at].count("\n") + 2
    main.write_text(text[:at] + '\n{% if config.theme.language == "en" %}{{ no_such_macro() }}{% endif %}'
                    + text[at:], encoding="utf-8")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("theme:\n", "theme:\n  custom_dir: theme\n", 1),
                      encoding="utf-8")
    assert "custom_dir: theme" in config.read_text(encoding="utf-8")
    return line


def test_a_template_mistake_met_in_a_worker_is_reported_at_its_line(project, cli, tmp_path):
    line = _break_english_template(project)
    result = cli("build", "-p", project, "--now", NOW.isoformat(), "--output", tmp_path / "out")
    assert result.exit_code == 1
    assert (f"theme/main.html:{line}:1: error: the theme template cannot be used: 'no_such_macro' is undefined"
            in result.output), result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_killed_worker_fails_the_build_and_the_live_release_stays(project, tmp_path):
    config = load_config(project)
    out = tmp_path / "site"
    build(config, NOW, out, with_site=False, signing_key=None)
    before = tree(out)
    failed: list[BaseException] = []

    def run() -> None:
        try:
            build(config, NOW, out, signing_key=None)
        except BaseException as exc:  # noqa: BLE001 (the test looks at it)
            failed.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    killed = None
    while thread.is_alive() and killed is None:
        workers = multiprocessing.active_children()
        if workers:
            killed = workers[0].pid
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.01)
    thread.join()
    assert killed is not None, "no worker process built a language"
    assert len(failed) == 1 and isinstance(failed[0], SiteBuildError), failed
    assert "killed" in str(failed[0]) and "build again" in str(failed[0])
    assert tree(out) == before


def test_a_build_renders_the_other_outputs_while_its_languages_build_in_workers(releases):
    """Both cores busy: the languages start in their workers first, the build's process renders
    the feeds, banners, CAP, indicators and knowledge base meanwhile, then writes the release."""
    phases = {phase.name: phase for phase in releases.concurrent.phases}
    assert sorted(phases) == ["load", "outputs", "site", "site en", "site zh", "switch", "write"]
    here = os.getpid()
    assert {phases[name].process for name in ("load", "outputs", "site", "write", "switch")} == {here}
    assert here not in (phases["site zh"].process, phases["site en"].process)
    # The site's build is under way (its languages submitted to the workers) before the outputs
    # start rendering, and ends after them: the outputs are ready from a build whose languages
    # were building meanwhile.
    assert phases["load"].end <= phases["site"].start <= phases["outputs"].start
    assert phases["outputs"].end <= phases["site"].end <= phases["write"].start
    assert phases["site"].start <= phases["site zh"].start and phases["site zh"].end <= phases["site"].end
    assert phases["site zh"].overlaps(phases["site en"])
    assert (releases.both / "feeds" / "alerts.zh.rss.xml").is_file() and (releases.both / "en" / "index.html").is_file()


def test_a_build_in_one_process_gives_the_files_of_the_build_in_workers(releases):
    """The same release, byte for byte, whether the languages build in workers meanwhile or
    here one after the other (a process whose affinity is one core)."""
    assert len({phase.process for phase in releases.concurrent.phases}) == 3
    assert {phase.process for phase in releases.alone.phases} == {os.getpid()}
    one, both = tree(releases.one), tree(releases.both)
    assert sorted(both) == sorted(one)
    assert [path for path in one if one[path] != both[path]] == []


def test_writing_the_release_reads_no_page_again_that_its_build_hashed(releases):
    """Each language's build hashes every page it places (for the next build's reuse): writing
    the release takes those digests and reads back only the site's other files (search index,
    sitemaps, assets, robots.txt), whether the languages built in workers or here. The
    release's manifest still holds every file's digest, as its bytes are."""
    for result, folder in ((releases.concurrent, releases.both), (releases.alone, releases.one)):
        release = folder.resolve()
        pages = set()
        for prefix in ("", "en/"):
            keys = json.loads((release / prefix / KEYS_PATH).read_bytes())
            pages |= {prefix + page_dest(src) for src in keys["pages"]}
        written = set(tree(release)) - set(result.files)  # the site's files
        assert len(pages) > 100 and pages <= written
        assert result.hashed == len(written - pages)
        assert read_manifest(release) == tree_digests(release)


def test_a_file_changed_after_it_was_hashed_is_hashed_again(tmp_path):
    """A digest the build made is taken only for the very file it hashed, unchanged: another
    size, another inode (a file put in its place) or another modification time is read again."""
    names = ("same", "grown", "replaced", "touched")
    for name in names:
        (tmp_path / name).write_bytes(b"as built")
    known = {name: FileDigest.of(tmp_path / name) for name in names}
    (tmp_path / "grown").write_bytes(b"as built, then edited")
    (tmp_path / "new").write_bytes(b"as edited")
    os.utime(tmp_path / "new", ns=(known["replaced"].mtime_ns, known["replaced"].mtime_ns))
    os.replace(tmp_path / "new", tmp_path / "replaced")
    with open(tmp_path / "touched", "r+b") as fh:
        fh.write(b"AS")
    os.utime(tmp_path / "touched", ns=(known["touched"].mtime_ns + 10**9, known["touched"].mtime_ns + 10**9))
    fake = {name: known[name]._replace(digest=b"\0" * 32) for name in names}  # told a digest that is not theirs
    assert tree_digests(tmp_path, fake) == {"same": b"\0" * 32, **{name: hashlib.sha256((tmp_path / name).read_bytes())
                                                                   .digest() for name in names[1:]}}


#: A theme template that never ends in practice (Jinja's sandbox caps each range, not their nesting).
ENDLESS_LOOP = "{% for a in range(99999) %}{% for b in range(99999) %}{% endfor %}{% endfor %}"


def _endless_theme(project: Path) -> str:
    """The project's theme is alertcast's overrides with ENDLESS_LOOP in main.html; returns
    main.html's path in the project."""
    shutil.copytree(OVERRIDES, project / "theme")
    main = project / "theme" / "main.html"
    text = main.read_text(encoding="utf-8")
    at = text.index("{% block extrahead %}") + len("{% block extrahead %}")
    main.write_text(text[:at] + ENDLESS_LOOP + text[at:], encoding="utf-8")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("theme:\n", "theme:\n  custom_dir: theme\n", 1),
                      encoding="utf-8")
    return "theme/main.html"


def _descendants(pid: int) -> set[int]:
    """Every process under `pid` (children of its threads, theirs, ...), from /proc."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        for task in Path(f"/proc/{todo.pop()}/task").glob("*/children"):
            try:
                children = {int(child) for child in task.read_text().split()}
            except OSError:  # the thread or process ended meanwhile
                continue
            todo += children - found
            found |= children
    return found


def _running(pid: int) -> bool:
    """Whether `pid` is a process that has not ended (a zombie has: it only waits to be reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def test_a_killed_build_leaves_no_worker_or_fork_server_running(project, tmp_path):
    """A build SIGKILLed while its languages build (a theme that keeps the workers busy) leaves
    no process behind: the fork server and the workers end with it."""
    import subprocess
    import sys

    _endless_theme(project)
    under: set[int] = set()
    started = time.monotonic()
    build_process = subprocess.Popen([sys.executable, "-m", "alertcast", "build", "-p", str(project),
                                      "--now", NOW.isoformat(), "--output", str(tmp_path / "out")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # The workers run once the fork server (a child of the build) has children of its own.
        while build_process.poll() is None:
            if any(_descendants(child) for child in _descendants(build_process.pid)):
                break
            time.sleep(0.05)
        assert build_process.poll() is None, "the build ended before its workers ran"
        # From the command's start to its workers running took this long: it started Python and
        # a fork server, imported mkdocs, loaded the content and forked the workers. Ending them
        # is less work than that.
        margin = 2 * (time.monotonic() - started)
        under = _descendants(build_process.pid)
        assert len(under) >= 3, under  # the fork server and its workers (and the resource tracker)
        build_process.kill()
        build_process.wait()
        killed = time.monotonic()
        while time.monotonic() - killed < margin and any(_running(pid) for pid in under):
            time.sleep(0.05)
        left = {pid for pid in under if _running(pid)}
        assert not left, f"still running {margin:.1f} s after the build was killed: {left}"
    finally:
        build_process.kill()
        for pid in under | {child for pid in under for child in _descendants(pid)}:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)


def _build_command(project: Path, out: Path, *more: str) -> list[str]:
    import sys

    return [sys.executable, "-m", "alertcast", "build", "-p", str(project), "--now", NOW.isoformat(),
            "--output", str(out), *more]


def test_a_theme_template_that_never_ends_fails_the_build_at_its_time_limit(project, tmp_path):
    """A theme template looping for ever (pull-request content) stops at the site's time limit:
    the build fails at the template's file and line, without a traceback, and the live release
    stays as it was. The limit is set small here (a whole build's time, measured); it is 600 s
    unless set."""
    import math
    import subprocess

    out = tmp_path / "out"
    started = time.monotonic()
    subprocess.run(_build_command(project, out), check=True, capture_output=True)
    a_build = time.monotonic() - started
    before = tree(out)
    limit = math.ceil(a_build)  # one language's build takes less than the whole build
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  alertcast:\n", f"  alertcast:\n    site:\n      time_limit: {limit}\n", 1), encoding="utf-8")
    template = _endless_theme(project)
    lines = (project / template).read_text(encoding="utf-8").splitlines()
    line = next(number for number, text in enumerate(lines, 1) if ENDLESS_LOOP in text)
    # Without a limit it would run for ever: wait as long as a build and the limit, three times over.
    result = subprocess.run(_build_command(project, out), capture_output=True, text=True,
                            timeout=3 * (a_build + limit))
    assert result.returncode == 1, result.stderr
    assert f"{template}:{line}:1: error: the theme template takes too long to render" in result.stderr, result.stderr
    assert "time_limit" in result.stderr and "Traceback" not in result.stderr
    assert tree(out) == before


#: Runs `alertcast build` and says, once it ends, whether the fork server was running when the
#: command began importing its pipeline (the pipeline, the content's loader, the renderers).
_WATCHED_BUILD = """
import importlib.abc, multiprocessing.forkserver, sys

class Watch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "alertcast.pipeline" and not seen:
            seen.append(multiprocessing.forkserver._forkserver._forkserver_pid is not None)
        return None

seen = []
sys.meta_path.insert(0, Watch())
from alertcast.cli import main
try:
    main(sys.argv[1:])
finally:
    print("fork server before the pipeline:", seen, flush=True)
"""


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the languages build in workers with two cores")
def test_the_build_command_starts_the_workers_preload_before_it_imports_the_pipeline(project, tmp_path):
    """`alertcast build` starts the fork server (which preloads the engine, the theme and jieba's
    dictionary for the languages' workers) as soon as it has read the settings: the preload runs
    while the command imports its pipeline and loads the content, instead of after."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", _WATCHED_BUILD, *_build_command(project, tmp_path / "out")[3:]],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "fork server before the pipeline: [True]" in result.stdout, result.stdout


def test_a_build_without_the_site_starts_no_worker_process(project, tmp_path):
    """`--no-site` builds no page: no fork server is started for it."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", _WATCHED_BUILD,
                             *_build_command(project, tmp_path / "out", "--no-site")[3:]], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "fork server before the pipeline: [False]" in result.stdout, result.stdout
