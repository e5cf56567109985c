#!/usr/bin/env python3
"""Print constraints.txt: the exact versions installed here of alertcast's runtime dependencies
(the whole closure, not only the names in pyproject.toml) and of the build tools pip uses to
build alertcast and the dependencies published only as source.

    python .github/pin-dependencies.py > constraints.txt

Run it where the test suite has just passed, so that the pins are versions it was tested with
(docs/github.md, "Pinned dependencies"). A build tool that is not installed here at a version
pyproject.toml accepts keeps its pin from the current constraints.txt.
"""

from __future__ import annotations

import platform
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
CONSTRAINTS = REPO / "constraints.txt"
#: What setuptools asks pip for when it builds a source distribution without a pyproject.toml of
#: its own (jieba, feedgen), on top of [build-system] requires.
LEGACY_BUILD = ["wheel"]


def applies(req: Requirement, extras: set[str]) -> bool:
    return req.marker is None or any(req.marker.evaluate({"extra": extra}) for extra in {"", *extras})


def closure(roots: list[Requirement], problems: list[str]) -> dict[str, metadata.Distribution]:
    """Every installed distribution that `roots` need, by canonical name, with the extras asked
    of it; a requirement that is missing or whose installed version it excludes is a problem."""
    found: dict[str, metadata.Distribution] = {}
    asked: dict[str, set[str]] = {}
    todo = [(root, "pyproject.toml") for root in roots]
    while todo:
        req, by = todo.pop()
        name = canonicalize_name(req.name)
        if name in asked and req.extras <= asked[name]:
            continue
        asked[name] = asked.get(name, set()) | req.extras
        try:
            dist = found.get(name) or metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            problems.append(f"{req} (needed by {by}) is not installed")
            continue
        found[name] = dist
        if not req.specifier.contains(dist.version, prereleases=True):
            problems.append(f"{by} needs {req}, but {dist.version} is installed")
        for line in dist.requires or []:
            sub = Requirement(line)
            if applies(sub, asked[name]):
                todo.append((sub, dist.metadata["Name"]))
    return found


def current_pins() -> dict[str, str]:
    if not CONSTRAINTS.is_file():
        return {}
    pins = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        found = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", line.strip())
        if found:
            pins[canonicalize_name(found[1])] = f"{found[1]}=={found[2]}"
    return pins


def main() -> int:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    problems: list[str] = []
    runtime = closure([Requirement(r) for r in pyproject["project"]["dependencies"]], problems)
    lines = {name: f"{dist.metadata['Name']}=={dist.version}" for name, dist in runtime.items()}

    build: dict[str, str] = {}
    kept = current_pins()
    for req in [Requirement(r) for r in pyproject["build-system"]["requires"] + LEGACY_BUILD]:
        name = canonicalize_name(req.name)
        try:
            dist = metadata.distribution(req.name)
            usable = req.specifier.contains(dist.version, prereleases=True)
        except metadata.PackageNotFoundError:
            dist, usable = None, False
        if usable:
            for dep, found in closure([req], problems).items():
                if dep not in lines:
                    build[dep] = f"{found.metadata['Name']}=={found.version}"
        elif name in kept:
            build[name] = kept[name]
            print(f"note: {req} is not installed here; keeping {kept[name]} from constraints.txt "
                  f"(`python -m pip install --upgrade {req.name}` to pin the newest)", file=sys.stderr)
        else:
            problems.append(f"install the build tool {req} first: python -m pip install --upgrade '{req}'")
    if problems:
        print("\n".join(["cannot pin this environment:", *problems, "(python -m pip check tells more)"]),
              file=sys.stderr)
        return 1
    if (sys.implementation.name, sys.version_info[:2], platform.system()) != ("cpython", (3, 11), "Linux"):
        print("warning: the workflows install on CPython 3.11 on Linux; dependencies that only another "
              "system or Python needs are not in this closure", file=sys.stderr)

    out = [
        "# The exact versions the GitHub workflows install (pip install -c constraints.txt -e .):",
        "# alertcast's runtime dependencies, all of them, and the build tools for alertcast and the",
        "# dependencies published only as source. Written by .github/pin-dependencies.py from an",
        "# environment the test suite passed in; refresh it as docs/github.md says, do not edit it.",
        "",
        *(lines[name] for name in sorted(lines)),
        "",
        "# build tools",
        *(build[name] for name in sorted(build)),
    ]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
