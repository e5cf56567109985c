"""A mkdocs user's first reflex in the project folder, `mkdocs build` or `mkdocs serve`, stops at
once and names the commands that build the real site, instead of building another, broken one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", [["build"], ["serve", "--dev-addr"], ["gh-deploy", "--no-history"]])
def test_plain_mkdocs_in_the_project_stops_and_names_alertcast(bundled, command):
    if command[-1] == "--dev-addr":
        command = [*command, f"127.0.0.1:{_free_port()}"]
    # serve would never return if it started; the timeout only bounds a failure
    proc = subprocess.run([sys.executable, "-m", "mkdocs", *command], cwd=bundled, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, NO_MKDOCS_2_WARNING="1"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    said = proc.stdout + proc.stderr  # mkdocs prints its Abort message on stdout
    assert "`alertcast build`" in said and "`alertcast preview`" in said, said
    assert "Traceback" not in said
    assert not (bundled / "site").exists()  # nothing built, not even in part
