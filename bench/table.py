"""Every row of issue 23's table, measured the way the issue did: whole processes on the starter
content plus 1,000 generated bilingual alerts (bench/corpus.py).

    python3 bench/table.py [--alerts 1000] [--runs 5] [--long-runs 3] [--skip-urgent]

Each row prints the median wall time, the median CPU time (the child's user + system, from
wait4: on a shared machine wall time also measures the neighbours, CPU time much less; the
site's languages build in workers of a fork server, which wait4 does not count, and
`bench/site_build.py` adds their CPU time), the peak resident memory of the child, the goal and
the ratio of the median to the issue's figure (below 1 is faster). Short rows run --runs times,
the site builds and the urgent path --long-runs times. `check` and `build --no-site` are timed
with a cold render cache and a warm one; each cold full build starts with an empty render cache,
which the build after it reuses. `python3 -c pass` gives the machine's scale.

The urgent path is bench/urgent_path.py: a real `alertcast run` on a checkout of a bare git
origin, from `git push` through the signed webhook to the banner file on disk listing the alert.
The Zensical row times `zensical build` of alertcast's staged tree (zh only), cold and after one
changed page, when the `zensical` package is installed.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from fast_outputs import edit_alert  # noqa: E402
from startup import ALERTCAST, NOW, project  # noqa: E402


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mib: float
    error: str | None = None  # the last line the process printed to stderr, when it failed


def run_once(argv: list[str], cwd: Path, env: dict[str, str], check: bool = True) -> Run:
    """One whole process: wall time, and its CPU time and peak memory as wait4 reports them.
    A failure stops the bench, unless `check` is false: then the run says why it failed."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    text = err.decode(errors="replace")
    if proc.returncode != 0 and check:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{text[-2000:]}")
    error = (text.strip().splitlines() or ["exit status %d" % proc.returncode])[-1] if proc.returncode else None
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, error)


@dataclass
class Row:
    name: str
    runs: list[Run]
    goal: float | None
    issue: float | None  # the issue's "today" figure, seconds

    def line(self) -> str:
        wall = statistics.median(r.wall for r in self.runs)
        cpu = statistics.median(r.cpu for r in self.runs)
        peak = max(r.peak_mib for r in self.runs)
        goal = f"{self.goal:g}" if self.goal is not None else ""
        ratio = f"{wall / self.issue:.2f}" if self.issue else ""
        failed = [r.error for r in self.runs if r.error]
        return (f"{self.name:<44} {wall:>8.2f} {cpu:>8.2f} {peak:>8.0f} {goal:>6} {ratio:>7}"
                f"   n={len(self.runs)}" + (f"   FAILED {len(failed)}: {failed[0][:200]}" if failed else ""))


HEADER = f"{'row':<44} {'wall s':>8} {'CPU s':>8} {'peak MiB':>8} {'goal':>6} {'/issue':>7}"


def short_rows(where: Path, out: Path, runs: int, env: dict[str, str], caches: Path) -> list[Row]:
    """`check` and `build --no-site` with a cold render cache (an empty folder for each run) and
    a warm one (filled by a run before the timed ones; see render/diskcache.py)."""
    fresh = itertools.count()

    def cold() -> dict[str, str]:
        return dict(env, ALERTCAST_CACHE_DIR=str(caches / f"cold-{next(fresh)}"))

    def warm() -> dict[str, str]:
        return dict(env, ALERTCAST_CACHE_DIR=str(caches / "warm"))

    check = ALERTCAST + ["check"]
    build = ALERTCAST + ["build", "--no-site", "--now", NOW, "-o", str(out)]
    rows = [("python3 -c pass", [sys.executable, "-c", "pass"], None, None, cold),
            ("alertcast --help", ALERTCAST + ["--help"], 0.15, 0.57, cold),
            ("alertcast check, cold render cache", check, 0.8, 1.39, cold),
            ("alertcast check, warm render cache", check, 0.8, 1.39, warm),
            ("alertcast build --no-site, cold render cache", build, 1.0, 1.76, cold),
            ("alertcast build --no-site, warm render cache", build, 1.0, 1.76, warm)]
    for argv in (check, build):
        run_once(argv, where, warm())
    return [Row(name, [run_once(argv, where, environ()) for _ in range(runs)], goal, issue)
            for name, argv, goal, issue, environ in rows]


def build_rows(where: Path, tmp: Path, runs: int, alerts: int, env: dict[str, str]) -> list[Row]:
    """Full builds, each cold into a fresh output folder with an empty render cache; then each
    followed by one alert's edit and a build into the same folder, with the cache the first filled."""
    from corpus import START

    cold, again = [], []
    for n in range(runs):
        out = tmp / f"full-{n}"
        build = ALERTCAST + ["build", "--now", NOW, "-o", str(out)]
        cached = dict(env, ALERTCAST_CACHE_DIR=str(tmp / f"render-cache-{n}"))
        cold.append(run_once(build, where, cached))
        edit_alert(where, alerts // 2 + n, START + timedelta(days=300))
        again.append(run_once(build, where, cached))
        shutil.rmtree(out.parent / f".{out.name}.releases", ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
    return [Row("alertcast build (site + everything), cold", cold, 10.0, 20.3),
            Row("the same build after one alert changed", again, 3.0, 20.3)]


def urgent_row(tmp: Path, rounds: int, alerts: int, env: dict[str, str]) -> tuple[Row, str]:
    from urgent_path import daemon_rounds, make_origin

    origin, editor = make_origin(tmp / "urgent", alerts)
    results = daemon_rounds(tmp / "urgent", origin, editor, rounds, env)
    runs = [Run(r["push_to_banner"], r["daemon_cpu"], r["peak_mib"]) for r in results]
    note = (f"   (the daemon's first publish at start: {results[0]['first_publish']:.1f} s; its publish per push "
            f"from its log: {statistics.median(r['publish'] for r in results):.1f} s)")
    return Row("urgent alert: git push -> banner lists it", runs, 5.0, 25.0), note


def zensical_row(where: Path, tmp: Path, runs: int) -> str:
    """`zensical build` of alertcast's staged zh tree, cold and after one changed page."""
    try:
        import zensical  # noqa: F401
    except ImportError:
        return f"{'zensical build, staged zh tree':<44} not installed (pip install zensical)"
    import yaml

    sys.path.insert(0, str(BENCH.parent / "src"))
    from alertcast.config import load_config
    from alertcast.checks.load import load_or_raise
    from alertcast.plan import Plan
    from alertcast.render.site import site_config, stage

    config = load_config(where)
    plan = Plan.at(load_or_raise(config), datetime.fromisoformat(NOW))
    docs, site = tmp / "zensical" / "docs", tmp / "zensical" / "site"
    stage(plan, config, "zh", docs)
    config_file = tmp / "zensical" / "mkdocs.yml"
    raw = site_config(config, "zh", docs, site, plan)
    raw.update(docs_dir="docs", site_dir="site")  # Zensical takes them relative to the file only
    config_file.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    argv = [shutil.which("zensical", path=str(Path(sys.executable).parent)) or "zensical", "build", "-f", str(config_file)]
    env = dict(os.environ)
    cold, again = [], []
    for n in range(runs):
        shutil.rmtree(site, ignore_errors=True)
        shutil.rmtree(tmp / "zensical" / ".cache", ignore_errors=True)
        cold.append(run_once(argv, config_file.parent, env, check=False))
        if not cold[-1].error and not (site / "alerts" / "index.html").is_file():
            cold[-1].error = f"no alert listing in {site}"
        page = next((docs / "alerts").glob("*.md"))
        page.write_text(page.read_text(encoding="utf-8") + f"\n\nEdit {n}.\n", encoding="utf-8")
        again.append(run_once(argv, config_file.parent, env, check=False))
    return "\n".join(Row(name, rs, goal, issue).line() for name, rs, goal, issue in (
        ("zensical build, staged zh tree, cold", cold, None, 8.9),
        ("zensical build, after one changed page", again, None, 3.1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5, help="runs of each short row")
    parser.add_argument("--long-runs", type=int, default=3, help="runs of the site builds and the urgent path")
    parser.add_argument("--skip-urgent", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(BENCH.parent / "src"))
    # As installed: pip compiles the byte code once. With PYTHONDONTWRITEBYTECODE set, every
    # run of an editable install compiles alertcast's modules again (about 0.1 s a command).
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
        print("PYTHONDONTWRITEBYTECODE is unset for the measured commands: they run as installed")
    from alertcast import signing

    key = signing.generate().private_pem.decode()  # banners, help and CAP are signed, as in production
    env = dict(os.environ, ALERTCAST_SIGNING_KEY=key)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        where = project(tmp / "project", args.alerts)
        print(f"issue 23's table: the starter content + {args.alerts} generated bilingual alerts, "
              f"{os.cpu_count()} cores; wall and CPU are medians, peak is the largest of the runs")
        print(HEADER, flush=True)
        env["ALERTCAST_CACHE_DIR"] = str(tmp / "render-cache")  # the daemon's rendered pages: not in the user's folder
        for row in short_rows(where, tmp / "out", args.runs, env, tmp / "render-caches"):
            print(row.line(), flush=True)
        for row in build_rows(where, tmp, args.long_runs, args.alerts, env):
            print(row.line(), flush=True)
        if not args.skip_urgent:
            row, note = urgent_row(tmp, args.long_runs, args.alerts, env)
            print(row.line() + "\n" + note, flush=True)
        print(zensical_row(where, tmp, args.long_runs), flush=True)


if __name__ == "__main__":
    main()
