"""YAML loaded safely, with the source position of every key, so errors can name a line.

mkdocs.yml often carries Python tags (`!!python/name:material.extensions.emoji.twemoji`)
and `!ENV`; those are kept as opaque strings instead of executed or rejected.

Parsing uses libyaml when PyYAML was built with it: the pure-Python scanner is about ten
times slower and dominated loading a thousand alerts. libyaml nodes carry the same marks,
so positions do not change. When libyaml rejects a document it is parsed again with the
pure loader, so the error text and position editors see are the same with or without it.
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


class _Loader(yaml.SafeLoader):
    """Safe loader that tolerates, but never runs, tags it does not know."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same loader on libyaml, when PyYAML has it."""


def _opaque(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> str:
    value = loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else ""
    return f"!{suffix} {value}".strip()


for _loader in (_Loader, _FastLoader):
    _loader.add_multi_constructor("tag:yaml.org,2002:python/", _opaque)
    _loader.add_multi_constructor("!", _opaque)


class YamlSyntaxError(ValueError):
    def __init__(self, message: str, position: Position):
        super().__init__(message)
        self.position = position


def load(text: str, line_offset: int = 0) -> tuple[Any, dict[Key, Position]]:
    """Parse `text`; return the data and a map from key path to the position of that key.

    `line_offset` is added to every line (front matter starts below its `---`).
    """
    loader_class: type = _FastLoader
    try:
        node = yaml.compose(text, Loader=_FastLoader)
    except yaml.YAMLError:
        node, loader_class = _compose_pure(text, line_offset), _Loader
    if node is None:
        return None, {}
    positions: dict[Key, Position] = {}
    _walk(node, (), positions, line_offset)
    loader = loader_class("")
    try:
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 1 if mark else 1) + line_offset
        raise YamlSyntaxError(f"YAML error: {getattr(exc, 'problem', exc)}", Position(line, 1)) from None
    finally:
        loader.dispose()
    return data, positions


def _compose_pure(text: str, line_offset: int) -> yaml.Node | None:
    """Compose with the pure-Python loader, turning its error into a positioned one."""
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        col = mark.column + 1 if mark else 1
        reason = exc.problem or str(exc)
        raise YamlSyntaxError(f"YAML syntax error: {reason}", Position(line, col)) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML syntax error: {exc}", Position(1 + line_offset, 1)) from None


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
