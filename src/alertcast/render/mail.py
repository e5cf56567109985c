"""An email post, from the text the outbox holds: its subject, its plain-text body and its HTML.

Pure and derived from the row's text alone, so what `posts preview` shows, what the dispatcher
checks against the reviewed content and what the SMTP server receives are one text. The first
line is the subject; the rest is the body. The HTML part escapes every line, links only the
alert's page (the one link the renderer put there, on an allowed domain) and loads nothing
remote: no images, no stylesheets, no tracking.
"""

from __future__ import annotations

import html
import unicodedata

#: Columns of a subject line that mail clients show before cutting it (desktop clients show
#: about 60; wide characters, such as Chinese, take two columns each).
SUBJECT_LIMIT = 60
SUBJECT_UNIT = "columns (wide characters count 2)"


def subject(text: str) -> str:
    return text.split("\n", 1)[0].strip()


def body(text: str) -> str:
    return text.split("\n", 1)[1].strip("\n") if "\n" in text else ""


def columns(text: str) -> int:
    """Display width, as a terminal or a mail client's subject column lays it out."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text
               if not unicodedata.combining(ch) and unicodedata.category(ch) not in ("Mn", "Me", "Cf"))


def subject_fits(text: str) -> bool:
    return columns(subject(text)) <= SUBJECT_LIMIT


def html_body(text: str, lang: str, link: str) -> str:
    """The HTML part: one paragraph per line of the body, the page's link as the only anchor."""
    lines = []
    for line in body(text).split("\n"):
        if not line.strip():
            continue
        if line.strip() == link:
            lines.append(f'<p><a href="{html.escape(link)}">{html.escape(link)}</a></p>')
        else:
            lines.append(f"<p>{html.escape(line)}</p>")
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head><meta charset="utf-8">'
            f"<title>{html.escape(subject(text))}</title></head>\n<body>\n"
            f"<h1>{html.escape(subject(text))}</h1>\n" + "\n".join(lines) + "\n</body>\n</html>\n")


def subject_note(text: str) -> str:
    """How the subject of an email post measures against what mail clients show, for previews."""
    size = columns(subject(text))
    mark = "ok" if size <= SUBJECT_LIMIT else "longer than most mail clients show (shorten the title)"
    return f"subject: {size}/{SUBJECT_LIMIT} {SUBJECT_UNIT} {mark}"
