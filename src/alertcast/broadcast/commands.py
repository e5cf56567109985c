"""`alertcast posts` and `alertcast outbox`: preview what will be posted, inspect and steer the outbox."""

from __future__ import annotations

import json
import os
from datetime import datetime

import click
import jinja2

from ..config import load_config
from ..content.loader import load_all, load_or_raise
from ..content.models import SOCIAL_CHANNELS
from ..plan import Plan
from ..problems import ContentError
from ..render import posts as render_posts
from ..state import open_store
from .outbox import STATUSES


def _project(path: str):
    try:
        config = load_config(path)
        return config, load_or_raise(config)
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None


def _now(value: str | None) -> datetime:
    from ..cli import TimeParam, now_or

    return now_or(TimeParam().convert(value, None, None) if value else None)


project_opt = click.option("-p", "--project", default=".", show_default=True, help="Folder holding mkdocs.yml.")
now_opt = click.option("--now", default=None, metavar="TIME", help="Pretend it is this time (ISO 8601 with offset).")


def _channel_state(config, channel: str) -> str:
    """Whether the dispatcher would really send on `channel` now, or run dry (and why)."""
    from .adapters import ConfigProblem
    from .dispatcher import Dispatcher

    if channel not in config.enabled_channels:
        return "not configured (dry run)"
    try:
        dry = Dispatcher(None, config, env=os.environ).is_dry(channel)  # type: ignore[arg-type]
    except ConfigProblem as exc:
        return f"misconfigured: {exc}"
    return "credentials missing or dry_run set (dry run)" if dry else "configured, will send"


@click.group("posts")
def posts_group() -> None:
    """Social posts: see exactly what each channel will receive."""


@posts_group.command("preview")
@click.argument("alert_id", required=False)
@project_opt
@now_opt
@click.option("--channel", "channels", multiple=True, type=click.Choice(SOCIAL_CHANNELS), help="Only these channels.")
def preview(alert_id: str | None, project: str, now: str | None, channels: tuple[str, ...]) -> None:
    """Show, per channel, the exact post text, its length against the network's limit, and link facets.

    Nothing is sent and the outbox is not touched; whether a channel would really send is shown
    per channel (`alertcast outbox drain` on a dry channel previews its rows instead). Without
    --channel, the alert's own social channels are shown; a channel asked for with --channel that
    the alert does not list is shown too, marked as never sent. Errors in the project do not hide
    the posts (the one `check` calls too long is what an editor needs to see): they follow them.
    """
    try:
        config = load_config(project)
    except ContentError as exc:
        raise click.ClickException(str(exc)) from None
    # Every file that parses, errors or not: an editor previews the post that `check` says is too long.
    loaded = load_all(config)
    errors = [p for p in loaded.problems if p.is_error]
    if loaded.content is None:
        raise click.ClickException("\n".join(str(p) for p in errors))
    plan = Plan.at(loaded.content, _now(now))
    alerts = [a for a in plan.content.alerts if alert_id in (None, a.id)]  # as they stand at --now
    if alert_id and not alerts:
        raise click.ClickException("\n".join([f"no alert with id {alert_id!r}; run `alertcast posts preview` to list "
                                              "them", *_errors_after(errors)]))
    for alert in alerts:
        _preview_alert(alert, plan, config, channels)
    for line in _errors_after(errors):
        click.echo(line)


def _errors_after(errors: list) -> list[str]:
    if not errors:
        return []
    return [f"{len(errors)} error{'s' * (len(errors) > 1)} in the project (nothing is published or posted until "
            "`alertcast check` passes):", *(f"   {p}" for p in errors)]


def _preview_alert(alert, plan: Plan, config, channels: tuple[str, ...]) -> None:
    state = plan.states[alert.id].value
    targets = list(channels) or [c for c in SOCIAL_CHANNELS if c in alert.channels]
    click.echo(f"== {alert.id} ({state}, revision {alert.revision})")
    if not targets:
        click.echo("   no social channels")
    if alert.is_withdrawn:
        actions = ["withdraw"]
    elif alert.updated_at and alert.updated_at > alert.publish_at:
        actions = ["post", "update"]  # a first post where none went out yet, an update where one did
    else:
        actions = ["post"]
    for channel in targets:
        listed = channel in alert.channels
        configured = _channel_state(config, channel) if listed else "not in this alert's channels (not sent)"
        for action in actions:
            try:
                post = render_posts.render(alert, config, channel, action)
            except jinja2.TemplateError:  # a project's own template; check names the line
                click.echo(f"-- {channel} {action}: the post template cannot be rendered (see the errors below)")
                continue
            mark = "ok" if post.fits else "TOO LONG"
            click.echo(f"-- {channel} [{post.lang}] {action}: {post.length}/{post.limit} {post.unit} {mark}; "
                       f"{configured}")
            for line in post.text.split("\n"):
                click.echo(f"   | {line}")
            for facet in post.facets:
                kind, value = ("tag", "#" + facet.tag) if facet.tag else ("link", facet.uri)
                click.echo(f"   {kind} facet bytes {facet.byte_start}-{facet.byte_end}: {value}")


@click.group("outbox", invoke_without_command=True)
@project_opt
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES),
              help="Only rows in this status (repeat it for several).")
@click.pass_context
def outbox_group(ctx: click.Context, project: str, statuses: tuple[str, ...]) -> None:
    """The social outbox: list queued, sent, failed and unknown rows."""
    ctx.obj = project
    if ctx.invoked_subcommand is None:
        from . import outbox

        config, _ = _project(project)
        engine = open_store(config.settings.state_url, config.root)
        found = outbox.rows(engine, statuses or None)
        if not found:
            click.echo(f"no rows in status {' or '.join(statuses)}" if statuses else "the outbox is empty")
        for row in found:
            error = f"  [{row['last_error']}]" if row["last_error"] else ""
            click.echo(f"{row['id']:>5} {row['status']:<9} {row['channel']:<9} {row['action']:<8} {row['alert_id']} "
                       f"rev {row['revision']} tries {row['tries']} remote {row['remote_id'] or '-'}{error}")


def _engine(project: str):
    config, _ = _project(project)
    return config, open_store(config.settings.state_url, config.root)


@outbox_group.command("retry")
@click.argument("row_id", type=int)
@project_opt
@now_opt
def retry_cmd(row_id: int, project: str, now: str | None) -> None:
    """Put a failed row (or one previewed while its channel ran dry) back in the queue."""
    from . import outbox

    _, engine = _engine(project)
    if not outbox.retry(engine, row_id, _now(now)):
        raise click.ClickException(f"row {row_id} is not failed or previewed; see `alertcast outbox --status failed`")
    click.echo(f"row {row_id} queued again")


@outbox_group.command("resolve")
@click.argument("row_id", type=int)
@click.option("--posted", "posted", flag_value=True, default=None, help="It was posted: mark it sent.")
@click.option("--not-posted", "posted", flag_value=False, help="It was not posted: send it again.")
@click.option("--remote-id", default=None, help="The post's id on the network, if known (for later edit/delete).")
@project_opt
@now_opt
def resolve_cmd(row_id: int, posted: bool | None, remote_id: str | None, project: str, now: str | None) -> None:
    """Settle a row whose outcome is unknown, after checking the channel by hand."""
    from . import outbox

    if posted is None:
        raise click.ClickException("say what you found: --posted or --not-posted")
    _, engine = _engine(project)
    if not outbox.resolve(engine, row_id, _now(now), posted=posted, remote_id=remote_id):
        raise click.ClickException(f"row {row_id} is not in status unknown; see `alertcast outbox --status unknown`")
    click.echo(f"row {row_id} " + ("marked sent" if posted else "queued again"))


@outbox_group.command("drain")
@project_opt
@now_opt
@click.option("--enqueue/--no-enqueue", default=True, help="First enqueue what the content calls for at this time.")
@click.option("--max-rows", type=int, default=None, help="Send at most this many rows.")
@click.option("--lease", type=float, default=300.0, show_default=True,
              help="Seconds after which a row left `sending` by a stopped process counts as interrupted.")
def drain_cmd(project: str, now: str | None, enqueue: bool, max_rows: int | None, lease: float) -> None:
    """Enqueue and send due posts once (the daemon does this on a schedule)."""
    from . import outbox
    from .dispatcher import Dispatcher

    config, content = _project(project)
    engine = open_store(config.settings.state_url, config.root)
    when = _now(now)
    if enqueue:
        outbox.enqueue(engine, Plan.at(content, when), config)
    report = Dispatcher(engine, config, env=os.environ, lease_seconds=lease).drain(when, max_rows)
    for line in report.lines:
        click.echo(line)
    click.echo(json.dumps({k: getattr(report, k) for k in ("sent", "retrying", "failed", "unknown", "dry_run", "deferred")},
                          sort_keys=True), err=True)
