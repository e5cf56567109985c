"""Scratch folders that a killed process cannot leave behind for long.

A build writes into temporary folders (a release being staged, the site's docs tree). A
process killed meanwhile cannot remove them, and an age limit cannot tell a dead build's
folder from a release the daemon prepared hours ahead of its moment. So each folder is held
with an exclusive `flock` for as long as its owner uses it: the kernel drops the lock when
the owner exits, however it exits, and `sweep` removes exactly the folders nobody holds.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Prefix of the site's docs staging folders in the system's temporary folder.
SITE_STAGE = "alertcast-stage-"


class Scratch:
    """A private (0700) temporary folder held by this process until `release`."""

    def __init__(self, prefix: str, parent: Path | str | None = None):
        self._fd: int | None = None
        while not self._hold(Path(tempfile.mkdtemp(prefix=prefix, dir=parent))):
            pass  # another process's sweep took it between its creation and the lock: take another

    def _hold(self, path: Path) -> bool:
        """Lock `path`; False if a sweep removed it first (then it may be gone, or still held
        by that sweep, or be a folder the sweep unlinked while this process opened it)."""
        self.path = path
        try:
            self._fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.release()
            return False
        if not _same(self._fd, path):
            self.release()
            return False
        return True

    def release(self) -> None:
        """Stop holding the folder (it may have been renamed meanwhile; the lock follows it)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        self.release()


def _same(fd: int, path: Path) -> bool:
    """Whether `path` still names the folder open as `fd`."""
    try:
        named = os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)


@contextmanager
def scratch(prefix: str, parent: Path | str | None = None) -> Iterator[Path]:
    """A held temporary folder, removed on leaving."""
    folder = Scratch(prefix, parent)
    try:
        yield folder.path
    finally:
        folder.remove()


def sweep(parent: Path | str | None, prefix: str) -> list[Path]:
    """Remove the folders named `<prefix>*` in `parent` (default: the system's temporary
    folder) that no live process holds: leftovers of killed builds. Returns them."""
    parent = Path(parent if parent is not None else tempfile.gettempdir())
    try:
        candidates = [p for p in parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return []  # no such folder yet, or not ours to list
    return [path for path in candidates if remove_unheld(path)]


def remove_unheld(path: Path, remover: list[subprocess.Popen] | None = None) -> bool:
    """Remove the folder `path` unless a live process holds it (a build in progress, a release
    prepared ahead of its moment, a release a build reads pages from); whether it did.

    With `remover`, the files are removed by a process of its own (`rm -rf`, appended to the
    list), which inherits this one's hold and keeps the folder held until it is gone: a command
    that made a release live need not stay to delete thousands of files of an old one. Where
    there is no `rm`, they are removed here."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False  # gone meanwhile, another user's, or not a folder
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # held
    else:
        if not _same(fd, path):  # renamed (into a release) meanwhile
            return False
        rm = shutil.which("rm") if remover is not None else None
        if rm is not None and remover is not None:
            try:  # a session of its own: a Ctrl-C meant for the command does not stop it halfway
                remover.append(subprocess.Popen([rm, "-rf", "--", str(path)], pass_fds=(fd,),
                                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                                stderr=subprocess.DEVNULL, start_new_session=True))
                return True
            except OSError:  # no process to be had (limits, memory): removed here
                pass
        shutil.rmtree(path, ignore_errors=True)
        return True
    finally:
        os.close(fd)


@contextmanager
def reading(path: Path) -> Iterator[Path | None]:
    """`path`, a folder held against `remove_unheld` while the block reads it (a shared lock:
    any number of readers); None if it is gone, or being removed."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        yield None
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            yield None  # a removal holds it
            return
        yield path if _same(fd, path) else None
    finally:
        os.close(fd)
