"""A mock of the wallet app's home and support screens showing the banners, for the preview.

Editors cannot read the banner JSON the way an app shows it (`\\u6709…` escapes, UTC times), so
`alertcast preview` serves this page: each language, each placement, the banners exactly as the
banner file holds them at the preview's moment, and below them the scheduled alerts with the
moment (and the `--now`) from which each appears. Pure: (plan, config) -> HTML bytes.
"""

from __future__ import annotations

import json
from html import escape

from ..config import Config
from ..languages import in_table
from ..languages import name as language_name
from ..plan import Plan
from ..timefmt import editor_time, to_paste
from .banner import banner_item, render_banner
from .labels import severity

PATH = "_preview/banners.html"
PLACEMENTS = ("home", "support")
COLOURS = {"info": "#1565c0", "advisory": "#00838f", "warning": "#ef6c00", "critical": "#c62828"}
WORDS = {
    "zh": {"lang": "中文", "home": "首页", "support": "帮助与客服", "button": "查看详情", "none": "此处现在没有横幅",
           "wallet": "钱包", "balance": "总资产", "faq": "常见问题", "contact": "联系官方客服",
           "from": "{when}起显示", "see": "查看：alertcast preview --now {now}"},
    "en": {"lang": "English", "home": "Home", "support": "Help & support", "button": "View details",
           "none": "No banner here now", "wallet": "Wallet", "balance": "Total balance", "faq": "FAQ",
           "contact": "Contact official support", "from": "shown from {when}", "see": "see it: alertcast preview --now {now}"},
}
PAGE_WORDS = {"title": "Banner preview · 横幅预览", "at": "As apps see it at {when} · 应用在 {when_zh}看到的横幅",
              "scheduled": "Scheduled, not live yet · 已排期，尚未上线", "nothing": "No scheduled banner · 没有已排期的横幅"}

STYLE = """
body{font-family:system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:24px;background:#f4f5f7;color:#1f2328}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 12px}p.at{margin:0;color:#57606a}
.row{display:flex;gap:24px;flex-wrap:wrap}
.phone{width:320px;min-height:560px;border:10px solid #1f2328;border-radius:32px;background:#fff;overflow:hidden}
.bar{background:#1f2328;color:#fff;padding:10px 16px;font-weight:600}
.screen{padding:12px}.card{border-radius:12px;border-left:6px solid;padding:10px 12px;margin-bottom:10px;background:#fafafa;position:relative}
.card h3{font-size:15px;margin:0 28px 4px 0}.card p{font-size:13px;margin:0 0 8px;line-height:1.45}
.card a.button{display:inline-block;font-size:13px;padding:4px 12px;border-radius:14px;color:#fff;text-decoration:none}
.close{position:absolute;top:6px;right:10px;color:#57606a}.none{color:#8c959f;font-size:13px;padding:8px 0}
.fake{color:#8c959f;font-size:13px;border-top:1px solid #eaeef2;padding:10px 0}.when{font-size:12px;color:#57606a;margin-top:6px}
.badge{display:inline-block;font-size:11px;color:#fff;border-radius:4px;padding:0 6px;margin-bottom:4px}
code{font-size:12px;background:#eaeef2;padding:1px 4px;border-radius:4px}
"""


def _card(item: dict, lang: str) -> str:
    colour = COLOURS.get(item["severity"], "#57606a")
    close = '<span class="close" aria-label="close">×</span>' if item.get("dismissible") else ""
    own = f' lang="{escape(item["lang"])}"' if item.get("lang") else ""  # the text is in the language it falls back to
    return (f'<div class="card" style="border-color:{colour}"{own}>{close}'
            f'<span class="badge" style="background:{colour}">{escape(severity(item["severity"], lang))}'
            f'</span><h3>{escape(item["title"])}</h3><p>{escape(item["body"])}</p>'
            f'<a class="button" style="background:{colour}" href="{escape(item["action_url"])}">'
            f'{in_table(WORDS, lang)["button"]}</a></div>')


def _phone(items: list[dict], lang: str, placement: str) -> str:
    w = in_table(WORDS, lang)
    shown = [i for i in items if placement in i["targeting"]["placement"]]
    cards = "".join(_card(i, lang) for i in shown) or f'<div class="none">{w["none"]}</div>'
    filler = ([w["balance"]] if placement == "home" else [w["faq"], w["contact"]])
    rest = "".join(f'<div class="fake">{escape(text)}</div>' for text in filler)
    return (f'<div class="phone" data-lang="{lang}" data-placement="{placement}"><div class="bar">{w["wallet"]} · '
            f'{w[placement]}</div><div class="screen">{cards}{rest}</div></div>')


def render_mock(plan: Plan, config: Config) -> bytes:
    zone = config.settings.timezone
    parts = [f'<!doctype html><html lang="{config.default_lang}"><head><meta charset="utf-8">'
             f"<title>{PAGE_WORDS['title']}</title><style>{STYLE}</style></head><body>",
             f"<h1>{PAGE_WORDS['title']}</h1>",
             f'<p class="at">{escape(PAGE_WORDS["at"].format(when=editor_time(plan.now, zone, "en"), when_zh=editor_time(plan.now, zone, "zh")))}</p>']
    for lang in config.languages:
        items = json.loads(render_banner(plan, config, lang))["banners"]
        parts.append(f'<h2>{escape(language_name(lang))} ({lang})</h2><div class="row">')
        parts += [_phone(items, lang, placement) for placement in PLACEMENTS]
        parts.append("</div>")
    upcoming = [a for a in plan.scheduled if a.banner is not None and "banner" in a.channels]
    parts.append(f"<h2>{PAGE_WORDS['scheduled']}</h2>")
    if not upcoming:
        parts.append(f'<p class="none">{PAGE_WORDS["nothing"]}</p>')
    for alert in upcoming:
        parts.append('<div class="row">')
        for lang in config.languages:
            w = in_table(WORDS, lang)
            item = banner_item(plan, config, alert, lang)
            when = w["from"].format(when=editor_time(alert.publish_at, zone, lang if lang in WORDS else "en"))
            see = w["see"].format(now=to_paste(alert.publish_at, zone))
            parts.append(f'<div class="phone" data-lang="{lang}" data-scheduled="{escape(alert.id)}"><div class="bar">'
                         f'{w["wallet"]} · {", ".join(w.get(p, p) for p in item["targeting"]["placement"])}</div>'
                         f'<div class="screen">{_card(item, lang)}'
                         f'<div class="when">{escape(when)}<br><code>{escape(see)}</code></div></div></div>')
        parts.append("</div>")
    parts.append("</body></html>\n")
    return "".join(parts).encode("utf-8")
