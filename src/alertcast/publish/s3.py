"""S3-compatible deploy target (boto3): upload what changed, in a safe order, delete last.

Order keeps invariant 2 at the target too (see `upload_rank`): assets and alert pages, then
the other pages, then listings, search index and sitemap, then feeds and CAP, then the other
API files and the banners; objects no longer in the release are deleted only after
everything is up, and never a published CAP message (`kept`).
Each banner's `.sig` is put right after its `.json`, with nothing in between, in the order
apps read them (JSON, then signature): an app gets a mismatched pair only when its two
requests straddle those two uploads, and it then fetches both again once (docs/outputs.md).
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .target import kept
from .output import OutputError

SHORT_CACHE = "public, max-age=60"
LONG_CACHE = "public, max-age=31536000, immutable"
DEFAULT_CACHE = "public, max-age=3600"
#: A name with a content hash (`main.6f3a2b1c.min.css`), and its source map (`….min.css.map`).
FINGERPRINTED = re.compile(r"\.[0-9a-f]{8,}(\.min)?\.[a-z0-9]+(\.map)?$")

_TYPES = (
    (re.compile(r"\.rss\.xml$"), "application/rss+xml"),
    (re.compile(r"\.atom(\.xml)?$"), "application/atom+xml"),
    (re.compile(r"^cap/.*\.xml$"), "application/cap+xml"),
    (re.compile(r"\.json$"), "application/json"),
    (re.compile(r"\.sig$"), "text/plain; charset=utf-8"),
    (re.compile(r"\.pem$"), "application/x-pem-file"),
    (re.compile(r"\.html?$"), "text/html; charset=utf-8"),
    (re.compile(r"\.map$"), "application/json"),  # source maps are JSON
    (re.compile(r"\.jsonl$"), "application/jsonl"),
    (re.compile(r"\.ics$"), "text/calendar; charset=utf-8"),
)
#: Python's own table only: the system's /etc/mime.types differs between machines, and the
#: same release must be stored with the same types wherever it is deployed from.
_GUESS = mimetypes.MimeTypes(filenames=())


def content_type(path: str) -> str:
    """The Content-Type to store. A `.gz` file (mkdocs' sitemap.xml.gz) is a gzip file, served
    as such: `application/gzip` (RFC 6713) with no Content-Encoding, so clients keep the bytes
    as they are instead of unpacking them under a `.gz` name (crawlers unpack sitemaps)."""
    for pattern, kind in _TYPES:
        if pattern.search(path):
            return kind
    guessed, encoding = _GUESS.guess_type(path)
    if encoding == "gzip":
        return "application/gzip"
    guessed = guessed or "application/octet-stream"
    return guessed + ("; charset=utf-8" if guessed.startswith("text/") or guessed.endswith("javascript") else "")


def cache_control(path: str) -> str:
    if FINGERPRINTED.search(path):
        return LONG_CACHE
    if path.startswith(("api/", "feeds/", "cap/", "calendar/")) or path.endswith((".html", ".xml", ".json")) or path.endswith("/"):
        return SHORT_CACHE
    return DEFAULT_CACHE


_ALERT_PAGE = re.compile(r"^(?:[a-z]{2,3}(?:-[A-Za-z0-9]+)*/)?alerts/(?!category/)[^/]+/index\.html$")
_LISTING = re.compile(r"^(?:[a-z]{2,3}(?:-[A-Za-z0-9]+)*/)?(?:index|alerts/index|alerts/category/[^/]+/index|guides/index)\.html$")
_INDEXES = re.compile(r"(?:^|/)(?:search/search_index\.json|sitemap\.xml(?:\.gz)?|robots\.txt)$")


def upload_rank(path: str) -> int:
    """Lower goes first, so nothing links to what is not up yet: assets and alert pages; the
    other pages (guides, FAQ: they may link to an alert); listings (home, alert and guide
    indexes), the search index and the sitemap; feeds, CAP and calendars; the other API files
    (indicators); banners, last (sorted by path within a rank, so `<lang>.json.sig` comes
    right after `<lang>.json`)."""
    if path.startswith("api/v1/banners/"):
        return 6
    if path.startswith("api/"):
        return 5
    if path.startswith(("feeds/", "cap/", "calendar/")):
        return 4
    if _LISTING.match(path) or _INDEXES.search(path):
        return 3
    if path.endswith(".html") and not _ALERT_PAGE.match(path):
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

    def deploy(self, release: Path, progress: Callable[[int, int], None] | None = None,
               keep: Callable[[str], bool] | None = None) -> list[str]:
        """Upload changed objects, then delete removed ones; return the paths touched.

        A deploy that fails midway leaves every object either old or new (each PUT is atomic)
        and nothing deleted yet (deletions come last); running it again uploads only what is
        still missing. An endpoint that cannot be reached, or refuses, is an OutputError.
        `progress(done, total)` is called after each upload or delete batch. Objects for
        which `keep(path)` is true, and published CAP messages, are never deleted.
        """
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self._deploy(release, progress, keep)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise OutputError(f"cannot deploy to {self.describe()}: {error.get('Code', 'error')}: "
                              f"{error.get('Message', exc)}; check deploy.bucket in mkdocs.yml and the "
                              "credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)") from None
        except BotoCoreError as exc:
            raise OutputError(f"cannot deploy to {self.describe()}: {exc}; check deploy.endpoint_url and "
                              "deploy.region in mkdocs.yml, the network, and the AWS credentials") from None

    def _deploy(self, release: Path, progress: Callable[[int, int], None] | None,
                keep: Callable[[str], bool] | None) -> list[str]:
        s3 = self._client()
        local = {p.relative_to(release).as_posix(): p for p in release.rglob("*") if p.is_file()}
        remote = self.remote_etags()
        changed = [path for path in sorted(local, key=lambda p: (upload_rank(p), p))
                   if remote.get(path) != hashlib.md5(local[path].read_bytes(), usedforsecurity=False).hexdigest()]
        removed = sorted(p for p in set(remote) - set(local) if not kept(p) and not (keep and keep(p)))
        batches = [removed[i:i + 1000] for i in range(0, len(removed), 1000)]
        total = len(changed) + len(batches)
        for done, path in enumerate(changed, 1):
            s3.put_object(Bucket=self.bucket, Key=self._key(path), Body=local[path].read_bytes(),
                          ContentType=content_type(path), CacheControl=cache_control(path))
            if progress is not None:
                progress(done, total)
        for done, batch in enumerate(batches, len(changed) + 1):
            s3.delete_objects(Bucket=self.bucket, Delete={"Objects": [{"Key": self._key(p)} for p in batch], "Quiet": True})
            if progress is not None:
                progress(done, total)
        return changed + removed
