"""The push webhook over real HTTP: a good signature syncs at once, a bad one gets 401 and changes
nothing; /healthz and /metrics answer."""

from __future__ import annotations

import requests
from daemon_support import Recorder, ahead, daemon_for, git, make_repo, real_pipeline_available, sign, wait_for

from alertcast.daemon.gitsync import head
from alertcast.daemon.webhook import verify


def test_verify_signature():
    body = b'{"ref":"refs/heads/main"}'
    assert verify("k", body, sign("k", body))
    assert not verify("k", body, sign("other", body))
    assert not verify("k", body + b" ", sign("k", body))
    assert not verify("k", body, None) and not verify("", body, sign("", body))
    assert not verify("k", body, sign("k", body).replace("sha256=", "sha1="))


def test_webhook_good_and_bad_signature(tmp_path):
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    recorder = Recorder(real_pipeline_available())
    daemon = daemon_for(live, recorder, sync_interval=3600)  # only the webhook can trigger a sync
    daemon.start()
    try:
        url = f"http://127.0.0.1:{daemon.port}"
        wait_for(lambda: recorder.of("publish"))
        assert requests.get(url + "/healthz", timeout=5).status_code == 200
        repo.commit_alert("hooked", ahead(-3600))
        body = b'{"ref":"refs/heads/main"}'
        before = head(live)

        bad = requests.post(url + "/hooks/git", data=body, timeout=5,
                            headers={"X-Hub-Signature-256": sign("wrong", body)})
        assert bad.status_code == 401
        missing = requests.post(url + "/hooks/git", data=body, timeout=5)
        assert missing.status_code == 401
        big = requests.post(url + "/hooks/git", data=b"x" * (2 << 20), timeout=5,
                            headers={"X-Hub-Signature-256": sign("s3cret", b"x")})
        assert big.status_code == 413
        import time

        time.sleep(1.0)
        assert head(live) == before and not any("hooked" in c.live for c in recorder.of("publish"))

        good = requests.post(url + "/hooks/git", data=body, timeout=5,
                             headers={"X-Hub-Signature-256": sign("s3cret", body)})
        assert good.status_code == 202
        wait_for(lambda: any("hooked" in c.live for c in recorder.of("publish")), timeout=10)
        assert head(live) == head(repo.editor)

        metrics = requests.get(url + "/metrics", timeout=5).text
        for name in ("alertcast_publish_duration_seconds_count", "alertcast_publishes_total{result=\"ok\"}",
                     "alertcast_last_successful_publish_timestamp_seconds", "alertcast_sync_errors_total",
                     "alertcast_next_boundary_timestamp_seconds", "alertcast_leader 1.0"):
            assert name in metrics, name
    finally:
        daemon.stop()


def test_health_reports_bad_content_and_keeps_last_outputs(tmp_path):
    repo = make_repo(tmp_path)
    live = repo.clone("live")
    recorder = Recorder(real_pipeline_available())
    daemon = daemon_for(live, recorder, sync_interval=3600)
    daemon.start()
    try:
        url = f"http://127.0.0.1:{daemon.port}"
        wait_for(lambda: recorder.of("publish"))
        good_outputs = sorted(p.relative_to(daemon.config.output_dir).as_posix()
                              for p in daemon.config.output_dir.rglob("*") if p.is_file())
        snapshot = {p: (daemon.config.output_dir / p).read_bytes() for p in good_outputs}
        bad = repo.editor / "content" / "alerts" / "broken.en.md"
        bad.write_text("---\ntitle: x\nseverity: apocalyptic\n---\nbody\n")
        git(repo.editor, "add", "-A"); git(repo.editor, "commit", "-qm", "bad"); git(repo.editor, "push", "-q")  # noqa: E702
        daemon.sync_now()
        health = requests.get(url + "/healthz", timeout=5)
        assert health.status_code == 503
        assert "broken.en.md" in health.json()["status"]
        assert {p: (daemon.config.output_dir / p).read_bytes() for p in good_outputs} == snapshot
        # held back, not failed: what is live stays, and its boundaries are still published
        metrics = requests.get(url + "/metrics", timeout=5).text
        assert "alertcast_content_held_back 1.0" in metrics
        assert 'alertcast_publishes_total{result="error"} 1.0' not in metrics
    finally:
        daemon.stop()


def test_a_failing_route_is_logged_not_printed_as_a_traceback(capfd, caplog):
    """The server runs on threads: a traceback printed there would land in the daemon's stderr
    (and in whatever else holds stderr at that moment), unformatted and outside the log."""
    import logging

    from alertcast.daemon.webhook import Routes, serve

    def broken_health():
        raise RuntimeError("state store unreachable")

    server = serve(Routes(None, lambda: None, broken_health, lambda: (b"", "text/plain")), "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with caplog.at_level(logging.ERROR, logger="alertcast.daemon.http"):
            try:
                requests.get(url + "/healthz", timeout=5)
            except requests.ConnectionError:
                pass  # the server hangs up on a request it could not answer
            assert requests.get(url + "/nothing", timeout=5).status_code == 404  # and keeps serving
        assert "Traceback" not in capfd.readouterr().err
        assert any("RuntimeError: state store unreachable" in r.getMessage() for r in caplog.records)
    finally:
        server.shutdown()
        server.server_close()
