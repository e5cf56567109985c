"""The pull-request template works from GitHub's web editor: each kind of change has a skeleton
to copy, in both languages, that `alertcast check` accepts once its TODO lines are written."""

from __future__ import annotations

import re

from conftest import REPO

TEMPLATE = (REPO / ".github" / "pull_request_template.md").read_text(encoding="utf-8")


def _files() -> dict[str, str]:
    """`content/alerts/NAME.<lang>.md` -> the fenced skeleton that follows it."""
    return {lang: body for lang, body in re.findall(r"`content/alerts/NAME\.(zh|en)\.md`\n\n```markdown\n(.*?)```",
                                                   TEMPLATE, re.DOTALL)}


def _snippet(summary: str) -> str:
    section = TEMPLATE.split(f"<summary>{summary}", 1)[1].split("</details>", 1)[0]
    return re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1)


def _fill(text: str) -> str:
    text = re.sub(r'"TODO: [^"]*"', '"Fake WeChat support asks for an unfreeze fee."', text)
    return re.sub(r"^TODO: .*$", "Written for readers.", text, flags=re.MULTILINE)


def _errors(cli, project) -> list[str]:
    return [line for line in cli("check", "-p", project).stdout.splitlines() if ": error: " in line]


def test_the_template_has_a_new_alert_skeleton_in_both_languages_that_check_accepts_once_written(cli, bundled):
    files = _files()
    assert set(files) == {"zh", "en"}
    alerts = bundled / "content" / "alerts"
    for lang, body in files.items():
        (alerts / f"wechat-unfreeze-fee.{lang}.md").write_text(body, encoding="utf-8")
    left = _errors(cli, bundled)
    assert left and all("placeholder left from `alertcast new`" in line for line in left), left
    for lang, body in files.items():
        (alerts / f"wechat-unfreeze-fee.{lang}.md").write_text(_fill(body), encoding="utf-8")
    assert _errors(cli, bundled) == []


def _add(bundled, snippet: str) -> None:
    for lang in ("zh", "en"):
        path = bundled / "content" / "alerts" / f"usdt-otc-frozen-funds.{lang}.md"
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"^(publish_at: .*\n)", lambda m: m.group(1) + snippet, text, count=1, flags=re.MULTILINE),
                        encoding="utf-8")


def test_the_update_skeleton_is_an_updates_entry_check_accepts_once_written(cli, bundled):
    snippet = _snippet("Update or correction")
    assert snippet.startswith("updates:\n  - at: ")
    _add(bundled, snippet)
    left = _errors(cli, bundled)
    assert len(left) == 2 and all("placeholder left from `alertcast new`: write the update note" in x for x in left), left
    _add(bundled, "")  # unchanged
    for lang in ("zh", "en"):
        path = bundled / "content" / "alerts" / f"usdt-otc-frozen-funds.{lang}.md"
        path.write_text(_fill(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert _errors(cli, bundled) == []


def test_the_withdrawal_skeleton_says_it_is_for_a_wrong_warning_and_check_accepts_it_once_written(cli, bundled):
    section = TEMPLATE.split("<summary>Withdrawal", 1)[1].split("</details>", 1)[0]
    assert "only when the whole warning was wrong" in section and "write an update instead" in section
    _add(bundled, _snippet("Withdrawal"))
    left = _errors(cli, bundled)
    assert len(left) == 2 and all("write the withdrawal reason" in x for x in left), left
    for lang in ("zh", "en"):
        path = bundled / "content" / "alerts" / f"usdt-otc-frozen-funds.{lang}.md"
        path.write_text(_fill(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert _errors(cli, bundled) == []


def test_the_template_no_longer_asks_for_a_command_first():
    head = TEMPLATE.split("**What changes**")[0]
    assert "GitHub's web\neditor" in head and "网页" in head
