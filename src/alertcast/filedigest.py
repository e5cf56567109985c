"""A file's sha256 as this build hashed it, with the file's identity at that moment: the release
writer (publish/atomic.py) takes the digest of a page the site's worker hashed (render/incremental.py)
instead of reading the page again, only while the file is still the one that was hashed."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import NamedTuple


class FileDigest(NamedTuple):
    dev: int
    ino: int
    size: int
    mtime_ns: int
    digest: bytes

    @classmethod
    def of(cls, path: Path, limit: int | None = None) -> FileDigest | None:
        """Hash a regular file; its identity is taken before its bytes are read, so a file
        written meanwhile no longer matches. None for anything else (a link is not followed,
        a FIFO not waited on) and for a file larger than `limit` bytes (not read)."""
        found = read_regular(path, limit)
        if found is None:
            return None
        data, info = found
        return cls(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, hashlib.sha256(data).digest())

    def matches(self, info: os.stat_result) -> bool:
        """Whether `info` (an lstat) is of the file as it was hashed: same device, inode, size
        and modification time (a move within the file system keeps them; a write changes them)."""
        return (self.dev, self.ino, self.size, self.mtime_ns) == (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)

    def still(self, path: Path) -> bool:
        """Whether `path` (not followed if a link) is the file as it was hashed (see `matches`)."""
        try:
            return self.matches(os.lstat(path))
        except OSError:
            return False


def read_regular(path: Path, limit: int | None = None) -> tuple[bytes, os.stat_result] | None:
    """The bytes of `path` and its identity, taken before they were read, if it is a regular
    file of at most `limit` bytes; None for anything else (a link is not followed, a FIFO or a
    device is not waited on, a file larger than `limit` is not read)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or (limit is not None and info.st_size > limit):
            return None
        data = fh.read() if limit is None else fh.read(limit + 1)
    return None if limit is not None and len(data) > limit else (data, info)  # grown since: too large
