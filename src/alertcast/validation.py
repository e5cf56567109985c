"""pydantic's errors as problems: the line of the key, and how to fix it in the editor's words.

Settings (config.py), a channel's test target (testtarget.py) and front matter (content/loader.py)
are all validated by pydantic models; one translation keeps their messages alike.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from . import yamlsource
from .problems import Problem


def validation_problems(
    exc: ValidationError,
    shown: str,
    positions: dict[yamlsource.Key, yamlsource.Position],
    prefix: tuple[Any, ...],
    model: type[BaseModel] | None = None,
    reference: str = "the configuration reference in README.md",
    key_prefix: tuple[Any, ...] = (),
) -> list[Problem]:
    """Turn pydantic's errors into problems that name the line and say how to fix them.

    `key_prefix` is shown before each key, e.g. ("channels", "x") for 'channels.x.edit'.
    """
    errors = exc.errors()
    # `serverity:` is one mistake: the unknown key says which key it should be, so the key it
    # should be is not also reported missing.
    misspelt = {tuple(err["loc"][:-1]) + (close,) for err in errors if err["type"] == "extra_forbidden"
                for close in difflib.get_close_matches(str(err["loc"][-1]), _known_fields(model, tuple(err["loc"][:-1])), n=1)}
    problems = []
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "missing" and loc in misspelt:
            continue
        if loc[-1:] == ("[key]",):  # a mapping's key was wrong: point at that key
            loc = loc[:-1]
        pos = yamlsource.position_of(positions, prefix + loc)
        key = ".".join(str(p) for p in key_prefix + loc) or "(top level)"
        message, hint = _friendly(err, key, loc, model, reference)
        problems.append(Problem(shown, pos.line, pos.col, "error", message, hint))
    return problems


def _friendly(err: dict[str, Any], key: str, loc: tuple[Any, ...], model: type[BaseModel] | None,
              reference: str) -> tuple[str, str]:
    kind = err["type"]
    if kind == "extra_forbidden":
        name = str(loc[-1])
        known = _known_fields(model, loc[:-1])
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else (f"known keys: {', '.join(known)}" if known else "remove it")
        return f"unknown key '{key}'", hint
    if kind == "missing":
        return f"'{key}' is required", f"add '{loc[-1]}:'"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"'{key}' has an unknown value {err.get('input')!r}", f"use one of {expected}"
    if kind in ("string_type", "list_type") and err.get("input") is None:  # `key:` with nothing YAML reads after it
        return (f"'{key}' is empty", f"write the value after '{loc[-1]}:'; put it in quotes if it starts with '#', "
                "which YAML reads as the start of a comment")
    if kind in ("list_type", "tuple_type", "set_type") and isinstance(err.get("input"), str):  # `channels: banner`
        return (f"'{key}' is one value, not a list",
                f"write it in brackets, e.g. {loc[-1]}: [{err['input']}]; separate several with a comma")
    msg = err["msg"]
    hint = (err.get("ctx") or {}).get("hint")
    if hint:
        return f"'{key}': {msg}", hint
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return f"'{key}': {msg}", f"see {reference}"


def _known_fields(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        if current is None or not hasattr(current, "model_fields"):
            return []
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        current = field.annotation
    if current is None or not hasattr(current, "model_fields"):
        return []
    return list(current.model_fields)
