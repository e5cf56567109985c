"""The `alertcast` command: thin click commands over the library; no logic lives here.

Each command lives in the module of its group (content, outputs, posts, daemon, verify), which
imports what it needs from `options` and the library. This module only names them: a command's
module is imported when the command runs, so `alertcast --help` and each command load only what
they use (start-up is paid by every command, by every CI job and every editor's check).
"""

from __future__ import annotations

import importlib

import click

#: name -> ("module:function", the first paragraph of its help, shown by `alertcast --help`).
#: tests/test_cli_package.py checks that each summary is the command's own.
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("outputs:build", "Build the site and every output (feeds, banners, CAP, indicators) into one "
              "directory, atomically."),
    "check": ("content:check", "Validate content and configuration; exit 1 when there are errors."),
    "keygen": ("outputs:keygen", "Create an Ed25519 key pair for signing banner files."),
    "last-good": ("content:last_good", "Print the newest commit, from --ref back, whose project passes "
                  "`alertcast check`."),
    "new": ("content:new", "Create a new alert or guide in every configured language, with each field explained."),
    "outbox": ("posts:outbox_group", "The social outbox: list queued, sent, failed and unknown rows."),
    "posts": ("posts:posts_group", "Social posts: see exactly what each channel will receive."),
    "preview": ("outputs:preview", "Serve the site and every output locally; rebuild and reload the browser when "
                "content, mkdocs.yml, post templates or theme overrides change."),
    "publish": ("outputs:publish", "Build like `build`, then deploy to the configured target (directory or S3)."),
    "rehearse": ("rehearse:rehearse", "Send ALERT_ID's first post, an update and a withdrawal to the test targets of "
                 "its channels, now, through the outbox, and print what each network answered."),
    "report": ("content:report", "Show what a change publishes compared with --base: alerts added, modified, "
               "withdrawn or removed, when each goes live (and when the publishing path makes it public), its "
               "banner, each channel's post with its length, what an update or withdrawal does on each channel, "
               "and problems."),
    "run": ("daemon:run", "Run the scheduler daemon: sync content from git, publish at every publish_at, "
            "expires_at and future updated_at, drain the social outbox, serve health and metrics."),
    "snapshots": ("content:snapshots", "Build the site at each new or changed alert's publish_at (compared with "
                  "--base), one folder per moment (OUTPUT/20261208T010000Z/), so a reviewer sees the pages as "
                  "readers will."),
    "state": ("daemon:state_group", "The state store (outbox, channel baselines, publish log)."),
    "status": ("daemon:status", "Show which daemon leads and what it deployed (the live banner), what the "
               "checkout says is live and scheduled next, the outbox summary, and the last publish and sync."),
    "verify": ("verify:verify", "Say whether TEXT (a handle, link, domain, email, phone number or wallet address) "
               "is one of our official channels, a known scam, a look-alike of an official channel, or unknown."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported on first use; its help lists them from COMMANDS."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        if cmd_name not in self.commands:
            module, _, attr = COMMANDS[cmd_name][0].partition(":")
            self.commands[cmd_name] = getattr(importlib.import_module(f"{__name__}.{module}"), attr)
        return self.commands[cmd_name]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        with formatter.section("Commands"):
            formatter.write_dl([(name, click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit))
                                for name in names])


@click.group(cls=LazyGroup)
@click.version_option(package_name="alertcast")
def main() -> None:
    """alertcast: scam warnings and safety guides, published on time to a help site, feeds,
    in-app banners, CAP and social networks."""
