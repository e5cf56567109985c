"""What a rehearsal sends: the steps of an alert's life on a channel, the label of its revision,
and each step's post to a test target, marked as a test (testtarget.py gives the steps and the
stock notes used where the alert has none).

Apart from rehearsal.py (which queues and sends a rehearsal through the outbox), because the
outbox renders and reviews a test target's rows with it.
"""

from __future__ import annotations

from .. import testtarget
from ..config import Config, delivery
from ..content.models import Alert
from ..render import posts

REVISION_PREFIX = "rehearsal-"
#: What a rehearsal sends, in order (testtarget.py says how each is rendered).
STEPS = testtarget.STEPS


def render(alert: Alert, config: Config, key: str, action: str) -> posts.Post:
    """The post of a test target's outbox key (`email:en@test`), marked as a test."""
    name, lang = delivery(key)
    return posts.render(*testtarget.rehearsal_of(alert, config, name), name, action, lang, rehearsal=True)
