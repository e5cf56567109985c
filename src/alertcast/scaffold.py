"""`alertcast new`: start an alert or guide in every language, each field explained in place."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .config import Config
from .content.frontmatter import SLUG


class ScaffoldError(Exception):
    pass


ALERT = """\
---
# id: defaults to the file name ({slug}); translations share it. Do not change it once published.
title: "{title}"
# summary: one plain-text paragraph (no links to other sites, no Markdown). Banners and posts use it;
# `alertcast check` tells you when it is too long for a channel.
summary: "{summary}"
# severity: info | advisory | warning | critical
severity: warning
# category: phishing | impersonation | fake-app | airdrop | approval | address-poisoning |
#           account-takeover | investment-scam | incident | maintenance
category: phishing
# publish_at: nothing is public before this time. Always write the time zone offset.
publish_at: {now}
# expires_at: after this the alert leaves the in-app banner (it stays on the site and in feeds).
# expires_at: {now}
# updated_at: set when the text changes materially; feeds, CAP and posts then treat it as an update.
# updated_at: {now}
# update_note: "what changed, in one sentence"
# withdrawn: "reason" (only if the alert was wrong: it leaves the banner and posts are corrected)
# channels: site and feed are always on. Add banner, cap and social networks by name:
#           telegram, x, mastodon, bluesky, discord, slack, matrix, webhook
channels: [banner, cap]
# banner: who sees the in-app banner (all keys optional)
banner:
  platforms: [ios, android, extension, desktop]
  # min_app_version: "8.0.0"
  # max_app_version: "8.9.9"
  placement: [home]          # home | support | send | dapp
  dismissible: true
  frequency: once            # once | daily | every_launch
# scam_indicators: written as plain values; the site shows them defanged and never as links
scam_indicators:
  domains: []                # e.g. [fake-wallet.example]
  addresses: []              # "chain:address", e.g. "eth:0x..."
  handles: []                # "platform:handle", e.g. "telegram:@fake_support"
# related: ids of guides to read next (files in content/guides/)
related: []
---

{body}
"""

GUIDE = """\
---
# id: defaults to the file name ({slug}); translations share it.
title: "{title}"
# summary: one plain-text paragraph shown in guide listings and search results.
summary: "{summary}"
# level: basic | intermediate | advanced
level: basic
# order: position in the guide list (smaller first)
order: 100
# related: ids of other guides to read next
related: []
# updated_at: when the guide last changed materially
# updated_at: {now}
---

{body}
"""

_WORDS = {
    "zh": {"title": "标题", "summary": "一段话的摘要。", "alert_body": "## 发生了什么\n\n## 如何识别\n\n## 现在该怎么做\n\n## 如果已经受骗\n",
           "guide_body": "## 步骤\n\n1. \n"},
    "en": {"title": "Title", "summary": "A one-paragraph summary.",
           "alert_body": "## What is happening\n\n## How to tell\n\n## What to do now\n\n## If you are already affected\n",
           "guide_body": "## Steps\n\n1. \n"},
}


def create(config: Config, kind: str, slug: str, now: datetime) -> list[Path]:
    """Write one file per configured language; refuse to overwrite anything."""
    if not SLUG.match(slug):
        raise ScaffoldError(f"'{slug}' is not a valid name; use lower-case letters, digits and '-', e.g. fake-airdrop-2026")
    folder = config.content_dir / ("alerts" if kind == "alert" else "guides")
    targets = [folder / f"{slug}.{lang}.md" for lang in config.languages]
    existing = [str(p) for p in targets if p.exists()]
    if existing:
        raise ScaffoldError(f"{', '.join(existing)} already exists; choose another name or edit the existing file")
    folder.mkdir(parents=True, exist_ok=True)
    local_now = now.astimezone(config.tz).replace(microsecond=0).isoformat()
    for path in targets:
        lang = path.name.split(".")[-2]
        words = _WORDS.get(lang, _WORDS["en"])
        template = ALERT if kind == "alert" else GUIDE
        body = words["alert_body" if kind == "alert" else "guide_body"]
        path.write_text(template.format(slug=slug, title=words["title"], summary=words["summary"], now=local_now,
                                        body=body), encoding="utf-8")
    return targets
