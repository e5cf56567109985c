"""Time the fast path (every output except the HTML site) with 1,000 bilingual alerts.

    python3 bench/fast_outputs.py [--alerts 1000] [--runs 3] [--sign] [--no-render-cache]

Cold: a fresh Python process imports alertcast, loads content/, renders and writes the
first release; import time is reported apart from load, render and write. Warm: in this
process, after a first publish, one alert (both its files) is edited on disk, and the
content is reloaded, rendered and published again, as the daemon does on each sync, with one
ParseCache and one RenderCache kept across the runs as the daemon keeps them (--no-render-cache: one that keeps
nothing, to measure what it buys).
Old releases are deleted in the background after the switch; each warm run starts once that
is over, as edits seconds apart would. Each figure is the median of --runs runs, and the
fastest run is shown too; CPU seconds are shown next to wall seconds, because on a shared
machine wall time also measures the neighbours.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "project"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import CST, write_alerts  # noqa: E402  (the same generated alerts as bench/site_build.py)


def make_project(root: Path, n: int) -> None:
    shutil.copy(FIXTURE / "mkdocs.yml", root / "mkdocs.yml")
    write_alerts(root / "content", n)


NOW = datetime(2026, 2, 20, tzinfo=CST)


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def cold(root: Path, sign: bool, cached: bool) -> dict[str, float]:
    """One first publish in this (fresh) process; wall and CPU seconds per phase."""
    t0 = _clock()
    sys.path.insert(0, str(SRC))
    from alertcast import signing
    from alertcast.config import load_config
    from alertcast.checks.load import load_or_raise
    from alertcast.pipeline import read_cap_archive, render_outputs
    from alertcast.plan import Plan
    from alertcast.publish.atomic import atomic_publish
    from alertcast.render.memo import RenderCache

    t1 = _clock()
    config = load_config(root)
    key = signing.parse_private_key(signing.generate().private_pem.decode()) if sign else None
    t2 = _clock()
    content = load_or_raise(config)
    t3 = _clock()
    plan = Plan.at(content, NOW)
    cache = RenderCache(enabled=cached)
    files = render_outputs(plan, config, key, read_cap_archive(plan, config, root / "site", key, cache), cache)
    t4 = _clock()
    atomic_publish(root / "site", files)
    t5 = _clock()
    out = {"import": t1[0] - t0[0], "load": t3[0] - t2[0], "render": t4[0] - t3[0], "write": t5[0] - t4[0],
           "cpu_import": t1[1] - t0[1], "cpu_load": t3[1] - t2[1], "cpu_render": t4[1] - t3[1],
           "cpu_write": t5[1] - t4[1], "files": len(files)}
    out["total"] = out["load"] + out["render"] + out["write"]
    out["cpu_total"] = out["cpu_load"] + out["cpu_render"] + out["cpu_write"]
    return out


def edit_alert(root: Path, i: int, when: datetime) -> None:
    """An editor's update of alert i: new summary wording and updated_at, in both languages."""
    for path in sorted((root / "content" / "alerts").glob(f"alert-{i:04d}.*.md")):
        text = path.read_text(encoding="utf-8")
        text = text.replace("\nchannels:", f"\nupdated_at: {when.isoformat()}\nchannels:", 1)
        path.write_text(text.replace("summary: \"", "summary: \"Updated. ", 1), encoding="utf-8")


def warm(root: Path, alerts: int, runs: int, sign: bool, cached: bool) -> list[dict[str, float]]:
    """Re-publishes in this process, each after one alert changed on disk."""
    sys.path.insert(0, str(SRC))
    from alertcast import signing
    from alertcast.config import load_config
    from alertcast.checks.load import load_or_raise
    from alertcast.pipeline import read_cap_archive, render_outputs
    from alertcast.plan import Plan
    from alertcast.content.parsecache import ParseCache
    from alertcast.publish.atomic import atomic_publish, pruned
    from alertcast.render.memo import RenderCache

    config = load_config(root)
    key = signing.parse_private_key(signing.generate().private_pem.decode()) if sign else None
    parsed, cache = ParseCache(), RenderCache(enabled=cached)  # the daemon's, kept for its lifetime
    atomic_publish(root / "site", render_outputs(Plan.at(load_or_raise(config, cache=parsed), NOW), config, key, cache=cache))
    results = []
    for run in range(runs):
        edit_alert(root, alerts // 2 + run, NOW - timedelta(minutes=5))
        pruned()  # edits come seconds apart: the last publish's background clean-up is over
        t0 = _clock()
        content = load_or_raise(config, cache=parsed)
        t1 = _clock()
        plan = Plan.at(content, NOW)  # the CAP archive is read as the pipeline does: part of render
        files = render_outputs(plan, config, key, read_cap_archive(plan, config, root / "site", key, cache), cache)
        t2 = _clock()
        _release, changes = atomic_publish(root / "site", files)
        t3 = _clock()
        results.append({"load": t1[0] - t0[0], "render": t2[0] - t1[0], "write": t3[0] - t2[0],
                        "total": t3[0] - t0[0], "cpu_total": t3[1] - t0[1], "changed": len(changes)})
    return results


def _median(rows: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in rows) for k in rows[0]}


def _least(rows: list[dict[str, float]], key: str) -> float:
    """The fastest run: noise from other work on the machine only ever adds time."""
    return min(r[key] for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sign", action="store_true")
    parser.add_argument("--no-render-cache", dest="cached", action="store_false")
    parser.add_argument("--cold-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold_child:
        print(json.dumps(cold(args.cold_child, args.sign, args.cached)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        colds = []
        for run in range(args.runs):
            root = Path(tmp) / f"cold-{run}"
            root.mkdir()
            make_project(root, args.alerts)
            command = ([sys.executable, __file__, "--cold-child", str(root)] + (["--sign"] if args.sign else [])
                       + ([] if args.cached else ["--no-render-cache"]))
            started = time.perf_counter()
            child = subprocess.run(command, check=True, capture_output=True, text=True)
            row = json.loads(child.stdout)
            row["process"] = time.perf_counter() - started
            colds.append(row)
        c = _median(colds)
        print(f"alerts: {args.alerts} bilingual; files: {c['files']:.0f}; signed: {args.sign}; render cache: {args.cached}; "
              f"median of {args.runs} runs (wall s, CPU s in brackets)")
        print(f"cold (fresh process): import {c['import']:.3f} ({c['cpu_import']:.3f})  load {c['load']:.3f} "
              f"({c['cpu_load']:.3f})  render {c['render']:.3f} ({c['cpu_render']:.3f})  write {c['write']:.3f} "
              f"({c['cpu_write']:.3f})  load+render+write {c['total']:.3f} ({c['cpu_total']:.3f})  "
              f"whole process {c['process']:.3f}")
        print(f"cold, fastest run: load+render+write {_least(colds, 'total'):.3f}")
        root = Path(tmp) / "warm"
        root.mkdir()
        make_project(root, args.alerts)
        warms = warm(root, args.alerts, args.runs, args.sign, args.cached)
        w = _median(warms)
        print(f"warm re-publish after one alert changed on disk: reload {w['load']:.3f}  render {w['render']:.3f}  "
              f"write {w['write']:.3f}  total {w['total']:.3f} ({w['cpu_total']:.3f})  "
              f"({w['changed']:.0f} files changed)")
        print(f"warm, fastest run: total {_least(warms, 'total'):.3f}")


if __name__ == "__main__":
    main()
