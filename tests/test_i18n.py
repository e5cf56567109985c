"""The editor's messages in Chinese: the gettext catalogue covers every message, and a zh project
(or a zh locale) gets `check` and `new` in Chinese, still with file:line."""

from __future__ import annotations

import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from alertcast.config import load_config
from alertcast.content.official import load_official
from alertcast.checks.load import load_content
from alertcast.i18n import LOCALE_DIR, Translator, choose

from conftest import FIXTURE, REPO
from git_support import commit_all

PO = LOCALE_DIR / "zh" / "LC_MESSAGES" / "alertcast.po"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
HAN = re.compile(r"[\u4e00-\u9fff]")


def zh_env(**extra: str) -> dict[str, str]:
    """The environment of an editor who set no language: the project's decides."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("ALERTCAST_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    return {**env, "LANG": "C.UTF-8", **extra}


def alertcast(*args: str | Path, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The installed `alertcast` command, in a process of its own: the environment is the editor's."""
    command = Path(sys.executable).parent / "alertcast"
    return subprocess.run([str(command), *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=300)


def test_the_catalogue_holds_every_message_the_code_prints():
    """scripts/messages.py extracts the messages again: the .pot, the .po and the compiled .mo on
    disk are exactly what the code gives (a new or changed message fails here until extracted)."""
    messages = runpy.run_path(str(REPO / "scripts" / "messages.py"))
    stale = [str(path) for path, data in messages["files"]().items() if not path.exists() or path.read_bytes() != data]
    assert stale == []
    assert len(read_po(PO.open("rb"))) > 400  # every check, new, report, status, preview and posts message


def test_every_message_has_a_chinese_translation_with_the_same_values():
    catalog = read_po(PO.open("rb"), locale="zh")
    untranslated, mismatched, english = [], [], []
    for message in catalog:
        if not message.id:
            continue
        if not message.string or message.fuzzy:
            untranslated.append(message.id)
            continue
        if set(PLACEHOLDER.findall(message.id)) != set(PLACEHOLDER.findall(message.string)):
            mismatched.append(message.id)
        if re.search(r"[a-z]{3} [a-z]{3}", PLACEHOLDER.sub("", message.id)) and not HAN.search(message.string):
            english.append(message.id)
    assert untranslated == []
    assert mismatched == []
    assert english == []


@pytest.mark.parametrize("environ, default, expected", [
    ({}, "zh", "zh"),  # the project's default language
    ({}, "en", "en"),
    ({"LANG": "C.UTF-8"}, "zh", "zh"),  # a locale that names no language leaves it to the project
    ({"LANG": "zh_CN.UTF-8"}, "en", "zh"),  # an editor's Chinese locale, in an English project
    ({"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "en", "zh"),  # LC_ALL before LANG, as gettext reads them
    ({"LANGUAGE": "zh_CN:en_US"}, "en", "zh"),
    ({"LANG": "en_US.UTF-8"}, "en", "en"),
    ({"ALERTCAST_LANG": "en", "LANG": "zh_CN.UTF-8"}, "zh", "en"),  # the explicit choice wins
    ({"ALERTCAST_LANG": "zh"}, "en", "zh"),
])
def test_the_language_is_the_explicit_one_then_the_locale_then_the_project(environ, default, expected):
    assert choose(default, environ) == expected


def broken(tmp_path: Path) -> Path:
    """The fixture project (default language zh) with the mistakes an editor makes most."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    path = project / "content" / "alerts" / "live-phishing.zh.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("severity: warning", "serverity: warning")
    text = text.replace("publish_at: 2026-03-01T10:00:00+08:00", "publish_at: 2026-03-01 10:00")
    text = text.replace('"eth:0x1111111111111111111111111111111111111111"', '"eth:0x111111111111111111111111111111111111111"')
    path.write_text(text, encoding="utf-8")
    guide = project / "content" / "guides" / "spot-phishing.en.md"
    guide.write_text(guide.read_text(encoding="utf-8").replace("order: 10\n", "order: 10\nrelated: [no-such-guide]\n"),
                     encoding="utf-8")
    return project


def test_check_in_a_zh_project_prints_chinese_at_file_line(tmp_path):
    project = broken(tmp_path)
    result = alertcast("check", "-p", project, env=zh_env())
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert "content/alerts/live-phishing.zh.md:4:1: 错误: 未知字段 'serverity'（是不是想写 'severity'？）" in lines
    assert ("content/alerts/live-phishing.zh.md:6:1: 错误: 'publish_at' 没有写时区（请写成 2026-03-01T10:00:00+08:00"
            "（2026-03-01 10:00 北京时间（UTC+8））：直接粘贴即可）") in lines
    assert ("content/alerts/live-phishing.zh.md:17:15: 错误: 'scam_indicators.addresses.0'："
            "'eth:0x111111111111111111111111111111111111111'：0x 后面有 39 位十六进制数字，而 eth 上的地址是 40 位："
            "少了一位（请从举报诈骗的原始来源重新复制地址，切勿手动输入）") in lines
    assert any(line.startswith("content/guides/spot-phishing.en.md:") and "相关教程 'no-such-guide' 不存在" in line
               for line in lines)
    assert result.stderr.strip() == "5 个错误，0 个警告"
    # the same project, for an editor who asked for English
    english = alertcast("check", "-p", project, env=zh_env(ALERTCAST_LANG="en"))
    assert "content/alerts/live-phishing.zh.md:4:1: error: unknown key 'serverity' (did you mean 'severity'?)" in (
        english.stdout.splitlines())


def test_check_github_annotations_are_in_chinese_too(tmp_path):
    result = alertcast("check", "--format", "github", "-p", broken(tmp_path), env=zh_env())
    assert ("::error file=content/alerts/live-phishing.zh.md,line=4,col=1::未知字段 'serverity' "
            "(是不是想写 'severity'？)") in result.stdout.splitlines()


MISTAKES = {
    "alerts/live-phishing.zh.md": [
        ("severity: warning", "severity: warnin"),
        ("category: phishing", "category：phishing"),
    ],
    "alerts/live-phishing.en.md": [
        ("publish_at: 2026-03-01T10:00:00+08:00", "publish_at: 2026-02-30T10:00:00+08:00"),
    ],
    "alerts/expired-airdrop.zh.md": [("title:", "titel:")],
    "alerts/expired-airdrop.en.md": [("---\n", "---\nid: Not An Id\n")],
    "alerts/scheduled-maintenance.zh.md": [("channels: [", "channels: [discord, ")],
    "alerts/scheduled-maintenance.en.md": [("\n---\n", "\n---\n\n# Second title\n\n##Heading\n\n"
                                                      "[broken](../guides/none.md) <script>x</script>\n")],
    "alerts/withdrawn-fake-app.zh.md": [("withdrawn:", "withdrawn: 误报，警告仍然有效\nold_withdrawn:")],
}


def test_no_message_of_check_bypasses_the_catalogue(tmp_path):
    """Every problem check finds in a project full of different mistakes (front matter, YAML typed
    on a Chinese keyboard, dates, ids, translations, channels, headings, links, HTML) is one the
    Chinese catalogue translates: message and hint."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    for name, edits in MISTAKES.items():
        path = project / "content" / name
        text = path.read_text(encoding="utf-8")
        for old, new in edits:
            assert old in text, (name, old)
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")
    (project / "content" / "alerts" / "Bad Name.zh.md").write_text("no front matter\n", encoding="utf-8")
    _, problems = load_content(load_config(project))
    assert len({p.message.split(" ")[0] for p in problems}) > 10, problems  # many kinds, not one
    tr = Translator("zh")
    unknown = [text for p in problems for text in (p.message, p.hint) if text and not tr.known(text)]
    assert unknown == []
    for p in problems:
        assert HAN.search(tr(p.message)), p


OFFICIAL_MISTAKES = """names: [a, alertcast]
colour: red
channels:
  - kind: myspace
    value: x
    for: {zh: 官方, en: Official}
  - kind: x
    value: "@alertcast_example"
    for: {zh: 官方, en: Official}
  - kind: telegram
    value: "@Fixture_Fake_Support"
    for: {zh: 官方, en: Official}
  - kind: domain
    value: github.io
    for: {zh: 官方, en: Official}
  - kind: domain
    value: alertcast.example
    for: {zh: 官方}
  - kind: domain
    value: a1ertcast.example
    for: {zh: 官方, en: Official}
  - kind: download
    value: https://elsewhere.example/app
    for: {zh: 官方, en: Official}
  - kind: domain
    value: "exa mple"
    for: {zh: 官方, en: Official}
  - kind: domain
    value: alertcast.example
    for: {zh: 官方, en: Official}
  - kind: wechat
    value: "<script>"
    for: {zh: 官方, en: Official}
  - kind: telegram
    value: "@fixture_fake_support"
    for: [official]
    colour: red
  - kind: email
    value: "a b@alertcast.example"
    for: {zh: 官方, en: Official}
  - just text
"""


def test_no_message_about_the_official_channels_bypasses_the_catalogue(tmp_path):
    """official-channels.yml's problems (and a scam indicator that is one of the channels) are
    the catalogue's, message and hint, so a zh project reads them in Chinese."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    data = project / "content" / "official-channels.yml"
    data.write_text(OFFICIAL_MISTAKES, encoding="utf-8")
    _, problems = load_content(load_config(project))
    texts = [(p.message, p.hint) for p in problems if "official" in p.path or "official" in p.message]
    for broken in (b"\xff\xfe", b"channels: [\n", b"- a list\n", b"#" * (300 * 1024)):  # unreadable files
        data.write_bytes(broken)
        texts += [(p.message, p.hint) for p in load_official(data.parent, ("zh", "en"), "official-channels.yml")[1]]
    assert len(texts) >= 18, texts
    tr = Translator("zh")
    assert [text for pair in texts for text in pair if text and not tr.known(text)] == []
    assert [message for message, _ in texts if not HAN.search(tr(message))] == []
    data.write_text(OFFICIAL_MISTAKES, encoding="utf-8")
    result = alertcast("check", "-p", project, env=zh_env())
    assert ("content/official-channels.yml:8:5: 错误: 官方 x '@alertcast_example' 不是有效的 X 账号"
            "（请写 @ 加 1 到 15 个字母、数字或 _）") in result.stdout.splitlines(), result.stdout


def test_new_in_a_zh_project_answers_in_chinese_and_explains_every_file_in_chinese(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    refused = alertcast("new", "alert", "微信假客服解冻费", "-p", project, env=zh_env())
    assert refused.returncode == 1
    assert refused.stderr.strip() == ("错误：'微信假客服解冻费' 不能用作名称：名称会成为文件名和网页地址，只能用小写字母、"
                                      "数字和 '-'。可以用拼音，例如 weixin-jia-kefu-jiedong-fei，"
                                      "也可以用几个英文单词，例如 fake-support-unfreeze-fee")
    assert "Traceback" not in refused.stderr and refused.stdout == ""
    suggested = alertcast("new", "alert", "weixin-jia-kefu-jiedong-fei", "-p", project, env=zh_env())
    assert suggested.returncode == 0, suggested.stderr  # the suggestion is a name new takes
    created = alertcast("new", "alert", "wechat-fake-support", "-p", project,
                        "--now", "2026-12-08T09:00:00+08:00", env=zh_env())
    assert created.returncode == 0, created.stderr
    assert created.stdout.splitlines()[-1] == "下一步：编辑这些文件，然后运行 `alertcast check`"
    assert created.stdout.startswith("已创建 ")
    english_file = (project / "content" / "alerts" / "wechat-fake-support.en.md").read_text(encoding="utf-8")
    assert "# publish_at: 此时间之前不会公开任何内容。" in english_file
    assert "TODO write the title" in english_file or "write the title" in english_file  # the text stays English


NOW = "2026-03-15T00:00:00+08:00"
def test_the_scaffolds_explanations_are_the_catalogues_so_a_translator_edits_them_in_the_po(tmp_path):
    """Each `# key: ...` explanation `alertcast new` writes is a msgid of the .po, and the Chinese file
    holds the .po's translation of it, line breaks and all (the English file, the msgid)."""
    from alertcast.scaffold import GUIDE, explanations

    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    catalog = {m.id: m.string for m in read_po(PO.open("rb"), locale="zh") if m.id}
    created = alertcast("new", "guide", "wallet-backup", "-p", project, "--now", NOW, env=zh_env(ALERTCAST_LANG="en"))
    assert created.returncode == 0, created.stderr
    written = {lang: (project / "content" / "guides" / f"wallet-backup.{lang}.md").read_text(encoding="utf-8")
               for lang in ("zh", "en")}
    found = explanations(GUIDE)
    assert len(found) >= 9
    for _, text in found:
        assert text in catalog, text
        zh = catalog[text].replace("{slug}", "wallet-backup").replace("{now}", "2026-03-15T00:00:00+08:00")
        assert zh in written["zh"], text
        assert HAN.search(zh) or not re.search(r"[a-z]{3} [a-z]{3}", text), text  # only an example stays as it is
        assert text.replace("{slug}", "wallet-backup").replace("{now}", "2026-03-15T00:00:00+08:00") in written["en"]



def test_status_and_posts_preview_in_a_zh_project_are_in_chinese(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    status = alertcast("status", "-p", project, "--now", NOW, env=zh_env())
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert lines[0] == "现在：2026-03-15 00:00:00 北京时间（UTC+8）"
    assert "已部署（site/）：尚未发布任何内容" in lines
    assert "  scheduled-maintenance，发布于 2026-04-01 09:00:00 北京时间（UTC+8）" in lines
    assert "  live-phishing [警告]" in lines  # the severity in the editor's words
    assert "下次变化：2026-04-01 09:00:00 北京时间（UTC+8）" in lines
    posts = alertcast("posts", "preview", "live-phishing", "-p", project, "--now", NOW, env=zh_env())
    assert posts.returncode == 0, posts.stderr
    lines = posts.stdout.splitlines()
    assert lines[0] == "== live-phishing（生效中，修订 20260302T040000Z）"
    assert lines[1].startswith("-- telegram [zh] 发新帖：") and lines[1].endswith("个字符 放得下；缺少凭据或设置了 dry_run（演练，不真正发送）")
    assert "   | <b>⚠️ 钓鱼网站冒充钱包</b>" in lines  # the post itself is as it goes out


def test_report_in_a_zh_project_is_in_chinese(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    commit_all(project)
    alert = project / "content" / "alerts" / "live-phishing.zh.md"
    alert.write_text(alert.read_text(encoding="utf-8").replace('summary: "骗子', 'summary: "新：骗子'), encoding="utf-8")
    result = alertcast("report", "--base", "HEAD", "--now", NOW, project, env=zh_env())
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("alertcast 报告：HEAD (") and lines[0].endswith("，时间 2026-03-15 00:00 北京时间（UTC+8）")
    assert lines[1] == "✅ 没有问题"
    assert "== live-phishing：修改（警告，生效中）钓鱼网站冒充钱包" in lines
    assert "   生效：    2026-03-01 10:00 北京时间（UTC+8）" in lines
    markdown = alertcast("report", "--base", "HEAD", "--now", NOW, "--format", "markdown", project, env=zh_env())
    assert "| 警报 | 改动 | 严重程度 | 生效时间 | 状态 |" in markdown.stdout.splitlines()


#: The report's own English words: none of them may remain in a zh report (outside posts, JSON and keys).
REPORT_VOCABULARY = re.compile(r"\b(post|posts|update|withdraw|not sent|none|never|info|advisory|warning|critical|"
                               r"added|modified|removed|withdrawn|scheduled|expired|live|banner|changed|translation|"
                               r"nothing|from|public|cannot)\b")


def _prose(output: str) -> str:
    """What the report itself says: without the posts (they go out as written), the banner JSON, keys,
    alerts' ids, paths and times' UTC forms."""
    kept = []
    for line in output.splitlines():
        line = re.sub(r"\{.*\}$", "", line)  # a banner's JSON on one line
        if line.strip().startswith(("|", '"', "{", "}", "]", "[", "```", "<b>")) and "| ---" not in line:
            if not line.startswith("| `"):  # the summary table's rows are the report's own
                continue
        line = re.sub(r"`[^`]*`|'[^']*'|[\w./]+\.(md|yml)\b|\b[a-z0-9]+(-[a-z0-9]+)+\b|\b[a-z]+_[a-z_]+\b"
                      r"|\d{4}-\d\d-\d\dT[^ ]*|\bstatus\b", "", line)  # keys, ids, paths
        kept.append(line)
    return "\n".join(kept)


def test_report_of_every_kind_of_change_has_no_english_word_of_its_own_in_a_zh_project(tmp_path):
    """Added, updated, expired, test-status and deleted alerts: severities, post actions, banner notes,
    `none` and the posts' summaries are all said in Chinese."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    commit_all(project)
    alerts = project / "content" / "alerts"

    def edit(name: str, old: str, new: str) -> None:
        text = (alerts / name).read_text(encoding="utf-8")
        assert old in text, (name, old)
        (alerts / name).write_text(text.replace(old, new, 1), encoding="utf-8")

    for lang in ("zh", "en"):
        edit(f"live-phishing.{lang}.md", "updated_at: 2026-03-02T12:00:00+08:00", "updated_at: 2026-03-10T12:00:00+08:00")
        fresh = (alerts / f"live-phishing.{lang}.md").read_text(encoding="utf-8")
        fresh = fresh.replace("severity: warning", "severity: critical").replace("2026-03-01T10:00:00", "2026-04-01T10:00:00")
        (alerts / f"fresh-scam.{lang}.md").write_text(fresh.replace("2026-03-10T12:00:00", "2026-04-01T10:00:00"),
                                                      encoding="utf-8")
        edit(f"expired-airdrop.{lang}.md", "severity: advisory", "severity: info")
        edit(f"scheduled-maintenance.{lang}.md", "\n---\n", "\nstatus: test\n---\n")
        (alerts / f"withdrawn-fake-app.{lang}.md").unlink()
    (alerts / "expired-airdrop.en.md").unlink()
    text = alertcast("report", "--base", "HEAD", "--now", NOW, project, env=zh_env())
    markdown = alertcast("report", "--base", "HEAD", "--now", NOW, "--format", "markdown", project, env=zh_env())
    for result in (text, markdown):
        assert result.returncode in (0, 1), result.stderr
        assert "Traceback" not in result.stderr
        assert REPORT_VOCABULARY.findall(_prose(result.stdout)) == [], _prose(result.stdout)
    lines = text.stdout.splitlines()
    assert "== fresh-scam：新增（严重，待发布）钓鱼网站冒充钱包" in lines
    assert "   -- telegram [zh] 更新帖: 189/4096 个字符 ✅" in lines
    assert "   -- mastodon [zh] 发新帖: 172/500 个字符（链接按 23 计） ✅" in lines
    assert "   改动：    severity, 删除译文（en）" in lines
    assert any(line.endswith("ends_at null 即 无（应用读取的是 UTC 时间）") for line in lines)
    assert "| `expired-airdrop` | 修改 | 通知 | 2026-02-01 08:00 北京时间（UTC+8） | 已过期 |" in markdown.stdout.splitlines()
    assert "<details><summary>telegram 帖子（173/4096）</summary>" in markdown.stdout.splitlines()


def test_preview_says_in_chinese_that_its_port_is_taken(tmp_path):
    import socket

    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = alertcast("preview", "-p", project, "--port", str(port), "--now", NOW, env=zh_env())
    assert result.returncode == 1
    assert f"错误：无法监听 127.0.0.1:{port}（" in result.stderr and "）；请换一个 --port" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_editors_id_or_key_is_never_translated_as_if_it_were_a_word_of_ours():
    tr = Translator("zh")
    assert tr("  scheduled at 2026-04-01 09:00:00 Beijing time (UTC+8)") == (
        "  scheduled，发布于 2026-04-01 09:00:00 北京时间（UTC+8）")  # an alert whose id is "scheduled"
    assert tr("never") == "无"  # the report's own word, translated where the report writes it
    assert tr("unknown key 'warning'") == "未知字段 'warning'"


def test_a_line_compiles_only_the_patterns_of_messages_it_could_be():
    """`check`'s count line is one message of hundreds: the others' patterns are never compiled."""
    tr = Translator("zh")
    assert tr("3 error(s), 1 warning(s)") == "3 个错误，1 个警告"
    assert tr.compiled == 1
    assert tr("content/alerts/x.zh.md:3:1: error: unknown key 'foo'") == "content/alerts/x.zh.md:3:1：错误：未知字段 'foo'"
    assert tr("a sentence of no catalogue") == "a sentence of no catalogue"
    assert tr.compiled < len(tr._templates) / 20


@pytest.mark.parametrize("field, value", [
    ("when", "x026-12-08T09:00:00+08:00"), ("when", "2026-0x-08T09:00:00+08:00"), ("when", "2026-13-08T09:00:00+08:00"),
    ("when", "2026-02-30T09:00:00+08:00"), ("when", "2026/12/08 09:00"), ("when", "2026-12-08T09:61:00+08:00"),
    ("when", "2026-12-08X09:00"), ("when", "2026-12-8"), ("when", "2026-12-08T09:00:00+8"),
    ("when", "2026-12-08T09:00+25:00"), ("when", "2026-12-08T09:00zz"), ("day", "2026-12-08T09:00:00"),
    ("count", "ten"), ("count", 1.5), ("ratio", "half"), ("flag", "maybe"), ("items", {"a": 1}),
])
def test_pydantics_own_details_of_dates_numbers_booleans_and_lists_are_in_chinese(field, value):
    """What pydantic says inside a message (its date parser's "invalid character in year", ...) is in
    the catalogue: the whole message an editor reads is Chinese, not Chinese around English."""
    from datetime import date, datetime

    from pydantic import BaseModel, ValidationError

    from alertcast.validation import validation_problems

    class Settings(BaseModel):
        when: datetime | None = None
        day: date | None = None
        count: int = 0
        ratio: float = 0.0
        flag: bool = False
        items: list[str] = []

    with pytest.raises(ValidationError) as raised:
        Settings.model_validate({field: value})
    [problem] = validation_problems(raised.value, "mkdocs.yml", {}, (), Settings)
    said = Translator("zh")(problem.message)
    assert HAN.search(said) and not re.search(r"[a-z]{3,} [a-z]{2,}", said), (problem.message, said)


#: Words of ours that a Chinese message may not keep: the post's kind and how the network counts.
POST_ENGLISH = re.compile(r"\b(?:post|update|withdrawal|as|counts|characters|weighted|graphemes|links|CJK|emoji)\b")


@pytest.mark.parametrize("channel, settings", [
    ("x", "x:\n        lang: zh"),                     # weighted characters
    ("mastodon", None),                                 # characters, links count 23
])
def test_a_post_too_long_is_said_in_chinese_with_how_the_network_counts(tmp_path, channel, settings):
    """"x 的post为 294/280（as X counts：weighted characters…）" was what a zh editor read: the
    post's kind and the network's way of counting are words of ours, and said in Chinese too."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project)
    if settings:
        mkdocs = project / "mkdocs.yml"
        mkdocs.write_text(mkdocs.read_text(encoding="utf-8").replace("      mastodon:", f"      {settings}\n      mastodon:", 1),
                          encoding="utf-8")
    for name in ("live-phishing", "withdrawn-fake-app"):
        path = project / "content" / "alerts" / f"{name}.zh.md"
        text = path.read_text(encoding="utf-8").replace("channels: [banner, cap, ", f"channels: [banner, cap, {channel}, ", 1)
        long = "钓" * 590  # within the 600 a summary may have
        text = re.sub(r"^summary: .*$", f"summary: {long}", text, count=1, flags=re.MULTILINE)
        text = re.sub(r"^withdrawn: .*$", f"withdrawn: {long}", text, count=1, flags=re.MULTILINE)
        path.write_text(text, encoding="utf-8")
    _, problems = load_content(load_config(project))
    tr = Translator("zh")
    said = [tr(p.message) for p in problems if f"the {channel} " in p.message]
    assert {p.message.split(" is ")[0] for p in problems if f"the {channel} " in p.message} >= {
        f"the {channel} post", f"the {channel} withdrawal post"}, [p.message for p in problems]
    for line in said:
        assert HAN.search(line) and not POST_ENGLISH.search(line), line


@pytest.mark.parametrize("level", ["info", "advisory", "warning", "critical"])
def test_the_report_and_the_banner_preview_name_a_severity_as_the_site_does(level):
    """One scale, one set of words: the report called critical 紧急 and info 提示, which the site,
    feeds, CAP and posts use for advisory (render/labels.py), and the banner preview had a third set."""
    from alertcast.render.banner_mock import _card
    from alertcast.render.labels import severity

    assert Translator("zh")(level) == severity(level, "zh")
    card = _card({"severity": level, "title": "t", "body": "b", "action_url": "https://a.example/"}, "zh")
    assert f">{severity(level, 'zh')}</span>" in card


def test_a_site_build_error_is_said_in_chinese(project, tmp_path):
    """The site's own errors (a theme template that cannot be used, here) reach a zh editor in
    Chinese, at the template's line, as check's do."""
    from alertcast.render.site import OVERRIDES

    shutil.copytree(OVERRIDES, project / "theme")
    main = project / "theme" / "main.html"
    main.write_text(main.read_text(encoding="utf-8").replace("{% block extrahead %}", "{% block extrahead %}{% if %}", 1),
                    encoding="utf-8")
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("theme:\n", "theme:\n  custom_dir: theme\n", 1),
                      encoding="utf-8")
    built = alertcast("build", "-p", project, "--now", "2026-03-15T00:00:00+08:00", "--output", tmp_path / "out",
                      env=zh_env(ALERTCAST_LANG="zh"))
    said = built.stdout + built.stderr
    assert built.returncode == 1, said
    assert "theme/main.html:" in said and "这个主题模板无法使用" in said and "修改这个模板" in said, said
    assert "the theme template cannot be used" not in said and "Traceback" not in said, said
