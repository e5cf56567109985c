"""`alertcast preview` as an editor runs it: a real process, a real HTTP fetch, an edit, SIGTERM."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from alertcast.render.site import OVERRIDES

from conftest import NOW


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return None


def _until(predicate, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError("timed out")


def test_preview_serves_rebuilds_on_edit_and_stops_on_sigterm(project):
    """One process for every edit an editor makes (each start costs a full build)."""
    shutil.copytree(OVERRIDES, project / "theme")  # the project's own copy of the theme overrides
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("  language: zh\n", "  language: zh\n  custom_dir: theme\n"),
                      encoding="utf-8")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "alertcast", "preview", "-p", str(project), "--port", str(port),
                             "--now", NOW.isoformat()], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/en/alerts/live-phishing/"
    try:
        page = _until(lambda: _fetch(url), timeout=90)
        assert "Phishing site poses as the wallet" in page
        assert "livereload" in page  # the browser is told to reload after a rebuild
        alert = project / "content" / "alerts" / "live-phishing.en.md"
        alert.write_text(alert.read_text(encoding="utf-8").replace(
            'title: "Phishing site poses as the wallet"', 'title: "Look-alike site poses as the wallet"'),
            encoding="utf-8")
        _until(lambda: "Look-alike site poses as the wallet" in (_fetch(url) or ""), timeout=60)
        # a theme override changes: the page shows it
        main = project / "theme" / "main.html"
        main.write_text(main.read_text(encoding="utf-8").replace(
            "{% block extrahead %}", '{% block extrahead %}<meta name="edited-theme" content="1">'), encoding="utf-8")
        _until(lambda: 'name="edited-theme"' in (_fetch(url) or ""), timeout=60)
        # a mistake is reported with its line; the last good build stays up
        alert.write_text(alert.read_text(encoding="utf-8").replace("severity:", "serverity:"), encoding="utf-8")
        time.sleep(4)
        assert "Look-alike site poses as the wallet" in (_fetch(url) or "")
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, output
    assert "live-phishing.en.md:4:1: error: unknown key 'serverity'" in output
    assert "Traceback" not in output
    assert _fetch(url) is None  # the port is closed


def test_preview_says_the_moment_in_the_editors_time_zone_as_build_does(project, caplog, tmp_path):
    """The clock gives UTC; the fixture's editors are in Asia/Shanghai (+08:00)."""
    import logging
    from datetime import datetime, timezone

    from alertcast.preview import make_builder

    caplog.set_level(logging.INFO, logger="alertcast.preview")
    make_builder(project, tmp_path / "site", lambda: datetime(2026, 3, 15, 1, 30, tzinfo=timezone.utc))()
    assert "built for 2026-03-15 09:30 Beijing time (UTC+8):" in caplog.text, caplog.text
