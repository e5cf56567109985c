"""`extra.alertcast.site.engine`: mkdocs (default) or Zensical, each building the same staged tree.
The browser and accessibility tests in test_site.py and test_accessibility.py run on both."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time

from conftest import NOW
from test_site import with_engine
from test_site_parallel import _endless_theme

from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.plan import Plan
from alertcast.render.site import build_site

#: Runs the command line with the zensical package hidden, as on a machine without it.
WITHOUT_ZENSICAL = textwrap.dedent("""
    import sys
    sys.modules["zensical"] = None  # what Python's import system reads as "not installed"
    from alertcast.cli import main
    sys.argv = ["alertcast", *sys.argv[1:]]
    main()
""")

def test_check_refuses_zensical_where_it_is_not_installed(project, tmp_path):
    zensical = with_engine(project, "zensical", tmp_path / "zensical")
    proc = subprocess.run([sys.executable, "-c", WITHOUT_ZENSICAL, "check", "-p", str(zensical)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    line = (zensical / "mkdocs.yml").read_text(encoding="utf-8").splitlines().index("      engine: zensical") + 1
    assert f"mkdocs.yml:{line}:" in proc.stdout + proc.stderr
    assert "the site engine zensical is not installed" in proc.stdout + proc.stderr
    assert "pip install zensical" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_an_unknown_engine_is_refused_with_the_ones_there_are(project, tmp_path, cli):
    result = cli("check", "-p", with_engine(project, "hugo", tmp_path / "hugo"))
    assert result.exit_code == 1
    assert "mkdocs.yml:" in result.output and "'mkdocs'" in result.output and "'zensical'" in result.output


def test_zensical_builds_the_staged_tree(project, tmp_path):
    config = load_config(with_engine(project, "zensical", tmp_path / "zensical"))
    assert config.settings.site.engine == "zensical"
    dest = tmp_path / "site"
    build_site(Plan.at(load_or_raise(config), NOW), config, dest)
    for lang in ("", "en/"):
        assert (dest / lang / "alerts" / "live-phishing" / "index.html").is_file()
        assert not (dest / lang / "alerts" / "scheduled-maintenance").exists()  # staged as of NOW
        index = json.loads((dest / lang / "search.json").read_text(encoding="utf-8"))  # Zensical's index
        assert any(item["location"].startswith("alerts/live-phishing/") for item in index["items"])
        assert not any("scheduled" in item["location"] for item in index["items"])
        assert "<lastmod>" in (dest / lang / "sitemap.xml").read_text(encoding="utf-8")  # dated by content
        assert (dest / lang / "sitemap.xml.gz").is_file()
    assert (dest / "assets" / "alertcast" / "verify.js").is_file()  # the theme's own files
    home = (dest / "index.html").read_text(encoding="utf-8")
    assert "alertcast-announce" in home  # alertcast's overrides
    assert f"<title>{config.site_name_in('zh')}</title>" in home
    assert (dest / "robots.txt").is_file()
    assert not (project / "site").exists()  # never the project's own mkdocs.yml


#: One language's build as the pipeline runs it, but without the build's own alarm (which stops a
#: language from outside at time_limit, and cannot where no signal arrives): the engine's own limit.
ONE_LANGUAGE = textwrap.dedent("""
    import sys, tempfile
    from pathlib import Path
    from alertcast.checks.load import load_or_raise
    from alertcast.config import load_config
    from alertcast.plan import Plan
    from alertcast.problems import SiteBuildError
    from alertcast.render.site import _build_language
    from conftest import NOW
    config = load_config(sys.argv[1])
    try:
        _build_language(Plan.at(load_or_raise(config), NOW), config, "zh", Path(tempfile.mkdtemp()))
    except SiteBuildError as exc:
        print(exc)
        sys.exit(1)
""")


def _one_language(project, timeout: float) -> tuple[subprocess.CompletedProcess, float]:
    """Run ONE_LANGUAGE in a session of its own, killed whole (Zensical included) past `timeout`."""
    tests = os.path.dirname(__file__)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (tests, os.environ.get("PYTHONPATH"))))}
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", ONE_LANGUAGE, str(project)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), time.monotonic() - started


def test_zensical_is_stopped_at_the_sites_time_limit_not_a_limit_of_its_own(project, tmp_path):
    """One setting for one promise: a theme template that never ends stops Zensical at
    extra.alertcast.site.time_limit (it stopped at a fixed 600 s of its own, whatever the setting).
    The limit is set from a measured build, so it holds on a loaded machine."""
    zensical = with_engine(project, "zensical", tmp_path / "zensical")
    done, a_build = _one_language(zensical, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    limit = math.ceil(2 * a_build)
    config = zensical / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "      engine: zensical\n", f"      engine: zensical\n      time_limit: {limit}\n", 1), encoding="utf-8")
    _endless_theme(zensical)
    # Without the limit it would run for 600 s: wait for a build and the limit, three times over.
    stopped, took = _one_language(zensical, timeout=3 * (a_build + limit))
    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    assert f"Zensical did not finish building the site within its time limit ({limit} s)" in stopped.stdout
    assert "extra.alertcast.site.time_limit" in stopped.stdout and "Traceback" not in stopped.stderr
    assert took >= limit
