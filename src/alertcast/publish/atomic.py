"""Atomic output directory: `<output>` is a symlink to a complete release directory.

Layout (for output `site/`):

    site -> .site.releases/r<ns>-<digest>     the live release (a symlink)
    .site.releases/r...                       the previous releases (the newest KEEP are kept)
    .site.releases/tmp-...                    a release being written, or prepared ahead of its
                                              time; private (0700) until it goes live

A release is written completely into a temporary directory, renamed, then the symlink is
swapped with one `rename(2)`, so a reader sees the whole old set or the whole new one.
A failed build removes its temporary directory and leaves the live release untouched. Each
`tmp-*` folder is held by its process (see scratch.py), so the next build removes those of
killed builds and never a release another process prepared ahead of its moment.

Only an output alertcast made (a symlink into its releases folder) or an empty folder is
ever replaced; publish/output.py refuses anything else before a build starts.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import posixpath
import re
import shutil
import stat
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..filedigest import FileDigest
from ..scratch import Scratch, reading, remove_unheld, sweep

KEEP = 3
WRITERS = 4


def releases_dir(output: Path) -> Path:
    return output.parent / f".{output.name}.releases"


#: An empty file that marks a plain folder as prepared for alertcast (for example one into
#: which a workflow restored the CAP archive): alertcast may take it as the live release it
#: replaces. A plain folder with files and without it is someone else's, and is refused.
MARKER = ".alertcast-output"


def owned(output: Path) -> bool:
    """Whether `output` is a release alertcast made: a symlink to a folder in its releases folder."""
    if not output.is_symlink():
        return False
    target = output.parent / os.readlink(output)
    return target.name.startswith("r") and target.parent.resolve() == releases_dir(output).resolve()


def marked(output: Path) -> bool:
    """Whether `output` is a plain folder prepared for alertcast (holds the MARKER file)."""
    return not output.is_symlink() and output.is_dir() and (output / MARKER).is_file()


def live_release(output: Path) -> Path | None:
    """The release the output currently shows, if alertcast made it or it was prepared for
    alertcast (nothing else is ever read as a release)."""
    if owned(output):
        return output.resolve()
    return output if marked(output) else None


@contextmanager
def held_live(output: Path) -> Iterator[Path | None]:
    """The live release of `output` (see `live_release`), held while the block reads from it:
    `prune` leaves a held release in place, however many releases go live meanwhile. None if
    there is none, or a prune is removing it."""
    live = live_release(output)
    if live is None:
        yield None
        return
    with reading(live) as held:
        yield held


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
    digests = _parse_manifest(_manifest(release))
    if digests is None:
        return tree_digests(release)
    _manifests[release] = digests  # a release never changes; a build asks for its manifest more than once
    return digests


def written_manifest(release: Path) -> tuple[Path, dict[str, bytes] | None]:
    """The path of a release's manifest and the digests it records; None when it holds no
    manifest alertcast wrote (missing, a link, a FIFO, a line that is not one)."""
    return _manifest(release), _parse_manifest(_manifest(release))


def _parse_manifest(manifest: Path) -> dict[str, bytes] | None:
    """A manifest's digests; None where there is none or it is not one alertcast wrote (a link,
    a FIFO, a line that is not `<sha256 hex>  <path>`): the release is then hashed instead."""
    try:
        fd = os.open(manifest, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = fh.read()
    digests = {}
    for line in data.decode("utf-8", "replace").splitlines():
        hexdigest, _, path = line.partition("  ")
        if not (_SHA256.fullmatch(hexdigest) and _inside(path)):
            return None
        digests[path] = bytes.fromhex(hexdigest)
    return digests


_SHA256 = re.compile(r"[0-9a-f]{64}")


def _inside(path: str) -> bool:
    """Whether a manifest's path names a file inside its release (builds read and link what it names)."""
    return path not in ("", ".", "..") and posixpath.normpath(path) == path and not path.startswith(("/", "../"))


_manifests: dict[Path, dict[str, bytes]] = {}  # release -> digests; emptied at each commit


def tree_digests(root: Path | None, known: Mapping[str, FileDigest] | None = None) -> dict[str, bytes]:
    """relative path -> sha256 of every regular file under root (a symlink, a FIFO or a device
    is no file of a release: it is neither followed, read nor listed).

    `known`: digests this build made of files it wrote (the site's workers hash every page
    they place): a file still the one that was hashed (same device, inode, size and
    modification time) is not read again. Anything else is hashed here."""
    return _hash_tree(root, known)[0]


def _hash_tree(root: Path | None, known: Mapping[str, FileDigest] | None = None) -> tuple[dict[str, bytes], int]:
    """`tree_digests`, and how many files it read and hashed."""
    if root is None or not root.is_dir():
        return {}, 0
    known = known or {}
    out, hashed = {}, 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            p = Path(dirpath) / name
            info = p.lstat()
            if stat.S_ISREG(info.st_mode) and name != MARKER:
                rel = p.relative_to(root).as_posix()
                seen = known.get(rel)
                if seen is not None and seen.matches(info):
                    out[rel] = seen.digest
                else:
                    out[rel] = hashlib.sha256(p.read_bytes()).digest()
                    hashed += 1
    return out, hashed


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
    scratch: Scratch | None = None  # holds `path` until it goes live or is discarded
    hashed: int = 0  # the files `fill` wrote that were read back to hash (not hashed as they were written)


def stage(output: Path, files: Mapping[str, bytes],
          fill: Callable[[Path], Mapping[str, FileDigest] | None] | None = None) -> Staged:
    """Write `files` (and whatever `fill` writes) into a fresh private directory next to the
    releases. The live release is untouched; on any exception the directory is removed.
    `fill` may return the digests it made of files it wrote (see `tree_digests`): those still
    the files it hashed are not read again.

    A prune of older releases still running in the background (after the last switch) is not
    waited for: it never removes the live release this one links from, nor a staging folder a
    process holds, and an urgent publish right after another should not wait for thousands of
    deletions."""
    output = output.absolute()
    live = live_release(output)
    previous = read_manifest(live)
    rel_dir = releases_dir(output)
    rel_dir.mkdir(parents=True, exist_ok=True)
    sweep(rel_dir, "tmp-")  # staging folders of killed builds
    folder = Scratch("tmp-", rel_dir)  # mode 0700
    tmp = folder.path
    try:
        digests: dict[str, bytes] = {}
        hashed = 0
        if fill is not None:
            filled, hashed = _hash_tree(tmp, fill(tmp))
            digests.update(filled)
        digests.update(_digests_of(files))
        write_files(tmp, files, digests, live, previous)
    except BaseException:
        folder.remove()
        raise
    return Staged(output, tmp, digests, folder, hashed)


def commit_staged(staged: Staged) -> tuple[Path, list[str]]:
    """Make a staged release live; returns it and the paths changed against the release it replaces."""
    try:
        changes = changed_paths(read_manifest(live_release(staged.output)), staged.digests)
        digest = hashlib.sha256(b"".join(k.encode() + v for k, v in sorted(staged.digests.items()))).hexdigest()
        staged.path.chmod(0o755)  # a web server must read the release
        release = commit(staged.output, staged.path, digest, staged.digests)
    except BaseException:
        discard(staged)
        raise
    if staged.scratch is not None:
        staged.scratch.release()
    return release, changes


def discard(staged: Staged) -> None:
    shutil.rmtree(staged.path, ignore_errors=True)
    if staged.scratch is not None:
        staged.scratch.release()


def commit(output: Path, staged: Path, digest: str, digests: Mapping[str, bytes] | None = None) -> Path:
    """Make `staged` the live release with one atomic rename; prune old releases."""
    rel_dir = releases_dir(output)
    release = rel_dir / f"r{time.time_ns():020d}-{digest[:12]}"
    link = rel_dir / f"link-{release.name}"
    os.rename(staged, release)
    try:
        if digests is not None:
            _manifest(release).write_text("".join(f"{d.hex()}  {p}\n" for p, d in sorted(digests.items())),
                                          encoding="utf-8")
        os.symlink(os.path.relpath(release, output.parent), link)
        if output.is_dir() and not output.is_symlink():
            _swap_for_folder(link, output)
        else:
            os.replace(link, output)
    except BaseException:
        # Nothing half-made stays behind: the live release (if any) is untouched.
        link.unlink(missing_ok=True)
        _manifest(release).unlink(missing_ok=True)
        shutil.rmtree(release, ignore_errors=True)
        raise
    _manifests.clear()
    if digests is not None:
        _manifests[release] = dict(digests)
    _prune_after(output)
    return release


_RENAME_EXCHANGE = 2


def _swap_for_folder(link: Path, output: Path) -> None:
    """Put the symlink where a plain folder is (an empty one, or one prepared for alertcast),
    with no moment without `output`: Linux's renameat2(RENAME_EXCHANGE) swaps the two names
    in one step, then the folder (now named `link`) is removed: what alertcast needed from it
    (the CAP archive) is in the new release. Where that call is missing, the folder is moved
    aside first, a moment without `output`. publish/output.py refuses any other folder before
    the build."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is not None:
        at_cwd = -100
        if renameat2(at_cwd, os.fsencode(link), at_cwd, os.fsencode(output), _RENAME_EXCHANGE) == 0:
            shutil.rmtree(link)
            return
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise OSError(code, os.strerror(code), str(output))
    aside = link.with_name("old-" + link.name)
    os.rename(output, aside)
    os.replace(link, output)
    shutil.rmtree(aside)


_pruning: threading.Thread | None = None
_removers: list[subprocess.Popen] = []  # the processes removing old releases (see `prune`)


def _prune_after(output: Path) -> None:
    """Prune in the background: the new release is already live, and deleting a thousand
    files of an old one would only delay the caller. One prune at a time: each starts when the
    one before has ended, without the caller waiting for it; the process waits for them
    before exiting (the threads are not daemons), but not for the old releases' files to be
    deleted: processes of their own do that (see `prune`)."""
    global _pruning
    before = _pruning

    def after_the_last() -> None:
        if before is not None:
            before.join()
        prune(output, removers=_removers)

    _pruning = threading.Thread(target=after_the_last, name="alertcast-prune")
    _pruning.start()


def pruned() -> list[int]:
    """Wait until the last background prune has finished and the old releases it removes are
    gone; the ids of the processes that removed them."""
    if _pruning is not None:
        _pruning.join()
    removed = []
    while _removers:
        remover = _removers.pop(0)
        remover.wait()
        removed.append(remover.pid)
    return removed


def prune(output: Path, keep: int = KEEP, removers: list[subprocess.Popen] | None = None) -> None:
    """Remove all but the newest `keep` releases, and what killed builds left. `removers`: the
    old releases' files are deleted by processes of their own, appended to it (see
    scratch.remove_unheld), which hold each release until it is gone; the caller may exit
    before they end. Without it, they are deleted here."""
    rel_dir = releases_dir(output)
    live = live_release(output)
    releases = sorted(p for p in rel_dir.iterdir() if p.name.startswith("r") and p.is_dir() and not p.is_symlink())
    for remover in list(removers or ()):
        if remover.poll() is not None:  # ended: reaped (a long-lived process keeps no zombies)
            removers.remove(remover)  # type: ignore[union-attr]
    for old in releases[:-keep]:
        # A release a build reads pages from (`held_live`) stays until a prune after that build.
        if (live is None or old.resolve() != live) and remove_unheld(old, removers):
            _manifest(old).unlink(missing_ok=True)
    sweep(rel_dir, "tmp-")
    for link in rel_dir.glob("link-*"):  # left by a process killed while switching (a switch takes microseconds)
        try:
            if time.time() - link.lstat().st_mtime > 60:
                link.unlink()
        except OSError:
            pass  # switched or removed meanwhile


def atomic_publish(output: Path, files: Mapping[str, bytes],
                   fill: Callable[[Path], None] | None = None) -> tuple[Path, list[str]]:
    """Write `files` (and whatever `fill` writes) as a new release of `output`, then switch.

    Returns the release directory and the paths changed against the previous release.
    Any exception leaves the previous release live and untouched.
    """
    return commit_staged(stage(output, files, fill))
