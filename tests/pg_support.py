"""A throwaway PostgreSQL server for tests: initdb + pg_ctl in a temporary folder, on a free port.

Use it from a test module with `from pg_support import postgres_url  # noqa: F401` (a session
fixture yielding a SQLAlchemy URL). As root, the server runs as the `postgres` system user,
since initdb refuses root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


def bindir() -> Path:
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
        if (Path(out) / "initdb").exists():
            return Path(out)
    except (OSError, subprocess.CalledProcessError):
        pass
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found; install postgresql (scripts/test does)")
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def postgres_url():
    """Start a fresh server for the session; yields `postgresql+psycopg://...`."""
    bins = bindir()
    root = Path(tempfile.mkdtemp(prefix="alertcast-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        os.chmod(root, 0o700)
    port = free_port()
    subprocess.run(_as_owner([str(bins / "initdb"), "-D", str(data), "-U", "alertcast", "--auth=trust",
                              "-E", "UTF8", "--no-sync"]), check=True, capture_output=True)
    subprocess.run(_as_owner([str(bins / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "start",
                              "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"]),
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://alertcast@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_owner([str(bins / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def fresh_postgres(postgres_url):
    """A URL to a new, empty database on the session server."""
    import uuid

    from sqlalchemy import create_engine, text

    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield postgres_url.rsplit("/", 1)[0] + "/" + name
