"""`alertcast check`, `new`, `report`, `snapshots` and `last-good`: the editor's commands over content and git."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path

import click

from ..config import load_config
from ..content.budget import FILE_CPU_SECONDS
from ..content.loader import CheckTarget
from ..gcpause import settling
from ..checks.load import load_content
from ..problems import ContentError
from ..render.diskcache import DiskCache
from .options import TimeParam, now_or, project_config, project_option, readable_config, report_and_exit, translator


@click.command()
@click.argument("path", required=False, type=click.Path(exists=True))
@project_option
@click.option("--format", "fmt", type=click.Choice(["text", "github"]), default="text", show_default=True,
              help="github prints GitHub Actions annotations.")
@click.pass_context
def check(ctx: click.Context, path: str | None, project: str, fmt: str) -> None:
    """Validate content and configuration; exit 1 when there are errors.

    PATH is a project folder (with mkdocs.yml), a content folder, or one file (default: the
    project given by --project). Each problem is printed as `path:line:col: level: message (hint)`.
    """
    explicit = ctx.get_parameter_source("project") is not click.core.ParameterSource.DEFAULT
    target = CheckTarget.of(Path(path) if path else None, Path(project) if explicit else None)
    config = None
    try:
        config = load_config(target.project)
    except ContentError as exc:  # reported like any other problem, on stdout with the count
        problems = exc.problems
    else:
        renders = DiskCache.for_project(config.root, os.environ)  # pages rendered before, by content hash
        with settling():  # loaded once: the collector need not go through the content again
            content, problems = load_content(config, target.content_dir and target.content_dir.resolve(),
                                             budget=FILE_CPU_SECONDS, renders=renders)
        renders.save()
        if content is not None:
            from ..published import deleted_published

            problems = problems + deleted_published(config, content)
        problems = target.select(problems, config)
    tr = translator(config)
    for problem in problems:
        click.echo(tr.problem_github(problem) if fmt == "github" else tr.problem(problem))
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    if fmt == "text":
        click.echo(tr(f"{errors} error(s), {warnings} warning(s)"), err=True)
    sys.exit(1 if errors else 0)


@click.command()
@click.argument("kind", type=click.Choice(["alert", "guide"]))
@click.argument("slug")
@project_option
@click.option("--now", type=TimeParam(), help="Time to put in publish_at (default: now).")
def new(kind: str, slug: str, project: str, now: datetime | None) -> None:
    """Create a new alert or guide in every configured language, with each field explained."""
    from .. import scaffold

    config = project_config(project)
    tr = translator(config)
    try:
        paths = scaffold.create(config, kind, slug, now_or(now), tr.lang if tr.lang != "en" else None)
    except scaffold.ScaffoldError as exc:  # as click writes an error, in the editor's language
        click.echo(tr(f"Error: {exc}"), err=True)
        sys.exit(1)
    for created in paths:
        click.echo(tr(f"created {created}"))
    click.echo(tr("next: edit the files, then run `alertcast check`"))


@click.command()
@click.argument("path", required=False, type=click.Path(file_okay=False))
@project_option
@click.option("--base", "base_ref", default=None,
              help="Git ref to compare with (default: the branch the pull request targets, GITHUB_BASE_REF, else main).")
@click.option("--head", "head_ref", default=None, help="Git ref to report on (default: the working tree as it is on disk).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "text"]), default="text", show_default=True,
              help="markdown suits a GitHub job summary ($GITHUB_STEP_SUMMARY).")
@click.option("--now", type=TimeParam(), help="Report as if it were this time (default: now).")
def report(path: str | None, project: str, base_ref: str | None, head_ref: str | None, fmt: str,
           now: datetime | None) -> None:
    """Show what a change publishes compared with --base: alerts added, modified, withdrawn or
    removed, when each goes live (and when the publishing path makes it public), its banner,
    each channel's post with its length, what an update or withdrawal does on each channel,
    and problems.

    PATH is the project folder (with mkdocs.yml) inside a git repository (default: the project
    given by --project). Exits 1 when the content has errors, 2 when git cannot give the refs
    asked for.
    """
    from .. import compare
    from ..report import to_markdown, to_text

    try:
        result = compare.from_git(Path(path or project), base_ref, head_ref, now_or(now))
    except compare.GitError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except ContentError as exc:
        report_and_exit(exc)
        return
    click.echo((to_markdown if fmt == "markdown" else to_text)(result, translator(readable_config(path or project))),
               nl=False)
    sys.exit(0 if result.ok else 1)


@click.command()
@click.argument("path", required=False, type=click.Path(file_okay=False))
@project_option
@click.option("--base", "base_ref", default=None,
              help="Git ref to compare with (default: the branch the pull request targets, GITHUB_BASE_REF, else main).")
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False),
              help="Folder that gets one folder of the built site per moment.")
@click.option("--now", type=TimeParam(), help="Build as if it were this time (default: now).")
def snapshots(path: str | None, project: str, base_ref: str | None, output: str, now: datetime | None) -> None:
    """Build the site at each new or changed alert's publish_at (compared with --base), one folder
    per moment (OUTPUT/20261208T010000Z/), so a reviewer sees the pages as readers will."""
    from .. import compare
    from .. import snapshots as snapshotting

    root = Path(path or project)
    config = project_config(str(root))
    tr = translator(config)
    try:
        result = compare.from_git(root, base_ref, None, now_or(now))
    except compare.GitError as exc:
        click.echo(tr(f"error: {exc}"), err=True)
        sys.exit(2)
    except ContentError as exc:
        report_and_exit(exc, tr=tr)
        return
    if not result.ok:
        click.echo(tr("the content has errors: run `alertcast check`; nothing is built"), err=True)
        sys.exit(1)
    try:
        folders = snapshotting.build_all(config, snapshotting.moments(result), Path(output))
    except ContentError as exc:
        report_and_exit(exc, tr=tr)
        return
    for folder in folders:
        click.echo(tr(f"built {folder}"))
    if not folders:
        click.echo(tr("no new or changed alert: nothing to build"))


@click.command("last-good")
@project_option
@click.option("--ref", default="HEAD", show_default=True, help="The commit to start from (e.g. origin/main).")
@click.option("--max-commits", type=click.IntRange(min=1), default=20, show_default=True,
              help="Look at most this many commits back (first parents only).")
def last_good(project: str, ref: str, max_commits: int) -> None:
    """Print the newest commit, from --ref back, whose project passes `alertcast check`.

    Each newer commit that fails is named on stderr with its first errors, so a broken default
    branch can be published from its last good commit and still be reported. Exits 1 when no
    commit within --max-commits passes, 2 when git cannot read the history.
    """
    from .. import lastgood

    try:
        walk = lastgood.newest_good(Path(project), ref, max_commits)
    except lastgood.GitError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    for broken in walk.broken:
        click.echo(f"{broken.commit} fails check with {len(broken.errors)} error(s):", err=True)
        for problem in broken.errors[:5]:
            click.echo(f"  {problem}", err=True)
    if walk.good is None:
        click.echo(f"error: none of the last {max_commits} commit(s) from {ref} passes check; fix the content "
                   "(alertcast check), or raise --max-commits", err=True)
        sys.exit(1)
    click.echo(walk.good)
