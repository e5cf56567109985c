"""The installed theme's file list and compiled templates, kept for the life of the process.

Every language's build asks mkdocs for the theme's files (Material's templates folder holds
14,500 files, nearly all icons, which mkdocs lists and filters one by one) and compiles the
templates it renders (some 40). Neither changes while the process runs: Material's folder is
the installed package, not project input. The fork server the site's workers come from
(cores.py) warms this once when it preloads (render/preload.py), so that each worker starts
with the list and the compiled code; a process that builds in itself (the daemon on one core)
keeps them from its first build.

A project's `theme.custom_dir` is project input, and stays read at every build: its folder is
listed every time, and every template is read every time and compared with the source its kept
code was compiled from (Jinja's bytecode cache protocol, with sha256), so an edited template is
compiled again. Only code compiled by the build's sandboxed environment is kept
(mkdocs_engine.sandboxed): a template never runs outside the sandbox.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from types import CodeType

import jinja2
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.sandbox import SandboxedEnvironment

#: The templates a build renders itself (pages use main.html, the Verify page verify.html); the
#: ones they extend, import and include are found from them.
ENTRY_TEMPLATES = ("main.html", "404.html", "sitemap.xml", "verify.html")


#: The settings of a Jinja environment that its compiled code depends on, besides its extensions.
_CODE_SETTINGS = ("block_start_string", "block_end_string", "variable_start_string", "variable_end_string",
                  "comment_start_string", "comment_end_string", "line_statement_prefix", "line_comment_prefix",
                  "trim_blocks", "lstrip_blocks", "newline_sequence", "keep_trailing_newline", "optimized",
                  "finalize", "autoescape")


class TemplateCode(BytecodeCache):
    """Compiled templates in memory, by environment settings, name, file and source digest."""

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, CodeType]] = {}

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None, source: str) -> Bucket:
        # The code depends on the environment's settings (its class, extensions, syntax, finalize,
        # optimizer), not only on the source.
        settings = repr((type(environment).__qualname__, sorted(environment.extensions), *(
            getattr(environment, name) for name in _CODE_SETTINGS)))
        bucket = Bucket(environment, hashlib.sha256(f"{settings}\0{name}\0{filename}".encode()).hexdigest(),
                        self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def get_source_checksum(self, source: str) -> str:
        return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()

    def load_bytecode(self, bucket: Bucket) -> None:
        kept = self._code.get(bucket.key)
        if kept is not None and kept[0] == bucket.checksum:
            bucket.code = kept[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        assert bucket.code is not None
        self._code[bucket.key] = (bucket.checksum, bucket.code)

    def __len__(self) -> int:
        return len(self._code)


class Sandbox(SandboxedEnvironment):
    """Jinja's sandbox, counting the templates it compiles (ThemeCache.compiled)."""

    counts: ThemeCache | None = None

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def,override]
        if self.counts is not None and not raw:
            self.counts.compiled += 1
        return super().compile(source, name, filename, raw, defer_init)


class KeptListing(jinja2.FileSystemLoader):
    """mkdocs' loader of the theme's folders, whose installed folders are listed once (see
    ThemeCache.listing); the others (the project's custom_dir) are listed at every call."""

    def __init__(self, searchpath: list[str], cache: ThemeCache):
        super().__init__(searchpath)
        self.cache = cache

    def list_templates(self) -> list[str]:
        found: set[str] = set()
        for folder in self.searchpath:
            if self.cache.installed(folder):
                found.update(self.cache.listing(folder))
            else:
                found.update(jinja2.FileSystemLoader(folder, followlinks=self.followlinks).list_templates())
        return sorted(found)


class ThemeCache:
    """What the builds of one process share of the installed theme (see the module docstring)."""

    def __init__(self, installed: Iterable[Path] = ()):
        #: Folders of installed packages (Material's and mkdocs' templates): listed once.
        self.folders = frozenset(str(Path(folder).resolve()) for folder in installed)
        self.code = TemplateCode()
        self._listings: dict[str, frozenset[str]] = {}
        self.listed = 0  # installed folders listed since the process started (for tests and benches)
        self.compiled = 0  # templates a Sandbox compiled since the process started (for tests and benches)

    def sandbox(self, kind: type[Sandbox] = Sandbox, **options) -> Sandbox:  # type: ignore[no-untyped-def]
        """Jinja's sandbox (`kind`: a subclass with stricter rules) with this cache's compiled
        templates, counting what it compiles."""
        env = kind(bytecode_cache=self.code, **options)
        env.counts = self
        return env

    def installed(self, folder: str) -> bool:
        return str(Path(folder).resolve()) in self.folders

    def listing(self, folder: str) -> frozenset[str]:
        """The files of an installed theme folder, as Jinja names them, but those with a hidden
        part (Material's 14,000 `.icons`): the only caller, mkdocs' list of the theme's static
        files, leaves every such name out (its patterns `.*` and `*/.*`)."""
        key = str(Path(folder).resolve())
        kept = self._listings.get(key)
        if kept is None:
            self.listed += 1
            names = jinja2.FileSystemLoader(folder).list_templates()
            kept = self._listings[key] = frozenset(
                name for name in names if not any(part.startswith(".") for part in name.split("/")))
        return kept

    def loader(self, dirs: list[str]) -> KeptListing:
        return KeptListing(list(dirs), self)

    def warm(self, environment: jinja2.Environment, entries: Iterable[str] = ENTRY_TEMPLATES) -> None:
        """Compile `entries` and every template they name (extends, import, include with a
        constant name), and list the installed folders, with `environment` (a build's sandboxed
        one): the fork server does this once for its workers."""
        from jinja2.meta import find_referenced_templates

        assert environment.bytecode_cache is self.code
        for folder in getattr(environment.loader, "searchpath", ()):
            if self.installed(folder):
                self.listing(folder)
        todo, seen = list(entries), set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            try:
                source, filename, _ = environment.loader.get_source(environment, name)  # type: ignore[union-attr]
            except jinja2.TemplateNotFound:
                continue
            tree = environment.parse(source, name, filename)
            todo.extend(ref for ref in find_referenced_templates(tree) if ref is not None)
            bucket = self.code.get_bucket(environment, name, filename, source)
            if bucket.code is None:
                bucket.code = environment.compile(tree, name, filename)
                self.code.set_bucket(bucket)


def _installed_theme_folders() -> list[Path]:
    folders = []
    for package in ("material", "mkdocs"):
        try:
            module = __import__(package)
        except ImportError:
            continue
        folder = Path(os.path.dirname(module.__file__ or "")) / "templates"
        if folder.is_dir():
            folders.append(folder)
    return folders


#: The process's cache: one per process, as the fork server can only import modules (see
#: render/preload.py), and its workers inherit what it holds.
THEME = ThemeCache(_installed_theme_folders())
