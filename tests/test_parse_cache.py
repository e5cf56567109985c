"""A long-running process reloads content after every sync: unchanged files come from the parse
cache, a changed file is always parsed again, even when its size and mtime did not change."""

from __future__ import annotations

import os

from alertcast.config import load_config
from alertcast.content.loader import PARSE_CACHE, load_content, load_or_raise

ALERT_EN = "content/alerts/live-phishing.en.md"


def test_reload_parses_only_the_changed_file_even_with_the_same_size_and_mtime(project):
    config = load_config(project)
    load_or_raise(config)
    files = len(list((project / "content").rglob("*.md")))
    misses, hits = PARSE_CACHE.misses, PARSE_CACHE.hits
    load_or_raise(config)
    assert (PARSE_CACHE.misses - misses, PARSE_CACHE.hits - hits) == (0, files)

    path = project / ALERT_EN
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    assert "Phishing site poses as the wallet" in text
    path.write_text(text.replace("Phishing site poses as the wallet", "Phishing site poses as the wallep"),
                    encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime
    misses, hits = PARSE_CACHE.misses, PARSE_CACHE.hits
    content = load_or_raise(config)
    assert (PARSE_CACHE.misses - misses, PARSE_CACHE.hits - hits) == (1, files - 1)
    assert content.alert("live-phishing").texts["en"].title == "Phishing site poses as the wallep"


def test_a_cached_file_still_reports_its_problems_on_every_load(project):
    path = project / ALERT_EN
    path.write_text(path.read_text(encoding="utf-8").replace("severity:", "serverity:", 1), encoding="utf-8")
    config = load_config(project)
    for _ in range(2):
        content, problems = load_content(config)
        assert content is None
        assert any(p.path == ALERT_EN and "serverity" in p.message for p in problems)
