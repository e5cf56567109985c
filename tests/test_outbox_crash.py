"""Crash test: the dispatcher process is killed (SIGKILL) at random points, then a new one recovers.

Afterwards every post went out exactly once on channels with server-side idempotency or
lookup, at most once elsewhere, and every uncertain case is held for a person, never re-posted.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from alertcast.broadcast import outbox
from alertcast.broadcast.dispatcher import Dispatcher
from alertcast.config import load_config
from alertcast.content.loader import load_or_raise
from alertcast.plan import Plan
from alertcast.state import open_store
from conftest import NOW
from social_support import configure, route_alert_to, start

SRC = Path(__file__).resolve().parents[1] / "src"
NAMES = ["telegram", "x", "mastodon", "bluesky", "discord", "slack", "matrix", "webhook"]
EXACTLY_ONCE = {"mastodon", "bluesky", "matrix", "x", "slack"}
RUNS = 50


def test_sigkill_at_random_points(project):
    fakes = {n: start(n) for n in NAMES}
    try:
        env = configure(project, fakes)
        route_alert_to(project, "live-phishing", NAMES)
        config = load_config(project)
        content = load_or_raise(config)
        db = project / ".alertcast" / "state.db"
        child_env = {**os.environ, **env, "PYTHONPATH": str(SRC)}
        rng = random.Random(20260315)
        outcomes: Counter = Counter()
        for run in range(RUNS):
            for fake in fakes.values():
                fake.reset()
                fake.delay = 0.04
            for path in db.parent.glob("state.db*"):
                path.unlink()
            engine = open_store(config.settings.state_url, config.root)
            assert outbox.enqueue(engine, Plan.at(content, NOW), config) == len(NAMES)
            proc = subprocess.Popen(
                [sys.executable, "-m", "alertcast", "outbox", "drain", "-p", str(project), "--no-enqueue",
                 "--now", NOW.isoformat(), "--lease", "0"],
                env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.4, 1.6))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            for fake in fakes.values():
                fake.delay = 0.0
            recovery = Dispatcher(engine, config, env=env, rng=random.Random(run), lease_seconds=0)
            for minutes in (10, 20, 40):
                recovery.drain(NOW + timedelta(minutes=minutes))
            rows = {r["channel"]: r for r in outbox.rows(engine)}
            for name, fake in fakes.items():
                posted = len(fake.posts)
                status = rows[name]["status"]
                outcomes[(name in EXACTLY_ONCE, status, posted)] += 1
                if name in EXACTLY_ONCE:
                    assert posted == 1 and status == "sent", (run, name, status, posted, rows[name]["last_error"])
                else:
                    assert posted <= 1, (run, name, posted)
                    assert status in ("sent", "unknown"), (run, name, status)
                    if status == "sent":
                        assert posted == 1, (run, name)
            engine.dispose()
        print("crash outcomes (exactly-once channel, status, posts): runs", dict(sorted(outcomes.items())))
    finally:
        for fake in fakes.values():
            fake.close()
