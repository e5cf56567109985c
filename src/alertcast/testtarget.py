"""A channel's test target: where rehearsals and test or exercise alerts go instead of the public.

In mkdocs.yml a channel names it under `test:`, with the channel's own keys: those it sets replace
the channel's (`chat_id` of a test chat, `topics` of test topics, `lists` of a test list, the
environment variables of a test account), the rest are the channel's. A test target must post
somewhere the channel itself does not: a rehearsal that reached followers would be the false alarm
it exists to prevent, so `check` refuses one that shares a chat, topic, list or account.

Outbox rows for a test target carry the channel key with TEST_SUFFIX (`telegram@test`,
`email:en@test`), so they never share an idempotency key, a history or a rate limit with real posts.

What a test target is sent (`as_sent`: the rehearsal's steps, stock notes, the target's settings,
the test mark) is decided here once, so `alertcast rehearse` sends and `check` measures the same.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import BaseModel, ValidationError

from . import yamlsource
from .problems import Problem
from .validation import validation_problems

TEST_SUFFIX = "@test"
#: What a rehearsal sends, in order: the actions of an alert's life on a channel. A team robot's
#: heads-up (posts.ACTIONS) is no part of it: it announces a publish a rehearsal never makes.
STEPS = ("post", "update", "withdraw")
#: What the update and withdrawal of a rehearsal say when the alert has none of its own.
REHEARSAL_NOTES = {
    "update": {"zh": "这是更新的样子（演练）。", "en": "This is what an update looks like (rehearsal)."},
    "withdraw": {"zh": "这是撤回的样子（演练）。", "en": "This is what a withdrawal looks like (rehearsal)."},
}

#: What decides where each channel's post lands, and what a test target sets to move it.
_WHERE = {
    "telegram": "chat_id (a test chat)",
    "x": "access_token_env and access_secret_env (a test account's keys)",
    "mastodon": "token_env (a test account's token), or base_url",
    "bluesky": "handle and password_env (a test account)",
    "discord": "webhook_env (the webhook of a test channel)",
    "slack": "channel and webhook_env (a test channel)",
    "matrix": "room_id (a test room)",
    "webhook": "url (a test endpoint)",
    "email": "lists (a test list per language)",
    "fcm": "topics (a test topic for every language), or platform_topic with platforms",
    "weibo": "token_env or token_file (a test account's token)",
    "wechat": "app_id and secret_env (a test Official Account)",
    "wecom": "webhook_env (the robot of a test group)",
    "dingtalk": "webhook_env (the robot of a test group)",
    "feishu": "webhook_env (the robot of a test group)",
}


def is_test_key(key: str) -> bool:
    return key.endswith(TEST_SUFFIX)


def rehearsal_key(key: str) -> str:
    return key + TEST_SUFFIX


def real_key(key: str) -> str:
    return key.removesuffix(TEST_SUFFIX)


def places(name: str, keys: BaseModel, languages: tuple[str, ...]) -> set[str]:
    """Where a post of channel `name` with these (validated) keys lands, one name per place."""
    k: Any = keys
    if name == "telegram":
        return {f"chat {k.chat_id}"}
    if name == "x":
        return {f"the account of {k.access_token_env}"}
    if name == "mastodon":
        return {f"the account of {k.token_env} on {k.base_url}"}
    if name == "bluesky":
        return {f"the account {k.handle} on {k.base_url}"}
    if name in ("discord", "wecom", "dingtalk", "feishu"):
        return {f"the webhook in {k.webhook_env}"}
    if name == "slack":
        return {f"the webhook in {k.webhook_env}"} | ({f"channel {k.channel}"} if k.channel else set())
    if name == "matrix":
        return {f"room {k.room_id} on {k.base_url}"}
    if name == "webhook":
        return {f"url {k.url}"}
    if name == "email":
        return {f"list {lst.address}" for lst in k.lists.values()}
    if name == "fcm":
        return {f"topic {k.topic(lang, platform)} of {k.project}" for lang, platform in k.targets(languages)}
    if name == "weibo":
        return {f"the account of {k.token_file or k.token_env}"}
    if name == "wechat":
        return {f"the Official Account {k.app_id}"}
    return set()


def _credentials_sent_elsewhere(own: BaseModel, rehearsal: BaseModel) -> list[str]:
    """The channel's credential settings (`*_env`, `token_file`) a test target on another server
    keeps, as "key value"; [] when it posts to the channel's own server."""
    if getattr(own, "base_url", None) == getattr(rehearsal, "base_url", None):
        return []
    keys = [k for k in type(own).model_fields if k.endswith("_env") or k == "token_file"]
    return [f"{k} {getattr(own, k)}" for k in keys if getattr(own, k) and getattr(own, k) == getattr(rehearsal, k)]


def merged(keys: dict[str, Any]) -> dict[str, Any]:
    """The settings a channel's test target sends with: its `test` keys over the channel's."""
    return {**{k: v for k, v in keys.items() if k != "test"}, **(keys.get("test") or {})}


def problems(name: str, keys: dict[str, Any], model: type[BaseModel], context: dict[str, Any], shown: str,
             positions: dict[yamlsource.Key, yamlsource.Position]) -> list[Problem]:
    """What is wrong with channel `name`'s test target (its keys passed `model` already)."""
    test = keys.get("test")
    if test is None:
        return []
    prefix = ("extra", "alertcast", "channels", name, "test")
    for inner in ("test", "enabled"):
        if inner in test:
            pos = yamlsource.position_of(positions, prefix + (inner,))
            return [Problem(shown, pos.line, pos.col, "error", f"'channels.{name}.test.{inner}' is not a key of a test "
                            "target", f"remove it; a test target takes the channel's own keys, such as "
                            f"{_WHERE.get(name, 'its destination')}")]
    try:
        own, rehearsal = model.model_validate(merged({**keys, "test": {}}), context=context), \
            model.model_validate(merged(keys), context=context)
    except ValidationError as exc:
        return validation_problems(exc, shown, positions, prefix, model, "the channel settings in docs/social.md",
                                   key_prefix=("channels", name, "test"))
    kept = _credentials_sent_elsewhere(own, rehearsal)
    if kept:
        pos = yamlsource.position_of(positions, prefix)
        return [Problem(shown, pos.line, pos.col, "error",
                        f"the test target of {name} posts to {rehearsal.base_url} with the channel's own "  # type: ignore[attr-defined]
                        f"{', '.join(kept)}: a rehearsal would give that server our account's credentials",
                        f"set the test account's own {', '.join(k.split(' ')[0] for k in kept)} under "
                        f"channels.{name}.test, or leave its base_url as the channel's")]
    languages = tuple(context.get("languages", ()))
    shared = sorted(places(name, own, languages) & places(name, rehearsal, languages))
    if not shared:
        return []
    pos = yamlsource.position_of(positions, prefix)
    return [Problem(shown, pos.line, pos.col, "error",
                    f"the test target of {name} would post where the channel itself posts: {', '.join(shared)}",
                    f"set {_WHERE.get(name, 'its destination')} under channels.{name}.test, so that rehearsals "
                    "never reach followers")]


def has_test_target(config: Any, name: str) -> bool:
    settings = config.settings.channels.get(name)
    return settings is not None and bool((settings.model_extra or {}).get("test"))


def deliveries(config: Any, name: str) -> tuple[str, ...]:
    """The outbox keys of channel `name`'s test target (one per email list of the target)."""
    return tuple(rehearsal_key(key) for key in config.rehearsing(name).deliveries_of(name))


def rehearsed(alert: Any, languages: tuple[str, ...]) -> Any:
    """The alert with an update note and a withdrawal reason in every language (its own, else stock)."""
    def notes(own: dict[str, str], stock: dict[str, str]) -> dict[str, str]:
        return {lang: own.get(lang) or stock.get(lang) or stock["en"] for lang in languages}

    return dataclasses.replace(alert, update_note=notes(alert.update_note, REHEARSAL_NOTES["update"]),
                               withdrawn=notes(alert.withdrawn, REHEARSAL_NOTES["withdraw"]))


def rehearsal_of(alert: Any, config: Any, name: str) -> tuple[Any, Any]:
    """The alert and the settings a rehearsal on channel `name` renders with (its posts are then
    marked as a test): `alertcast rehearse` sends these, and `check` measures them."""
    return rehearsed(alert, config.languages), config.rehearsing(name)


def as_sent(alert: Any, config: Any, name: str) -> tuple[Any, Any, bool]:
    """(alert, settings, marked): how channel `name` renders what it sends of `alert`. A test or
    exercise alert goes only to the test target, as a rehearsal, led by the test mark; any other
    alert as it is. `check` measures posts through this, so it measures what is sent."""
    if alert.is_public or not has_test_target(config, name):  # no target: check refuses it already
        return alert, config, False
    return (*rehearsal_of(alert, config, name), True)


def sent_actions(alert: Any) -> tuple[str, ...]:
    """What a channel sends of `alert`: a test or exercise alert is rehearsed (STEPS); any other
    its withdrawal, or its post (and an update once it has one)."""
    if not alert.is_public:
        return STEPS
    if alert.is_withdrawn:
        return ("withdraw",)
    return ("post", "update") if alert.updated_at else ("post",)
