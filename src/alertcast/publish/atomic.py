"""Atomic output directory: `<output>` is a symlink to a complete release directory.

Layout (for output `site/`):

    site -> .site.releases/r<ns>-<digest>     the live release (a symlink)
    .site.releases/r...                       the previous releases (the newest KEEP are kept)
    .site.releases/tmp-...                    a release being written, or prepared ahead of its
                                              time; private (0700) until it goes live

A release is written completely into a temporary directory, renamed, then the symlink is
swapped with one `rename(2)`, so a reader sees the whole old set or the whole new one.
A failed build removes its temporary directory and leaves the live release untouched.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

KEEP = 3
WRITERS = 4


def releases_dir(output: Path) -> Path:
    return output.parent / f".{output.name}.releases"


def live_release(output: Path) -> Path | None:
    """The directory the output currently shows, if any."""
    if output.is_symlink():
        return output.resolve()
    if output.is_dir():
        return output
    return None


def write_files(root: Path, files: Mapping[str, bytes], digests: Mapping[str, bytes] | None = None,
                previous: Path | None = None, previous_digests: Mapping[str, bytes] | None = None) -> None:
    """Write every file; a file identical to the previous release's is hard-linked instead
    (cheaper, and the previous release is never modified: releases are immutable), and so is
    a file identical to another of this release (an alert's current CAP message is also its
    latest revision).

    Links from the previous release are made first, in this thread: a link is one quick
    system call, and after a one-alert change nearly every file is one. Creating files is
    dominated by file-system latency, not CPU, so the rest are written by a few threads,
    each taking a share of the files; the first error is raised after all writers stop.
    """
    for parent in sorted({os.path.dirname(rel) for rel in files}):
        os.makedirs(os.path.join(root, parent), exist_ok=True)
    paths = sorted(files)
    base = os.path.join(root, "")
    if previous is not None and digests is not None and previous_digests is not None:
        before = os.path.join(previous, "")
        paths = [rel for rel in paths if not _linked(rel, base, before, digests, previous_digests)]
    copies: list[tuple[str, str]] = []  # (path, an identical path written in this release)
    if digests is not None:
        first: dict[bytes, str] = {}
        unique = []
        for rel in paths:
            same = first.setdefault(digests[rel], rel)
            if same is rel:
                unique.append(rel)
            else:
                copies.append((rel, same))
        paths = unique

    def put(share: list[str]) -> None:
        for rel in share:
            with open(base + rel, "wb") as fh:
                fh.write(files[rel])

    if len(paths) < 64:
        put(paths)
    else:
        with ThreadPoolExecutor(max_workers=WRITERS) as pool:
            for future in [pool.submit(put, paths[i::WRITERS]) for i in range(WRITERS)]:
                future.result()
    for rel, same in copies:
        try:
            os.link(base + same, base + rel)
        except OSError:  # a file system without hard links
            put([rel])


def _linked(rel: str, base: str, before: str, digests: Mapping[str, bytes],
            previous_digests: Mapping[str, bytes]) -> bool:
    """Hard-link `rel` from the previous release (folder `before`, ending in a separator) into
    `base` if it is unchanged; False if it must be written."""
    if previous_digests.get(rel) != digests[rel]:
        return False
    try:
        os.link(before + rel, base + rel)
        return True
    except OSError:
        return False  # different file system, or the old file is gone: write it


def _manifest(release: Path) -> Path:
    return release.parent / f"{release.name}.sha256"


def read_manifest(release: Path | None) -> dict[str, bytes]:
    """The digests of a release, from its manifest (written at commit) or by hashing it."""
    if release is None:
        return {}
    cached = _manifests.get(release)
    if cached is not None:
        return cached
    manifest = _manifest(release)
    if manifest.is_file():
        lines = manifest.read_text(encoding="utf-8").splitlines()
        digests = {path: bytes.fromhex(hexdigest) for hexdigest, path in (line.split("  ", 1) for line in lines)}
        _manifests[release] = digests  # a release never changes; a build asks for its manifest more than once
        return digests
    return tree_digests(release)


_manifests: dict[Path, dict[str, bytes]] = {}  # release -> digests; emptied at each commit


def tree_digests(root: Path | None) -> dict[str, bytes]:
    """relative path -> sha256 of every file under root."""
    if root is None or not root.is_dir():
        return {}
    out = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            p = Path(dirpath) / name
            out[p.relative_to(root).as_posix()] = hashlib.sha256(p.read_bytes()).digest()
    return out


def _digests_of(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """sha256 of each file; the same bytes object as in the last publish is not hashed again
    (renderers reuse the bytes of everything that did not change)."""
    global _last_digests
    seen: dict[int, tuple[bytes, bytes]] = {}
    out = {}
    for rel, data in files.items():
        hit = _last_digests.get(id(data))
        if hit is None or hit[0] is not data:
            hit = (data, hashlib.sha256(data).digest())
        seen[id(data)] = hit
        out[rel] = hit[1]
    _last_digests = seen  # holds the bytes, so their ids are not reused meanwhile
    return out


_last_digests: dict[int, tuple[bytes, bytes]] = {}


def changed_paths(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> list[str]:
    """Paths added, changed or removed between two digest maps, sorted."""
    return sorted(p for p in set(old) | set(new) if old.get(p) != new.get(p))


@dataclass
class Staged:
    """A complete release written but not yet live: private (mode 0700) until `commit_staged`,
    so a release prepared ahead of its `publish_at` is readable by nobody meanwhile."""

    output: Path
    path: Path
    digests: dict[str, bytes]


def stage(output: Path, files: Mapping[str, bytes], fill: Callable[[Path], None] | None = None) -> Staged:
    """Write `files` (and whatever `fill` writes) into a fresh private directory next to the
    releases. The live release is untouched; on any exception the directory is removed."""
    output = output.absolute()
    pruned()
    live = live_release(output)
    previous = read_manifest(live)
    rel_dir = releases_dir(output)
    rel_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="tmp-", dir=rel_dir))  # mode 0700
    try:
        digests: dict[str, bytes] = {}
        if fill is not None:
            fill(tmp)
            digests.update(tree_digests(tmp))
        digests.update(_digests_of(files))
        write_files(tmp, files, digests, live, previous)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Staged(output, tmp, digests)


def commit_staged(staged: Staged) -> tuple[Path, list[str]]:
    """Make a staged release live; returns it and the paths changed against the release it replaces."""
    try:
        changes = changed_paths(read_manifest(live_release(staged.output)), staged.digests)
        digest = hashlib.sha256(b"".join(k.encode() + v for k, v in sorted(staged.digests.items()))).hexdigest()
        staged.path.chmod(0o755)  # a web server must read the release
        return commit(staged.output, staged.path, digest, staged.digests), changes
    except BaseException:
        discard(staged)
        raise


def discard(staged: Staged) -> None:
    shutil.rmtree(staged.path, ignore_errors=True)


def commit(output: Path, staged: Path, digest: str, digests: Mapping[str, bytes] | None = None) -> Path:
    """Make `staged` the live release with one atomic rename; prune old releases."""
    rel_dir = releases_dir(output)
    release = rel_dir / f"r{time.time_ns():020d}-{digest[:12]}"
    os.rename(staged, release)
    if digests is not None:
        _manifest(release).write_text("".join(f"{d.hex()}  {p}\n" for p, d in sorted(digests.items())), encoding="utf-8")
        _manifests.clear()
        _manifests[release] = dict(digests)
    if output.exists() and not output.is_symlink():
        # First publish over a plain directory: keep it as a release, then switch.
        os.rename(output, rel_dir / f"r{0:020d}-legacy")
    link = rel_dir / f"link-{release.name}"
    os.symlink(os.path.relpath(release, output.parent), link)
    os.replace(link, output)
    _prune_after(output)
    return release


_pruning: threading.Thread | None = None


def _prune_after(output: Path) -> None:
    """Prune in the background: the new release is already live, and deleting a thousand
    files of an old one would only delay the caller. One prune at a time; the process waits
    for it before exiting (the thread is not a daemon)."""
    global _pruning
    pruned()
    _pruning = threading.Thread(target=prune, args=(output,), name="alertcast-prune")
    _pruning.start()


def pruned() -> None:
    """Wait until the last background prune has finished."""
    if _pruning is not None:
        _pruning.join()


STALE_STAGING = 24 * 3600  # seconds: a staged release this old was left by a process that died


def prune(output: Path, keep: int = KEEP) -> None:
    rel_dir = releases_dir(output)
    live = live_release(output)
    releases = sorted(p for p in rel_dir.iterdir() if p.name.startswith("r") and p.is_dir() and not p.is_symlink())
    for old in releases[:-keep]:
        if live is None or old.resolve() != live:
            shutil.rmtree(old, ignore_errors=True)
            _manifest(old).unlink(missing_ok=True)
    for tmp in rel_dir.glob("tmp-*"):
        try:
            if time.time() - tmp.stat().st_mtime > STALE_STAGING:
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError:
            pass  # removed meanwhile


def atomic_publish(output: Path, files: Mapping[str, bytes],
                   fill: Callable[[Path], None] | None = None) -> tuple[Path, list[str]]:
    """Write `files` (and whatever `fill` writes) as a new release of `output`, then switch.

    Returns the release directory and the paths changed against the previous release.
    Any exception leaves the previous release live and untouched.
    """
    return commit_staged(stage(output, files, fill))
