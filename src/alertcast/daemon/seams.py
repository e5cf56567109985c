"""The seams between the daemon and the rooms it drives: what it asks of a publisher, a release
built ahead of its moment, the outbox's dispatcher, the clock and the scheduler's jobs. Tests pass
their own; the defaults load the real pipeline and dispatcher only when first used."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, Protocol

from sqlalchemy.engine import Engine

from ..config import Config
from ..content.models import Content
from ..content.parsecache import ParseCache
from ..plan import Plan
from ..render.diskcache import DiskCache
from ..render.memo import RenderCache


#: A clock: the daemon's (the moments it publishes for) or the scheduler's (when its jobs run).
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Jobs(Protocol):
    """What the rooms ask of the scheduler (APScheduler's BackgroundScheduler): jobs by id, each
    run in its pool at a moment of the scheduler's clock."""

    @property
    def running(self) -> bool: ...

    def add_job(self, func: Callable[..., Any], trigger: str | None = None, **options: Any) -> Any: ...

    def get_job(self, job_id: str) -> Any: ...

    def remove_job(self, job_id: str) -> None: ...


class Release(Protocol):
    """A release built privately for a moment (see pipeline.prepare): made live by a Finisher."""

    plan: Plan

    def discard(self) -> None: ...


class Publisher(Protocol):
    """Builds, deploys and makes live the outputs for `now`; returns what was published."""

    def __call__(self, config: Config, now: datetime, /) -> Any: ...


class Preparer(Protocol):
    """Builds the release for a later moment without making it live."""

    def __call__(self, config: Config, when: datetime, /) -> Release: ...


class Finisher(Protocol):
    """Makes a prepared release live and deploys it."""

    def __call__(self, config: Config, release: Release, /) -> Any: ...


class Enqueuer(Protocol):
    """Queues the posts a plan calls for; returns how many rows were added."""

    def __call__(self, engine: Engine, plan: Plan, config: Config, /) -> int: ...


class Drainer(Protocol):
    """Sends the outbox rows that are due (broadcast.dispatcher.Dispatcher)."""

    config: Config

    def drain(self, now: datetime) -> Any: ...


class Pipeline:
    """The real pipeline, keeping the files it parsed (`parsed`, shared with the daemon's other
    loads) and the pieces it rendered (see render/memo.py) for the daemon's lifetime, so a
    publish after one alert changed parses and renders that alert alone.

    `loaded(config)` gives the content the daemon has just loaded for `config` (see
    ContentSource.take), so a publish loads content/ once, not once to plan and again to build."""

    def __init__(self, parsed: ParseCache, loaded: Callable[[Config], Content | None] | None = None,
                 renders: DiskCache | None = None) -> None:
        self.parsed = parsed
        self.cache = RenderCache(disk=renders)  # `renders`: pages rendered before this daemon started
        self.loaded = loaded or (lambda config: None)

    def publish(self, config: Config, now: datetime) -> Any:
        from ..pipeline import publish

        return publish(config, now, cache=self.cache, parsed=self.parsed, content=self.loaded(config))

    def prepare(self, config: Config, when: datetime) -> Release:
        from ..pipeline import prepare

        return prepare(config, when, cache=self.cache, parsed=self.parsed, content=self.loaded(config))


def default_finisher(config: Config, prepared: Release) -> Any:
    from ..pipeline import publish_prepared

    return publish_prepared(config, prepared)


def default_enqueuer(engine: Engine, plan: Plan, config: Config) -> int:
    from ..broadcast.outbox import enqueue

    return enqueue(engine, plan, config)


def default_dispatcher(engine: Engine, config: Config, parsed: ParseCache | None = None) -> Drainer:
    from ..broadcast.dispatcher import Dispatcher
    from ..checks.load import load_or_raise

    dispatcher = Dispatcher(engine, config)
    dispatcher.reviewed = lambda: load_or_raise(dispatcher.config, cache=parsed)  # the daemon's parsed files
    return dispatcher
