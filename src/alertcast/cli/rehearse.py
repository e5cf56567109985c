"""`alertcast rehearse`: an alert's first post, update and withdrawal, sent now to test targets."""

from __future__ import annotations

import os
import time

import click

from ..content.models import SOCIAL_CHANNELS, Alert
from .options import load_project, now_from, project_opt, store


@click.command("rehearse")
@click.argument("alert_id")
@click.option("--channel", "channels", multiple=True, type=click.Choice(SOCIAL_CHANNELS),
              help="Only this channel (repeat it for several); default: every social channel the alert lists.")
@project_opt
def rehearse(alert_id: str, channels: tuple[str, ...], project: str) -> None:
    """Send ALERT_ID's first post, an update and a withdrawal to the test targets of its channels,
    now, through the outbox, and print what each network answered.

    Every post starts with a test mark; the rows (channel `<name>@test`) are kept apart from real
    posts, so the alert's real posts later are neither blocked nor deduplicated. Exits 1 when a
    row was not sent.
    """
    from ..broadcast.dispatcher import Dispatcher
    from ..broadcast.rehearsal import RehearsalError, run

    config, content = load_project(project)
    engine = store(config)
    dispatcher = Dispatcher(engine, config, env=os.environ)
    failed = False
    try:
        for step in run(engine, config, content, alert_id, channels, dispatcher, lambda: now_from(None), time.sleep):
            click.echo(step.answer())
            failed |= not step.done
    except RehearsalError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    if failed:
        click.echo("some rows were not sent: see `alertcast outbox` (the daemon or `alertcast outbox drain` "
                   "retries those still queued)", err=True)
        raise SystemExit(1)


def preview_rehearsal(alert: Alert, config, channels: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    """`alertcast posts preview` of a test or exercise alert: the posts a rehearsal sends to each test target."""
    from .. import testtarget
    from ..broadcast.rehearsal_posts import STEPS, render

    click.echo(f"== {alert.id} (status {alert.status}: never public; `alertcast rehearse {alert.id}` sends these "
               "posts to the test targets)")
    for channel in channels or [c for c in SOCIAL_CHANNELS if c in alert.channels]:
        if not testtarget.has_test_target(config, channel):
            click.echo(f"-- {channel}: no test target (see `alertcast check`)")
            continue
        for key in testtarget.deliveries(config, channel):
            for action in STEPS:
                post = render(alert, config, key, action)
                click.echo(f"-- {key} [{post.lang}] {action}: {post.length}/{post.limit} {post.unit} "
                           f"{'ok' if post.fits else 'TOO LONG'}")
                for line in post.text.split("\n"):
                    click.echo(f"   | {line}")
