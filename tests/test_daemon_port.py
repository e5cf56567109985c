"""Idle connections to the daemon's port cannot exhaust it.

`alertcast run` runs as a real process with the descriptor limit the attack was tried with
(1,024); this test process opens 2,000 idle connections to its port, across a boundary.
"Publishes on time" is judged without wall-clock margins: the boundary's release is the one
built for that second, with no failed publish, and it went live sooner after the boundary than
the daemon's own measured first build took.
"""

from __future__ import annotations

import json
import os
import resource
import select
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from daemon_support import SRC, ahead, make_repo, wait_for
from pg_support import free_port

from alertcast.daemon.webhook import MAX_CONNECTIONS, Routes, serve

IDLE = 2000
DAEMON_FILES = 1024  # the soft descriptor limit the attack was tried with


def _records(log: Path) -> list[dict]:
    out = []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def _health(port: int) -> dict | None:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()
    except (requests.ConnectionError, requests.Timeout, ValueError):
        return None


def _banner(live: Path) -> str:
    try:
        return (live / "site" / "api" / "v1" / "banners" / "zh.json").read_text(encoding="utf-8")
    except OSError:
        return ""


def _descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _connections(pid: int, port: int) -> int:
    """The daemon's own sockets on its port (the listener and what it accepted), from the
    kernel's tables: a publish's pipes and worker processes do not count."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            count += 1
    return count


def _limit_files() -> None:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (DAEMON_FILES, hard))


def test_two_thousand_idle_connections_do_not_stop_a_boundary(tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = IDLE + 256
    assert hard == resource.RLIM_INFINITY or hard >= wanted, "the hard descriptor limit is below the test's needs"
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    port = free_port()
    log = tmp_path / "daemon.log"
    command = [sys.executable, "-m", "alertcast", "run", "-p", str(live), "--listen", f"127.0.0.1:{port}",
               "--sync-interval", "1"]
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(command, env=dict(os.environ, PYTHONPATH=str(SRC)), stdout=out,
                                stderr=subprocess.STDOUT, preexec_fn=_limit_files)
    idle: list[socket.socket] = []
    try:
        try:
            wait_for(lambda: (_health(port) or {}).get("status") == "ok", timeout=120)
            build = next(r["seconds"] for r in _records(log) if r.get("message") == "published")
            baseline = _descriptors(proc.pid)
            # in waves, each given a moment to connect, as a client that waits for each answer would
            for _ in range(0, IDLE, 20):
                wave = []
                for _ in range(20):
                    client = socket.socket()
                    client.setblocking(False)
                    client.connect_ex(("127.0.0.1", port))
                    wave.append(client)
                poller = select.poll()
                for client in wave:
                    poller.register(client, select.POLLOUT)
                poller.poll(50)
                idle += wave
            peak = [_descriptors(proc.pid)]
            held = [_connections(proc.pid, port)]

            # with the connections held: a commit is synced and published, its boundary scheduled,
            # and health answers; first a commit that is live at once, to measure how long a sync
            # and its publish take on this machine as it is loaded now, with the connections held
            pushed = time.monotonic()
            repo.commit_alert("warm-up", datetime.now(timezone.utc) - timedelta(minutes=1))
            wait_for(lambda: '"id":"warm-up"' in _banner(live), timeout=60 + 4 * build)
            cycle = time.monotonic() - pushed
            # then the boundary, as far ahead as twice what comes before it: a sync and its publish
            # (one such cycle), then the boundary's preparation (a build like the first)
            publish_at = ahead(2 * (cycle + build))
            repo.commit_alert("flash", publish_at)

            def scheduled() -> bool:
                peak.append(_descriptors(proc.pid))
                held.append(_connections(proc.pid, port))
                return (_health(port) or {}).get("next_boundary") == publish_at.isoformat()

            wait_for(scheduled, timeout=60)

            def boundary_record() -> dict | None:
                peak.append(_descriptors(proc.pid))
                held.append(_connections(proc.pid, port))
                return next((r for r in _records(log) if r.get("message") == "published" and r.get("reason") == "boundary"
                             and datetime.fromisoformat(r["now"]) == publish_at), None)

            record = wait_for(boundary_record, timeout=publish_at.timestamp() - datetime.now().timestamp() + 30 + 4 * build)
            during = max(peak)
            assert all(c.fileno() != -1 for c in idle)  # still held open by this side through the boundary
        finally:
            for client in idle:
                client.close()
        records = _records(log)
        assert not [r for r in records if "failed" in r.get("message", "")], [r for r in records if "failed" in r["message"]]
        went_live = datetime.fromisoformat(record["time"])
        print(f"daemon descriptors: {baseline} before the flood, {during} at most during it, of which at most "
              f"{max(held)} on its port; the boundary went live "
              f"{(went_live - publish_at).total_seconds():.2f} s after its second (first build: {build:.2f} s)")
        assert went_live >= publish_at and (went_live - publish_at).total_seconds() < build, (record, build)
        assert '"id":"flash"' in _banner(live)
        # the server held no more connections than its bound (and its listener), whatever a publish
        # opened meanwhile, and the flood left the daemon most of its descriptors
        assert 0 < max(held) <= MAX_CONNECTIONS + 1, held
        assert during < DAEMON_FILES // 2, (baseline, during)
        # and answers again once the idle connections are gone
        wait_for(lambda: (_health(port) or {}).get("status") == "ok", timeout=30)
    finally:  # whatever failed, the daemon does not outlive the test
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _server(**limits):  # type: ignore[no-untyped-def]
    routes = Routes(None, lambda: None, lambda: (True, {"status": "ok"}), lambda: (b"", "text/plain"))
    server = serve(routes, "127.0.0.1", 0, **limits)
    return server, server.server_address[1]


def test_a_client_that_stops_mid_request_is_closed_and_its_slot_freed():
    """The read timeout: a request line and then silence (a slow-headers client) holds the one
    slot only until the timeout; then the server closes it and answers the next client."""
    server, port = _server(max_connections=1, read_timeout=0.3)
    try:
        slow = socket.create_connection(("127.0.0.1", port))
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        slow.settimeout(60)  # far beyond the server's timeout: only the server can end this wait
        assert slow.recv(1024) == b""  # closed by the server, with no answer
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=30).json() == {"status": "ok"}
    finally:
        server.shutdown()
        server.server_close()


def test_an_idle_connection_makes_room_for_a_request():
    """The bound: with its one slot taken by a connection that sent nothing, the server closes
    that one for a client that waits, long before the read timeout."""
    server, port = _server(max_connections=1, read_timeout=600)
    try:
        idle = socket.create_connection(("127.0.0.1", port))
        wait_for(lambda: len(server._waiting) == 1, timeout=30)  # type: ignore[attr-defined]
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=30).json() == {"status": "ok"}
        idle.settimeout(60)
        assert idle.recv(1024) == b""
    finally:
        server.shutdown()
        server.server_close()
