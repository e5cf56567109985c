"""Time the fast path (every output except the HTML site) with 1,000 bilingual alerts.

    python3 bench/fast_outputs.py [--alerts 1000] [--sign]

Prints: content load, render_outputs, atomic write, total; then a re-publish in the same
process after one alert's files change on disk (reload, render, atomic write of the new release).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from alertcast import signing  # noqa: E402
from alertcast.config import load_config  # noqa: E402
from alertcast.content.loader import load_or_raise  # noqa: E402
from alertcast.pipeline import render_outputs  # noqa: E402
from alertcast.plan import Plan  # noqa: E402
from alertcast.publish.atomic import atomic_publish  # noqa: E402
from corpus import CST, write_alerts  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "project"


def make_project(root: Path, n: int) -> None:
    shutil.copy(FIXTURE / "mkdocs.yml", root / "mkdocs.yml")
    write_alerts(root / "content", n)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--sign", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_project(root, args.alerts)
        config = load_config(root)
        key = signing.parse_private_key(signing.generate().private_pem.decode()) if args.sign else None
        now = datetime(2026, 2, 20, tzinfo=CST)

        t0 = time.perf_counter()
        content = load_or_raise(config)
        t1 = time.perf_counter()
        plan = Plan.at(content, now)
        files = render_outputs(plan, config, key)
        t2 = time.perf_counter()
        atomic_publish(root / "site", files)
        t3 = time.perf_counter()
        print(f"alerts: {args.alerts} x {len(config.languages)} languages; live at now: {len(plan.live)}; "
              f"files: {len(files)}, {sum(map(len, files.values())) / 1e6:.1f} MB; signed: {key is not None}")
        print(f"cold: load {t1 - t0:.3f}s  render {t2 - t1:.3f}s  write {t3 - t2:.3f}s  total {t3 - t0:.3f}s")

        # Re-publish in the same process after an editor updates one alert (both languages), as
        # the daemon does after a sync: reload content (unchanged files come from the parse
        # cache), render, write the new release.
        for path in sorted((root / "content" / "alerts").glob(f"alert-{args.alerts // 2:04d}.*.md")):
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("channels:", f"updated_at: {(now - timedelta(minutes=5)).isoformat()}\n"
                                         "update_note: \"More detail.\"\nchannels:", 1), encoding="utf-8")
        t4 = time.perf_counter()
        content2 = load_or_raise(config)
        t5 = time.perf_counter()
        plan2 = Plan.at(content2, now)
        files2 = render_outputs(plan2, config, key)
        t6 = time.perf_counter()
        _release, changes = atomic_publish(root / "site", files2)
        t7 = time.perf_counter()
        print(f"re-publish after one change: load {t5 - t4:.3f}s  render {t6 - t5:.3f}s  write {t7 - t6:.3f}s  "
              f"total {t7 - t4:.3f}s  ({len(changes)} files changed)")

if __name__ == "__main__":
    main()
