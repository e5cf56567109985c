"""The official-channels page's lists and the Verify page, both made from the official channels.

The official-channels page gets its tables where the editors put OFFICIAL_MARKER (or under its
first heading): one list in content/official-channels.yml, so the page, official.json and the
Verify page never disagree. The Verify page (the `verify` content page, whose text the editors
write) is rendered with the theme's verify.html, which adds the field and verify.js; the words
and addresses it needs are given here, in each language. Fake-support alerts and the
announcement bar, when it shows one, link to it.
"""

from __future__ import annotations

import html
import json
import re

from ..config import Config
from ..content.models import Alert
from ..content.official import Official
from ..plan import Plan
from .indicators import INDICATORS_PATH, listed
from .labels import colon
from .official import OFFICIAL_PATH

OFFICIAL_MARKER = "<!-- alertcast:official-channels -->"
TEMPLATE = "verify.html"
PAGE = "verify"
GROUPS = (("websites", ("domain",)), ("contact", ("download", "ticket", "email", "phone")),
          ("accounts", ("telegram", "x", "wechat", "weibo", "discord", "mastodon", "bluesky")))
WORDS = {
    "zh": {
        "websites": "网站", "contact": "下载与客服", "accounts": "社交媒体账号",
        "never": "不会做的事",
        "check_here": "收到的联系人、链接或地址拿不准？在[核验](verify.md)页面粘贴它，立即得到答案。",
        "alert_tip": "对方自称官方客服？把账号、链接或邮箱粘贴到[核验页面](../verify.md)，看它是否真的属于我们。",
        "bar": "核验联系人",
        "label": "粘贴你收到的账号、链接、网址、邮箱、电话或钱包地址",
        "placeholder": "例如 @alertcast_example 或 t.me/…",
        "button": "核验",
        "noscript": "核验功能需要 JavaScript。也可以对照“官方渠道”页面逐字符核对。",
        "noscript_alerts": "已知的诈骗账号和网址列在各条安全警报中",
        "official": "✅ 这是我们的官方渠道。",
        "scam": "⛔ 这是已知的诈骗：以下警报点名了它。不要联系，不要转账。",
        "lookalike": "⚠️ 这不是我们：它在模仿我们的官方渠道。",
        "unknown": "❔ 这不在我们的官方渠道里，也不在已知诈骗名单中。请当作不可信。",
        "advice": "官方客服永远不会主动私信你，永远不会索要助记词、私钥或验证码，也不会让你转账“验证”。",
        "official_page": "查看全部官方渠道",
        "unavailable": "无法加载官方渠道列表，请刷新页面，或对照“官方渠道”页面核对。",
        "reasons": {
            "punycode": "这是国际化域名（punycode，以 xn-- 开头），其中的字母来自其他文字。",
            "confusable": "其中有外形相似的字符：",
            "extra_char": "比官方名称多了一个字符。",
            "missing_char": "比官方名称少了一个字符。",
            "changed_char": "和官方名称有一个字符不同。",
            "swapped_chars": "和官方名称相比，有两个相邻字符调换了位置。",
            "tld": "名称相同，但域名后缀不同。",
            "subdomain": "我们的名字只是别人域名里的一部分（子域名），整个网址不属于我们。",
            "added_words": "在我们的名字前后加了别的词。",
        },
        "kinds": {"domain": "网站", "download": "下载页", "ticket": "客服工单", "email": "邮箱", "phone": "电话",
                  "telegram": "Telegram", "x": "X", "wechat": "微信公众号", "weibo": "微博", "discord": "Discord",
                  "mastodon": "Mastodon", "bluesky": "Bluesky"},
    },
    "en": {
        "websites": "Websites", "contact": "Downloads and support", "accounts": "Social media accounts",
        "never": "What it never does",
        "check_here": "Not sure about a contact, link or address you were sent? Paste it on the [Verify](verify.md) "
                      "page for an answer.",
        "alert_tip": "Someone says they are official support? Paste their account, link or email on the "
                     "[Verify page](../verify.md) to see whether it is really ours.",
        "bar": "Verify a contact",
        "label": "Paste the account, link, website, email, phone number or wallet address you were sent",
        "placeholder": "e.g. @alertcast_example or t.me/…",
        "button": "Verify",
        "noscript": "Verify needs JavaScript. You can also compare the contact with the Official channels page, "
                    "character by character.",
        "noscript_alerts": "Known scam accounts and addresses are named in the alerts",
        "official": "✅ This is one of our official channels.",
        "scam": "⛔ This is a known scam: the warning below names it. Do not contact it or send anything.",
        "lookalike": "⚠️ This is not us: it imitates one of our official channels.",
        "unknown": "❔ This is not one of our official channels, nor a known scam. Treat it as untrusted.",
        "advice": "Official support never messages you first, never asks for your recovery phrase, private key or "
                  "codes, and never asks you to send funds to \"verify\" anything.",
        "official_page": "See all our official channels",
        "unavailable": "The list of official channels could not be loaded. Reload the page, or compare with the "
                       "Official channels page.",
        "reasons": {
            "punycode": "It is an internationalised domain name (punycode, starting with xn--) with letters from "
                        "another alphabet.",
            "confusable": "It uses characters that look like others:",
            "extra_char": "It has one character more than the official name.",
            "missing_char": "It has one character fewer than the official name.",
            "changed_char": "One character differs from the official name.",
            "swapped_chars": "Two neighbouring characters of the official name are swapped.",
            "tld": "Same name, but a different ending (top-level domain).",
            "subdomain": "Our name is only part of someone else's domain (a subdomain): the whole address is not ours.",
            "added_words": "It adds words to our name.",
        },
        "kinds": {"domain": "Website", "download": "Download page", "ticket": "Support tickets", "email": "Email",
                  "phone": "Phone", "telegram": "Telegram", "x": "X", "wechat": "WeChat Official Account",
                  "weibo": "Weibo", "discord": "Discord", "mastodon": "Mastodon", "bluesky": "Bluesky"},
    },
}


def words(lang: str) -> dict:
    return WORDS.get(lang, WORDS["en"])


def has_verify_page(plan: Plan) -> bool:
    return bool(plan.content.official) and any(p.id == PAGE for p in plan.content.pages)


def is_fake_support(alert: Alert) -> bool:
    """Impersonation alerts, and alerts shown on the app's support screen."""
    return alert.category == "impersonation" or bool(alert.banner and "support" in alert.banner.placement)


def _cell(value: str) -> str:
    return html.escape(value, quote=False).replace("\n", " ").replace("*", "\\*")


def official_tables(official: Official, lang: str, default_lang: str) -> str:
    """The channels as Markdown lists (they read on a phone, where a wide table does not),
    grouped: websites, downloads and support, accounts."""
    w = words(lang)
    out = []
    for group, kinds in GROUPS:
        rows = [c for c in official.channels if c.kind in kinds]
        if not rows:
            continue
        out += [f"## {w[group]}", ""]
        for c in rows:
            value = f"<{c.value}>" if c.value.startswith("https://") else f"`{c.value}`"
            kind = "" if group == "websites" else f"**{w['kinds'][c.kind]}** "
            used = _cell(c.used_for.get(lang) or c.used_for.get(default_lang, ""))
            never = _cell(c.never.get(lang) or c.never.get(default_lang, ""))
            out.append(f"- {kind}{value} — {used}" + (f"  \n  *{w['never']}{colon(lang)}{never}*" if never else ""))
        out.append("")
    return "\n".join(out)


def page_text(page_id: str, staged: str, plan: Plan, config: Config, lang: str) -> str:
    """A top-level page as staged, completed: the official-channels page gets its tables and a
    pointer to Verify; the Verify page gets its template."""
    official = plan.content.official
    if page_id == "official-channels" and official:
        block = official_tables(official, lang, config.default_lang)
        if has_verify_page(plan):
            block = words(lang)["check_here"] + "\n\n" + block
        if OFFICIAL_MARKER in staged:
            return staged.replace(OFFICIAL_MARKER, "\n" + block, 1)
        heading = re.search(r"^# .*\n?", staged, re.MULTILINE)
        at = heading.end() if heading else staged.find("---\n\n", 4) + 5
        return f"{staged[:at]}\n{block}\n{staged[at:]}"
    if page_id == PAGE and has_verify_page(plan):
        return staged.replace("---\n", f"---\ntemplate: {TEMPLATE}\n", 1)
    return staged


def alert_tip(alert: Alert, plan: Plan, lang: str) -> list[str]:
    """The line a fake-support alert's page gets, pointing to Verify."""
    if not (is_fake_support(alert) and has_verify_page(plan)):
        return []
    return ['!!! tip ""', "", "    " + words(lang)["alert_tip"], ""]


def announce_link(alert_announced: dict | None, plan: Plan, lang: str) -> dict | None:
    """The Verify link the announcement bar shows beside a fake-support alert."""
    if not alert_announced or not has_verify_page(plan):
        return None
    alert = next((a for a in plan.live if a.id == alert_announced["id"]), None)
    if alert is None or not is_fake_support(alert):
        return None
    return {"text": words(lang)["bar"], "url": f"{PAGE}/"}


#: The alerts a verdict may name (id -> title and page), in each language's part of the site:
#: verify.js reads them at load, so the Verify page's HTML and the staged configuration stay the
#: same whichever alerts are live, and an incremental build need not read them every time.
ALERTS_PATH = "assets/alertcast/verify-alerts.json"


def settings(plan: Plan, config: Config, lang: str, site_base: str) -> dict | None:
    """What verify.html and verify.js need for one language's build (None: no Verify page):
    words and the addresses of the files it reads, none of which changes with the alerts."""
    if not has_verify_page(plan):
        return None
    w = words(lang)
    return {"lang": lang, "official": site_base + OFFICIAL_PATH, "indicators": site_base + INDICATORS_PATH,
            "alerts": _prefix(config, lang, site_base) + ALERTS_PATH,
            "official_channels": "official-channels/" if any(p.id == "official-channels" for p in plan.content.pages)
            else None,
            "words": {k: v for k, v in w.items() if k not in ("websites", "contact", "accounts", "never", "check_here",
                                                                "alert_tip", "bar")}}


def alerts_file(plan: Plan, config: Config, lang: str, site_base: str) -> bytes | None:
    """ALERTS_PATH's bytes: every alert indicators.json lists, with its title in `lang` and its
    page (in this release, so never a page that is not live); None without a Verify page."""
    if not has_verify_page(plan):
        return None
    prefix = _prefix(config, lang, site_base)
    alerts = {a.id: {"title": a.text(lang, config.default_lang).title, "url": f"{prefix}alerts/{a.id}/"}
              for a in listed(plan)}
    return (json.dumps(alerts, ensure_ascii=False, sort_keys=True) + "\n").encode()


def _prefix(config: Config, lang: str, site_base: str) -> str:
    return site_base + ("" if lang == config.default_lang else f"{lang}/")
