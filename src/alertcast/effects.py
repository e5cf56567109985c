"""What an update or a withdrawal does to what is already out, channel by channel.

An editor choosing between a correction and a withdrawal needs to see the difference before
merging: an update edits a post in place on one network and adds a new one on another; a
withdrawal takes the banner down, deletes the posts and drops the indicators from the
blocklist. Each sentence is one whole message (never glued from fragments), so it can be
translated as it stands. The networks' abilities are the adapters' own (`edit_window`,
`delete_window`), so the report says what the dispatcher will do.
"""

from __future__ import annotations

from typing import Mapping

from .config import Config
from .content.models import Alert
from .plan import Plan, State
from .render.snippets import defang, defang_address, defang_handle
from .render.push import settings as push_settings

#: (alert id, channel) -> how many posts of the alert the outbox has sent on that channel.
Sent = Mapping[tuple[str, str], int]

NETWORKS = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon", "telegram": "Telegram", "discord": "Discord",
            "slack": "Slack", "matrix": "Matrix", "webhook": "Webhook", "email": "Email", "fcm": "App push (FCM)",
            "weibo": "Weibo", "wechat": "WeChat Official Account"}


def windows(config: Config, channel: str) -> tuple[float | None, float | None]:
    """(edit window, delete window) in seconds of the channel's adapter as configured; None: it
    cannot. Read from the adapter without credentials: its abilities do not depend on them."""
    from .broadcast.adapters import adapter_class, build

    settings = config.settings.channels.get(channel)
    raw = dict(settings.model_extra or {}) if settings is not None else {}
    try:
        adapter = build(channel, raw, {})
    except Exception:  # noqa: BLE001 - a setting the adapter refuses: fall back to its class's abilities
        adapter = adapter_class(channel)
    return adapter.edit_window, adapter.delete_window


def _span(seconds: float) -> str:
    return f"{seconds / 3600:g} hours" if seconds >= 3600 else f"{seconds / 60:g} minutes"


def update_effect(config: Config, channel: str) -> str:
    """One sentence: what an update does to the channel's earlier post."""
    name = NETWORKS.get(channel, channel)
    edit, _delete = windows(config, channel)
    if channel == "fcm" and not push_settings(config).push_updates:
        return f"{name}: no new push (push_updates is off); the earlier push stays on the phones that got it"
    if edit is None:
        return f"{name}: a new post goes out; the earlier post stays as it was"
    if edit == float("inf"):
        return f"{name}: the earlier post is edited in place"
    return (f"{name}: the earlier post is edited in place if it went out less than {_span(edit)} before; "
            "otherwise a new post goes out and the earlier one stays")


def _withdraw_channel(config: Config, alert: Alert, channel: str, sent: Sent | None) -> str:
    if channel == "wechat":
        from .render.wechat import withdrawal_effect

        return withdrawal_effect(config, None if sent is None else sent.get((alert.id, channel), 0))
    name = NETWORKS.get(channel, channel)
    _edit, delete = windows(config, channel)
    count = None if sent is None else sent.get((alert.id, channel), 0)
    if count == 0:
        return f"{name}: nothing was sent, so nothing is deleted; a post still queued is cancelled"
    if delete is None:
        if count is None:
            return f"{name}: a correction post goes out; the earlier posts cannot be deleted and stay"
        return f"{name}: a correction post goes out; the {count} earlier post(s) cannot be deleted and stay"
    if delete == float("inf"):
        if count is None:
            return f"{name}: every post sent is deleted (the outbox was not available to count them)"
        return f"{name}: {count} post(s) deleted"
    if count is None:
        return (f"{name}: every post sent is deleted if it went out less than {_span(delete)} before; "
                "otherwise a correction post goes out")
    return (f"{name}: {count} post(s) deleted if sent less than {_span(delete)} before; "
            "otherwise a correction post goes out")


def _indicators(alert: Alert) -> list[str]:
    ind = alert.indicators
    return ([defang(d) for d in ind.domains] + [defang_address(a) for a in ind.addresses]
            + [defang_handle(h) for h in ind.handles])


def withdrawal_effects(config: Config, alert: Alert, plan: Plan, sent: Sent | None) -> list[str]:
    """What the withdrawal takes down: the banner, each channel's posts, the blocklist entries
    that no other listed alert keeps."""
    out = []
    if alert.banner is not None:
        places = ", ".join(alert.banner.placement)
        out.append(f"banner: removed from the app ({places}) in every language")
    for channel in config.enabled_channels:
        if channel in alert.channels and channel in NETWORKS:
            out.append(_withdraw_channel(config, alert, channel, sent))
    others = [a for a in plan.published if a.id != alert.id and not a.is_withdrawn
              and plan.states[a.id] in (State.live, State.expired)]
    still = {i for a in others for i in _indicators(a)}
    gone = [i for i in _indicators(alert) if i not in still]
    if gone:
        out.append("indicators removed from indicators.json: " + ", ".join(gone))
    elif alert.indicators:
        out.append("indicators.json keeps every indicator: other alerts list them too")
    return out


def update_effects(config: Config, alert: Alert) -> list[str]:
    return [update_effect(config, channel) for channel in config.enabled_channels
            if channel in alert.channels and channel in NETWORKS]
