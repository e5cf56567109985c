"""Time the HTML site: alertcast's build against a plain mkdocs-material configuration that puts
every alert in the navigation, on the same content, in one run.

    python3 bench/site_build.py [--alerts 1000] [--growth] [--no-plain] [--cold] [--workers N]
                                [--engine mkdocs|zensical] [--runs 1] [--whole-only]

First the whole `alertcast build` (site in every language + every other output), cold, in a fresh
process (--runs times), then again in a fresh process after one alert's update (bench/table.py's
edit), into the same output: the wall and CPU time of each beside its goal, and the build's own
record of its phases (pipeline.prepare): which process ran each part, when, for how long, and how
long fewer parts than cores were running (a core idle, unless the machine's other work took it).

It also builds the site again after one alert's title changed, reusing the unchanged pages
(render/incremental.py), and prints wall and CPU time of both.

The bundled starter content plus N generated bilingual alerts. Both builds get the same staged
Markdown; the plain one lists every alert in `nav` (and so renders the whole list into every
page) and leaves out navigation.prune. --growth also builds 2N alerts with alertcast and prints
how time and size grow (linear means about 2x). --cold times the process's first build (imports,
theme and jieba's dictionary included, as `alertcast build` pays them) instead of a second one;
--workers caps the processes the languages are built in (1: one after the other; default: one
per core); --engine builds with Zensical instead of mkdocs (alertcast's build only).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from alertcast.config import load_config  # noqa: E402
from alertcast.checks.load import load_or_raise  # noqa: E402
from alertcast.plan import Plan  # noqa: E402
from alertcast.render.mkdocs_engine import build_time  # noqa: E402
from alertcast.render.site import build_site, site_config, stage, words  # noqa: E402
from alertcast.publish.atomic import tree_digests  # noqa: E402
from alertcast.render.incremental import Previous  # noqa: E402
from corpus import CST, START, write_alerts  # noqa: E402
from fast_outputs import edit_alert  # noqa: E402

NOW = datetime(2026, 12, 1, tzinfo=CST)


def make_project(root: Path, n: int, engine: str = "mkdocs") -> None:
    shutil.copytree(REPO / "content", root / "content")
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(text.replace("extra:\n  alertcast:\n", "extra:\n  alertcast:\n    site:\n"
                                                  f"      engine: {engine}\n", 1), encoding="utf-8")
    write_alerts(root / "content", n)


def plain_build(plan: Plan, config, dest: Path, tmp: Path) -> None:  # type: ignore[no-untyped-def]
    """What a team gets without alertcast's staging: every alert in the navigation."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config as mkdocs_config

    for lang in config.languages:
        docs = tmp / "plain" / lang / "docs"
        stage(plan, config, lang, docs)
        site_dir = dest if lang == config.default_lang else dest / lang
        raw = site_config(config, lang, docs, site_dir, plan)
        raw["theme"]["features"] = [f for f in raw["theme"]["features"] if f != "navigation.prune"]
        alerts = [{a.text(lang, config.default_lang).title: f"alerts/{a.id}.md"} for a in plan.published]
        raw["nav"].append({f"{words(lang)['alerts']} ({len(alerts)})": alerts})
        config_file = tmp / "plain" / lang / "mkdocs.yml"
        config_file.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
        with build_time(plan.now):
            build(mkdocs_config(str(config_file)))


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def one_alert_changed(project: Path, built: Path, dest: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of the site's build after one alert's title changed, reusing the pages
    of `built` whose inputs did not change (render/incremental.py)."""
    path = project / "content" / "alerts" / "alert-0990.en.md"
    if not path.is_file():
        return float("nan"), float("nan")
    path.write_text(path.read_text(encoding="utf-8").replace('title: "', 'title: "Edited: ', 1), encoding="utf-8")
    config = load_config(project)
    plan = Plan.at(load_or_raise(config), NOW)
    previous = Previous(built, tree_digests(built))
    t0, c0 = time.perf_counter(), time.process_time()
    build_site(plan, config, dest, previous)
    return time.perf_counter() - t0, time.process_time() - c0


def alertcast_site(n: int, with_plain: bool, cold: bool = False, workers: int | None = None,
                   engine: str = "mkdocs") -> tuple[float, int, float | None, int | None, int]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        make_project(tmp / "project", n, engine)
        config = load_config(tmp / "project")
        plan = Plan.at(load_or_raise(config), NOW)
        if not cold:
            build_site(plan, config, tmp / "warmup", workers=workers)  # imports, theme, jieba: paid once by both
            shutil.rmtree(tmp / "warmup")
        t0, c0 = time.perf_counter(), time.process_time()
        build_site(plan, config, tmp / "alertcast", workers=workers)
        ours = time.perf_counter() - t0
        # CPU: this process's only (the other languages' workers are not counted)
        print(f"site, every page rendered:     {ours:7.1f} s wall {time.process_time() - c0:7.1f} s CPU")
        wall, cpu = one_alert_changed(tmp / "project", tmp / "alertcast", tmp / "incremental")
        print(f"site, after one alert changed: {wall:7.1f} s wall {cpu:7.1f} s CPU  (goal for the whole build: <= 3 s)")
        plain_time = plain_size = None
        if with_plain:
            t0 = time.perf_counter()
            plain_build(plan, config, tmp / "plain-site", tmp)
            plain_time, plain_size = time.perf_counter() - t0, size(tmp / "plain-site")
        return ours, size(tmp / "alertcast"), plain_time, plain_size, len(plan.published)


#: The whole build, in a fresh process: prints its phases as JSON.
COLD_BUILD = """
import json, os, resource, sys, time
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from alertcast.config import load_config
from alertcast.render.site_engine import start_workers
config = load_config(Path(sys.argv[1]))
start_workers(len(config.languages))  # as `alertcast build` does, before it imports the pipeline
from alertcast.pipeline import build
from alertcast.render.diskcache import DiskCache
result = build(config, datetime.fromisoformat(sys.argv[3]), Path(sys.argv[2]), signing_key=None,
               renders=DiskCache.for_project(config.root, os.environ))  # as `alertcast build` does
usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
print(json.dumps({"pid": os.getpid(), "end": time.monotonic(), "phases": [asdict(p) for p in result.phases],
                  "cpu": sum(u.ru_utime + u.ru_stime for u in usage)}))
"""
#: The phases that are work of their own; "site" in the main process is its wait for the languages.
WORK = ("load", "outputs", "write", "switch")


def cold_build(project: Path, out: Path, cores: int) -> tuple[float, float]:
    """Run one `alertcast build` in a fresh process and print its phases; returns (wall, CPU of
    every process). Into an `out` that holds a release, it is the build after a change."""
    import json
    import subprocess

    # The render cache of this output's builds (the first one starts with it empty), as bench/table.py.
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), ALERTCAST_CACHE_DIR=str(out.parent / f"cache-{out.name}"))
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", COLD_BUILD, str(project), str(out), NOW.isoformat()], env=env,
                          capture_output=True, text=True, check=True)
    end = time.monotonic()
    record = json.loads(proc.stdout.strip().splitlines()[-1])
    phases = record["phases"]
    workers = sorted({p["process"] for p in phases if p["process"] != record["pid"]})
    # The workers' CPU is their languages' (the fork server reaps them, not the build's process).
    cpu = record["cpu"] + sum(p["cpu"] for p in phases if p["process"] != record["pid"])
    print(f"{'phase':<12} {'process':<9} {'from s':>7} {'to s':>7} {'wall s':>7} {'CPU s':>7}")
    print(f"{'start-up':<12} {'main':<9} {0:7.2f} {min(p['start'] for p in phases) - start:7.2f}")
    for p in sorted(phases, key=lambda p: p["start"]):
        where = "main" if p["process"] == record["pid"] else f"worker {workers.index(p['process']) + 1}"
        print(f"{p['name']:<12} {where:<9} {p['start'] - start:7.2f} {p['end'] - start:7.2f} "
              f"{p['end'] - p['start']:7.2f} {p['cpu']:7.2f}")
    print(f"{'exit':<12} {'main':<9} {record['end'] - start:7.2f} {end - start:7.2f}")
    busy = [(p["start"], p["end"]) for p in phases if p["name"] in WORK or p["process"] != record["pid"]]
    edges = sorted({start, end, *(t for span in busy for t in span)})
    idle = sum(b - a for a, b in zip(edges, edges[1:])
               if sum(1 for s, e in busy if s <= a and e >= b) < cores)
    print(f"fewer parts running than the {cores} cores: {idle:.2f} s of {end - start:.2f} s "
          "(start-up and exit included)")
    return end - start, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--growth", action="store_true", help="also build 2x the alerts with alertcast")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain build (it is the slow one)")
    parser.add_argument("--cold", action="store_true", help="time the process's first build (no warm-up build)")
    parser.add_argument("--workers", type=int, default=None, help="processes for the languages (default: cores)")
    parser.add_argument("--engine", choices=("mkdocs", "zensical"), default="mkdocs")
    parser.add_argument("--runs", type=int, default=1, help="cold whole builds to time (0: none)")
    parser.add_argument("--whole-only", action="store_true", help="only the whole builds in fresh processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        make_project(tmp / "project", args.alerts, args.engine)
        cores = len(os.sched_getaffinity(0))
        for run in range(args.runs):
            print(f"cold `alertcast build`, run {run + 1}: {args.alerts} generated alerts, engine {args.engine}, "
                  f"{cores} cores, load average {os.getloadavg()[0]:.1f}")
            wall, cpu = cold_build(tmp / "project", tmp / f"out-{run}", cores)
            print(f"alertcast build (site + everything), cold: {wall:.2f} s wall (goal <= 10 s), "
                  f"{cpu:.2f} s CPU in all its processes\n")
            edit_alert(tmp / "project", args.alerts // 2 + run, START + timedelta(days=300))
            print(f"the same build after one alert changed, run {run + 1}, load average {os.getloadavg()[0]:.1f}")
            wall, cpu = cold_build(tmp / "project", tmp / f"out-{run}", cores)
            print(f"alertcast build after one alert changed: {wall:.2f} s wall (goal <= 3 s), "
                  f"{cpu:.2f} s CPU in all its processes\n")
    if args.whole_only:
        return
    ours, our_size, plain, plain_size, published = alertcast_site(
        args.alerts, with_plain=not args.no_plain and args.engine == "mkdocs", cold=args.cold, workers=args.workers,
        engine=args.engine)
    print(f"{args.alerts} generated alerts x 2 languages on the starter content; published at now: {published}")
    print(f"engine {args.engine}, {'cold (first build of the process)' if args.cold else 'warm'}, "
          f"workers {args.workers or 'one per core'} ({os.cpu_count()} cores)")
    print(f"alertcast build:      {ours:7.1f} s  {our_size / 1e6:7.1f} MB")
    if plain is not None and plain_size is not None:
        print(f"plain, alerts in nav: {plain:7.1f} s  {plain_size / 1e6:7.1f} MB")
        print(f"alertcast is {plain / ours:.1f}x faster and {plain_size / our_size:.1f}x smaller")
    if args.growth:
        ours2, size2, _, _, published2 = alertcast_site(2 * args.alerts, with_plain=False, workers=args.workers,
                                                           engine=args.engine)
        print(f"alertcast with {2 * args.alerts} alerts ({published2} published): {ours2:.1f} s  {size2 / 1e6:.1f} MB; "
              f"growth {ours2 / ours:.2f}x time, {size2 / our_size:.2f}x size")


if __name__ == "__main__":
    main()
