"""The site's languages build in parallel processes: the same files as one after the other, a
mistake found in a worker reaches the editor as it would from one process (file:line, no
traceback), progress still names each language, and a killed worker fails the build cleanly."""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from conftest import NOW
from outputs_support import tree

from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.pipeline import build
from alertcast.plan import Plan
from alertcast.problems import SiteBuildError
from alertcast.render.site import OVERRIDES, build_site

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


def test_languages_built_in_parallel_give_the_files_of_one_after_the_other(bundled, tmp_path):
    config = load_config(bundled)
    plan = Plan.at(load_or_raise(config), MOMENT)
    languages = Languages()
    logger = logging.getLogger("alertcast.render.site")
    logger.addHandler(languages)
    old_level = logger.level
    logger.setLevel(logging.INFO)
    try:
        build_site(plan, config, tmp_path / "both", workers=2)
        in_parallel = dict(languages.seen)
        build_site(plan, config, tmp_path / "one", workers=1)
    finally:
        logger.removeHandler(languages)
        logger.setLevel(old_level)
    # Each language reported itself, the second from a worker process.
    assert in_parallel["zh"] == os.getpid() and in_parallel["en"] not in (0, os.getpid())
    one, both = tree(tmp_path / "one"), tree(tmp_path / "both")
    assert {"index.html", "en/index.html", "search/search_index.json", "en/search/search_index.json",
            "sitemap.xml.gz", "en/sitemap.xml.gz", "robots.txt"} <= set(one)
    assert sorted(both) == sorted(one)
    assert [path for path in one if one[path] != both[path]] == []


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


WORKER_LOADED = """
import os
import sys

from alertcast.render.parallel import run_in_processes


def loaded(_):
    jieba = sys.modules.get("jieba")
    return (os.getpid(), bool(jieba is not None and jieba.dt.initialized),
            "material.plugins.search.plugin" in sys.modules)


if __name__ == "__main__":
    here, worker = run_in_processes(loaded, [(0,), (1,)], 2)
    print(worker[0] != here[0], *worker[1:])
"""


def test_a_worker_starts_with_jieba_s_dictionary_and_material_s_search_loaded(tmp_path):
    """Material's search plugin reads jieba's dictionary in every language's build (about a
    second): the fork server reads it once, so the daemon's workers do not at each publish.
    In a fresh interpreter: a fork server an earlier test started may have had other modules."""
    script = tmp_path / "worker_loaded.py"
    script.write_text(WORKER_LOADED, encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "True", "True"]  # another process, with both loaded
