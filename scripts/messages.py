#!/usr/bin/env python3
"""Keep the message catalogue in step with the code: extract, update, compile.

    python3 scripts/messages.py          # alertcast.pot from the code, merged into zh's .po, .mo compiled
    python3 scripts/messages.py --check  # exit 1 when the .pot, .po or .mo is out of date

The editor-facing messages are the text the commands print: arguments of `Problem(...)`,
`hint_error`, `text_error`, `ValueError`, `click.echo`, `ClickException`, `ScaffoldError`,
`self.fail`, `log.info`/`log.error`, and of `N_(...)` wherever else a message is written; and the
explanations in the front matter `alertcast new` writes (each `# key: ...` comment of scaffold.py's templates).
An f-string becomes a template: `f"unknown key '{key}'"` is the msgid `unknown key '{key}'`,
and each `{...}` is a value the translation keeps.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "alertcast"
LOCALE = PACKAGE / "locale"
POT = LOCALE / "alertcast.pot"
LANGS = ("zh",)

#: The modules whose messages an editor reads (check, new, report, status, preview, posts preview).
MODULES = (
    "cli/content.py", "cli/options.py", "config.py", "validation.py", "yamlsource.py", "scaffold.py", "report.py", "compare.py",
    "gitrefs.py", "preview.py", "pipeline.py", "i18n.py",
    "content/loader.py", "checks/lint.py", "content/frontmatter.py", "content/addresses.py",
    "content/links.py", "content/sitelinks.py", "content/placeholders.py", "content/budget.py", "content/official.py",
    "effects.py",
    "schedule.py",
    "cli/posts.py", "cli/daemon.py", "render/push.py", "render/mail.py", "cli/outputs.py",
    "render/mkdocs_engine.py", "render/zensical_engine.py", "render/site.py", "render/incremental.py",
    "render/buildpaths.py",
)

#: Modules where only N_("...") is a message (the rest is how messages are printed).
MARKED_ONLY = {"i18n.py", "cli/outputs.py"}  # cli/outputs: only preview's message is the editor's
#: Modules where only the errors they raise are messages (the rest is the site's own text, which
#: render/labels.py and the theme translate).
ERRORS_ONLY = {"render/site.py", "render/incremental.py", "render/buildpaths.py"}
ERROR_CALLS = {"Problem", "SiteBuildError"}

#: Calls whose string arguments are messages.
CALLS = {"Problem", "hint_error", "text_error", "ValueError", "echo", "ClickException", "ScaffoldError",
         "fail", "N_", "GitError", "ContentError", "UsageError", "BadParameter", "problem", "YamlSyntaxError", "_named", "tr", "SiteBuildError"}
LOG_CALLS = {"info", "error", "warning"}


def template(node: ast.expr) -> str | None:
    """The msgid a string or f-string is written from, or None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}") if False else node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue):
                text = ast.unparse(value.value)
                if value.conversion == ord("r"):
                    text += "!r"
                if value.format_spec is not None:
                    text += ":" + "".join(str(v.value) for v in value.format_spec.values
                                          if isinstance(v, ast.Constant))
                parts.append("{" + text + "}")
        return "".join(parts)
    return None


def _name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _strings(node: ast.expr):
    """Strings of an argument, through `a if c else b` and `(a, b)` tuples."""
    if isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("strip", "rstrip"):
        yield from _strings(node.func.value)  # f"...".rstrip()
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings(value)
    elif isinstance(node, ast.ListComp):
        yield from _strings(node.elt)
    elif isinstance(node, ast.BoolOp):
        for item in node.values:
            yield from _strings(item)
    elif isinstance(node, (ast.Tuple, ast.List)):
        for item in node.elts:
            yield from _strings(item)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _strings(node.left)
        yield from _strings(node.right)
    else:
        text = template(node)
        if text is not None:
            yield node.lineno, text


def is_message(text: str) -> bool:
    """Text an editor reads: English words, not a key, a format, a path, a page or a file template."""
    fixed = PLACEHOLDER.sub("", text)
    if text.startswith(("---\n", "<")) or "{MARK}" in text or re.search(r"[\u4e00-\u9fff]", fixed):
        return False
    if len(PLACEHOLDER.findall(text)) >= 2 and ": " in fixed and "\n" not in text:
        return True  # "'{key}': {msg}": a message around another one
    letters = sum(c.isalpha() for c in fixed)
    spaced = " " in (fixed if PLACEHOLDER.search(text) else fixed.strip())
    return letters >= 2 and (spaced or text in ("error", "warning"))


def extract(fileobj, keywords, comment_tags, options):  # noqa: ARG001 (Babel's extractor signature)
    """A Babel extraction method: (lineno, funcname, message, comments) for each message."""
    tree = ast.parse(fileobj.read().decode("utf-8"))
    only_marked = (options or {}).get("only_marked", False)
    only_errors = (options or {}).get("only_errors", False)
    for node in ast.walk(tree):
        found: list[tuple[int, str]] = []
        if only_marked and not (isinstance(node, ast.Call) and _name(node.func) in ("N_", "tr")):
            continue
        if only_errors and not (isinstance(node, ast.Call) and _name(node.func) in ERROR_CALLS):
            continue
        if isinstance(node, ast.Call):
            name = _name(node.func)
            is_log = (name in LOG_CALLS and isinstance(node.func, ast.Attribute)
                      and isinstance(node.func.value, ast.Name) and node.func.value.id == "log")
            if name in CALLS or is_log:
                for arg in [*node.args, *(k.value for k in node.keywords if k.arg in ("message", "hint", "msg"))]:
                    found.extend(_strings(arg))
        elif isinstance(node, ast.Return) and node.value is not None:
            found.extend(_strings(node.value))
        elif isinstance(node, ast.Assign) and (any(
                isinstance(t, (ast.Name, ast.Tuple)) and {n.id for n in ast.walk(t) if isinstance(n, ast.Name)}
                & {"message", "hint", "fallback", "msg", "what", "reason", "advice", "said"} for t in node.targets) or any(
                isinstance(t, ast.Name) and t.id.isupper() for t in node.targets)):
            found.extend(_strings(node.value))
        marked = isinstance(node, ast.Call) and _name(node.func) in ("N_", "tr")  # a word alone, on purpose
        for lineno, text in found:
            if (marked or is_message(text)) and "%" not in text:
                yield lineno, "", text, []


def scaffold_explanations(source: str):
    """(lineno, text) of each explanation in the templates of `alertcast new` (scaffold.TEMPLATES)."""
    from alertcast.scaffold import explanations

    for node in ast.parse(source).body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                and any(isinstance(t, ast.Name) and t.id in ("ALERT", "GUIDE") for t in node.targets)):
            for offset, text in explanations(node.value.value):
                yield node.lineno + offset, text


def build_catalog() -> Catalog:
    catalog = Catalog(project="alertcast", domain="alertcast", charset="utf-8", fuzzy=False)
    for relative in MODULES:
        path = PACKAGE / relative
        if not path.exists():
            continue
        with path.open("rb") as f:
            found = [(lineno, text) for lineno, _, text, _ in extract(f, (), (), {"only_marked": relative in MARKED_ONLY,
                                                                               "only_errors": relative in ERRORS_ONLY})]
        if relative == "scaffold.py":
            found += scaffold_explanations(path.read_text(encoding="utf-8"))
        for lineno, text in found:
            catalog.add(text, locations=[(f"src/alertcast/{relative}", lineno)], flags=("python-brace-format",)
                        if "{" in text else ())
    return catalog


def _po_bytes(catalog: Catalog, **kw) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, omit_header=False, sort_output=True, **kw)
    return out.getvalue()


def _mo_bytes(catalog: Catalog) -> bytes:
    """The compiled catalogue, the same bytes for the same messages (no dates in its header)."""
    catalog.creation_date = catalog.revision_date = datetime(2026, 1, 1, tzinfo=timezone.utc)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def files() -> dict[Path, bytes]:
    """Every catalogue file as it should be on disk."""
    template_catalog = build_catalog()
    wanted = {POT: _strip_date(_po_bytes(template_catalog))}
    for lang in LANGS:
        po_path = LOCALE / lang / "LC_MESSAGES" / "alertcast.po"
        if po_path.exists():
            with po_path.open("rb") as f:
                catalog = read_po(f, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="alertcast", domain="alertcast")
        catalog.update(template_catalog, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        wanted[po_path] = _strip_date(_po_bytes(catalog, ignore_obsolete=True))
        wanted[po_path.with_suffix(".mo")] = _mo_bytes(catalog)
    return wanted


def _strip_date(po: bytes) -> bytes:
    """No creation or revision date: the files change only when the messages do."""
    lines = [line for line in po.split(b"\n") if not line.startswith((b'"POT-Creation-Date:', b'"PO-Revision-Date:'))]
    return b"\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a catalogue file is out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, data in files().items():
        if not path.exists() or path.read_bytes() != data:
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    for path in stale:
        print(f"{'out of date' if args.check else 'written'}: {path.relative_to(ROOT)}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
