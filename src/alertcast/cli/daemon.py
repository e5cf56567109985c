"""`alertcast run` and `alertcast status`: thin commands over the daemon."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from ..config import CONFIG_FILE
from ..broadcast import broadcasts
from ..checks.load import load_content
from ..plan import Plan
from ..problems import ContentError, Problem
from ..render.wechat import settings as wechat_settings
from ..daemon import gitsync, publog
from ..daemon.lease import Lease
from ..daemon.status import outbox_summary
from .options import TimeParam, project_config, report_and_exit, store, translator


def _project_option(f):  # type: ignore[no-untyped-def]
    return click.option("--project", "-p", default=".", show_default=True, type=click.Path(file_okay=False),
                        help="Folder with mkdocs.yml and content/.")(f)


@click.command()
@_project_option
@click.option("--listen", default="127.0.0.1:8787", show_default=True,
              help="host:port for /hooks/git, /healthz and /metrics; 'off' to disable.")
@click.option("--sync-interval", default=60.0, show_default=True, type=click.FloatRange(min=1),
              help="Seconds between `git fetch` of the content checkout.")
@click.option("--no-sync", is_flag=True, help="Do not fetch: publish the checkout as it is.")
@click.option("--dispatch-interval", default=5.0, show_default=True, type=click.FloatRange(min=0.5),
              help="Seconds between outbox drains.")
@click.option("--lease-ttl", default=15.0, show_default=True, type=click.FloatRange(min=1),
              help="Seconds a second daemon waits before taking over from a dead one.")
@click.option("--publish-retry", default=30.0, show_default=True, type=click.FloatRange(min=0.5),
              help="Seconds before a failed publish (deploy or state store error) is retried; "
                   "doubles up to 10 minutes.")
@click.option("--webhook-secret-env", default="ALERTCAST_WEBHOOK_SECRET", show_default=True,
              help="Environment variable with the webhook secret.")
@click.option("--webhook-secret-file", default=None, help="File with the webhook secret (instead of the env var).")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]))
def run(project: str, listen: str, sync_interval: float, no_sync: bool, dispatch_interval: float,
        lease_ttl: float, publish_retry: float, webhook_secret_env: str, webhook_secret_file: str | None,
        log_level: str) -> None:
    """Run the scheduler daemon: sync content from git, publish at every publish_at, expires_at
    and future updated_at, drain the social outbox, serve health and metrics. Stops cleanly on SIGTERM."""
    from ..daemon import logs
    from ..daemon.liveconfig import initial_config, problems_text
    from ..daemon.service import Daemon

    logs.setup(log_level)
    # An invalid mkdocs.yml does not stop the daemon: it waits, syncing, for a valid one (see Daemon).
    # A missing or unreadable one, or one that no sync can bring, needs a person: exit 1.
    try:
        config, invalid = initial_config(project)
    except ContentError as exc:
        report_and_exit(exc)
        raise  # unreachable
    except OSError as exc:
        report_and_exit(ContentError([Problem(str(Path(project) / CONFIG_FILE), 1, 1, "error",
                                              f"cannot be read: {exc.strerror or type(exc).__name__}",
                                              "give the daemon's user read access to it")]))
        raise  # unreachable
    if invalid and not no_sync and gitsync.head(config.root) is None:
        for problem in invalid.errors:
            click.echo(str(problem), err=True)
        click.echo(f"{config.root}: error: not a git checkout, so the daemon cannot fetch a fixed {CONFIG_FILE} "
                   "(fix the file and start again, or clone the content repository there)", err=True)
        sys.exit(1)
    address = None
    if listen != "off":
        host, _, port = listen.rpartition(":")
        if not host or not port.isdigit():
            raise click.BadParameter(f"{listen!r} is not host:port, e.g. 127.0.0.1:8787", param_hint="--listen")
        address = (host, int(port))
    secret = config.secret(webhook_secret_env, webhook_secret_file)
    logs.hide(secret)
    logs.hide(config.secret(config.settings.signing.key_env, config.settings.signing.key_file))
    from ..state import StateStoreError

    try:
        daemon = Daemon(config, sync_interval=sync_interval, dispatch_interval=dispatch_interval, lease_ttl=lease_ttl,
                        webhook_secret=secret, listen=address, sync=not no_sync, publish_retry=publish_retry,
                        config_error=problems_text(invalid, config.path) if invalid else None)
    except StateStoreError as exc:  # a state file with a trigger or a view, or not a database
        raise click.ClickException(str(exc)) from None
    import faulthandler
    import signal

    faulthandler.register(signal.SIGQUIT, all_threads=True)  # `kill -QUIT` prints every thread's stack
    sys.exit(daemon.run_forever())


@click.command()
@_project_option
@click.option("--now", default=None, metavar="TIME", help="Show the state at this ISO 8601 time instead of now.")
def status(project: str, now: str | None) -> None:
    """Show which daemon leads and what it deployed (the live banner), what the checkout says is
    live and scheduled next, the outbox summary, and the last publish and sync. Times are in the
    project's timezone, with their UTC offset."""
    from ..timefmt import editor_time

    config = project_config(project)
    tr = translator(config)
    at = TimeParam().convert(now, None, None) if now else datetime.now(timezone.utc).replace(microsecond=0)

    def local(t: datetime) -> str:  # the editors' zone, with its offset and label
        return editor_time(t, config.settings.timezone, seconds=True)

    click.echo(tr(f"now: {local(at)}"))
    engine = store(config)
    lease = Lease(engine, "").current()
    if lease is None or lease[1] <= datetime.now(timezone.utc).timestamp():
        click.echo(tr("leader: none (no daemon holds the publisher lease: none runs, or it stopped)"))
    else:
        since = next((e.at for e in publog.entries(engine, "publish") if e.holder == lease[0]), None)
        until = local(datetime.fromtimestamp(lease[1], timezone.utc))
        click.echo(tr(f"leader: {lease[0]} since {local(since)} (lease until {until})") if since
                   else tr(f"leader: {lease[0]} (lease until {until})"))
    click.echo(tr(_deployed(config)))
    content, problems = load_content(config)
    if content is None:
        errors = [p for p in problems if p.is_error]
        click.echo(tr(f"content: {len(errors)} error(s); run `alertcast check` (first: {tr.problem(errors[0])})"))
    else:
        plan = Plan.at(content, at)
        click.echo(tr(f"live ({len(plan.live)}):"))
        for alert in plan.live:
            severity = tr(alert.severity.value)  # the report's word for it, translated where it is written
            click.echo(tr(f"  {alert.id} [{severity}] until {local(alert.expires_at)}") if alert.expires_at
                       else f"  {alert.id} [{severity}]")
        click.echo(tr(f"scheduled ({len(plan.scheduled)}):"))
        for alert in plan.scheduled:
            click.echo(tr(f"  {alert.id} at {local(alert.publish_at)}"))
        nxt = plan.next_change_at
        click.echo(tr(f"next change: {local(nxt)}") if nxt else tr("next change: none"))
    summary = outbox_summary(engine)
    rows = ", ".join(f"{c}/{s}={n}" for (c, s), n in sorted(summary.items()))
    click.echo(tr(f"outbox: {rows}") if rows else tr("outbox: empty"))
    if "wechat" in config.enabled_channels:
        for line in broadcasts.status_lines(engine, "wechat", at, config.tz, wechat_settings(config).broadcasts_per_month):
            click.echo(line)
    for kind in ("publish", "sync"):
        entry = publog.last(engine, kind)
        text = "never" if entry is None else (
            f"{local(entry.at)} {'ok' if entry.ok else 'FAILED'}" + (f" ({entry.detail})" if entry.detail else "")
            + (f" by {entry.holder}" if entry.holder else ""))
        text = tr(text)
        click.echo(tr(f"last publish: {text}") if kind == "publish" else tr(f"last sync: {text}"))
    engine.dispose()


def _deployed(config) -> str:  # type: ignore[no-untyped-def]
    """What readers get now: the alerts in the banner of the live release in the output folder (a
    standby's folder, or the checkout's plan, can say otherwise)."""
    import json

    from ..publish.atomic import live_release
    from ..render.banner import banner_path

    release = live_release(config.output_dir.absolute())
    folder = config.settings.output_dir
    if release is None:
        return f"deployed ({folder}/): nothing published yet"
    try:
        data = json.loads((release / banner_path(config.default_lang)).read_text(encoding="utf-8"))
        ids = [b["id"] for b in data["banners"]]
    except (OSError, ValueError, KeyError, TypeError):
        return f"deployed ({folder}/): no banner file can be read"
    if not ids:
        return f"deployed ({folder}/) banner {config.default_lang}: empty"
    return f"deployed ({folder}/) banner {config.default_lang}: {', '.join(ids)}"


@click.group("state")
def state_group() -> None:
    """The state store (outbox, channel baselines, publish log)."""


@state_group.command("migrate")
@_project_option
@click.argument("from_url", metavar="FROM_URL")
@click.argument("to_url", metavar="TO_URL")
def migrate_cmd(project: str, from_url: str, to_url: str) -> None:
    """Move the state from FROM_URL to TO_URL (SQLAlchemy URLs, e.g. sqlite:///.alertcast/state.db and
    postgresql+psycopg://user@host/db), with every daemon stopped; then point state_url at TO_URL.
    What was sent stays sent: nothing is posted again. A relative SQLite path is taken from --project."""
    from ..state import MigrationError, make_engine, migrate

    root = Path(project).resolve()
    if from_url == to_url:
        raise click.BadParameter("FROM_URL and TO_URL are the same store", param_hint="TO_URL")
    engines = []
    try:
        for url, name in ((from_url, "FROM_URL"), (to_url, "TO_URL")):
            if url.startswith("sqlite:///") and name == "FROM_URL":
                path = Path(url[len("sqlite:///"):])
                if not (path if path.is_absolute() else root / path).is_file():
                    click.echo(f"error: {name}: no SQLite file at {path}; give the path of the current state.db "
                               "(relative to --project)", err=True)
                    sys.exit(1)
            engines.append(make_engine(url, root))
        copied = migrate(*engines)
    except MigrationError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # a store that cannot be reached; the URL may hold a password: only its kind
        click.echo(f"error: a state store cannot be opened or written ({type(exc).__name__}); check both URLs and "
                   "that the database is reachable; nothing was changed in TO_URL", err=True)
        sys.exit(1)
    finally:
        for engine in engines:
            engine.dispose()
    click.echo("migrated: " + ", ".join(f"{table} {count}" for table, count in copied.items()))
    click.echo("next: set extra.alertcast.state_url to the new store in mkdocs.yml, then start the daemons")
