"""How long a command takes from the shell prompt to its exit: the start every command pays.

    python3 bench/startup.py [--runs 5] [--alerts 0]

Each row is the median wall time of --runs whole processes (`alertcast --help`, `alertcast check`,
`alertcast build --no-site`) on the bundled project, or on the bundled settings with --alerts
generated bilingual alerts (bench/corpus.py) when --alerts is given; `python3 -c pass` gives the
machine's scale. The goal of each row (issue 23's table, measured there with 1,000 alerts) is
printed beside it. Wall time on a shared machine also measures the neighbours: compare figures
taken minutes apart, and look at the scale row. The CPU column (user + system time of the
command and the processes it forks) tells a busy machine from a slower command: `check` and
`build` share page rendering over the cores, so on an idle machine their wall time is below it.

`check` and `build --no-site` are each measured twice: with a cold render cache (an empty cache
folder for every run: what the first command after an upgrade, or in a fresh CI runner, pays)
and a warm one (filled by one run before the timed ones: what an editor's next `check` pays after
editing a page or two; see render/diskcache.py).
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOW = "2026-11-22T12:00:00+08:00"
ALERTCAST = [sys.executable, "-m", "alertcast"]


def median_seconds(argv: list[str], runs: int, cwd: Path, cache: Callable[[], str]) -> tuple[float, float]:
    """Medians of wall time and of CPU time (user + system, the command's own forked processes
    included: `check` and `build` share page rendering over the cores). `cache` gives the render
    cache folder of each run."""
    times, cpu = [], []
    for _ in range(runs):
        env = {**os.environ, "ALERTCAST_CACHE_DIR": cache()}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times), statistics.median(cpu)


def project(root: Path, alerts: int) -> Path:
    if not alerts:
        return REPO
    sys.path.insert(0, str(REPO / "bench"))
    from corpus import write_alerts

    root.mkdir()
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "content", root / "content")
    write_alerts(root / "content", alerts)
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--alerts", type=int, default=0, help="generated alerts added to the bundled content")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        where = project(Path(tmp) / "project", args.alerts)
        out = Path(tmp) / "out"
        fresh = itertools.count()

        def cold() -> str:
            return str(Path(tmp) / f"cache-{next(fresh)}")

        def warm() -> str:
            return str(Path(tmp) / "cache-warm")

        check = ALERTCAST + ["check"]
        build = ALERTCAST + ["build", "--no-site", "--now", NOW, "-o", str(out)]
        rows = [
            ("python3 -c pass", [sys.executable, "-c", "pass"], None, cold),
            ("alertcast --help", ALERTCAST + ["--help"], 0.15, cold),
            ("alertcast check, cold cache", check, 0.8, cold),
            ("alertcast check, warm cache", check, 0.8, warm),
            ("build --no-site, cold cache", build, 1.0, cold),
            ("build --no-site, warm cache", build, 1.0, warm),
        ]
        for argv in (check, build):  # fills the warm cache
            subprocess.run(argv, cwd=where, env={**os.environ, "ALERTCAST_CACHE_DIR": warm()},
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        print(f"{'command':<28} {'median s':>9} {'goal s':>7} {'cpu s':>7}   ({args.runs} runs, "
              f"{args.alerts or 'bundled'} alerts)")
        for name, argv, goal, cache in rows:
            seconds, cpu = median_seconds(argv, args.runs, where, cache)
            print(f"{name:<28} {seconds:>9.3f} {goal if goal is not None else '':>7} {cpu:>7.3f}")


if __name__ == "__main__":
    main()
