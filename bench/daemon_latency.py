"""Prints how late the daemon publishes after a publish_at boundary, and how long a standby
daemon takes to take over from a dead one (SQLite state, stand-in publisher).

    PYTHONPATH=src:tests python3 bench/daemon_latency.py [rounds]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from daemon_support import Recorder, ahead, daemon_for, make_repo, wait_for
from sqlalchemy import create_engine


def main(rounds: int = 3) -> None:
    lateness, takeover = [], []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            repo = make_repo(Path(tmp))
            url = f"sqlite:///{tmp}/state.db"
            one, two = Recorder(False), Recorder(False)
            d1 = daemon_for(repo.clone("one"), one, engine=create_engine(url), holder="one", listen=None)
            d2 = daemon_for(repo.clone("two"), two, engine=create_engine(url), holder="two", listen=None)
            d1.start()
            d2.start()
            publish_at = ahead(2)
            repo.commit_alert("bench", publish_at)
            call = wait_for(lambda: next((c for c in one.of("publish") if "bench" in c.live), None))
            lateness.append(call.at - publish_at.timestamp())
            d1.stop(release=False)
            died = time.time()
            wait_for(lambda: two.of("publish"), timeout=30)
            takeover.append(two.of("publish")[0].at - died)
            d2.stop()
    print(f"boundary lateness (s): median {statistics.median(lateness):.3f} max {max(lateness):.3f} n={rounds}")
    print(f"takeover after death (s, lease_ttl=2): median {statistics.median(takeover):.3f} "
          f"max {max(takeover):.3f} n={rounds}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
