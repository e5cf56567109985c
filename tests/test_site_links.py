"""check warns about a full link to the site's own page in another language than the file's."""

from __future__ import annotations

from test_check import ALERT_EN, ALERT_ZH, check, edit, problems

SITE = "https://help.fixture.example/"
LINE = "See [Spot phishing](../guides/spot-phishing.md)."
LINE_ZH = "参见[识别钓鱼](../guides/spot-phishing.md)。"


def _line_of(project, rel, text):
    return (project / rel).read_text(encoding="utf-8").split("\n").index(text) + 1


def test_a_full_link_in_an_english_file_to_the_chinese_page_is_a_warning_with_the_english_link(cli, project):
    edit(project, ALERT_EN, LINE, f"See [the guide]({SITE}guides/spot-phishing/#steps).")
    line = _line_of(project, ALERT_EN, f"See [the guide]({SITE}guides/spot-phishing/#steps).")
    assert problems(check(cli, project)) == [
        f"{ALERT_EN}:{line}:17: warning: link to the zh page {SITE}guides/spot-phishing/#steps from this en file: its readers "
        f"land on a page in another language (link to {SITE}en/guides/spot-phishing/#steps, or to the file "
        "(e.g. ../guides/NAME.md), which follows the reader's language)"]


def test_a_full_link_in_a_chinese_file_to_the_english_page_is_a_warning_with_the_chinese_link(cli, project):
    edit(project, ALERT_ZH, LINE_ZH, f"参见[识别钓鱼]({SITE}en/guides/spot-phishing)。")
    [found] = problems(check(cli, project))
    assert f"link to {SITE}guides/spot-phishing/," in found and found.startswith(f"{ALERT_ZH}:")


def test_links_in_the_files_own_language_and_to_shared_files_are_fine(cli, project):
    edit(project, ALERT_EN, LINE, f"See [the guide]({SITE}en/guides/spot-phishing/) and the [feed]({SITE}feeds/alerts.zh.rss.xml).")
    edit(project, ALERT_ZH, LINE_ZH, f"参见[识别钓鱼]({SITE}guides/spot-phishing/)和[首页]({SITE})。")
    assert problems(check(cli, project)) == []
