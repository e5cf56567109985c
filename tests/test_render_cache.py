"""Caches belong to whoever builds: two builds in one process never see each other's entries,
and nothing a build makes stays in a module."""

from __future__ import annotations

import shutil
import sys

from conftest import FIXTURE, NOW

from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.content.parsecache import ParseCache
from alertcast.pipeline import render_outputs
from alertcast.plan import Plan
from alertcast.render.memo import RenderCache


def _other(tmp_path, name, **replace):
    """A copy of the fixture project whose live alert says something else."""
    root = tmp_path / name
    shutil.copytree(FIXTURE, root)
    for path in (root / "content" / "alerts").glob("live-phishing.*.md"):
        text = path.read_text(encoding="utf-8")
        for old, new in replace.items():
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return root


def _render(root, cache=None, parsed=None):
    """Every fast output of the project at `root`; without caches, as a command-line build does."""
    config = load_config(root)
    content = load_or_raise(config) if parsed is None else load_or_raise(config, cache=parsed)
    plan = Plan.at(content, NOW)
    return render_outputs(plan, config) if cache is None else render_outputs(plan, config, cache=cache)


#: A table of YAML scalars by their text (null, bool, int, float, timestamp: immutable values a
#: pure function gives): the same for every build, so no build can see another's entries in it.
PURE_TABLES = {("alertcast.yamlsource", "_constructed")}


def _module_containers() -> dict[tuple[str, ...], int]:
    """Sizes of every dict, list and set held by an alertcast module, or by an object of an
    alertcast class held by one (such as a cache instance)."""
    out = {}
    for name, module in list(sys.modules.items()):
        if name != "alertcast" and not name.startswith("alertcast."):
            continue
        for attr, value in list(vars(module).items()):
            if attr.startswith("__"):
                continue
            if isinstance(value, (dict, list, set)) and (name, attr) not in PURE_TABLES:
                out[(name, attr)] = len(value)
            elif (type(value).__module__.startswith("alertcast") and not isinstance(value, type)
                  and hasattr(value, "__dict__")):
                for field, inner in vars(value).items():
                    if isinstance(inner, (dict, list, set)):
                        out[(name, attr, field)] = len(inner)
    return out


def test_a_build_leaves_nothing_in_any_module(tmp_path):
    first = _other(tmp_path, "first")
    second = _other(tmp_path, "second", **{"Scammers run": "Fraudsters run", "2026-03-02T12:00:00": "2026-03-20T12:00:00"})
    _render(first)  # modules' one-time tables (catalogues, schemas) are filled by now
    before = _module_containers()
    _render(second)  # other texts, and an update still ahead: every cache would get new entries
    after = _module_containers()
    assert {k: (before.get(k), n) for k, n in after.items() if before.get(k) != n} == {}


def test_two_projects_built_alternately_give_the_bytes_each_gives_alone(tmp_path):
    a = _other(tmp_path, "a")
    b = _other(tmp_path, "b", **{"Scammers run": "Fraudsters run", "wallet-verify.example": "wallet-check.example"})
    alone_a, alone_b = _render(a), _render(b)
    assert alone_a != alone_b
    # One process, the daemon's way: the same caches across every build, projects alternating.
    parsed, cache = ParseCache(), RenderCache()
    for _ in range(2):
        assert _render(a, cache, parsed) == alone_a
        assert _render(b, cache, parsed) == alone_b


class Counting(RenderCache):
    """Counts the pieces it had to make."""

    made = 0

    def __call__(self, kind, key, make):  # type: ignore[no-untyped-def]
        def counted():  # type: ignore[no-untyped-def]
            self.made += 1
            return make()

        return super().__call__(kind, key, counted)


def test_a_cache_serves_only_the_builds_it_is_given_to(tmp_path):
    root = _other(tmp_path, "p")
    kept, fresh = Counting(), Counting()
    first = _render(root, kept)
    made = kept.made
    assert made > 0
    assert _render(root, kept) == first and kept.made == made  # the owner's next build makes nothing again
    assert _render(root, fresh) == first and fresh.made == made  # another build's cache starts empty


def test_a_disabled_cache_keeps_nothing_and_renders_the_same_bytes(tmp_path):
    root = _other(tmp_path, "p")
    off = Counting(enabled=False)
    assert _render(root, off) == _render(root)
    assert off._pieces == {} and off._keys == {} and off._tokens == {}
