"""The worst CPU time and memory a content file of up to 256 KiB costs `check` and, when check
accepts it, the build of the site after the file's publish_at.

    python3 bench/content_budget.py [--random 20] [--seed 1]

Each shape that once hung or crashed a build (issue rows 8 and 9: unclosed links, backticks,
brackets, abbreviations, nested lists, emphasis, quotes, HTML, YAML) fills the English page of
a scheduled alert in a copy of the tests' fixture project, followed by --random shapes built
from the same pieces. Each command runs in its own process; its CPU time and peak memory are
read from the kernel (wait4), so other processes on the machine do not change the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "project"
ALERT = "content/alerts/live-phishing.{lang}.md"
LIMIT = 256 * 1024
FUTURE = "2030-01-01T00:00:00+08:00"
LATER = "2030-06-01T00:00:00+08:00"

SHAPES = {
    "unclosed links [a](": "[a](" * (LIMIT // 4),
    "abbreviations": "".join(f"*[A{i}]: x\n" for i in range(LIMIT // 12)) + "A1\n",
    "backticks": "`" * LIMIT,
    "brackets [": "[" * LIMIT,
    "nested lists": "".join("    " * i + "- a\n" for i in range(360)),
    "nested emphasis *_": "*_" * (LIMIT // 4) + "a" + "_*" * (LIMIT // 4),
    "nested strong **": "**a " * 3000 + "b" + " a**" * 3000,
    "blockquote >": ">" * LIMIT,
    "nested quotes > >": "".join(">" * i + " a\n" for i in range(700)),
    "nested html <div>": '<div markdown="1">\n' * (LIMIT // 19),
    "ordered list 1. 1.": "1. " * (LIMIT // 3) + "a",
}
FRONT = {"nested flow YAML": "x: " + "[" * 3000 + "]" * 3000,
         "YAML alias bomb": "".join(f"{k}: &{k} [" + ", ".join([f"*{p}"] * 9 if p else ['"lol"'] * 9) + "]\n"
                                     for p, k in zip(["", *"abcdefgh"], "abcdefghi"))}
ATOMS = ["[a](", "[", "]", "](", "`", "*", "_", "**a ", "> ", "- ", "1. ", "    ", "\n", "<div>", "*[A]: x\n", "A ",
         "&#46;", "[^1]", "!!! note\n", "|a", "<https://a"]


def project(root: Path, body: str | None = "", front: str = "") -> Path:
    """The fixture project with its alert scheduled for 2030 and the English page's body replaced
    by `body` (None: kept) cut to the size limit, with `front` added to its front matter."""
    shutil.copytree(FIXTURE, root)
    for lang in ("en", "zh"):
        path = root / ALERT.format(lang=lang)
        text = path.read_text(encoding="utf-8")
        text = text.replace("publish_at: 2026-03-01T10:00:00+08:00", f"publish_at: {FUTURE}")
        text = text.replace("updated_at: 2026-03-02T12:00:00+08:00", "updated_at: 2030-01-02T00:00:00+08:00")
        path.write_text(text, encoding="utf-8")
    path = root / ALERT.format(lang="en")
    head, original = path.read_text(encoding="utf-8").split("\n---\n", 1)
    body = original if body is None else body
    if front:
        head = head.replace("severity: warning", f"severity: warning\n{front}")
    head += "\n---\n"
    room = LIMIT - len(head.encode()) - 1
    path.write_text(head + body.encode()[:room].decode(errors="ignore") + "\n", encoding="utf-8")
    return root


def measure(*args: str) -> tuple[int, float, float, str]:
    """(exit status, CPU seconds, peak MB, last line of output) of one alertcast command, stopped
    at 120 s of CPU."""
    limit = "import resource; resource.setrlimit(resource.RLIMIT_CPU, (120, 120)); "
    code = limit + "import sys; from alertcast.cli import main; sys.argv[0] = 'alertcast'; main()"
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        out.seek(0)
        last = (out.read().decode(errors="replace").strip().splitlines() or [""])[-1]
    return os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, last


def random_shape(rng: random.Random) -> str:
    unit = "".join(rng.choice(ATOMS) for _ in range(rng.randint(1, 3)))
    times = rng.choice([10, 100, 1000, 10_000, LIMIT])
    form = rng.choice(["repeated", "nested", "wrapped"])
    if form == "nested":
        return "".join(unit * depth + "a\n" for depth in range(min(times, 2000)))
    if form == "wrapped":
        return unit * times + "a" + unit[::-1] * times
    return unit * times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=20, help="random shapes after the named ones")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cases: list[tuple[str, str | None, str]] = [("fixture as it is", None, "")]
    cases += [(name, body, "") for name, body in SHAPES.items()] + [(name, "", front) for name, front in FRONT.items()]
    cases += [(f"random {i + 1}", random_shape(rng), "") for i in range(args.random)]
    print(f"{'shape':<24} {'check':>6} {'cpu s':>6} {'MB':>5}   {'build':>6} {'cpu s':>6} {'MB':>5}")
    worst = {"check": (0.0, 0.0), "build": (0.0, 0.0)}
    with tempfile.TemporaryDirectory(prefix="alertcast-bench-") as tmp:
        for index, (name, body, front) in enumerate(cases):
            root = project(Path(tmp) / str(index), body, front)
            status, cpu, mb, _last = measure("check", "-p", str(root))
            row = f"{name:<24} {'refuse' if status == 1 else 'pass' if status == 0 else status:>6} {cpu:6.2f} {mb:5.0f}"
            worst["check"] = (max(worst["check"][0], cpu), max(worst["check"][1], mb))
            if status == 0:
                bstatus, bcpu, bmb, last = measure("build", "-p", str(root), "--now", LATER, "--output",
                                                   str(root / "site"))
                row += f"   {'ok' if bstatus == 0 else bstatus:>6} {bcpu:6.2f} {bmb:5.0f}"
                row += "" if bstatus == 0 else f"   {last[:160]}"
                worst["build"] = (max(worst["build"][0], bcpu), max(worst["build"][1], bmb))
            print(row, flush=True)
            shutil.rmtree(root)
    for what, (cpu, mb) in worst.items():
        print(f"worst {what}: {cpu:.2f} s CPU, {mb:.0f} MB peak (whole process, site and every output included)")


if __name__ == "__main__":
    main()
