"""What the daemon publishes from: the checkout's content or, while the newest commit fails
check, that of the last commit that passes, so that one editor's typo never stops time."""

from __future__ import annotations

import dataclasses
import logging

from prometheus_client import Gauge

from ..config import Config
from ..checks.load import load_content
from ..content.models import Content
from ..content.parsecache import ParseCache
from ..problems import ContentError
from . import gitsync, lastgood
from .lastgood import HeldBack

log = logging.getLogger("alertcast.daemon")


class ContentSource:
    def __init__(self, gauge: Gauge, parsed: ParseCache | None = None) -> None:
        """`gauge` is set to 1 while boundaries are published from an earlier commit; `parsed`
        keeps parsed files between loads (the daemon's)."""
        self._gauge = gauge
        self._parsed = parsed
        self.held_back: HeldBack | None = None  # the newest commit fails check
        self.content: Content | None = None  # what the last load found to publish
        self._fresh: tuple[Config, Content] | None = None  # the last load, until the pipeline takes it

    def take(self, config: Config) -> Content | None:
        """The content the last load returned with exactly this `config` (the object, which may
        be the last good commit's), once: the daemon loads, then publishes what it loaded, and
        the pipeline takes it rather than walking and checking content/ a second time. None when
        the last load was for another config or was taken already: then the pipeline loads."""
        fresh, self._fresh = self._fresh, None
        return fresh[1] if fresh is not None and fresh[0] is config else None

    def load(self, config: Config) -> tuple[Config, Content]:
        """What to publish from: the checkout's content or, while it fails check, that of the last
        commit that passes (see lastgood), so that bad content never stops time. Raises
        ContentError when no commit in reach passes."""
        self._fresh = None
        content, problems = load_content(config, cache=self._parsed)
        if content is not None:
            if self.held_back is not None:
                log.info("content passes check again", extra={"commit": gitsync.head(config.content_dir)})
                lastgood.clean(config)
                self.held_back = None
                self._gauge.set(0)
            self.content = content
            self._fresh = (config, content)
            return config, content
        head = gitsync.head(config.content_dir)
        errors = "; ".join(str(p) for p in problems if p.is_error)[:1500]
        if self.held_back is None or self.held_back.commit != head or head is None:
            found = lastgood.find(config, head) if head else None
            self.held_back = HeldBack(head, errors, *(found or (None, None)))
            self._gauge.set(1 if found else 0)
            log.error("content has errors; %s: %s", "boundaries are published from the last commit that passes "
                      "check until it is fixed" if found else "no earlier commit passes check: nothing is "
                      "published until it is fixed", errors,
                      extra={"commit": head, "published_commit": found[0] if found else None})
        else:
            self.held_back = dataclasses.replace(self.held_back, problems=errors)
        if self.held_back.folder is None:
            raise ContentError(problems)
        source = lastgood.with_content(config, self.held_back.folder)
        content, problems = load_content(source, cache=self._parsed)
        if content is None:  # the exported folder was removed: look again next time
            self.held_back = None
            raise ContentError(problems)
        self.content = content
        self._fresh = (source, content)
        return source, content
