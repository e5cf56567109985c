"""The urgent path: an alert whose publish_at has passed when it is pushed goes live at the push's
sync, with the real pipeline (site included), in one release; the daemon reads content/ once for it."""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from daemon_support import make_repo, sign, wait_for

from alertcast.config import load_config
from alertcast.daemon.service import Daemon


def _past() -> datetime:
    return (datetime.now(timezone.utc) - timedelta(minutes=1)).replace(microsecond=0)


def _banner_ids(root: Path, lang: str) -> list[str]:
    return [b["id"] for b in json.loads((root / "api" / "v1" / "banners" / f"{lang}.json").read_bytes())["banners"]]


def _daemon(checkout: Path, **options) -> Daemon:  # type: ignore[no-untyped-def]
    """The daemon as `alertcast run` makes it: its own pipeline, parse and render caches."""
    return Daemon(load_config(checkout), sync_interval=3600, dispatch_interval=3600, lease_ttl=10.0, **options)


def test_a_publish_after_a_push_loads_content_once(tmp_path):
    """The daemon loads content/ to plan a publish, and its pipeline builds from that load, not
    from a second walk and check of every file (a thousand alerts make each one cost)."""
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    daemon = _daemon(live, listen=None)
    daemon.start()
    try:
        wait_for(lambda: daemon.last_publish_ok, timeout=120)
        assert daemon.next_boundary is None  # nothing else (a release prepared ahead) loads meanwhile
        loads = daemon._parsed.loads
        repo.commit_alert("urgent", _past(), channels="[banner]")
        daemon.sync_now()  # fetch, fast-forward, publish
        assert "urgent" in _banner_ids(daemon.config.output_dir, "zh")
        assert daemon._parsed.loads == loads + 1
    finally:
        daemon.stop()


def test_an_urgent_alert_goes_live_with_its_page_listings_and_feeds_in_one_release(tmp_path):
    """Invariant 2 on the urgent path: a reader looking at the output at any moment after the
    push's webhook sees either no trace of the alert, or its banner entry together with its page,
    the alert listing and the feeds that link to it, in both languages: never a banner that
    links to a page not live yet."""
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    daemon = _daemon(live, webhook_secret="s3cret", listen=("127.0.0.1", 0))
    output = daemon.config.output_dir
    daemon.start()
    seen: list[tuple[bool, ...]] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            root = Path(os.path.realpath(output))
            try:
                seen.append(tuple(
                    fact for lang, prefix in (("zh", ""), ("en", "en/")) for fact in (
                        "urgent" in _banner_ids(root, lang),
                        (root / prefix / "alerts" / "urgent" / "index.html").is_file(),
                        'href="urgent/"' in (root / prefix / "alerts" / "index.html").read_text(encoding="utf-8"),
                        "/alerts/urgent/" in (root / "feeds" / f"alerts.{lang}.rss.xml").read_text(encoding="utf-8"),
                        "/alerts/urgent/" in (root / "feeds" / f"alerts.{lang}.atom.xml").read_text(encoding="utf-8"),
                        "/alerts/urgent/" in (root / "feeds" / f"alerts.{lang}.json").read_text(encoding="utf-8"))))
            except (FileNotFoundError, NotADirectoryError):
                continue  # no release yet, or one pruned after it was resolved: look again

    try:
        wait_for(lambda: daemon.last_publish_ok, timeout=120)
        thread = threading.Thread(target=reader)
        thread.start()
        try:
            repo.commit_alert("urgent", _past(), channels="[banner]")
            body = b'{"ref": "refs/heads/main"}'
            requests.post(f"http://127.0.0.1:{daemon.port}/hooks/git", data=body, timeout=5,
                          headers={"X-Hub-Signature-256": sign("s3cret", body)}).raise_for_status()
            wait_for(lambda: seen and all(seen[-1]), timeout=120)
        finally:
            stop.set()
            thread.join()
    finally:
        daemon.stop()
    states = set(seen)
    assert states == {(False,) * 12, (True,) * 12}, [s for s in states if any(s) and not all(s)]
