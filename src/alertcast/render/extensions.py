"""mkdocs.yml's markdown_extensions as the staged site gets them: the user's, those alertcast's
pages need, the sanitiser last, and what only Python can say (the slug function). Apart from
site.py because every site engine reads them too."""

from __future__ import annotations

import copy

from ..config import extension_name

#: Markdown extensions the staged pages need (the withdrawn and expired notices are admonitions);
#: added to the user's markdown_extensions when missing.
#: md_in_html: a text shown in the language a page falls back to is marked with its own lang.
REQUIRED_EXTENSIONS = ("admonition", "md_in_html")
#: The Python-Markdown extension that cleans every page's HTML (see render/sanitize.py).
SANITIZER = "alertcast.render.sanitize"


def markdown_extensions(value: list | dict | None) -> list:
    """The user's extensions, plus the ones alertcast's generated Markdown needs, and the
    sanitiser last (render/sanitize.py)."""
    if isinstance(value, dict):  # mkdocs also accepts a mapping of name -> options
        items: list = [{name: options} if options else name for name, options in value.items()]
    else:
        items = list(value or [])
    items = [item for item in items if extension_name(item) != SANITIZER]
    names = {extension_name(item) for item in items}
    return items + [name for name in REQUIRED_EXTENSIONS if name not in names] + [SANITIZER]


def toc_options(items: list, defaults: dict) -> list:
    """`items` with the toc extension's options completed by `defaults` (the user's own win);
    toc is added when missing (mkdocs always loads it)."""
    out, found = [], False
    for item in items:
        if extension_name(item) == "toc":
            found = True
            name, options = next(iter(item.items())) if isinstance(item, dict) else (item, None)
            item = {name: {**defaults, **(options or {})}}
        out.append(item)
    return out if found else [*out, {"toc": dict(defaults)}]


def python_options(raw: dict) -> dict:
    """What `site_config`'s plain data cannot hold, as mkdocs.load_config options over it: Python
    values that mkdocs.yml could only name with a !!python tag (which Zensical does not run).

    Heading anchors are Unicode slugs that read like the heading (#与本文相关的警报, not
    #_1, #_2, which change when a heading is added above), lower-case, as pymdownx.slugs makes them.
    """
    from pymdownx.slugs import slugify

    # A copy: mkdocs empties the mappings of the list it validates.
    extensions = copy.deepcopy(raw["markdown_extensions"])
    return {"markdown_extensions": toc_options(extensions, {"slugify": slugify(case="lower")})}
