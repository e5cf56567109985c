"""The content of the last commit that passes `check`, for while the newest one does not.

One editor's typo must not stop time (invariant 5): expiries, withdrawals and scheduled alerts
still take effect to the second. So the daemon walks back from the broken commit, exports the
content folder of each older commit (`git archive`, nothing in the checkout is touched) and
publishes from the first one that loads without errors, until a fixed commit arrives.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..content.loader import load_content

HISTORY = 50  # commits looked at, newest first, before giving up
FOLDER = ".alertcast/last-good"  # under the project root; one folder per exported commit


@dataclass(frozen=True)
class HeldBack:
    """The newest commit fails `check`: what is published instead, and why."""

    commit: str | None  # the newest commit of the checkout (None: not a git checkout)
    problems: str  # its errors, one line (file:line: what, how to fix)
    good: str | None = None  # the last commit that passes, published instead; None: none found
    folder: Path | None = None  # `good`'s content folder, exported


def with_content(config: Config, folder: Path) -> Config:
    """`config`, reading content from `folder` (outputs, state and settings unchanged)."""
    settings = config.settings.model_copy(update={"content_dir": str(folder)})
    return Config(config.root, config.site_name, config.site_url, settings, config.raw)


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, timeout=60)


def _export(checkout: Path, commit: str, dest: Path) -> bool:
    """The content folder as it was at `commit`, in `dest`; False when it did not exist then."""
    prefix = _git(checkout, "rev-parse", "--show-prefix").stdout.decode().strip().rstrip("/")
    top = _git(checkout, "rev-parse", "--show-toplevel").stdout.decode().strip()
    archive = _git(Path(top), "archive", "--format=tar", f"{commit}:{prefix}")  # from the top: git wants it
    if archive.returncode != 0:
        return False
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")  # no links out, no absolute paths, no devices
    return True


def find(config: Config, head: str) -> tuple[str, Path] | None:
    """The newest ancestor of `head` whose content loads without errors, and the folder it is
    exported to; None if there is none in the last HISTORY commits."""
    checkout = config.content_dir
    listed = _git(checkout, "rev-list", "--first-parent", f"--max-count={HISTORY}", f"{head}~1")
    base = config.root / FOLDER
    for commit in listed.stdout.decode().split() if listed.returncode == 0 else []:
        folder = base / commit
        if not folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            if not _export(checkout, commit, folder):
                continue
        content, _problems = load_content(with_content(config, folder), cache=None)
        if content is not None:
            clean(config, keep=commit)
            return commit, folder
        shutil.rmtree(folder, ignore_errors=True)
    return None


def clean(config: Config, keep: str | None = None) -> None:
    """Remove exported folders (all, or all but `keep`'s)."""
    base = config.root / FOLDER
    if not base.is_dir():
        return
    for folder in base.iterdir():
        if folder.name != keep:
            shutil.rmtree(folder, ignore_errors=True)
