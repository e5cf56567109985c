"""Two dispatchers sharing one PostgreSQL outbox post each row once (invariant 4)."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

from alertcast.broadcast import outbox
from alertcast.broadcast.dispatcher import Dispatcher
from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.plan import Plan
from alertcast.state import open_store
from conftest import NOW
from social_support import configure, route_alert_to, start

pytestmark = pytest.mark.postgres
BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pg_url():
    assert BIN is not None, "PostgreSQL is not installed; scripts/test installs it"
    root = Path(tempfile.mkdtemp(prefix="alertcast-pg-"))
    os.chmod(root, 0o777)
    data, port = root / "data", _free_port()
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(as_pg + [str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)
    subprocess.run(as_pg + [str(BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log"), "-o",
                            f"-p {port} -k {root} -c listen_addresses=''", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={root}&port={port}"
    finally:
        subprocess.run(as_pg + [str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def test_two_daemons_share_one_postgres_outbox(project, pg_url):
    names = ["telegram", "discord", "mastodon", "x"]
    fakes = {n: start(n) for n in names}
    try:
        env = configure(project, fakes)
        route_alert_to(project, "live-phishing", names)
        config = load_config(project)
        content = load_or_raise(config)
        engines = [open_store(pg_url), open_store(pg_url)]
        plan = Plan.at(content, NOW)
        added = []
        threads = [threading.Thread(target=lambda e=e: added.append(outbox.enqueue(e, plan, config))) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(added) == len(names)
        for fake in fakes.values():
            fake.delay = 0.05
        threads = [threading.Thread(target=Dispatcher(e, config, env=env, rng=random.Random(i)).drain, args=(NOW,))
                   for i, e in enumerate(engines)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert {r["status"] for r in outbox.rows(engines[0])} == {"sent"}
        for name, fake in fakes.items():
            assert len(fake.posts) == 1, name
    finally:
        for fake in fakes.values():
            fake.close()
