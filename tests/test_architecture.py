"""The house's map holds: no module of alertcast imports itself back through others, imports
inside functions included, and docs/architecture.md names every module there is."""

from __future__ import annotations

import re
from pathlib import Path

import grimp

PACKAGE = "alertcast"
REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "src" / "alertcast"
PAGE = REPO / "docs" / "architecture.md"
#: A module's line: `- `render/posts.py`: what it is` in the lists, `| `cli/options.py` | …` in the command table.
MODULE_LINE = re.compile(r"^(?:- |\| )`([\w/]+\.py)`(?::| \|)", re.MULTILINE)


def _graph() -> grimp.ImportGraph:
    """Every import of every alertcast module, at the top of a file, inside a function or under
    TYPE_CHECKING: an import put in a function to dodge a circle is still a circle."""
    return grimp.build_graph(PACKAGE, cache_dir=None)


def circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Each group of modules that import one another (directly or through others), as one of its
    shortest circles: a -> b -> ... -> a."""
    found, seen = [], set()
    for module in sorted(graph.modules):
        if module in seen:
            continue
        both = graph.find_upstream_modules(module) & graph.find_downstream_modules(module)
        if not both:
            continue
        seen |= both | {module}
        back = min(both, key=lambda other: len(graph.find_shortest_chain(module, other) or ()))
        there = graph.find_shortest_chain(importer=module, imported=back)
        home = graph.find_shortest_chain(importer=back, imported=module)
        found.append([*there, *home[1:]])
    return found


def test_no_module_imports_itself_back_through_others():
    graph = _graph()
    assert len(graph.modules) > 100
    # the measure sees an import inside a function: cli/posts.py imports cli/rehearse.py only there
    assert "alertcast.cli.rehearse" in graph.find_modules_directly_imported_by("alertcast.cli.posts")
    assert [" -> ".join(circle) for circle in circles(graph)] == []


def test_a_circle_hidden_in_a_function_is_found(tmp_path, monkeypatch):
    """The measure itself, on a package whose only circle is an import inside a function."""
    package = tmp_path / "circled"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("def f():\n    from .high import g\n    return g\n")
    (package / "high.py").write_text("from .low import f\n\n\ndef g():\n    return f\n")
    (package / "alone.py").write_text("from .low import f\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("circled", cache_dir=None)
    assert circles(graph) == [["circled.high", "circled.low", "circled.high"]]


def listed(page: str) -> list[str]:
    """The modules the page gives a line, from its command and daemon tables and its Modules section."""
    commands = page.split("## The command line", 1)[1].split("\n## ", 1)[0]
    daemon = page.split("\n## The daemon", 1)[1].split("\n## ", 1)[0]
    modules = page.split("\n## Modules", 1)[1]
    return MODULE_LINE.findall(commands) + MODULE_LINE.findall(daemon) + MODULE_LINE.findall(modules)


def test_the_architecture_page_gives_every_module_one_line():
    modules = {path.relative_to(SOURCE).as_posix() for path in SOURCE.rglob("*.py")}
    lines = listed(PAGE.read_text(encoding="utf-8"))
    assert len(lines) > 100
    missing = sorted(modules - set(lines))
    assert missing == [], "docs/architecture.md has no line for these modules: say what each is, under its layer"
    assert sorted(set(lines) - modules) == [], "docs/architecture.md lists modules that do not exist"
    assert sorted(m for m in set(lines) if lines.count(m) > 1) == [], "a module has more than one line"


def test_the_page_check_sees_a_missing_and_a_stale_line():
    page = PAGE.read_text(encoding="utf-8")
    assert "render/posts.py" in listed(page) and "cli/options.py" in listed(page)
    without = page.replace("- `render/posts.py`:", "- render/posts.py:")
    assert "render/posts.py" not in listed(without)
    assert "render/gone.py" in listed(page + "- `render/gone.py`: a module that was removed\n")
