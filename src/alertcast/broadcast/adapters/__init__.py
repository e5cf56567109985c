"""One adapter per network; `build(name, settings, env, session)` returns the right one."""

from __future__ import annotations

from importlib import import_module

from .base import Adapter, ConfigProblem, Message, SendError

__all__ = ["Adapter", "ConfigProblem", "Message", "SendError", "adapter_class", "build"]

_CLASSES = {
    "telegram": "telegram:Telegram", "x": "x:X", "mastodon": "mastodon:Mastodon", "bluesky": "bluesky:Bluesky",
    "discord": "discord:Discord", "slack": "slack:Slack", "matrix": "matrix:Matrix", "webhook": "webhook:Webhook",
    "email": "email:Email", "fcm": "fcm:Fcm",
    "weibo": "weibo:Weibo",
    "wecom": "wecom:Wecom", "dingtalk": "dingtalk:Dingtalk", "feishu": "feishu:Feishu",
}
_CLASSES["wechat"] = "wechat:Wechat"


def adapter_class(name: str) -> type[Adapter]:
    """The adapter class of channel `name`, its module imported only now: a command that sends to
    one network loads no other network's library."""
    module, cls = _CLASSES[name].split(":")
    return getattr(import_module(f"{__name__}.{module}"), cls)


def build(name: str, settings: dict, env, session=None) -> Adapter:
    return adapter_class(name)(settings, env, session)
