"""`alertcast posts` and `alertcast outbox`: preview what will be posted, inspect and steer the outbox."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
import jinja2

from ..config import load_config
from ..checks.load import load_all
from ..content.models import SOCIAL_CHANNELS
from ..i18n import Translator
from ..plan import Plan
from ..problems import ContentError
from ..render import mail
from ..render import posts as render_posts
from ..render import push as render_push
from ..render import wechat as render_wechat
from .. import statefile
from ..broadcast.outbox import STATUSES
from .options import load_project, now_from, now_opt, project_opt, store


def _channel_state(config, channel: str) -> str:
    """Whether the dispatcher would really send on `channel` now, or run dry (and why)."""
    from ..broadcast.adapters import ConfigProblem
    from ..broadcast.dispatcher import Dispatcher

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
    plan = Plan.at(loaded.content, now_from(now))
    tr = Translator.for_project(config.default_lang)
    alerts = [a for a in plan.content.alerts if alert_id in (None, a.id)]  # as they stand at --now
    if alert_id and not alerts:
        raise click.ClickException("\n".join([tr(f"no alert with id {alert_id!r}; run `alertcast posts preview` to list "
                                                 "them"), *_errors_after(errors, tr)]))
    for alert in alerts:
        _preview_alert(alert, plan, config, channels, tr)
    for line in _errors_after(errors, tr):
        click.echo(line)


def _errors_after(errors: list, tr: Translator) -> list[str]:
    if not errors:
        return []
    n = len(errors)
    heading = (tr(f"{n} error in the project (nothing is published or posted until `alertcast check` passes):") if n == 1
               else tr(f"{n} errors in the project (nothing is published or posted until `alertcast check` passes):"))
    return [heading, *(f"   {tr.problem(p)}" for p in errors)]


def _preview_alert(alert, plan: Plan, config, channels: tuple[str, ...], tr: Translator) -> None:
    if not alert.is_public:  # a test or exercise alert: what a rehearsal sends
        from .rehearse import preview_rehearsal

        preview_rehearsal(alert, config, channels)
        return
    state = plan.states[alert.id].value
    targets = list(channels) or [c for c in SOCIAL_CHANNELS if c in alert.channels]
    click.echo(tr(f"== {alert.id} ({tr(state)}, revision {alert.revision})"))
    if not targets:
        click.echo(tr("   no social channels"))
    if alert.is_withdrawn:
        actions = ["withdraw"]
    elif alert.updated_at and alert.updated_at > alert.publish_at:
        actions = ["post", "update"]  # a first post where none went out yet, an update where one did
    else:
        actions = ["post"]
    for channel in targets:
        listed = channel in alert.channels
        configured = tr(_channel_state(config, channel) if listed else "not in this alert's channels (not sent)")
        for action, lang in ((a, lang) for a in actions for lang in config.languages_of(channel) or (None,)):
            try:
                post = render_posts.render(alert, config, channel, action, lang)
            except jinja2.TemplateError:  # a project's own template; check names the line
                click.echo(tr(f"-- {channel} {tr(action)}: the post template cannot be rendered (see the errors below)"))
                continue
            if channel == "fcm" and not render_push.wanted(alert, config, action):
                click.echo(tr(f"-- {channel} {tr(action)}: {tr(render_push.not_pushed(alert, config, action))}"))
                continue
            mark = tr("ok") if post.fits else tr("TOO LONG")
            click.echo(tr(f"-- {channel} [{post.lang}] {tr(action)}: {post.length}/{post.limit} {tr(post.unit)} {mark}; "
                          f"{configured}"))
            if channel == "fcm":
                for line in render_push.lines(post.text):
                    click.echo(f"   {line}")
                held = render_push.quiet_note(alert, config, action, render_push.goes_at(alert, action, plan.now),
                                              (post.lang,))
                if held:
                    click.echo(f"   {tr(held)}")
            if channel == "wechat":
                for line in render_wechat.lines(post.text):
                    click.echo(f"   {line}")
            if channel == "email":
                click.echo(f"   {tr(mail.subject_note(post.text))}")
            for line in post.text.split("\n"):
                click.echo(f"   | {line}")
            for facet in post.facets:
                kind, value = ("tag", "#" + facet.tag) if facet.tag else ("link", facet.uri)
                click.echo(tr(f"   {kind} facet bytes {facet.byte_start}-{facet.byte_end}: {value}"))


@click.group("outbox", invoke_without_command=True)
@project_opt
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES),
              help="Only rows in this status (repeat it for several).")
@click.option("--since", type=click.Path(dir_okay=False), default=None,
              help="Only rows that are new or changed since this copy of the state file (SQLite).")
@click.pass_context
def outbox_group(ctx: click.Context, project: str, statuses: tuple[str, ...], since: str | None) -> None:
    """The social outbox: list queued, sent, failed and unknown rows."""
    ctx.obj = project
    if ctx.invoked_subcommand is None:
        from ..broadcast import outbox

        config, _ = load_project(project)
        engine = store(config)
        found = outbox.rows(engine, statuses or None)
        if since is not None:
            changed = {row["idem_key"] for row in statefile.changed_since(Path(since), _state_file(config))}
            found = [row for row in found if row["idem_key"] in changed]
        if not found:
            click.echo(f"no rows in status {' or '.join(statuses)}" if statuses else "the outbox is empty")
        for row in found:
            error = f"  [{row['last_error']}]" if row["last_error"] else ""
            click.echo(f"{row['id']:>5} {row['status']:<9} {row['channel']:<9} {row['action']:<8} {row['alert_id']} "
                       f"rev {row['revision']} tries {row['tries']} remote {row['remote_id'] or '-'}{error}")


def _engine(project: str):
    config, _ = load_project(project)
    return config, store(config)


@outbox_group.command("retry")
@click.argument("row_id", type=int)
@project_opt
@now_opt
def retry_cmd(row_id: int, project: str, now: str | None) -> None:
    """Put a failed row (or one previewed while its channel ran dry) back in the queue; a held
    row goes back with the text the reviewed content renders now."""
    from ..broadcast import outbox

    config, content = load_project(project)
    engine = store(config)
    found = outbox.get(engine, row_id)
    if found is not None and found["status"] == "held":
        problem = outbox.rerender(engine, row_id, Plan.at(content, now_from(now)), config)
        if problem:
            raise click.ClickException(problem)
        click.echo(f"row {row_id} queued again with the text the reviewed content renders now")
        return
    if not outbox.retry(engine, row_id, now_from(now)):
        raise click.ClickException(f"row {row_id} is not failed, previewed or held; "
                                   "see `alertcast outbox --status failed`")
    click.echo(f"row {row_id} queued again")


@outbox_group.command("resolve")
@click.argument("row_id", type=int)
@click.option("--posted", "posted", flag_value=True, default=None, help="It was posted: mark it sent.")
@click.option("--not-posted", "posted", flag_value=False, help="It was not posted: send it again.")
@click.option("--remote-id", default=None, help="The post's id on the network, if known (for later edit/delete); "
              "on a sent row, with --posted, the id a person checked is ours (after the credentials changed).")
@click.option("--withdrawn", is_flag=True, help="A withdrawal that failed or is unknown was done by hand: the "
              "alert's posts were deleted on the network; mark it sent.")
@project_opt
@now_opt
def resolve_cmd(row_id: int, posted: bool | None, remote_id: str | None, withdrawn: bool, project: str,
                now: str | None) -> None:
    """Settle a row whose outcome is unknown, after checking the channel by hand; vouch for a sent
    row's post id; or record a withdrawal done by hand."""
    from ..broadcast import broadcasts, outbox
    from ..broadcast.dispatcher import Dispatcher

    if withdrawn:
        if posted is not None or remote_id:
            raise click.ClickException("--withdrawn goes alone: it says the alert's posts were deleted by hand")
        config, engine = _engine(project)
        if not outbox.withdrawn_by_hand(engine, row_id, now_from(now)):
            raise click.ClickException(f"row {row_id} is not a failed or unknown withdrawal; see "
                                       "`alertcast outbox --status failed`")
        click.echo(f"row {row_id} marked withdrawn by hand: alertcast sends nothing more for it")
        return
    if posted is None:
        raise click.ClickException("say what you found: --posted or --not-posted")
    config, engine = _engine(project)
    row = outbox.get(engine, row_id)
    # The id a person gives is ours: marked with the channel's credentials, so it can be edited or deleted later.
    mark = Dispatcher(engine, config, env=os.environ).mark(row, remote_id) if row is not None and remote_id else None
    if row is not None and row["status"] == "sent":
        if not (posted and remote_id):
            raise click.ClickException(f"row {row_id} is sent; to vouch for its post id (after the channel's "
                                       f"credentials changed), give --posted --remote-id ID as seen on the network")
        outbox.vouch(engine, row_id, remote_id, mark)
        click.echo(f"row {row_id}: post id {remote_id} marked ours with the channel's credentials of now")
        for other in outbox.rows(engine, ("failed",)):
            if (other["alert_id"], other["channel"]) == (row["alert_id"], row["channel"]) and other["action"] != "post":
                click.echo(f"`alertcast outbox retry {other['id']}` sends its refused {other['action']} again")
        return
    if not outbox.resolve(engine, row_id, now_from(now), posted=posted, remote_id=remote_id, remote_mac=mark):
        raise click.ClickException(f"row {row_id} is not in status unknown; see `alertcast outbox --status unknown`")
    earlier = broadcasts.made(row) if row is not None and not posted else None
    if earlier:
        click.echo(f"row {row_id} queued again: its article is published without notifying followers; broadcast "
                   f"{earlier} was made for it already, and alertcast never broadcasts a row twice")
        return
    click.echo(f"row {row_id} marked sent" if posted else f"row {row_id} queued again")


@outbox_group.command("repost")
@click.argument("alert_id")
@click.option("--channel", "channels", multiple=True, help="Only this channel (repeat it for several); default: all "
              "the alert's enabled channels.")
@click.option("--yes", is_flag=True, help="Queue the posts; without it they are only shown.")
@project_opt
@now_opt
def repost_cmd(alert_id: str, channels: tuple[str, ...], yes: bool, project: str, now: str | None) -> None:
    """Post a live alert again on its channels: one that was live before a channel was enabled on
    this state store (the daemon posts none of those). Shows each post first; --yes queues them."""
    from ..broadcast import outbox

    config, content = load_project(project)
    when = now_from(now)
    plan = Plan.at(content, when)
    alert = next((a for a in plan.live if a.id == alert_id), None)
    if alert is None:
        raise click.ClickException(f"{alert_id} is not live at {when.isoformat()}; only a live alert is posted "
                                   "(see `alertcast status`)")
    targets = channels or tuple(c for c in config.enabled_channels if c in alert.channels)
    unknown = [c for c in targets if c not in config.enabled_channels or c not in alert.channels]
    if unknown or not targets:
        raise click.ClickException(f"{alert_id} does not go to {', '.join(unknown) or 'any enabled channel'}: "
                                   f"its channels are {', '.join(c for c in alert.channels if c in SOCIAL_CHANNELS)}")
    engine = store(config)
    for channel in (key for name in targets for key in config.deliveries_of(name)):
        post = outbox.render(alert, config, channel, "post")
        if not yes:
            click.echo(f"would post on {channel} ({_channel_state(config, channel.partition(':')[0])}):\n{post.text}\n")
        elif outbox.repost(engine, alert, config, channel, when):
            click.echo(f"queued on {channel}; the daemon (or `alertcast outbox drain`) sends it")
        else:
            click.echo(f"{channel}: this revision is already in the outbox (see `alertcast outbox`)")
    if not yes:
        click.echo("nothing queued; run again with --yes to post")
    engine.dispose()


@outbox_group.command("drain")
@project_opt
@now_opt
@click.option("--enqueue/--no-enqueue", default=True, help="First enqueue what the content calls for at this time.")
@click.option("--max-rows", type=int, default=None, help="Send at most this many rows.")
@click.option("--lease", type=float, default=300.0, show_default=True,
              help="Seconds after which a row left `sending` by a stopped process counts as interrupted.")
def drain_cmd(project: str, now: str | None, enqueue: bool, max_rows: int | None, lease: float) -> None:
    """Enqueue and send due posts once (the daemon does this on a schedule)."""
    from ..broadcast import outbox
    from ..broadcast.dispatcher import Dispatcher

    config, content = load_project(project)
    engine = store(config)
    when = now_from(now)
    dispatcher = Dispatcher(engine, config, env=os.environ, lease_seconds=lease)
    held = dispatcher.check_rows(when)  # the store may be restored from the state branch: before enqueue reads it
    if enqueue:
        outbox.enqueue(engine, Plan.at(content, when), config)
    report = dispatcher.drain(when, max_rows)
    report.held += len(held)
    for line in [*held, *report.lines]:
        click.echo(line)
    click.echo(json.dumps({k: getattr(report, k) for k in ("sent", "retrying", "failed", "unknown", "dry_run", "deferred",
                                                           "held")},
                          sort_keys=True), err=True)


def _state_file(config) -> Path:  # type: ignore[no-untyped-def]
    """The SQLite file of the project's state store (state_url), or a one-line refusal."""
    url = config.settings.state_url
    if not url.startswith("sqlite:///"):
        raise click.ClickException(f"state_url {url!r} is not a SQLite file; copies and merges of the state "
                                   "file are for sqlite:/// stores (PostgreSQL keeps one shared state)")
    path = Path(url[len("sqlite:///"):])
    return path if path.is_absolute() else (config.root / path).resolve()


@outbox_group.command("snapshot")
@click.argument("dest", type=click.Path(dir_okay=False))
@click.option("--like", type=click.Path(dir_okay=False), default=None,
              help="An earlier copy: if the state is the same, DEST becomes a byte-for-byte copy of it.")
@project_opt
def snapshot_cmd(dest: str, like: str | None, project: str) -> None:
    """Copy the state store into DEST as one self-contained SQLite file (to commit it somewhere).

    SQLite changes a few header bytes whenever it copies a file; with --like, a state whose
    content did not change is written as the earlier copy itself, so it shows as unchanged.
    """
    config, _ = _engine(project)
    try:
        changed = statefile.snapshot(_state_file(config), Path(dest), Path(like) if like else None)
    except statefile.StateFileError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"state {'changed' if changed else 'unchanged'}: {dest}")


@outbox_group.command("merge")
@click.option("--base", type=click.Path(dir_okay=False), default=None,
              help="The copy both sides started from (omit it if there was none).")
@click.option("--ours", required=True, type=click.Path(exists=True, dir_okay=False), help="Our copy.")
@click.option("--theirs", required=True, type=click.Path(exists=True, dir_okay=False), help="The copy saved meanwhile.")
@click.option("--out", "dest", required=True, type=click.Path(dir_okay=False), help="Where to write the merge.")
def merge_cmd(base: str | None, ours: str, theirs: str, dest: str) -> None:
    """Merge two copies of the state file that both moved on from BASE.

    Outbox rows are matched by their idempotency key; a row both sides changed keeps the status
    that says the post may have gone out (sent, then unknown, then sending). Nothing a copy
    records as sent is lost.
    """
    try:
        merged = statefile.merge(Path(base) if base else None, Path(ours), Path(theirs), Path(dest))
    except statefile.StateFileError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"merged: {len(merged.taken)} row(s) from {ours}, {len(merged.conflicts)} changed on both sides")
    for row, why in merged.refused_rows:
        click.echo(f"warning: not merged: outbox row {row} of {ours}: {why}")
    for refused, why in merged.refused:
        click.echo(f"warning: not merged: channel memory {refused} of {ours}: {why}")
