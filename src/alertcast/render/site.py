"""The help site: stage a plain docs tree for `plan.now`, then let mkdocs-material build it.

Only published content is staged, so nothing scheduled can leak into pages, search or the
sitemap. Everything alertcast adds (alert headers, indexes, category listings) is plain
Markdown in the staged tree; no mkdocs plugin code is involved, so the engine stays
replaceable. Each language is its own build: the default language at the site root, the
others under /<lang>/.
"""

from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import yaml

from ..config import Config
from ..content.models import Alert, Guide, Page
from ..plan import Plan, State
from ..problems import ContentError, Problem, display_path

PAGE_ORDER = ("faq", "official-channels", "report-a-scam")
SITE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "site"
#: Words of the domain that jieba would otherwise split (助记词 -> 助记 + 词), kept whole in the index.
JIEBA_USER_DICT = SITE_TEMPLATES / "jieba_user_dict.txt"
OVERRIDES = SITE_TEMPLATES / "overrides"  # plain Jinja over Material's blocks
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}
#: "Was this page helpful?" (Material's feedback widget; the alertcast analytics partial posts
#: each rating to `feedback_url`).
FEEDBACK = {
    "zh": {"title": "这个页面对你有帮助吗？", "ratings": [
        {"icon": "material/emoticon-happy-outline", "name": "有帮助", "data": 1, "note": "感谢你的反馈！"},
        {"icon": "material/emoticon-sad-outline", "name": "没有帮助", "data": 0,
         "note": "感谢反馈。需要帮助请通过帮助中心联系我们；官方客服不会索要助记词。"}]},
    "en": {"title": "Was this page helpful?", "ratings": [
        {"icon": "material/emoticon-happy-outline", "name": "This page was helpful", "data": 1,
         "note": "Thanks for your feedback!"},
        {"icon": "material/emoticon-sad-outline", "name": "This page could be improved", "data": 0,
         "note": "Thanks. For help, contact us through the help center; official support never asks for your recovery phrase."}]},
}
FEEDS = (("application/rss+xml", "RSS", "rss.xml"), ("application/atom+xml", "Atom", "atom.xml"),
         ("application/feed+json", "JSON Feed", "json"))
SEVERITY_LABEL = {
    "zh": {"critical": "严重", "warning": "警告", "advisory": "提示", "info": "通知"},
    "en": {"critical": "Critical", "warning": "Warning", "advisory": "Advisory", "info": "Info"},
}
WORDS = {
    "zh": {"alerts": "安全警报", "guides": "使用教程", "published": "发布", "updated": "更新", "expires": "到期",
           "expired": "已过期", "withdrawn": "已撤回", "indicators": "诈骗特征（已去链接化，请勿访问）",
           "related": "相关教程", "history": "更新记录", "category": "类别", "home": "首页", "none": "暂无",
           "feeds": "订阅", "why": "为什么重要：相关警报", "by_category": "按类别"},
    "en": {"alerts": "Alerts", "guides": "Guides", "published": "Published", "updated": "Updated",
           "expires": "Expires", "expired": "Expired", "withdrawn": "Withdrawn",
           "indicators": "Scam indicators (defanged: do not visit)", "related": "Related guides",
           "history": "Update history", "category": "Category", "home": "Home", "none": "None yet",
           "feeds": "Subscribe", "why": "Why this matters: related alerts", "by_category": "By category"},
}
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")


def words(lang: str) -> dict[str, str]:
    return WORDS.get(lang, WORDS["en"])


def defang(value: str) -> str:
    return value.replace("http", "hxxp").replace(".", "[.]")


def build_site(plan: Plan, config: Config, dest: Path) -> None:
    """Build the whole site for `plan.now` into `dest` (which may already hold other outputs)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    with tempfile.TemporaryDirectory(prefix="alertcast-stage-") as tmp:
        for lang in config.languages:
            docs = Path(tmp) / lang / "docs"
            stage(plan, config, lang, docs)
            site_dir = dest if lang == config.default_lang else dest / lang
            config_file = Path(tmp) / lang / "mkdocs.yml"
            config_file.write_text(yaml.safe_dump(site_config(config, lang, docs, site_dir, plan), allow_unicode=True,
                                                  sort_keys=False), encoding="utf-8")
            with _build_time(plan.now):
                cfg = load_config(str(config_file))
                build(cfg)


@contextmanager
def _build_time(now: datetime) -> Iterator[None]:
    """mkdocs stamps the sitemap with the build time; pin it to `now` so builds are reproducible."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(now.timestamp()))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def site_config(config: Config, lang: str, docs: Path, site_dir: Path, plan: Plan) -> dict:
    """mkdocs.yml as the user wrote it, pointed at the staged tree for one language."""
    raw = {k: v for k, v in config.raw.items() if k not in ("docs_dir", "site_dir", "exclude_docs", "nav", "extra")}
    w = words(lang)
    theme = dict(raw.get("theme") or {"name": "material"})
    theme["language"] = lang
    # alertcast's overrides (announcement bar, switcher to the same page, feed links) unless the
    # project brings its own copy; the staged mkdocs.yml lives elsewhere, so the path is absolute.
    theme["custom_dir"] = str(_custom_dir(config, theme.get("custom_dir")))
    features = list(theme.get("features") or [])
    for feature in ("navigation.prune", "navigation.top", "search.suggest"):
        if feature not in features:
            features.append(feature)
    theme["features"] = features
    raw["theme"] = theme
    raw["site_url"] = config.site_url if lang == config.default_lang else f"{config.site_url}{lang}/"
    raw["docs_dir"] = str(docs)
    raw["site_dir"] = str(site_dir)
    raw["use_directory_urls"] = True
    search = {"lang": ["zh", "en"] if lang == "zh" else [lang],
              # Material segments Chinese with jieba at build time, joined by U+200B: split there too.
              "separator": r"[\s\u200b\-_,:!=\[\]()\"`/]+|\.(?!\d)|&[lg]t;|(?!\b)(?=[A-Z][a-z])"}
    if lang == "zh":
        search["jieba_dict_user"] = str(JIEBA_USER_DICT)
    raw["plugins"] = [{"search": search}]
    nav = [{w["home"]: "index.md"}, {w["alerts"]: "alerts/index.md"}, {w["guides"]: "guides/index.md"}]
    for page in PAGE_ORDER:
        if (docs / f"{page}.md").exists():
            nav.append(_page_title(docs / f"{page}.md", page))
    raw["nav"] = nav
    base = site_base(config)
    alternates = [{"name": LANGUAGE_NAMES.get(other, other), "lang": other,
                   "link": base if other == config.default_lang else f"{base}{other}/"} for other in config.languages]
    extra = {k: v for k, v in (config.raw.get("extra") or {}).items() if k != "alertcast"}
    extra["alternate"] = alternates
    extra["alertcast"] = {"announce": announcement(plan, config, lang),
                          "feeds": [{"type": kind, "title": f"{w['alerts']} ({name})",
                                     "href": f"{base}feeds/alerts.{lang}.{suffix}"} for kind, name, suffix in FEEDS]}
    if config.settings.feedback_url and "analytics" not in extra:
        extra["analytics"] = {"provider": "alertcast", "feedback": FEEDBACK.get(lang, FEEDBACK["en"])}
        extra["alertcast"]["feedback_url"] = config.settings.feedback_url
    raw["extra"] = extra
    return raw


def _custom_dir(config: Config, value: str | None) -> Path:
    if not value:
        return OVERRIDES
    folder = (config.root / value).resolve()
    if not folder.is_dir():
        text = config.path.read_text(encoding="utf-8")
        line = text[:text.find("custom_dir:")].count("\n") + 1 if "custom_dir:" in text else 1
        col = len(text.splitlines()[line - 1]) - len(text.splitlines()[line - 1].lstrip()) + 1 if "custom_dir:" in text else 1
        raise ContentError([Problem(display_path(config.path, config.root), line, col, "error",
                                    f"theme.custom_dir '{value}' is not a folder",
                                    f"create it (start from a copy of {OVERRIDES}) or remove the setting")])
    return folder


def site_base(config: Config) -> str:
    """The path the site is served under ("/", or "/help/" for a GitHub project site)."""
    return urlsplit(config.site_url).path or "/"


def announcement(plan: Plan, config: Config, lang: str) -> dict | None:
    """The most severe live alert (the newest among equals), for the announcement bar."""
    if not plan.live:
        return None
    alert = max(plan.live, key=lambda a: (a.severity.rank, a.changed_at, a.id))
    label = SEVERITY_LABEL.get(lang, SEVERITY_LABEL["en"])[alert.severity.value]
    return {"id": alert.id, "severity": alert.severity.value, "label": label,
            "title": alert.text(lang, config.default_lang).title, "url": f"alerts/{alert.id}/"}


def _page_title(path: Path, page_id: str) -> dict[str, str]:
    match = re.search(r"^title:\s*(.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
    title = match.group(1).strip().strip("\"'") if match else page_id
    return {title: f"{page_id}.md"}


def stage(plan: Plan, config: Config, lang: str, docs: Path) -> None:
    """Write the published content for one language as a plain Markdown tree."""
    (docs / "alerts" / "category").mkdir(parents=True, exist_ok=True)
    (docs / "guides").mkdir(parents=True, exist_ok=True)
    public = {a.id for a in plan.published}
    guides = {g.id: g for g in plan.content.guides}
    for page in plan.content.pages:
        _write(docs / f"{page.id}.md", _page(page, config, lang, public))
    for guide in plan.content.guides:
        _write(docs / "guides" / f"{guide.id}.md", _guide(guide, plan, config, lang, public))
    _write(docs / "guides" / "index.md", _guide_index(plan.content.guides, config, lang))
    for alert in plan.published:
        _write(docs / "alerts" / f"{alert.id}.md", _alert(alert, plan, config, lang, guides, public))
    _write(docs / "alerts" / "index.md", _alert_index(plan, config, lang, plan.published, words(lang)["alerts"]))
    for category in sorted({a.category for a in plan.published}):
        alerts = tuple(a for a in plan.published if a.category == category)
        _write(docs / "alerts" / "category" / f"{category}.md",
               _alert_index(plan, config, lang, alerts, f"{words(lang)['alerts']}: {category}", depth=2))
    assets = config.content_dir / "assets"
    if assets.is_dir():
        import shutil

        shutil.copytree(assets, docs / "assets", dirs_exist_ok=True)


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _front(title: str, description: str = "") -> str:
    data = {"title": title}
    if description:
        data["description"] = description
    return "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n\n"


def _unlink_unpublished(body: str, public: set[str]) -> str:
    """Invariant 2: a published page never links to an alert that is not live yet."""
    def replace(match: re.Match[str]) -> str:
        target = match.group(2)
        found = re.search(r"alerts/([a-z0-9-]+)\.md", target)
        if found and found.group(1) not in public:
            return match.group(1)
        return match.group(0)
    return _LINK.sub(replace, body)


def _page(page: Page, config: Config, lang: str, public: set[str]) -> str:
    text = page.text(lang, config.default_lang)
    return _front(text.title, text.summary) + _unlink_unpublished(text.body, public)


def _local(when: datetime, config: Config) -> str:
    local = when.astimezone(config.tz)
    offset = local.strftime("%z")
    return local.strftime("%Y-%m-%d %H:%M") + f" (UTC{offset[:3]}:{offset[3:]})"


def _badge(alert: Alert, lang: str) -> str:
    return f"**{SEVERITY_LABEL.get(lang, SEVERITY_LABEL['en'])[alert.severity.value]}**"


def _mark(plan: Plan, alert: Alert, lang: str) -> str:
    state = plan.states[alert.id]
    if state is State.withdrawn:
        return f" — **{words(lang)['withdrawn']}**"
    if state is State.expired:
        return f" — *{words(lang)['expired']}*"
    return ""


def _alert(alert: Alert, plan: Plan, config: Config, lang: str, guides: dict[str, Guide], public: set[str]) -> str:
    w = words(lang)
    text = alert.text(lang, config.default_lang)
    lines = [_front(f"{text.title}", text.summary), f"# {text.title}", ""]
    state = plan.states[alert.id]
    if state is State.withdrawn:
        reason = alert.withdrawn.get(lang) or next(iter(alert.withdrawn.values()))
        lines += [f'!!! failure "{w["withdrawn"]}"', f"    {reason}", ""]
    elif state is State.expired:
        lines += [f'!!! note "{w["expired"]}"', "", ""]
    meta = [f"{_badge(alert, lang)}", f"{w['category']}: [{alert.category}](category/{alert.category}.md)",
            f"{w['published']}: {_local(alert.publish_at, config)}"]
    if alert.updated_at:
        meta.append(f"{w['updated']}: {_local(alert.updated_at, config)}")
    if alert.expires_at:
        meta.append(f"{w['expires']}: {_local(alert.expires_at, config)}")
    lines += [" · ".join(meta), "", text.summary, ""]
    body = re.sub(r"\A\s*#\s+[^\n]*\n", "", text.body)  # the generated heading replaces a leading one
    lines += [_unlink_unpublished(body, public).strip(), ""]
    ind = alert.indicators
    if ind:
        lines += [f"## {w['indicators']}", ""]
        lines += [f"- `{defang(d)}`" for d in ind.domains]
        lines += [f"- `{a}`" for a in ind.addresses]
        lines += [f"- `{h}`" for h in ind.handles]
        lines.append("")
    if alert.updated_at:
        note = alert.update_note.get(lang, "")
        lines += [f"## {w['history']}", "", f"- {_local(alert.updated_at, config)}: {note}".rstrip(": "),
                  f"- {_local(alert.publish_at, config)}: {w['published']}", ""]
    related = [guides[g] for g in alert.related if g in guides]
    if related:
        lines += [f"## {w['related']}", ""]
        lines += [f"- [{g.text(lang, config.default_lang).title}](../guides/{g.id}.md)"
                  for g in related]
        lines.append("")
    return "\n".join(lines)


def _alert_index(plan: Plan, config: Config, lang: str, alerts: tuple[Alert, ...], title: str, depth: int = 1) -> str:
    w = words(lang)
    up = "../" * (depth - 1)
    lines = [_front(title), f"# {title}", ""]
    feed = f"{site_base(config)}feeds/alerts.{lang}"  # the feeds sit at the root, for every language
    lines += [f"{w['feeds']}: [RSS]({feed}.rss.xml) · [Atom]({feed}.atom.xml) · [JSON Feed]({feed}.json)", ""]
    if depth == 1:
        categories = sorted({a.category for a in plan.published})
        if categories:
            lines += [f"{w['by_category']}: " + " · ".join(f"[{c}](category/{c}.md)" for c in categories), ""]
    if not alerts:
        lines.append(w["none"])
    for alert in alerts:
        text = alert.text(lang, config.default_lang)
        lines.append(f"- {_badge(alert, lang)} [{text.title}]({up}{alert.id}.md) · {alert.category} · "
                     f"{_local(alert.publish_at, config)}{_mark(plan, alert, lang)}")
    return "\n".join(lines) + "\n"


def _guide(guide: Guide, plan: Plan, config: Config, lang: str, public: set[str]) -> str:
    text = guide.text(lang, config.default_lang)
    lines = [_front(text.title, text.summary), _unlink_unpublished(text.body, public).strip(), ""]
    why = [a for a in plan.published if guide.id in a.related]
    if why:
        lines += [f"## {words(lang)['why']}", ""]
        lines += [f"- [{a.text(lang, config.default_lang).title}](../alerts/{a.id}.md){_mark(plan, a, lang)}"
                  for a in why]
        lines.append("")
    return "\n".join(lines)


def _guide_index(guides: tuple[Guide, ...], config: Config, lang: str) -> str:
    title = words(lang)["guides"]
    lines = [_front(title), f"# {title}", ""]
    for guide in sorted(guides, key=lambda g: (g.order, g.id)):
        text = guide.text(lang, config.default_lang)
        lines.append(f"- [{text.title}]({guide.id}.md) — {text.summary}")
    return "\n".join(lines) + "\n"
