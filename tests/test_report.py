"""`alertcast report`: what a pull request publishes, read from git, for the reviewer."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURE, NOW
from git_support import commit_all

IDENTITY = ["-c", "user.name=Alertcast Tests", "-c", "user.email=tests@alertcast.invalid"]
LONG_SUMMARY = "骗子复制领取页面，要你签名授权，然后转走你的代币。" * 20


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *IDENTITY, "-C", str(cwd), *args], check=True, capture_output=True,
                          text=True).stdout


def edit(path: Path, *pairs: tuple[str, str]) -> None:
    text = path.read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in text, (path, old)
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")


def set_summary(path: Path, summary: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^summary: .*$", lambda _: f"summary: {json.dumps(summary, ensure_ascii=False)}", text, count=1, flags=re.MULTILINE),
                    encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The fixture project committed once, then changed in the working tree:

    new-drop is added (with a Chinese summary too long for Mastodon, the strictest channel it goes
    to; both post in Chinese), scheduled-maintenance is modified (publish_at and English title),
    live-phishing is withdrawn, expired-airdrop is untouched.
    """
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    commit_all(root, "base")
    alerts = root / "content" / "alerts"
    for lang in ("zh", "en"):
        source = (alerts / f"expired-airdrop.{lang}.md").read_text(encoding="utf-8")
        target = alerts / f"new-drop.{lang}.md"
        target.write_text(source.replace("publish_at: 2026-02-01T08:00:00+08:00", "publish_at: 2026-03-16T08:00:00+08:00")
                          .replace("expires_at: 2026-02-20T08:00:00+08:00", "expires_at: 2026-04-20T08:00:00+08:00")
                          .replace("channels: [banner, cap]", "channels: [banner, telegram, mastodon]"),
                          encoding="utf-8")
        edit(alerts / f"scheduled-maintenance.{lang}.md",
             ("publish_at: 2026-04-01T09:00:00+08:00", "publish_at: 2026-03-31T09:00:00+08:00"))
        edit(alerts / f"live-phishing.{lang}.md", ("channels:", 'withdrawn: "Reported in error."\nchannels:'))
    set_summary(alerts / "new-drop.zh.md", LONG_SUMMARY)
    edit(alerts / "scheduled-maintenance.en.md", ("Node maintenance notice", "Node maintenance moved"))
    return root


def report(cli, root: Path, *args: str):
    return cli("report", str(root), "--now", NOW.isoformat(), *args)


def test_report_names_each_change_and_its_kind(cli, repo):
    result = report(cli, repo, "--base", "main")
    out = result.output
    assert "== new-drop: added (advisory, scheduled)" in out
    assert "== scheduled-maintenance: modified (info, scheduled)" in out
    assert "== live-phishing: withdrawn (warning, withdrawn)" in out
    assert "expired-airdrop" not in out  # unchanged alerts are not listed
    block = out.split("== scheduled-maintenance")[1].split("\n== ")[0]
    changed = next(line for line in block.splitlines() if line.strip().startswith("changed:"))
    assert "publish_at" in changed and "title (en)" in changed and "summary" not in changed
    withdrawn = out.split("== live-phishing")[1].split("\n== ")[0]
    assert "changed:   withdrawn" in withdrawn


def test_report_says_what_a_new_alert_posts_where_and_when(cli, repo):
    """Not a bare "posts: post": an editor reads what goes out, on which channels, from when."""
    out = report(cli, repo, "--base", "main").output
    block = out.split("== new-drop")[1].split("\n== ")[0]
    assert "   posts:     post: a new post goes out on telegram, mastodon at publish_at (nothing goes out before it)\n" \
        in block, block
    live = report(cli, repo, "--base", "main", "--now", "2026-03-17T00:00:00+08:00").output
    block = live.split("== new-drop")[1].split("\n== ")[0]
    assert "   posts:     post: a new post goes out on telegram, mastodon at the next publish\n" in block, block


def test_report_takes_the_project_as_every_command_does(cli, repo):
    by_path = report(cli, repo, "--base", "main")
    by_option = cli("report", "-p", repo, "--base", "main", "--now", NOW.isoformat())
    assert by_option.exit_code == by_path.exit_code == 1, by_option.output  # new-drop's summary is too long
    assert by_option.output == by_path.output
    assert cli("report", "--project", repo, "--base", "main", "--now", NOW.isoformat()).output == by_path.output


def test_report_says_when_each_alert_goes_live_in_the_editors_zone_with_offset_and_label(cli, repo):
    out = report(cli, repo, "--base", "main").output
    assert "goes live: 2026-03-16 08:00 Beijing time (UTC+8)" in out
    assert "goes live: 2026-03-31 09:00 Beijing time (UTC+8)" in out
    assert "Asia/Shanghai (" not in out and ":00 UTC)" not in out  # one way of writing a time
    # the banner file's UTC times are said in the editors' zone too
    assert "starts_at 2026-03-16T00:00:00Z is 2026-03-16 08:00 Beijing time (UTC+8)" in out


def test_report_shows_each_channel_post_length_against_its_limit(cli, repo):
    out = report(cli, repo, "--base", "main").output
    block = out.split("== new-drop")[1].split("\n== ")[0]
    telegram = re.search(r"-- telegram \[zh\] post: (\d+)/4096 characters ✅", block)
    mastodon = re.search(r"-- mastodon \[zh\] post: (\d+)/500 characters \(links count 23\) ❌ would be cut", block)
    assert telegram and mastodon, block
    assert "https://help.fixture.example/alerts/new-drop/" in block  # the post text itself
    withdrawn = out.split("== live-phishing")[1].split("\n== ")[0]
    assert re.search(r"-- mastodon \[zh\] withdraw: \d+/500", withdrawn)
    assert "banner [zh]: withdrawn: in no banner" in withdrawn


def test_report_flags_a_summary_too_long_for_the_strictest_channel(cli, repo):
    result = report(cli, repo, "--base", "main")
    assert result.exit_code == 1  # an error blocks the merge
    block = result.output.split("== new-drop")[1].split("\n== ")[0]
    assert re.search(r"❌ content/alerts/new-drop\.zh\.md:\d+:\d+: error: the mastodon post is \d+/500 \(as Mastodon "
                     r"counts: characters, links count 23\); shorten the summary by at least \d+", block), block
    assert "error(s)" in result.output.splitlines()[1]


def test_report_shows_the_banner_apps_will_get(cli, repo):
    out = report(cli, repo, "--base", "main", "--format", "markdown").output
    assert "| `new-drop` | added | advisory | 2026-03-16 08:00 Beijing time (UTC+8) | scheduled |" in out
    section = out.split("### `new-drop` — added")[1].split("\n### ")[0]
    banner = json.loads(section.split("`en` (from publish_at)\n\n```json\n")[1].split("\n```")[0])
    assert banner["id"] == "new-drop" and banner["starts_at"] == "2026-03-16T00:00:00Z"
    assert banner["action_url"] == "https://help.fixture.example/en/alerts/new-drop/"
    assert "| mastodon | zh | post | 500 | 500 characters (links count 23) | ❌ would be cut to fit (an error: shorten the text) |" in section


def _posts_table(section: str) -> list[dict]:
    """The rows of a change's **Posts** table in the Markdown summary."""
    if "**Posts**" not in section:
        return []
    rows = [line for line in section.split("**Posts**", 1)[1].split("\n\n", 2)[1].splitlines() if line.startswith("| ")]
    head = [c.strip() for c in rows[0].strip("|").split("|")]
    return [dict(zip(head, (c.strip() for c in row.strip("|").split("|")))) for row in rows[2:]]


def test_report_between_two_commits_as_a_pull_request_summary(cli, repo):
    """As the content check runs it on a pull request: the base and head commits, read from git
    (the working tree is elsewhere), in the Markdown of the job summary."""
    commit_all(repo, "change")
    git(repo, "checkout", "--quiet", "main~1")  # the working tree no longer has the change
    result = report(cli, repo, "--base", "main~1", "--head", "main", "--format", "markdown")
    assert not (repo / "content" / "alerts" / "new-drop.en.md").exists()  # the checkout was not touched
    out = result.output
    assert re.search(r"^Compares `main~1 \([0-9a-f]{7}\)` with `main \([0-9a-f]{7}\)`", out, re.MULTILINE)

    # every changed alert is named, with its kind; unchanged ones are not
    changed = {"new-drop": "added", "scheduled-maintenance": "modified", "live-phishing": "withdrawn"}
    table = dict(re.findall(r"^\| `([a-z-]+)` \| ([a-z]+) \|", out, re.MULTILINE))
    assert table == changed
    sections = {m.group(1): m.group(0) for m in re.finditer(r"^### `([a-z-]+)` — [a-z]+\n.*?(?=^### |\Z)", out,
                                                              re.MULTILINE | re.DOTALL)}
    assert set(changed) <= set(sections)

    # each channel the alert goes to (of those configured: telegram, mastodon) shows its post length
    # against that network's limit, and the mark agrees with the numbers
    limits = {"telegram": "4096 characters", "mastodon": "500 characters (links count 23)"}
    expected = {"new-drop": {"telegram", "mastodon"}, "scheduled-maintenance": {"telegram"},
                "live-phishing": {"telegram", "mastodon"}}
    for alert, channels in expected.items():
        rows = _posts_table(sections[alert])
        assert {r["channel"] for r in rows} == channels, (alert, rows)
        for row in rows:
            assert row["limit"] == limits[row["channel"]], row
            fits = int(row["length"]) <= int(row["limit"].split()[0])
            cut = (alert, row["channel"], row["action"]) == ("new-drop", "mastodon", "post")  # the long zh summary
            assert row["fits"].startswith("❌ would be cut" if cut or not fits else "✅"), row
            assert f"<summary>{row['channel']} post ({row['length']}/{row['limit'].split()[0]})</summary>" in \
                sections[alert]
    assert {r["action"] for r in _posts_table(sections["live-phishing"])} == {"withdraw"}

    # the English summary of new-drop is too long for Mastodon: flagged on its line, and it blocks
    assert result.exit_code == 1
    assert re.search(r"^❌ 1 error\(s\)", out, re.MULTILINE)
    problems = sections["new-drop"].split("**Problems**", 1)[1].split("**Banner**", 1)[0]
    assert re.search(r"- ❌ content/alerts/new-drop\.zh\.md:\d+:\d+: error: .*\bmastodon\b.*\b500\b", problems), problems
    assert "**Problems**" not in sections["scheduled-maintenance"] + sections["live-phishing"]


def test_no_change_reports_nothing_and_succeeds(cli, repo):
    git(repo, "stash", "--include-untracked", "--quiet")
    result = report(cli, repo, "--base", "main")
    assert result.exit_code == 0
    assert "No alert is added, changed, withdrawn or removed." in result.output


def test_removed_alert_is_reported_with_advice(cli, repo):
    for lang in ("zh", "en"):
        (repo / "content" / "alerts" / f"expired-airdrop.{lang}.md").unlink()
    result = report(cli, repo, "--base", "main")
    out = result.output
    assert "== expired-airdrop: removed" in out
    assert "set `withdrawn` with a reason instead" in out
    # It was published: deleting it is an error that blocks the pull request.
    assert "content/alerts/expired-airdrop.en.md:1:1: error: the alert 'expired-airdrop' was published and its " \
           "files are deleted (restore its files and set `withdrawn:`" in out
    assert result.exit_code == 1


def test_removing_an_alert_not_yet_published_is_no_error(cli, repo):
    for lang in ("zh", "en"):
        (repo / "content" / "alerts" / f"scheduled-maintenance.{lang}.md").unlink()
    result = report(cli, repo, "--base", "main")
    assert "== scheduled-maintenance: removed" in result.output and "files are deleted" not in result.output


def test_invalid_content_lists_problems_and_exits_1(cli, repo):
    edit(repo / "content" / "alerts" / "new-drop.en.md", ("severity:", "serverity:"))
    result = report(cli, repo, "--base", "main")
    assert result.exit_code == 1
    assert re.search(r"content/alerts/new-drop\.en\.md:\d+:\d+: error: unknown key 'serverity'", result.output)
    assert "Traceback" not in result.output


def test_bad_ref_is_one_clear_line_and_exit_2(cli, repo):
    result = report(cli, repo, "--base", "origin/mian")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert "unknown git ref 'origin/mian'" in lines[0] and "fetch" in lines[0]
    assert "Traceback" not in result.output


def test_not_a_git_repository_is_one_clear_line_and_exit_2(cli, tmp_path):
    plain = tmp_path / "plain"
    shutil.copytree(FIXTURE, plain)
    result = cli("report", str(plain), "--base", "main", "--now", NOW.isoformat())
    if subprocess.run(["git", "-C", str(plain), "rev-parse"], capture_output=True, check=False).returncode == 0:
        pytest.skip("the temporary folder is inside a git repository")
    assert result.exit_code == 2
    assert "is not in a git repository" in result.output
    assert "Traceback" not in result.output


def test_report_through_the_real_command(repo):
    """As the workflow runs it: a subprocess appending Markdown to the job summary."""
    src = str(Path(__file__).resolve().parents[1] / "src")
    proc = subprocess.run([sys.executable, "-m", "alertcast", "report", "--base", "main", "--format", "markdown",
                           "--now", NOW.isoformat()], cwd=repo, capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": src}, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("## alertcast report")
    assert "Traceback" not in proc.stderr


def test_a_base_alert_that_no_longer_parses_is_unreadable_not_removed(cli, repo):
    edit(repo / "content" / "alerts" / "expired-airdrop.en.md", ("severity: advisory", "severity: [advisory"))
    edit(repo / "content" / "alerts" / "expired-airdrop.zh.md", ("severity: advisory", "severity: [advisory"))
    result = report(cli, repo, "--base", "main")
    assert result.exit_code == 1
    assert "== expired-airdrop: unreadable" in result.output
    assert "== expired-airdrop: removed" not in result.output
    assert re.search(r"content/alerts/expired-airdrop\.en\.md:\d+:\d+: error", result.output)


def test_changed_guides_and_settings_are_listed(cli, repo):
    guide = next((repo / "content" / "guides").glob("*.en.md"))
    guide.write_text(guide.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    out = report(cli, repo, "--base", "main").output
    assert f"Other changed files: content/guides/{guide.name}" in out


def test_a_post_cut_to_fit_is_an_error_never_a_tick_and_counted_as_check_counts(cli, repo):
    set_summary(repo / "content" / "alerts" / "new-drop.zh.md", "假冒的领取页面会让你签名授权，然后转走你的代币。" * 20)
    out = report(cli, repo, "--base", "main").output
    block = out.split("== new-drop")[1].split("\n== ")[0]
    line = re.search(r"-- mastodon \[zh\] post: \d+/500 .*", block)[0]
    assert "❌ would be cut to fit" in line and "✅" not in line, line
    checked = cli("check", "-p", repo)
    counts = re.search(r"(\d+) error\(s\), (\d+) warning\(s\)", checked.stderr).groups()
    assert re.search(rf"^❌ {counts[0]} error\(s\), {counts[1]} warning\(s\)", out, re.MULTILINE), (counts, out)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_report_marks_a_test_alert_as_never_public_with_no_banner_or_post(cli, repo, fmt):
    alerts = repo / "content" / "alerts"
    for lang in ("zh", "en"):
        edit(alerts / f"new-drop.{lang}.md", ("severity:", "status: exercise\nseverity:"))
    path = repo / "mkdocs.yml"
    edit(path, ("        chat_id: \"@fixture\"\n", "        chat_id: \"@fixture\"\n        test: {chat_id: \"@drills\"}\n"),
         ("        token_env: FIXTURE_MASTODON_TOKEN\n",
          "        token_env: FIXTURE_MASTODON_TOKEN\n        test: {token_env: DRILL_MASTODON_TOKEN}\n"))
    out = report(cli, repo, "--base", "main", "--now", "2026-03-17T00:00:00+08:00", "--format", fmt).output
    if fmt == "markdown":
        assert "| `new-drop` | added | advisory | " in out and " | EXERCISE: never public |" in out
        block = out.split("### `new-drop`")[1].split("\n### ")[0]
    else:
        block = out.split("== new-drop")[1].split("\n== ")[0]
    assert "EXERCISE: never public" in block
    assert "status exercise: in no banner" in block and '"alert_id"' not in block
    assert "nothing is posted: an alert with status exercise goes only to test targets" in block
    assert "alertcast rehearse new-drop" in block
    assert "telegram post" not in block and "-- telegram" not in block


NEW_CHANNELS = {
    "weibo": {"safe_domain": "fixture.example", "rip": "117.50.1.20", "test": {"token_env": "DRILL_WEIBO_TOKEN"}},
    "wechat": {"app_id": "wx0123456789abcdef", "cover": "assets/cover.png", "test": {"app_id": "wx00000000d7111500"}},
    **{name: {"heads_up_minutes": 10080, "test": {"webhook_env": f"DRILL_{name.upper()}_URL"}}
       for name in ("wecom", "dingtalk", "feishu")},
}


def test_a_test_alert_on_the_new_channels_is_reported_and_previewed_as_its_rehearsal(cli, repo):
    """`report` shows no post, heads-up or banner of a test alert listing Weibo, WeChat and the
    team robots; `posts preview` shows what each test target gets, marked, and no heads-up."""
    import yaml
    from social_support import route_alert_to

    alerts = repo / "content" / "alerts"
    for lang in ("zh", "en"):
        edit(alerts / f"new-drop.{lang}.md", ("severity:", "status: test\nseverity:"))
    route_alert_to(repo, "new-drop", list(NEW_CHANNELS))
    path = repo / "mkdocs.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["extra"]["alertcast"]["channels"] = NEW_CHANNELS
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")

    out = report(cli, repo, "--base", "main", "--now", "2026-03-17T00:00:00+08:00").output
    block = out.split("== new-drop")[1].split("\n== ")[0]
    assert "TEST: never public" in block and "goes only to test targets" in block
    assert all(f"-- {name}" not in block for name in NEW_CHANNELS) and "headsup" not in block

    shown = cli("posts", "preview", "new-drop", "-p", repo, "--now", "2026-03-17T00:00:00+08:00")
    assert shown.exit_code == 0, shown.output
    heads = [line.split(":")[0] for line in shown.output.splitlines() if line.startswith("-- ")]
    assert heads == [f"-- {name}@test [{'en' if name == 'x' else 'zh'}] {action}"
                     for name in NEW_CHANNELS for action in ("post", "update", "withdraw")]
    assert shown.output.count("【测试，非真实警报】") >= 3 * len(NEW_CHANNELS)  # WeChat's title, digest and text
