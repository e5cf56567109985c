"""Cyclic garbage collection paused while a load or a render builds many objects.

Loading a thousand alerts allocates hundreds of thousands of objects, all kept; every
few thousand allocations CPython scans them again looking for cycles that are not there.
Measured with `bench/fast_outputs.py --alerts 1000 --runs 3` (CPU seconds, median), without
the pause a first load, render and write takes 5.80 s instead of 4.87 s, and a re-publish
after one alert changed 0.71 s instead of 0.51 s; so the pause stays.

It is process-wide because the collector is (CPython has no per-thread one); that is safe
because nothing here leaks cycles that must be found while a pause lasts (reference counting
frees everything as usual), and because the pause is owned by a `with` block: collection
resumes when the outermost pause ends, even on an exception. Nested and concurrent pauses
(daemon threads) are counted under a lock, so collection resumes only when the last one ends,
and never if it was off before the first began.

A command that loads once and then ends (`check`, `build`, `publish`) runs its work in
`settling()`: the end of each outermost pause then also freezes what the process holds
(`gc.freeze`), so the collector does not go through the loaded content again while the command
runs: it did after each pause, about 0.1 s of CPU of a warm `check` at a thousand alerts. The
block's end gives it all back to the collector, so a process that goes on (tests driving the
commands) loses nothing that becomes garbage later. Not in the daemon or a preview, which drop
what they loaded and load again while they run.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False
_settling = False


@contextmanager
def paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _settling:
                gc.freeze()
            if _depth == 0 and _was_enabled:
                gc.enable()


@contextmanager
def settling() -> Iterator[None]:
    """Within the block, what the process holds when a pause ends is left alone by the collector
    until the block ends (see the module)."""
    global _settling
    with _lock:
        previous, _settling = _settling, True
    try:
        yield
    finally:
        with _lock:
            _settling = previous
            if not previous:
                gc.unfreeze()
