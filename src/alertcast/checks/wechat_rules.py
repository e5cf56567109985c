"""`alertcast check` for the `wechat` channel: an article's title and digest within WeChat's
limits (draft/add: 32 and 128 characters), judged in the file whose text the article uses.

The renderer cuts what is longer, and a cut warning can lose exactly what matters, so check
refuses it with how much to shorten.
"""

from __future__ import annotations

from typing import Iterator

from ..config import Config
from ..problems import Problem
from ..render import wechat
from ..content.models import Alert


def wechat_lengths(source, alert: Alert, config: Config) -> Iterator[Problem]:  # type: ignore[no-untyped-def]
    if "wechat" not in alert.channels or "wechat" not in config.enabled_channels:
        return
    keys = wechat.settings(config)
    lang = keys.lang if keys.lang in config.languages else config.default_lang
    if (lang if lang in alert.texts else config.default_lang) != source.lang:
        return  # the article never uses this file's text
    if alert.is_withdrawn:
        actions, key, what = ("withdraw",), ("withdrawn",), "the withdrawal reason"
    else:
        actions, key, what = ("post",), ("summary",), "the summary"
    for action in actions:
        found = wechat.article(alert, config, action)
        if found.title_length > wechat.TITLE_LIMIT:
            yield source.problem(("title",), "error",
                                 f"the wechat article title is {found.title_length}/{wechat.TITLE_LIMIT} characters "
                                 "with its marker, more than WeChat takes", f"shorten the title by at least "
                                 f"{found.title_length - wechat.TITLE_LIMIT}")
        if found.digest_length > wechat.DIGEST_LIMIT:
            yield source.problem(key, "error",
                                 f"the wechat article digest is {found.digest_length}/{wechat.DIGEST_LIMIT} "
                                 "characters, more than WeChat takes",
                                 f"shorten {what} by at least {found.digest_length - wechat.DIGEST_LIMIT}")
