"""What checking the outbox's rows costs each enqueue and drain (broadcast/outbox.py's
`hold_malformed`: the state file may be restored from the state branch, which anyone who can
push may change), on a SQLite store of --rows rows as alertcast writes them.

    python3 bench/outbox_check.py [--rows 20000] [--runs 5]

Prints the median wall time of the check, and of the same check done row by row in Python
(`malformed` on every row), which SQLite's query narrows down to the few that may be malformed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import insert, text

from alertcast.broadcast import outbox
from alertcast.state import open_store

T0 = datetime(2026, 3, 3, tzinfo=timezone.utc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(f"sqlite:///{Path(folder) / 'state.db'}")
        with engine.begin() as conn:
            conn.execute(insert(outbox.outbox), [dict(
                alert_id=f"alert-{i}", revision="20260303T000000Z", channel="telegram", action="post",
                idem_key=f"key-{i}", lang="zh", text="x" * 300, link="https://help.example/alerts/x/", facets="[]",
                status="sent", tries=1, due_at=T0, created_at=T0, first_try_at=T0, claimed_at=T0, sent_at=T0,
                remote_id=str(i), operation="post", outcome="posted") for i in range(args.rows)])

        def checked() -> float:
            start = time.perf_counter()
            assert outbox.hold_malformed(engine, T0) == []
            return time.perf_counter() - start

        def every_row() -> float:
            start = time.perf_counter()
            parse = outbox.time_reader(engine.dialect)
            with engine.connect() as conn:
                rows = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM outbox"))]
            assert not any(outbox.malformed(row, parse) for row in rows)
            return time.perf_counter() - start

        narrowed = statistics.median(checked() for _ in range(args.runs))
        python = statistics.median(every_row() for _ in range(args.runs))
    print(f"{args.rows} rows: check {narrowed * 1000:.0f} ms (each row in Python: {python * 1000:.0f} ms, "
          f"{python / narrowed:.1f} times as long)")


if __name__ == "__main__":
    main()
