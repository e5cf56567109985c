"""Rendered pages kept on disk between commands, by the sha256 of everything the rendering reads.

`check` renders every page to prove the build can, and the knowledge base renders every page
again for its sections: at a thousand alerts that is most of both commands, though an edit
changes a page or two. An entry's key is the hash of the Markdown, the language, the converter's
settings and the versions of what converts it (alertcast's renderer source and the page's HTML
allow-list, Python-Markdown, pymdown-extensions, Pygments, Material, nh3), so an entry is only ever found for the same input:
output bytes never depend on what is cached. The same store keeps the lengths of post texts as
twitter-text counts them (render/length.py: by the text and twitter-text's version), so a
command whose posts did not change does not import twitter-text.

The store is one SQLite file in a folder outside the project (a pull request could otherwise
write a verdict that lets `check` pass a page that hangs the build): `$ALERTCAST_CACHE_DIR`,
else `$XDG_CACHE_HOME/alertcast`, else `~/.cache/alertcast`. Values are JSON, each holding its
own key; a value that does not decode, holds another key or has the wrong shape is ignored and
rendered again. Any error of the store (read-only or full disk, a locked or corrupt file) only
costs time: the entry is rendered as if there were no cache.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sqlite3
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

#: Changes when what an entry holds changes shape: older entries are then never found.
FORMAT = 1
#: Entries kept; beyond this the oldest written go (about 3 KB each: some 60 MB at most).
LIMIT = 20_000
FILE = "renders.sqlite3"
#: The environment variable naming the folder; `off` turns the cache off.
ENV = "ALERTCAST_CACHE_DIR"
#: The modules whose versions are part of every key: what turns Markdown into HTML, cleans it
#: (nh3: a fixed sanitiser must not keep serving what the old one let through) and reads it.
_LIBRARIES = ("markdown", "pymdownx", "pygments", "material", "nh3")
#: alertcast's files that make entries, beside render/: their source is part of every key (the
#: page's allow-list, htmlpolicy.py, is the sanitiser's, though it lives outside render/).
_SOURCES = ("checks/lint.py", "htmlpolicy.py")


def default_folder(environ: Mapping[str, str]) -> Path | None:
    """Where the cache lives for a command run with `environ`; None when it is turned off."""
    named = environ.get(ENV, "").strip()
    if named.lower() == "off":
        return None
    if named:
        return Path(named).expanduser().absolute()
    base = environ.get("XDG_CACHE_HOME", "").strip()
    if base and Path(base).is_absolute():  # the XDG spec: a relative value is ignored
        return Path(base) / "alertcast"
    return Path.home() / ".cache" / "alertcast"


def inside(folder: Path, project: Path) -> bool:
    """Whether `folder` is the project's folder or under it (links resolved)."""
    try:
        folder, project = folder.resolve(), project.resolve()
    except (OSError, RuntimeError):
        return True  # a folder that cannot be resolved is not trusted either
    return folder == project or project in folder.parents


class DiskCache:
    """Rendered results by content hash, in `folder` (None: keep nothing).

    `found` counts the entries served, `missed` those that had to be rendered, `written` the
    entries saved and `queries` the reads of the store, so reuse is observable; entries of another
    `kind` than rendered pages (post lengths) are counted in `tally[kind, "found"]` and
    `tally[kind, "missed"]`. Entries put in a forked process are handed back with `take` and
    `add` to the parent, which saves them: one process writes the file.
    """

    def __init__(self, folder: Path | None, *, limit: int = LIMIT, wait: float = 5.0) -> None:
        self.folder = folder
        self.limit = limit
        self.wait = wait  # seconds to wait for another process's write before giving up on the cache
        self.found = self.missed = self.written = self.queries = 0
        self.tally: Counter[tuple[str, str]] = Counter()
        self._pending: dict[str, str] = {}
        self._db: sqlite3.Connection | None = None
        self._pid = 0  # the process that opened _db: a connection never crosses a fork
        self._broken = folder is None
        self._salt: str | None = None
        self._folder: int | None = None  # the cache folder, opened (see _connect)

    @classmethod
    def for_project(cls, project: Path, environ: Mapping[str, str]) -> DiskCache:
        """The cache a command on `project` uses; off when the folder is inside the project."""
        folder = default_folder(environ)
        if folder is not None and inside(folder, project):
            folder = None
        return cls(folder)

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def key(self, kind: str, *parts: object) -> str:
        """The key of a `kind` of result rendered from `parts` (JSON data or their repr)."""
        data = json.dumps([FORMAT, self._versions(), kind, *parts], ensure_ascii=False, default=repr)
        return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()

    def keys(self, kind: str, *parts: object, last: Iterable[object]) -> list[str]:
        """`[self.key(kind, *parts, item) for item in last]`, the common parts encoded and hashed
        once: a page's converter settings are longer than most pages."""
        head = json.dumps([FORMAT, self._versions(), kind, *parts, None], ensure_ascii=False, default=repr)
        digest = hashlib.sha256(head[:-len("null]")].encode("utf-8", "surrogatepass"))
        found = []
        for item in last:
            tail = json.dumps(item, ensure_ascii=False, default=repr) + "]"
            one = digest.copy()
            one.update(tail.encode("utf-8", "surrogatepass"))
            found.append(one.hexdigest())
        return found

    def get(self, key: str, valid: Callable[[Any], bool] = lambda value: True, *, kind: str | None = None) -> Any | None:
        """The value stored under `key` when there is one that passes `valid`, else None; counted
        in `found` and `missed`, or with a `kind`, in `tally`."""
        if self.folder is None:
            return None
        raw = self._pending.get(key)
        if raw is None:
            raw = self._read(key)
        value = _decode(raw, key, valid) if raw is not None else None
        if kind is not None:
            self.tally[kind, "missed" if value is None else "found"] += 1
        elif value is None:
            self.missed += 1
        else:
            self.found += 1
        return value

    def get_many(self, keys: Iterable[str], valid: Callable[[Any], bool] = lambda value: True) -> dict[str, Any]:
        """`get` of each of `keys` (counted as it counts them), the store read in one query:
        one per key was a tenth of a warm `check`'s reading of two thousand verdicts."""
        keys = list(keys)
        if self.folder is None:
            return {}
        raws = {key: self._pending[key] for key in keys if key in self._pending}
        raws.update(self._read_many(list(dict.fromkeys(key for key in keys if key not in raws))))
        values = {}
        for key in keys:
            value = values.get(key)
            if value is None and key in raws:
                value = _decode(raws[key], key, valid)
            if value is None:
                self.missed += 1
            else:
                self.found += 1
                values[key] = value
        return values

    def put(self, key: str, value: Any) -> None:
        """Keep `value` (JSON data) under `key`, saved by `save`."""
        if self.folder is None:
            return
        raw = json.dumps({"key": key, "value": value}, ensure_ascii=False, separators=(",", ":"))
        try:
            raw.encode("utf-8")
        except UnicodeError:  # a lone surrogate ("\ud800" in YAML): SQLite would refuse the whole save
            return
        self._pending[key] = raw

    def take(self) -> dict[str, str]:
        """The entries put since the last `take` or `save`, no longer pending here."""
        pending, self._pending = self._pending, {}
        return pending

    def add(self, entries: Mapping[str, str]) -> None:
        """Entries `take` gave in another process, to save with this one's."""
        if self.folder is not None:
            self._pending.update(entries)

    def save(self) -> None:
        """Write the pending entries in one transaction and drop the oldest beyond `limit`. An
        error of the store turns it off until the next save (the daemon's next publish) tries again."""
        pending = self.take()
        if self.folder is None or not pending:
            return
        if self._broken:
            self._broken, self._db = False, None
        db = self._connect()
        if db is None:
            return
        try:
            db.execute("BEGIN IMMEDIATE")  # one writer at a time; readers see all of it or none
            try:
                db.executemany("INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)", pending.items())
                db.execute("DELETE FROM entries WHERE rowid <= (SELECT MAX(rowid) FROM entries) - ?", (self.limit,))
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            self.written += len(pending)
        except (sqlite3.Error, UnicodeError):
            self._broken = True  # a full disk, a read-only file, a lock held too long: only time is lost

    def _read(self, key: str) -> str | None:
        return self._read_many([key]).get(key)

    def _read_many(self, keys: list[str]) -> dict[str, str]:
        if self._broken or not keys:
            return {}
        db = self._connect()
        if db is None:
            return {}
        self.queries += 1
        try:
            if len(keys) == 1:
                rows = db.execute("SELECT key, value FROM entries WHERE key = ?", keys).fetchall()
            else:
                rows = self._select_many(db, keys)
        except sqlite3.Error:
            self._broken = True
            return {}
        return {key: value for key, value in rows if isinstance(key, str) and isinstance(value, str)}

    @staticmethod
    def _select_many(db: sqlite3.Connection, keys: list[str]) -> list[tuple[Any, Any]]:
        """The rows of `keys`, the keys given as one JSON array (no limit on the number of a
        query's parameters); an SQLite built without JSON functions gets them 500 at a time."""
        try:
            return db.execute("SELECT key, value FROM entries WHERE key IN (SELECT value FROM json_each(?))",
                              (json.dumps(keys),)).fetchall()
        except sqlite3.OperationalError as exc:
            if "json_each" not in str(exc):
                raise
        rows = []
        for start in range(0, len(keys), 500):
            part = keys[start:start + 500]
            rows += db.execute(f"SELECT key, value FROM entries WHERE key IN ({','.join('?' * len(part))})",
                               part).fetchall()
        return rows

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is not None and self._pid == os.getpid():
            return self._db
        assert self.folder is not None
        try:
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            self.folder.mkdir(mode=0o700, exist_ok=True)
            # The folder checked is the folder opened: SQLite is given the file through this
            # descriptor, so a folder renamed and replaced by a link meanwhile is not followed.
            folder = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            folder = None
        if self._folder is not None and self._pid == os.getpid():  # another process's number is not ours to close
            os.close(self._folder)
        self._folder = folder
        path = Path(f"/proc/self/fd/{folder}/{FILE}") if os.path.isdir(f"/proc/self/fd/{folder}") else self.folder / FILE
        try:
            db = self._open(path) if folder is not None and _private(folder) else None
        except sqlite3.OperationalError:  # cannot be opened or written, or locked too long by another process
            db = None
        except sqlite3.DatabaseError:  # not an SQLite file (truncated, overwritten): start it again
            try:
                os.unlink(FILE, dir_fd=folder)
                db = self._open(path) if folder is not None and _private(folder) else None
            except (OSError, sqlite3.Error):
                db = None
        except OSError:
            db = None
        if db is None:
            self._broken = True
        self._db, self._pid = db, os.getpid()
        return db

    def _open(self, path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=self.wait, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA synchronous = OFF")  # a cache: an entry lost in a crash is rendered again
            schema = set(db.execute("SELECT type, name, sql FROM sqlite_master"))
            if not schema <= {("table", "entries", _TABLE), ("index", "sqlite_autoindex_entries_1", None)}:
                # another program's database, or views and triggers (which run any query, one that
                # never ends too, when the entries are read or written): left as it is, and not used
                raise sqlite3.OperationalError(f"{path} is not alertcast's render cache")
            db.execute(_TABLE.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"))
            db.execute("SELECT count(*) FROM entries LIMIT 1").fetchone()
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _versions(self) -> str:
        """alertcast's renderer source and the libraries' versions, hashed once."""
        if self._salt is None:
            digest = hashlib.sha256()
            here = Path(__file__).parent
            for path in sorted([*here.glob("*.py"), *(here.parent / name for name in _SOURCES)]):
                try:
                    digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
                except OSError:
                    digest.update(path.name.encode() + b"\0?\0")
            for name in _LIBRARIES:
                try:
                    module = importlib.import_module(name)
                    version = getattr(module, "__version__", None), getattr(module, "__with_libyaml__", None)
                except ImportError:
                    version = None
                digest.update(f"{name}={version}\0".encode())
            self._salt = digest.hexdigest()
        return self._salt


_TABLE = "CREATE TABLE entries (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


def _private(folder: int) -> bool:
    """Whether the open folder `folder` and the cache file in it (when there is one) are this
    user's alone, as ssh requires of its keys: owned by the user and writable by no one else (the
    user's own group aside), the file a regular file with no other name. Whoever else can write
    there can forge a verdict that lets `check` pass a page that hangs the build, or sections of
    the knowledge base; a link, a FIFO or a hard link in the file's place is someone else's file,
    or another file of the user's (SQLite would write its database into it)."""
    try:
        found = [os.fstat(folder)]
        try:
            found.append(os.lstat(FILE, dir_fd=folder))
        except FileNotFoundError:
            pass
    except OSError:
        return False
    if not stat.S_ISDIR(found[0].st_mode) or not all(stat.S_ISREG(st.st_mode) and st.st_nlink == 1
                                                      for st in found[1:]):
        return False
    return all(st.st_uid == os.getuid() and not st.st_mode & 0o002
               and (not st.st_mode & 0o020 or st.st_gid == os.getgid()) for st in found)


def _decode(raw: str, key: str, valid: Callable[[Any], bool]) -> Any | None:
    try:
        entry = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(entry, dict) or entry.get("key") != key or "value" not in entry:
        return None  # another entry's value copied here, or not one of ours
    value = entry["value"]
    try:
        return value if value is not None and valid(value) else None
    except (TypeError, ValueError, KeyError, IndexError):
        return None
