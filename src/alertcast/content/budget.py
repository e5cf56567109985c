"""A CPU-time budget for reading one content file, so a file shaped to be slow is refused by
`check` instead of hanging it, or hanging every build after its `publish_at`.

Python-Markdown and the link rules are quadratic on some shapes (65,000 `[a](`, 300,000
backticks or `[`, thousands of nested `>`): a 256 KiB file took minutes. No static rule lists
every such shape, so `check` measures instead: each file's rules and its page's Markdown must
finish within FILE_CPU_SECONDS of CPU (not wall time, so a busy machine does not fail it).

Only `check` has a budget (and renders every page): a build or the daemon loads what passed
`check` on its way to `main`, and must not refuse it because a busy machine made it slower.
The budget is a SIGPROF timer, which Python can only set in the main thread.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

#: What one content file may cost `check`; a build renders its page in a fraction of it.
FILE_CPU_SECONDS = 2.0


class OverBudget(Exception):
    """The work took more CPU time than its budget."""


@contextmanager
def cpu_budget(seconds: float | None) -> Iterator[None]:
    """Raise OverBudget inside the block once it has used `seconds` of CPU time (None: no limit)."""
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def over(signum: int, frame: object) -> None:
        raise OverBudget(f"over {seconds:g} s of CPU")

    previous = signal.signal(signal.SIGPROF, over)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
