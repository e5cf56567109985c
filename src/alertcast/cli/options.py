"""What every command shares: the time parameter, the clock, the project's settings, how
problems are printed. It imports no command, so every command module can import it."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from ..config import Config, load_config
from ..i18n import Translator
from ..problems import ContentError


class TimeParam(click.ParamType):
    """A timezone-aware ISO 8601 time, e.g. 2026-11-22T10:00:00+08:00."""

    name = "time"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        if isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 time; write e.g. 2026-11-22T10:00:00+08:00", param, ctx)
        if parsed.tzinfo is None:
            self.fail(f"{value!r} has no time zone; add the offset, e.g. {value}+08:00", param, ctx)
        return parsed


def now_or(value: datetime | None) -> datetime:
    """The one place the command line reads the clock; everything below takes `now`."""
    from datetime import timezone

    return value or datetime.now(timezone.utc).replace(microsecond=0)


def project_config(project: str) -> Config:
    try:
        return load_config(Path(project))
    except ContentError as exc:
        report_and_exit(exc)
        raise  # unreachable


def readable_config(project: str) -> Config | None:
    """The project's settings when they can be read (their problems are reported elsewhere)."""
    try:
        return load_config(Path(project))
    except ContentError:
        return None


def report_and_exit(exc: ContentError, fmt: str = "text", tr: Translator | None = None) -> None:
    tr = tr or translator(None)
    for problem in exc.problems:
        click.echo(tr.problem_github(problem) if fmt == "github" else tr.problem(problem), err=fmt != "github")
    sys.exit(1)


def translator(config: Config | None) -> Translator:
    """The editor's language (i18n.py): the environment's, else the project's default language;
    without a readable configuration, alertcast's default languages say which."""
    from ..config import Settings

    return Translator.for_project(config.default_lang if config else Settings().languages[0])


project_option = click.option(
    "--project", "-p", default=".", show_default=True, type=click.Path(file_okay=False),
    help="Folder with mkdocs.yml and content/.",
)


def load_project(path: str):  # type: ignore[no-untyped-def]
    """The settings and content of the posts, outbox and rehearse commands; a problem is a click error."""
    from ..checks.load import load_or_raise

    try:
        config = load_config(path)
        return config, load_or_raise(config)
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None


def store(config):  # type: ignore[no-untyped-def]
    """The project's state store; one that cannot be used is a click error that says why."""
    from ..state import StateStoreError, open_store

    try:
        return open_store(config.settings.state_url, config.root)
    except StateStoreError as exc:
        raise click.ClickException(str(exc)) from None


def now_from(value: str | None) -> datetime:
    return now_or(TimeParam().convert(value, None, None) if value else None)


project_opt = click.option("-p", "--project", default=".", show_default=True, help="Folder holding mkdocs.yml.")
now_opt = click.option("--now", default=None, metavar="TIME", help="Pretend it is this time (ISO 8601 with offset).")
