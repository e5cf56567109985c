"""Each attack that was tried on pull-request content (Markdown, assets, mkdocs.yml, templates),
as a test: it cannot run code, read outside the content folder, inject HTML or
script, or hang or crash a build. See docs/security.md for the defence behind each test."""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alertcast.config import load_config
from alertcast.content.budget import FILE_CPU_SECONDS
from alertcast.checks.load import load_content
from alertcast.render.site import OVERRIDES, page_markdown, read_for_search

from conftest import FIXTURE

ALERT_EN = "content/alerts/live-phishing.en.md"
NOW = "2026-03-15T00:00:00+08:00"


def edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def lines(result) -> list[str]:
    return result.stdout.splitlines()


def _limits() -> None:
    """A safety net, not a measure: what used to hang at 5 GB fails here instead of stalling the suite."""
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


def limited(*args) -> subprocess.CompletedProcess:
    """The real command in a process with bounded memory and CPU."""
    return subprocess.run([sys.executable, "-m", "alertcast", *map(str, args)], capture_output=True, text=True,
                          preexec_fn=_limits, timeout=600)


# -- a post template cannot reach Python --------------------------------------------------

def test_post_template_cannot_run_code(cli, project, tmp_path):
    marker = tmp_path / "ran"
    folder = project / "templates" / "posts"
    folder.mkdir(parents=True)
    (folder / "telegram.j2").write_text(
        "{{ cycler.__init__.__globals__.os.system('touch %s') }} {{ title }}" % marker, encoding="utf-8")
    result = cli("check", "-p", project)
    assert not marker.exists()
    assert result.exit_code == 1
    # the fixture's Telegram channel posts in Chinese, so its post is judged at the zh file
    assert lines(result)[0].startswith("content/alerts/live-phishing.zh.md:3:1: error: the telegram post template cannot be rendered: "
                                       "access to attribute '__init__' of 'type' object is unsafe"), result.output


# -- a theme template cannot reach Python -------------------------------------------------

def test_theme_template_cannot_run_code(cli, project, tmp_path):
    """`theme.custom_dir` is pull-request content: mkdocs renders its templates in Jinja's sandbox."""
    marker = tmp_path / "ran"
    shutil.copytree(OVERRIDES, project / "theme")
    edit(project, "theme/main.html", "{% block extrahead %}",
         "{%% block extrahead %%}{{ lipsum.__globals__.os.popen('touch %s').read() }}" % marker)
    line = (project / "theme/main.html").read_text(encoding="utf-8").split("lipsum")[0].count("\n") + 1
    edit(project, "mkdocs.yml", "theme:\n", "theme:\n  custom_dir: theme\n")
    result = cli("build", "-p", project, "--now", NOW, "--output", tmp_path / "out")
    assert not marker.exists()
    assert result.exit_code == 1
    assert (f"theme/main.html:{line}:1: error: the theme template cannot be used: access to attribute '__globals__' "
            "of 'function' object is unsafe") in result.output, result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("vector", [
    # an unsandboxed environment, from mkdocs' theme object
    "{{ config.theme.get_env().from_string(\"{{ lipsum.__globals__.os.popen('touch MARKER').read() }}\").render() }}",
    # a file of mkdocs' that reads any path
    "{% if page and page.file %}{{ page.file.generated(config, 'x.md', abs_src_path='SECRET').content_string }}{% endif %}",
    # the settings of the pages rendered after this one: a script on each
    "{% set _ = config.extra_javascript.append('https://evil.example/x.js') %}",
], ids=["unsandboxed-environment", "file-outside", "settings-of-later-pages"])
def test_theme_template_cannot_call_mkdocs_objects(cli, project, tmp_path, vector):
    """The objects mkdocs hands templates (`config`, `page`, `nav`) have methods that leave
    Jinja's sandbox, read files or change the build's settings: a template calls only its own
    macros, the theme's functions and the methods of plain values."""
    _theme_vector_is_refused_at_its_line(cli, project, tmp_path, vector)


@pytest.mark.parametrize("vector", ["{{ 1 / 0 }}", "{{ ('x' * 2 ** 62) | length }}"], ids=["python-error", "memory"])
def test_a_theme_templates_python_error_is_an_error_at_its_line_not_a_traceback(cli, project, tmp_path, vector):
    """Only Jinja's own errors were said at the template's line: Python's (a division by zero, a
    string of 4 EiB) ended the build with a traceback."""
    _theme_vector_is_refused_at_its_line(cli, project, tmp_path, vector)


@pytest.mark.parametrize("vector", [
    "{{ config.docs_dir }}", "{% if page %}{{ page.file.abs_dest_path }}{% endif %}", "{{ config }}",
    "{{ config.theme.dirs | first | urlencode }}"], ids=["docs_dir", "page-file", "all-of-config", "urlencoded"])
def test_a_theme_template_cannot_publish_the_build_machines_paths(cli, project, tmp_path, vector):
    """The sandbox lets a template read mkdocs' settings and pages, and they hold where the site
    is built, the project's folder and the installed theme's (the user's name, the runner's
    layout): a page holding one is not published."""
    _build_path_in_a_page_fails_the_build(cli, project, tmp_path, vector)


def test_a_zensical_theme_template_cannot_publish_the_build_machines_paths(cli, project, tmp_path):
    """Zensical hands templates the staged settings too: `config.theme.custom_dir` is the
    folder the site is built in."""
    pytest.importorskip("zensical")
    edit(project, "mkdocs.yml", "  alertcast:\n", "  alertcast:\n    site:\n      engine: zensical\n")
    _build_path_in_a_page_fails_the_build(cli, project, tmp_path, "{{ config.theme.custom_dir }}")


def _build_path_in_a_page_fails_the_build(cli, project: Path, tmp_path: Path, vector: str) -> None:
    shutil.copytree(OVERRIDES, project / "theme")
    edit(project, "theme/main.html", "{% block extrahead %}", "{% block extrahead %}" + vector)
    edit(project, "mkdocs.yml", "theme:\n", "theme:\n  custom_dir: theme\n")
    result = cli("build", "-p", project, "--now", NOW, "--output", tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert "theme:1:1: error: the theme's templates write " in result.output, result.output
    assert "a page must not publish the paths of the machine that built it" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def _theme_vector_is_refused_at_its_line(cli, project: Path, tmp_path: Path, vector: str) -> None:
    marker, secret = tmp_path / "ran", tmp_path / "signing.key"
    secret.write_text("SECRET-KEY-BYTES", encoding="utf-8")
    shutil.copytree(OVERRIDES, project / "theme")
    vector = vector.replace("MARKER", str(marker)).replace("SECRET", str(secret))
    edit(project, "theme/main.html", "{% block extrahead %}", "{% block extrahead %}" + vector)
    line = (project / "theme/main.html").read_text(encoding="utf-8").split(vector)[0].count("\n") + 1
    edit(project, "mkdocs.yml", "theme:\n", "theme:\n  custom_dir: theme\n")
    result = cli("build", "-p", project, "--now", NOW, "--output", tmp_path / "out")
    assert not marker.exists()
    assert result.exit_code == 1, result.output
    assert f"theme/main.html:{line}:1: error: the theme template cannot be used: " in result.output, result.output
    assert "SECRET-KEY-BYTES" not in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def _check_and_build_refuse(cli, project: Path, tmp_path: Path, first_line: str) -> None:
    """`check` fails with `first_line` first, and `build` fails writing no output."""
    result = cli("check", "-p", project)
    assert result.exit_code == 1
    assert lines(result)[0].startswith(first_line), result.output
    result = cli("build", "-p", project, "--now", NOW, "--output", tmp_path / "out")
    assert result.exit_code == 1 and not (tmp_path / "out").exists()


@pytest.mark.parametrize("custom_dir", ["OUTSIDE", "..", ".", "content", "content/assets", ".git", "theme-link"])
def test_theme_folder_outside_the_project_or_over_content_is_an_error_at_its_line(cli, project, tmp_path, custom_dir):
    """The engine publishes every file of `theme.custom_dir` that is not a template: a folder
    outside the project, the project itself, `.git` or `content/` (scheduled alerts) would be published."""
    outside = tmp_path / "outside"
    (outside / "assets").mkdir(parents=True)
    (outside / "assets" / "secret.txt").write_text("SECRET", encoding="utf-8")
    (project / ".git").mkdir()
    (project / "theme-link").symlink_to(outside)
    value = str(outside) if custom_dir == "OUTSIDE" else custom_dir
    edit(project, "mkdocs.yml", "theme:\n", f"theme:\n  custom_dir: '{value}'\n")
    _check_and_build_refuse(cli, project, tmp_path, f"mkdocs.yml:7:3: error: theme.custom_dir '{value}' is not a folder of the "
                            "project")


def test_a_link_in_the_theme_folder_is_an_error_and_not_published(cli, project, tmp_path):
    secret = tmp_path / "signing.key"
    secret.write_text("SECRET", encoding="utf-8")
    shutil.copytree(OVERRIDES, project / "theme")
    (project / "theme" / "assets" / "key.txt").symlink_to(secret)
    edit(project, "mkdocs.yml", "theme:\n", "theme:\n  custom_dir: theme\n")
    _check_and_build_refuse(cli, project, tmp_path, "mkdocs.yml:7:3: error: theme.custom_dir holds a symbolic link, "
                            "theme/assets/key.txt: ")


def test_assets_in_the_theme_folders_are_errors_and_never_served(cli, project, tmp_path):
    """A file of content/assets/ at a theme file's path was served in its place: a pull request
    replaced Material's bundle (every page's script) or the Verify page's verify.js."""
    import material

    from alertcast.checks.load import load_or_raise
    from alertcast.plan import Plan
    from alertcast.render.site import build_site

    config = load_config(project)
    plan = Plan.at(load_or_raise(config), datetime.fromisoformat(NOW))  # loaded before the files arrive
    bundle = next((Path(material.__file__).parent / "templates").glob("assets/javascripts/bundle.*.min.js"))
    theme = {"assets/alertcast/verify.js": OVERRIDES / "assets/alertcast/verify.js",
             f"assets/javascripts/{bundle.name}": bundle}
    for rel in theme:
        (project / "content" / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / "content" / rel).write_text("window.pwned = 1;", encoding="utf-8")
    result = cli("check", "-p", project)
    assert result.exit_code == 1
    assert [line.split(": error: ")[0] for line in lines(result)[:2]] == [
        "content/assets/alertcast/verify.js:1:1", f"content/assets/javascripts/{bundle.name}:1:1"], result.output
    build_site(plan, config, tmp_path / "site", workers=1)
    for rel, original in theme.items():
        assert (tmp_path / "site" / rel).read_bytes() == original.read_bytes(), rel


def test_zensical_theme_template_cannot_include_a_file_outside_the_theme(cli, project, tmp_path):
    """Zensical's template loader follows `..` and absolute names: an include published the file."""
    pytest.importorskip("zensical")
    secret = tmp_path / "signing.key"
    secret.write_text("SECRET-KEY", encoding="utf-8")
    shutil.copytree(OVERRIDES, project / "theme")
    edit(project, "theme/main.html", "{% block extrahead %}",
         "{%% block extrahead %%}\n<!--{%% include '%s' %%}{%% include '../../../../../../../../..%s' %%}"
         "{%% set name = '%s' %%}{%% include '' ~ name %%}-->" % (secret, secret, secret))
    line = (project / "theme/main.html").read_text(encoding="utf-8").split("SECRET")[0].split("<!--{%")[0].count("\n") + 1
    edit(project, "mkdocs.yml", "theme:\n", "theme:\n  custom_dir: theme\n")
    edit(project, "mkdocs.yml", "  alertcast:\n", "  alertcast:\n    site:\n      engine: zensical\n")
    _check_and_build_refuse(cli, project, tmp_path, f"theme/main.html:{line}:1: error: this template names a file outside the "
                            "theme folder")


# -- GitHub annotations cannot inject workflow commands ---------------------------------

def test_github_annotation_properties_are_escaped(cli, project):
    src = project / ALERT_EN
    name = "x\n::notice file=README.md,line=1::injected.en.md"
    (src.parent / name).write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    result = cli("check", "-p", project, "--format", "github")
    out = lines(result)
    assert out and all(line.startswith(("::error ", "::warning ")) for line in out), result.stdout
    assert not any(line.startswith("::notice") for line in out)
    assert any("file=content/alerts/x%0A%3A%3Anotice file=README.md%2Cline=1%3A%3Ainjected.en.md,line=1,col=1::"
               in line for line in out), result.stdout


# -- links leave nothing ------------------------------------------------------------------

def _secret(tmp_path: Path) -> Path:
    secret = tmp_path / "signing.key"
    secret.write_text("-----BEGIN PRIVATE KEY----- not for the site", encoding="utf-8")
    return secret


def test_links_out_of_the_content_folder_are_check_errors(cli, project, tmp_path):
    secret = _secret(tmp_path)
    assets = project / "content" / "assets"
    assets.mkdir()
    (assets / "env.txt").symlink_to("/proc/self/environ")
    (assets / "logo.png").symlink_to(secret)
    (assets / "folder").symlink_to(tmp_path)
    (assets / "inside.png").symlink_to("../index.en.md")
    (project / "content" / "guides" / "leak.en.md").symlink_to(secret)
    result = cli("check", "-p", project)
    outside = "outside the content folder: nothing is read or published through it (put the file itself here " \
              "instead of a link, or delete the link)"
    assert lines(result) == [
        f"content/assets/env.txt:1:1: error: symbolic link to /proc/self/environ, {outside}",
        f"content/assets/folder:1:1: error: symbolic link to {tmp_path}, {outside}",
        "content/assets/inside.png:1:1: warning: symbolic link to ../index.en.md: the site copies no link, so it "
        "leaves this out (put the file itself here instead of a link)",
        f"content/assets/logo.png:1:1: error: symbolic link to {secret}, {outside}",
        f"content/guides/leak.en.md:1:1: error: symbolic link to {secret}, {outside}"], result.output
    assert result.exit_code == 1


def test_build_copies_no_link(cli, project, tmp_path):
    secret = _secret(tmp_path)
    assets = project / "content" / "assets"
    (assets / "img").mkdir(parents=True)
    (assets / "img" / "real.png").write_bytes(b"\x89PNG real")
    (assets / "env.txt").symlink_to("/proc/self/environ")
    (assets / "logo.png").symlink_to(secret)
    (assets / "folder").symlink_to(tmp_path)
    result = cli("build", "-p", project, "--output", tmp_path / "refused", "--now", NOW)
    assert result.exit_code == 1 and not (tmp_path / "refused").exists()
    # Even past check (the stage is what the build does), no link is copied or read.
    from alertcast.config import load_config
    from alertcast.checks.load import load_all
    from alertcast.plan import Plan
    from alertcast.render.site import build_site

    config = load_config(project)
    site = tmp_path / "site"
    site.mkdir()
    build_site(Plan.at(load_all(config).content, datetime.fromisoformat(NOW)), config, site)
    assert (site / "assets" / "img" / "real.png").read_bytes() == b"\x89PNG real"
    for name in ("env.txt", "logo.png", "folder"):
        assert not (site / "assets" / name).exists() and not (site / "assets" / name).is_symlink()
    leaked = [p for p in site.rglob("*") if p.is_file() and b"BEGIN PRIVATE KEY" in p.read_bytes()]
    assert leaked == []


# -- YAML anchors, aliases and deep nesting --------------------------------------------------

BOMB = "".join(f"{k}: &{k} [" + ", ".join([f"*{p}"] * 9 if p else ['"lol"'] * 9) + "]\n"
               for p, k in zip(["", *"abcdefgh"], "abcdefghi"))


def test_alias_bomb_in_front_matter_is_an_error_at_its_anchor(project):
    edit(project, ALERT_EN, "severity: warning", "severity: warning\n" + BOMB)
    result = limited("check", "-p", project)
    assert lines(result)[0] == (f"{ALERT_EN}:5:4: error: YAML anchor or alias (&a) in front matter (write the value "
                                "out in full: front matter never needs anchors or aliases)"), result.output
    assert result.returncode == 1


def test_alias_bomb_in_mkdocs_yml_is_an_error(project):
    edit(project, "mkdocs.yml", "extra:\n", "bomb:\n" + "".join(f"  {line}\n" for line in BOMB.splitlines())
         + "extra:\n")
    result = limited("check", "-p", project)
    assert lines(result) == ["mkdocs.yml:11:10: error: YAML aliases expand to more than 100,000 values (write the "
                             "values out instead of repeating aliases)"], result.output


def test_deeply_nested_front_matter_is_an_error_not_a_traceback(cli, project):
    edit(project, ALERT_EN, "severity: warning", "severity: warning\nx: " + "[" * 3000 + "]" * 3000)
    result = cli("check", "-p", project)
    assert lines(result)[0] == (f"{ALERT_EN}:5:67: error: YAML lists or mappings nested more than 64 levels deep "
                                "(write the value with fewer levels)"), result.output


# -- mkdocs.yml names only allowed Markdown extensions ------------------------------------

def test_markdown_extension_outside_the_allow_list_is_an_error_at_its_line(cli, project, tmp_path):
    marker = tmp_path / "ran"
    edit(project, "mkdocs.yml", "extra:\n", "markdown_extensions:\n  - admonition\n  - markdown.extensions.tables\n"
         "  - pymdownx.tabbed:\n      alternate_style: true\n"
         f"  - subprocess:Popen:\n      args: [sh, -c, 'touch {marker}']\n  - pymdownx.snippets\n  - [tables]\n"
         "extra:\n")
    hint = ("(use one of Python-Markdown's own extensions or pymdownx's (the list is in docs/site.md); no other "
            "Python code runs at build time)")
    for command in (("check",), ("build", "--now", NOW, "--output", tmp_path / "site")):
        result = cli(*command, "-p", project)
        assert not marker.exists()
        assert result.exit_code == 1
    assert lines(cli("check", "-p", project)) == [
        f"mkdocs.yml:14:5: error: 'subprocess:Popen' is not an allowed Markdown extension {hint}",
        f"mkdocs.yml:16:5: error: 'pymdownx.snippets' is not an allowed Markdown extension {hint}",
        f"mkdocs.yml:17:5: error: this entry is not an extension name {hint}"]
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("slugify", ["{a: 1}", "'!!python/name:pymdownx.slugs.uslugify'", "3"])
def test_a_heading_slug_option_is_an_error_at_its_line_not_a_traceback(cli, project, tmp_path, slugify):
    """toc's `slugify` must be a Python function, which mkdocs.yml cannot give without code: any
    value there made `check` and `build` end in a traceback (`'dict' object is not callable`)."""
    edit(project, "mkdocs.yml", "extra:\n", f"markdown_extensions:\n  - toc:\n      slugify: {slugify}\nextra:\n")
    for command in (("check",), ("build", "--now", NOW, "--output", tmp_path / "site")):
        result = cli(*command, "-p", project)
        assert result.exit_code == 1 and "Traceback" not in result.output, result.output
        assert ("mkdocs.yml:11:7: error: toc's slugify is set by alertcast (lower-case slugs of pymdownx.slugs, "
                "which the knowledge base's links use)") in result.output, result.output
    assert not (tmp_path / "site").exists()


def test_a_python_object_in_extension_options_is_an_error_at_its_line(cli, project, tmp_path):
    """Zensical reads `{object: module.name, kwds: {...}}` in an option as a Python object to import
    and call: a superfences format named subprocess.getoutput ran a shell in the build."""
    pytest.importorskip("zensical")
    marker = tmp_path / "ran"
    edit(project, "mkdocs.yml", "extra:\n  alertcast:\n", "markdown_extensions:\n  - pymdownx.superfences:\n"
         "      custom_fences:\n        - name: x\n          class: x\n          format:\n"
         f"            object: subprocess.getoutput\n            kwds: {{cmd: 'touch {marker}'}}\n"
         "extra:\n  alertcast:\n    site:\n      engine: zensical\n")
    for command in (("check",), ("build", "--now", NOW, "--output", tmp_path / "site")):
        result = cli(*command, "-p", project)
        assert not marker.exists()
        assert result.exit_code == 1
        assert "mkdocs.yml:15:13: error: object: names Python code, which Zensical imports and calls" in result.output, \
            result.output
    assert not (tmp_path / "site").exists()


def test_inherit_in_mkdocs_yml_is_an_error_at_its_line(cli, project, tmp_path):
    """mkdocs loads the file INHERIT names with Python tags enabled: one in the content folder ran code."""
    marker = tmp_path / "ran"
    (project / "content" / "assets").mkdir(exist_ok=True)
    (project / "content" / "assets" / "base.yml").write_text(
        f"copyright: !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    edit(project, "mkdocs.yml", "theme:\n", f"INHERIT: {project / 'content/assets/base.yml'}\ntheme:\n")
    for command in (("check",), ("build", "--now", NOW, "--output", tmp_path / "site")):
        result = cli(*command, "-p", project)
        assert not marker.exists()
        assert result.exit_code == 1
        assert "mkdocs.yml:6:1: error: INHERIT is not supported: " in result.output, result.output
    assert not (tmp_path / "site").exists()


def test_extra_templates_in_mkdocs_yml_is_an_error_at_its_line_and_never_rendered(cli, project, tmp_path):
    """mkdocs renders each file `extra_templates` names with plain Jinja, not the theme's sandbox:
    a template in the content's assets ran a shell in the build, and `check` found nothing."""
    from alertcast.checks.load import load_all
    from alertcast.plan import Plan
    from alertcast.render.site import build_site

    marker = tmp_path / "ran"
    (project / "content" / "assets").mkdir(exist_ok=True)
    (project / "content" / "assets" / "page.html").write_text(
        "{{ lipsum.__globals__.os.popen('touch %s').read() }}" % marker, encoding="utf-8")
    config = load_config(project)
    edit(project, "mkdocs.yml", "theme:\n", "extra_templates: [assets/page.html]\ntheme:\n")
    for command in (("check",), ("build", "--now", NOW, "--output", tmp_path / "site")):
        result = cli(*command, "-p", project)
        assert not marker.exists()
        assert result.exit_code == 1
        assert "mkdocs.yml:6:1: error: extra_templates is not supported: " in result.output, result.output
    assert not (tmp_path / "site").exists()
    # and the site, built past check, renders none
    config.raw["extra_templates"] = ["assets/page.html"]
    build_site(Plan.at(load_all(config).content, datetime.fromisoformat(NOW)), config, tmp_path / "unchecked", workers=1)
    assert not marker.exists()


@pytest.mark.parametrize("path", ["content/assets/state.db", "site/state.db"])
def test_a_state_store_in_a_published_folder_is_an_error_at_its_line(cli, project, tmp_path, path):
    """The site copies the content's assets as they are: `state_url` in content/assets/ put the
    outbox (every alert's posts, their ids, the daemon's hosts) at /assets/state.db."""
    edit(project, "mkdocs.yml", "  alertcast:\n", f"  alertcast:\n    state_url: sqlite:///{path}\n")
    for command in (("check",), ("outbox", "drain", "--now", NOW), ("build", "--now", NOW, "--output", tmp_path / "out")):
        result = cli(*command, "-p", project)
        assert result.exit_code == 1, result.output
        assert (f"mkdocs.yml:11:5: error: state_url sqlite:///{path} is inside {path.split('/')[0]}/, which the site "
                "publishes") in result.output, result.output
    assert not (project / path).exists() and not (tmp_path / "out").exists()


def test_script_in_mkdocs_yml_for_every_page_is_an_error_at_its_line(cli, project, tmp_path):
    """`copyright` goes into every page as HTML, `extra_javascript` into every page's scripts."""
    edit(project, "mkdocs.yml", "theme:\n", "copyright: '&copy; 2026 <a href=\"/about/\">Wallet</a><img src=x onerror=alert(1)>'\n"
         "extra_javascript: [assets/ok.js, 'https://evil.example/x.js', {path: '//evil.example/y.js'}]\n"
         "extra_css: ['https://evil.example/x.css']\ntheme:\n")
    result = cli("check", "-p", project)
    assert result.exit_code == 1
    assert [line.split(":", 3)[:3] + [line.split(": error: ")[1].split(",")[0]] for line in lines(result)[:4]] == [
        ["mkdocs.yml", "6", "1", "copyright holds HTML the site does not allow in a page (a script"],
        ["mkdocs.yml", "7", "34", "extra_javascript names a file of another site"],
        ["mkdocs.yml", "7", "63", "extra_javascript names a file of another site"],
        ["mkdocs.yml", "8", "13", "extra_css names a file of another site"]], result.output
    assert cli("build", "-p", project, "--now", NOW, "--output", tmp_path / "site").exit_code == 1
    assert not (tmp_path / "site").exists()
    edit(project, "mkdocs.yml", "<img src=x onerror=alert(1)>", "")
    assert "copyright" not in cli("check", "-p", project).output  # text, an entity and a link are fine


def test_script_in_the_extra_settings_the_theme_writes_into_pages_is_an_error_at_its_line(cli, project, tmp_path):
    """Material writes extra.consent's text into every page as HTML, and extra.social's links as they are."""
    edit(project, "mkdocs.yml", "extra:\n", "extra:\n  consent:\n    title: Cookies\n"
         "    description: '<img src=x onerror=alert(1)> we use <a href=\"/privacy/\">cookies</a>'\n"
         "  social:\n    - icon: fontawesome/brands/github\n      link: ' JavaScript:alert(1)'\n"
         "    - icon: fontawesome/brands/x-twitter\n      link: https://x.com/fixture\n")
    result = cli("check", "-p", project)
    assert result.exit_code == 1
    first, second = lines(result)[:2]
    assert first.startswith("mkdocs.yml:12:5: error: extra.consent.description holds HTML the site does not allow"), first
    assert second.startswith("mkdocs.yml:15:7: error: extra.social.0.link is a JavaScript: address"), second
    assert cli("build", "-p", project, "--now", NOW, "--output", tmp_path / "site").exit_code == 1
    assert not (tmp_path / "site").exists()


def test_script_in_the_theme_settings_written_into_pages_as_they_are_is_an_error_at_its_line(cli, project, tmp_path):
    """Material writes site_author, the repository's name and address, the logo, favicon, palette
    and fonts into every page's attributes and text without escaping them: a quote ends the
    attribute, and what follows is markup (a built page held each of these scripts)."""
    edit(project, "mkdocs.yml", "theme:\n  name: material\n",
         "site_author: '\"><script>alert(1)</script>'\n"
         "repo_url: https://github.com/fixture/help\n"
         "edit_uri: ' javascript:alert(2)//'\n"
         "theme:\n  name: material\n"
         "  palette:\n    primary: 'indigo\" onmouseover=\"alert(3)'\n")
    result = cli("check", "-p", project)
    assert result.exit_code == 1
    assert lines(result)[:3] == [
        "mkdocs.yml:6:1: error: site_author holds '\"': the theme writes it into every page as it is, where it ends "
        "an attribute or starts a tag (a script) (remove it: these settings are names, colours, icons and addresses)",
        "mkdocs.yml:8:1: error: edit_uri is a javascript: address, which runs script where a page links to it "
        "(use an http, https, mailto or tel address, or a page of the site)",
        "mkdocs.yml:12:5: error: theme.palette.primary holds '\"': the theme writes it into every page as it is, "
        "where it ends an attribute or starts a tag (a script) (remove it: these settings are names, colours, icons "
        "and addresses)"], result.output
    assert cli("build", "-p", project, "--now", NOW, "--output", tmp_path / "site").exit_code == 1
    assert not (tmp_path / "site").exists()


def test_quotes_entities_and_keys_the_theme_writes_into_scripts_attributes_and_styles_are_errors_at_their_line(
        cli, project, tmp_path):
    """Tags were refused in `extra`, but a quote was not: Material writes extra.analytics.property
    into a script's strings and extra.social's links into `href` as they are (a built page ran
    each); a browser decodes `javascript&colon;` in an attribute; and keys are written too:
    extra.consent.cookies' into an attribute, theme.icon.admonition's into a <style>; and
    extra_css into a <link href> as it is."""
    edit(project, "mkdocs.yml", "  language: zh\n", "  language: zh\n  icon:\n    admonition:\n"
         "      'note:red}body{background:url(https://evil.example/bg.png)}:root{--x': material/pencil\n")
    edit(project, "mkdocs.yml", "extra:\n", "extra:\n"
         "  analytics:\n    provider: google\n    property: 'G-X\"+(window.pwned=1)+\"'\n"
         "  social:\n    - icon: fontawesome/brands/github\n      link: 'https://github.com/\" onmouseover=\"alert(1)'\n"
         "    - icon: fontawesome/brands/x-twitter\n      link: 'javascript&colon;alert(2)'\n"
         "  consent:\n    title: Cookies\n    description: we use <a href=\"/privacy/\">cookies</a>\n"
         "    cookies:\n      'analytics\" autofocus onfocus=\"alert(3)': Analytics\n")
    edit(project, "mkdocs.yml", "theme:\n", "extra_css: ['assets/x.css\" onload=\"alert(4)']\ntheme:\n")
    result = cli("check", "-p", project)
    assert result.exit_code == 1
    expected = ["mkdocs.yml:6:13: error: extra_css holds '\"': the theme writes it into every page as it is",
                "mkdocs.yml:12:7: error: the key 'note:red}body{background:url(https://evil.example/bg.png)}:root{--x' "
                "of theme.icon.admonition is written into every page as it is",
                "mkdocs.yml:16:5: error: extra.analytics.property holds '\"' outside an HTML tag",
                "mkdocs.yml:19:7: error: extra.social.0.link holds '\"' outside an HTML tag",
                "mkdocs.yml:21:7: error: extra.social.1.link is a javascript: address",
                "mkdocs.yml:26:7: error: the key 'analytics\" autofocus onfocus=\"alert(3)' of extra.consent.cookies "
                "is written into every page as it is"]
    assert [line[:len(start)] for line, start in zip(lines(result), expected)] == expected, result.output
    assert len(lines(result)) == 6, result.output  # the consent's link is fine
    assert cli("build", "-p", project, "--now", NOW, "--output", tmp_path / "site").exit_code == 1
    assert not (tmp_path / "site").exists()


# -- text is text, HTML is sanitised; proved in Chromium ----------------------------------

def _flag(n: int) -> str:
    return f"window.pwned{n}=1"


#: A title, summary, note or reason: each vector runs code only if the text is pasted as HTML.
TEXT_VECTOR = f"vectorword <script>{_flag(1)}</script><img src=x onerror=\"{_flag(2)}\"> </title><svg onload={_flag(3)}>"
#: Every way a body tried to run script or reach another host.
BODY_VECTORS = f"""
## vectorword <img src=x onerror="{_flag(10)}"> heading

<script>{_flag(11)}</script>
<img src=x onerror="{_flag(12)}"> <iframe src="javascript:parent.{_flag(13)}"></iframe>
[click](javascript:{_flag(14)}) [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
<svg><script>{_flag(15)}</script></svg> <svg onload="{_flag(16)}"></svg>
<form action="https://evil.example/"><input name=q autofocus onfocus="{_flag(17)}"><button>go</button></form>
<meta http-equiv="refresh" content="0;url=https://evil.example/"> <base href="https://evil.example/">
<a href="jav&#x09;ascript:{_flag(18)}">entity</a> <a href=" javascript:{_flag(19)}">space</a>
<details open ontoggle="{_flag(20)}"><summary>s</summary>d</details>
<img src="https://tracker.example/pixel.png"> ![pixel](https://tracker.example/md.png)
<object data="https://evil.example/o"></object><embed src="https://evil.example/e">
<link rel=stylesheet href="https://evil.example/s.css"><style>@import url(https://evil.example/i.css);</style>
<div style="background:url(https://evil.example/bg.png)">styled</div>
<math><mtext><table><mglyph><style><img src=x onerror="{_flag(21)}"></style></mglyph></table></mtext></math>
<video><source onerror="{_flag(22)}"></video> <body onload="{_flag(23)}">

A paragraph with an attribute list.
{{: onclick="{_flag(24)}" onmouseover="{_flag(25)}" }}

*[vectorword]: <img src=x onerror="{_flag(26)}">
"""


def _vector_project(project: Path) -> None:
    for lang in ("en", "zh"):
        rel = f"content/alerts/live-phishing.{lang}.md"
        text = (project / rel).read_text(encoding="utf-8")
        front, body = text.split("\n---\n", 1)
        for key in ("title", "summary", "update_note"):
            front = "\n".join(f"{key}: '{TEXT_VECTOR}'" if line.startswith(f"{key}:") else line
                              for line in front.splitlines())
        front = front.replace("severity: warning", "severity: critical")  # in the announcement bar
        (project / rel).write_text(f"{front}\n---\n{body}\n{BODY_VECTORS}", encoding="utf-8")
        rel = f"content/alerts/withdrawn-fake-app.{lang}.md"
        text = (project / rel).read_text(encoding="utf-8")
        (project / rel).write_text("\n".join(f"withdrawn: '{TEXT_VECTOR}'" if line.startswith("withdrawn:") else line
                                             for line in text.splitlines()) + "\n", encoding="utf-8")
        rel = f"content/guides/spot-phishing.{lang}.md"
        text = (project / rel).read_text(encoding="utf-8")
        (project / rel).write_text("\n".join(f"title: '{TEXT_VECTOR}'" if line.startswith("title:") else line
                                             for line in text.splitlines()) + "\n", encoding="utf-8")


def _build_unchecked(project: Path, dest: Path) -> Path:
    """The site as the build stages it, without check in front (check refuses these files)."""
    from alertcast.config import load_config
    from alertcast.checks.load import load_all
    from alertcast.plan import Plan
    from alertcast.render.site import build_site

    config = load_config(project)
    dest.mkdir()
    build_site(Plan.at(load_all(config).content, datetime.fromisoformat(NOW)), config, dest)
    return dest


def _unsafe(html: str) -> list[str]:
    """What in a page, as an HTML parser reads it, could run script or leave the site: event
    attributes anywhere, and in the content (the article and the announcement bar) any tag that
    loads, submits or redirects."""
    import lxml.html

    doc = lxml.html.document_fromstring(html)
    found = [f"{element.tag} {name}" for element in doc.iter() if isinstance(element.tag, str)
             for name in element.attrib if name.lower().startswith("on")]
    for part in doc.xpath("//article | //*[@data-md-component='announce']"):
        for element in part.iter():
            if element.tag in ("iframe", "object", "embed", "form", "base", "meta", "link", "style", "script") \
                    and "md-feedback" not in element.get("class", ""):  # Material's "was this page helpful?"
                found.append(element.tag)
    return found


def test_text_is_escaped_in_every_html_context(project, tmp_path):
    _vector_project(project)
    site = _build_unchecked(project, tmp_path / "site")
    escaped = "vectorword &lt;script&gt;window.pwned1=1&lt;/script&gt;"
    for rel in ("alerts/live-phishing/index.html", "en/alerts/live-phishing/index.html", "index.html", "en/index.html",
                "alerts/index.html", "en/alerts/category/phishing/index.html", "404.html", "en/404.html",
                "guides/spot-phishing/index.html", "guides/index.html", "alerts/withdrawn-fake-app/index.html"):
        html = (site / rel).read_text(encoding="utf-8")
        assert _unsafe(html) == [], rel
        assert escaped in html or rel.endswith("404.html"), rel  # still there, as text (the 404 page had it in its bar)
    page = (site / "en/alerts/live-phishing/index.html").read_text(encoding="utf-8")
    assert f"<title>{escaped}" in page
    assert escaped in page.split("<h1", 1)[1].split("</h1>", 1)[0]
    announce = json.loads((site / "assets/alertcast/announce.json").read_bytes())  # set as text by the page's script
    assert announce["title"] == TEXT_VECTOR


def test_no_vector_runs_or_reaches_another_host_in_chromium(project, tmp_path):
    from playwright.sync_api import sync_playwright
    from test_site import CHROMIUM_ARGS, _search, _serve

    _vector_project(project)
    site = _build_unchecked(project, tmp_path / "site")
    pages = ("/", "/en/", "/alerts/", "/en/alerts/", "/en/alerts/live-phishing/", "/alerts/live-phishing/",
             "/en/alerts/withdrawn-fake-app/", "/en/guides/spot-phishing/", "/en/guides/", "/missing/")
    requests: list[str] = []
    flags: dict[str, list[str]] = {}
    with _serve(site) as served, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            for path in pages:
                page.goto(f"{served}{path}", wait_until="networkidle")
                # What a reader does: point at, click and focus what the content shows (not links:
                # they leave the page; their addresses are checked below).
                page.evaluate("""document.querySelectorAll('article *:not(a):not(a *), .md-banner *').forEach(e => {
                    for (const kind of ['mouseover', 'click', 'focus', 'toggle'])
                        e.dispatchEvent(new Event(kind, {bubbles: true})); })""")
                flags[path] = page.evaluate("Object.keys(window).filter(k => k.startsWith('pwned'))")
                assert page.url.startswith(served), page.url  # no refresh to elsewhere
                unsafe = page.evaluate("""[...document.querySelectorAll('*')].flatMap(e => [...e.attributes]
                    .filter(a => a.name.startsWith('on') || /^\\s*(javascript|data|vbscript):/i.test(a.value)
                                 && ['href', 'src', 'action', 'data', 'formaction'].includes(a.name))
                    .map(a => e.tagName + ' ' + a.name + '=' + a.value))""")
                assert unsafe == [], (path, unsafe)
            # Search results are HTML built from the index: search for the vectors' word.
            found = _search(page, served, "/en/", "vectorword")
            assert len(found) >= 2, found  # the alert and the guide, titles shown as text
            page.wait_for_load_state("networkidle")
            flags["search"] = page.evaluate("Object.keys(window).filter(k => k.startsWith('pwned'))")
        finally:
            browser.close()
    assert all(found == [] for found in flags.values()), flags
    assert len(requests) > len(pages)  # the pages and their assets were fetched
    elsewhere = [url for url in requests if not url.startswith(served + "/") and not url.startswith("data:")]
    assert elsewhere == []


def test_check_reports_each_tag_and_attribute_the_site_removes(cli, project):
    edit(project, ALERT_EN, "## Details", "## Details\n\n" + "\n".join([
        '<script>alert(1)</script> <img src=x onerror="alert(2)"> <iframe src="javascript:alert(3)"></iframe>',
        "[x](javascript:alert(4)) [d](data:text/html,hi) [v](VBScript:msgbox)",
        '<svg><script>alert(5)</script></svg> <form action="/x"></form> <meta http-equiv=refresh content=0>',
        '<a href="jav&#x09;ascript:alert(6)">t</a> <base href="/"> <input type=text>',
        "A paragraph.\n{: onclick=\"alert(7)\" .ok }",
        '<div markdown="1" class="ok">kept</div> <details open><summary>ok</summary>kept</details>',
        "`<script>in code</script>`"]))
    hint = "(the site removes it from the page; write Markdown instead (docs/security.md lists what HTML is kept))"
    link = "(the site keeps http, https, mailto and tel links) (link to a page or a web address, or leave the link out)"
    result = cli("check", "-p", project)
    assert lines(result) == [
        f"{ALERT_EN}:24:1: error: raw HTML <script> and its content is not allowed {hint}",
        f"{ALERT_EN}:24:27: error: attribute onerror on <img> is not allowed {hint}",
        f"{ALERT_EN}:24:58: error: raw HTML <iframe> is not allowed {hint}",
        f"{ALERT_EN}:25:5: error: a javascript: address is removed from the page {link}",
        f"{ALERT_EN}:25:30: error: a data: address is removed from the page {link}",
        f"{ALERT_EN}:25:53: error: a vbscript: address is removed from the page {link}",
        f"{ALERT_EN}:26:1: error: raw HTML <svg> is not allowed {hint}",
        f"{ALERT_EN}:26:6: error: raw HTML <script> and its content is not allowed {hint}",
        f"{ALERT_EN}:26:38: error: raw HTML <form> is not allowed {hint}",
        f"{ALERT_EN}:26:64: error: raw HTML <meta> is not allowed {hint}",
        f"{ALERT_EN}:27:1: error: a javascript: address in href on <a> is not allowed (use an http, https, mailto or "
        "tel address, or a page of the site)",
        f"{ALERT_EN}:27:43: error: raw HTML <base> is not allowed {hint}",
        f"{ALERT_EN}:27:59: error: <input> is allowed only as a checkbox or a radio button {hint}",
        f"{ALERT_EN}:29:1: error: attribute onclick (set with {{ }}) is not allowed {hint}"], result.output
    assert result.exit_code == 1


# -- links in raw HTML are read as the browser reads them ---------------------------------

def test_raw_html_links_and_entities_meet_the_indicator_and_allow_list_rules(cli, project):
    edit(project, ALERT_EN, "domains: [wallet-verify.example]", "domains: [wallet-verify.example, claim-drop.example]")
    edit(project, ALERT_EN.replace(".en.", ".zh."), "domains: [wallet-verify.example]",
         "domains: [wallet-verify.example, claim-drop.example]")
    edit(project, ALERT_EN, "## Details", "## Details\n\n" + "\n".join([
        '<a href="https://claim-drop&#46;example/">claim</a>',
        '<a href="https://www.wallet-verify%2Eexample/">verify</a>',
        'Visit claim-drop&#46;example today.',
        '<img src=https://tracker.example/pixel.gif> ![p](https://tracker.example/p.png)',
        '<a href="https://other.example/">other</a> <img src="https://help.fixture.example/ok.png">']))
    result = cli("check", "-p", project)
    defang = "never as a link)"
    assert lines(result) == [
        f"{ALERT_EN}:24:10: error: scam indicator claim-drop.example is written so that it can become a clickable "
        f"link (write it defanged as `claim-drop[.]example` (in backticks), {defang}",
        f"{ALERT_EN}:25:1: error: scam indicator wallet-verify.example (as www.wallet-verify.example) is written so "
        f"that it can become a clickable link (write it defanged as `www[.]wallet-verify[.]example` (in backticks), "
        f"{defang}",
        f"{ALERT_EN}:26:7: error: scam indicator claim-drop.example is written so that it can become a clickable "
        f"link (write it defanged as `claim-drop[.]example` (in backticks), {defang}",
        f"{ALERT_EN}:27:1: error: image from tracker.example, a domain not on the allow-list, is not shown (it would "
        "tell that host the address of every reader) (put the image under content/assets/, or add the domain to "
        "extra.alertcast.allowed_link_domains)",
        f"{ALERT_EN}:27:50: error: image from tracker.example, a domain not on the allow-list, is not shown (it would "
        "tell that host the address of every reader) (put the image under content/assets/, or add the domain to "
        "extra.alertcast.allowed_link_domains)",
        f"{ALERT_EN}:28:1: warning: link to other.example, a domain not on the allow-list (link only to official "
        "domains, or add it to extra.alertcast.allowed_link_domains)"], result.output
    assert result.exit_code == 1


# -- no content file can hang or crash a build ---------------------------------------------

LIMIT = 256 * 1024
#: The shapes that hung or crashed `check` or `build`, each filling a file up to the size limit.
SLOW_SHAPES = {
    "unclosed links": "[a](" * (LIMIT // 4),
    "backticks": "`" * LIMIT,
    "brackets": "[" * LIMIT,
    "nested emphasis": "*_" * (LIMIT // 4) + "a" + "_*" * (LIMIT // 4),
    # Raw HTML blocks opened thousands of times (10 s of CPU; with the markdown="1" attribute,
    # which md_in_html reads, the same nesting is not slow: the fuzzed shapes below have it).
    "nested html": "<div>\n" * (LIMIT // 6),
}
DEEP_SHAPES = {"nested strong emphasis": "**a " * 3000 + "b" + " a**" * 3000}
FUTURE = "2030-01-01T00:00:00+08:00"


def time_bomb(project: Path, body: str) -> str:
    """The fixture's alert scheduled for 2030, its English page's body replaced by `body`, cut to
    fit the size limit: what a pull request merges today and the build meets in 2030."""
    for lang in ("en", "zh"):
        edit(project, f"content/alerts/live-phishing.{lang}.md", "publish_at: 2026-03-01T10:00:00+08:00",
             f"publish_at: {FUTURE}")
        edit(project, f"content/alerts/live-phishing.{lang}.md", "updated_at: 2026-03-02T12:00:00+08:00",
             "updated_at: 2030-01-02T00:00:00+08:00")
    path = project / ALERT_EN
    head = path.read_text(encoding="utf-8").split("\n---\n", 1)[0] + "\n---\n"
    room = LIMIT - len(head.encode()) - 1
    path.write_text(head + body[:room] + "\n", encoding="utf-8")
    return f"{ALERT_EN}:21:1: error: "


@pytest.mark.parametrize("name", SLOW_SHAPES)
def test_slow_markdown_is_a_check_error_at_its_page(project, name):
    where = time_bomb(project, SLOW_SHAPES[name])
    result = limited("check", "-p", project)
    assert result.returncode == 1, (result.returncode, result.stderr[-500:])
    assert lines(result) == [
        f"{where}this page takes over 2 s of CPU to check and render: its Markdown has a shape that is slow to "
        "read (thousands of unclosed `[`, `[a](`, backticks, `>`, or elements nested thousands deep) (write it "
        "as ordinary text, or split it into smaller pages)"]


@pytest.mark.parametrize("name", DEEP_SHAPES)
def test_markdown_too_deep_to_render_is_a_check_error_not_a_later_build_failure(project, name):
    where = time_bomb(project, DEEP_SHAPES[name])
    result = limited("check", "-p", project)
    assert lines(result) == [f"{where}the page's Markdown is nested too deeply to render (lists, quotes, emphasis "
                             "or HTML inside each other) (nest fewer levels)"], result.stderr[-500:]


def test_what_passes_check_builds_after_its_publish_at(project, tmp_path):
    time_bomb(project, "".join(">" * depth + " a\n" for depth in range(700)))  # 700 nested quotes: 16 s before
    assert limited("check", "-p", project).returncode == 0
    result = limited("build", "-p", project, "--now", "2030-06-01T00:00:00+08:00", "--output", tmp_path / "site")
    assert result.returncode == 0, result.stderr[-1000:]
    assert "a" in (tmp_path / "site/en/alerts/live-phishing/index.html").read_text(encoding="utf-8")


#: Pieces of Markdown that parsers handle with nesting, backtracking or lookups.
ATOMS = ["[a](", "[", "]", "](", "![", "`", "```\n", "~~~\n", "*", "_", "**a ", " a**", "==", "> ", "- ", "1. ",
         "    ", "\n", "\\", "<", "<div>", '<div markdown="1">\n', "</div>", "<!--", "*[A]: x\n", "A ", "&#46;",
         "[^1]", "[^1]: x\n", "{: .x }", "!!! note\n", "??? note\n", '=== "a"\n', "|a", "<https://a", ":", "~"]


def _shape(parts: list[str], times: int, form: str) -> str:
    unit = "".join(parts)
    if form == "nested":  # the unit repeated more deeply on each line
        out, depth, size = [], 0, 0
        while size < LIMIT and depth < times:
            out.append(unit * depth + "a\n")
            size += len(out[-1])
            depth += 1
        return "".join(out)
    if form == "wrapped":  # opened `times` times, then closed as often
        return unit * times + "a" + unit[::-1] * times
    return unit * times


shapes = st.builds(_shape, st.lists(st.one_of(st.sampled_from(ATOMS), st.text(max_size=3)), min_size=1, max_size=3),
                   st.integers(1, LIMIT), st.sampled_from(["repeated", "nested", "wrapped"]))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=shapes)
def test_any_file_is_refused_by_check_at_a_line_or_renders(tmp_path_factory, body):
    """The property behind row 9: `check` either refuses a file at a line of it, or its page
    renders and indexes as the build does. Neither ever raises or runs on without end (check's
    budget stops it; the safety net of `limited` is not needed in-process: see budget.py)."""
    project = tmp_path_factory.mktemp("fuzz") / "project"
    shutil.copytree(FIXTURE, project)
    time_bomb(project, body)
    config = load_config(project)
    _content, problems = load_content(config, budget=FILE_CPU_SECONDS)
    errors = [p for p in problems if p.is_error]
    assert all(p.line >= 1 for p in problems)
    if not any(p.path == ALERT_EN for p in errors):
        source = (project / ALERT_EN).read_text(encoding="utf-8").split("\n---\n", 1)[1]
        read_for_search(page_markdown(config, "en").convert(source))
