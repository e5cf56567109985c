"""libyaml and the pure-Python loader must give editors the same data, positions and errors."""

from __future__ import annotations

import pytest
import yaml

from alertcast import yamlsource

DOCUMENTS = [
    "title: \"Fake support\"\nseverity: warning\nchannels: [banner, cap]\nbanner:\n  platforms:\n    - ios\n    - android\n",
    "tags: !ENV HOME\nemoji: !!python/name:material.extensions.emoji.twemoji\n",
    "summary: >\n  folded\n  text\nlist:\n- a\n- {b: 1, c: [2, 3]}\n",
    "title: 诈骗提醒\nsummary: \"骗子使用手法\"\npublish_at: 2026-01-01T08:00:00+08:00\n",
    "channels: [banner, cap: x]\n",  # syntax error
    "a: b: c\n",  # syntax error
    "key: [unclosed\n",  # syntax error
    "\tkey: tab\n",  # syntax error
]


def _pure(text: str, monkeypatch: pytest.MonkeyPatch) -> object:
    with monkeypatch.context() as patch:
        patch.setattr(yamlsource, "_FastLoader", yamlsource._Loader)
        return _outcome(text)


def _outcome(text: str) -> object:
    try:
        return yamlsource.load(text, line_offset=1)
    except yamlsource.YamlSyntaxError as exc:
        return str(exc), exc.position


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("text", DOCUMENTS)
def test_libyaml_and_pure_loader_agree(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _outcome(text) == _pure(text, monkeypatch)
