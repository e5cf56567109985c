"""Zensical as the site engine: `zensical build` on the staged tree, as a separate program.

Zensical reads mkdocs.yml and Material's templates (alertcast's overrides included) but runs no
Python plugins or hooks, so the staged configuration is all it gets. It differs from mkdocs in
what docs/site.md lists ("Zensical"); `adapt` makes the staged configuration say in plain data
what mkdocs gets as Python values.

It runs within the site's time limit (`extra.alertcast.site.time_limit`, the one every engine
obeys), in the staged folder, with an environment that carries no secret of
this process (no signing key, no channel token) and no proxy but a closed port.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import yaml

from ..problems import ContentError, Problem, SiteBuildError, display_path
from . import buildpaths

#: What a staged build passes on from this process's environment: nothing else (no secret).
KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT")
#: Where a network request of the build would go: nowhere (a closed port).
NO_NETWORK = "http://127.0.0.1:9"
#: Overrides that copy a Material partial Zensical replaced: Zensical keeps its own (its search
#: is a button that opens a dialog, and the dialog is already named for screen readers).
MATERIAL_ONLY = ("partials/search.html",)
INSTALL_HINT = "install it (pip install zensical) or set extra.alertcast.site.engine: mkdocs in mkdocs.yml"


def installed() -> bool:
    return importlib.util.find_spec("zensical") is not None


class ZensicalEngine:
    name = "zensical"

    def __init__(self, root: Path, time_limit: float):
        """`time_limit`: the seconds one language's build may take (1,000 alerts take about 10 s
        on one core); the program is killed past it."""
        self.root = root
        self.time_limit = time_limit

    def build(self, raw: dict, work: Path, now: datetime, pages: None = None) -> Path:
        # Zensical renders every page: no pages are reused (render/incremental.py is mkdocs')
        if not installed():
            raise SiteBuildError(f"the site engine is Zensical, which is not installed: {INSTALL_HINT}")
        problems = template_problems(Path(raw["theme"]["custom_dir"]), self.root)
        if problems:
            raise ContentError(problems)
        config_file = work / "mkdocs.yml"
        config_file.write_text(yaml.safe_dump(adapt(raw, work), allow_unicode=True, sort_keys=False),
                               encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k in KEPT_ENV}
        env.update(SOURCE_DATE_EPOCH=str(int(now.timestamp())), NO_COLOR="1", HTTP_PROXY=NO_NETWORK,
                   HTTPS_PROXY=NO_NETWORK, ALL_PROXY=NO_NETWORK, http_proxy=NO_NETWORK, https_proxy=NO_NETWORK,
                   NO_PROXY="", no_proxy="")
        try:
            proc = subprocess.run([sys.executable, "-m", "zensical", "build", "--clean", "-f", str(config_file)],
                                  cwd=work, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                  timeout=self.time_limit)
        except subprocess.TimeoutExpired:
            raise SiteBuildError(f"Zensical did not finish building the site within its time limit "
                                 f"({self.time_limit:g} s) and was stopped; nothing was published: raise "
                                 "extra.alertcast.site.time_limit in mkdocs.yml if the site really needs longer, or "
                                 "build with extra.alertcast.site.engine: mkdocs, which names a theme template that "
                                 "never ends") from None
        if proc.returncode != 0:
            said = " ".join(line.strip() for line in (proc.stderr or proc.stdout).splitlines() if line.strip())
            said = said.replace(str(work) + os.sep, "")[-1000:]
            if "template" in said.lower():
                raise ContentError([Problem(display_path(self.root / "mkdocs.yml", self.root), 1, 1, "error",
                                            f"Zensical cannot build the site: {said}",
                                            "fix the theme templates named in theme.custom_dir, "
                                            "or remove the setting")])
            raise SiteBuildError(f"Zensical could not build the site: {said}")
        spec = importlib.util.find_spec("zensical")
        paths = buildpaths.machine_paths(work, self.root, [os.path.dirname(spec.origin)] if spec and spec.origin else [])
        for page in sorted((work / "site").rglob("*")):
            if page.suffix in (".html", ".xml") and page.is_file() and not page.is_symlink():
                try:
                    buildpaths.check(page.read_text(encoding="utf-8", errors="replace"),
                                     page.relative_to(work / "site").as_posix(), paths)
                except buildpaths.BuildPathInPage as exc:
                    raise ContentError([buildpaths.problem(exc, raw["theme"].get("custom_dir"), self.root)]) from None
        return work / "site"


def template_problems(custom_dir: Path, root: Path) -> list[Problem]:
    """Zensical's template loader follows `..` and absolute names out of the theme folder, so
    `{% include '/home/.../signing.key' %}` in a project's theme published that file. A
    template a theme's templates include, import or extend must be named by a path inside the
    theme: a constant without `..` (or, for Material's icons, a constant folder and `.svg` around
    a value)."""
    from jinja2 import Environment, TemplateSyntaxError, nodes

    def inside(value: object) -> bool:
        return isinstance(value, str) and not value.startswith("/") and ".." not in value.split("/")

    def named_inside(node: nodes.Node) -> bool:
        if isinstance(node, nodes.Const):
            return inside(node.value)
        if isinstance(node, (nodes.List, nodes.Tuple)):
            return all(named_inside(item) for item in node.items)
        parts = list(node.nodes) if isinstance(node, nodes.Concat) else []
        return (len(parts) >= 2 and isinstance(parts[0], nodes.Const) and inside(parts[0].value) and parts[0].value
                and isinstance(parts[-1], nodes.Const) and inside(parts[-1].value) and parts[-1].value.endswith(".svg"))

    problems = []
    for path in sorted(custom_dir.rglob("*.html")):
        if path.is_symlink() or not path.is_file():
            continue
        try:
            tree = Environment().parse(path.read_text(encoding="utf-8"))
        except (TemplateSyntaxError, UnicodeDecodeError, ValueError):
            continue  # Zensical reports it
        for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
            if not named_inside(node.template):
                problems.append(Problem(display_path(path, root), node.lineno, 1, "error",
                                        "this template names a file outside the theme folder (`..`, an absolute "
                                        "path or a name made of values): Zensical would publish that file",
                                        "name the template by its path in the theme folder"))
    return problems


def adapt(raw: dict, work: Path) -> dict:
    """The staged configuration as Zensical reads it: folders relative to it (Zensical wants
    them inside the configuration's folder), the heading slugs that mkdocs gets as a Python
    function named as data, and the theme's own files (verify.js) copied into the docs, as
    Zensical takes templates only from `custom_dir`."""
    from .extensions import python_options

    out = {**raw, "docs_dir": os.path.relpath(raw["docs_dir"], work), "site_dir": "site"}
    extensions = []
    for item in python_options(raw)["markdown_extensions"]:
        if isinstance(item, dict) and "toc" in item and callable(item["toc"].get("slugify")):
            item = {"toc": {**item["toc"], "slugify": {"object": "pymdownx.slugs.slugify", "kwds": {"case": "lower"}}}}
        extensions.append(item)
    out["markdown_extensions"] = extensions
    custom_dir = Path(raw["theme"]["custom_dir"])
    theme = work / "zensical-theme"
    for source in sorted(custom_dir.rglob("*")):
        if not source.is_file() or source.is_symlink():
            continue
        name = source.relative_to(custom_dir)
        if source.suffix != ".html":  # the theme's own files (verify.js): into the docs
            target = Path(raw["docs_dir"]) / name
        elif name.as_posix() in MATERIAL_ONLY:
            continue
        else:
            target = theme / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    # The look of the mkdocs build (Zensical's "modern" one greys the current page's link in the
    # navigation below WCAG's contrast), unless the project chose one.
    out["theme"] = {"variant": "classic", **raw["theme"], "custom_dir": str(theme)}
    return out
