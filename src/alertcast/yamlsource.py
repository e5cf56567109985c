"""YAML loaded safely, with the source position of every key, so errors can name a line.

mkdocs.yml often carries Python tags (`!!python/name:material.extensions.emoji.twemoji`)
and `!ENV`; those are kept as opaque strings instead of executed or rejected.

Parsing uses libyaml when PyYAML was built with it: the pure-Python scanner is about ten
times slower and dominated loading a thousand alerts. libyaml nodes carry the same marks,
so positions do not change. When libyaml rejects a document it is parsed again with the
pure loader, so the error text and position editors see are the same with or without it.
"""

from __future__ import annotations

import re
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
    loader = loader_class("")
    try:
        try:
            positions: dict[Key, Position] = {(): Position(node.start_mark.line + 1 + line_offset,
                                                           node.start_mark.column + 1)}
            data = _build(node, (), positions, line_offset, loader, set())
        except _Unusual:
            positions = {}
            _walk(node, (), positions, line_offset)
            data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 1 if mark else 1) + line_offset
        raise YamlSyntaxError(f"YAML error: {getattr(exc, 'problem', exc)}", Position(line, 1)) from None
    except RecursionError:  # `a: &x [*x]`: an alias inside the item it names
        alias = re.search(r"\*[^\s,\]}]+", text)
        line = text.count("\n", 0, alias.start()) if alias else 0
        col = alias.start() - (text.rfind("\n", 0, alias.start()) + 1) if alias else 0
        raise YamlSyntaxError("YAML error: an alias refers to the item that contains it",
                              Position(line + 1 + line_offset, col + 1)) from None
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


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_SPECIAL_KEYS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


class _Unusual(Exception):
    """The document uses anchors, merge keys or complex keys: construct it the general way."""


def _build(node: yaml.Node, path: Key, out: dict[Key, Position], offset: int, loader: Any, seen: set[int]) -> Any:
    """Construct `node` and record the positions of its keys and items in one pass.

    Front matter is plain maps, lists and scalars; building those directly instead of
    through PyYAML's general constructor, then walking the tree a second time for
    positions, halves the cost of loading. Anything else raises _Unusual, and the
    caller falls back to the general constructor, so results are the same.
    The caller records the position of `node` itself.
    """
    if id(node) in seen:  # an alias: shared or recursive structure
        raise _Unusual
    seen.add(id(node))
    tag, kind = node.tag, node.id
    if kind == "scalar":
        if tag == _STR:
            return node.value
        constructor = loader.yaml_constructors.get(tag)
        if constructor is None:
            return loader.construct_object(node, deep=True)
        return constructor(loader, node)
    if kind == "sequence" and tag == _SEQ:
        items = []
        for index, item in enumerate(node.value):
            child = path + (index,)
            mark = item.start_mark
            out[child] = Position(mark.line + 1 + offset, mark.column + 1)
            items.append(_build(item, child, out, offset, loader, seen))
        return items
    if kind == "mapping" and tag == _MAP:
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.id != "scalar" or key_node.tag in _SPECIAL_KEYS:
                raise _Unusual
            key = _build(key_node, path, out, offset, loader, seen)
            child = path + (key_node.value,)
            mark = key_node.start_mark
            out[child] = Position(mark.line + 1 + offset, mark.column + 1)
            mapping[key] = _build(value_node, child, out, offset, loader, seen)
        return mapping
    raise _Unusual


def _walk(node: yaml.Node, path: Key, out: dict[Key, Position], offset: int) -> None:
    out.setdefault(path, Position(node.start_mark.line + 1 + offset, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else _complex_key(key_node)
            child = path + (key,)
            out[child] = Position(key_node.start_mark.line + 1 + offset, key_node.start_mark.column + 1)
            _walk(value_node, child, out, offset)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = path + (index,)
            out[child] = Position(item.start_mark.line + 1 + offset, item.start_mark.column + 1)
            _walk(item, child, out, offset)


def _complex_key(node: yaml.Node) -> str:
    """A name for a key that is a list or map; the same with libyaml and without."""
    return f"key at line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"


def position_of(positions: dict[Key, Position], path: Key, default: Position = Position(1, 1)) -> Position:
    """Position of the deepest known key on `path`."""
    for end in range(len(path), -1, -1):
        found = positions.get(tuple(path[:end]))
        if found is not None:
            return found
    return default
