"""Git sync against a real bare 'origin': fast-forward only, local changes and divergence reported."""

from __future__ import annotations

from daemon_support import git, make_repo

from alertcast.daemon.gitsync import head, sync


def test_fast_forwards_to_upstream(tmp_path):
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    assert sync(live) == sync(live)  # nothing new: idempotent
    assert not sync(live).changed
    (repo.editor / "content" / "new.en.md").write_text("# New\n")
    git(repo.editor, "add", "-A"); git(repo.editor, "commit", "-qm", "new"); git(repo.editor, "push", "-q")  # noqa: E702
    result = sync(live)
    assert result.ok and result.changed and result.new == head(repo.editor)
    assert (live / "content" / "new.en.md").exists()


def test_local_changes_are_reported_not_clobbered(tmp_path):
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    edited = live / "content" / "index.en.md"
    edited.write_text("local edit\n")
    (repo.editor / "content" / "index.zh.md").write_text("upstream edit\n")
    git(repo.editor, "commit", "-qam", "up"); git(repo.editor, "push", "-q")  # noqa: E702
    before = head(live)
    result = sync(live)
    assert not result.ok and "local changes" in result.error
    assert edited.read_text() == "local edit\n" and head(live) == before


def test_diverged_history_is_reported(tmp_path):
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    (live / "content" / "index.en.md").write_text("local commit\n")
    git(live, "commit", "-qam", "local")
    (repo.editor / "content" / "index.zh.md").write_text("upstream edit\n")
    git(repo.editor, "commit", "-qam", "up"); git(repo.editor, "push", "-q")  # noqa: E702
    before = head(live)
    result = sync(live)
    assert not result.ok and "fast-forward" in result.error and head(live) == before


def test_not_a_checkout(tmp_path):
    result = sync(tmp_path)
    assert not result.ok and "not a git checkout" in result.error


def test_overlapping_syncs_in_one_daemon_neither_fail_nor_publish_twice(tmp_path):
    """The interval sync and a webhook-triggered one can overlap; git on one checkout must not
    run twice at once (index.lock, FETCH_HEAD), and one change is one publish."""
    import threading

    from daemon_support import Recorder, ahead, daemon_for

    from alertcast.daemon import publog

    repo = make_repo(tmp_path)
    recorder = Recorder(False)
    daemon = daemon_for(repo.clone("live"), recorder, sync_interval=3600, listen=None)
    daemon.start()
    try:
        for i in range(3):
            repo.commit_alert(f"later-{i}", ahead(600))
            threads = [threading.Thread(target=daemon.sync_now) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
        failed = [e.detail for e in publog.entries(daemon.engine, "sync") if not e.ok]
        assert failed == [] and daemon.last_sync_error is None
        assert [c.now for c in recorder.of("publish")] == sorted(c.now for c in recorder.of("publish"))
        assert len(recorder.of("publish")) == 1 + 3  # start, then one per change
    finally:
        daemon.stop()


def test_a_remote_that_does_not_answer_is_a_failed_sync_within_the_timeout(tmp_path):
    """git fetch from a remote that never answers (here a transport command that only sleeps, as
    ssh to a host that dropped off would) ends as a reported failure, not a sync job that hangs
    (or, before there was a timeout here, one that raised), and leaves no git or transport behind."""
    import time

    repo = make_repo(tmp_path)
    live = repo.clone("live")
    git(live, "config", "protocol.ext.allow", "always")
    git(live, "remote", "set-url", "origin", "ext::sh -c sleep% 59.77")
    before = head(live)
    started = time.monotonic()
    result = sync(live, timeout=1.0)
    assert time.monotonic() - started < 5
    assert not result.ok and not result.changed and "did not finish within 1 s" in result.error, result
    assert head(live) == before
    import subprocess

    left = subprocess.run(["pgrep", "-f", "sleep 59.77"], capture_output=True, text=True).stdout.split()
    assert left == [], left
