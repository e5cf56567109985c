"""Reloading content in one process parses only the files whose bytes changed."""

from __future__ import annotations

import os
from pathlib import Path

from alertcast.config import load_config
from alertcast.checks.load import load_content
from alertcast.content.parsecache import ParseCache


def _alert_files(project: Path) -> list[Path]:
    return sorted((project / "content" / "alerts").glob("*.md"))


def test_unchanged_files_are_not_parsed_again(project: Path) -> None:
    config = load_config(project)
    cache = ParseCache()
    first, _ = load_content(config, cache=cache)
    parsed_once = cache.parses
    assert first is not None and parsed_once >= len(_alert_files(project))

    second, _ = load_content(config, cache=cache)
    assert cache.parses == parsed_once
    assert second == first


def test_a_changed_file_is_read_again(project: Path) -> None:
    config = load_config(project)
    cache = ParseCache()
    load_content(config, cache=cache)
    before = cache.parses
    path = _alert_files(project)[0]
    text = path.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    path.write_text(text.replace(title, 'title: "Retitled after review"', 1), encoding="utf-8")

    second, _ = load_content(config, cache=cache)
    assert cache.parses == before + 1
    assert second is not None
    titles = {t.title for a in second.alerts for t in a.texts.values()}
    assert "Retitled after review" in titles


def test_a_same_size_edit_in_the_same_instant_is_not_missed(project: Path) -> None:
    """Bytes are compared, not sizes or times, so an edit of equal length keeping the mtime counts."""
    config = load_config(project)
    cache = ParseCache()
    load_content(config, cache=cache)
    path = project / "content" / "alerts" / "expired-airdrop.en.md"
    text = path.read_text(encoding="utf-8")
    stat = path.stat()
    path.write_text(text.replace("Fake airdrop claim page", "Fake airdrop claim PAGE"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    before = cache.parses

    content, _ = load_content(config, cache=cache)
    assert cache.parses == before + 1
    assert content is not None
    assert "Fake airdrop claim PAGE" in {t.title for a in content.alerts for t in a.texts.values()}


def test_alerts_from_unchanged_files_are_the_same_objects(project: Path) -> None:
    """Renderers key their per-alert pieces on the Alert object; an unchanged alert keeps it."""
    config = load_config(project)
    cache = ParseCache()
    first, _ = load_content(config, cache=cache)
    path = project / "content" / "alerts" / "expired-airdrop.en.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Fake airdrop claim page", "Fake airdrop page"),
                    encoding="utf-8")
    second, _ = load_content(config, cache=cache)
    assert first is not None and second is not None
    before = {a.id: a for a in first.alerts}
    for alert in second.alerts:
        assert (alert is before[alert.id]) == (alert.id != "expired-airdrop")
    assert second.alert("expired-airdrop").texts["en"].title == "Fake airdrop page"


def test_files_unchanged_on_disk_are_not_even_read(project: Path) -> None:
    config = load_config(project)
    cache = ParseCache(racy_ns=0)  # trust file times at once, as for files older than a tick
    load_content(config, cache=cache)
    reads, parses = cache.reads, cache.parses
    load_content(config, cache=cache)
    assert (cache.reads, cache.parses) == (reads, parses)

    path = project / "content" / "alerts" / "expired-airdrop.en.md"
    stat = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("Fake airdrop claim page", "Fake airdrop claim PAGE"),
                    encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size, same mtime: ctime still moves
    content, _ = load_content(config, cache=cache)
    assert (cache.reads, cache.parses) == (reads + 1, parses + 1)
    assert content is not None
    assert content.alert("expired-airdrop").texts["en"].title == "Fake airdrop claim PAGE"


def test_a_file_touched_without_change_is_read_but_not_parsed(project: Path) -> None:
    config = load_config(project)
    cache = ParseCache(racy_ns=0)
    load_content(config, cache=cache)
    reads, parses = cache.reads, cache.parses
    path = project / "content" / "alerts" / "expired-airdrop.en.md"
    path.write_bytes(path.read_bytes())
    load_content(config, cache=cache)
    assert (cache.reads, cache.parses) == (reads + 1, parses)


def test_unchanged_files_are_checked_again_when_what_they_refer_to_changes(project: Path) -> None:
    """Problems of an unchanged file are reused only while the guides and settings it is
    checked against are unchanged too."""
    config = load_config(project)
    cache = ParseCache()
    content, problems = load_content(config, cache=cache)
    assert content is not None and not any("related guide" in p.message for p in problems)

    for path in (project / "content" / "guides").glob("spot-phishing.*.md"):
        path.unlink()
    content, problems = load_content(config, cache=cache)
    assert content is None
    assert any("related guide 'spot-phishing' does not exist" in p.message and "live-phishing" in p.path
               for p in problems)

    config.site_url = "https://elsewhere.example/"  # links to the old host are now off-site
    assert load_content(config, cache=cache)[1] == load_content(config, cache=None)[1]
