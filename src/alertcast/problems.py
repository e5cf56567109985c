"""Problems found in content or configuration, reported as `path:line:col: level: message (hint)`.

Every user mistake becomes a `Problem`; nothing a user wrote should end in a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic_core import PydanticCustomError


@dataclass(frozen=True, order=True)
class Problem:
    path: str  # as shown to the user, relative to the project root where possible
    line: int
    col: int
    level: str  # "error" | "warning"
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.col}: {self.level}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def github(self) -> str:
        """A GitHub Actions workflow command, so the problem shows on the pull request's line."""
        kind = "error" if self.level == "error" else "warning"
        message = f"{self.message} ({self.hint})" if self.hint else self.message
        return (f"::{kind} file={_property(self.path)},line={_property(str(self.line))},"
                f"col={_property(str(self.col))}::{_data(message)}")

    @property
    def is_error(self) -> bool:
        return self.level == "error"


def _data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does (escapeData)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """A workflow command's property value (escapeProperty): a file name with a newline, a comma
    or a colon in it cannot end the command and start another one in the log."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def hint_error(message: str, hint: str) -> PydanticCustomError:
    """A validation error with its own hint (shown instead of the pointer to the reference).
    `message` must hold no editor's text: pydantic fills in `{...}` in it (use text_error)."""
    return PydanticCustomError("alertcast", message, {"hint": hint})


def text_error(message: str, hint: str) -> PydanticCustomError:
    """A validation error whose message holds an editor's text: passed as the last context value,
    so pydantic never reads braces in it as a placeholder."""
    return PydanticCustomError("alertcast", "{message}", {"hint": hint, "message": message})


class ContentError(Exception):
    """Raised when content or configuration has errors; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self):  # type: ignore[no-untyped-def]
        """Rebuilt from its problems, so one raised in a site build's worker process reaches
        the command as it was."""
        return (type(self), (self.problems,))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


class SiteBuildError(RuntimeError):
    """The site engine stopped for a reason that is not in the content: a worker process was
    killed, Zensical is missing or timed out. Its message says what to do."""


def display_path(path: Path, base: Path) -> str:
    """Path relative to `base` when it is inside it, else as given.

    A symbolic link is shown where it is, not where it points: it may point nowhere.
    """
    if path.is_absolute() == base.is_absolute() and ".." not in path.parts:
        try:  # the usual case, without a realpath() per file
            return str(path.relative_to(base))
        except ValueError:
            pass
    try:
        real = path.resolve() if path.name in ("", ".", "..") else path.parent.resolve() / path.name
        return str(real.relative_to(base.resolve()))
    except (ValueError, OSError, RuntimeError):  # outside base, or a folder on the way loops
        return str(path)
