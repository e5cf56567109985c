"""Run the site's per-language builds in worker processes, one per core.

The daemon has threads, so workers come from a fork server, never from a fork of a process
with threads. Each worker sends its log records back, and the caller's loggers handle them as
their own: progress ("site <lang>"), the engine's warnings and the command's or daemon's log
settings work as when the languages are built in the caller's process.
"""

from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import multiprocessing.forkserver
import pickle
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from ..problems import SiteBuildError

T = TypeVar("T")

#: Imported once by the fork server, so that each worker starts with them loaded (the daemon
#: keeps the server for its lifetime); render/preload.py also reads jieba's dictionary.
PRELOAD = ["alertcast.render.site", "alertcast.render.mkdocs_engine", "mkdocs.commands.build",
           "alertcast.render.preload"]


def run_in_processes(function: Callable[..., T], calls: Sequence[tuple], processes: int) -> list[T]:
    """`function(*args)` for each of `calls` on `processes` cores: the first call in this process
    (which has the engine loaded already), the others meanwhile in at most `processes - 1`
    worker processes; the results in the order of `calls`. The first exception a call raises is
    raised here (the content's errors arrive as they were raised); a worker that dies (killed,
    out of memory) is a SiteBuildError."""
    if processes < 2 or len(calls) < 2:
        return [function(*args) for args in calls]
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    try:
        multiprocessing.forkserver.ensure_running()
    except OSError as exc:  # e.g. its socket's path under a deep TMPDIR is too long for AF_UNIX
        logging.getLogger(__name__).info("building the languages one after the other: no worker processes (%s)", exc)
        return [function(*args) for args in calls]
    queue = context.Queue()
    listener = logging.handlers.QueueListener(queue, _AsOwn())
    listener.start()
    try:
        with ProcessPoolExecutor(min(processes - 1, len(calls) - 1), mp_context=context, initializer=_start_worker,
                                 initargs=(queue, _levels())) as pool:
            # Pickled here, before this process's own build fills caches in the plan and the
            # configuration (the pool would pickle them in a thread meanwhile).
            futures = [pool.submit(_call, function, pickle.dumps(args)) for args in calls[1:]]
            try:
                first = function(*calls[0])
                return [first, *(future.result() for future in futures)]
            except BrokenProcessPool:
                raise SiteBuildError("a process building the site stopped before it finished (it was killed, "
                                     "or the machine ran out of memory); nothing was published: build again") from None
            finally:
                for future in futures:
                    future.cancel()
    finally:
        listener.stop()
        queue.close()


def _call(function: Callable[..., T], args: bytes) -> T:
    return function(*pickle.loads(args))


def _levels() -> dict[str, int]:
    """The levels set on this process's loggers (the root's under ""), for the workers to use."""
    levels = {"": logging.getLogger().level}
    for name, logger in logging.root.manager.loggerDict.items():
        if isinstance(logger, logging.Logger) and logger.level != logging.NOTSET:
            levels[name] = logger.level
    return levels


def _start_worker(queue: Any, levels: dict[str, int]) -> None:
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(logging.handlers.QueueHandler(queue))
    for name, level in levels.items():
        logging.getLogger(name or None).setLevel(level)


class _AsOwn(logging.Handler):
    """Hands a worker's record to this process's logger of the same name (its level was
    applied in the worker)."""

    def handle(self, record: logging.LogRecord) -> bool:
        logging.getLogger(record.name).handle(record)
        return True
