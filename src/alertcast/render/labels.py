"""The words every output shares, one vocabulary per language.

The site, the feeds, CAP and the social posts name a severity, a category, a lifecycle event
(updated, withdrawn, expired) and the alerts section with these words and no others, so a
reader who sees "严重" on the site sees "严重" in a feed reader, a CAP aggregator and a post.
Machine fields (Atom `term`, JSON Feed `tags`, banner `severity` and `category`) keep the ids.

Chinese choices: `critical` is 严重, not 紧急. The scale is one of severity (how bad), and CAP
keeps urgency (how soon) apart: a critical incident may already be fixed, and 紧急 says "act
now". 严重 is also what many Chinese security advisories call their top level (严重 / 高危 /
中危 / 低危), and a grade of China's national emergency plan (特别严重 / 严重 / 较重 / 一般).
The section is 安全警报 (the site's name for it, and what 安全提醒 in the feeds meant). Chinese
text uses the full-width colon `：`, with no space after it.

A language without its own words here uses the closest one's (zh-TW and zh-HK: zh-Hant's, see
alertcast.languages), else the English ones. zh-Hant's are the same words in Traditional
characters, with Taiwan and Hong Kong usage where it differs (應用程式, 帳號, 教學).
"""

from __future__ import annotations

from ..languages import in_table

SEVERITY: dict[str, dict[str, str]] = {
    "zh": {"critical": "严重", "warning": "警告", "advisory": "提示", "info": "通知"},
    "zh-Hant": {"critical": "嚴重", "warning": "警告", "advisory": "提示", "info": "通知"},
    "en": {"critical": "Critical", "warning": "Warning", "advisory": "Advisory", "info": "Info"},
}
CATEGORY: dict[str, dict[str, str]] = {
    "zh": {"phishing": "钓鱼网站", "impersonation": "冒充官方", "fake-app": "假冒应用", "airdrop": "空投骗局",
           "approval": "授权与签名骗局", "address-poisoning": "地址投毒", "account-takeover": "账号盗用",
           "investment-scam": "投资骗局", "incident": "安全事件", "maintenance": "维护通知"},
    "zh-Hant": {"phishing": "釣魚網站", "impersonation": "冒充官方", "fake-app": "假冒應用程式", "airdrop": "空投騙局",
                "approval": "授權與簽名騙局", "address-poisoning": "地址投毒", "account-takeover": "帳號盜用",
                "investment-scam": "投資騙局", "incident": "安全事件", "maintenance": "維護通知"},
    "en": {"phishing": "Phishing", "impersonation": "Impersonation", "fake-app": "Fake apps", "airdrop": "Airdrop scams",
           "approval": "Approval and signature scams", "address-poisoning": "Address poisoning",
           "account-takeover": "Account takeover", "investment-scam": "Investment scams", "incident": "Incidents",
           "maintenance": "Maintenance"},
}
#: Lifecycle events and section names.
WORDS: dict[str, dict[str, str]] = {
    "zh": {"alerts": "安全警报", "guides": "使用教程", "updated": "更新", "withdrawn": "已撤回", "expired": "已过期"},
    "zh-Hant": {"alerts": "安全警報", "guides": "使用教學", "updated": "更新", "withdrawn": "已撤回", "expired": "已過期"},
    "en": {"alerts": "Alerts", "guides": "Guides", "updated": "Updated", "withdrawn": "Withdrawn", "expired": "Expired"},
}
COLON = {"zh": "：", "zh-Hant": "：", "en": ": "}


def _table(table: dict[str, dict[str, str]], lang: str) -> dict[str, str]:
    return in_table(table, lang)


def severity(level: str, lang: str) -> str:
    return _table(SEVERITY, lang)[level]


def category(value: str, lang: str) -> str:
    """A category as readers name it; an id alertcast does not know shows as itself."""
    return _table(CATEGORY, lang).get(value) or value.replace("-", " ").capitalize()


def word(key: str, lang: str) -> str:
    return _table(WORDS, lang)[key]


def colon(lang: str) -> str:
    return in_table(COLON, lang)


def labelled(key: str, text: str, lang: str) -> str:
    """`更新：text` / `Updated: text`: a lifecycle word in front of a title, a note or a reason."""
    return f"{word(key, lang)}{colon(lang)}{text}"


def flag(key: str, lang: str) -> str:
    """`【更新】` / `Updated: `: a lifecycle word in front of a headline. Chinese titles often have
    a colon of their own, and 【】 reads naturally where "更新：安全修复：…" would not."""
    return f"【{word(key, lang)}】" if colon(lang) == "：" else f"{word(key, lang)}{colon(lang)}"


def flagged(key: str, title: str, lang: str) -> str:
    return flag(key, lang) + title
