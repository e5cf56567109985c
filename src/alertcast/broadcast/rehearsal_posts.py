"""What a rehearsal sends: the steps of an alert's life on a channel, the label of its revision,
and each step's post to a test target, marked as a test, with stock notes where the alert has none.

Apart from rehearsal.py (which queues and sends a rehearsal through the outbox), because the
outbox renders and reviews a test target's rows with it.
"""

from __future__ import annotations

import dataclasses

from ..config import Config, delivery
from ..content.models import Alert
from ..render import posts

REVISION_PREFIX = "rehearsal-"
#: What a rehearsal sends, in order: the actions of an alert's life on a channel. A team robot's
#: heads-up (posts.ACTIONS) is no part of it: it announces a publish a rehearsal never makes.
STEPS = ("post", "update", "withdraw")
#: What the update and withdrawal of a rehearsal say when the alert has none of its own.
REHEARSAL_NOTES = {
    "update": {"zh": "这是更新的样子（演练）。", "en": "This is what an update looks like (rehearsal)."},
    "withdraw": {"zh": "这是撤回的样子（演练）。", "en": "This is what a withdrawal looks like (rehearsal)."},
}


def rehearsed(alert: Alert, languages: tuple[str, ...]) -> Alert:
    """The alert with an update note and a withdrawal reason in every language (its own, else stock)."""
    def notes(own: dict[str, str], stock: dict[str, str]) -> dict[str, str]:
        return {lang: own.get(lang) or stock.get(lang) or stock["en"] for lang in languages}

    return dataclasses.replace(alert, update_note=notes(alert.update_note, REHEARSAL_NOTES["update"]),
                               withdrawn=notes(alert.withdrawn, REHEARSAL_NOTES["withdraw"]))


def render(alert: Alert, config: Config, key: str, action: str) -> posts.Post:
    """The post of a test target's outbox key (`email:en@test`), marked as a test."""
    name, lang = delivery(key)
    return posts.render(rehearsed(alert, config.languages), config.rehearsing(name), name, action, lang,
                        rehearsal=True)
