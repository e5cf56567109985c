"""The machine's cores: how many this process may use, and work shared out over them.

Work goes to other processes in one of two ways, by what the caller is:

- `ordered_map` forks this process: a child starts with everything the parent has loaded (no
  import, no pickling of the content) and sends back only its share's results. `check` renders
  every page this way. Never in a process with other threads (the daemon, `preview`): a lock one
  of them held at the fork would stay held in the child forever; there, everything runs here.
- `Workers` are fresh processes from a fork server, which any process may use, threads or not:
  the site's languages build in them, while the process that started them goes on with other
  work. The server imports what the workers need once (the daemon keeps it for its lifetime).
  The server and the workers end with the process that started them, however it ends.

Either way the results come back in the order of the calls, as one process would give them.
`Phase` records where and when each part of a piece of work ran, across processes.
"""

from __future__ import annotations

import ctypes
import logging
import logging.handlers
import multiprocessing
import multiprocessing.forkserver
import os
import pickle
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

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


@dataclass(frozen=True)
class Phase:
    """One part of a piece of work: what, in which process, from when to when (the system's
    monotonic clock, the same in every process) and the CPU seconds that process spent on it."""

    name: str
    process: int
    start: float
    end: float
    cpu: float

    def overlaps(self, other: Phase) -> bool:
        return self.start < other.end and other.start < self.end


@contextmanager
def timed(name: str, phases: list[Phase]) -> Iterator[None]:
    """Append the Phase of the block to `phases` when it ends (whether or not it raised)."""
    start, cpu = time.monotonic(), time.process_time()
    try:
        yield
    finally:
        phases.append(Phase(name, os.getpid(), start, time.monotonic(), time.process_time() - cpu))


class TimeLimitExceeded(Exception):
    """Work went on past its time limit (see `time_limit`)."""

    def __init__(self, seconds: float):
        super().__init__(f"stopped after {seconds:g} s")
        self.seconds = seconds

    def __reduce__(self) -> tuple:  # raised in a worker, it comes back pickled
        return type(self), (self.seconds,)


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise TimeLimitExceeded in the block once it has run for `seconds`, and every second
    after, should code in it catch the first. Only on the main thread, where signals arrive:
    elsewhere the block runs without a limit (`Workers.results` limits a worker from outside)."""
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise TimeLimitExceeded(seconds)

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- forked children ---------------------------------------------------------------------------


def ordered_map(work: Callable[[T], R], items: Sequence[T], *, processes: int | None = None,
                least: int = LEAST_PER_PROCESS) -> list[R]:
    """`[work(item) for item in items]`, on up to `processes` (default: `cores()`) forked processes.

    Process k of n takes items k, k + n, k + 2n...: neighbouring items (an alert in two
    languages) cost alike, so every share takes about as long. `work` must only compute:
    what it changes in a child stays there. Where there is one core, no `fork`, other threads,
    or too few items to pay for a process, everything runs here. A child that fails (killed,
    out of memory, an exception) costs only time: its share is done again here, where an
    exception is raised as it would be without children.
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


# -- workers from a fork server ----------------------------------------------------------------


def start_fork_server(preload: Sequence[str]) -> bool:
    """Start the fork server the workers come from, unless it runs already: it imports
    `preload` in its own process while this one goes on (a build loads its content meanwhile).
    False where it cannot start (e.g. its socket's path under a deep TMPDIR is too long for
    AF_UNIX): then the caller does the work itself."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    try:
        multiprocessing.forkserver.ensure_running()
    except OSError as exc:
        logging.getLogger(__name__).info("no worker processes (%s): the work is done in this process", exc)
        return False
    return True


class WorkerStopped(RuntimeError):
    """A worker process ended before it returned its result (killed, out of memory)."""


class Workers:
    """Up to `processes` worker processes from the fork server (see `start_fork_server`),
    each started when a call needs it; a context manager that stops them on leaving.

    Each worker sends its log records back, and this process's loggers handle them as their
    own: progress, warnings and the command's or daemon's log settings work as if the calls
    ran here.
    """

    def __init__(self, processes: int):
        context = multiprocessing.get_context("forkserver")
        self._queue = context.Queue()
        self._listener = logging.handlers.QueueListener(self._queue, _AsOwn())
        self._listener.start()
        self._pool = ProcessPoolExecutor(processes, mp_context=context, initializer=_start_worker,
                                         initargs=(self._queue, _levels()))
        # Starting a worker waits until the fork server has imported what it preloads: a thread
        # of its own waits, so that this process goes on meanwhile.
        self._starter = ThreadPoolExecutor(1, thread_name_prefix="workers-start")
        self._calls: list[Future[Future]] = []
        self._stopped = False

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, function: Callable[..., T], *args: Any) -> Future[Future[T]]:
        """Start `function(*args)` in a worker; `result` gives what it returns. The arguments are
        pickled now, before this process goes on and fills caches in them."""
        call = self._starter.submit(self._start, function, pickle.dumps(args))
        self._calls.append(call)
        return call

    def _start(self, function: Callable[..., T], args: bytes) -> Future[T]:
        try:
            return self._pool.submit(_call, function, args)
        except OSError as exc:
            # A pool that broke meanwhile (a worker died) closes its queues before it says it is
            # broken (CPython 3.11); a worker started then fails on the closed queue ("handle is
            # closed"). It is the same broken pool, and the build says a worker stopped.
            raise BrokenProcessPool(f"a worker could not start: {exc}") from exc

    @staticmethod
    def result(call: Future[Future[T]]) -> T:
        """The call's result, or the exception it raised as it was raised; WorkerStopped if its
        worker died."""
        try:
            return call.result().result()
        except BrokenProcessPool:
            raise WorkerStopped("a worker process stopped before it finished") from None

    @staticmethod
    def results(calls: Sequence[Future[Future[T]]], timeout: float | None = None) -> list[T]:
        """The calls' results in order, or the first error as soon as any call fails: when a
        worker dies, a call whose worker was starting meanwhile may never end, so nothing waits
        for the calls after a failed one. WorkerStopped if a worker died; TimeLimitExceeded if
        the calls have not all ended `timeout` seconds from now (then `stop` the workers: the
        calls go on in them meanwhile)."""
        try:
            started = [call.result() for call in calls]
            done, running = wait(started, timeout=timeout, return_when=FIRST_EXCEPTION)
            if running and not any(future.exception() is not None for future in done):
                raise TimeLimitExceeded(timeout or 0)
            for future in started:
                if future in done and future.exception() is not None:
                    future.result()  # raises it as it was raised
            return [future.result() for future in started]
        except BrokenProcessPool:
            raise WorkerStopped("a worker process stopped before it finished") from None

    def stop(self) -> None:
        """Kill the workers now, whatever they are doing; `close` then returns at once."""
        self._stopped = True
        self._starter.shutdown(wait=True)
        self._kill()

    def _kill(self) -> None:
        for process in list((getattr(self._pool, "_processes", None) or {}).values()):
            process.kill()

    def close(self) -> None:
        self._starter.shutdown(wait=True)  # every call submitted: no worker starts after this
        broken = self._stopped
        for call in self._calls:
            if call.exception() is not None:
                broken |= isinstance(call.exception(), BrokenProcessPool)
                continue
            started = call.result()
            started.cancel()
            broken |= started.done() and not started.cancelled() and isinstance(started.exception(), BrokenProcessPool)
        if broken:
            # A worker that died breaks the pool, and the standard library then stops the other
            # workers and waits for them; but one that was starting while the pool broke is not
            # stopped, and waits for work for ever (and the build with it). Stop them all here.
            self._kill()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._listener.stop()
        self._queue.close()


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
    _end_with_parent()
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(logging.handlers.QueueHandler(queue))
    for name, level in levels.items():
        logging.getLogger(name or None).setLevel(level)


#: prctl's option that has the kernel send a process a signal when its parent ends (Linux).
PR_SET_PDEATHSIG = 1


def _end_with_parent() -> None:
    """Make this worker end when the process that started it does, even killed with SIGKILL
    (which runs no clean-up): else the worker and the fork server wait for work for ever.

    A worker holds the fork server's "alive" pipe open (to start processes of its own, which ours
    never do), so the server outlived a killed build: closed, the server ends with the build's
    process. The kernel then kills the worker, whose parent is the server (prctl's
    PR_SET_PDEATHSIG), even one busy in code that never lets another thread run. A thread also
    watches the build's process: it ends the worker if the server died before the prctl, and
    where there is no prctl."""
    alive = getattr(multiprocessing.forkserver._forkserver, "_forkserver_alive_fd", None)
    if alive is not None:
        os.close(alive)
        multiprocessing.forkserver._forkserver._forkserver_alive_fd = None
    if sys.platform.startswith("linux"):  # the C library is already loaded: no search for it (a subprocess)
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_when_ended, args=(parent,), daemon=True, name="end-with-parent").start()


def _end_when_ended(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()
    os.kill(os.getpid(), signal.SIGKILL)


class _AsOwn(logging.Handler):
    """Hands a worker's record to this process's logger of the same name (its level was
    applied in the worker)."""

    def handle(self, record: logging.LogRecord) -> bool:
        logging.getLogger(record.name).handle(record)
        return True
