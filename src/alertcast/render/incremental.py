"""Incremental site builds: render again only the pages whose inputs changed, and take the
others from the live release.

Each page of a language gets a key: a digest of what its HTML is made from (its staged
Markdown, whether each page it links to exists, and the language's engine key: the site
configuration with its navigation, the theme and overrides, and the versions of the code that
renders). The keys, each page's output digest and its search index entries are kept in the
release (KEYS_PATH in each language's folder). The next build renders the pages whose key
changed, hard-links the others from the live release, and writes the search index from the kept entries and the new
ones in the engine's page order: the same bytes a full build writes. The 404 page and the
sitemap (whose dates render/site.py sets after the engine) are the engine's own templates: the
404 page is made from what every page shares alone, the sitemap from that and the engine's list
of pages, so each has a key of its own and is taken from the live release when it did not
change. Every page shows the navigation, so the front matter of the pages it names (their
titles) is part of what every page shares.

No page is written into the staged docs tree: mkdocs gets every page from memory (writing a
thousand small files, for mkdocs to read them back, cost a language's build half a second of
CPU), reads the front matter of those the navigation names, and renders only the pages whose
key changed.

The key file is read back as untrusted data: it is used only when its digest is the one the
release's manifest holds (written by alertcast when the release went live), and a page is
reused only when the file in the live release is a regular file with the digest recorded for
it. Anything else (a missing, changed or malformed file, another engine key) means a full
build, never a reused page that does not match.

mkdocs is told which pages to skip through its own "dirty" build: a plugin object added to the
loaded configuration (no entry in mkdocs.yml, nothing the staged tree or another engine sees)
marks the pages to render as modified and the others as not.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import posixpath
import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from ..filedigest import FileDigest, read_regular
from ..problems import SiteBuildError
from .search import SITE_TEMPLATES

#: Where a language's keys are kept, in that language's folder of the release (a hidden folder
#: the engine neither copies nor cleans).
KEYS_PATH = ".alertcast/pages.json"
#: Bumped when the key file's shape or the way keys are made changes: an older file is ignored.
FORMAT = 1
#: The distributions whose code turns a staged page into HTML.
ENGINE_PACKAGES = ("mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "jieba")
SEARCH_INDEX = "search/search_index.json"
#: Larger files of the live release are not read back: a key file or a page that big is not
#: one alertcast wrote (a page is rendered again instead).
MAX_KEYS = 64 << 20
MAX_PAGE = 16 << 20
#: Where a link leads: an inline link's or image's target, or a reference definition's.
_TARGET = re.compile(r"""\]\(\s*<?([^\s)>]+)|^[ ]{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)""", re.MULTILINE)
_RENDER_CODE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Previous:
    """The live release a build may reuse pages from, and its digests (relative path -> sha256)
    as alertcast recorded them when the release went live."""

    root: Path
    digests: Mapping[str, bytes]


def _sha(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def _tree(folder: Path) -> bytes:
    """Names and bytes of every regular file under `folder` (links are neither followed nor read),
    but Python's byte code caches, which come and go as modules are imported."""
    parts = []
    for dirpath, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                parts += [path.relative_to(folder).as_posix().encode(), path.read_bytes()]
    return _sha(*parts).encode()


def _versions() -> bytes:
    out = []
    for name in ENGINE_PACKAGES:
        try:
            out.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name}=-")
    return "\n".join(out).encode()


def engine_key(raw: dict) -> tuple[str, bytes]:
    """The key of what every page of one language's build shares, from the staged mkdocs
    configuration `raw` (see site.site_config), and the part of it only templated pages read.

    The configuration's paths into this build's scratch folder are left out; the theme folder
    is keyed by its files. alertcast's renderers and templates are keyed by their code, so a
    new version of alertcast builds in full once. The Verify page's settings (its words and
    the addresses of the files it reads) are read by verify.html alone, so they go into the key
    of pages with a template of their own instead: with the bundled overrides. A project's own overrides may read anything,
    so there every page's key holds all of it.
    """
    config = {k: v for k, v in raw.items() if k not in ("docs_dir", "site_dir")}
    theme = dict(config.get("theme") or {})
    custom = Path(theme.pop("custom_dir", "") or "")
    extra = json.loads(json.dumps(config.get("extra") or {}))
    templated = b""
    own_theme = custom.resolve() != (SITE_TEMPLATES / "overrides").resolve()
    if not own_theme and isinstance(extra.get("alertcast"), dict) and "verify" in extra["alertcast"]:
        templated = json.dumps(extra["alertcast"].pop("verify"), sort_keys=True).encode()
    config["theme"], config["extra"] = theme, extra
    shared = _sha(str(FORMAT).encode(), _versions(), json.dumps(config, sort_keys=True, default=str).encode(),
                  _tree(custom) if str(custom) not in ("", ".") else b"", _tree(SITE_TEMPLATES), _tree(_RENDER_CODE))
    return shared, templated


def page_dest(src: str) -> str:
    """The file a staged page becomes with directory URLs (mkdocs' rule): x/index.md and
    x/README.md -> x/index.html, x/y.md -> x/y/index.html."""
    folder, name = posixpath.split(src)
    stem = name[:-3]
    if stem in ("index", "README"):
        return posixpath.join(folder, "index.html")
    return posixpath.join(folder, stem, "index.html")


def page_url(src: str) -> str:
    dest = page_dest(src)
    return dest[: -len("index.html")]


def page_key(shared: str, templated: bytes, src: str, markdown: bytes, staged: frozenset[str]) -> str:
    """A page's key: its Markdown, whether each file it links to is staged (the engine writes
    a link to a missing file as it is, and to a staged one as that file's address), and what
    the whole language shares."""
    here = posixpath.dirname(src)
    targets = (inline or defined for inline, defined in _TARGET.findall(markdown.decode("utf-8", "replace")))
    links = sorted({posixpath.normpath(posixpath.join(here, target.split("#", 1)[0].split("?", 1)[0]))
                    for target in targets if "://" not in target and not target.startswith(("#", "/", "mailto:"))})
    exists = "\n".join(f"{link} {link in staged}" for link in links).encode()
    own = templated if b"\ntemplate:" in _head(markdown) else b""
    return _sha(shared.encode(), src.encode(), markdown, exists, own)


@dataclass
class _Kept:
    key: str
    digest: str
    search: list


def _read_keys(previous: Previous | None, prefix: str) -> dict | None:
    """The key file of the live release's language folder `prefix`, if it is the file the
    release's manifest names (see the module docstring); None otherwise."""
    if previous is None:
        return None
    rel = prefix + KEYS_PATH
    expected = previous.digests.get(rel)
    if expected is None:
        return None
    data = _read_regular(previous.root / rel, MAX_KEYS)
    if data is None or hashlib.sha256(data).digest() != expected:
        log.warning("%s does not match the release's manifest: the site is built in full", rel)
        return None
    try:
        keys = json.loads(data)
    except ValueError:
        return None
    return keys if isinstance(keys, dict) else None


#: The engine's own templates a build may take from the live release (see `LanguagePages.static_key`).
STATIC = ("404.html", "sitemap.xml")


def _same_engine(keys: dict | None, shared: str) -> dict:
    """A key file made in this format with the same engine key; {} for any other (nothing in it is kept)."""
    return keys if keys and keys.get("format") == FORMAT and keys.get("engine") == shared else {}


def _kept_static(keys: dict | None, shared: str) -> dict[str, str]:
    """The keys of the engine's own templates in a key file made with the same engine key."""
    static = _same_engine(keys, shared).get("static")
    if not isinstance(static, dict):
        return {}
    return {name: key for name, key in static.items() if name in STATIC and isinstance(key, str)}


def _kept_pages(keys: dict | None, shared: str) -> dict[str, _Kept]:
    """The pages of a key file made with the same engine key, each checked for shape."""
    pages = _same_engine(keys, shared).get("pages")
    if not isinstance(pages, dict):
        return {}
    out = {}
    for src, entry in pages.items():
        if not (isinstance(src, str) and isinstance(entry, dict)):
            return {}
        key, digest, search = entry.get("key"), entry.get("digest"), entry.get("search")
        url = page_url(src) if src.endswith(".md") else None
        if not (isinstance(key, str) and isinstance(digest, str) and isinstance(search, list) and url is not None):
            return {}
        if not all(isinstance(e, dict) and isinstance(e.get("location"), str)
                   and e["location"].split("#", 1)[0] == url for e in search):
            return {}
        out[src] = _Kept(key, digest, search)
    return out


def _read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of `path` if it is a regular file of at most `limit` bytes (filedigest.read_regular)."""
    found = read_regular(path, limit)
    return found[0] if found is not None else None


@dataclass
class LanguagePages:
    """One language's pages for one build: which the engine renders, which come from the live
    release (see the module docstring)."""

    prefix: str  # the language's folder in the release: "" or "en/"
    shared: str
    keys: dict[str, str]  # staged page -> key
    reused: dict[str, _Kept] = field(default_factory=dict)
    previous: Previous | None = None
    order: list[str] = field(default_factory=list)  # every page, in the engine's order
    rendered: set[str] = field(default_factory=set)
    markdown: dict[str, str] = field(default_factory=dict)  # every staged page, given to mkdocs from memory
    templated: bytes = b""  # what only pages with a template of their own read (see engine_key)
    kept_static: dict[str, str] = field(default_factory=dict)  # the live release's keys of STATIC
    static: dict[str, bytes] = field(default_factory=dict)  # STATIC taken from the live release
    #: Each page as `finish` hashed it, by its path in the release: writing the release takes
    #: these digests instead of reading the pages again.
    hashed: dict[str, FileDigest] = field(default_factory=dict)
    #: Each reused page of the live release as it was hashed to be checked: linked into the build,
    #: the same file unchanged is not read again.
    verified: dict[str, FileDigest] = field(default_factory=dict)
    read: int = 0  # pages the build read to hash them (each rendered page, and each reused page once)

    @property
    def to_render(self) -> int:
        """How many of the language's staged pages this build renders."""
        return len(self.keys) - len(self.reused)

    @classmethod
    def plan(cls, docs: Path, markdown: Mapping[str, str], raw: dict, prefix: str,
             previous: Previous | None) -> LanguagePages:
        """`markdown`: the language's staged pages (path in the docs tree -> text), which are
        not written under `docs`; the other files (assets) are there already."""
        shared, templated = engine_key(raw)
        sources = {src: text.encode("utf-8") for src, text in markdown.items()}
        shared = _sha(shared.encode(), nav_heads(raw.get("nav"), sources).encode())
        staged = frozenset(p.relative_to(docs).as_posix() for p in docs.rglob("*") if p.is_file()) | frozenset(sources)
        keys = {src: page_key(shared, templated, src, data, staged) for src, data in sorted(sources.items())}
        found = _read_keys(previous, prefix)
        kept = _kept_pages(found, shared)
        reused, verified = {}, {}
        if previous is not None:
            for src, key in keys.items():
                old = kept.get(src)
                dest = prefix + page_dest(src)
                if old is not None and old.key == key and previous.digests.get(dest, b"").hex() == old.digest:
                    seen = FileDigest.of(previous.root / dest, MAX_PAGE)  # the page as its bytes are now
                    if seen is not None and seen.digest.hex() == old.digest:
                        reused[src], verified[src] = old, seen
                    else:  # rendered again, and said: someone or something edits the live release
                        log.warning("%s: not the file alertcast published in the live release (changed after it "
                                    "went live); rendered again", previous.root / dest)
        return cls(prefix, shared, keys, reused, previous, markdown=dict(markdown),
                   templated=templated, kept_static=_kept_static(found, shared), verified=verified,
                   read=len(verified))

    @property
    def incremental(self) -> bool:
        """Whether any page comes from the live release (else the engine builds in full)."""
        return bool(self.reused)

    def static_key(self, name: str) -> str:
        """The key of one of the engine's own templates: the 404 page shows what every page
        shares; the sitemap lists every page, in the engine's order, at its address."""
        if name == "sitemap.xml":
            return _sha(self.shared.encode(), name.encode(), "\n".join(self.order).encode())
        return _sha(self.shared.encode(), name.encode(), self.templated)

    def take_static(self, name: str) -> bool:
        """Take `name` (one of STATIC) from the live release if its key did not change and the
        file is the one the release's manifest names; False: the engine renders it."""
        if self.previous is None or self.kept_static.get(name) != self.static_key(name):
            return False
        expected = self.previous.digests.get(self.prefix + name)
        data = _read_regular(self.previous.root / (self.prefix + name), MAX_PAGE)
        if expected is None or data is None or hashlib.sha256(data).digest() != expected:
            return False
        self.static[name] = data
        return True

    def attach(self, mkdocs_config) -> None:  # type: ignore[no-untyped-def]
        """Add the plugin that tells mkdocs which pages to render to a loaded configuration."""
        mkdocs_config.plugins["alertcast-incremental"] = _SkipUnchanged(self)

    def finish(self, site_dir: Path) -> None:
        """After the engine: link the reused pages in, write the search index from the kept and
        the new entries, and write this build's keys."""
        index_path = site_dir / SEARCH_INDEX
        index = json.loads(index_path.read_bytes()) if index_path.is_file() else None
        fresh: dict[str, list] = {}
        if index is not None:
            for entry in index.get("docs", []):
                fresh.setdefault(entry["location"].split("#", 1)[0], []).append(entry)
        assert self.previous is not None or not self.reused
        for src, kept in self.reused.items():
            if src in self.rendered:
                continue
            rel = page_dest(src)
            (site_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            source = self.previous.root / (self.prefix + rel)  # type: ignore[union-attr]
            try:
                os.link(source, site_dir / rel, follow_symlinks=False)
            except OSError:  # the scratch folder is on another file system than the release
                shutil.copyfile(source, site_dir / rel, follow_symlinks=False)
        order = self.order or sorted(self.keys)
        search = {src: (self.reused[src].search if src in self.reused and src not in self.rendered
                        else fresh.get(page_url(src), [])) for src in order}
        if index is not None and self.incremental:
            index["docs"] = [entry for src in order for entry in search[src]]
            index_path.write_text(json.dumps(index, separators=(",", ":"), default=str), encoding="utf-8")
        pages = {}
        for src in sorted(self.keys):
            path = site_dir / page_dest(src)
            seen = self.verified.get(src) if src not in self.rendered else None
            hashed = seen if seen is not None and seen.still(path) else FileDigest.of(path)
            self.read += hashed is not seen
            if hashed is None:
                continue  # a page the engine wrote nothing for
            self.hashed[self.prefix + page_dest(src)] = hashed
            digest = hashed.digest.hex()
            if src in self.reused and src not in self.rendered and digest != self.reused[src].digest:
                raise SiteBuildError(f"{self.prefix}{page_dest(src)} of the live release changed while the site was "
                                     "built (something other than alertcast writes into the output folder); "
                                     "build again, with --full to render every page")
            pages[src] = {"key": self.keys[src], "digest": digest, "search": search.get(src, [])}
        for name, data in self.static.items():
            (site_dir / name).write_bytes(data)
        static = {name: self.static_key(name) for name in STATIC if (site_dir / name).is_file()}
        keys_file = site_dir / KEYS_PATH
        keys_file.parent.mkdir(parents=True, exist_ok=True)
        keys_file.write_text(json.dumps({"format": FORMAT, "engine": self.shared, "pages": pages, "static": static},
                                        ensure_ascii=False, separators=(",", ":")) + "\n",  # entries keep their order
                             encoding="utf-8")


def _plugin_base():  # type: ignore[no-untyped-def]
    from mkdocs.plugins import BasePlugin

    return BasePlugin


class _DirtyWarning(logging.Filter):
    """mkdocs warns that a dirty build may have stale navigation: here every page it skips is
    one whose inputs, navigation included, did not change."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "'dirty' build" not in record.getMessage()


@contextmanager
def engine_quiet() -> Iterator[None]:
    """mkdocs' warning about dirty builds left out while a build runs."""
    logger, quiet = logging.getLogger("mkdocs.commands.build"), _DirtyWarning()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


class _SkipUnchanged(_plugin_base()):  # type: ignore[misc]
    def __init__(self, pages: LanguagePages) -> None:
        super().__init__()
        self.pages = pages

    def on_files(self, files, *, config):  # type: ignore[no-untyped-def]
        """The staged pages, which are not written, as files in memory, in the order mkdocs
        lists a docs folder's files (so the sitemap and the search index keep theirs). Each is
        the file mkdocs would have listed in the docs folder (its edit link too), its text given."""
        from mkdocs.structure.files import File, Files, set_exclusions

        docs = [f for f in files if f.src_dir == config.docs_dir]  # get_files' own; the theme's follow
        virtual = []
        for src, text in self.pages.markdown.items():
            file = File(src, config.docs_dir, config.site_dir, config.use_directory_urls)
            file.content_string = text
            virtual.append(file)
        set_exclusions(virtual, config)
        ordered = sorted(docs + virtual, key=lambda f: walk_order(f.src_uri))
        return Files(ordered + [f for f in files if f.src_dir != config.docs_dir])

    def on_nav(self, nav, *, config, files):  # type: ignore[no-untyped-def]
        self.pages.order = [file.src_uri for file in files.documentation_pages()]
        for page in nav.pages:  # the navigation shows their titles: read, as a full build reads them
            if page.file.src_uri in self.pages.reused:
                page.read_source(config)
        for file in files.documentation_pages():
            render = file.src_uri not in self.pages.reused
            if render:
                self.pages.rendered.add(file.src_uri)
            file.is_modified = (lambda value: lambda: value)(render)
        return nav

    def on_env(self, env, *, config, files):  # type: ignore[no-untyped-def]
        """The 404 page and the sitemap whose keys did not change come from the live release
        (in `finish`): mkdocs renders neither. Here, after it listed the theme's files (which
        leaves its templates out by this same list)."""
        for name in STATIC:
            if name in config.theme.static_templates and self.pages.take_static(name):
                config.theme.static_templates.discard(name)
        return env


def walk_order(src: str) -> list[tuple[int, object]]:
    """Where mkdocs lists the file `src` of a docs folder: it walks the folder, each folder's
    files (index and README first) before its subfolders, both by name."""
    *folders, name = src.split("/")
    stem = posixpath.splitext(name)[0]
    return [(1, folder) for folder in folders] + [(0, (stem not in ("index", "README"), name))]


def nav_heads(nav: object, sources: Mapping[str, bytes]) -> str:
    """The front matter of every page the navigation names (every page shows their titles),
    for the key every page shares."""
    named: list[str] = []

    def walk(item: object) -> None:
        if isinstance(item, str):
            named.append(item)
        elif isinstance(item, dict):
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(nav)
    return _sha(*(part for src in named for part in (src.encode(), _head(sources.get(src, b"")))))


def _head(markdown: bytes) -> bytes:
    return markdown[:markdown.find(b"\n---", 3)] if markdown.startswith(b"---") else b""
