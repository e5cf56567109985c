"""YAML loaded safely, with the source position of every key, so errors can name a line.

mkdocs.yml often carries Python tags (`!!python/name:material.extensions.emoji.twemoji`)
and `!ENV`; those are kept as opaque strings instead of executed or rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    col: int  # 1-based


# libyaml parses about ten times faster than the pure-Python scanner and keeps the same marks
# (line, column) on every node; 2,000 content files load about four times faster with it.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """Safe loader that tolerates, but never runs, tags it does not know."""


def _opaque(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> str:
    value = loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else ""
    return f"!{suffix} {value}".strip()


_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _opaque)
_Loader.add_multi_constructor("!", _opaque)


class YamlSyntaxError(ValueError):
    def __init__(self, message: str, position: Position):
        super().__init__(message)
        self.position = position


def load(text: str, line_offset: int = 0, loader: type | None = None) -> tuple[Any, dict[Key, Position]]:
    """Parse `text`; return the data and a map from key path to the position of that key.

    `line_offset` is added to every line (front matter starts below its `---`). `loader`
    overrides the parser (tests compare libyaml against the pure-Python one).
    """
    loader_class = loader or _Loader
    try:
        try:
            node = yaml.compose(text, Loader=loader_class)
        except yaml.YAMLError:
            # Parse the broken text again with the pure-Python parser: its messages are the
            # clearer ones ("expected ',' or ']', but got ':'") and do not depend on libyaml.
            node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        col = mark.column + 1 if mark else 1
        reason = exc.problem or str(exc)
        raise YamlSyntaxError(f"YAML syntax error: {reason}", Position(line, col)) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML syntax error: {exc}", Position(1 + line_offset, 1)) from None
    if node is None:
        return None, {}
    positions: dict[Key, Position] = {}
    _walk(node, (), positions, line_offset)
    constructor = loader_class("")
    try:
        data = constructor.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 1 if mark else 1) + line_offset
        raise YamlSyntaxError(f"YAML error: {getattr(exc, 'problem', exc)}", Position(line, 1)) from None
    finally:
        constructor.dispose()
    return data, positions


def _walk(node: yaml.Node, path: Key, out: dict[Key, Position], offset: int) -> None:
    out.setdefault(path, Position(node.start_mark.line + 1 + offset, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
            child = path + (key,)
            out[child] = Position(key_node.start_mark.line + 1 + offset, key_node.start_mark.column + 1)
            _walk(value_node, child, out, offset)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = path + (index,)
            out[child] = Position(item.start_mark.line + 1 + offset, item.start_mark.column + 1)
            _walk(item, child, out, offset)


def position_of(positions: dict[Key, Position], path: Key, default: Position = Position(1, 1)) -> Position:
    """Position of the deepest known key on `path`."""
    for end in range(len(path), -1, -1):
        found = positions.get(tuple(path[:end]))
        if found is not None:
            return found
    return default
