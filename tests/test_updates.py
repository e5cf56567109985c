"""Corrections and updates are not withdrawals: every update keeps its time and note, and a
withdrawal whose reason says the warning still stands is a correction in the wrong place."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from alertcast.config import load_config
from alertcast.checks.load import load_or_raise
from alertcast.plan import Plan
from alertcast.render.site import stage

from conftest import CST, NOW

LIVE = "content/alerts/live-phishing.{lang}.md"
OLD = {"zh": 'updated_at: 2026-03-02T12:00:00+08:00\nupdate_note: "补充了识别方法。"\n',
       "en": 'updated_at: 2026-03-02T12:00:00+08:00\nupdate_note: "Added how to tell."\n'}
NOTES = {"zh": ("补充了识别方法。", "新增微信号。", "更正：删除了错误的 TRON 地址。"),
         "en": ("Added how to tell.", "Added the new WeChat ID.", "Corrected: removed the wrong TRON address.")}
TIMES = ("2026-03-02T12:00:00+08:00", "2026-03-05T09:00:00+08:00", "2026-03-06T18:30:00+08:00")


def _with_updates(project, times=TIMES):
    for lang in ("zh", "en"):
        path = project / LIVE.format(lang=lang)
        text = path.read_text(encoding="utf-8")
        entries = "".join(f"  - at: {at}\n    note: \"{note}\"\n" for at, note in zip(times, NOTES[lang]))
        path.write_text(text.replace(OLD[lang], "updates:\n" + entries), encoding="utf-8")


def _page(project, now, lang, tmp_path):
    config = load_config(project)
    docs = tmp_path / f"docs-{lang}"
    stage(Plan.at(load_or_raise(config), now), config, lang, docs)
    return (docs / "alerts" / "live-phishing.md").read_text(encoding="utf-8")


def test_updates_list_is_read_oldest_first_and_the_latest_drives_revision(project):
    _with_updates(project, times=(TIMES[2], TIMES[0], TIMES[1]))  # any order in the file
    alert = load_or_raise(load_config(project)).alert("live-phishing")
    assert [u.at.isoformat() for u in alert.updates] == list(TIMES)
    assert [u.note["zh"] for u in alert.updates] == [NOTES["zh"][1], NOTES["zh"][2], NOTES["zh"][0]]
    assert alert.updated_at.isoformat() == TIMES[2]
    assert alert.update_note == {"zh": NOTES["zh"][0], "en": NOTES["en"][0]}


def test_old_updated_at_and_update_note_become_a_one_entry_list(content):
    alert = content.alert("live-phishing")
    assert [(u.at.isoformat(), u.note) for u in alert.updates] == [
        ("2026-03-02T12:00:00+08:00", {"zh": "补充了识别方法。", "en": "Added how to tell."})]
    withdrawn = content.alert("withdrawn-fake-app")
    assert withdrawn.updates == ()  # its updated_at is the withdrawal, not an update


def test_page_shows_every_update_newest_first_in_both_languages(project, tmp_path):
    _with_updates(project)
    for lang in ("zh", "en"):
        page = _page(project, NOW, lang, tmp_path)
        found = [page.index(note) for note in NOTES[lang]]
        assert found == sorted(found, reverse=True), (lang, found)  # newest first


def test_an_update_still_ahead_is_not_shown_but_the_earlier_ones_are(project, tmp_path):
    _with_updates(project)
    between = datetime(2026, 3, 6, 12, 0, tzinfo=CST)
    alert = Plan.at(load_or_raise(load_config(project)), between).content.alert("live-phishing")
    assert alert.updated_at.isoformat() == TIMES[1] and alert.revision == "20260305T010000Z"
    page = _page(project, between, "en", tmp_path)
    assert NOTES["en"][0] in page and NOTES["en"][1] in page and NOTES["en"][2] not in page
    plan = Plan.at(load_or_raise(load_config(project)), between)
    assert plan.next_change_at == datetime.fromisoformat(TIMES[2])


def test_translations_must_list_the_same_update_times(project, cli):
    _with_updates(project)
    path = project / LIVE.format(lang="en")
    path.write_text(path.read_text(encoding="utf-8").replace(TIMES[1], "2026-03-05T10:00:00+08:00"),
                    encoding="utf-8")
    result = cli("check", "-p", project)
    assert result.exit_code == 1
    assert re.search(r"live-phishing\.en\.md:\d+:\d+: error: the times of 'updates' differ", result.stdout)


def test_an_update_before_publishing_or_after_the_withdrawal_is_an_error(project, cli):
    _with_updates(project, times=("2026-02-01T12:00:00+08:00", *TIMES[1:]))
    result = cli("check", "-p", project)
    assert result.exit_code == 1 and "before publish_at" in result.stdout


def _withdraw(project, reasons):
    for lang, reason in reasons.items():
        path = project / LIVE.format(lang=lang)
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(OLD[lang], f'updated_at: 2026-03-05T09:00:00+08:00\nwithdrawn: "{reason}"\n'),
                        encoding="utf-8")


def test_a_withdrawal_reason_saying_the_warning_still_stands_is_a_warning_at_its_line(project, cli):
    _withdraw(project, {"zh": "TRON 地址写错了，已删除；其余警告仍然有效。",
                        "en": "The TRON address was wrong; the rest of the warning still stands."})
    result = cli("check", "-p", project)
    lines = result.stdout.splitlines()
    zh = [line for line in lines if "live-phishing.zh.md" in line and "仍然有效" in line]
    en = [line for line in lines if "live-phishing.en.md" in line and "still stands" in line]
    assert zh and en, result.stdout
    for line in zh + en:
        assert re.match(r"content/alerts/live-phishing\.(zh|en)\.md:8:1: warning: ", line), line  # the withdrawn line
        assert "add an entry to updates" in line


def test_a_withdrawal_reason_that_says_it_was_wrong_is_not_warned_about(project, cli):
    _withdraw(project, {"zh": "误报：该网站确为官方网站。", "en": "Reported in error: the site is ours."})
    result = cli("check", "-p", project)
    assert "still" not in result.stdout and "updates" not in result.stdout, result.stdout


def test_every_phrasing_of_still_valid_is_caught(project, cli):
    for zh, en in (("警告依然有效", "The warning is still valid."), ("其余内容仍有效", "The rest still applies."),
                   ("警告仍然成立", "The warning remains in effect.")):
        _withdraw(project, {"zh": zh, "en": en})
        result = cli("check", "-p", project)
        assert result.stdout.count("withdrawal reason says the warning still stands") == 2, (zh, en, result.stdout)
        for lang in ("zh", "en"):  # back to the original for the next pair
            path = project / LIVE.format(lang=lang)
            path.write_text(re.sub(r'updated_at: 2026-03-05T09:00:00\+08:00\nwithdrawn: "[^"]*"\n', OLD[lang],
                                   path.read_text(encoding="utf-8")), encoding="utf-8")


def test_scaffold_updates_example_is_valid_when_uncommented(cli, project):
    now = NOW + timedelta(days=1)
    cli("new", "alert", "fake-airdrop-2026", "-p", project, "--now", now.isoformat())
    for lang in ("zh", "en"):
        path = project / "content" / "alerts" / f"fake-airdrop-2026.{lang}.md"
        text = path.read_text(encoding="utf-8")
        example = re.search(r"(?:e\.g\.|例如) (\[\{at: [^\]]+\}\])", text).group(1)
        path.write_text(text.replace("\npublish_at:", f"\nupdates: {example}\npublish_at:", 1), encoding="utf-8")
    result = cli("check", "-p", project)
    assert "updates" not in result.stdout, result.stdout
    assert "placeholder left from `alertcast new`: write the title" in result.stdout  # the file was read


def test_a_withdrawn_alert_keeps_its_earlier_updates_in_the_history(project, tmp_path):
    _with_updates(project, times=TIMES[:2])
    for lang, reason in (("zh", "误报：该网站确为官方网站。"), ("en", "Reported in error: the site is ours.")):
        path = project / LIVE.format(lang=lang)
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("channels:", f'updated_at: 2026-03-07T08:00:00+08:00\nwithdrawn: "{reason}"\n'
                                     "channels:", 1), encoding="utf-8")
    page = _page(project, NOW, "en", tmp_path)
    history = page[page.index("Reported in error"):]
    found = [page.index("Reported in error: the site is ours."), page.index(NOTES["en"][1]), page.index(NOTES["en"][0])]
    assert found == sorted(found), found  # the withdrawal, then the updates, newest first
    assert history.count("Updated") >= 2
