"""The placeholders `alertcast new` writes, and how `alertcast check` recognises them.

A scaffold that checks clean could go live with "Title" as its headline, so every text the
editor must write starts as a line beginning with MARK, which check refuses.
"""

from __future__ import annotations

MARK = "TODO:"


def is_placeholder(text: str) -> bool:
    return text.lstrip().startswith(MARK)
