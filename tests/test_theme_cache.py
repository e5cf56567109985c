"""The installed theme's file list and compiled templates are kept for the process
(render/theme_cache.py): a language's build compiles no template an earlier build (or the fork
server its worker came from) compiled, and lists Material's folder not at all; a project's own
theme folder is still read at every build, and a template edited there is compiled again."""

from __future__ import annotations

import shutil

from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.plan import Plan
from alertcast.render.site import OVERRIDES, build_site
from alertcast.render.theme_cache import THEME, ThemeCache
from conftest import NOW


def test_a_second_build_compiles_and_lists_nothing_of_the_installed_theme(project, tmp_path):
    config = load_config(project)
    plan = Plan.at(load_or_raise(config), NOW)
    build_site(plan, config, tmp_path / "first", workers=1)  # fills the process's cache, if earlier tests did not
    again = build_site(plan, config, tmp_path / "second", workers=1)
    assert [(b.lang, b.compiled, b.listed) for b in again] == [("zh", 0, 0), ("en", 0, 0)]
    assert (tmp_path / "second" / "en" / "index.html").read_bytes() == (tmp_path / "first" / "en" / "index.html").read_bytes()


def test_an_edited_template_of_the_project_theme_is_read_and_compiled_again(project, tmp_path):
    shutil.copytree(OVERRIDES, project / "theme")
    settings = project / "mkdocs.yml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("theme:\n", "theme:\n  custom_dir: theme\n", 1),
                        encoding="utf-8")
    config = load_config(project)
    plan = Plan.at(load_or_raise(config), NOW)
    build_site(plan, config, tmp_path / "first", workers=1)
    main = project / "theme" / "main.html"
    main.write_text(main.read_text(encoding="utf-8").replace(
        "{% block extrahead %}", "{% block extrahead %}<meta name=\"edited\" content=\"yes\">", 1), encoding="utf-8")
    (project / "theme" / "assets" / "added.txt").write_text("a file added to the theme\n", encoding="utf-8")
    again = build_site(plan, config, tmp_path / "second", workers=1)
    assert [(b.lang, b.compiled, b.listed) for b in again] == [("zh", 1, 0), ("en", 0, 0)]  # main.html, once
    assert '<meta name="edited" content="yes">' in (tmp_path / "second" / "en" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="edited"' not in (tmp_path / "first" / "en" / "index.html").read_text(encoding="utf-8")
    assert (tmp_path / "second" / "assets" / "added.txt").is_file()  # the project's folder is listed every build


def test_workers_start_with_the_theme_compiled_and_listed(project, tmp_path):
    """The fork server compiled what the languages' pages use: a worker compiles only the
    templates named at render time (the interface language's words, icons)."""
    config = load_config(project)
    plan = Plan.at(load_or_raise(config), NOW)
    built = build_site(plan, config, tmp_path / "site", workers=2)
    build_site(plan, config, tmp_path / "here", workers=1)
    used = len(THEME.code)  # every template the builds in this process compiled
    assert used > 20
    for language in built:
        assert language.listed == 0, language
        assert language.compiled < used / 3, (language, used)


def test_kept_code_is_used_only_for_the_same_source_and_settings():
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    cache = ThemeCache()
    loader = jinja2.DictLoader({"page.html": "{{ 1 + 1 }}"})
    assert cache.sandbox(loader=loader).get_template("page.html").render() == "2" and cache.compiled == 1
    assert cache.sandbox(loader=loader).get_template("page.html").render() == "2"
    assert cache.compiled == 1
    loader.mapping["page.html"] = "{{ 2 + 2 }}"
    assert cache.sandbox(loader=loader).get_template("page.html").render() == "4"
    assert cache.compiled == 2
    other = cache.sandbox(loader=loader, variable_start_string="[[")
    assert other.get_template("page.html").render() == "{{ 2 + 2 }}"  # other settings: compiled for them
    assert cache.compiled == 3
    assert isinstance(other, SandboxedEnvironment)


def _theme_sandbox(loader):  # type: ignore[no-untyped-def]
    from alertcast.render.mkdocs_engine import _theme_sandbox_class

    return ThemeCache().sandbox(_theme_sandbox_class(), loader=loader)


def test_the_theme_sandbox_checks_each_attribute_of_a_type_once(monkeypatch):
    """Jinja's attribute rules run once per (type, name), not at every use: a page reads the
    same few hundred attributes some five hundred times. Refusals are kept as refusals."""
    import jinja2
    from jinja2 import sandbox

    checked = []
    rule = sandbox.modifies_known_mutable
    monkeypatch.setattr(sandbox, "modifies_known_mutable", lambda obj, attr: checked.append(attr) or rule(obj, attr))
    env = _theme_sandbox(jinja2.DictLoader({
        "page.html": "{% for i in range(500) %}{{ page.title }}{{ page.items() | length }}{% endfor %}",
        "mutate.html": "{% for i in range(3) %}{{ page.clear is defined }}{% endfor %}"}))
    page = {"title": "t"}
    assert env.get_template("page.html").render(page=page) == "t1" * 500
    assert checked == ["items"]  # "title" is an item of the mapping: no attribute to check
    assert env.get_template("mutate.html").render(page=page) == "False" * 3  # refused each time
    assert checked == ["items", "clear"]


def test_the_theme_sandbox_collects_its_own_functions_once():
    """Whether a call is to one of the environment's functions is a look-up in a set made at
    the first call, not a scan of every global, filter and test at every call."""
    import jinja2

    class Counted(dict):
        scans = 0

        def values(self):  # type: ignore[no-untyped-def]
            Counted.scans += 1
            return super().values()

    env = _theme_sandbox(jinja2.DictLoader({"page.html": "{% for i in range(300) %}{{ shout('a') }}{% endfor %}"}))
    env.globals = Counted(env.globals, shout=str.upper)
    assert env.get_template("page.html").render() == "A" * 300
    assert Counted.scans == 1
