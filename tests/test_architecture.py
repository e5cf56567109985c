"""No module of alertcast imports itself back through others, imports inside functions included."""

from __future__ import annotations

import grimp

PACKAGE = "alertcast"


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

