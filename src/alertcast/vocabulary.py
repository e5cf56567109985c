"""The names that mkdocs.yml and the front matter share: an alert's categories and the channels
it can go to. Below both config.py and content/, so that the settings can name the content's
channels and categories without importing the content.
"""

from __future__ import annotations

CATEGORIES = (
    "phishing",
    "impersonation",
    "fake-app",
    "airdrop",
    "approval",
    "address-poisoning",
    "account-takeover",
    "investment-scam",
    "incident",
    "maintenance",
)

#: Channels every alert goes to, whether listed or not.
IMPLICIT_CHANNELS = ("site", "feed")
#: Channels that are outputs of the publish step rather than social networks.
OUTPUT_CHANNELS = ("site", "feed", "banner", "cap")
#: Social networks (and the generic webhook) the broadcaster knows.
SOCIAL_CHANNELS = ("telegram", "x", "mastodon", "bluesky", "discord", "slack", "matrix", "webhook", "email", "fcm",
                   "weibo", "wechat")
#: Group robots of support teams' chats: told about alerts so agents know before users ask.
TEAM_CHANNELS = ("wecom", "dingtalk", "feishu")
SOCIAL_CHANNELS += TEAM_CHANNELS
KNOWN_CHANNELS = OUTPUT_CHANNELS + SOCIAL_CHANNELS
