"""Every command a user can type is documented in README.md, and the quick start is two commands."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from alertcast.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "alertcast") -> list[str]:
    found, ctx = [], click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        found.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix} {name}")
    return found


@pytest.mark.parametrize("command", commands(main))
def test_command_is_documented(command):
    assert f"`{command}" in README, f"{command} is missing from README.md's command table"


@pytest.mark.parametrize("command", commands(main))
def test_command_has_help(cli, command):
    result = cli(*command.split()[1:], "--help")
    assert result.exit_code == 0
    assert len(result.output.splitlines()) > 3


def test_quick_start_has_exactly_two_commands():
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 2
    assert all(len(b.strip().splitlines()) == 1 for b in blocks)
    assert blocks[1].strip() == "scripts/test"
    assert (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text().strip().endswith("exec scripts/test")


def test_readme_links_the_github_walkthrough():
    section = README.split("## Publishing from GitHub", 1)[1].split("\n## ", 1)[0]
    assert "(docs/github.md)" in section


def test_github_walkthrough_names_every_secret_the_settings_and_workflow_use():
    import yaml

    root = Path(__file__).resolve().parents[1]
    guide = (root / "docs" / "github.md").read_text(encoding="utf-8")
    publish = (root / ".github" / "workflows" / "publish.yml").read_text(encoding="utf-8")
    settings = yaml.safe_load((root / "mkdocs.yml").read_text(encoding="utf-8"))["extra"]["alertcast"]
    names = [settings["signing"]["key_env"]] + [value for channel in settings["channels"].values()
                                                 for key, value in channel.items() if key.endswith("_env")]
    assert len(names) >= 2
    for name in names:
        assert f"`{name}`" in guide, f"docs/github.md does not name the secret {name}"
        assert f"{name}: ${{{{ secrets.{name} }}}}" in publish, f"publish.yml does not pass {name}"
    for step in ("Source: **GitHub Actions**", "Require review from Code Owners", "alertcast new alert",
                 "job summary", "alertcast run", "delays scheduled runs"):
        assert step in guide, step
