"""Shared fixtures: real files in temporary folders, a pinned clock, the real CLI."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from alertcast.cli import main
from alertcast.config import load_config
from alertcast.checks.load import load_or_raise

REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "project"

CST = timezone(timedelta(hours=8))
#: In the fixture project at this moment: live-phishing is live (and updated), expired-airdrop
#: has expired, scheduled-maintenance is scheduled (publishes 2026-04-01 09:00 +08:00, expires
#: 2026-04-02 09:00 +08:00), withdrawn-fake-app is withdrawn.
NOW = datetime(2026, 3, 15, 0, 0, tzinfo=CST)


@pytest.fixture(autouse=True, scope="session")
def _render_cache_of_the_tests(tmp_path_factory: pytest.TempPathFactory):
    """Commands the tests run keep rendered pages in a folder of the test session, not the
    user's ~/.cache (tests of the cache itself set their own)."""
    import os

    before = os.environ.get("ALERTCAST_CACHE_DIR")
    os.environ["ALERTCAST_CACHE_DIR"] = str(tmp_path_factory.mktemp("render-cache"))
    yield
    if before is None:
        os.environ.pop("ALERTCAST_CACHE_DIR", None)
    else:
        os.environ["ALERTCAST_CACHE_DIR"] = before


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the fixture project (mkdocs.yml + content/)."""
    target = tmp_path / "project"
    shutil.copytree(FIXTURE, target)
    return target


def copy_bundled(target: Path) -> Path:
    """A writable copy of the repository's own mkdocs.yml and content/ at `target`."""
    target.mkdir()
    shutil.copy(REPO / "mkdocs.yml", target / "mkdocs.yml")
    shutil.copytree(REPO / "content", target / "content")
    return target


@pytest.fixture
def bundled(tmp_path: Path) -> Path:
    """A writable copy of the repository's own mkdocs.yml and content/."""
    return copy_bundled(tmp_path / "bundled")


@pytest.fixture
def config(project: Path):
    return load_config(project)


@pytest.fixture
def content(config):
    return load_or_raise(config)


@pytest.fixture
def cli():
    """Run the real `alertcast` command in-process: cli("check", "-p", path)."""
    runner = CliRunner()

    def run(*args: str, **kwargs):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False, **kwargs)

    return run


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    """Tests read the commands' English messages; the Chinese ones are tested in test_i18n.py."""
    monkeypatch.setenv("ALERTCAST_LANG", "en")
