"""What a language's site build does once for all its pages instead of once per page, with the
same files as a result: one Markdown converter (render/mkdocs_engine.py's KeptMarkdown), and
no staged page written for mkdocs to read back (see also test_incremental.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from alertcast.checks.load import load_or_raise
from alertcast.config import load_config
from alertcast.plan import Plan
from alertcast.publish.atomic import tree_digests
from alertcast.render import mkdocs_engine
from alertcast.render.site import build_site
from conftest import NOW

FOOTNOTE = "## Details\n\nA note.[^n]\n\n[^n]: The note's text.\n"


def _with_footnotes(project: Path, unique: bool) -> None:
    settings = project / "mkdocs.yml"
    extension = "  - footnotes:\n      UNIQUE_IDS: true\n" if unique else "  - footnotes\n"
    settings.write_text(settings.read_text(encoding="utf-8") + f"\nmarkdown_extensions:\n{extension}", encoding="utf-8")
    for name in ("live-phishing.en.md", "expired-airdrop.en.md"):
        path = project / "content" / "alerts" / name
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("## Details", FOOTNOTE, 1) if "## Details" in text else text + "\n" + FOOTNOTE,
                        encoding="utf-8")


def _build(project: Path, dest: Path) -> list:
    config = load_config(project)
    return build_site(Plan.at(load_or_raise(config), NOW), config, dest, workers=1)


def test_every_page_of_a_language_is_converted_by_one_markdown_converter(project, tmp_path, monkeypatch):
    _with_footnotes(project, unique=False)
    built = _build(project, tmp_path / "kept")
    assert [(b.lang, b.converters, b.rendered > 5) for b in built] == [("zh", 1, True), ("en", 1, True)]
    # mkdocs' own Page.render, a converter for each page, makes the very same files
    monkeypatch.setattr(mkdocs_engine.KeptMarkdown, "serves", classmethod(lambda cls, config: False))
    own = _build(project, tmp_path / "own")
    assert [b.converters for b in own] == [0, 0]
    assert tree_digests(tmp_path / "kept") == tree_digests(tmp_path / "own")
    page = (tmp_path / "kept" / "en" / "alerts" / "expired-airdrop" / "index.html").read_text(encoding="utf-8")
    assert 'id="fn:n"' in page  # the second page with a footnote: nothing of the first carried over


def test_footnotes_with_ids_unique_across_pages_get_a_converter_per_page(project, tmp_path):
    """UNIQUE_IDS numbers the documents one converter converts: each page gets its own
    converter, so every page's ids are those mkdocs gives it."""
    _with_footnotes(project, unique=True)
    built = _build(project, tmp_path / "site")
    assert [b.converters for b in built] == [0, 0]
    ids = [re.findall(r'id="(fn:[^"]*)"', (tmp_path / "site" / "en" / "alerts" / alert / "index.html").read_text(
        encoding="utf-8")) for alert in ("live-phishing", "expired-airdrop")]
    assert ids[0] == ids[1] and len(ids[0]) == 1  # as a converter of its own numbers the one document it converts


def test_unique_ids_are_found_wherever_the_options_set_them():
    assert mkdocs_engine._unique_ids({"footnotes": {"UNIQUE_IDS": True}})
    assert mkdocs_engine._unique_ids({"pymdownx.extra": {"footnotes": {"UNIQUE_IDS": 1}}})
    assert not mkdocs_engine._unique_ids({"footnotes": {"UNIQUE_IDS": False}, "toc": {"permalink": True}})


def test_a_build_segments_each_chinese_text_once(project, tmp_path, monkeypatch):
    """The search index asks jieba for the words of every run of Chinese characters of every
    section; a text seen before (a listing's labels, the headings every alert has) is answered
    with the words jieba gave it, and the index is the one jieba gives text by text."""
    import jieba

    cut, texts = jieba.cut, []
    monkeypatch.setattr(jieba, "cut", lambda sentence, *args, **kwargs: texts.append(sentence) or cut(sentence, *args,
                                                                                                      **kwargs))
    _build(project, tmp_path / "kept")
    assert len(texts) > 50 and len(texts) == len(set(texts))
    assert jieba.cut is not cut and not isinstance(jieba.cut, mkdocs_engine.KeptWords)  # put back after the build
    texts.clear()
    monkeypatch.setattr(mkdocs_engine.KeptWords, "__call__", lambda self, sentence, *args, **kwargs: self.cut(sentence))
    _build(project, tmp_path / "each")
    assert len(texts) > len(set(texts))
    assert tree_digests(tmp_path / "kept") == tree_digests(tmp_path / "each")


def test_pages_the_navigation_does_not_name_share_one_rendered_navigation(project, tmp_path, monkeypatch):
    """Material's navigation is the same HTML on every alert page of a folder: rendered once a
    build for them, and the site is the one rendered page by page."""
    built = _build(project, tmp_path / "kept")
    for language in built:
        kept, served = language.navigations
        assert 0 < kept <= 3 and served >= 3, language  # the alerts' folder, a category's; the others their own
        assert kept + served < language.rendered
    monkeypatch.setattr(mkdocs_engine.KeptNavigation, "serves", staticmethod(lambda loader: False))
    each = _build(project, tmp_path / "each")
    assert [b.navigations for b in each] == [(0, 0), (0, 0)]
    assert tree_digests(tmp_path / "kept") == tree_digests(tmp_path / "each")


def test_a_project_theme_renders_the_navigation_for_every_page(project, tmp_path):
    """A project's own templates may show anything of the page in the navigation."""
    from alertcast.render.site import OVERRIDES

    shutil.copytree(OVERRIDES, project / "theme")
    settings = project / "mkdocs.yml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("theme:\n", "theme:\n  custom_dir: theme\n", 1),
                        encoding="utf-8")
    assert [b.navigations for b in _build(project, tmp_path / "site")] == [(0, 0), (0, 0)]
