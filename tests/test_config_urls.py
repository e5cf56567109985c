"""The addresses mkdocs.yml gives the theme, which links every page to them: one written without
its scheme (`repo_url: github.com/x/y`) is a link relative to each page, broken on every one.
`alertcast check` names its line and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

SITE_URL = "site_url: https://help.fixture.example/\n"


def _set(project: Path, settings: str) -> None:
    """Put `settings` (top-level mkdocs.yml lines) right after site_url, which is on line 2."""
    path = project / "mkdocs.yml"
    text = path.read_text(encoding="utf-8")
    assert SITE_URL in text
    path.write_text(text.replace(SITE_URL, SITE_URL + settings, 1), encoding="utf-8")


def _errors(cli, project: Path) -> list[str]:
    result = cli("check", "-p", project)
    assert "Traceback" not in result.output
    return [line for line in result.stdout.splitlines() if line.startswith("mkdocs.yml:")]


@pytest.mark.parametrize("settings, expected", [
    ("repo_url: github.com/fixture/help\n",
     "mkdocs.yml:3:1: error: repo_url 'github.com/fixture/help' is not a full http(s):// address: every page would "
     "link to it as a page of the site (write it with its scheme: repo_url: https://github.com/fixture/help)"),
    ("repo_url: fixture/help\n",
     "mkdocs.yml:3:1: error: repo_url 'fixture/help' is not a full http(s):// address: every page would link to it "
     "as a page of the site (e.g. repo_url: https://github.com/OWNER/REPO)"),
    ("repo_url: https:/github.com/fixture/help\n",
     "mkdocs.yml:3:1: error: repo_url 'https:/github.com/fixture/help' is not a full http(s):// address: every page "
     "would link to it as a page of the site (e.g. repo_url: https://github.com/OWNER/REPO)"),
    ("repo_url: https://github.com/fixture/help\nedit_uri: github.com/fixture/help/edit/main/content/\n",
     "mkdocs.yml:4:1: error: edit_uri 'github.com/fixture/help/edit/main/content/' starts with a host name but has "
     "no scheme: it would be read as a path under repo_url (write it with its scheme: edit_uri: "
     "https://github.com/fixture/help/edit/main/content/)"),
    ("edit_uri: edit/main/content/\n",
     "mkdocs.yml:3:1: error: edit_uri 'edit/main/content/' is a path, and there is no repo_url to read it under: "
     "no page would get a working edit link (set repo_url: https://..., or give the full https:// address of the "
     "edit page)"),
    ("edit_uri_template: 'ftp://git.fixture.example/{path}'\n",
     "mkdocs.yml:3:1: error: edit_uri_template 'ftp://git.fixture.example/{path}' is not an http(s):// address "
     "(write the full https:// address of the edit page, or a path under repo_url such as edit/main/content/)"),
    ("repo_url: https://github.com/fixture/help\nedit_uri: edit/main/content/\nedit_uri_template: 'edit/main/{path}'\n",
     "mkdocs.yml:4:1: error: edit_uri has no effect when edit_uri_template is set (keep one of the two)"),
    ("site_author: x\n", None),  # the line numbers below hold with one line added
])
def test_an_address_without_its_scheme_is_an_error_at_its_line(cli, project, settings, expected):
    _set(project, settings)
    errors = _errors(cli, project)
    assert errors == ([expected] if expected else []), errors


def test_a_social_link_without_its_scheme_is_an_error_at_its_line(cli, project):
    path = project / "mkdocs.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("extra:\n", "extra:\n  social:\n    - icon: fontawesome/brands/x-twitter\n"
                                 "      link: x.com/fixture\n    - icon: fontawesome/solid/envelope\n"
                                 "      link: mailto:safety@fixture.example\n    - icon: fontawesome/solid/house\n"
                                 "      link: /about/\n    - icon: fontawesome/brands/github\n"
                                 "      link: https://github.com/fixture\n    - icon: fontawesome/brands/telegram\n"
                                 "      link: t.me\n", 1), encoding="utf-8")
    errors = _errors(cli, project)
    line = text.splitlines().index("extra:") + 1
    assert errors == [
        f"mkdocs.yml:{line + 3}:7: error: extra.social.0.link 'x.com/fixture' is not a full address: every page would "
        "link to it relative to itself (write it with its scheme: link: https://x.com/fixture)",
        f"mkdocs.yml:{line + 11}:7: error: extra.social.4.link 't.me' is not a full address: every page would link "
        "to it relative to itself (write it with its scheme: link: https://t.me)"], errors


def test_site_url_without_a_host_is_an_error_at_its_line(cli, project):
    path = project / "mkdocs.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(SITE_URL, "site_url: https:/help.fixture.example/\n"),
                    encoding="utf-8")
    assert _errors(cli, project) == ["mkdocs.yml:2:1: error: site_url must be the public https:// address of the help "
                                     "site (add e.g. site_url: https://help.example.com/)"]


def test_full_addresses_and_paths_under_repo_url_pass(cli, project):
    _set(project, "repo_url: https://github.com/fixture/help\nedit_uri: edit/main/content/\n")
    assert _errors(cli, project) == []
    path = project / "mkdocs.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "edit_uri: edit/main/content/\n", "edit_uri_template: 'https://github.com/fixture/help/edit/main/{path}'\n"),
        encoding="utf-8")
    assert _errors(cli, project) == []
