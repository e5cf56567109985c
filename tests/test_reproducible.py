"""Byte-identical builds across processes: the promise CDN ETags rely on.

Builds in one process can share memoised pieces, so they would agree even if a piece
depended on hash seeds, the working directory or the local time zone. Here each build is a
fresh `python3 -m alertcast build` with its own working directory, PYTHONHASHSEED, TZ and
locale, and the whole release, the real mkdocs site included, is compared byte for byte.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from outputs_support import tree

SRC = Path(__file__).resolve().parents[1] / "src"
MOMENT = "2026-11-22T12:00:00+08:00"  # the starter content has every state then


def build_in_fresh_process(project: Path, out: Path, cwd: Path, seed: str, tz: str, key: str) -> None:
    cwd.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "ALERTCAST_"))}
    env.update(PYTHONPATH=str(SRC), PYTHONHASHSEED=seed, TZ=tz, LC_ALL="C.UTF-8", ALERTCAST_SIGNING_KEY=key)
    proc = subprocess.run([sys.executable, "-m", "alertcast", "build", "-p", str(project), "--now", MOMENT,
                           "--output", str(out)], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "banners: signed" in proc.stderr


def test_two_fresh_processes_build_identical_trees(bundled, tmp_path):
    raw = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    key = base64.b64encode(raw).decode()
    a, b = tmp_path / "a" / "site", tmp_path / "b" / "out" / "site"
    build_in_fresh_process(bundled, a, tmp_path / "cwd-a", "1", "UTC", key)
    build_in_fresh_process(bundled, b, tmp_path / "cwd-b" / "deeper", "4242", "America/Los_Angeles", key)
    first, second = tree(a), tree(b)
    assert "index.html" in first and "en/index.html" in first and "sitemap.xml.gz" in first
    assert "api/v1/banners/zh.json.sig" in first and any(p.startswith("cap/") for p in first)
    assert sorted(first) == sorted(second)
    assert [p for p in first if first[p] != second[p]] == []


def test_builds_in_one_process_agree(bundled, tmp_path):
    """The daemon builds again and again in one process: Material loads the jieba user dictionary
    at each build (and for each Chinese language), and the search index must not drift with it."""
    from datetime import datetime

    from alertcast.config import load_config
    from alertcast.pipeline import build

    config = load_config(bundled)
    now = datetime.fromisoformat(MOMENT)
    first = tree(build(config, now, tmp_path / "first", signing_key=None).output)
    second = tree(build(config, now, tmp_path / "second", signing_key=None).output)
    assert "search/search_index.json" in first
    assert [p for p in first if first[p] != second.get(p)] == []
