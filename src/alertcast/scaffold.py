"""`alertcast new`: start an alert or guide in every language, each field explained in place."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from pathlib import Path

from .config import Config
from .content.frontmatter import SLUG
from .content.placeholders import MARK
from .i18n import LANGUAGES, Translator
from .languages import optional


class ScaffoldError(Exception):
    pass


ALERT = """\
---
# id: defaults to the file name ({slug}); translations share it. Do not change it once published.
# title: the headline (up to 120 characters), plain text.
title: "{title}"
# summary: one plain-text paragraph (no links to other sites, no Markdown). Banners and posts use it
#   as it is; `alertcast check` tells you when a post would be too long for a channel.
summary: "{summary}"
# severity: info | advisory | warning | critical
severity: warning
# category: phishing | impersonation | fake-app | airdrop | approval | address-poisoning |
#   account-takeover | investment-scam | incident | maintenance
category: phishing
# publish_at: nothing is public before this time. Always write the time zone offset.
publish_at: {now}
# expires_at: after this the alert leaves the in-app banner (it stays on the site and in feeds), e.g. {now}
# starts_at / ends_at: category maintenance only, both or none: when the maintenance runs (on the page, in the calendar).
# updates: corrections and updates (the warning still stands); one entry per change, each with its time
#   and what changed in one sentence, e.g. [{{at: {now}, note: "..."}}]; the page lists them all.
# update_note: the older form of one update (with updated_at); still read, but write updates instead.
# withdrawn: only if the whole warning was wrong: its banner goes, its posts are deleted or corrected and
#   its indicators leave indicators.json (to fix a detail, add to updates). Needs updated_at: its time.
# withdrawn: "Reported in error: ..."
# updated_at: {now}
# status: test or exercise for a drill, never public: `alertcast rehearse` sends it to test targets.
# channels: site and feed are always on. Add banner, cap, social networks and app push by name:
#   telegram, x, mastodon, bluesky, discord, slack, matrix, webhook, email, fcm, weibo, wechat, wecom, dingtalk, feishu
channels: [banner, cap]
# banner: who sees the in-app banner; every key is optional.
banner:
  # platforms: ios | android | extension | desktop (default: all)
  platforms: [ios, android, extension, desktop]
  # min_app_version / max_app_version: show it only to these app versions.
  # min_app_version: "8.0.0"
  # max_app_version: "8.9.9"
  # placement: home | support | send | dapp
  placement: [home]
  # dismissible: whether users can close it.
  dismissible: true
  # frequency: once | daily | every_launch
  frequency: once
  # action_url: where the banner's button leads (default: this alert's page); allowed domains only.
  # action_url: {site_url}guides/spot-phishing/
# scam_indicators: written as plain values; the site shows them defanged, never as links,
#   and apps get them as a blocklist.
scam_indicators:
  # domains: e.g. [fake-wallet.example]; a name in another script in its xn-- form (check gives it)
  domains: []
  # addresses: "chain:address", e.g. "eth:0x...", "tron:T..."; copy them, never retype (check tests checksums)
  addresses: []
  # handles: "platform:handle", e.g. "telegram:@fake_support"
  handles: []
# related: ids of guides to read next (files in content/guides/); link them from the text too.
related: []
# support_reply: optional: what support agents may paste to a user who asks (plain text, up to 500 characters)
---

{body}"""

GUIDE = """\
---
# id: defaults to the file name ({slug}); translations share it.
# title: the headline (up to 120 characters), plain text.
title: "{title}"
# summary: one plain-text paragraph shown in guide listings and search results.
summary: "{summary}"
# level: basic | intermediate | advanced
level: basic
# order: position in the guide list (smaller first)
order: 100
# related: ids of other guides to read next
related: []
# support_reply: optional: what support agents may paste to a user who asks (plain text, up to 500 characters)
# updated_at: when the guide last changed materially
# updated_at: {now}
---

{body}"""

def explanations(template: str) -> list[tuple[int, str]]:
    """Each explanation in a template, with its line (0-based): a `# key: ...` comment and its `#   `
    continuation lines, without their indentation. Each is one message of the catalogue, so a
    translator rewrites a whole explanation, line breaks included."""
    found: list[tuple[int, list[str]]] = []
    previous_was_comment = False
    for number, line in enumerate(template.split("\n")):
        text = line.lstrip()
        if text.startswith("#   ") and previous_was_comment:
            found[-1][1].append(text)
        elif text.startswith("# "):
            found.append((number, [text]))
        previous_was_comment = text.startswith("#")
    return [(number, "\n".join(lines)) for number, lines in found]


def explained(template: str, lang: str) -> str:
    """`template` with its explanations in `lang` (from the catalogue), keys and values as they are."""
    tr = Translator(lang if lang in LANGUAGES else "en")
    lines = template.split("\n")
    for number, text in reversed(explanations(template)):
        indent = lines[number][: len(lines[number]) - len(lines[number].lstrip())]
        size = text.count("\n") + 1
        lines[number:number + size] = [indent + line for line in tr.gettext(text).split("\n")]
    return "\n".join(lines)


#: The front matter's explanations in the file's own language, or in the editor's (see `create`).
TEMPLATES = {"alert": ALERT, "guide": GUIDE}

# Every text the editor must write starts with placeholders.MARK, which `alertcast check` refuses.
_WORDS = {
    "zh": {"title": f"{MARK} 写标题", "summary": f"{MARK} 用一段话写摘要",
           "alert_body": (f"## 发生了什么\n\n{MARK} 用户会看到什么：消息、网站、应用或账号，以及它如何找上用户。\n\n"
                          f"## 如何识别\n\n{MARK} 能看出破绽的迹象，以及如何核实什么是官方的。\n\n"
                          f"## 现在就做\n\n{MARK} 按顺序写出要做的步骤。\n\n"
                          f"## 如果已经中招\n\n{MARK} 已经点击、签名、转账或泄露助记词时该怎么做。\n"),
           "guide_body": f"## 步骤\n\n1. {MARK} 第一步。\n"},
    "en": {"title": f"{MARK} write the title", "summary": f"{MARK} write a one-paragraph summary",
           "alert_body": (f"## What is happening\n\n{MARK} what readers see: the message, site, app or account, "
                          "and how it reaches them.\n\n"
                          f"## How to tell\n\n{MARK} the signs that give it away, and how to check what is official.\n\n"
                          f"## What to do now\n\n{MARK} the steps to take, in order.\n\n"
                          f"## If you are already affected\n\n{MARK} what to do after clicking, signing, sending funds "
                          "or sharing the recovery phrase.\n"),
           "guide_body": f"## Steps\n\n1. {MARK} the first step.\n"},
}


def pinyin_slug(name: str) -> str:
    """A valid name made from `name`, Chinese words written in pinyin (微信假客服 -> weixin-jia-kefu), for an
    editor who wrote the name in Chinese: file names and page addresses keep to ASCII. Empty when
    nothing of `name` can be kept."""
    import jieba
    from pypinyin import lazy_pinyin

    jieba.setLogLevel(logging.WARNING)  # no "Building prefix dict" in the editor's terminal
    words = ["".join(lazy_pinyin(word)) for word in jieba.cut(name)]
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(words).lower()).strip("-")
    return slug[:80].rstrip("-") if SLUG.match(slug[:80].rstrip("-") or "-") else ""


def create(config: Config, kind: str, slug: str, now: datetime, editor_lang: str | None = None) -> list[Path]:
    """Write one file per configured language; refuse to overwrite anything.

    The comments are in each file's language, or all in `editor_lang` when it is given: a Chinese
    editor writes the English file too, and reads its explanations in Chinese."""
    if not SLUG.match(slug):
        suggestion = pinyin_slug(slug)
        if suggestion and re.search(r"[\u4e00-\u9fff]", slug):
            raise ScaffoldError(f"'{slug}' is not a valid name; use lower-case letters, digits and '-': for example "
                                f"{suggestion} (in pinyin), or a few English words such as fake-support-unfreeze-fee")
        if suggestion:
            raise ScaffoldError(f"'{slug}' is not a valid name; use lower-case letters, digits and '-', e.g. {suggestion}")
        raise ScaffoldError(f"'{slug}' is not a valid name; use lower-case letters, digits and '-', e.g. fake-airdrop-2026")
    folder = config.content_dir / ("alerts" if kind == "alert" else "guides")
    targets = [folder / f"{slug}.{lang}.md" for lang in config.languages if not optional(lang, config.languages)]
    existing = [str(p) for p in targets if p.exists()]
    if existing:
        raise ScaffoldError(f"{', '.join(existing)} already exists; choose another name or edit the existing file")
    folder.mkdir(parents=True, exist_ok=True)
    local_now = now.astimezone(config.tz).replace(microsecond=0).isoformat()
    for path in targets:
        lang = path.name.split(".")[-2]
        words = _WORDS.get(lang, _WORDS["en"])
        template = explained(TEMPLATES[kind], editor_lang or lang)
        body = words["alert_body" if kind == "alert" else "guide_body"]
        path.write_text(template.format(slug=slug, title=words["title"], summary=words["summary"], now=local_now,
                                        site_url=config.site_url, body=body), encoding="utf-8")
    return targets
