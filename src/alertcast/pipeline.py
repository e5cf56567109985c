"""load -> Plan -> pure renderers -> site -> one atomic write -> deploy.

`render_outputs` is the fast path (everything except the HTML site); `build` writes a
complete release atomically; `publish` builds then deploys to the configured target.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import signing
from .config import Config
from .checks.load import load_or_raise
from .content.models import Content
from .content.parsecache import ParseCache
from .filedigest import FileDigest
from .gcpause import paused
from .cores import Phase, cores, timed
from .plan import Plan
from .publish.atomic import (MARKER, Staged, commit_staged, discard, held_live, live_release, owned, read_manifest,
                             stage, written_manifest)
from .publish.output import OutputError, check_output
from .render.banner import banner_path, render_banners
from .render.calendar import render_calendars
from .render.cap import INDEX_PATH, archive_paths, render_cap
from .render.feeds import render_feeds
from .render.help_api import help_path, render_help_files
from .render.indicators import render_indicators
from .render.knowledge import render_kb_files
from .render.diskcache import DiskCache
from .render.memo import RenderCache, own
from .render.official import OFFICIAL_PATH, render_official
from .render.push import render_schema as render_push_schema
from .scratch import SITE_STAGE, sweep

if TYPE_CHECKING:
    from .render.site import SiteBuild

log = logging.getLogger("alertcast.publish")

SiteBuilder = Callable[[Plan, Config, Path], None]
#: Told each phase as it starts: progress(phase, done, total), phase one of "load", "render",
#: "site" then "site <lang>" as each language's build starts (or, for one that started in its
#: worker while the outputs rendered, once "site" is told), "write", "deploy"; `done` and
#: `total` count steps within the phase where they are known (deploy uploads), else None.
Progress = Callable[[str, int | None, int | None], None]


def _quiet(phase: str, done: int | None = None, total: int | None = None) -> None:
    pass


@dataclass
class BuildResult:
    plan: Plan
    output: Path
    release: Path | None
    changed: list[str]
    duration: float
    signed: bool
    files: dict[str, bytes] = field(default_factory=dict, repr=False)
    deployed: list[str] = field(default_factory=list)
    target: str | None = None  # where publish deployed to, beyond the output directory
    with_site: bool = True  # False: the site's files were carried from the live release, not built
    phases: list[Phase] = field(default_factory=list, repr=False)  # where and when each part ran (see `prepare`)
    hashed: int = 0  # the site's files read back to hash as the release was written (the pages were hashed as they were built)

    @property
    def next_change_at(self) -> datetime | None:
        return self.plan.next_change_at


def render_outputs(plan: Plan, config: Config, signing_key: Ed25519PrivateKey | None = None,
                   cap_archive: Mapping[str, bytes] | None = None, cache: RenderCache | None = None,
                   processes: int | None = None) -> dict[str, bytes]:
    """Every non-HTML output for `plan`: relative path -> bytes. Pure and deterministic.

    `cap_archive`: CAP revision files published before (see `read_cap_archive`), kept so that
    every `references` entry still names a published message. `cache`: pieces kept from earlier
    renders by the caller that renders again (see render/memo.py); None renders afresh.
    `processes`: how many the knowledge base may render in (see render_kb_files); None: all the
    cores when `cache` is None (nothing is kept after this call), else one.
    """
    out: dict[str, bytes] = {}
    memo = own(cache)
    with paused():
        out.update(render_feeds(plan, config, memo))
        out.update(render_banners(plan, config, signing.key_id(signing_key) if signing_key else None, memo))
        out.update(render_cap(plan, config, cap_archive, memo))
        out.update(render_indicators(plan, memo))
        out.update(render_official(plan, config, signing.key_id(signing_key) if signing_key else None))
        out.update(render_help_files(plan, config, signing.key_id(signing_key) if signing_key else None, memo))
        # A fresh cache is this build's alone, so the languages may render in processes that
        # keep their pieces; a cache the caller keeps must get every piece (see render_kb_files).
        out.update(render_kb_files(plan, config, memo, processes or (cores() if cache is None else 1)))
        out.update(render_calendars(plan, config, memo))
        out.update(render_push_schema(config))
    if signing_key is not None:
        kid = signing.key_id(signing_key)
        for path, data in out.items():  # messages from the archive are signed already
            if path.startswith("cap/") and path != INDEX_PATH and not signing.is_signed(data):
                out[path] = memo("cap-signed", (kid, data), lambda data=data: signing.sign_message(signing_key, data))
        for lang in config.languages:
            path = banner_path(lang)
            out[path + ".sig"] = signing.sign(signing_key, out[path])
            out[help_path(lang) + ".sig"] = signing.sign(signing_key, out[help_path(lang)])
        if OFFICIAL_PATH in out:
            out[OFFICIAL_PATH + ".sig"] = signing.sign(signing_key, out[OFFICIAL_PATH])
        out[signing.PUBLIC_KEY_PATH] = signing.public_pem(signing_key)
    return dict(sorted(out.items()))


def read_cap_archive(plan: Plan, config: Config, output: Path, signing_key: Ed25519PrivateKey | None = None,
                     cache: RenderCache | None = None) -> dict[str, bytes]:
    """The CAP messages of the live release of `output` that this build must publish again
    (earlier revisions the content no longer describes). Only those files are read.

    The archive may come from outside the reviewed content (the publish workflow restores it
    from the state branch), so a message is published again only if it carries a valid
    signature by `signing_key`; without a key, none is.
    """
    live = live_release(output.absolute())  # None unless alertcast made it: nothing else is read
    if live is None:
        return {}
    out = {}
    for path in archive_paths(plan, config, read_manifest(live), cache):
        try:
            fd = os.open(live / path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue  # pruned meanwhile (nothing to keep), or a link: never followed
        with os.fdopen(fd, "rb") as fh:
            data = fh.read()
        if signing_key is not None and signing.verify_message(signing_key, data):
            out[path] = data
        else:
            log.warning("%s: not published again: it is not signed by the configured signing key", path)
    return out


#: The folders `render_outputs` writes; everything else in a release is the site's.
FAST_OUTPUTS = ("feeds/", "cap/", "api/", "calendar/")


def _site_files(live: Path | None) -> dict[str, Path]:
    """The site's files in the live release `live` (relative path -> file): a build
    without the site (`--no-site`) carries them into its release, so the pages that feeds
    and banners link to stay live, locally and at the deploy target."""
    if live is None:
        return {}
    found = {rel: path for rel, path in _regular_files(live) if not rel.startswith(FAST_OUTPUTS) and rel != MARKER}
    if not found:  # a folder prepared for alertcast (the CAP archive alone)
        return {}
    # Each page carried must be the one alertcast published: read from the manifest it wrote,
    # never from the pages themselves (a page edited in place, its manifest deleted, was carried).
    manifest, listed = written_manifest(live)
    if listed is None:
        raise OutputError(f"{manifest}: the live release has no manifest alertcast wrote (it was removed or changed), "
                          "so its pages cannot be proven the ones published; nothing was published: build with the "
                          "site (without --no-site), which renders them again")
    return {rel: path for rel, path in found.items() if rel in listed}


def _refuse_changed(staged: Staged, carried: Mapping[str, Path], recorded: Mapping[str, bytes]) -> None:
    """Discard `staged` and raise OutputError if a page it carried from the live release is not
    the one alertcast recorded there (edited in place after it went live): a build without the
    site renders no page to put in its place. Its digests were made as it was staged."""
    changed = sorted(rel for rel in carried if staged.digests.get(rel) != recorded.get(rel))
    if changed:
        discard(staged)
        shown = ", ".join(str(carried[rel]) for rel in changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
        raise OutputError(f"{shown}: not the file alertcast published in the live release (changed after it went "
                          "live); nothing was published: build with the site (without --no-site), which renders "
                          "it again")


def _regular_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Each regular file in `root` (relative path, path): what a release holds, read back as
    untrusted, so a link (to a file or a folder), a FIFO or a device in it is never carried."""
    for dirpath, _dirs, names in os.walk(root):  # does not enter linked folders
        for name in names:
            path = Path(dirpath) / name
            if stat.S_ISREG(path.lstat().st_mode):
                yield path.relative_to(root).as_posix(), path


def _link_files(files: Mapping[str, Path], dest: Path) -> None:
    """Hard-link each file into `dest` (releases are never modified, so they can share
    inodes), copying where the file system has no hard links."""
    for parent in sorted({os.path.dirname(rel) for rel in files}):
        os.makedirs(dest / parent, exist_ok=True)
    for rel, source in files.items():
        try:
            os.link(source, dest / rel, follow_symlinks=False)
        except OSError:
            shutil.copyfile(source, dest / rel, follow_symlinks=False)


def remove_leftovers(output: Path) -> list[Path]:
    """Remove what killed builds left: staging folders next to `output`'s releases and the
    site's docs staging folders in the system's temporary folder. Folders a live process
    holds (a build running, a release prepared ahead of its moment) stay. Every build does
    this, and so does the daemon when it starts."""
    from .publish.atomic import releases_dir

    return sweep(releases_dir(Path(output).absolute()), "tmp-") + sweep(None, SITE_STAGE)


def _site_start(output: Path | None) -> Callable[[Plan, Config, Path | None], SiteBuild]:
    """`start(plan, config, live)`: the site's build started (render/site.py's SiteBuild),
    imported lazily so the fast path never pays for mkdocs. With `output`, pages whose inputs
    did not change are taken from its live release `live` (render/incremental.py), which the
    caller holds meanwhile (publish/atomic.py's `held_live`)."""
    try:
        from .render.incremental import Previous
        from .render.site import SiteBuild
    except ImportError as exc:
        raise SiteUnavailable(f"the HTML site builder cannot be loaded ({exc}); build without it using --no-site") from None

    def start(plan: Plan, config: Config, live: Path | None) -> SiteBuild:
        previous = live if output is not None and live is not None and _reusable(output) else None
        return SiteBuild(plan, config, previous and Previous(previous, read_manifest(previous)))

    return start


def _reusable(output: Path) -> bool:
    """Whether pages may be reused from the live release of `output`: only when alertcast made
    it (a folder prepared for alertcast, e.g. restored by a workflow, is not checked against a
    manifest alertcast wrote)."""
    return owned(output.absolute())


class SiteUnavailable(RuntimeError):
    """The site engine is not installed or not importable."""


class _SiteLanguages:
    """Reports "site <lang>" as each language's build starts: the site builder logs it (with the
    language as `site_language`), in this process or in the worker process that builds it
    (cores.py hands a worker's records to the logger of the same name here). A language that
    starts while this process is still in an earlier phase is reported once `open` is called,
    so that the phases are told in order: "render", "site", then the languages."""

    def __init__(self, report: Progress):
        self.report = report
        self.held: list[str] | None = []
        self.lock = threading.Lock()

    def open(self) -> None:
        with self.lock:
            held, self.held = self.held or [], None
            for lang in held:
                self.report(f"site {lang}", None, None)

    def started(self, lang: str) -> None:
        with self.lock:
            if self.held is not None:
                self.held.append(lang)
            else:
                self.report(f"site {lang}", None, None)

    @contextmanager
    def listening(self) -> Iterator[None]:
        languages = self

        class Listener(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                lang = getattr(record, "site_language", None)
                if lang:
                    languages.started(lang)

        logger = logging.getLogger("alertcast.render.site")
        listener, level = Listener(logging.INFO), logger.level
        logger.addHandler(listener)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
        try:
            yield
        finally:
            logger.removeHandler(listener)
            logger.setLevel(level)


@dataclass
class Prepared:
    """A release built for `plan.now` but not live yet (see `prepare`)."""

    plan: Plan
    staged: Staged
    signed: bool
    files: dict[str, bytes] = field(repr=False)
    seconds: float  # time it took to build
    with_site: bool = True
    phases: list[Phase] = field(default_factory=list, repr=False)  # see `BuildResult.phases`

    def discard(self) -> None:
        discard(self.staged)


def prepare(config: Config, now: datetime, output: Path | None = None, *, with_site: bool = True,
            site_builder: SiteBuilder | None = None, content: Content | None = None,
            signing_key: Ed25519PrivateKey | None | bool = True, progress: Progress | None = None,
            cache: RenderCache | None = None, parsed: ParseCache | None = None, full: bool = False,
            renders: DiskCache | None = None) -> Prepared:
    """Build the site and all outputs for `now` into a private staging directory; nothing
    changes for readers until `finish`. Renderers take `now` as a parameter, so a release can
    be built before the moment it is for, and switched to at that second.

    `signing_key=True` (default) loads the configured key; None/False builds unsigned banners.
    `progress` is told each phase as it starts (see `Progress`). `cache`: rendered pieces the
    caller keeps between builds (the daemon's); None, a fresh one for this build. `parsed`: the
    caller's parsed files, for loading content (None parses every file). The site reuses the
    live release's pages whose inputs did not change; `full` renders every page. `renders`: pages
    rendered by earlier processes (render/diskcache.py) for a fresh `cache`; a kept cache has its own.

    With a core for each, the site's languages build in worker processes from the start, while
    this process renders the other outputs; the release's `phases` record where and when each
    part ran: "load", "outputs", "site" (from the languages' start until they are in the
    release), "site <lang>" (each language's build, in its process), "write" and, once
    `finish` made it live, "switch".
    Raises ContentError for bad content (the previous outputs stay live), OutputError for an
    output folder alertcast may not use (see publish/output.py), before anything is written.
    """
    start = time.perf_counter()
    report = progress or _quiet
    output = check_output(Path(output) if output is not None else config.output_dir, config.root, config.content_dir)
    remove_leftovers(output)
    phases: list[Phase] = []
    if with_site and site_builder is None:
        from .render.site_engine import start_workers

        start_workers(len(config.languages))  # it imports the engine in its own process while this one loads
    start_site = _site_start(None if full else output) if with_site and site_builder is None else None
    if content is None:
        report("load", None, None)
        with timed("load", phases):
            content = load_or_raise(config, cache=parsed, renders=renders)
    key = signing.load_key(config) if signing_key is True else (signing_key or None)
    plan = Plan.at(content, now)
    memo = own(cache, renders)
    languages = _SiteLanguages(report)
    with ExitStack() as held:
        held.enter_context(languages.listening())
        # Pages are reused or carried from the live release: held, no prune removes it meanwhile.
        live = held.enter_context(held_live(output.absolute()))
        site_start, site_cpu = time.monotonic(), time.process_time()
        # The site's languages start first, in worker processes where there are cores for them,
        # and build while this process renders the other outputs.
        site = held.enter_context(start_site(plan, config, live)) if start_site is not None else None
        report("render", None, None)
        with timed("outputs", phases):
            # `memo` is this build's alone when `cache` is None: the knowledge base may then
            # render in processes of its own, unless the site's languages have the cores.
            files = render_outputs(plan, config, key, read_cap_archive(plan, config, output, key, memo), memo,
                                   processes=1 if cache is not None or (site and site.concurrent) else cores())
        if memo.disk is not None:
            memo.disk.save()
        carried = {} if with_site else _site_files(live)
        writing = [time.monotonic(), time.process_time()]  # when writing the release starts

        def fill(dest: Path) -> dict[str, FileDigest]:
            hashed: dict[str, FileDigest] = {}
            if with_site:
                report("site", None, None)
                languages.open()
                if site is None:  # a builder of the caller's, here and now
                    began, cpu = time.monotonic(), time.process_time()
                    site_builder(plan, config, dest)  # type: ignore[misc]
                else:
                    began, cpu = site_start, site_cpu
                    phases.extend(site.finish(dest))
                    # The pages as the workers hashed them: the release's writer does not read them again.
                    hashed = {rel: seen for built in site.built for rel, seen in built.hashed.items()}
                phases.append(Phase("site", os.getpid(), began, time.monotonic(), time.process_time() - cpu))
            report("write", None, None)
            writing[:] = time.monotonic(), time.process_time()
            _link_files(carried, dest)
            return hashed

        staged = stage(output, files, fill)
        if carried:
            _refuse_changed(staged, {rel: carried[rel] for rel in carried if rel not in files}, read_manifest(live))
    # Writing the release includes stopping the workers and removing the site's staging.
    phases.append(Phase("write", os.getpid(), writing[0], time.monotonic(), time.process_time() - writing[1]))
    return Prepared(plan, staged, key is not None, files, time.perf_counter() - start, with_site, phases)


def finish(prepared: Prepared) -> BuildResult:
    """Make a prepared release live (one atomic switch)."""
    start = time.perf_counter()
    phases = list(prepared.phases)
    with timed("switch", phases):
        release, changed = commit_staged(prepared.staged)
    return BuildResult(prepared.plan, prepared.staged.output, release, changed,
                       prepared.seconds + time.perf_counter() - start, prepared.signed, prepared.files,
                       with_site=prepared.with_site, phases=phases, hashed=prepared.staged.hashed)


def build(config: Config, now: datetime, output: Path | None = None, **kwargs) -> BuildResult:  # type: ignore[no-untyped-def]
    """Build the site and all outputs for `now` into a new release of `output`, atomically
    (`prepare`, then `finish` at once; same options as `prepare`)."""
    return finish(prepare(config, now, output, **kwargs))


def publish(config: Config, now: datetime, output: Path | None = None, *, target=None, **kwargs) -> BuildResult:  # type: ignore[no-untyped-def]
    """Build, then deploy the release to the configured target (directory or S3)."""
    return deploy(config, build(config, now, output, **kwargs), target, kwargs.get("progress"))


def publish_prepared(config: Config, prepared: Prepared, target=None) -> BuildResult:  # type: ignore[no-untyped-def]
    """Make a prepared release live, then deploy it to the configured target."""
    return deploy(config, finish(prepared), target)


def deploy(config: Config, result: BuildResult, target=None, progress: Progress | None = None) -> BuildResult:  # type: ignore[no-untyped-def]
    from .publish.deploy import target_from_config

    deployer = target or target_from_config(config)
    if deployer is not None and result.release is not None:
        report = progress or _quiet
        report("deploy", None, None)
        # Without the site, the target keeps its pages even if this release has none to carry
        # (a fresh output folder): only the fast outputs are replaced.
        keep = None if result.with_site else (lambda path: not path.startswith(FAST_OUTPUTS))
        result.deployed = deployer.deploy(result.release, lambda done, total: report("deploy", done, total), keep)
        result.target = deployer.describe()
    return result
