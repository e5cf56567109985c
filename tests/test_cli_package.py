"""The command line is a package whose arrows point one way, and a command loads only what it uses."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from alertcast.cli import COMMANDS, main

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "alertcast"

#: What `alertcast --help` must not load: each is a library only some commands use.
NOT_FOR_HELP = {
    "mkdocs": "the site build and check's search-size rule",
    "material": "the site build and check's search-size rule",
    "jieba": "Chinese search words (site build, check)",
    "cryptography": "banner signatures (build, publish, keygen)",
    "sqlalchemy": "the state store (outbox, daemon)",
    "apscheduler": "the daemon's scheduler",
    "boto3": "S3 deploys",
    "botocore": "S3 deploys",
    "rich": "build's summary",
    "lxml": "CAP",
    "feedgen": "feeds",
    "icalendar": "the maintenance calendar",
    "pydantic": "the settings in mkdocs.yml",
    "twitter_text": "post lengths",
    "markdown": "pages",
    "jinja2": "post templates",
    "yaml": "mkdocs.yml and front matter",
    "pkg_resources": "nothing: twitter-text's emoji table is read without it (render/length.py)",
}

#: What `alertcast check` must not load: it reads and lints content, it does not render these
#: outputs, sign, deploy, post or schedule.
NOT_FOR_CHECK = {name: NOT_FOR_HELP[name] for name in (
    "cryptography", "sqlalchemy", "apscheduler", "boto3", "botocore", "rich", "lxml", "feedgen", "icalendar")}


def imported(*args: str) -> tuple[set[str], subprocess.CompletedProcess]:
    """The top-level names of every module `python -m alertcast ARGS` imports, from -X importtime."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "alertcast", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    names = {line.split("|")[2].strip() for line in proc.stderr.splitlines()
             if line.startswith("import time:") and line.count("|") == 2}
    return names, proc


def tops(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def test_help_imports_no_command_and_no_heavy_library():
    names, proc = imported("--help")
    assert proc.returncode == 0 and "check" in proc.stdout, proc.stderr[-2000:]
    assert "click" in names and "alertcast.cli" in names  # the measure sees imports at all
    assert sorted(tops(names) & set(NOT_FOR_HELP)) == []
    assert sorted(n for n in names if n.startswith("alertcast.cli.")) == []


def test_check_imports_no_library_it_does_not_use():
    names, proc = imported("check")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "alertcast.checks.lint" in names  # check did read the content
    assert sorted(tops(names) & set(NOT_FOR_CHECK)) == []
    assert "alertcast.scaffold" not in names  # `new`'s templates and explanations


#: What a second `check` of unchanged pages must not load: it renders no page and measures no
#: post's length again (render/diskcache.py), though the alerts post to Mastodon and X.
NOT_FOR_A_WARM_CHECK = {
    "twitter_text": "X and Mastodon lengths, kept from the first check",
    "pkg_resources": "loaded by jieba and twitter-text, neither of which runs",
    "jieba": "Chinese search words, read by the search plugin when a page is rendered",
    "material.plugins": "the search plugin's parser, run when a page is rendered",
}


def test_a_second_check_loads_no_renderer_and_no_length_library_it_does_not_use(project, tmp_path):
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "    channels:\n", "    channels:\n      x: {}\n", 1), encoding="utf-8")
    for path in (project / "content" / "alerts").glob("*.md"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(", mastodon]", ", mastodon, x]"), encoding="utf-8")
    env = {**os.environ, "ALERTCAST_CACHE_DIR": str(tmp_path / "cache")}
    runs = []
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "alertcast", "check", "-p", str(project)],
                              capture_output=True, text=True, timeout=300, env=env)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        runs.append({line.split("|")[2].strip() for line in proc.stderr.splitlines()
                     if line.startswith("import time:") and line.count("|") == 2})
    cold, warm = runs
    assert "material.plugins.search.plugin" in cold  # the first check did render the pages
    assert "twitter_text" in cold  # and measured the posts
    assert "alertcast.checks.lint" in warm
    assert sorted(n for n in warm for heavy in NOT_FOR_A_WARM_CHECK if n == heavy or n.startswith(heavy + ".")) == []


def test_twitter_text_loads_without_pkg_resources_and_reads_the_same_emoji_table():
    measure = ("import hashlib, sys\n{first}from alertcast.render import length\n"
               "n = length.count_x('Scam 🧑🏽‍💻 at https://evil.example.com 诈骗 👨‍👩‍👧 ok')\n"
               "from twitter_text.regexp import emoji\n"
               "print(n, hashlib.sha256(emoji.emoji_raw.encode()).hexdigest(), 'pkg_resources' in sys.modules)")
    plain = subprocess.run([sys.executable, "-c", measure.format(first="")], capture_output=True, text=True,
                           timeout=300, cwd=REPO)
    real = subprocess.run([sys.executable, "-W", "ignore", "-c", measure.format(first="import pkg_resources\n")],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert plain.returncode == 0 and real.returncode == 0, plain.stderr[-2000:] + real.stderr[-2000:]
    count, table, loaded = plain.stdout.split()
    assert loaded == "False" and real.stdout.split() == [count, table, "True"]


@pytest.mark.parametrize("argv", [
    [sys.executable, "-m", "alertcast", "--help"],
    [sys.executable, "-m", "alertcast.cli", "--help"],
    [str(Path(sys.executable).parent / "alertcast"), "--help"],
])
def test_every_way_of_starting_the_command_works(argv):
    proc = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "last-good" in proc.stdout and "verify" in proc.stdout


def test_help_uses_no_deprecated_click_api():
    """Click 9 removes what 8.2 deprecated; `--help` must not lean on any of it."""
    proc = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-m", "alertcast", "--help"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "last-good" in proc.stdout


def test_help_lists_each_command_with_its_own_summary():
    ctx = click.Context(main)
    eager = click.Group(main.name, commands={name: main.get_command(ctx, name) for name in COMMANDS},
                        params=main.params, help=main.help)
    for width in (60, 80, 120):
        lazy_help = main.get_help(click.Context(main, info_name="alertcast", terminal_width=width))
        eager_help = eager.get_help(click.Context(eager, info_name="alertcast", terminal_width=width))
        assert lazy_help == eager_help


def _imports(path: Path) -> set[str]:
    """The alertcast modules `path` imports, anywhere in it (lazy imports too), as dotted names."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found |= {module} | {f"{module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name.startswith("alertcast")}


def test_nothing_outside_the_command_line_imports_it():
    outside = [path for path in PACKAGE.rglob("*.py")  # `python -m alertcast` (__main__.py) starts it
               if PACKAGE / "cli" not in path.parents and path != PACKAGE / "__main__.py"]
    assert len(outside) > 50
    offenders = {str(path.relative_to(PACKAGE)): sorted(n for n in _imports(path) if n.startswith("alertcast.cli"))
                 for path in outside}
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_shared_options_import_no_command_and_commands_no_circle():
    assert [n for n in _imports(PACKAGE / "cli" / "options.py") if n.startswith("alertcast.cli")] == []
    graph = {path.stem: {n.split(".")[2] for n in _imports(path) if n.startswith("alertcast.cli.")}
             for path in (PACKAGE / "cli").glob("*.py") if path.stem not in ("__init__", "__main__")}
    assert graph["posts"] == {"options", "rehearse"}  # the measure sees imports inside functions
    for module, targets in graph.items():
        for target in targets:
            assert module not in graph.get(target, set()), f"cli/{module}.py and cli/{target}.py import each other"


def test_imports_follow_the_layers_of_the_import_linter_contract():
    proc = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0 and "1 kept, 0 broken" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-2000:]


@pytest.mark.parametrize("module", ["alertcast.__main__", "alertcast.cli.__main__"])
def test_importing_the_main_module_starts_no_command(module):
    """multiprocessing's spawn and forkserver import the parent's main module again in each child
    (as `__mp_main__`): the command line must start only when run as `python -m`."""
    script = (f"import runpy\nrunpy.run_module({module!r}, run_name='__mp_main__')\n"
              "print('imported, nothing started')")
    proc = subprocess.run([sys.executable, "-c", script, "check"], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout == "imported, nothing started\n"
