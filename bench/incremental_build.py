"""Time `alertcast build` as whole processes on the starter content plus N generated alerts:
cold (no release yet, every page rendered), then again after one alert's text changed (only
the pages whose inputs changed are rendered, the others linked from the live release), then
the same change with --full. Medians of --runs runs; issue 23's goals beside each.

    python3 bench/incremental_build.py [--alerts 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import write_alerts  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-12-01T12:00:00+08:00"
GOALS = {"cold": 10.0, "one alert changed": 3.0, "one alert changed, --full": None}


def build(project: Path, *extra: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `alertcast build` process; the CPU time says what the
    build costs when other processes share the machine."""
    env = {k: v for k, v in os.environ.items() if k != "ALERTCAST_SIGNING_KEY"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "alertcast", "build", "--project", str(project), "--now", NOW, *extra],
                   check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def edit(project: Path, n: int) -> None:
    """One alert's title changes (its page, the listings it is on and the home page follow)."""
    path = project / "content" / "alerts" / "alert-0990.en.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('title: "Scam warning', f'title: "Scam warning (edit {n})', 1), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in GOALS}
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(REPO / "content", project / "content")
        shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
        write_alerts(project / "content", args.alerts)
        for run in range(args.runs):
            for folder in (project / "site", project / ".site.releases"):
                if folder.is_symlink():
                    folder.unlink()
                shutil.rmtree(folder, ignore_errors=True)
            times["cold"].append(build(project))
            edit(project, 2 * run)
            times["one alert changed"].append(build(project))
            edit(project, 2 * run + 1)
            times["one alert changed, --full"].append(build(project, "--full"))
    print(f"alertcast build, starter content + {args.alerts} generated alerts x 2 languages, "
          f"whole processes, median of {args.runs}")
    for name, goal in GOALS.items():
        wall = statistics.median(t[0] for t in times[name])
        cpu = statistics.median(t[1] for t in times[name])
        beside = f"goal <= {goal:.0f} s" if goal else ""
        print(f"{name:28s} {wall:6.2f} s wall  {cpu:6.2f} s CPU  {beside}")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    print(f"(python3 -c pass: {time.perf_counter() - start:.3f} s)")


if __name__ == "__main__":
    main()
