"""Prints how the resident memory (RSS) of an idle `alertcast run` process grows: nothing changes,
the daemon only syncs, renews its lease and drains an empty outbox. The goal is at most 5 MiB of
growth over 30 idle minutes after warm-up; a short drain interval makes a few minutes stand for
many more drains.

    PYTHONPATH=src:tests python3 bench/daemon_soak.py [minutes] [dispatch-interval-seconds]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from daemon_support import Process, make_repo, wait_for

WARM_UP = 60.0  # seconds after the first publish before the first sample


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def main(minutes: float = 30.0, dispatch: float = 5.0) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = make_repo(Path(tmp))
        daemon = Process(repo.clone("live"), Path(tmp) / "daemon.log", {}, "--sync-interval", "5",
                         "--dispatch-interval", str(dispatch))
        try:
            wait_for(lambda: (daemon.health() or {}).get("status") == "ok", timeout=180)
            time.sleep(WARM_UP)
            start, first = time.time(), rss_mib(daemon.proc.pid)
            samples = [first]
            while time.time() - start < minutes * 60:
                time.sleep(min(30.0, minutes * 60 / 10))
                samples.append(rss_mib(daemon.proc.pid))
            print(f"idle {minutes:g} min, dispatch every {dispatch:g} s: RSS {first:.1f} -> {samples[-1]:.1f} MiB "
                  f"(growth {samples[-1] - first:+.1f} MiB, max {max(samples):.1f})")
            print("samples (MiB): " + " ".join(f"{s:.1f}" for s in samples))
        finally:
            daemon.stop()


if __name__ == "__main__":
    main(*(float(a) for a in sys.argv[1:3]))
