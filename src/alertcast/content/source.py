"""One Markdown file of the content as read, before its translations are joined: the type the
loader makes and the lint rules read, kept apart so that neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .. import yamlsource
from ..problems import Problem
from .links import mask_code


@dataclass
class SourceFile:
    """One parsed Markdown file, before translations are joined."""

    path: Path  # absolute
    shown: str  # as shown in messages
    section: str  # "alerts", "guides" or "" for top-level pages
    stem: str
    lang: str
    matter: BaseModel
    positions: dict[yamlsource.Key, yamlsource.Position]
    body: str
    body_line: int

    @cached_property
    def text_body(self) -> str:
        """The body with code blocks and spans blanked (offsets kept), masked once for every rule
        that must not read code as text."""
        body = self.body
        return mask_code(body) if "`" in body or "~~~" in body else body

    def at(self, *key: Any) -> yamlsource.Position:
        return yamlsource.position_of(self.positions, key)

    def problem(self, key: tuple[Any, ...], level: str, message: str, hint: str = "") -> Problem:
        pos = self.at(*key)
        return Problem(self.shown, pos.line, pos.col, level, message, hint)
