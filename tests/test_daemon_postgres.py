"""Two daemons on one real PostgreSQL: exactly one publishes and dispatches; when it dies, the
other takes over within the lease time and publishes the next boundary."""

from __future__ import annotations

import time

import pytest
from daemon_support import Recorder, ahead, daemon_for, make_repo, real_pipeline_available, wait_for
from pg_support import fresh_postgres, postgres_url  # noqa: F401
from sqlalchemy import create_engine

from alertcast.daemon import publog
from alertcast.daemon.lease import Lease
from alertcast.state import open_store

pytestmark = pytest.mark.postgres


def test_lease_is_exclusive_and_expires(fresh_postgres):  # noqa: F811
    engine = open_store(fresh_postgres)
    a, b = Lease(engine, "a", ttl=5), Lease(engine, "b", ttl=5)
    assert a.acquire(now=100) and not b.acquire(now=101) and a.acquire(now=102)
    assert not b.acquire(now=106.9) and b.acquire(now=107.1) and not a.acquire(now=108)
    b.release()
    assert a.acquire(now=109)
    engine.dispose()


def test_two_daemons_one_publishes_other_takes_over(tmp_path, fresh_postgres):  # noqa: F811
    repo = make_repo(tmp_path)
    real = real_pipeline_available()
    one, two = Recorder(real), Recorder(real)
    engines = [create_engine(fresh_postgres), create_engine(fresh_postgres)]
    # the real pipeline builds the whole site (seconds on a loaded machine): give the lease room for it
    ttl = 10.0 if real else 2.0
    d1 = daemon_for(repo.clone("one"), one, engine=engines[0], holder="one", sync_interval=0.5, lease_ttl=ttl)
    d2 = daemon_for(repo.clone("two"), two, engine=engines[1], holder="two", sync_interval=0.5, lease_ttl=ttl)
    d1.start()
    wait_for(lambda: one.of("publish"))
    d2.start()
    try:
        assert d1.is_leader and not d2.is_leader
        publish_at, expires_at = ahead(3), ahead(30 if real else 9)
        repo.commit_alert("shared", publish_at, expires_at)
        went_live = wait_for(lambda: next((c for c in one.of("publish") if "shared" in c.live), None))
        assert went_live.now >= publish_at
        time.sleep(1.0)
        assert two.of("publish") == [] and two.of("enqueue") == [] and two.of("drain") == []
        assert len([c for c in one.of("enqueue") if "shared" in c.live]) == 1

        d1.stop(release=False)  # dies holding the lease
        died = time.time()
        wait_for(lambda: d2.is_leader, timeout=d2.lease.ttl + 3)
        assert time.time() - died <= d2.lease.ttl + 1.5
        gone = wait_for(lambda: next((c for c in two.of("publish")
                                      if c.now >= expires_at and "shared" not in c.live), None), timeout=45)
        assert gone.now.timestamp() < expires_at.timestamp() + 1.5
        assert two.of("drain")
        holders = {e.holder for e in publog.entries(engines[1], "publish")}
        assert holders == {"one", "two"}
    finally:
        d2.stop()
        d1.stop()
        for engine in engines:
            engine.dispose()
