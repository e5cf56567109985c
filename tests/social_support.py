"""Helpers for social tests: point a fixture project's channels at local fake servers."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from conftest import NOW
from git_support import commit_all

from alertcast.broadcast import outbox
from alertcast.broadcast.dispatcher import Dispatcher
from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.plan import Plan
from alertcast.state import create_tables, open_store
from fakes.networks import (FakeBluesky, FakeDiscord, FakeMastodon, FakeMatrix, FakeSlack, FakeTelegram,
                                  FakeWebhook, FakeX)

FAKES = {"telegram": FakeTelegram, "x": FakeX, "mastodon": FakeMastodon, "bluesky": FakeBluesky,
         "discord": FakeDiscord, "slack": FakeSlack, "matrix": FakeMatrix, "webhook": FakeWebhook}
TOKENS = {name: f"{name}-SECRET-TOKEN-7f3a9c" for name in FAKES}


def channel_settings(name: str, fake) -> tuple[dict, dict]:
    """(mkdocs.yml settings, environment) for channel `name` served by `fake`."""
    env_name = f"TEST_{name.upper()}_SECRET"
    if name == "telegram":
        return {"base_url": fake.url, "chat_id": "@alerts", "token_env": env_name}, {env_name: fake.token}
    if name == "x":  # OAuth 1.0a: four keys; the access token's secret is the fake's `token`
        return ({"base_url": fake.url, "api_key_env": "TEST_X_API_KEY", "api_secret_env": "TEST_X_API_SECRET",
                 "access_token_env": "TEST_X_ACCESS_TOKEN", "access_secret_env": env_name},
                {"TEST_X_API_KEY": fake.api_key, "TEST_X_API_SECRET": fake.api_secret,
                 "TEST_X_ACCESS_TOKEN": fake.access_token, env_name: fake.token})
    if name == "mastodon":
        return {"base_url": fake.url, "token_env": env_name}, {env_name: fake.token}
    if name == "bluesky":
        return {"base_url": fake.url, "handle": "alerts.example", "password_env": env_name}, {env_name: fake.password}
    if name == "discord":
        return {"webhook_env": env_name}, {env_name: fake.url + fake.webhook_path}
    if name == "slack":
        return {"base_url": fake.url, "channel": "C123", "token_env": env_name}, {env_name: fake.token}
    if name == "matrix":
        return {"base_url": fake.url, "room_id": "!room:example.org", "token_env": env_name}, {env_name: fake.token}
    if name == "webhook":
        return {"url": fake.url + "/hook", "secret_env": env_name}, {env_name: fake.secret}
    raise KeyError(name)


def start(name: str):
    return FAKES[name](token=TOKENS[name])


def configure(project: Path, fakes: dict, extra: dict | None = None) -> dict:
    """Write channels for `fakes` into project/mkdocs.yml; return the environment holding their secrets."""
    path = project / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    env: dict[str, str] = {}
    channels = {}
    for name, fake in fakes.items():
        settings, secret = channel_settings(name, fake)
        settings.update((extra or {}).get(name, {}))
        for key in [k for k, v in settings.items() if v is None]:  # None: leave the key out (its default)
            del settings[key]
        channels[name] = settings
        env.update(secret)
    raw["extra"]["alertcast"]["channels"] = channels
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return env


def route_alert_to(project: Path, alert_stem: str, channels: list[str]) -> None:
    """Make the fixture alert go to `channels` (both languages)."""
    for path in (project / "content" / "alerts").glob(f"{alert_stem}.*.md"):
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        lines = [f"channels: [banner, cap, {', '.join(channels)}]" if line.startswith("channels:") else line
                 for line in lines]
        path.write_text("\n".join(lines), encoding="utf-8")


@contextmanager
def telegram_project(project: Path, monkeypatch: pytest.MonkeyPatch, alert: str = "live-phishing") -> Iterator[tuple]:
    """`project` with `alert` routed to a fake Telegram and its store created: (config, engine,
    fake), where the tests of rows a state branch restores start."""
    fake = start("telegram")
    for name, value in configure(project, {"telegram": fake}).items():
        monkeypatch.setenv(name, value)
    route_alert_to(project, alert, ["telegram"])
    config = load_config(project)
    engine = open_store(config.settings.state_url, config.root)
    create_tables(engine)
    try:
        yield config, engine, fake
    finally:
        engine.dispose()
        fake.close()


def add_alert(project: Path, stem: str, channels: list[str], title: str | None = None,
              indicators: str | None = None) -> None:
    """A second live alert, copied from live-phishing under a new id (and title, and indicators)."""
    for lang in ("zh", "en"):
        text = (project / "content" / "alerts" / f"live-phishing.{lang}.md").read_text(encoding="utf-8")
        lines = text.split("\n")
        out, skipping = [], False
        for line in lines:
            if skipping and line.startswith("  "):
                continue
            skipping = False
            if line.startswith("channels:"):
                line = f"channels: [banner, cap, {', '.join(channels)}]"
            elif line.startswith("title:") and title:
                line = f"title: {title!r}".replace("'", '"')
            elif line.startswith("scam_indicators:") and indicators is not None:
                line, skipping = "scam_indicators:\n" + indicators.rstrip("\n"), True
            out.append(line)
        (project / "content" / "alerts" / f"{stem}.{lang}.md").write_text("\n".join(out), encoding="utf-8")


def world_fixture(world_class):
    """A `make_world` fixture: worlds of `world_class` made on demand during a test, each
    world's fake network closed after it."""

    @pytest.fixture
    def make_world(project, tmp_path):
        made = []

        def make(extra=None):
            made.append(world_class(project, tmp_path, extra))
            return made[-1]

        yield make
        for w in made:
            w.fake.close()

    return make_world


class ChannelWorld:
    """The outbox and dispatcher of one test project, reloaded after each edit of its content:
    set `project`, `engine` and `env`, then call `reload`."""

    project: Path
    alert = "live-phishing"

    def reload(self):
        self.config = load_config(self.project)
        self.content = load_or_raise(self.config)
        self.dispatcher = Dispatcher(self.engine, self.config, env=self.env, rng=random.Random(1))

    def commit(self):
        """Make the project a git repository holding its files as they are now."""
        commit_all(self.project, "base")

    def enqueue(self, now=NOW):
        return outbox.enqueue(self.engine, Plan.at(self.content, now), self.config)

    def drain(self, now=NOW):
        return self.dispatcher.drain(now)

    def rows(self):
        return outbox.rows(self.engine)

    def edit_alert(self, pattern, replacement):
        for path in (self.project / "content" / "alerts").glob(f"{self.alert}.*.md"):
            text = path.read_text(encoding="utf-8")
            path.write_text(re.sub(pattern, replacement, text, count=1, flags=re.M), encoding="utf-8")
        self.reload()
