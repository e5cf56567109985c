"""YAML loaded safely, with the source position of every key, so errors can name a line.

mkdocs.yml often carries Python tags (`!!python/name:material.extensions.emoji.twemoji`)
and `!ENV`; those are kept as opaque strings instead of executed or rejected.

Parsing uses libyaml when PyYAML was built with it: the pure-Python scanner is about ten
times slower and dominated loading a thousand alerts. libyaml nodes carry the same marks,
so positions do not change. When libyaml rejects a document it is parsed again with the
pure loader, so the error text and position editors see are the same with or without it.
"""

from __future__ import annotations

import functools
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
    def __init__(self, message: str, position: Position, hint: str = ""):
        super().__init__(message)
        self.position = position
        self.hint = hint  # how to fix it, when the caller's general hint would not fit


def _duplicate(path: Key, first: Position, again: Position) -> YamlSyntaxError:
    """A key written twice in one mapping: YAML keeps the last silently, so a stray second
    `publish_at:` would move an embargo without anyone noticing."""
    name = ".".join(str(part) for part in path)
    return YamlSyntaxError(f"'{name}' is set twice, here and on line {first.line}; only the last would count",
                           again, f"delete one of the two '{path[-1]}:' lines")


#: Deeper than this, a document is refused: the loaders and validators recurse once per level.
MAX_DEPTH = 64
#: More values than this once aliases are expanded, and a document is refused (an alias bomb
#: expands 500 bytes into billions of values for whatever walks the data).
MAX_EXPANDED = 100_000


def load(text: str, line_offset: int = 0, aliases: bool = True) -> tuple[Any, dict[Key, Position]]:
    """Parse `text`; return the data and a map from key path to the position of that key.

    `line_offset` is added to every line (front matter starts below its `---`). Without
    `aliases`, an anchor or alias is an error (front matter never needs one).
    """
    if not aliases and ("&" in text or "*" in text):
        _refuse_aliases(text, line_offset)
    try:
        return _load(text, line_offset)
    except RecursionError:  # nested deeper than Python's stack; say where it gets too deep
        raise _too_deep(text, line_offset) from None


def _events(text: str, loader: Any = _FastLoader) -> Any:
    """The parser's events, or none after a syntax error (the loader reports it with its position)."""
    parser = loader(text)
    try:
        while True:
            event = parser.get_event()
            if event is None:
                return
            yield event
    except yaml.YAMLError:
        return
    finally:
        parser.dispose()


def _at(event: Any, offset: int) -> Position:
    return Position(event.start_mark.line + 1 + offset, event.start_mark.column + 1)


def _refuse_aliases(text: str, offset: int) -> None:
    for event in _events(text):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise YamlSyntaxError(f"YAML anchor or alias ({'*' if isinstance(event, yaml.AliasEvent) else '&'}"
                                  f"{event.anchor}) in front matter", _at(event, offset),
                                  "write the value out in full: front matter never needs anchors or aliases")


def _too_deep(text: str, offset: int) -> YamlSyntaxError:
    depth = 0
    # Python's parser: libyaml (0.2.5 and later) stops scanning at 1,000 levels with no event past the 7th
    for event in _events(text, yaml.SafeLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return YamlSyntaxError(f"YAML lists or mappings nested more than {MAX_DEPTH} levels deep",
                                       _at(event, offset), "write the value with fewer levels")
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
    return YamlSyntaxError("YAML nested too deeply to read", Position(1 + offset, 1), "write it with fewer levels")


def _expanded(node: yaml.Node) -> int:
    """How many values `node` holds once every alias is expanded (a shared node counts once per
    use), computed without expanding anything. RecursionError for an alias inside the item it
    names, which never ends."""
    def children(item: yaml.Node) -> list[yaml.Node]:
        if isinstance(item, yaml.MappingNode):
            return [n for pair in item.value for n in pair]
        return item.value if isinstance(item, yaml.SequenceNode) else []

    sizes: dict[int, int] = {}
    started: set[int] = set()  # the nodes on the way down to the one being counted
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        item, done = stack.pop()
        if done:
            sizes[id(item)] = 1 + sum(sizes.get(id(child), 1) for child in children(item))
            started.discard(id(item))
        elif id(item) in started:
            raise RecursionError("an alias refers to the item that contains it")
        elif id(item) not in sizes:
            started.add(id(item))
            stack.append((item, True))
            stack += [(child, False) for child in children(item)]
    return sizes[id(node)]


def _load(text: str, line_offset: int) -> tuple[Any, dict[Key, Position]]:
    if "：" in text and _ANY_KEY_FULL_WIDTH_COLON.search(text):  # Chinese text is full of "：" elsewhere
        _full_width_colon(text, line_offset)  # after a key YAML reads no colon: the error would come a line late
    try:
        result = _from_events(text, line_offset)
    except (_Unusual, yaml.YAMLError, ValueError, TypeError):
        result = None  # anything unusual, or an error: the general path below gives the same result or error
    if result is None:
        result = _load_general(text, line_offset)
    if any(c in text for c in "，、［｛【") and _FULL_WIDTH_IN_FLOW.search(text):
        _full_width_in_flow(text, line_offset)
    return result


def _load_general(text: str, line_offset: int) -> tuple[Any, dict[Key, Position]]:
    loader_class: type = _FastLoader
    try:
        node = yaml.compose(text, Loader=_FastLoader)
    except yaml.YAMLError:
        node, loader_class = _compose_pure(text, line_offset), _Loader
    if node is None:
        return None, {}
    loader = loader_class("")
    try:
        if _expanded(node) > MAX_EXPANDED:
            alias = next((e for e in _events(text) if isinstance(e, yaml.AliasEvent)), None)
            raise YamlSyntaxError(f"YAML aliases expand to more than {MAX_EXPANDED:,} values",
                                  _at(alias, line_offset) if alias else Position(1 + line_offset, 1),
                                  "write the values out instead of repeating aliases")
        try:
            positions: dict[Key, Position] = {(): Position(node.start_mark.line + 1 + line_offset,
                                                           node.start_mark.column + 1)}
            data = _build(node, (), positions, line_offset, loader, set())
        except _Unusual:
            positions = {}
            _walk(node, (), positions, line_offset)
            try:
                data = loader.construct_document(node)
            except ValueError as exc:
                raise _impossible(node, (), line_offset, exc) from None
    except yaml.YAMLError as exc:
        if loader_class is not _Loader:
            _compose_pure(text, line_offset)  # a syntax error PyYAML's own scanner finds is shown first
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


def _impossible(node: yaml.Node, path: Key, offset: int, exc: ValueError) -> YamlSyntaxError:
    """A value YAML reads as a date or time that does not exist (month 13, November 31, 25:00)."""
    if isinstance(exc, YamlSyntaxError):
        return exc
    name = ".".join(str(part) for part in path)
    if not isinstance(node, yaml.ScalarNode):
        message = f"'{name}': a value cannot be read: {exc}" if name else f"a value cannot be read: {exc}"
    else:
        message = (f"'{name}': {node.value} is not a real date or time: {exc}" if name
                   else f"{node.value} is not a real date or time: {exc}")
    return YamlSyntaxError(message, Position(node.start_mark.line + 1 + offset, node.start_mark.column + 1),
                           "check the month (1-12), the day of that month and the time (00:00 to 23:59), "
                           "e.g. 2026-11-01T08:00:00+08:00")


def _compose_pure(text: str, line_offset: int) -> yaml.Node | None:
    """Compose with the pure-Python loader, turning its error into a positioned one."""
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        col = mark.column + 1 if mark else 1
        reason = exc.problem or str(exc)
        if mark is not None:
            _explain(text, reason, mark.line, mark.column, line_offset)
        raise YamlSyntaxError(f"YAML syntax error: {reason}", Position(line, col)) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML syntax error: {exc}", Position(1 + line_offset, 1)) from None


# -- mistakes editors make on Chinese keyboards: said plainly, at the character to change ----------

_KEY_FULL_WIDTH_COLON = re.compile(r"^(?P<lead>[ \t]*(?:-[ \t]+)*)(?P<key>[A-Za-z_][A-Za-z0-9_.-]*)[ \t]*：[ \t]*(?P<rest>.*)$")
#: Some line may hold a key and a full-width colon (a quick test before the line-by-line walk).
_ANY_KEY_FULL_WIDTH_COLON = re.compile(r"^[ \t]*(?:-[ \t]+)*[A-Za-z_][A-Za-z0-9_.-]*[ \t]*：", re.MULTILINE)
_BLOCK_SCALAR = re.compile(r"(?:^|[:\-])[ \t]+[|>][+-]?[0-9]?[+-]?[ \t]*(?:#.*)?$")
# Cheap to test on every file: Chinese text is full of "，" and "、", but rarely inside [ ] or { }.
_FULL_WIDTH_IN_FLOW = re.compile(r"[\[{][^\]}\n]*[，、]|(?:^|[:\-])[ \t]+[［｛【]", re.MULTILINE)
_FLOW_COMMAS = {"，": ("full-width comma", "，"), "、": ("enumeration comma", "、")}
_COMMA_MESSAGES = {
    ("full-width comma", "list"): 'full-width comma "，" in a list: write ","',
    ("full-width comma", "mapping"): 'full-width comma "，" in a mapping: write ","',
    ("enumeration comma", "list"): 'enumeration comma "、" in a list: write ","',
    ("enumeration comma", "mapping"): 'enumeration comma "、" in a mapping: write ","',
}
_OPENING = {"［": "[", "｛": "{", "【": "["}
_CLOSING = {"［": "］", "｛": "｝", "【": "】"}
_CURLY_QUOTES = {"“": '"', "”": '"', "＂": '"', "‘": "'", "’": "'", "＇": "'", "「": '"', "『": '"'}


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _full_width_colon(text: str, offset: int) -> None:
    """`category：impersonation`: YAML sees no key there, and says so only on a later line
    ("could not find expected ':'"), or not at all when the line becomes a string value."""
    previous = None  # indentation of the last line with content, and whether it opened a block
    block = None  # indentation of the key whose block scalar (| or >) is being read
    for number, line in enumerate(text.split("\n")):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = _indent(line)
        if block is not None:
            if indent > block:
                continue
            block = None
        found = _KEY_FULL_WIDTH_COLON.match(line)
        # A line indented deeper than the value above it is that value going on: not a key.
        if found and (previous is None or indent <= previous[0] or previous[1]):
            col = line.index("：", len(found["lead"])) + 1
            key, rest = found["key"], found["rest"].strip()
            raise YamlSyntaxError(f'full-width colon "：" after {key}: write ":" (half-width)',
                                  Position(number + 1 + offset, col),
                                  f"YAML reads only the half-width colon, followed by a space: {key}: {rest}".rstrip())
        if _BLOCK_SCALAR.search(line):
            block = indent
        previous = (indent, stripped.endswith(":"))


def _explain(text: str, reason: str, line: int, col: int, offset: int) -> None:
    """Raise a plain explanation of a syntax error caused by a tab or a curly quote, if it is one."""
    lines = text.split("\n")
    here = lines[line] if line < len(lines) else ""
    if "\\t" in reason or "tab character" in reason:
        tab = here.find("\t")
        raise YamlSyntaxError("a tab indents this line: YAML needs spaces",
                              Position(line + 1 + offset, (tab if tab >= 0 else col) + 1),
                              "replace the tab with spaces, as many as the lines around it use")
    found = re.match(r"^[ \t]*(?:-[ \t]+)*(?:[^\s:#][^:#]*:[ \t]+)?(?:-[ \t]+)*", here)
    start = found.end() if found else 0
    quote = here[start:start + 1]
    if quote in _CURLY_QUOTES:
        raise YamlSyntaxError(f'curly quote "{quote}" does not quote text in YAML: write a straight '
                              f"{_CURLY_QUOTES[quote]} (half-width)", Position(line + 1 + offset, start + 1),
                              f"start and end the text with a straight {_CURLY_QUOTES[quote]}; curly quotes inside "
                              "the text are fine")


def _full_width_in_flow(text: str, offset: int) -> None:
    """`channels: [banner，cap]` parses, as the one item 'banner，cap'; `channels: ［banner, cap］`
    as the text '［banner, cap］'. Neither is what the editor wrote, so say which character to change."""
    def at(index: int) -> Position:
        return Position(text.count("\n", 0, index) + 1 + offset, index - (text.rfind("\n", 0, index) + 1) + 1)

    kinds: list[str] = []
    try:
        tokens = list(yaml.scan(text, Loader=_Loader))
    except yaml.YAMLError:  # libyaml accepted what PyYAML's scanner does not ("0\t"): nothing to add
        return
    for token in tokens:
        kind = type(token)
        if kind in (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken):
            kinds.append("list" if kind is yaml.FlowSequenceStartToken else "mapping")
        elif kind in (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken):
            kinds.pop()
        elif kind is yaml.ScalarToken and token.plain:
            start = token.start_mark.index
            source = text[start:token.end_mark.index]
            if kinds:
                for char, (name, _) in _FLOW_COMMAS.items():
                    if char in source:
                        raise YamlSyntaxError(_COMMA_MESSAGES[name, kinds[-1]],
                                              at(start + source.index(char)),
                                              "YAML separates items only with a half-width comma; put an item in "
                                              "quotes if the comma belongs to its text")
            elif source[:1] in _OPENING and source.endswith(_CLOSING[source[0]]) and _looks_like_items(source[1:-1]):
                raise YamlSyntaxError(f'full-width bracket "{source[0]}" around a list: write "{_OPENING[source[0]]}" '
                                      f'and "{"]" if _OPENING[source[0]] == "[" else "}"}" (half-width)', at(start),
                                      'YAML reads a list only between half-width brackets, e.g. [banner, cap]')


def _looks_like_items(inner: str) -> bool:
    """What is between full-width brackets reads as ASCII items (not as Chinese text in 【】)."""
    return bool(inner.strip()) and all(c.isascii() or c in "，、" for c in inner)


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
_SPECIAL_KEYS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


class _Unusual(Exception):
    """The document uses anchors, merge keys or complex keys: construct it the general way."""


_SCALAR_END = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _from_events(text: str, offset: int) -> tuple[Any, dict[Key, Position]]:
    """Build plain front matter straight from the parser's events, skipping PyYAML's nodes.

    Composing nodes (one Python object and one resolver call per scalar) cost more than
    parsing itself; building from events, with plain scalars resolved once per distinct
    text, loads a thousand alerts in half the time. Anchors, aliases, explicit tags, merge
    keys and complex keys raise _Unusual, as do documents with anything after the first.
    """
    parser = _FastLoader(text)
    try:
        events = iter(parser.get_event, None)
        kinds = [type(next(events)), type(next(events))]  # stream start, document start or stream end
        if kinds[1] is yaml.StreamEndEvent:
            return None, {}
        first = next(events)
        positions: dict[Key, Position] = {(): Position(first.start_mark.line + 1 + offset, first.start_mark.column + 1)}
        data = _event_value(first, events, (), positions, offset, parser)
        if type(next(events)) is not yaml.DocumentEndEvent or type(next(events)) is not yaml.StreamEndEvent:
            raise _Unusual
        return data, positions
    finally:
        parser.dispose()


def _event_value(event: Any, events: Any, path: Key, out: dict[Key, Position], offset: int, parser: Any) -> Any:
    kind = type(event)
    if event.anchor is not None or kind is yaml.AliasEvent:
        raise _Unusual
    if kind is yaml.ScalarEvent:
        if event.tag is not None and event.tag != "!":
            raise _Unusual
        if event.tag == "!":  # resolved from its text, as both of PyYAML's loaders do (their flags for it differ)
            return _plain(event.value, parser, event)
        if not event.implicit[0]:
            return event.value
        return _plain(event.value, parser, event)
    if event.tag is not None and event.tag != "!":
        raise _Unusual
    if kind is yaml.SequenceStartEvent:
        items: list[Any] = []
        for index, item in enumerate(events):
            if type(item) is yaml.SequenceEndEvent:
                return items
            child = path + (index,)
            out[child] = Position(item.start_mark.line + 1 + offset, item.start_mark.column + 1)
            items.append(_event_value(item, events, child, out, offset, parser))
    if kind is yaml.MappingStartEvent:
        mapping: dict[Any, Any] = {}
        for key_event in events:
            if type(key_event) is yaml.MappingEndEvent:
                return mapping
            if type(key_event) is not yaml.ScalarEvent or key_event.anchor is not None:
                raise _Unusual
            key = _event_value(key_event, events, path, out, offset, parser)
            if key_event.implicit[0] and _resolve_plain(key_event.value) in _SPECIAL_KEYS:
                raise _Unusual
            if key in mapping:  # reported by the general path, with both lines
                raise _Unusual
            child = path + (key_event.value,)
            out[child] = Position(key_event.start_mark.line + 1 + offset, key_event.start_mark.column + 1)
            mapping[key] = _event_value(next(events), events, child, out, offset, parser)
    raise _Unusual


@functools.lru_cache(maxsize=4096)
def _resolve_plain(value: str) -> str:
    """The tag YAML 1.1 gives a plain scalar; it depends on the text alone."""
    for tag, regexp in _Loader.yaml_implicit_resolvers.get(value[:1], ()):
        if regexp.match(value):
            return tag
    return _STR


_IMMUTABLE = {"tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
              "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"}
_constructed: dict[tuple[str, str], Any] = {}


def _plain(value: str, parser: Any, event: Any) -> Any:
    tag = _resolve_plain(value)
    if tag == _STR:
        return value
    try:
        return _constructed[(tag, value)]
    except KeyError:
        pass
    constructor = parser.yaml_constructors.get(tag)
    if constructor is None:  # `=` (YAML's value key) has none: the general path says so
        raise _Unusual
    result = constructor(parser, yaml.ScalarNode(tag, value, event.start_mark, event.end_mark, event.style))
    if tag in _IMMUTABLE and len(_constructed) < 4096:
        _constructed[(tag, value)] = result
    return result


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
        try:
            if constructor is None:
                return loader.construct_object(node, deep=True)
            return constructor(loader, node)
        except ValueError as exc:  # `2026-13-01`: a date YAML recognises but the calendar has not
            raise _impossible(node, path, offset, exc) from None
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
        lines: dict[Any, Position] = {}  # where each key was first written
        for key_node, value_node in node.value:
            if key_node.id != "scalar" or key_node.tag in _SPECIAL_KEYS:
                raise _Unusual
            key = _build(key_node, path, out, offset, loader, seen)
            child = path + (key_node.value,)
            mark = key_node.start_mark
            here = Position(mark.line + 1 + offset, mark.column + 1)
            if key in lines:
                raise _duplicate(child, lines[key], here)
            lines[key] = out[child] = here
            mapping[key] = _build(value_node, child, out, offset, loader, seen)
        return mapping
    raise _Unusual


def _walk(node: yaml.Node, path: Key, out: dict[Key, Position], offset: int, walked: set[int] | None = None) -> None:
    """Record the positions below `node`; an aliased node is walked once, where it is written."""
    out.setdefault(path, Position(node.start_mark.line + 1 + offset, node.start_mark.column + 1))
    walked = set() if walked is None else walked
    if id(node) in walked:
        return
    walked.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[tuple[str, str]] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else _complex_key(key_node)
            child = path + (key,)
            here = Position(key_node.start_mark.line + 1 + offset, key_node.start_mark.column + 1)
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag not in _SPECIAL_KEYS:
                if (key_node.tag, key) in seen:
                    raise _duplicate(child, out[child], here)
                seen.add((key_node.tag, key))
            out[child] = here
            _walk(value_node, child, out, offset, walked)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = path + (index,)
            out[child] = Position(item.start_mark.line + 1 + offset, item.start_mark.column + 1)
            _walk(item, child, out, offset, walked)


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
