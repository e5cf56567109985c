"""Time the Verify answer and check's official-channels rules on the bundled content.

    python3 bench/verify_contacts.py [--runs 5]

Prints the CPU time of one `contacts.check` over the shared table of inputs
(tests/verify_table.py), averaged per input, and of `cross_check` (every scam indicator
compared with every official channel), each the median of --runs runs. CPU seconds, since
wall time on a shared machine also measures the neighbours.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests"))

from alertcast.config import load_config  # noqa: E402
from alertcast.contacts import check  # noqa: E402
from alertcast.checks.load import load_or_raise  # noqa: E402
from alertcast.content.official import cross_check  # noqa: E402
from alertcast.plan import Plan  # noqa: E402
from alertcast.render.indicators import INDICATORS_PATH, render_indicators  # noqa: E402
from alertcast.render.official import OFFICIAL_PATH, render_official  # noqa: E402
from verify_table import PINNED, TABLE  # noqa: E402


def cpu(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.process_time()
    fn()
    return time.process_time() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    config = load_config(REPO)
    content = load_or_raise(config)
    plan = Plan.at(content, PINNED)
    official = json.loads(render_official(plan, config)[OFFICIAL_PATH])
    indicators = json.loads(render_indicators(plan)[INDICATORS_PATH])
    check("warm-up", official, indicators)
    table = statistics.median(cpu(lambda: [check(row[0], official, indicators) for row in TABLE])
                              for _ in range(args.runs))
    rules = statistics.median(cpu(lambda: cross_check(content, [])) for _ in range(args.runs))
    count = sum(len(a.indicators.in_order()) for a in content.alerts)
    print(f"contacts.check: {table / len(TABLE) * 1e6:.0f} µs CPU per input ({len(TABLE)} inputs)")
    print(f"cross_check: {rules * 1e3:.1f} ms CPU for {count} indicators x {len(content.official.channels)} channels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
