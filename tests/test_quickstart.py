"""README's quick start, run as written in a fresh copy of the project with Debian's own Python
(/usr/bin/python3, which refuses `pip install` outside a virtual environment), installing from
PyPI into a new virtual environment. A pip cache under .cache/ keeps reruns fast."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import click

from alertcast.cli import main

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
QUICK_START = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
DEBIAN_PYTHON = Path("/usr/bin/python3")


def _first_command() -> str:
    return re.findall(r"```sh\n(.*?)```", QUICK_START, re.DOTALL)[0].strip()


def _copy_of_the_project(target: Path) -> Path:
    """The files git tracks, as they are in the working tree: what a fresh clone holds."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in files.decode().split("\0"):
        source = REPO / name
        if name and source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(source.read_bytes())
    return target


def test_the_quick_start_builds_the_site_with_debians_own_python(tmp_path):
    assert DEBIAN_PYTHON.is_file(), "Debian's python3 is missing: scripts/test installs python3 and python3-venv"
    project = _copy_of_the_project(tmp_path / "clone")
    home = tmp_path / "home"
    home.mkdir()
    # As a reader's shell has it: no PIP_CONSTRAINT (constraints.txt pins pymdown-extensions 13,
    # which needs Python 3.11.5; Debian 12 has 3.11.2, and pip picks an older release for it).
    # COLUMNS: a terminal's width, so that the report's first line is not wrapped inside the path.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "COLUMNS": "400",
           "PIP_CACHE_DIR": str(REPO / ".cache" / "pip"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    proc = subprocess.run(["bash", "-c", _first_command()], cwd=project, env=env, capture_output=True, text=True,
                          timeout=1800)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    venv = (project / ".venv" / "pyvenv.cfg").read_text(encoding="utf-8")
    assert re.search(r"^home = /usr/bin$", venv, re.MULTILINE), venv  # made from Debian's Python
    assert f"built {project / 'site'} in " in proc.stderr, proc.stderr[-3000:]  # the build's report
    for page in ("index.html", "en/index.html", "alerts/index.html", "feeds/alerts.zh.rss.xml"):
        assert (project / "site" / page).is_file(), page


def test_the_quick_start_says_where_the_output_is_and_how_to_look_at_it():
    preview = next(p for p in main.get_command(click.Context(main), "preview").params if isinstance(p, click.Option) and p.name == "port")
    assert "`site/`" in QUICK_START and "du -shL site" in QUICK_START
    assert ".venv/bin/alertcast preview" in QUICK_START and f"http://127.0.0.1:{preview.default}/" in QUICK_START
