"""Generated alerts for benchmarks: realistic length, both languages, every lifecycle state."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

CST = timezone(timedelta(hours=8))
SEVERITIES = ("info", "advisory", "warning", "critical")
CATEGORIES = ("phishing", "impersonation", "fake-app", "airdrop", "approval", "address-poisoning")
START = datetime(2026, 1, 1, tzinfo=CST)

EN_BODY = """## What it looks like

Scammers running campaign {i} contact users through fake support accounts and look-alike pages
that copy our logo, colours and wording. They claim that your wallet needs a "validation" or a
"sync" and send you to `scam-{i}[.]example`, where a form asks for your recovery phrase.

## How to tell

- Official support never messages you first and never asks for a recovery phrase.
- The address bar shows a domain that is not ours; check it letter by letter.

## What to do now

1. Close the page and block the account.
2. Report it to us through the help center.

## If you already entered your phrase

Move what is left to a new wallet with a new recovery phrase at once, then revoke token
approvals you do not recognise.
"""
ZH_BODY = """## 骗局特征

第 {i} 号诈骗活动中，骗子冒充客服，使用与官网相似的页面，声称你的钱包需要"验证"或"同步"，
引导你访问 `scam-{i}[.]example`，并要求填写助记词。

## 如何识别

- 官方客服不会主动私信你，也不会索要助记词或私钥。
- 仔细核对地址栏中的域名，逐字比对。

## 现在该做什么

1. 立即关闭页面并拉黑该账号。
2. 通过帮助中心向我们举报。

## 如果已经泄露助记词

立即把剩余资产转到新助记词创建的新钱包，并撤销不认识的代币授权。
"""


def write_alerts(content: Path, n: int) -> None:
    """n alerts in en and zh under content/alerts/: hourly apart, a third never expire, some withdrawn."""
    alerts = content / "alerts"
    alerts.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        publish = START + timedelta(hours=i)
        expires = f"expires_at: {(publish + timedelta(days=60)).isoformat()}\n" if i % 3 else ""
        withdrawn = (f'updated_at: {(publish + timedelta(days=1)).isoformat()}\nwithdrawn: "wrong"\n'
                     if i % 97 == 0 else "")
        for lang, title, summary, body in (
                ("en", f"Scam warning {i}: fake support asks for your phrase",
                 f"Scammers use trick number {i}; never share your phrase.", EN_BODY),
                ("zh", f"诈骗提醒 {i}：假客服索要助记词", f"骗子使用第 {i} 种手法，切勿泄露助记词。", ZH_BODY)):
            (alerts / f"alert-{i:04d}.{lang}.md").write_text(
                f"---\ntitle: \"{title}\"\nsummary: \"{summary}\"\nseverity: {SEVERITIES[i % 4]}\n"
                f"category: {CATEGORIES[i % 6]}\npublish_at: {publish.isoformat()}\n{expires}{withdrawn}"
                f"channels: [banner, cap]\nbanner:\n  platforms: [ios, android]\n  frequency: daily\n"
                f"scam_indicators:\n  domains: [scam-{i}.example]\n  handles: [\"telegram:@fake_{i}\"]\n"
                f"---\n\n{body.format(i=i)}", encoding="utf-8")
