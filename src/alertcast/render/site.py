"""The help site: stage a plain docs tree for `plan.now`, then let mkdocs-material build it.

Only published content is staged, so nothing scheduled can leak into pages, search or the
sitemap. Everything alertcast adds (alert headers and histories, indexes, category listings,
the home page's latest warnings, each guide's related alerts) is plain Markdown in the staged
tree; no mkdocs plugin code is involved, so the engine stays replaceable. Each language is its
own build: the default language at the site root, the others under /<lang>/.
"""

from __future__ import annotations

import html
import json
import logging
import os
import posixpath
import re
import shutil
import threading
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping
from urllib.parse import urlsplit

import material
import yaml
from markdown import Markdown

from .. import languages as language_tags
from ..config import Config
from ..filedigest import FileDigest
from ..cores import Phase, TimeLimitExceeded, Workers, WorkerStopped, cores, start_fork_server, time_limit, timed
from ..content.links import FOLDERS, MD_LINK, REF_LINK, file_link, links, mask_code, relative, stems
from ..content.loader import THEME_ASSETS
from ..content.models import CATEGORIES, GUIDE_LEVELS, Alert, Guide, Page, Text
from ..plan import Plan, State
from ..problems import ContentError, Problem, SiteBuildError, display_path
from ..scratch import SITE_STAGE, scratch
from .extensions import SANITIZER, markdown_extensions, python_options, toc_options
from . import search, verify_page
from .incremental import LanguagePages, Previous
from .search import SITE_TEMPLATES
from .site_engine import WORKER_PRELOAD
from .theme_cache import THEME
from .labels import WORDS as SHARED_WORDS
from .labels import category as category_label
from .labels import severity as severity_label
from .labels import colon as _colon
from .window import has_window
from .window import word as window_word

PAGE_ORDER = ("faq", "official-channels", "verify", "report-a-scam")
#: Linked from every page's footer: where readers check a contact and report a scam.
FOOTER_PAGES = ("official-channels", "report-a-scam")
OVERRIDES = SITE_TEMPLATES / "overrides"  # plain Jinja over Material's blocks
#: Material's interface languages, one partials/languages/<tag>.html each.
MATERIAL_LANGUAGES = Path(material.__file__).resolve().parent / "templates" / "partials" / "languages"
#: "Was this page helpful?" (Material's feedback widget; the alertcast analytics partial posts
#: each rating to `feedback_url`).
FEEDBACK = {
    "zh": {"title": "这个页面对你有帮助吗？", "ratings": [
        {"icon": "material/emoticon-happy-outline", "name": "有帮助", "data": 1, "note": "感谢你的反馈！"},
        {"icon": "material/emoticon-sad-outline", "name": "没有帮助", "data": 0,
         "note": "感谢反馈。需要帮助请通过帮助中心联系我们；官方客服不会索要助记词。"}]},
    "zh-Hant": {"title": "這個頁面對你有幫助嗎？", "ratings": [
        {"icon": "material/emoticon-happy-outline", "name": "有幫助", "data": 1, "note": "感謝你的回饋！"},
        {"icon": "material/emoticon-sad-outline", "name": "沒有幫助", "data": 0,
         "note": "感謝回饋。需要協助請透過幫助中心聯絡我們；官方客服不會索取助記詞。"}]},
    "en": {"title": "Was this page helpful?", "ratings": [
        {"icon": "material/emoticon-happy-outline", "name": "This page was helpful", "data": 1,
         "note": "Thanks for your feedback!"},
        {"icon": "material/emoticon-sad-outline", "name": "This page could be improved", "data": 0,
         "note": "Thanks. For help, contact us through the help center; official support never asks for your recovery phrase."}]},
}
FEEDS = (("application/rss+xml", "RSS", "rss.xml"), ("application/atom+xml", "Atom", "atom.xml"),
         ("application/feed+json", "JSON Feed", "json"))
LEVEL_LABEL = {"zh": {"basic": "入门", "intermediate": "进阶", "advanced": "高级"},
               "zh-Hant": {"basic": "入門", "intermediate": "進階", "advanced": "高級"},
               "en": {"basic": "Basics", "intermediate": "Intermediate", "advanced": "Advanced"}}
WORDS = {
    "zh": {"published": "发布", "expires": "到期", "expires_event": "将到期", "expired_on": "到期",
           "withdrawn_on": "撤回", "indicators": "诈骗特征（已改写为不可点击，切勿访问）", "related": "相关教程",
           "history": "更新记录", "home": "首页", "permalink": "本节链接", "none": "暂无", "feeds": "订阅", "by_category": "按类别",
           "why": "与本文相关的警报", "latest": "最新警报", "all_alerts": "查看全部警报 →",
           "back": "← 全部警报", "no_live": "目前没有生效中的警报。", "last_updated": "最近更新",
           "withdrawn_note": "此警报已于 {when} 撤回，下文仅保留供参考。",
           "withdrawn_note_undated": "此警报已撤回，下文仅保留供参考。",
           "expired_note": "此警报已于 {when} 到期，保留供参考；文中描述的骗局可能仍然存在。",
           "not_found": "页面不存在", "not_found_text": "这个地址没有页面：它可能已经移走，或者链接有误。",
           "not_found_home": "前往首页", "not_found_alerts": "查看全部安全警报",
           "pages": "页码", "page_n": "第 {n} 页", "fallback": "尚未翻译",
           "fallback_note": "此页面还没有{wanted}版本，下面是{shown}版本。"},
    "zh-Hant": {"published": "發布", "expires": "到期", "expires_event": "將到期", "expired_on": "到期",
                "withdrawn_on": "撤回", "indicators": "詐騙特徵（已改寫為不可點擊，切勿造訪）", "related": "相關教學",
                "history": "更新紀錄", "home": "首頁", "permalink": "本節連結", "none": "暫無", "feeds": "訂閱",
                "by_category": "按類別", "why": "與本文相關的警報", "latest": "最新警報",
                "all_alerts": "查看全部警報 →", "back": "← 全部警報", "no_live": "目前沒有生效中的警報。",
                "last_updated": "最近更新",
                "withdrawn_note": "此警報已於 {when} 撤回，下文僅保留供參考。",
                "withdrawn_note_undated": "此警報已撤回，下文僅保留供參考。",
                "expired_note": "此警報已於 {when} 到期，保留供參考；文中描述的騙局可能仍然存在。",
                "not_found": "頁面不存在", "not_found_text": "這個網址沒有頁面：它可能已經移走，或者連結有誤。",
                "not_found_home": "前往首頁", "not_found_alerts": "查看全部安全警報",
                "pages": "頁碼", "page_n": "第 {n} 頁", "fallback": "尚未翻譯",
                "fallback_note": "本頁還沒有{wanted}版本，以下是{shown}版本。"},
    "en": {"published": "Published", "expires": "Expires", "expires_event": "Expires", "expired_on": "Expired",
           "withdrawn_on": "Withdrawn",
           "indicators": "Scam indicators (defanged: do not visit)", "related": "Related guides",
           "history": "History", "home": "Home", "permalink": "Link to this section", "none": "None yet", "feeds": "Subscribe",
           "by_category": "By category", "why": "Alerts that show why this matters", "latest": "Latest warnings",
           "all_alerts": "All alerts →", "back": "← All alerts", "no_live": "No warning is active right now.",
           "last_updated": "Last updated",
           "withdrawn_note": "This warning was withdrawn on {when}; the text below is kept for reference.",
           "withdrawn_note_undated": "This warning was withdrawn; the text below is kept for reference.",
           "expired_note": "This warning expired on {when}. It is kept for reference: the scam it describes may "
                           "still be around.",
           "not_found": "Page not found", "not_found_text": "There is no page at this address: it may have moved, "
                                                            "or the link is mistyped.",
           "not_found_home": "Go to the home page", "not_found_alerts": "See all alerts",
           "pages": "Pages", "page_n": "page {n}", "fallback": "Not translated yet",
           "fallback_note": "This page has no {wanted} version yet; it is shown in {shown}."},
}
#: Where the home page lists the latest live alerts; without it the list goes under the first heading.
LATEST_MARKER = "<!-- alertcast:latest-alerts -->"
LATEST_COUNT = 5
#: Alerts on one listing page (the alerts index and each category's): a page with every alert
#: grows without bound, and so does its search entry (Zensical refuses one over 128 KB; 100
#: alerts are about 15 KB). Later pages are alerts/page/2/, alerts/category/<c>/page/2/, ...
ALERTS_PER_PAGE = 100
#: The extensions mkdocs itself always loads before the configured ones.
MKDOCS_EXTENSIONS = ("toc", "tables", "fenced_code")


def words(lang: str) -> dict[str, str]:
    return language_tags.in_table(WORDS, lang)


for _lang, _shared in SHARED_WORDS.items():  # the words every output shares come from labels.py
    WORDS[_lang].update(_shared)


def defang(value: str) -> str:
    return value.replace("http", "hxxp").replace(".", "[.]")


@dataclass(frozen=True)
class Built:
    """What one language's build did: of its `staged` pages, how many it `rendered`; the others
    are the live release's files. `compiled`: the theme templates it compiled, `listed`: the
    installed theme folders it listed (the others were kept by its process, see
    render/theme_cache.py). `taken`: the engine's own templates (the 404 page, the sitemap)
    taken from the live release instead of rendered. `written`: the pages it wrote into the
    staged docs tree (mkdocs reads them from memory; Zensical, a program of its own, from files).
    `converters`: the Markdown converters mkdocs made for the pages it rendered (one for all,
    see mkdocs_engine.KeptMarkdown). `navigations`: how many of Material's navigations were
    rendered to be kept, and how many pages were given a kept one (mkdocs_engine.KeptNavigation)."""

    lang: str
    staged: int
    rendered: int
    compiled: int = 0
    listed: int = 0
    taken: tuple[str, ...] = ()
    written: int = 0
    converters: int = 0
    navigations: tuple[int, int] = (0, 0)
    read: int = 0  # the pages it read to hash them: each it rendered, and each reused one once
    #: Each page as the build hashed it (render/incremental.py), by its path in the release.
    hashed: Mapping[str, FileDigest] = field(default_factory=dict, repr=False, compare=False)


def build_site(plan: Plan, config: Config, dest: Path, previous: Previous | None = None, *,
               workers: int | None = None) -> list[Built]:
    """Build the whole site for `plan.now` into `dest` (which may already hold other outputs).
    `previous`: the live release, whose pages are reused where their inputs did not change
    (render/incremental.py); None renders every page. Returns what each language's build did."""
    with SiteBuild(plan, config, previous, workers=workers) as site:
        site.finish(dest)
        return site.built


class SiteBuild:
    """The site's build, started: each language is its own build, and with more than one and
    a core for each (`workers`: at most that many processes), they run in worker processes
    (cores.py) while this process does other work (the pipeline renders the other outputs);
    `finish` waits for them. Otherwise `finish` builds them here, one after the other. Either
    way the files are the same. Leaving the context stops the workers and removes the staging.
    """

    def __init__(self, plan: Plan, config: Config, previous: Previous | None = None, *, workers: int | None = None):
        self.plan, self.config, self.previous = plan, config, previous
        langs = config.languages
        count = max(1, min(len(langs), workers or cores()))
        self._workers: Workers | None = None
        self._built: dict[str, Future] = {}
        self.built: list[Built] = []  # what each language did, once `finish` returned
        with ExitStack() as held:  # closed here only if this raises; else on leaving the context
            # Held while in use, so the next build (or the daemon's start) removes it if this process is killed.
            self.tmp = held.enter_context(scratch(SITE_STAGE))
            # A build on a thread other than the main one (the daemon's) cannot stop itself at
            # its time limit (time_limit needs signals): its one language builds in a worker.
            elsewhere = threading.current_thread() is not threading.main_thread()
            if (count > 1 or elsewhere) and start_fork_server(WORKER_PRELOAD):
                self._workers = held.enter_context(Workers(count))
                # The heaviest first (Chinese: its search index is segmented word by word), so that
                # with fewer workers than languages the last one to start is a light one.
                for lang in sorted(langs, key=lambda lang: not search.segments_chinese(lang)):
                    self._built[lang] = self._workers.submit(_build_timed, plan, config, lang, self.tmp, previous)
            self._held = held.pop_all()

    def __enter__(self) -> SiteBuild:
        return self

    def __exit__(self, *exc: object) -> None:
        self._held.close()

    @property
    def concurrent(self) -> bool:
        """Whether the languages are building in other processes, not waiting for `finish`."""
        return self._workers is not None

    def finish(self, dest: Path) -> list[Phase]:
        """Wait for every language (or build it here), move it into `dest` and return the
        Phase of each language's build. A worker that died is a SiteBuildError."""
        if self._workers is None:
            built = [_build_timed(self.plan, self.config, lang, self.tmp, self.previous) for lang in self.config.languages]
        else:
            # Each worker stops its language at the time limit; one that cannot (stuck where no
            # signal is handled) is killed a little after.
            limit = self.config.settings.site.time_limit
            try:
                built = self._workers.results([self._built[lang] for lang in self.config.languages],
                                              timeout=limit + max(5.0, limit / 10))
            except WorkerStopped:
                raise SiteBuildError("a process building the site stopped before it finished (it was killed, "
                                     "or the machine ran out of memory); nothing was published: build again") from None
            except TimeLimitExceeded:
                self._workers.stop()
                raise _too_long(limit) from None
        for lang, (site, _done, _phase) in zip(self.config.languages, built):
            _place(site, dest if lang == self.config.default_lang else dest / lang)
        (dest / "robots.txt").write_text(robots_txt(self.config), encoding="utf-8")
        self.built = [done for _site, done, _phase in built]
        return [phase for _site, _done, phase in built]


def _build_timed(plan: Plan, config: Config, lang: str, tmp: Path,
                 previous: Previous | None) -> tuple[Path, Built, Phase]:
    phases: list[Phase] = []
    with timed(f"site {lang}", phases):
        try:
            with time_limit(config.settings.site.time_limit):
                site, done = _build_language(plan, config, lang, tmp, previous)
        except TimeLimitExceeded:  # not in a theme template (the engine names that one)
            raise _too_long(config.settings.site.time_limit, lang) from None
    return site, done, phases[0]


def _too_long(limit: int, lang: str | None = None) -> SiteBuildError:
    if lang:
        return SiteBuildError(f"the site's build in {lang} took more than its time limit ({limit} s) and was "
                              "stopped; nothing was published: raise extra.alertcast.site.time_limit in "
                              "mkdocs.yml if the site really needs longer")
    return SiteBuildError(f"the site's build took more than its time limit ({limit} s) and was stopped; nothing "
                          "was published: raise extra.alertcast.site.time_limit in mkdocs.yml if the site "
                          "really needs longer")


def _build_language(plan: Plan, config: Config, lang: str, tmp: Path,
                    previous: Previous | None = None) -> tuple[Path, Built]:
    """Stage one language's docs under `tmp`, build them with the configured engine and return
    the folder its site is in (in `tmp`). With mkdocs, pages whose inputs did not change since
    `previous` are reused from it (render/incremental.py); another engine builds every page."""
    from .site_engine import site_engine

    logging.getLogger(__name__).info("building the site in %s", lang, extra={"site_language": lang})
    compiled, listed = THEME.compiled, THEME.listed
    work = tmp / lang
    docs = work / "docs"
    markdown = staged_pages(plan, config, lang)
    docs.mkdir(parents=True)
    copy_assets(config, docs)
    raw = site_config(config, lang, docs, work / "site", plan, markdown)
    engine = site_engine(config.settings.site.engine, config.root, config.settings.site.time_limit)
    pages = None
    written = 0
    if engine.name == "mkdocs":
        # Every page reaches mkdocs from memory; of those reused from the live release it reads
        # no more than their front matter.
        pages = LanguagePages.plan(docs, markdown, raw, "" if lang == config.default_lang else f"{lang}/", previous)
    else:
        write_pages(docs, markdown)
        written = len(markdown)
    site_dir = engine.build(raw, work, plan.now, pages)
    if pages is not None:
        pages.finish(site_dir)
    (site_dir / ANNOUNCE_PATH).parent.mkdir(parents=True, exist_ok=True)
    (site_dir / ANNOUNCE_PATH).write_bytes(announce_file(plan, config, lang))
    verify_alerts = verify_page.alerts_file(plan, config, lang, site_base(config))
    if verify_alerts is not None:
        (site_dir / verify_page.ALERTS_PATH).write_bytes(verify_alerts)
    date_sitemap(site_dir, content_dates(plan, config, lang))
    shutil.rmtree(docs, ignore_errors=True)  # here, while the other languages build, not after them all
    return site_dir, Built(lang, len(markdown), len(markdown) if pages is None else pages.to_render,
                           THEME.compiled - compiled, THEME.listed - listed,
                           tuple(sorted(pages.static)) if pages is not None else (), written,
                           *_kept(engine), pages.read if pages is not None else 0,
                           pages.hashed if pages is not None else {})


def _kept(engine: object) -> tuple[int, tuple[int, int]]:
    """(converters, navigations) of Built, from what the engine kept (mkdocs only)."""
    markdown, navigation = getattr(engine, "markdown", None), getattr(engine, "navigation", None)
    return (markdown.made if markdown is not None else 0,
            (navigation.rendered, navigation.served) if navigation is not None else (0, 0))


def _place(site: Path, dest: Path) -> None:
    """Move a language's built site into `dest` (the other languages' folders may be in it)."""
    dest.mkdir(parents=True, exist_ok=True)
    for entry in sorted(site.iterdir()):
        target = dest / entry.name
        if entry.is_dir() and target.is_dir():
            _place(entry, target)
        else:
            shutil.move(entry, target)


def robots_txt(config: Config) -> str:
    """Every page may be crawled; the sitemaps (one per language) say which there are."""
    lines = ["User-agent: *", "Allow: /", ""]
    lines += [f"Sitemap: {config.site_url}{'' if lang == config.default_lang else lang + '/'}sitemap.xml"
              for lang in config.languages]
    return "\n".join(lines) + "\n"


def _last(times: Iterable[datetime | None], now: datetime) -> datetime | None:
    return max((t for t in times if t is not None and t <= now), default=None)


def content_dates(plan: Plan, config: Config, lang: str) -> dict[str, datetime]:
    """URL -> when that page's content last changed, for the pages whose content has a date:
    an alert's page changes when it is published, updated (or withdrawn) and expires; a
    listing when any alert it lists does; a guide at its `updated_at` and when an alert that
    relates to it does. Other pages (the FAQ, official channels) have no
    date of their own, so they get none (a sitemap date that moved with every build would
    tell crawlers that every page changed every day)."""
    def alert_date(alert: Alert) -> datetime | None:
        return _last((alert.publish_at, alert.updated_at, alert.expires_at), plan.now)

    dates: dict[str, datetime | None] = {}
    for alert in plan.published:
        dates[config.page_url("alerts", alert.id, lang)] = alert_date(alert)
    newest = _last((alert_date(a) for a in plan.published), plan.now)
    home = config.site_url + ("" if lang == config.default_lang else f"{lang}/")
    dates[home] = dates[home + "alerts/"] = newest
    for category in _categories(plan):
        dates[config.page_url("alerts/category", category, lang)] = _last(
            (alert_date(a) for a in plan.published if a.category == category), plan.now)
    for guide in plan.content.guides:  # a guide lists the published alerts that relate to it
        dates[config.page_url("guides", guide.id, lang)] = _last(
            [guide.updated_at] + [alert_date(a) for a in plan.published if guide.id in a.related], plan.now)
    dates[home + "guides/"] = _last((g.updated_at for g in plan.content.guides), plan.now)
    return {url: when for url, when in dates.items() if when is not None}


SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def date_sitemap(site_dir: Path, dates: dict[str, datetime]) -> None:
    """Give each `<url>` of the engine's sitemap its page's content date (see
    `content_dates`), or no `<lastmod>` where the page has none, instead of the build's date;
    `sitemap.xml.gz` is written again to match, with a fixed gzip time (reproducible)."""
    import gzip

    from lxml import etree

    path = site_dir / "sitemap.xml"
    if not path.is_file():
        return  # an engine or theme without a sitemap
    doc = etree.fromstring(path.read_bytes())
    ns = {"s": SITEMAP_NS}
    for url in doc.findall("s:url", ns):
        for old in url.findall("s:lastmod", ns):
            url.remove(old)
        when = dates.get((url.findtext("s:loc", namespaces=ns) or "").strip())
        if when is not None:
            etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = when.astimezone(timezone.utc).isoformat(
                timespec="seconds")
    etree.indent(doc, space="    ")
    data = etree.tostring(doc, xml_declaration=True, encoding="UTF-8") + b"\n"
    path.write_bytes(data)
    with open(site_dir / "sitemap.xml.gz", "wb") as fh, gzip.GzipFile(fileobj=fh, filename="sitemap.xml.gz",
                                                                     mode="wb", mtime=0) as gz:
        gz.write(data)


def site_config(config: Config, lang: str, docs: Path, site_dir: Path, plan: Plan,
                pages: Mapping[str, str] | None = None) -> dict:
    """mkdocs.yml as the user wrote it, pointed at the staged tree for one language (`pages`:
    its Markdown, see staged_pages; None: read from `docs`)."""
    if pages is None:
        pages = {f"{page}.md": (docs / f"{page}.md").read_text(encoding="utf-8")
                 for page in (*PAGE_ORDER, *FOOTER_PAGES) if (docs / f"{page}.md").is_file()}
    # No hooks: nothing alertcast needs runs as mkdocs Python code (see the module docstring).
    # No INHERIT: mkdocs would load the file it names with Python tags (check refuses it too).
    # No extra_templates: mkdocs renders them outside the sandbox (check refuses them too).
    raw = {k: v for k, v in config.raw.items()
           if k not in ("docs_dir", "site_dir", "exclude_docs", "nav", "extra", "hooks", "INHERIT", "extra_templates")}
    w = words(lang)
    raw["markdown_extensions"] = page_extensions(config, lang)
    theme = dict(raw.get("theme") or {"name": "material"})
    theme["language"] = lang
    # System fonts unless the project names its own: Material's default (Roboto) comes from Google
    # Fonts, which would tell Google the address of every reader of every page.
    theme.setdefault("font", False)
    # alertcast's overrides (announcement bar, switcher to the same page, feed links) unless the
    # project brings its own copy; the staged mkdocs.yml lives elsewhere, so the path is absolute.
    theme["custom_dir"] = str(_with_language(_custom_dir(config, theme.get("custom_dir")), lang, docs.parent / "theme"))
    features = list(theme.get("features") or [])
    for feature in ("navigation.indexes", "navigation.prune", "navigation.top", "search.suggest"):
        if feature not in features:
            features.append(feature)
    theme["features"] = features
    raw["theme"] = theme
    raw["site_name"] = text(config.site_name_in(lang))  # Material writes it into <title> and the header as it is
    # The meta description of pages without a summary of their own (which their front matter has).
    description = config.site_description_in(lang)
    raw["site_description"] = html.escape(description) if description else None  # see _front
    raw["site_url"] = config.site_url if lang == config.default_lang else f"{config.site_url}{lang}/"
    raw["docs_dir"] = str(docs)
    raw["site_dir"] = str(site_dir)
    raw["use_directory_urls"] = True
    raw["plugins"] = [{"search": search.plugin(lang)}]
    # Guides are in the navigation (navigation.prune shows them only inside their section);
    # alerts are not: there are too many, see docs/site.md.
    guides = ["guides/index.md"] + [{text(g.text(lang, config.default_lang).title): f"guides/{g.id}.md"}
                                    for g in guide_order(plan.content.guides)]
    nav = [{w["home"]: "index.md"}, {w["alerts"]: "alerts/index.md"}, {w["guides"]: guides}]
    for page in PAGE_ORDER:
        if f"{page}.md" in pages:
            nav.append(_page_title(pages[f"{page}.md"], page))
    raw["nav"] = nav
    here = next(alt["link"] for alt in languages(config) if alt["lang"] == lang)
    footer = [{"text": next(iter(_page_title(pages[f"{page}.md"], page))), "href": f"{here}{page}/"}
              for page in FOOTER_PAGES if f"{page}.md" in pages]
    footer.append({"text": f"{w['feeds']} (RSS)", "href": f"{site_base(config)}feeds/alerts.{lang}.rss.xml"})
    base = site_base(config)
    alternates = languages(config)
    extra = {k: v for k, v in (config.raw.get("extra") or {}).items() if k != "alertcast"}
    # Material shows its language switcher when `alternate` is set, and its head writes a
    # <link rel="alternate"> to each language's home only when it is a list: alertcast's
    # partials write the switcher and the per-page hreflang links from extra.alertcast.languages.
    extra["alternate"] = True
    # No "Made with Material for MkDocs" line (unless the project asks for it): it is English on
    # every language's pages, and a scam-warning site should not end each page with a link to a
    # third-party site. docs/site.md credits Material.
    extra.setdefault("generator", False)
    extra["alertcast"] = {"announce": {"src": ANNOUNCE_PATH, "fallback": w["all_alerts"]}, "languages": alternates, "footer": footer,
                          "verify": verify_page.settings(plan, config, lang, base),
                          "feeds": [{"type": kind, "title": f"{w['alerts']} ({name})",
                                     "href": f"{base}feeds/alerts.{lang}.{suffix}"} for kind, name, suffix in FEEDS]}
    # The 404 page, in every language (this one first): the root 404.html is what a static host
    # serves for every missing address, whichever language the address was in.
    extra["alertcast"]["not_found"] = [
        {"lang": alt["lang"], "title": words(alt["lang"])["not_found"], "text": words(alt["lang"])["not_found_text"],
         "links": [{"text": words(alt["lang"])["not_found_home"], "href": alt["link"]},
                   {"text": words(alt["lang"])["not_found_alerts"], "href": f"{alt['link']}alerts/"}]}
        for alt in sorted(alternates, key=lambda alt: alt["lang"] != lang)]
    if config.settings.feedback_url and "analytics" not in extra:
        extra["analytics"] = {"provider": "alertcast", "feedback": language_tags.in_table(FEEDBACK, lang)}
        extra["alertcast"]["feedback_url"] = config.settings.feedback_url
    raw["extra"] = extra
    return raw


def page_extensions(config: Config, lang: str) -> list:
    """mkdocs.yml's markdown_extensions as the staged site gets them."""
    items = toc_options(markdown_extensions(config.raw.get("markdown_extensions")),
                         {"permalink_title": words(lang)["permalink"]})
    # Images load from the site or the allowed domains only (see render/sanitize.py).
    hosts = sorted({config.site_host, *config.settings.allowed_link_domains} - {""})
    return [{SANITIZER: {"image_hosts": hosts}} if item == SANITIZER else item for item in items]


def page_markdown(config: Config, lang: str) -> Markdown:
    """The converter mkdocs gives a page's Markdown, for `check` to render every body (scheduled
    ones too) with: what it can render, the build can."""
    names, options = [], {}
    items = python_options({"markdown_extensions": page_extensions(config, lang)})["markdown_extensions"]
    for item in [*MKDOCS_EXTENSIONS, *items]:
        name, value = next(iter(item.items())) if isinstance(item, dict) else (item, None)
        if name not in names:
            names.append(name)
        if value:
            options[name] = value
    return Markdown(extensions=names, extension_configs=options)


def read_for_search(page_html: str) -> None:
    """Read a page's HTML as Material's search plugin does in a build: its time grows with the
    square of the nesting, so `check` times this too (see content/budget.py)."""
    from material.plugins.search.plugin import Parser

    parser = Parser()
    parser.feed(f"<h1>-</h1>{page_html}")
    parser.close()


def guide_order(guides: tuple[Guide, ...]) -> list[Guide]:
    """Basics first, then intermediate and advanced; `order` within a level."""
    rank = {level: i for i, level in enumerate(GUIDE_LEVELS)}
    return sorted(guides, key=lambda g: (rank.get(g.level, len(rank)), g.order, g.id))


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


def _with_language(custom_dir: Path, lang: str, staged: Path) -> Path:
    """`custom_dir`, or for a tag Material has no interface file for (zh-HK), a copy of it with
    one that reads the closest language's words (zh-Hant's) and says `lang`: Material writes
    that into <html lang>."""
    closest = language_tags.best(lang, language_tags.theme_languages(MATERIAL_LANGUAGES))
    if closest == lang:
        return custom_dir
    shutil.copytree(custom_dir, staged, dirs_exist_ok=True, ignore=_not_plain)
    (staged / "partials" / "languages").mkdir(parents=True, exist_ok=True)
    (staged / "partials" / "languages" / f"{lang}.html").write_text(
        f'{{% import "partials/languages/{closest}.html" as closest %}}'
        f'{{% macro t(key) %}}{{{{ "{lang}" if key == "language" else closest.t(key) }}}}{{% endmacro %}}\n',
        encoding="utf-8")
    return staged


def languages(config: Config) -> list[dict[str, str]]:
    """Each language's name, tag, path on the site (`link`, for the switcher) and absolute
    address (`url`, for hreflang), the default language first."""
    base = site_base(config)
    return [{"name": language_tags.name(lang), "lang": lang,
             "link": base if lang == config.default_lang else f"{base}{lang}/",
             "url": config.site_url if lang == config.default_lang else f"{config.site_url}{lang}/"}
            for lang in config.languages]


def site_base(config: Config) -> str:
    """The path the site is served under ("/", or "/help/" for a GitHub project site)."""
    return urlsplit(config.site_url).path or "/"


#: The announcement bar's file in each language's part of the site: one small file per release
#: that every page reads at load (main.html), so no page's HTML depends on which alerts are live.
ANNOUNCE_PATH = "assets/alertcast/announce.json"
#: The way from ANNOUNCE_PATH back to its language's root: the file's links are relative to it.
_TO_ROOT = "../../"


def announcement(plan: Plan, config: Config, lang: str) -> dict | None:
    """The most severe live alert (the newest among equals), for the announcement bar: plain
    text (the page's script sets it as text) and links relative to ANNOUNCE_PATH."""
    if not plan.live:
        return None
    alert = max(plan.live, key=lambda a: (a.severity.rank, a.changed_at, a.id))
    label = severity_label(alert.severity.value, lang)
    found = {"id": alert.id, "severity": alert.severity.value, "label": label,
             "title": alert.text(lang, config.default_lang).title, "url": f"{_TO_ROOT}alerts/{alert.id}/"}
    verify = verify_page.announce_link(found, plan, lang)
    return {**found, "verify": verify and {**verify, "url": _TO_ROOT + verify["url"]}}


def announce_file(plan: Plan, config: Config, lang: str) -> bytes:
    """ANNOUNCE_PATH's bytes: the announcement, or null when no alert is live."""
    return (json.dumps(announcement(plan, config, lang), ensure_ascii=False, sort_keys=True) + "\n").encode()


def _page_title(markdown: str, page_id: str) -> dict[str, str]:
    match = re.search(r"^title:\s*(.+)$", markdown, re.MULTILINE)
    title = match.group(1).strip().strip("\"'") if match else page_id
    return {title: f"{page_id}.md"}


def stage(plan: Plan, config: Config, lang: str, docs: Path) -> None:
    """Write the published content for one language as a plain Markdown tree."""
    pages = staged_pages(plan, config, lang)
    write_pages(docs, pages)
    copy_assets(config, docs)


def staged_pages(plan: Plan, config: Config, lang: str) -> dict[str, str]:
    """The published content for one language as Markdown: path in the docs tree -> text."""
    out: dict[str, str] = {}
    targets = _Targets(stems(plan.content), frozenset(a.id for a in plan.published), config.languages)
    guides = {g.id: g for g in plan.content.guides}
    for page in plan.content.pages:
        text = _home(page, plan, config, lang, targets) if page.id == "index" else _page(page, config, lang, targets)
        out[f"{page.id}.md"] = verify_page.page_text(page.id, text, plan, config, lang)
    for guide in plan.content.guides:
        out[f"guides/{guide.id}.md"] = _guide(guide, plan, config, lang, guides, targets)
    out["guides/index.md"] = _guide_index(plan.content.guides, config, lang)
    for alert in plan.published:
        out[f"alerts/{alert.id}.md"] = _alert(alert, plan, config, lang, guides, targets)
    listings = [(plan.published, words(lang)["alerts"], None)]
    for category in _categories(plan):
        listings.append((tuple(a for a in plan.published if a.category == category),
                         f"{words(lang)['alerts']}{_colon(lang)}{category_label(category, lang)}", category))
    for alerts, title, category in listings:
        for path, text in _alert_listing(plan, config, lang, alerts, title, category):
            out[f"alerts/{path}"] = text
    return out


def write_pages(docs: Path, pages: Mapping[str, str]) -> None:
    """Write staged pages (path in the docs tree -> Markdown) under `docs`."""
    for folder in sorted({posixpath.dirname(rel) for rel in pages}):
        (docs / folder).mkdir(parents=True, exist_ok=True)
    for rel, text in pages.items():
        _write(docs / rel, text)


def copy_assets(config: Config, docs: Path) -> None:
    """The content's assets folder into the docs tree."""
    assets = config.content_dir / "assets"
    if assets.is_dir() and not assets.is_symlink():
        # Regular files and folders only: a link may point at a secret (check reports it), and a
        # named pipe would block the copy forever. Nothing in the theme's folders (check reports it).
        shutil.copytree(assets, docs / "assets", dirs_exist_ok=True,
                        ignore=lambda folder, names: _not_plain(folder, names) + (
                            [name for name in names if name in THEME_ASSETS] if Path(folder) == assets else []))


def _not_plain(folder: str, names: list[str]) -> list[str]:
    """The entries of `folder` that are neither a regular file nor a folder (links included)."""
    import stat

    kept = (stat.S_ISREG, stat.S_ISDIR)
    return [name for name in names if not any(ok(os.lstat(os.path.join(folder, name)).st_mode) for ok in kept)]


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def text(value: str) -> str:
    """An editor's plain text (a title, summary, update note or withdrawal reason) for a page:
    Material writes titles into <title>, the header and the navigation as they are, and
    Markdown passes HTML through, so `<`, `>` and `&` are written as entities everywhere."""
    return html.escape(value, quote=False)


#: libyaml's emitter where PyYAML has it: the front matter of every staged page, five times faster
#: than the pure Python one (mkdocs reads the same values from either).
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _front(title: str, description: str = "") -> str:
    data = {"title": text(title)}
    if description:  # Material writes it into <meta content="..."> as it is: a quote would end the attribute
        data["description"] = html.escape(description)
    return "---\n" + yaml.dump(data, Dumper=_DUMPER, allow_unicode=True) + "---\n\n"


#: A link that `_Targets.target` turns into its text.
_UNLINK = ""
_FULL_REF = re.compile(r"\[(?P<text>(?:[^\]\\]|\\.)*)\]\[(?P<label>[^\]]*)\]")
_SHORT_REF = re.compile(r"\[(?P<text>[^\]]+)\](?![\[(:])")
#: A leading `# heading` line of an alert's or guide's body: the page writes its own (from
#: `title`) and drops this one (`alertcast check` warns when it is not the title).
LEADING_H1 = re.compile(r"\A\s*#\s+[^\n]*\n")


@dataclass(frozen=True)
class _Targets:
    """Where links between content files lead in the staged tree (see content/links.py)."""

    files: dict[tuple[str, str], str]  # (folder, file stem) -> id of the alert, guide or page
    public: frozenset[str]  # ids of the published alerts
    languages: tuple[str, ...]

    def target(self, written: str, folder: str) -> str | None:
        """The link to stage for `written`, in a file of `folder`: None to keep it as it is,
        _UNLINK when it leads to an alert that is not published."""
        link = file_link(folder, written, self.languages)
        if link is None or link.folder not in FOLDERS:
            return None
        item = self.files.get((link.folder, link.stem)) if link.stem else None
        if link.folder == "alerts" and (item is None or item not in self.public):
            return _UNLINK  # invariant 2: no page links to an alert that is not live yet
        if item is None:
            return None
        # Either language's file leads to the page of this build's language.
        return relative(folder, posixpath.join(link.folder, f"{item}.md")) + link.rest

    def retarget(self, body: str, folder: str) -> str:
        """Links to a file of an alert, guide or page lead to its staged page, `<folder>/<id>.md`
        (an alert's id need not be its file's stem); links to an alert that is not published
        become their text (and a reference definition to one goes, with its uses)."""
        edits: list[tuple[int, int, str]] = []
        dropped: set[str] = set()
        for match in links(body):
            new = self.target(match.group("target"), folder)
            if new is None:
                continue
            if new != _UNLINK:
                edits.append((match.start("target"), match.end("target"), new))
            elif match.re is MD_LINK:
                edits.append((match.start(), match.end(), body[match.start("text"):match.end("text")]))
            elif match.re is REF_LINK:
                start = body.rfind("\n", 0, match.start("label")) + 1
                end = body.find("\n", match.end("target"))
                edits.append((start, len(body) if end < 0 else end + 1, ""))
                dropped.add(_label(match.group("label")))
        for start, end, text in sorted(edits, reverse=True):
            body = body[:start] + text + body[end:]
        return _unref(body, dropped) if dropped else body


def _label(label: str) -> str:
    return " ".join(label.split()).casefold()


def _unref(body: str, dropped: set[str]) -> str:
    """`[text][label]`, `[label][]` and `[label]` become their text when `label` is dropped."""
    for pattern in (_FULL_REF, _SHORT_REF):
        masked = mask_code(body)
        edits = []
        for match in pattern.finditer(masked):
            label = match.groupdict().get("label") or match.group("text")
            if _label(label) in dropped:
                edits.append((match.start(), match.end(), body[match.start("text"):match.end("text")]))
        for start, end, text in reversed(edits):
            body = body[:start] + text + body[end:]
    return body


def _page(page: Page, config: Config, lang: str, targets: _Targets) -> str:
    written = page.text(lang, config.default_lang)
    return _front(written.title, written.summary) + _shown_in(written, lang, targets.retarget(written.body, ""))


def _title_in(written: Text, lang: str, part: str = "title") -> str:
    """A title (or summary) in a listing, in a span with its own lang when it is in the language
    `lang` falls back to."""
    value = text(getattr(written, part))
    return value if written.lang == lang else f'<span lang="{written.lang}">{value}</span>'


def _heading(written: Text, lang: str) -> str:
    """The page's heading, with the lang of the language it falls back to when it does."""
    heading = f"# {text(written.title)}"
    if written.lang == lang:
        return heading
    return f'<div class="alertcast-fallback" lang="{written.lang}" markdown="1">\n\n{heading}\n\n</div>'


def _shown_in(written: Text, lang: str, markdown: str) -> str:
    """`markdown` as written; when it is in the language `lang` falls back to (no translation),
    after a note that says so and inside a block with its own lang, so readers, screen readers and
    search engines all know."""
    if written.lang == lang:
        return markdown
    w = words(lang)
    note = w["fallback_note"].format(wanted=language_tags.name(lang, lang), shown=language_tags.name(written.lang, lang))
    return (f'!!! info "{w["fallback"]}"\n\n{_indented(note)}\n\n'
            f'<div class="alertcast-fallback" lang="{written.lang}" markdown="1">\n\n{markdown.strip()}\n\n</div>\n')


def _home(page: Page, plan: Plan, config: Config, lang: str, targets: _Targets) -> str:
    """The home page with the latest live alerts where the editors put LATEST_MARKER; without
    the marker, under the page's first heading (or at the top), so readers always see them first."""
    written = page.text(lang, config.default_lang)
    body = _shown_in(written, lang, targets.retarget(written.body, ""))
    latest = _latest(plan, config, lang)
    if LATEST_MARKER in body:
        body = body.replace(LATEST_MARKER, f"\n{latest}\n", 1)
    else:
        section = f"## {words(lang)['latest']}\n\n{latest}\n"
        heading = re.search(r"^# .*\n?", body, re.MULTILINE)
        body = (f"{body[:heading.end()].rstrip()}\n\n{section}\n{body[heading.end():].lstrip()}" if heading
                else f"{section}\n{body}")
    return _front(written.title, written.summary) + body


def _latest(plan: Plan, config: Config, lang: str) -> str:
    w = words(lang)
    if not plan.live:
        return f"{w['no_live']} [{w['all_alerts']}](alerts/index.md)\n"
    lines = [_item(alert, plan, config, lang, "alerts/") for alert in plan.live[:LATEST_COUNT]]
    return "\n".join(lines) + f"\n\n[{w['all_alerts']}](alerts/index.md)\n"


def _categories(plan: Plan) -> list[str]:
    """Categories of published alerts, in the order of CATEGORIES (most common scams first)."""
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted({a.category for a in plan.published}, key=lambda c: (order.get(c, len(order)), c))


def _time(when: datetime, config: Config, date_only: bool = False) -> str:
    """A moment in the editors' time zone, with its offset; seconds only when there are some.
    <time> carries the exact moment for machines (and the time on hover when only the date shows)."""
    local = when.astimezone(config.tz)
    minutes = int(local.utcoffset().total_seconds()) // 60  # type: ignore[union-attr]
    hours, rest = divmod(abs(minutes), 60)
    offset = f"UTC{'-' if minutes < 0 else '+'}{hours}" + (f":{rest:02d}" if rest else "")
    full = local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M") + f" ({offset})"
    if date_only:
        return f'<time datetime="{local.isoformat()}" title="{full}">{local.strftime("%Y-%m-%d")}</time>'
    return f'<time datetime="{local.isoformat()}">{full}</time>'


def _badge(alert: Alert, lang: str) -> str:
    severity = alert.severity.value
    label = severity_label(severity, lang)
    return f'<span class="alertcast-badge alertcast-badge--{severity}">{label}</span>'


def _mark(plan: Plan, alert: Alert, lang: str) -> str:
    state = plan.states[alert.id]
    if state is State.withdrawn:
        return f' <span class="alertcast-mark alertcast-mark--withdrawn">{words(lang)["withdrawn"]}</span>'
    if state is State.expired:
        return f' <span class="alertcast-mark alertcast-mark--expired">{words(lang)["expired"]}</span>'
    return ""


def _lifecycle(alert: Alert, plan: Plan, config: Config, lang: str, expires: str,
               every: bool = False) -> list[tuple[datetime | None, str, str]]:
    """(when, what, detail) of each step, in order: published; the latest update (`every`:
    each update) with its note; withdrawn (with the reason), or expires or expired (`expires`
    is the word for an expiry ahead)."""
    w = words(lang)
    shown = alert.text(lang, config.default_lang).lang  # notes in the language the text is shown in
    state = plan.states[alert.id]
    steps: list[tuple[datetime | None, str, str]] = [(alert.publish_at, w["published"], "")]
    if state is State.withdrawn:  # its updated_at is the withdrawal; the updates before it stay listed
        if every:
            steps += [(u.at, w["updated"], text(u.note.get(shown, ""))) for u in alert.updates]
        steps.append((alert.updated_at, w["withdrawn_on"], text(alert.reason(lang, config.default_lang))))
        return steps
    if every and alert.updates:
        updates = [(u.at, text(u.note.get(shown, ""))) for u in alert.updates]
    else:  # the latest only (an alert built without the list has just updated_at)
        updates = [(alert.updated_at, text(alert.update_note.get(shown, "")))] if alert.updated_at else []
    steps += [(when, w["updated"], note) for when, note in updates]
    if alert.expires_at:
        steps.append((alert.expires_at, w["expired_on"] if state is State.expired else w[expires], ""))
    return steps


def _dates(alert: Alert, plan: Plan, config: Config, lang: str) -> list[str]:
    """Published; updated (or withdrawn, whose time is `updated_at`); expires or expired."""
    return [f"{what} {_time(when, config)}" for when, what, _ in _lifecycle(alert, plan, config, lang, "expires") if when]


def _meta(alert: Alert, plan: Plan, config: Config, lang: str, to_alerts: str) -> str:
    """Category (linked to its listing) and dates; `to_alerts` is the way from the page to alerts/."""
    category = f"[{category_label(alert.category, lang)}]({to_alerts}category/{alert.category}.md)"
    return " · ".join([category, *_window(alert, config, lang), *_dates(alert, plan, config, lang)])


def _window(alert: Alert, config: Config, lang: str) -> list[str]:
    """The maintenance window, start and end each a <time> in the editors' zone with its offset;
    the site's script adds them in the reader's zone when it is another (main.html)."""
    if not has_window(alert):
        return []
    assert alert.starts_at is not None and alert.ends_at is not None
    return [f'<span class="alertcast-window">{window_word("window", lang)} {_time(alert.starts_at, config)} – '
            f'{_time(alert.ends_at, config)}</span>']


def _item(alert: Alert, plan: Plan, config: Config, lang: str, to_alerts: str) -> str:
    """One alert in a listing: severity, title and marks, then category and dates below."""
    title = _title_in(alert.text(lang, config.default_lang), lang)
    return (f"- {_badge(alert, lang)} [{title}]({to_alerts}{alert.id}.md){_mark(plan, alert, lang)}\n"
            f'  <span class="alertcast-meta">{_meta(alert, plan, config, lang, to_alerts)}</span>')


def _indented(text: str) -> str:
    return "\n".join(f"    {line}" if line.strip() else "" for line in text.strip().splitlines())


def _history(alert: Alert, plan: Plan, config: Config, lang: str) -> list[str]:
    """The lifecycle, newest first."""
    events = sorted(_lifecycle(alert, plan, config, lang, "expires_event", every=True),
                    key=lambda e: e[0] or plan.now, reverse=True)  # an undated withdrawal goes first
    return [f"- {_time(when, config) + ' · ' if when else ''}**{event}**{' — ' + detail if detail else ''}"
            for when, event, detail in events]


def _alert(alert: Alert, plan: Plan, config: Config, lang: str, guides: dict[str, Guide], targets: _Targets) -> str:
    w = words(lang)
    written = alert.text(lang, config.default_lang)
    lines = [_front(written.title, written.summary), _heading(written, lang), ""]
    state = plan.states[alert.id]
    if state is State.withdrawn:
        reason = text(alert.reason(lang, config.default_lang))
        note = (w["withdrawn_note"].format(when=_time(alert.updated_at, config)) if alert.updated_at
                else w["withdrawn_note_undated"])
        lines += [f'!!! failure "{w["withdrawn"]}"', "", _indented(reason), "", _indented(note), ""]
    elif state is State.expired and alert.expires_at:
        lines += [f'!!! note "{w["expired"]}"', "", _indented(w["expired_note"].format(
            when=_time(alert.expires_at, config))), ""]
    lines += [f"{_badge(alert, lang)} {_meta(alert, plan, config, lang, '')}", ""]
    lines += verify_page.alert_tip(alert, plan, lang)
    body = LEADING_H1.sub("", written.body)  # the generated heading replaces a leading one
    lines += [_shown_in(written, lang, f"{text(written.summary)}\n\n{targets.retarget(body, 'alerts').strip()}"), ""]
    ind = alert.indicators
    if ind:
        lines += [f"## {w['indicators']}", ""]
        lines += [f"- `{defang(d)}`" for d in ind.domains]
        lines += [f"- `{a}`" for a in ind.addresses]
        lines += [f"- `{h}`" for h in ind.handles]
        lines.append("")
    lines += [f"## {w['history']}", "", *_history(alert, plan, config, lang), ""]
    return "\n".join(lines + _related_guides(alert.related, guides, config, lang, "../guides/"))


def _listing_path(category: str | None, page: int) -> str:
    """Where page `page` (from 1) of the alerts index, or of one category's, is, under alerts/."""
    if category is None:
        return "index.md" if page == 1 else f"page/{page}.md"
    return f"category/{category}.md" if page == 1 else f"category/{category}/page/{page}.md"


def _alert_listing(plan: Plan, config: Config, lang: str, alerts: tuple[Alert, ...], title: str,
                   category: str | None) -> list[tuple[str, str]]:
    """All published alerts (or one category's), newest first, ALERTS_PER_PAGE to a page:
    (path under alerts/, Markdown) for each page."""
    chunks = [alerts[i:i + ALERTS_PER_PAGE] for i in range(0, len(alerts), ALERTS_PER_PAGE)] or [()]
    paths = [_listing_path(category, n) for n in range(1, len(chunks) + 1)]
    return [(path, _alert_index(plan, config, lang, alerts, chunk, title, path, paths))
            for path, chunk in zip(paths, chunks)]


def _alert_index(plan: Plan, config: Config, lang: str, alerts: tuple[Alert, ...], shown: tuple[Alert, ...],
                 title: str, path: str, pages: list[str]) -> str:
    """One page of a listing: `shown` of `alerts`; `path` is where it is under alerts/, `pages`
    where every page of the listing is."""
    w = words(lang)
    here = posixpath.dirname(path) or "."
    up = posixpath.relpath(".", here) + "/" if here != "." else ""  # the way to alerts/
    number = pages.index(path) + 1
    heading = title if number == 1 else f"{title}{_colon(lang)}{w['page_n'].format(n=number)}"
    lines = [_front(heading), f"# {heading}", ""]
    feed = f"{site_base(config)}feeds/alerts.{lang}"  # the feeds sit at the root, for every language
    lines += [f"{w['feeds']}{_colon(lang)}[RSS]({feed}.rss.xml) · [Atom]({feed}.atom.xml) · [JSON Feed]({feed}.json)",
              ""]
    if path.startswith("category/maintenance"):  # the maintenance calendar (render/calendar.py)
        from .calendar import calendar_path  # icalendar loads only for the build, not for check

        ics = f"{config.site_url}{calendar_path(lang)}"
        lines += [f'{window_word("calendar", lang)}{_colon(lang)}[{ics}]({ics})', "",
                  window_word("subscribe", lang).format(link=f"`{ics}`"), ""]
    if path.startswith("category/"):
        lines += [f"[{w['back']}]({up}index.md)", ""]
    else:
        counts = {c: sum(1 for a in alerts if a.category == c) for c in _categories(plan)}
        if counts:
            lines += [f"{w['by_category']}{_colon(lang)}" + " · ".join(
                f'<span class="alertcast-nowrap">[{category_label(c, lang)}]({up}category/{c}.md) ({n})</span>'
                for c, n in counts.items()), ""]
    if not shown:
        lines.append(w["none"])
    lines += [_item(alert, plan, config, lang, up) for alert in shown]
    if len(pages) > 1:
        links = [f"**{n}**" if page == path else f"[{n}]({posixpath.relpath(page, here)})"
                 for n, page in enumerate(pages, 1)]
        lines += ["", f'<span class="alertcast-pager">{w["pages"]}{_colon(lang)}{" · ".join(links)}</span>']
    return "\n".join(lines) + "\n"


def _guide(guide: Guide, plan: Plan, config: Config, lang: str, guides: dict[str, Guide], targets: _Targets) -> str:
    """A guide with its last update, the published alerts that name it as related and the
    guides it names as related."""
    w = words(lang)
    written = guide.text(lang, config.default_lang)
    lines = [_front(written.title, written.summary), _heading(written, lang), ""]
    if guide.updated_at:
        lines += [f'<span class="alertcast-meta">{w["last_updated"]} {_time(guide.updated_at, config, date_only=True)}'
                  "</span>", ""]
    body = LEADING_H1.sub("", written.body)
    lines += [_shown_in(written, lang, targets.retarget(body, "guides").strip()), ""]
    why = [a for a in plan.published if guide.id in a.related]
    if why:
        lines += [f"## {w['why']}", ""]
        lines += [_item(a, plan, config, lang, "../alerts/") for a in why]
        lines.append("")
    return "\n".join(lines + _related_guides(guide.related, guides, config, lang, ""))


def _related_guides(ids: tuple[str, ...], guides: dict[str, Guide], config: Config, lang: str,
                    to_guides: str) -> list[str]:
    """The "Related guides" section of an alert or guide (`to_guides` is the way to guides/)."""
    related = [guides[g] for g in ids if g in guides]
    if not related:
        return []
    return [f"## {words(lang)['related']}", "",
            *(f"- [{_title_in(g.text(lang, config.default_lang), lang)}]({to_guides}{g.id}.md)" for g in related), ""]


def _guide_index(guides: tuple[Guide, ...], config: Config, lang: str) -> str:
    """Every guide, grouped by level, in the same order as the navigation."""
    title = words(lang)["guides"]
    lines = [_front(title), f"# {title}"]
    level = None
    for guide in guide_order(guides):
        if guide.level != level:
            level = guide.level
            lines += ["", f"## {language_tags.in_table(LEVEL_LABEL, lang).get(level, level)}", ""]
        written = guide.text(lang, config.default_lang)
        lines.append(f"- [{_title_in(written, lang)}]({guide.id}.md) — {_title_in(written, lang, 'summary')}")
    return "\n".join(lines) + "\n"
