"""Time what every post goes through before it is queued: X's weighted length by twitter-text,
Mastodon's, Bluesky's and Weibo's counts, Bluesky's facets, and Bluesky record keys for a large outbox.

    python3 bench/post_counts.py [--posts 2000] [--keys 100000] [--runs 3]

Posts are the bundled alerts' summaries in both languages with a link and hashtags around them,
as the shipped templates write them. twitter-text's URL pattern is the costly part: a text of
thousands of characters with no space is counted by a cheap lower bound instead (render/length.py),
and the next line times one such text; the last, Weibo's count of a long hostile text. Each figure is the median of --runs runs; CPU seconds are
shown next to wall seconds, because on a shared machine wall time also measures the neighbours.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from alertcast.broadcast.adapters.base import Message  # noqa: E402
from alertcast.broadcast.adapters.bluesky import record_key  # noqa: E402
from alertcast.broadcast.outbox import idem_key  # noqa: E402
from alertcast.render import length  # noqa: E402
from alertcast.render.posts import facets  # noqa: E402

ALERTS = Path(__file__).resolve().parents[1] / "content" / "alerts"


def summaries() -> list[str]:
    found = []
    for path in sorted(ALERTS.glob("*.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("summary:"):
                found.append(line.split(":", 1)[1].strip().strip('"'))
    return found


def posts(n: int) -> list[str]:
    texts = summaries()
    return [f"⚠️ Alert {i}\n{texts[i % len(texts)]}\nhttps://help.example.com/en/alerts/a-{i}/?a=1&b=2, "
            f"#ScamAlert #钓鱼" for i in range(n)]


def timed(runs: int, work) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    texts = posts(args.posts)
    for name, work in [
        ("x (twitter-text)", lambda: [length.count("x", t) for t in texts]),
        ("mastodon", lambda: [length.count("mastodon", t) for t in texts]),
        ("bluesky graphemes", lambda: [length.count("bluesky", t) for t in texts]),
        ("bluesky facets", lambda: [facets(t) for t in texts]),
        ("weibo", lambda: [length.count("weibo", t) for t in texts]),
    ]:
        wall, cpu = timed(args.runs, work)
        print(f"{name:<20} {args.posts} posts: {wall:.3f} s wall, {cpu:.3f} s CPU "
              f"({wall / args.posts * 1e6:.0f} µs a post)")
    messages = [Message(idem_key(f"alert-{i}", "rev", "bluesky", "post"), f"alert-{i}", "post", "en", "", "")
                for i in range(args.keys)]
    wall, cpu = timed(args.runs, lambda: {record_key(m) for m in messages})
    distinct = len({record_key(m) for m in messages})
    print(f"{'bluesky record keys':<20} {args.keys} rows: {wall:.3f} s wall, {cpu:.3f} s CPU, {distinct} distinct")
    long = "钓" * 5000
    wall, cpu = timed(args.runs, lambda: length.count("x", long))
    print(f"{'x, 5,000 CJK chars':<20} one text: {wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU "
          f"(counted {length.count('x', long)})")
    hostile = "http://a" + ".a" * 50_000 + "钓" * 50_000  # a link that never ends, then a wall of text
    wall, cpu = timed(args.runs, lambda: length.count("weibo", hostile))
    print(f"{'weibo, 150,000 chars':<20} one text: {wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU "
          f"(counted {length.count('weibo', hostile)})")


if __name__ == "__main__":
    main()
