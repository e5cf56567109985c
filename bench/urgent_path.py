"""The urgent path, measured as an operator sees it: from `git push` of an alert whose publish_at
has already passed to the moment the banner file on disk lists it.

    python3 bench/urgent_path.py [--alerts 1000] [--rounds 3] [--no-phases]

A real `alertcast run` (SQLite state, a signing key, the webhook secret) on a checkout of a bare
git origin in a temporary folder, holding the starter content and --alerts generated bilingual
alerts (bench/corpus.py). Each round commits a new alert dated a minute ago, pushes it, POSTs the
signed push webhook to the daemon's port and polls `site/api/v1/banners/zh.json` (the output's
live release) until the alert is listed; the figure is push to banner. The daemon's own log gives
its sync and its publish (build + switch + queueing) for the round.

Then, unless --no-phases, the same steps are timed one by one in this process, warmed as the
daemon is (one full publish first, its parse and render caches kept): sync (git fetch and
fast-forward), load, render (every output but the site), site (the HTML build, both languages),
write (the release's files) and switch (the atomic swap of the live release). CPU seconds are
printed beside wall seconds: on a shared machine wall time also measures the neighbours.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

from corpus import write_alerts  # noqa: E402
from daemon_support import Process, git, sign, wait_for  # noqa: E402

SECRET = "bench-hook-secret"
CST = timezone(timedelta(hours=8))


def make_origin(tmp: Path, alerts: int) -> tuple[Path, Path]:
    """A bare origin holding the bundled project plus `alerts` generated alerts, and an editor's
    clone of it; returns (origin, editor)."""
    editor = tmp / "editor"
    editor.mkdir(parents=True)
    shutil.copy(REPO / "mkdocs.yml", editor / "mkdocs.yml")
    shutil.copytree(REPO / "content", editor / "content")
    write_alerts(editor / "content", alerts)
    (editor / ".gitignore").write_text(".alertcast/\nsite/\n")
    origin = tmp / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(editor)], check=True)
    git(editor, "add", "-A")
    git(editor, "commit", "-qm", "content")
    git(editor, "remote", "add", "origin", str(origin))
    git(editor, "push", "-q", "-u", "origin", "main")
    return origin, editor


def commit_urgent(editor: Path, alert_id: str) -> None:
    """An urgent alert whose publish_at passed a minute ago, committed (not pushed yet)."""
    published = (datetime.now(timezone.utc) - timedelta(minutes=1)).replace(microsecond=0).astimezone(CST)
    for lang, title in (("zh", "紧急：假冒客服正在索要助记词"), ("en", "Urgent: fake support asks for your phrase")):
        (editor / "content" / "alerts" / f"{alert_id}.{lang}.md").write_text(
            f'---\ntitle: "{title}"\nsummary: "{title}."\nseverity: critical\ncategory: phishing\n'
            f"publish_at: {published.isoformat()}\nchannels: [banner, cap]\n---\n\n{title}.\n", encoding="utf-8")
    git(editor, "add", "-A")
    git(editor, "commit", "-qm", f"alert {alert_id}")


def banner_ids(checkout: Path) -> list[str]:
    try:
        data = json.loads((checkout / "site" / "api" / "v1" / "banners" / "zh.json").read_bytes())
    except (OSError, ValueError):
        return []
    return [b["id"] for b in data["banners"]]


def push_hook(port: int) -> int:
    import requests

    body = b'{"ref": "refs/heads/main"}'
    return requests.post(f"http://127.0.0.1:{port}/hooks/git", data=body, timeout=10,
                         headers={"X-Hub-Signature-256": sign(SECRET, body)}).status_code


def log_records(daemon: Process) -> list[dict]:
    return [json.loads(line) for line in daemon.output().splitlines() if line.startswith("{")]


def published_since(daemon: Process, seen: int) -> list[dict] | None:
    """The log records after the first `seen`, once they hold the publish's ("published" comes
    after the posts are queued, a moment after the banner changed)."""
    records = log_records(daemon)[seen:]
    return records if any(r["message"] == "published" for r in records) else None


def stamp(record: dict) -> float:
    return datetime.fromisoformat(record["time"]).timestamp()


def cpu_seconds(pid: int) -> float:
    """CPU time of process `pid` and its waited-for children (the gits of a sync), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def peak_mib(pid: int) -> float:
    """The peak resident memory of process `pid` so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_now() -> float:
    """This process's CPU time and that of the children it waited for (git)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def daemon_rounds(tmp: Path, origin: Path, editor: Path, rounds: int, env: dict[str, str]) -> list[dict]:
    live = tmp / "live"
    subprocess.run(["git", "clone", "--quiet", str(origin), str(live)], check=True)
    daemon = Process(live, tmp / "daemon.log", dict(env, ALERTCAST_WEBHOOK_SECRET=SECRET),
                     "--sync-interval", "3600", "--dispatch-interval", "5")
    results = []
    try:
        started = time.perf_counter()
        wait_for(lambda: (daemon.health() or {}).get("status") == "ok", timeout=900, step=0.5)
        first = time.perf_counter() - started
        for n in range(rounds):
            alert_id = f"urgent-{n}"
            commit_urgent(editor, alert_id)
            seen = len(log_records(daemon))
            cpu = cpu_seconds(daemon.proc.pid)
            pushed = time.time()
            git(editor, "push", "-q")
            assert push_hook(daemon.port) == 202
            wait_for(lambda: alert_id in banner_ids(live), timeout=900, step=0.02)
            listed = time.time()
            cpu = cpu_seconds(daemon.proc.pid) - cpu
            peak = peak_mib(daemon.proc.pid)
            records = wait_for(lambda: published_since(daemon, seen), timeout=120)
            changed = next(r for r in records if r["message"] == "content changed")
            published = next(r for r in records if r["message"] == "published")
            results.append({"push_to_banner": listed - pushed, "daemon_cpu": cpu,
                            "push_to_synced": stamp(changed) - pushed, "publish": published["seconds"],
                            "first_publish": first, "peak_mib": peak})
            time.sleep(1)  # the publish's queueing and drain end before the next push
        assert daemon.stop() == 0
    finally:
        daemon.kill()
    return results


def phases(tmp: Path, origin: Path, editor: Path, env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """The daemon's steps for one urgent push, timed one by one in this process."""
    os.environ.update(env)
    from alertcast.config import load_config
    from alertcast.checks.load import load_or_raise
    from alertcast.content.parsecache import ParseCache
    from alertcast.daemon import gitsync
    from alertcast.pipeline import finish, prepare
    from alertcast.render.memo import RenderCache

    checkout = tmp / "phases"
    subprocess.run(["git", "clone", "--quiet", str(origin), str(checkout)], check=True)
    config = load_config(checkout)
    parsed, cache = ParseCache(), RenderCache()
    now = datetime.now(timezone.utc)
    finish(prepare(config, now, cache=cache, parsed=parsed))  # the daemon's first publish: caches warm

    commit_urgent(editor, "urgent-phases")
    git(editor, "push", "-q")
    marks: list[tuple[str, float, float]] = []

    def mark(name: str) -> None:
        marks.append((name, time.perf_counter(), cpu_now()))

    mark("start")
    assert gitsync.sync(checkout).changed
    mark("sync")
    content = load_or_raise(config, cache=parsed)
    mark("load")

    def progress(phase: str, done: int | None, total: int | None) -> None:
        if phase in ("site", "write"):  # "render" ends where "site" starts, "site" where "write" does
            mark({"site": "render", "write": "site"}[phase])

    prepared = prepare(config, datetime.now(timezone.utc), content=content, cache=cache, parsed=parsed,
                       progress=progress)
    mark("write")
    finish(prepared)
    mark("switch")
    out = {name: (wall - marks[i][1], cpu - marks[i][2]) for i, (name, wall, cpu) in enumerate(marks[1:])}
    out["total"] = (marks[-1][1] - marks[0][1], marks[-1][2] - marks[0][2])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-phases", action="store_true", help="only the real daemon's figure")
    args = parser.parse_args()
    from alertcast import signing

    env = {"ALERTCAST_SIGNING_KEY": signing.generate().private_pem.decode()}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        origin, editor = make_origin(tmp, args.alerts)
        results = daemon_rounds(tmp, origin, editor, args.rounds, env)
        med = {k: statistics.median(r[k] for r in results) for k in results[0]}
        each = ", ".join(f"{r['push_to_banner']:.2f}" for r in results)
        print(f"urgent path, `alertcast run` on {args.alerts} generated alerts + the starter content, "
              f"median of {args.rounds} pushes (goal 5 s):")
        print(f"  push -> banner on disk lists the alert  {med['push_to_banner']:7.2f} s   "
              f"(each: {each})")
        print(f"  daemon CPU from push to banner          {med['daemon_cpu']:7.2f} s")
        print(f"  push -> sync done (daemon log)          {med['push_to_synced']:7.2f} s")
        print(f"  publish (daemon log: load, build, switch, queue) {med['publish']:7.2f} s")
        print(f"  first publish at start (to /healthz ok) {results[0]['first_publish']:7.2f} s")
        print(f"  daemon's peak memory                    {max(r['peak_mib'] for r in results):7.0f} MiB")
        if not args.no_phases:
            p = phases(tmp, origin, editor, env)
            print("phases of one urgent push, in one process warmed as the daemon is (wall s, CPU s):")
            print("  " + "  ".join(f"{k} {wall:.2f} ({cpu:.2f})" for k, (wall, cpu) in p.items()))


if __name__ == "__main__":
    main()
