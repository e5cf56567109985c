"""Issue 14's content rows, each as the attack that was tried: pull-request content (Markdown,
assets, mkdocs.yml, templates) cannot run code, read outside the content folder, inject HTML or
script, or hang or crash a build. See docs/security.md for the defence behind each test."""

from __future__ import annotations

from pathlib import Path

ALERT_EN = "content/alerts/live-phishing.en.md"
NOW = "2026-03-15T00:00:00+08:00"


def edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def lines(result) -> list[str]:
    return result.stdout.splitlines()


# -- row 5: a post template cannot reach Python --------------------------------------------------

def test_post_template_cannot_run_code(cli, project, tmp_path):
    marker = tmp_path / "ran"
    folder = project / "templates" / "posts"
    folder.mkdir(parents=True)
    (folder / "telegram.j2").write_text(
        "{{ cycler.__init__.__globals__.os.system('touch %s') }} {{ title }}" % marker, encoding="utf-8")
    result = cli("check", "-p", project)
    assert not marker.exists()
    assert result.exit_code == 1
    assert lines(result)[0].startswith(f"{ALERT_EN}:3:1: error: the telegram post template cannot be rendered: "
                                       "access to attribute '__init__' of 'type' object is unsafe"), result.output


# -- row 13: GitHub annotations cannot inject workflow commands ---------------------------------

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
