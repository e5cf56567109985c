"""Independent work on many items, spread over the machine's cores by forked processes.

`check` renders every page of the content to prove the build can (content/lint.py), and that
is most of its time at a thousand alerts: one page's rules never read another's results, so
the pages can be shared out. A forked child starts with everything the parent has loaded
(no import, no pickling of the content); only each item's result comes back, through a pipe.
The results are in the order of the items, as one process would give them.

Where there is one core, no `fork`, or too few items to pay for a process, everything runs
here; so it does in a process with other threads (the daemon, `preview`), as a lock one of them
held at the fork would stay held in the child forever. A child that fails (killed, out of memory, an exception) costs only time: its share is
done again in this process, where an exception is raised as it would be without children.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Fewer items than this per process are done here. Forking a process that holds a thousand
#: loaded alerts and joining it took 11-16 ms on a busy 2-core machine; 150 pages take several
#: times that to render.
LEAST_PER_PROCESS = 150


def cores() -> int:
    """The cores this process may run on (its affinity, which containers and `taskset` narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def ordered_map(work: Callable[[T], R], items: Sequence[T], *, processes: int | None = None,
                least: int = LEAST_PER_PROCESS) -> list[R]:
    """`[work(item) for item in items]`, on up to `processes` (default: `cores()`) processes.

    Process k of n takes items k, k + n, k + 2n...: neighbouring items (an alert in two
    languages) cost alike, so every share takes about as long. `work` must only compute:
    what it changes in a child stays there.
    """
    count = min(processes or cores(), len(items) // least)
    if count < 2 or not hasattr(os, "fork") or threading.active_count() > 1:
        return [work(item) for item in items]
    context = multiprocessing.get_context("fork")  # the child shares the loaded content; nothing is pickled to it
    children = []
    for share in range(1, count):
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(work, items[share::count], send), daemon=True)
        child.start()
        send.close()
        children.append((share, child, receive))
    results: list[R] = [None] * len(items)  # type: ignore[list-item]
    results[0::count] = [work(item) for item in items[0::count]]
    for share, child, receive in children:
        try:
            done = receive.recv()
        except (EOFError, OSError):
            done = None
        receive.close()
        child.join()
        results[share::count] = done if done is not None else [work(item) for item in items[share::count]]
    return results


def _child(work: Callable[[T], R], items: Sequence[T], send: Connection) -> None:
    try:
        done: list[R] | None = [work(item) for item in items]
    except BaseException:  # noqa: BLE001 (the parent does this share again and raises what it raises)
        done = None
    try:
        send.send(done)
    except BaseException:  # noqa: BLE001 (a result that cannot be sent: the parent does the share again)
        pass
    send.close()
