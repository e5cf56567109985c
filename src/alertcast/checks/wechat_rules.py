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
from ..testtarget import as_sent, sent_actions
from ..content.models import Alert


def wechat_lengths(source, alert: Alert, config: Config) -> Iterator[Problem]:  # type: ignore[no-untyped-def]
    """The longest title and digest of what goes out (a test alert's, to the test account, marked)."""
    if "wechat" not in alert.channels or "wechat" not in config.enabled_channels:
        return
    sent, sent_config, marked = as_sent(alert, config, "wechat")
    keys = wechat.settings(sent_config)
    lang = keys.lang if keys.lang in config.languages else config.default_lang
    if (lang if lang in alert.texts else config.default_lang) != source.lang:
        return  # the article never uses this file's text
    found = [(action, wechat.article(sent, sent_config, action, marked)) for action in sent_actions(alert)]
    title = max(a.title_length for _, a in found)
    if title > wechat.TITLE_LIMIT:
        yield source.problem(("title",), "error",
                             f"the wechat article title is {title}/{wechat.TITLE_LIMIT} characters "
                             "with its marker, more than WeChat takes", f"shorten the title by at least "
                             f"{title - wechat.TITLE_LIMIT}")
    action, longest = max(found, key=lambda item: item[1].digest_length)
    if longest.digest_length > wechat.DIGEST_LIMIT:
        key, what = (("withdrawn",), "the withdrawal reason") if action == "withdraw" else (("summary",), "the summary")
        yield source.problem(key, "error",
                             f"the wechat article digest is {longest.digest_length}/{wechat.DIGEST_LIMIT} "
                             "characters, more than WeChat takes",
                             f"shorten {what} by at least {longest.digest_length - wechat.DIGEST_LIMIT}")
