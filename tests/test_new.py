"""`alertcast new`: both language files, every field explained, placeholders that `check` refuses
until the editor has written the text, and a clean check once they have."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import NOW

from alertcast.content.frontmatter import AlertMatter, BannerMatter, GuideMatter, IndicatorsMatter

PLACEHOLDER = re.compile(r"TODO:[^\n\"]*")
CJK = re.compile(r"[\u4e00-\u9fff]")


def fill_in(path, words: str) -> None:
    """What an editor does: replace every placeholder with real text."""
    text = path.read_text(encoding="utf-8")
    path.write_text(PLACEHOLDER.sub(words, text), encoding="utf-8")


def test_new_alert_explains_every_field_in_both_languages(cli, project):
    result = cli("new", "alert", "fake-airdrop-2026", "-p", project, "--now", NOW.isoformat())
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"created {project / 'content/alerts/fake-airdrop-2026.zh.md'}",
        f"created {project / 'content/alerts/fake-airdrop-2026.en.md'}",
        "next: edit the files, then run `alertcast check`"]
    keys = [*AlertMatter.model_fields, *BannerMatter.model_fields, *IndicatorsMatter.model_fields]
    for lang in ("zh", "en"):
        text = (project / "content" / "alerts" / f"fake-airdrop-2026.{lang}.md").read_text(encoding="utf-8")
        assert "\npublish_at: 2026-03-15T00:00:00+08:00\n" in text  # NOW, in the configured time zone
        for key in keys:
            explained = re.search(rf"^ *# (?:\w+ / )?{key}(?: / \w+)?: (.*)$", text, re.MULTILINE)
            assert explained, f"{key} is not explained in the {lang} file"
            # in the file's own language: an editor of the Chinese file reads Chinese
            assert bool(CJK.search(explained[1])) == (lang == "zh"), (lang, explained[0])
        assert "# action_url: https://help.fixture.example/guides/spot-phishing/" in text


def test_untouched_alert_scaffold_fails_check_with_each_placeholder(cli, project):
    cli("new", "alert", "fake-airdrop-2026", "-p", project, "--now", NOW.isoformat())
    result = cli("check", "-p", project)
    shown = {"zh": ["发生了什么", "如何识别", "现在就做", "如果已经中招"],
             "en": ["What is happening", "How to tell", "What to do now", "If you are already affected"]}
    expected = []
    for lang in ("en", "zh"):
        path = f"content/alerts/fake-airdrop-2026.{lang}.md"
        expected += [f"{path}:4:1: error: placeholder left from `alertcast new`: write the title "
                     "(replace the TODO text with your own)",
                     f"{path}:7:1: error: placeholder left from `alertcast new`: write the summary "
                     "(replace the TODO text with your own)"]
        written = (project / path).read_text(encoding="utf-8").split("\n")
        lines = [written.index(f"## {section}") + 3 for section in shown[lang]]  # the TODO line under each heading
        expected += [f"{path}:{line}:1: error: placeholder left from `alertcast new`: write the section '{section}' "
                     "(replace the TODO line with your own text)" for line, section in zip(lines, shown[lang])]
    assert result.stdout.splitlines() == expected
    assert result.exit_code == 1


def test_filled_in_alert_checks_clean(cli, project):
    cli("new", "alert", "fake-airdrop-2026", "-p", project, "--now", NOW.isoformat())
    for lang in ("zh", "en"):
        fill_in(project / "content" / "alerts" / f"fake-airdrop-2026.{lang}.md", "A fake airdrop page drains wallets.")
    result = cli("check", "-p", project)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_deleting_a_placeholder_leaves_an_empty_section_that_check_refuses(cli, project):
    cli("new", "alert", "fake-airdrop-2026", "-p", project, "--now", NOW.isoformat())
    for lang in ("zh", "en"):
        path = project / "content" / "alerts" / f"fake-airdrop-2026.{lang}.md"
        fill_in(path, "Written.")
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("## How to tell\n\nWritten.\n", "## How to tell\n\n")
                        .replace("## 如何识别\n\nWritten.\n", "## 如何识别\n\n"), encoding="utf-8")
    result = cli("check", "-p", project)
    line = {lang: (project / "content" / "alerts" / f"fake-airdrop-2026.{lang}.md").read_text(encoding="utf-8")
            .split("\n").index(heading) + 1 for lang, heading in (("en", "## How to tell"), ("zh", "## 如何识别"))}
    assert result.stdout.splitlines() == [
        f"content/alerts/fake-airdrop-2026.en.md:{line['en']}:1: error: section 'How to tell' is empty "
        "(write what belongs under the heading, or delete it)",
        f"content/alerts/fake-airdrop-2026.zh.md:{line['zh']}:1: error: section '如何识别' is empty "
        "(write what belongs under the heading, or delete it)"]


def test_new_guide_in_both_languages(cli, project):
    result = cli("new", "guide", "use-a-hardware-wallet", "-p", project, "--now", "2026-03-14T17:30:00+00:00")
    assert result.exit_code == 0, result.output
    for lang in ("zh", "en"):
        text = (project / "content" / "guides" / f"use-a-hardware-wallet.{lang}.md").read_text(encoding="utf-8")
        assert "\n# updated_at: 2026-03-15T01:30:00+08:00\n" in text  # the time given, in the configured zone
        for key in GuideMatter.model_fields:
            explained = re.search(rf"^# {key}: (.*)$", text, re.MULTILINE)
            assert explained, f"{key} is not explained in the {lang} file"
            assert bool(CJK.search(explained[1])) == (lang == "zh"), (lang, explained[0])
    untouched = cli("check", "-p", project)
    assert [line.split(": error: ")[1] for line in untouched.stdout.splitlines()] == [
        "placeholder left from `alertcast new`: write the title (replace the TODO text with your own)",
        "placeholder left from `alertcast new`: write the summary (replace the TODO text with your own)",
        "placeholder left from `alertcast new`: write the section 'Steps' (replace the TODO line with your own text)",
    ] + [
        "placeholder left from `alertcast new`: write the title (replace the TODO text with your own)",
        "placeholder left from `alertcast new`: write the summary (replace the TODO text with your own)",
        "placeholder left from `alertcast new`: write the section '步骤' (replace the TODO line with your own text)",
    ]
    for lang in ("zh", "en"):
        fill_in(project / "content" / "guides" / f"use-a-hardware-wallet.{lang}.md", "Keep the device offline.")
    checked = cli("check", "-p", project)
    assert (checked.stdout, checked.exit_code) == ("", 0)


def test_new_refuses_to_overwrite(cli, project):
    before = (project / "content/alerts/live-phishing.en.md").read_bytes()
    result = cli("new", "alert", "live-phishing", "-p", project)
    assert result.exit_code == 1
    assert result.output == (f"Error: {project / 'content/alerts/live-phishing.zh.md'}, "
                             f"{project / 'content/alerts/live-phishing.en.md'} already exists; choose another name "
                             "or edit the existing file\n")
    assert (project / "content/alerts/live-phishing.en.md").read_bytes() == before


def test_new_rejects_bad_slug(cli, project):
    result = cli("new", "alert", "Fake Airdrop", "-p", project)
    assert result.exit_code == 1
    assert result.output == ("Error: 'Fake Airdrop' is not a valid name; use lower-case letters, digits and '-', "
                             "e.g. fake-airdrop\n")  # the name, made valid
    assert not list((project / "content" / "alerts").glob("Fake*"))


def test_now_without_time_zone_is_refused(cli, project):
    result = cli("new", "alert", "x-y", "-p", project, "--now", "2026-03-15T00:00:00")
    assert result.exit_code == 2
    assert "'2026-03-15T00:00:00' has no time zone; add the offset, e.g. 2026-03-15T00:00:00+08:00" in result.output
    assert not (project / "content" / "alerts" / "x-y.en.md").exists()


# -- the README's editor workflow, as an editor would follow it --------------------------------

REPO_DOCS = {name: (Path(__file__).resolve().parents[1] / name).read_text(encoding="utf-8")
             for name in ("README.md", "docs/github.md")}


def _readme_block(after: str, fence: str) -> list[str]:
    """The lines of the first fenced block after `after` in README.md, without their indentation."""
    text = REPO_DOCS["README.md"].split(after, 1)[1]
    block = text.split(f"```{fence}\n", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip()]


def test_documented_slugs_are_new_in_the_bundled_content(cli, bundled):
    """`alertcast new` refuses a name that exists: the documented step 1 must work on the starter set."""
    slugs = {match for text in REPO_DOCS.values() for match in re.findall(r"alertcast new alert ([a-z0-9-]+)", text)}
    assert slugs
    for slug in slugs:
        assert not list((bundled / "content" / "alerts").glob(f"{slug}.*.md")), slug
    [slug] = re.findall(r"alertcast new alert ([a-z0-9-]+)", REPO_DOCS["README.md"])
    result = cli("new", "alert", slug, "-p", bundled)
    assert result.exit_code == 0, result.output
    shown = _readme_block("1. **Start an alert**", "sh")
    assert [line.split("/content/")[-1] for line in result.output.splitlines()] == [
        line.removeprefix("# ").split("/content/")[-1] for line in shown[1:]]


def test_readme_check_example_is_what_check_prints(cli, bundled):
    """The example errors in README.md, reproduced: the files the text describes, checked for real."""
    cli("new", "alert", "fake-gas-refund", "-p", bundled, "--now", "2026-12-01T09:00:00+08:00")
    texts = {
        "en": ("Fake gas refund pages",
               "Sites that promise to refund the network fees you paid ask you to sign a Permit that hands over your "
               "tokens. Nobody refunds gas: do not sign anything on such a page, close it, and check your approvals in "
               "the wallet app. If you signed already, revoke the approval at once.",
               "## What is happening\n\nA post links to gas-refund-claim.example, which promises your fees back.\n\n"
               "## How to tell\n\nIt asks for a signature with a spender and an amount.\n\n"
               "## What to do now\n\nClose the page; read [connect to a DApp safely](../guides/connect-dapp-safely.md).\n\n"
               "## If you are already affected\n\nRevoke the approval: "
               "[review and revoke token approvals](../guides/revoke-token-approvals.md).\n"),
        "zh": ("假“Gas 返还”页面",
               "承诺退还手续费的网站会让你签一个交出代币的 Permit。没有人会退还 Gas，不要在这类页面上签任何东西。",
               "## 发生了什么\n\n有帖子发来 `gas-refund-claim[.]example`，说能退还你付过的手续费。\n\n"
               "## 如何识别\n\n它要你签一个带授权对象和数额的签名。\n\n"
               "## 现在该怎么做\n\n关掉页面，读一读[安全连接 DApp](../guides/connect-dapp-safely.md)。\n\n"
               "## 如果已经受骗\n\n立刻撤销授权：[查看并撤销代币授权](../guides/revoke-token-approvals.md)。\n"),
    }
    for lang, (title, summary, body) in texts.items():
        path = bundled / "content" / "alerts" / f"fake-gas-refund.{lang}.md"
        text = path.read_text(encoding="utf-8")
        text = re.sub(r'title: ".*"', f'title: "{title}"', text)
        text = re.sub(r'summary: ".*"', f'summary: "{summary}"', text)
        for old, new in (("channels: [banner, cap]", "channels: [banner, cap, x]"),
                         ("category: phishing", "category: approval"),
                         ("  domains: []", "  domains: [gas-refund-claim.example]"),
                         ("related: []", "related: [connect-dapp-safely, revoke-token-approvals]")):
            text = text.replace(old, new)
        if lang == "zh":
            text = text.replace("severity: warning", "serverity: warning")
        path.write_text(text[: text.index("---\n", 4) + 4] + "\n" + body, encoding="utf-8")
    result = cli("check", "-p", bundled)
    assert result.stdout.splitlines() == _readme_block("3. **Check it.**", "text")
    assert result.exit_code == 1
