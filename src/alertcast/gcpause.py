"""Cyclic garbage collection paused while a load or a render builds many objects.

Loading a thousand alerts allocates hundreds of thousands of objects, all kept; every
few thousand allocations CPython scans them again looking for cycles that are not there,
which cost about a tenth of a publish. Collection resumes when the outermost pause ends;
reference counting frees everything as usual meanwhile. Nested and concurrent pauses
(daemon threads) are counted, so collection resumes only when the last one ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


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
            if _depth == 0 and _was_enabled:
                gc.enable()
