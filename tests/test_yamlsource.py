"""libyaml and the pure-Python loader must give editors the same data, positions and errors."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alertcast import yamlsource

DOCUMENTS = [
    "title: \"Fake support\"\nseverity: warning\nchannels: [banner, cap]\n"
    "banner:\n  platforms:\n    - ios\n    - android\n",
    "tags: !ENV HOME\nemoji: !!python/name:material.extensions.emoji.twemoji\n",
    "summary: >\n  folded\n  text\nlist:\n- a\n- {b: 1, c: [2, 3]}\n",
    "title: 诈骗提醒\nsummary: \"骗子使用手法\"\npublish_at: 2026-01-01T08:00:00+08:00\n",
    "channels: [banner, cap: x]\n",  # syntax error
    "a: b: c\n",  # syntax error
    "key: [unclosed\n",  # syntax error
    "\tkey: tab\n",  # syntax error
    "!",  # the non-specific tag alone: libyaml and PyYAML's parser flag it differently
    "title: !\nsummary: ! 12\nyes_: ! yes\n",
    "title: t\ncategory\uff1aphishing\nseverity: info\n",  # full-width colon: explained at its line
    "channels: [banner\uff0ccap]\n",  # full-width comma: parses, then explained
    "title: \u201cnote: x\u201d\n",  # curly quotes
    "banner:\n\tfrequency: once\n",  # tab
]


def _pure(text: str, monkeypatch: pytest.MonkeyPatch) -> object:
    with monkeypatch.context() as patch:
        patch.setattr(yamlsource, "_FastLoader", yamlsource._Loader)
        return _outcome(text)


def _libyaml_reads(text: str) -> bool:
    try:
        yaml.compose(text, Loader=yamlsource._FastLoader)
    except yaml.YAMLError:
        return False
    return True


def _outcome(text: str) -> object:
    try:
        return yamlsource.load(text, line_offset=1)
    except yamlsource.YamlSyntaxError as exc:
        return str(exc), exc.position


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("text", DOCUMENTS)
def test_libyaml_and_pure_loader_agree(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _outcome(text) == _pure(text, monkeypatch)


GENERAL = [
    DOCUMENTS[0], DOCUMENTS[1], DOCUMENTS[2], DOCUMENTS[3],
    "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n",  # anchors and merge keys
    "? !!python/tuple [a, b]\n: complex key\n",  # a key that is not a scalar (kept opaque)
    "set: !!set {a, b}\nn: 0x1f\nf: .5\nnull_: ~\nyes: true\nwhen: 2026-01-01\n",
    "when: 2026-01-01T08:00:00+08:00\nagain: 2026-01-01T08:00:00+08:00\nn: [1, 1, ~, ~]\n",  # reused scalars
]


@pytest.mark.parametrize("text", GENERAL)
def test_data_and_positions_match_the_general_constructor(text: str) -> None:
    data, positions = yamlsource.load(text)
    node = yaml.compose(text, Loader=yamlsource._Loader)
    expected_positions: dict = {}
    yamlsource._walk(node, (), expected_positions, 0)
    assert data == yaml.load(text, Loader=yamlsource._Loader)
    assert positions == expected_positions


@pytest.mark.parametrize("text, message, position", [
    ("title: t\ncategory\uff1aphishing\nseverity: info\n", 'full-width colon "\uff1a" after category', (3, 9)),
    ("banner:\n  frequency\uff1aonce\n", 'full-width colon "\uff1a" after frequency', (3, 12)),
    ("- a\n- key\uff1a value\n", 'full-width colon "\uff1a" after key', (3, 6)),
    ("channels: [banner\uff0ccap]\n", 'full-width comma "\uff0c" in a list', (2, 18)),
    ("banner: {platforms: ios\u3001android}\n", 'enumeration comma "\u3001" in a mapping', (2, 24)),
    ("channels: \uff3bbanner, cap\uff3d\n", 'full-width bracket "\uff3b" around a list', (2, 11)),
    ("title: \u201cnote: x\u201d\n", 'curly quote "\u201c" does not quote text in YAML', (2, 8)),
    ("banner:\n\tfrequency: once\n", "a tab indents this line", (3, 1)),
])
def test_keyboard_mistakes_are_named_where_they_are(text: str, message: str, position: tuple[int, int]) -> None:
    with pytest.raises(yamlsource.YamlSyntaxError) as caught:
        yamlsource.load(text, line_offset=1)
    assert str(caught.value).startswith(message)
    assert caught.value.position == yamlsource.Position(*position)
    assert caught.value.hint


@pytest.mark.parametrize("text", [
    "title: \u5730\u5740\u6295\u6bd2\uff1a\u957f\u5f97\u50cf\uff0c\u5c0f\u5fc3\n",  # in a value
    "summary: |\n  Note\uff1a one\n  Note\uff1a two\nnext: x\n",  # in a block scalar
    "summary: first line\n  Note\uff1a goes on\n",  # a plain value going on
    "title: \u3010\u91cd\u8981\uff0c\u5fc5\u8bfb\u3011\u9493\u9c7c\n",  # brackets of Chinese text
    "tags: [\"a\uff0cb\", c]\n",  # quoted item
])
def test_full_width_punctuation_in_text_is_fine(text: str) -> None:
    data, _ = yamlsource.load(text)
    assert data == yaml.safe_load(text)


def test_scalar_without_constructor_is_an_error_as_in_the_general_loader() -> None:
    """`=` resolves to YAML's value tag, which the safe loader cannot build."""
    with pytest.raises(yamlsource.YamlSyntaxError, match="could not determine a constructor") as caught:
        yamlsource.load("title: t\nvalue: =\n", line_offset=1)
    assert caught.value.position.line == 3


def test_unhashable_key_is_an_error_at_its_line() -> None:
    with pytest.raises(yamlsource.YamlSyntaxError, match="found unhashable key") as caught:
        yamlsource.load("a: 1\n? [a, b]\n: complex key\n", line_offset=1)
    assert caught.value.position.line == 3


@pytest.mark.parametrize("loader", ["fast", "pure"])
@pytest.mark.parametrize("text, line, col, name", [
    ("publish_at: 2026-01-01T08:00:00+08:00\ntitle: t\npublish_at: 2027-01-01T08:00:00+08:00\n", 4, 1, "publish_at"),
    ("banner:\n  frequency: once\n  frequency: daily\n", 4, 3, "banner.frequency"),
    ("banner: {frequency: once, frequency: daily}\n", 2, 27, "banner.frequency"),
    ("tags: !ENV HOME\ntags: x\n", 3, 1, "tags"),  # a tag sends it the general way
    ("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n  y: 3\n", 6, 3, "other.y"),  # anchors and merge keys too
])
def test_duplicate_key_is_an_error_at_the_second(text: str, line: int, col: int, name: str, loader: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """YAML would keep the last value silently: a stray second publish_at would move an embargo."""
    if loader == "pure":
        monkeypatch.setattr(yamlsource, "_FastLoader", yamlsource._Loader)
    with pytest.raises(yamlsource.YamlSyntaxError) as caught:
        yamlsource.load(text, line_offset=1)
    first = text.split("\n").index(next(row for row in text.split("\n") if name.split(".")[-1] + ":" in row)) + 2
    assert str(caught.value) == f"'{name}' is set twice, here and on line {first}; only the last would count"
    assert caught.value.position == yamlsource.Position(line, col)
    assert caught.value.hint == f"delete one of the two '{name.split('.')[-1]}:' lines"


def test_merge_key_may_be_overridden() -> None:
    """`<<: *base` then `x: 2` is how YAML overrides a merged value: not a duplicate."""
    data, _ = yamlsource.load("base: &b {x: 1}\nother:\n  <<: *b\n  x: 2\n")
    assert data["other"] == {"x": 2}


def test_recursive_alias_is_an_error_at_the_alias() -> None:
    with pytest.raises(yamlsource.YamlSyntaxError, match="an alias refers to the item that contains it") as caught:
        yamlsource.load("title: t\na: &x [*x]\n", line_offset=1)
    assert caught.value.position == yamlsource.Position(3, 8)


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
def test_a_key_set_twice_is_reported_where_only_libyaml_reads_the_rest() -> None:
    """PyYAML's own scanner refuses the tab after "title: "; libyaml, which editors get, reads it,
    so the mistake it finds is what is said."""
    with pytest.raises(yamlsource.YamlSyntaxError, match="'title' is set twice") as caught:
        yamlsource.load("title: \ntitle: \t\n", line_offset=1)
    assert caught.value.position == yamlsource.Position(3, 1)


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(
    st.text(max_size=120),
    st.lists(st.tuples(st.sampled_from(["title", "severity", "channels", "banner", "  platforms", "- x", "? a"]),
                       st.sampled_from([": ", ":", " : ", ": [", ": {", ": \"", ": '", ": |", ": >", ": &a", ": *a",
                                        ": !!str", ": !ENV"]),
                       st.text(max_size=15)), max_size=6).map(
        lambda rows: "".join(f"{k}{sep}{v}\n" for k, sep, v in rows)),
))
def test_libyaml_and_pure_loader_agree_on_anything(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def outcome() -> object:
        try:
            return _outcome(text)
        except (ValueError, TypeError, RecursionError) as exc:  # constructor errors that are not YAML errors
            return type(exc).__name__
    fast = outcome()
    with monkeypatch.context() as patch:
        patch.setattr(yamlsource, "_FastLoader", yamlsource._Loader)
        pure = outcome()
    def refused(result: object) -> bool:
        return isinstance(result, tuple) and isinstance(result[1], yamlsource.Position)
    if refused(pure) and _libyaml_reads(text):
        # libyaml is more lenient than PyYAML's own scanner in a few corners ("0\t", "[0?]"); what
        # it reads is what editors get: no error, or one found in what it read (a key set twice
        # before "title: \t"). The reverse never happens: what libyaml refuses is parsed again by
        # the pure loader, so anything either accepts gives the same data.
        return
    assert repr(fast) == repr(pure)  # repr: a `.nan` value is not equal to itself
