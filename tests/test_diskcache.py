"""Pages rendered by one command are not rendered again by the next: `check`'s render verdicts
and the knowledge base's sections are kept on disk by content hash, outside the project, and a
cache that is missing, corrupt, forged or unwritable changes nothing but the time taken."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import NOW

from alertcast.checks.load import load_content
from alertcast.config import load_config
from alertcast.content.budget import FILE_CPU_SECONDS
from alertcast.pipeline import build, prepare
from alertcast.render.diskcache import ENV, FILE, DiskCache, default_folder
from alertcast.render.length import Lengths

ALERT_EN = "content/alerts/live-phishing.en.md"
ALERT_ZH = "content/alerts/live-phishing.zh.md"
LENGTH = Lengths.KIND
DEEP = "**a " * 3000 + "b" + " a**" * 3000  # too deep to render (tests/test_security.py)


def _check(project: Path, folder: Path | None) -> tuple[list, DiskCache]:
    """`check`'s load of `project` with the render cache in `folder` (None: none), saved after."""
    renders = DiskCache(folder)
    _content, problems = load_content(load_config(project), budget=FILE_CPU_SECONDS, renders=renders)
    renders.save()
    return problems, renders


def _pages(project: Path) -> int:
    return len(list((project / "content").rglob("*.md")))


def _edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _deepen(project: Path) -> None:
    path = project / ALERT_EN
    head = path.read_text(encoding="utf-8").split("\n---\n", 1)[0] + "\n---\n"
    path.write_text(head + DEEP + "\n", encoding="utf-8")


def _made(cache: DiskCache) -> int:
    """Entries of every kind the command had to make: pages rendered, files parsed, lengths measured."""
    return cache.missed + sum(n for (_kind, what), n in cache.tally.items() if what == "missed")


def _rows(folder: Path) -> dict[str, str]:
    with sqlite3.connect(folder / FILE) as db:
        return dict(db.execute("SELECT key, value FROM entries"))


def test_a_second_check_renders_no_page_again_and_an_edited_page_is_rendered_again(project, tmp_path):
    folder = tmp_path / "cache"
    first, cold = _check(project, folder)
    assert cold.missed == _pages(project) and cold.found == 0
    measured = cold.tally[LENGTH, "missed"]  # the Mastodon posts' texts, measured by twitter-text
    assert measured > 0 and cold.written == _pages(project) + measured
    second, warm = _check(project, folder)
    assert warm.missed == 0 and warm.found == _pages(project)  # no page rendered again
    assert warm.tally[LENGTH, "missed"] == 0 and warm.tally[LENGTH, "found"] == measured  # no length measured again
    assert second == first and warm.written == 0
    _edit(project, ALERT_EN, "\n\nScammers run", "\n\nFraudsters run")  # the body, not the summary
    _third, edited = _check(project, folder)
    assert edited.missed == 1 and edited.found == _pages(project) - 1
    assert edited.tally[LENGTH, "missed"] == 0  # the posts did not change
    _edit(project, ALERT_ZH, "诱导用户", "引诱用户")  # the summary Mastodon posts (in Chinese)
    fourth, posted = _check(project, folder)
    assert 0 < posted.tally[LENGTH, "missed"] < measured  # that alert's posts, measured again
    assert fourth == _check(project, None)[0]


def test_a_warm_check_reads_every_pages_verdict_in_one_query(project, tmp_path):
    folder = tmp_path / "cache"
    first, _cold = _check(project, folder)
    second, warm = _check(project, folder)
    assert second == first and warm.found == _pages(project) > 2
    lengths = warm.tally[LENGTH, "found"] + warm.tally[LENGTH, "missed"]  # read when a post is measured
    assert warm.queries == 1 + lengths  # not one per page


def test_many_entries_are_read_in_one_query_as_one_by_one(tmp_path):
    cache = DiskCache(tmp_path / "cache")
    keys = [cache.key("renders", n) for n in range(40_000)]  # more than SQLite's parameters of one query
    stored = {key: n % 3 == 0 for n, key in enumerate(keys) if n % 2 == 0}
    for key, value in stored.items():
        cache.put(key, value)
    cache.save()
    fresh = DiskCache(tmp_path / "cache")
    assert fresh.get_many(keys + keys[:4], lambda v: isinstance(v, bool)) == stored
    assert fresh.queries == 1 and fresh.found == 20_002 and fresh.missed == 20_002
    one_by_one = DiskCache(tmp_path / "cache")
    assert {key: one_by_one.get(key) for key in keys[:100] if one_by_one.get(key) is not None} == \
        fresh.get_many(keys[:100])
    assert DiskCache(None).get_many(keys) == {}


def test_an_sqlite_without_json_functions_gives_the_same_rows_a_few_hundred_at_a_time():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE entries (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.executemany("INSERT INTO entries VALUES (?, ?)", [(str(n), f"v{n}") for n in range(1200)])

    class WithoutJson:
        """A connection to an SQLite built without its JSON functions, as some distributions ship it."""

        def execute(self, query: str, parameters: object) -> sqlite3.Cursor:
            if "json_each" in query:
                raise sqlite3.OperationalError("no such table: json_each")
            return db.execute(query, parameters)

    wanted = [str(n) for n in range(0, 2400, 2)]
    assert sorted(DiskCache._select_many(WithoutJson(), wanted)) == sorted(DiskCache._select_many(db, wanted))
    assert len(DiskCache._select_many(db, wanted)) == 600


def test_keys_made_together_are_the_keys_made_one_by_one(tmp_path):
    cache = DiskCache(tmp_path / "cache")
    last = ["a page", "é\ud800 中文", {"a": [1, 2]}, None, 1.5, ""]
    assert cache.keys("renders", "zh", "{'toc': 1}", 2.0, 800, last=last) == [
        cache.key("renders", "zh", "{'toc': 1}", 2.0, 800, item) for item in last]
    assert len(set(cache.keys("renders", "zh", last=last))) == len(last)


def test_a_corrupt_or_foreign_entry_is_rendered_again_with_the_result_of_no_cache(project, tmp_path):
    _deepen(project)
    uncached, _ = _check(project, None)
    assert any("nested too deeply" in p.message for p in uncached)
    folder = tmp_path / "cache"
    assert _check(project, folder)[0] == uncached
    rows = _rows(folder)
    deep_key = next(key for key, value in rows.items() if value.endswith(":true}"))
    fine = next(value for value in rows.values() if value.endswith(":false}"))
    with sqlite3.connect(folder / FILE) as db:  # another page's verdict copied under the deep page's key,
        db.execute("UPDATE entries SET value = ? WHERE key = ?", (fine, deep_key))  # and the rest garbage
        db.execute("UPDATE entries SET value = substr(value, 1, 20) WHERE key != ?", (deep_key,))
    problems, renders = _check(project, folder)
    assert problems == uncached and renders.found == 0 and renders.missed == _pages(project)
    assert _check(project, folder)[1].missed == 0  # rendered again, the entries are whole again


def test_a_cache_file_that_is_not_a_database_is_started_again(project, tmp_path):
    uncached, _ = _check(project, None)
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / FILE).write_bytes(b"not sqlite at all\n" * 100)
    problems, renders = _check(project, folder)
    assert problems == uncached and renders.missed == _pages(project)
    assert _check(project, folder)[1].found == _pages(project)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_check_and_build_give_the_same_bytes_with_a_cold_a_warm_and_no_cache(cli, project, tmp_path):
    _edit(project, ALERT_EN, "Scammers run", "**Scammers** run")  # a warning, so check prints something
    folder = tmp_path / "cache"
    runs = {}
    for name, where in (("cold", folder), ("warm", folder), ("off", "off")):
        checked = cli("check", "-p", project, env={ENV: str(where)})
        out = tmp_path / f"out-{name}"
        built = cli("build", "-p", project, "--no-site", "--now", NOW.isoformat(), "-o", out, env={ENV: str(where)})
        assert built.exit_code == 0, built.output
        runs[name] = (checked.exit_code, checked.stdout, _files(out))
        if name == "cold":
            written = _rows(folder)
            assert written  # check and build did fill it
    assert runs["warm"] == runs["cold"] == runs["off"]
    assert _rows(folder) == written  # the warm run found every entry, so it wrote none
    assert any(out for _code, out, _files in runs.values())


def test_a_build_renders_no_knowledge_base_page_again(project, tmp_path):
    config, folder = load_config(project), tmp_path / "cache"
    first = build(config, NOW, tmp_path / "a", with_site=False, renders=(cold := DiskCache(folder)))
    assert cold.missed > 0 and cold.written == _made(cold)
    assert cold.tally[LENGTH, "missed"] > 0
    second = build(config, NOW, tmp_path / "b", with_site=False, renders=(warm := DiskCache(folder)))
    assert warm.missed == 0 and warm.found == cold.missed
    assert _made(warm) == 0 and warm.written == 0  # no length measured again either
    assert second.files == first.files
    _edit(project, ALERT_EN, "\n\nScammers run", "\n\nFraudsters run")
    third = build(config, NOW, tmp_path / "c", with_site=False, renders=(edited := DiskCache(folder)))
    assert edited.missed == 1  # the edited page, in its language; nothing else is rendered again
    assert "Fraudsters run" in third.files["api/v1/kb/en.jsonl"].decode()


def test_a_cache_folder_inside_the_project_is_not_used(cli, project, tmp_path):
    outside = tmp_path / "link"
    outside.symlink_to(project / "content", target_is_directory=True)
    for where in (project / ".cache", project / "content" / "x", outside / "y"):
        assert not DiskCache.for_project(project, {ENV: str(where)}).enabled
        result = cli("check", "-p", project, env={ENV: str(where)})
        assert result.exit_code == 0, result.output
        assert not (project / ".cache").exists() and not list((project / "content").rglob(FILE))
    assert DiskCache.for_project(project, {ENV: str(tmp_path / "cache")}).enabled


def test_an_unwritable_cache_costs_no_error(cli, project, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way\n", encoding="utf-8")
    expected = cli("check", "-p", project, env={ENV: "off"})
    result = cli("check", "-p", project, env={ENV: str(blocker / "cache")})  # its folder cannot be made
    assert (result.exit_code, result.output) == (expected.exit_code, expected.output)
    built = cli("build", "-p", project, "--no-site", "--now", NOW.isoformat(), "-o", tmp_path / "out",
                env={ENV: str(blocker / "cache")})
    assert built.exit_code == 0, built.output
    for folder in (blocker / "cache", tmp_path / "held"):
        (tmp_path / "held" / FILE).mkdir(parents=True, exist_ok=True)  # a folder where the file would be
        renders = DiskCache(folder)
        renders.put(renders.key("x"), True)
        renders.save()
        assert renders.written == 0 and renders.get(renders.key("x")) is None
    assert (tmp_path / "held" / FILE).is_dir()  # what is in the way is left as it is


def test_a_cache_locked_by_another_process_is_waited_for_then_left_alone(tmp_path):
    folder = tmp_path / "cache"
    first = DiskCache(folder)
    first.put(first.key("kept"), 1)
    first.save()
    with sqlite3.connect(folder / FILE, isolation_level=None) as other:
        other.execute("BEGIN EXCLUSIVE")  # another process writing for longer than the wait
        busy = DiskCache(folder, wait=0.1)
        busy.put(busy.key("new"), 2)
        busy.save()
        assert busy.written == 0
        other.execute("COMMIT")
    assert DiskCache(folder).get(first.key("kept")) == 1  # the file was not started again
    busy.put(busy.key("new"), 2)
    busy.save()  # the next save (a daemon's next publish) tries again
    assert busy.written == 1 and DiskCache(folder).get(busy.key("new")) == 2


def test_two_checks_at_once_share_one_cache(project, tmp_path):
    env = {**os.environ, ENV: str(tmp_path / "cache")}
    runs = [subprocess.Popen([sys.executable, "-m", "alertcast", "check", "-p", str(project)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outs
    assert outs[0] == outs[1] and "Traceback" not in outs[0][1]
    assert _check(project, tmp_path / "cache")[1].missed == 0


def test_the_cache_lives_in_the_users_cache_folder_unless_told_otherwise(tmp_path):
    home = Path.home()
    assert default_folder({}) == home / ".cache" / "alertcast"
    assert default_folder({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "alertcast"
    assert default_folder({"XDG_CACHE_HOME": "relative"}) == home / ".cache" / "alertcast"
    assert default_folder({ENV: str(tmp_path / "c"), "XDG_CACHE_HOME": "/x"}) == tmp_path / "c"
    assert default_folder({ENV: "off"}) is None


def test_the_cache_stays_bounded(tmp_path):
    renders = DiskCache(tmp_path / "cache", limit=10)
    for round in range(3):
        for i in range(8):
            renders.put(renders.key("n", round, i), i)
        renders.save()
    rows = _rows(tmp_path / "cache")
    assert len(rows) <= 10
    assert DiskCache(tmp_path / "cache").get(renders.key("n", 2, 7)) == 7  # the newest stay
    assert DiskCache(tmp_path / "cache").get(renders.key("n", 0, 0)) is None


def test_a_restarted_daemon_renders_no_knowledge_base_page_again(project, tmp_path):
    from alertcast.content.parsecache import ParseCache
    from alertcast.daemon.seams import Pipeline

    config, folder = load_config(project), tmp_path / "cache"
    releases = []
    for run in range(2):  # the daemon's pipeline and its caches, as one run and the next have them
        pipeline = Pipeline(ParseCache(), renders=DiskCache(folder))
        prepared = prepare(config, NOW, tmp_path / f"out-{run}", with_site=False, cache=pipeline.cache,
                           parsed=pipeline.parsed)  # what pipeline.prepare runs, without the site
        prepared.discard()
        releases.append((pipeline.cache.disk, prepared.files))
    (first, files), (second, again) = releases
    assert first.missed > 0 and first.written == _made(first)
    assert second.missed == 0 and second.found == first.missed and again == files


def _forge_fine(project: Path, folder: Path) -> None:
    """Store, under the deep page's own key, the verdict that it renders."""
    _deepen(project)
    _check(project, folder)
    deep_key = next(key for key, value in _rows(folder).items() if value.endswith(":true}"))
    with sqlite3.connect(folder / FILE) as db:
        db.execute("UPDATE entries SET value = ? WHERE key = ?", (f'{{"key":"{deep_key}","value":false}}', deep_key))


def test_a_cache_others_can_write_is_not_used(project, tmp_path):
    """A cache folder or file another user can write (a shared `/tmp/cache`, a folder made by
    someone else) could hold a forged verdict: `check` would pass a page that hangs the build."""
    folder = tmp_path / "cache"
    _forge_fine(project, folder)
    assert not any("nested too deeply" in p.message for p in _check(project, folder)[0])  # the forgery works here
    cases = [lambda: folder.chmod(0o777), lambda: (folder / FILE).chmod(0o666)]
    if os.getuid() == 0:
        cases.append(lambda: os.chown(folder, 65534, 65534))  # another user's folder
    for make_shared in cases:
        os.chown(folder, os.getuid(), os.getgid())
        folder.chmod(0o700)
        (folder / FILE).chmod(0o600)
        make_shared()
        problems, renders = _check(project, folder)
        assert any("nested too deeply" in p.message for p in problems)
        assert renders.found == 0 and renders.written == 0


def _limits() -> None:
    """A query that never ends fails here instead of stalling the suite."""
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))


def _check_process(project: Path, folder: str) -> tuple[int, str]:
    run = subprocess.run([sys.executable, "-m", "alertcast", "check", "-p", str(project)], capture_output=True,
                         text=True, env={**os.environ, ENV: folder, "ALERTCAST_LANG": "en"}, preexec_fn=_limits,
                         timeout=600)
    return run.returncode, run.stdout + run.stderr


@pytest.mark.parametrize("schema", [
    # a view that never ends, read for each page
    "CREATE VIEW entries(key, value) AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) "
    "SELECT 'k', 'v' FROM n WHERE x < 0",
    # our table, with a trigger that never ends, run by each save
    "CREATE TABLE entries (key TEXT PRIMARY KEY, value TEXT NOT NULL); CREATE TRIGGER t AFTER INSERT ON entries "
    "BEGIN SELECT count(*) FROM (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n); END",
    # another program's data
    "CREATE TABLE accounts (name TEXT); INSERT INTO accounts VALUES ('kept')",
], ids=["view", "trigger", "other-tables"])
def test_another_programs_database_in_the_caches_place_is_left_alone(project, tmp_path, schema):
    folder = tmp_path / "cache"
    folder.mkdir()
    with sqlite3.connect(folder / FILE) as db:
        db.executescript(schema)
    before = (folder / FILE).read_bytes()
    expected = _check_process(project, "off")
    assert _check_process(project, str(folder)) == expected
    assert (folder / FILE).read_bytes() == before


@pytest.mark.parametrize("kind", ["link", "fifo", "hard-link"])
def test_a_link_or_fifo_in_the_cache_files_place_is_left_alone(project, tmp_path, kind):
    """A link in the file's place pointed the cache into the project (or any file the user can
    write): SQLite follows it and created its database there. A hard link is the same file under
    two names: SQLite wrote its database into the project's file."""
    folder, target = tmp_path / "cache", project / "content" / "cache.sqlite3"
    folder.mkdir()
    if kind == "link":
        (folder / FILE).symlink_to(target)
    elif kind == "hard-link":
        target.write_bytes(b"")
        os.link(target, folder / FILE)
    else:
        os.mkfifo(folder / FILE)
    expected = _check_process(project, "off")
    assert _check_process(project, str(folder)) == expected
    if kind == "hard-link":
        assert target.read_bytes() == b"" and (folder / FILE).stat().st_nlink == 2
    else:
        assert not target.exists()
        assert (folder / FILE).is_symlink() if kind == "link" else (folder / FILE).is_fifo()


def test_a_cache_folder_replaced_by_a_link_after_its_check_is_not_followed(project, tmp_path):
    """The folder was checked by its path, then SQLite opened the file by that path again: a
    folder renamed and replaced by a link in between (possible where a folder above it is
    writable by others) pointed the cache into the project. SQLite is now given the file
    through the folder opened for the check. The swap is made as SQLite is called (an audit
    hook), the moment a racing process would need."""
    folder, away, target = tmp_path / "cache", tmp_path / "checked", project / "content"
    folder.mkdir(mode=0o700)
    armed = [True]

    def swap(event: str, args: tuple) -> None:
        if event == "sqlite3.connect" and armed[0]:
            armed[0] = False
            folder.rename(away)
            folder.symlink_to(target)

    sys.addaudithook(swap)
    try:
        problems, renders = _check(project, folder)
    finally:
        armed[0] = False
    assert problems == _check(project, None)[0]
    assert not (target / FILE).exists() and not armed[0]
    assert renders.written and (away / FILE).is_file()  # the folder that was checked got the entries


def _key_with(package: Path) -> str:
    """A cache key as computed by the alertcast package at `package`, in a process of its own."""
    return subprocess.run([sys.executable, "-c", "from alertcast.render.diskcache import DiskCache; "
                           "print(DiskCache(None).key('sections', 'en', 'page'))"], capture_output=True, text=True,
                          check=True, env={**os.environ, "PYTHONPATH": str(package.parent)}).stdout.strip()


def test_a_change_of_the_pages_html_allow_list_finds_no_entry(tmp_path):
    """The allow-list every page's HTML passes lives outside render/: an upgrade that removes a tag
    from it (a fix) must render the pages again, not serve sections cleaned by the old list."""
    import alertcast

    package = tmp_path / "src" / "alertcast"
    shutil.copytree(Path(alertcast.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = _key_with(package)
    assert before == _key_with(package)
    policy = package / "htmlpolicy.py"
    policy.write_text(policy.read_text(encoding="utf-8").replace('"input", ', "", 1), encoding="utf-8")
    assert _key_with(package) != before


def test_a_forged_length_entry_is_measured_again(project, tmp_path):
    (project / ALERT_ZH).write_text((project / ALERT_ZH).read_text(encoding="utf-8").replace(
        "补充了识别方法。", "补充了识别方法。" * 80), encoding="utf-8")  # too long for Mastodon: an error to keep
    uncached, _ = _check(project, None)
    assert any("mastodon" in p.message for p in uncached)
    folder = tmp_path / "cache"
    _check(project, folder)
    # Well-formed JSON under the right key, with a length that would let the long post pass.
    count = 0
    with sqlite3.connect(folder / FILE) as db:
        for key, value in list(db.execute("SELECT key, value FROM entries")):
            if type(json.loads(value)["value"]) is int:
                count += 1
                db.execute("UPDATE entries SET value = ? WHERE key = ?", (json.dumps({"key": key, "value": -5}), key))
    problems, renders = _check(project, folder)
    assert problems == uncached
    assert count > 0 and renders.tally[LENGTH, "missed"] == count


def test_an_entry_sqlite_cannot_hold_is_left_out_and_the_rest_saved(tmp_path):
    renders = DiskCache(tmp_path / "cache")
    renders.put(renders.key("x", 1), "a lone surrogate \ud800, as YAML's \"\\ud800\" gives")
    renders.put(renders.key("x", 2), "fine")
    renders.save()
    assert renders.written == 1 and DiskCache(tmp_path / "cache").get(renders.key("x", 2)) == "fine"
