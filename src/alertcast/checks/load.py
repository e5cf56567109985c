"""Content read and checked: what every command, build and the daemon load.

Reading (content/loader.py) gives the models of every file that parses and each file's own
problems; the cross-file rules (lint.py) then measure the whole set, some by rendering what they
measure (post lengths, sanitized HTML, a page's search entry). That is why loading lives above
render/, and content/ imports no renderer.
"""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..content.loader import Loaded, read_all
from ..content.models import Content
from ..content.official import cross_check
from ..content.parsecache import ParseCache
from ..gcpause import paused
from ..problems import ContentError, Problem
from ..render.diskcache import DiskCache
from .lint import lint


def load_all(config: Config, content_dir: Path | None = None, base: Path | None = None,
             cache: ParseCache | None = None, budget: float | None = None, renders: DiskCache | None = None) -> Loaded:
    """Load every file that parses into models and collect every problem, errors included."""
    read = read_all(config, content_dir, base, cache)
    if read.content is None:
        return Loaded(None, read.problems, False)
    problems = read.problems + lint(read.content, read.files, config, cache, budget, renders) + cross_check(read.content, read.files)
    return Loaded(read.content, sorted(set(problems + _theme_problems(config))), read.complete)


def _theme_problems(config: Config) -> list[Problem]:
    """The project theme's templates as the configured engine reads them (Zensical follows
    names out of the theme folder: render/zensical_engine.py)."""
    custom_dir = (config.raw.get("theme") or {}).get("custom_dir") if isinstance(config.raw.get("theme"), dict) else None
    if config.settings.site.engine != "zensical" or not isinstance(custom_dir, str):
        return []
    from ..render.zensical_engine import template_problems

    return template_problems(config.root / custom_dir, config.root)


def load_content(config: Config, content_dir: Path | None = None, base: Path | None = None,
                 cache: ParseCache | None = None, budget: float | None = None,
                 renders: DiskCache | None = None) -> tuple[Content | None, list[Problem]]:
    """Load everything. Returns the content (None when there are errors) and all problems.

    Warnings (such as a missing translation) do not stop loading. Files unchanged since
    the last load with the same `cache` (the caller's, kept between loads) are not parsed again;
    None parses all. With a
    `budget`, every page is also rendered, each file within that many seconds of CPU (`check`),
    except pages whose verdict `renders` holds (render/diskcache.py; the caller saves it).
    """
    with paused():
        loaded = load_all(config, content_dir, base, cache, budget, renders)
    return (loaded.content if loaded.ok else None), loaded.problems


def load_or_raise(config: Config, content_dir: Path | None = None, cache: ParseCache | None = None,
                  renders: DiskCache | None = None) -> Content:
    content, problems = load_content(config, content_dir, cache=cache, renders=renders)
    if content is None:
        raise ContentError(problems)
    return content
