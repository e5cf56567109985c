"""Incremental site builds (render/incremental.py): a build renders again only the pages whose
inputs changed, links the others from the live release, and its release is byte for byte the
one a full build makes of the same content at the same moment."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alertcast import pipeline
from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.plan import Plan
from alertcast.publish.atomic import tree_digests
from alertcast.render.incremental import KEYS_PATH, Previous
from alertcast.render.site import build_site
from conftest import FIXTURE, NOW

PAGE = "en/alerts/live-phishing/index.html"


def _build(project: Path, now: datetime = NOW, output: str = "site", **kwargs) -> Path:
    result = pipeline.build(load_config(project), now, project / output, signing_key=None, **kwargs)
    assert result.release is not None
    return result.release


def _inodes(release: Path) -> dict[str, int]:
    return {p.relative_to(release).as_posix(): p.stat().st_ino for p in release.rglob("*.html")}


def _reused(before: Path, after: Path) -> set[str]:
    """The pages of `after` that are the very files of `before` (hard links)."""
    old = _inodes(before)
    return {rel for rel, inode in _inodes(after).items() if old.get(rel) == inode}


def _differences(a: Path, b: Path) -> list[str]:
    da, db = tree_digests(a), tree_digests(b)
    return sorted(p for p in set(da) | set(db) if da.get(p) != db.get(p))


def _edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / "content" / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_after_one_alert_changed_only_its_pages_are_rendered_again(project):
    first = _build(project)
    _edit(project, "alerts/live-phishing.en.md", "## Details", "## Details\n\nA new paragraph.")
    second = _build(project)
    reused = _reused(first, second)
    assert PAGE not in reused
    assert "A new paragraph." in (second / PAGE).read_text(encoding="utf-8")
    # The Chinese page, the other alerts and the listings did not change: the same files.
    assert {"alerts/live-phishing/index.html", "en/alerts/expired-airdrop/index.html",
            "en/alerts/category/phishing/index.html", "alerts/withdrawn-fake-app/index.html"} <= reused
    # ... and the release is what a full build of the same content makes.
    assert _differences(second, _build(project, output="full")) == []
    assert _reused(second, _build(project, full=True)) == set()  # --full renders every page


def test_a_rebuild_writes_and_renders_only_the_pages_that_changed(project, tmp_path):
    """Of the staged pages, only those whose key changed are written into the docs tree and
    rendered; the pages in the navigation (home, guides, FAQ) are reused like the others."""
    config = load_config(project)
    first = tmp_path / "first"
    built = build_site(Plan.at(load_or_raise(config), NOW), config, first)
    assert [(b.lang, b.rendered == b.staged) for b in built] == [("zh", True), ("en", True)]
    _edit(project, "alerts/live-phishing.en.md", "## Details", "## Details\n\nA new paragraph.")
    second = tmp_path / "second"
    again = {b.lang: b for b in build_site(Plan.at(load_or_raise(config), NOW), config, second,
                                           Previous(first, tree_digests(first)))}
    assert (again["zh"].rendered, again["en"].rendered) == (0, 1)
    assert again["en"].staged == built[1].staged > 5
    reused = _reused(first, second)
    assert PAGE not in reused
    assert {"en/index.html", "en/guides/index.html", "en/guides/spot-phishing/index.html", "en/alerts/index.html",
            "index.html"} <= reused
    build_site(Plan.at(load_or_raise(config), NOW), config, tmp_path / "full")
    assert _differences(second, tmp_path / "full") == []


def test_mkdocs_reads_every_staged_page_from_memory(project, tmp_path):
    """No page is written into the staged docs tree (a thousand small files cost a language's
    build half a second of CPU) in a full build or a rebuild, and the site is the same."""
    config = load_config(project)
    plan = Plan.at(load_or_raise(config), NOW)
    first = build_site(plan, config, tmp_path / "first", workers=1)
    assert [(b.lang, b.written, b.rendered == b.staged > 5) for b in first] == [("zh", 0, True), ("en", 0, True)]
    _edit(project, "alerts/live-phishing.en.md", "## Details", "## Details\n\nA new paragraph.")
    plan = Plan.at(load_or_raise(config), NOW)
    again = build_site(plan, config, tmp_path / "second", Previous(tmp_path / "first", tree_digests(tmp_path / "first")),
                       workers=1)
    assert [(b.lang, b.written, b.rendered) for b in again] == [("zh", 0, 0), ("en", 0, 1)]
    assert "A new paragraph." in (tmp_path / "second" / PAGE).read_text(encoding="utf-8")
    # Each page is read once to hash it: a reused one as the live release's file is checked (linked
    # into the build, that same file is not read again), a rendered one as the build placed it.
    assert [b.read for b in first] == [b.staged for b in first] and [b.read for b in again] == [b.staged for b in again]


def test_the_404_page_and_the_sitemap_are_rendered_only_when_their_inputs_changed(project, tmp_path):
    """The 404 page shows what every page shares; the sitemap lists every page: an alert's new
    text changes neither, a new alert changes the sitemap only (and the file is the full build's)."""
    config = load_config(project)
    first = tmp_path / "first"
    built = build_site(Plan.at(load_or_raise(config), NOW), config, first)
    assert [b.taken for b in built] == [(), ()]
    _edit(project, "alerts/live-phishing.en.md", "## Details", "## Details\n\nA new paragraph.")
    second = tmp_path / "second"
    again = build_site(Plan.at(load_or_raise(config), NOW), config, second, Previous(first, tree_digests(first)))
    assert [b.taken for b in again] == [("404.html", "sitemap.xml")] * 2
    build_site(Plan.at(load_or_raise(config), NOW), config, tmp_path / "second-full")
    assert _differences(second, tmp_path / "second-full") == []
    for lang in ("zh", "en"):
        shutil.copy(project / "content" / "alerts" / f"live-phishing.{lang}.md",
                    project / "content" / "alerts" / f"new-one.{lang}.md")
    third = tmp_path / "third"
    added = build_site(Plan.at(load_or_raise(config), NOW), config, third, Previous(second, tree_digests(second)))
    assert [b.taken for b in added] == [("404.html",)] * 2
    assert "alerts/new-one/" in (third / "sitemap.xml").read_text(encoding="utf-8")
    build_site(Plan.at(load_or_raise(config), NOW), config, tmp_path / "third-full")
    assert _differences(third, tmp_path / "third-full") == []


def test_a_tampered_page_or_key_file_is_never_reused(project):
    """The live release is read back as untrusted: a page that is not the file its key was
    recorded for is rendered again, and a key file that is not the one the release went live
    with means a full build."""
    first = _build(project)
    (first / "en/alerts/expired-airdrop/index.html").write_text("<script>tampered()</script>", encoding="utf-8")
    (first / "alerts/expired-airdrop/index.html").unlink()
    (first / "alerts/expired-airdrop/index.html").symlink_to("/etc/hostname")
    keys = json.loads((first / "en" / KEYS_PATH).read_bytes())
    keys["pages"]["alerts/live-phishing.md"]["key"] = "0" * 64
    (first / "en" / KEYS_PATH).write_text(json.dumps(keys), encoding="utf-8")
    second = _build(project)
    assert _differences(second, _build(project, output="full")) == []
    reused = _reused(first, second)
    assert not [page for page in reused if page.startswith("en/")]  # the English key file: a full build
    assert "alerts/live-phishing/index.html" in reused  # the Chinese one was intact


def test_a_change_every_page_shows_renders_every_page(project):
    """The navigation (a guide's title) is on every page."""
    first = _build(project)
    _edit(project, "guides/spot-phishing.en.md", "title: Spot", "title: Renamed spot")
    second = _build(project)
    assert not [page for page in _reused(first, second) if page.startswith("en/")]
    assert "alerts/live-phishing/index.html" in _reused(first, second)  # Chinese nav did not change
    assert _differences(second, _build(project, output="full")) == []


def test_the_cli_builds_in_full_when_asked(project, cli):
    out = project / "site"
    for extra in ((), ("--full",)):
        assert cli("build", "-p", project, "--now", NOW.isoformat(), "-o", out, *extra).exit_code == 0
        if not extra:
            first = out.resolve()
    assert _reused(first, out.resolve()) == set()


# Full == incremental over random edit sequences. Each step is built twice, incrementally on
# the previous step's release and in full, and every file of the two trees is compared.

ALERT = """---
title: "{title}"
summary: "Generated alert {n}."
severity: {severity}
category: {category}
publish_at: {publish}
{extra}channels: [banner]
related: [spot-phishing]
---

Body of alert {n}, revision {rev}. See [the guide](../guides/spot-phishing.md).
"""


def _write_alert(project: Path, n: int, rev: int, publish: datetime, extra: str = "",
                 severity: str = "warning", category: str = "phishing") -> None:
    for lang, word in (("zh", "警报"),):
        (project / "content" / "alerts" / f"gen-{n}.{lang}.md").write_text(ALERT.format(
            title=f"{word} {n} r{rev}", n=n, rev=rev, severity=severity, category=category,
            publish=publish.isoformat(), extra=extra), encoding="utf-8")


EDITS = st.lists(st.one_of(
    st.tuples(st.just("add"), st.sampled_from(["critical", "info"]), st.sampled_from(["phishing", "airdrop"])),
    st.tuples(st.just("change"), st.integers(0, 3)),
    st.tuples(st.just("withdraw"), st.integers(0, 3)),
    st.tuples(st.just("expire"), st.integers(0, 3)),
    st.tuples(st.just("guide")),
    st.tuples(st.just("time"), st.sampled_from([timedelta(hours=1), timedelta(days=20)])),
), min_size=2, max_size=4)


@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(edits=EDITS)
def test_an_incremental_release_is_a_full_build(tmp_path_factory, edits):
    work = tmp_path_factory.mktemp("edits")
    project = work / "project"
    shutil.copytree(FIXTURE, project)
    settings_file = project / "mkdocs.yml"  # one language: the others are built alike (see the tests above)
    settings_file.write_text(settings_file.read_text(encoding="utf-8").replace("languages: [zh, en]", "languages: [zh]"),
                             encoding="utf-8")
    for english in (project / "content").rglob("*.en.md"):
        english.unlink()
    config = load_config(project)
    now = NOW
    alerts: dict[int, int] = {}  # generated alert -> revision
    _write_alert(project, 0, 0, now - timedelta(days=1))
    alerts[0] = 0
    previous = work / "0"
    build_site(Plan.at(load_or_raise(config), now), config, previous)
    for step, edit in enumerate(edits, 1):
        kind = edit[0]
        target = sorted(alerts)[edit[1] % len(alerts)] if kind in ("change", "withdraw", "expire") else None
        if kind == "add":
            n = len(alerts)
            alerts[n] = 0
            _write_alert(project, n, 0, now - timedelta(minutes=5), severity=edit[1], category=edit[2])
        elif kind == "change" and target is not None:
            alerts[target] += 1
            _write_alert(project, target, alerts[target], now - timedelta(days=1))
        elif kind == "withdraw" and target is not None:
            _write_alert(project, target, alerts[target], now - timedelta(days=1),
                         extra=f"updated_at: {now.isoformat()}\nwithdrawn: \"wrong\"\n")
        elif kind == "expire" and target is not None:  # expires half an hour from now: a later "time" step passes it
            _write_alert(project, target, alerts[target], now - timedelta(days=1),
                         extra=f"expires_at: {(now + timedelta(minutes=30)).isoformat()}\n")
        elif kind == "guide":
            _edit(project, "guides/spot-phishing.zh.md", "\n---\n", f"\n---\n\n第 {step} 步。\n")
        elif kind == "time":
            now += edit[1]
        plan = Plan.at(load_or_raise(config), now)
        incremental, full = work / f"{step}", work / f"{step}-full"
        [built] = build_site(plan, config, incremental, Previous(previous, tree_digests(previous)))
        build_site(plan, config, full)
        assert _differences(incremental, full) == [], (step, edit)
        if kind in ("change", "guide"):  # the same pages, navigation and configuration
            assert built.taken == ("404.html", "sitemap.xml"), (step, edit)
        assert "alerts/withdrawn-fake-app/index.html" in _reused(previous, incremental)  # not a full build
        previous = incremental


@pytest.mark.parametrize("garbage", [b'{"format": 1, "engine": 5, "pages": []}', b"\xff\xfe"])
def test_a_key_file_of_any_shape_is_a_full_build(tmp_path, garbage):
    """Even one the manifest names (a release whose manifest was rewritten with it)."""
    config = load_config(FIXTURE)
    plan = Plan.at(load_or_raise(config), NOW)
    build_site(plan, config, tmp_path / "a")
    (tmp_path / "a" / KEYS_PATH).write_bytes(garbage)
    build_site(plan, config, tmp_path / "b", Previous(tmp_path / "a", tree_digests(tmp_path / "a")))
    assert _differences(tmp_path / "b", tmp_path / "a") == [KEYS_PATH]
    shared = _reused(tmp_path / "a", tmp_path / "b")
    assert shared and not [page for page in shared if not page.startswith("en/")]  # English was intact


def test_a_page_key_changes_when_a_file_it_links_to_comes_or_goes():
    """mkdocs writes a link to a staged file as that file's address and any other as written,
    so a page's HTML depends on which of its targets exist, not only on its Markdown."""
    from alertcast.render.incremental import page_key

    markdown = (b"---\ntitle: x\n---\n\nSee [the guide](../guides/a.md#why), ![a diagram](../assets/d.png)\n\n"
                b"[faq]: ../faq.md\n[site]: https://example.com/b.md\n")
    staged = frozenset({"alerts/x.md", "guides/a.md", "assets/d.png", "faq.md"})
    key = page_key("shared", b"", "alerts/x.md", markdown, staged)
    for gone in ("guides/a.md", "assets/d.png", "faq.md"):
        assert page_key("shared", b"", "alerts/x.md", markdown, staged - {gone}) != key, gone
    assert page_key("shared", b"", "alerts/x.md", markdown, staged | {"guides/b.md"}) == key  # not linked
    assert page_key("other", b"", "alerts/x.md", markdown, staged) != key
