"""`alertcast build`, `publish` and `keygen`: thin commands over alertcast.pipeline and signing."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TaskID, TextColumn
from rich.text import Text

from ..config import Config, SigningSettings
from ..gcpause import settling
from ..problems import ContentError, SiteBuildError
from ..publish.output import OutputError
from ..render.site_engine import start_workers
from ..timefmt import editor_time
from .options import TimeParam, now_or, project_config, project_option, report_and_exit, translator

if TYPE_CHECKING:
    from .. import pipeline


def _summary(console: Console, result: pipeline.BuildResult, deployed: bool, config: Config) -> None:
    """What a person wants to know after a build; times in the editors' time zone."""
    plan, zone = result.plan, config.settings.timezone
    console.print(f"[bold]built[/] {result.output} in {result.duration:.2f}s at {editor_time(plan.now, zone)}")
    live = ", ".join(a.id for a in plan.live) or "nothing"
    console.print(f"live: {live}")
    console.print(f"changed: {len(result.changed)} file(s)")
    for path in result.changed[:20]:
        console.print(f"  {path}")
    if len(result.changed) > 20:
        console.print(f"  ... and {len(result.changed) - 20} more")
    nxt = plan.next_change_at
    upcoming = [a.id for a in plan.scheduled[:3]]
    console.print(f"next change: {editor_time(nxt, zone) if nxt else 'none scheduled'}"
                  + (f" (scheduled: {', '.join(upcoming)})" if upcoming else ""))
    if result.signed:
        console.print("banners: signed (Ed25519)")
    else:
        s = config.settings.signing
        console.print(f"[yellow]banners: UNSIGNED[/] (no signing key: set signing.key_file under extra.alertcast in "
                      f"mkdocs.yml, or the environment variable {s.key_env}; `alertcast keygen` creates a key)",
                      markup=True, highlight=False)
    if deployed:
        if result.target is None:
            console.print("deployed: the output directory is the live site (no other target configured)")
        else:
            console.print(f"deployed to {result.target}: {len(result.deployed)} object(s) uploaded or removed")


_LABELS = {"load": "load content", "render": "render feeds, banners, CAP, indicators", "site": "site",
           "write": "write the release", "deploy": "deploy"}


class _Seconds(ProgressColumn):
    """Elapsed seconds with a decimal: most phases take well under one."""

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        return Text(f"{elapsed or 0:5.1f}s", style="progress.elapsed")


class PhaseProgress:
    """One line per phase with its elapsed time (and a bar for counted steps), on a terminal.

    Elsewhere (logs, CI) it shows nothing: the summary at the end says what happened, and
    a log gets no escape codes.
    """

    def __init__(self, console: Console):
        self.progress = Progress(SpinnerColumn(finished_text="[green]✓[/]"), TextColumn("{task.description:<40}"),
                                 BarColumn(bar_width=20), _Seconds(), TextColumn("{task.fields[steps]}"),
                                 console=console) if console.is_terminal else None
        self.task: TaskID | None = None
        self.phase = ""

    def __enter__(self) -> PhaseProgress:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self._close(failed=exc[0] is not None)
            self.progress.stop()

    def _close(self, failed: bool = False) -> None:
        if self.task is not None and self.progress is not None:
            task = next(t for t in self.progress.tasks if t.id == self.task)
            if failed:
                self.progress.update(self.task, description=f"[red]{task.description} (failed)[/]")
                self.progress.stop_task(self.task)
            else:
                self.progress.update(self.task, total=task.total or 1, completed=task.total or 1)
            self.task = None

    def __call__(self, phase: str, done: int | None = None, total: int | None = None) -> None:
        if self.progress is None:
            return
        if phase != self.phase:
            label = _LABELS.get(phase) or f"site ({phase.split(' ', 1)[1]})"
            if self.phase == "site" and self.task is not None:  # the first language names the site line
                self.progress.update(self.task, description=label)
            else:
                self._close()
                self.task = self.progress.add_task(label, total=None, steps="")
            self.phase = phase
        if total is not None and self.task is not None:
            self.progress.update(self.task, completed=done or 0, total=total, steps=f"{done}/{total}")


def _run(project: str, now: datetime | None, output: str | None, no_site: bool, deploy: bool,
         full: bool = False) -> None:
    config = project_config(project)
    if not no_site:
        # First of all: the site's worker processes preload the engine while this process
        # imports the pipeline and loads the content, instead of the build waiting for them.
        start_workers(len(config.languages))
    from .. import pipeline, signing
    from ..render.diskcache import DiskCache

    console = Console(stderr=True)
    out = Path(output) if output else None
    try:
        with PhaseProgress(console) as progress, settling():  # loaded once, rendered once
            renders = DiskCache.for_project(config.root, os.environ)  # pages rendered before, by content hash
            kwargs = {"with_site": not no_site, "progress": progress, "full": full, "renders": renders}
            if deploy:
                result = pipeline.publish(config, now_or(now), out, **kwargs)
            else:
                result = pipeline.build(config, now_or(now), out, **kwargs)
    except ContentError as exc:
        report_and_exit(exc)
        return
    except (signing.SigningKeyError, pipeline.SiteUnavailable, SiteBuildError, OutputError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:  # the output folder cannot be written (permissions, a full disk): nothing was switched
        raise click.ClickException(f"cannot write {exc.filename or out or config.output_dir}: "
                                   f"{exc.strerror or exc}; make the folder writable by this user, "
                                   "or pass another --output") from None
    _summary(console, result, deploy, config)


_now = click.option("--now", type=TimeParam(), help="Build as if it were this time (default: now).")
_output = click.option("--output", "-o", type=click.Path(file_okay=False),
                       help="Output directory (default: output_dir from mkdocs.yml, i.e. site/).")
_no_site = click.option("--no-site", is_flag=True, help="Skip the HTML site; write feeds, banners, CAP, indicators only.")
_full = click.option("--full", is_flag=True, help="Render every page of the site again, instead of only the pages "
                                                  "whose content changed since the live release.")


@click.command()
@project_option
@_now
@_output
@_no_site
@_full
def build(project: str, now: datetime | None, output: str | None, no_site: bool, full: bool) -> None:
    """Build the site and every output (feeds, banners, CAP, indicators) into one directory, atomically."""
    _run(project, now, output, no_site, deploy=False, full=full)


@click.command()
@project_option
@_now
@_output
@_no_site
@_full
def publish(project: str, now: datetime | None, output: str | None, no_site: bool, full: bool) -> None:
    """Build like `build`, then deploy to the configured target (directory or S3)."""
    _run(project, now, output, no_site, deploy=True, full=full)


#: Where keygen writes by default: the project's git-ignored working folder (see .gitignore).
KEY_FOLDER = ".alertcast"


@click.command()
@click.option("--out", "out", default=KEY_FOLDER + "/banner-signing-key", show_default=True,
              help="Write <out>.pem (private, mode 600) and <out>.pub.pem (public). The default folder "
                   "is git-ignored, so the private key cannot be committed by mistake.")
@click.option("--force", is_flag=True, help="Overwrite existing key files.")
def keygen(out: str, force: bool) -> None:
    """Create an Ed25519 key pair for signing banner files.

    Keep the private key out of git: point extra.alertcast.signing.key_file at it, or put its
    content in the environment variable named by signing.key_env (ALERTCAST_SIGNING_KEY).
    """
    from .. import signing

    private, public = Path(out + ".pem"), Path(out + ".pub.pem")
    for path in (private, public):
        if path.exists() and not force:
            raise click.ClickException(f"{path} exists; pass --force to overwrite it")
    pair = signing.generate()
    if out == keygen_default_out():
        private.parent.mkdir(exist_ok=True)
    for path in (private, public):
        if not path.parent.is_dir():
            raise click.ClickException(f"cannot write {path}: the folder {path.parent} does not exist; "
                                       "create it first, or pass another --out")
    try:
        private.touch(mode=0o600)
        private.chmod(0o600)
        private.write_bytes(pair.private_pem)
        public.write_bytes(pair.public_pem)
    except OSError as exc:
        raise click.ClickException(f"cannot write {exc.filename or out}: {exc.strerror}; "
                                   "pass another --out (a folder you can write to)") from None
    click.echo(f"private key: {private} (secret; never commit it)")
    click.echo(f"public key:  {public} (published at /{signing.PUBLIC_KEY_PATH} when banners are signed)")
    click.echo(f"key id:      {signing.key_id(signing.parse_private_key(pair.private_pem.decode()))} "
               "(banner files name it in key_id; apps trust the public key under this id)")
    click.echo(f"to sign banners with it, set in mkdocs.yml, under extra: alertcast:\n{_key_file_setting(private)}")
    click.echo(f"or, where the key must not be a file (CI): {SigningSettings().key_env}=\"$(cat {private})\"")
    sys.stdout.flush()


def keygen_default_out() -> str:
    return next(p.default for p in keygen.params if p.name == "out")


def _key_file_setting(private: Path) -> str:
    """The lines to paste: key_file is read relative to the project folder, i.e. where keygen ran."""
    return f"    signing:\n      key_file: {private.as_posix()}"


@click.command()
@project_option
@click.option("--now", type=TimeParam(), help="Preview as if it were this time (default: the time of each rebuild).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
def preview(project: str, now: datetime | None, host: str, port: int) -> None:
    """Serve the site and every output locally; rebuild and reload the browser when content,
    mkdocs.yml, post templates or theme overrides change. Stops on Ctrl-C or SIGTERM."""
    import logging

    from .. import preview as previewing

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    logging.getLogger("mkdocs").setLevel(logging.WARNING)  # its per-page notes drown what matters
    logging.getLogger("mkdocs.livereload").setLevel(logging.INFO)  # "Serving on ...", "Reloading browsers"
    tr = translator(project_config(project))  # a broken mkdocs.yml is reported with its line, before anything starts
    try:
        previewing.serve(Path(project).absolute(), host, port, lambda: now_or(now))
    except ContentError as exc:
        if exc.problems:
            report_and_exit(exc)
        sys.exit(1)
    except OSError as exc:  # as click writes an error, in the editor's language
        click.echo(tr(f"Error: cannot listen on {host}:{port} ({exc.strerror}); pass another --port"), err=True)
        sys.exit(1)


COMMANDS = (build, publish, keygen, preview)
