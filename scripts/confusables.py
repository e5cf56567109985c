"""Regenerate the confusable-characters table the look-alike check uses (Python and the Verify page).

    pip install confusable_homoglyphs==3.3.1 && python3 scripts/confusables.py

confusable_homoglyphs ships Unicode's confusables data (confusables.txt of UTS #39) as JSON.
Handles and domain names are made of ASCII letters, digits, '-', '_' and '.', so only the
characters that look like one of those are kept, each mapped to the lower-case ASCII
character it imitates: "I", "1" and "|" to "l", "0" and "O" to "o", Cyrillic "а" to "a".
"""

from __future__ import annotations

import json
import string
import sys
from pathlib import Path

from confusable_homoglyphs import confusables

OUT = Path(__file__).resolve().parents[1] / "src/alertcast/templates/site/overrides/assets/alertcast/confusables.json"
TARGETS = set(string.ascii_letters + string.digits + "-_.")
#: ASCII characters that imitate one another: each maps to the first.
CLASSES = ("lI1|", "oO0")


def prototype(char: str) -> str:
    for group in CLASSES:
        if char in group:
            return group[0]
    return char.lower()


def table() -> dict[str, str]:
    data = json.loads((Path(confusables.__file__).parent / "confusables.json").read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for key, group in data.items():
        char = key.strip("\u200e\u200f")
        if len(char) != 1:
            continue
        looks = sorted({g["c"].strip("\u200e\u200f") for g in group} & TARGETS)
        if looks and (char not in TARGETS or prototype(looks[0]) != prototype(char)):
            out[char] = prototype(looks[0])
    for group in CLASSES:
        for char in group[1:]:
            out[char] = group[0]
    return {char: out[char] for char in sorted(out) if out[char] != char}


def main() -> int:
    OUT.write_text(json.dumps(table(), ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n",
                   encoding="utf-8")
    print(f"{OUT}: {len(table())} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
