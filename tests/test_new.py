"""`alertcast new`: both language files, every field explained, and the result passes `check`."""

from __future__ import annotations

from conftest import NOW


def test_new_alert_scaffolds_both_languages_and_checks_clean(cli, project):
    result = cli("new", "alert", "fake-airdrop-2026", "-p", project, "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    for lang in ("zh", "en"):
        path = project / "content" / "alerts" / f"fake-airdrop-2026.{lang}.md"
        text = path.read_text(encoding="utf-8")
        assert "publish_at: 2026-03-15T00:00:00+08:00" in text  # in the configured time zone
        for key in ("severity", "category", "expires_at", "updated_at", "withdrawn", "channels", "banner",
                    "scam_indicators", "related", "frequency", "min_app_version"):
            assert f"# {key}:" in text or f"{key}:" in text, key
    checked = cli("check", "-p", project)
    assert checked.exit_code == 0, checked.output


def test_new_guide(cli, project):
    result = cli("new", "guide", "use-a-hardware-wallet", "-p", project, "--now", NOW.isoformat())
    assert result.exit_code == 0
    assert (project / "content/guides/use-a-hardware-wallet.en.md").exists()
    assert cli("check", "-p", project).exit_code == 0


def test_new_refuses_to_overwrite(cli, project):
    result = cli("new", "alert", "live-phishing", "-p", project)
    assert result.exit_code == 1
    assert "already exists; choose another name or edit the existing file" in result.output
    assert "Traceback" not in result.output


def test_new_rejects_bad_slug(cli, project):
    result = cli("new", "alert", "Fake Airdrop", "-p", project)
    assert result.exit_code == 1
    assert "'Fake Airdrop' is not a valid name" in result.output


def test_now_without_time_zone_is_refused(cli, project):
    result = cli("new", "alert", "x-y", "-p", project, "--now", "2026-03-15T00:00:00")
    assert result.exit_code == 2
    assert "has no time zone" in result.output
