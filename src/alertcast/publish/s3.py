"""S3-compatible deploy target (boto3): upload what changed, in a safe order, delete last.

Order keeps invariant 2 at the target too: assets, then pages, then feeds/CAP/indicators,
then banners; objects no longer in the release are deleted only after everything is up.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path

SHORT_CACHE = "public, max-age=60"
LONG_CACHE = "public, max-age=31536000, immutable"
DEFAULT_CACHE = "public, max-age=3600"
FINGERPRINTED = re.compile(r"\.[0-9a-f]{8,}(\.min)?\.[a-z0-9]+$")

_TYPES = (
    (re.compile(r"\.rss\.xml$"), "application/rss+xml"),
    (re.compile(r"\.atom(\.xml)?$"), "application/atom+xml"),
    (re.compile(r"^cap/.*\.xml$"), "application/cap+xml"),
    (re.compile(r"\.json$"), "application/json"),
    (re.compile(r"\.sig$"), "text/plain; charset=utf-8"),
    (re.compile(r"\.pem$"), "application/x-pem-file"),
    (re.compile(r"\.html?$"), "text/html; charset=utf-8"),
)


def content_type(path: str) -> str:
    for pattern, kind in _TYPES:
        if pattern.search(path):
            return kind
    guessed = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return guessed + ("; charset=utf-8" if guessed.startswith("text/") or guessed.endswith("javascript") else "")


def cache_control(path: str) -> str:
    if FINGERPRINTED.search(path):
        return LONG_CACHE
    if path.startswith(("api/", "feeds/", "cap/")) or path.endswith((".html", ".xml", ".json")) or path.endswith("/"):
        return SHORT_CACHE
    return DEFAULT_CACHE


def upload_rank(path: str) -> int:
    """Lower goes first: assets, pages, feeds and CAP, indicators, banners."""
    if path.startswith("api/v1/banners/"):
        return 4
    if path.startswith("api/"):
        return 3
    if path.startswith(("feeds/", "cap/")):
        return 2
    if path.endswith(".html"):
        return 1
    return 0


@dataclass
class S3Target:
    bucket: str
    prefix: str = ""
    endpoint_url: str | None = None
    region: str | None = None
    client: object | None = None

    def _client(self):  # type: ignore[no-untyped-def]
        if self.client is None:
            import boto3

            self.client = boto3.client("s3", endpoint_url=self.endpoint_url, region_name=self.region)
        return self.client

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix.strip('/')}" + (f" at {self.endpoint_url}" if self.endpoint_url else "")

    def _key(self, path: str) -> str:
        return (self.prefix.strip("/") + "/" + path) if self.prefix.strip("/") else path

    def remote_etags(self) -> dict[str, str]:
        s3 = self._client()
        prefix = self._key("") if self.prefix.strip("/") else ""
        out: dict[str, str] = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                out[obj["Key"][len(prefix):]] = obj["ETag"].strip('"')
        return out

    def deploy(self, release: Path) -> list[str]:
        """Upload changed objects, then delete removed ones; return the paths touched."""
        s3 = self._client()
        local = {p.relative_to(release).as_posix(): p for p in release.rglob("*") if p.is_file()}
        remote = self.remote_etags()
        touched: list[str] = []
        for path in sorted(local, key=lambda p: (upload_rank(p), p)):
            data = local[path].read_bytes()
            if remote.get(path) == hashlib.md5(data, usedforsecurity=False).hexdigest():
                continue
            s3.put_object(Bucket=self.bucket, Key=self._key(path), Body=data,
                          ContentType=content_type(path), CacheControl=cache_control(path))
            touched.append(path)
        removed = sorted(set(remote) - set(local))
        for i in range(0, len(removed), 1000):
            batch = [{"Key": self._key(p)} for p in removed[i:i + 1000]]
            s3.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
        return touched + removed
