"""The house rules for Chinese (docs/style.zh.md), held over the bundled content and the
catalogue: the rules a machine can hold, so an edit that breaks one fails here, at its file and line.

- full-width punctuation in Chinese sentences: no ASCII , ; : ! ? ( ) next to a Chinese character
  (brackets not even across a space: `北京时间 (UTC+8)`);
- one half-width space between Chinese and Latin letters or digits, none beside full-width punctuation;
- one word per concept (the glossary's), not its synonyms;
- one register per text: readers are 你, a support agent's reply is 您.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from alertcast.i18n import LOCALE_DIR

from conftest import REPO

CONTENT = REPO / "content"
PO = LOCALE_DIR / "zh" / "LC_MESSAGES" / "alertcast.po"

HAN = r"[\u3400-\u4dbf\u4e00-\u9fff]"
FULL = r"[，。：；！？、“”‘’（）《》【】…—]"

#: Each rule: a pattern of what is wrong, and what to write instead.
PUNCTUATION = [
    (re.compile(HAN + r"[,;!?]|[,;!?]" + HAN), "ASCII , ; ! ? next to Chinese: write ，；！？"),
    (re.compile(HAN + r":(?! )|:" + HAN), "ASCII : next to Chinese: write ："),
    (re.compile(HAN + r"\(|\(" + HAN + r"|" + HAN + r"\)|\)" + HAN), "ASCII ( ) next to Chinese: write （）"),
    # also across a space, and whatever the brackets hold: `北京时间 (UTC+8)` is `北京时间（UTC+8）`
    (re.compile(HAN + r"[ \t]+\(|\)[ \t]+" + HAN), "ASCII ( ) in a Chinese sentence: write （） without the space"),
]
SPACING = [
    (re.compile(HAN + r"[A-Za-z0-9]|[A-Za-z0-9%]" + HAN), "Chinese next to Latin or digits: put one half-width space between"),
    (re.compile(FULL + r" [A-Za-z0-9]|[A-Za-z0-9] " + FULL), "a space between full-width punctuation and Latin: take it out"),
]

#: Slang written as one word, as readers search for it.
ONE_WORD = ("黑U", "脏U")

#: The glossary's word for each concept, and the words that may not stand for it (docs/style.zh.md).
TERMS = {
    "助记词": ("恢复短语", "种子短语"),
    "私钥": ("秘钥",),
    "手续费": ("矿工费", "Gas 费", "燃料费"),
    "撤销授权": ("取消授权", "撤回授权"),
    "无限额度": ("无限额授权", "无限授权"),
    "仿冒": ("山寨",),
    "身份验证器 App": (re.compile(r"(?<!身份)验证器 App"), "谷歌验证器"),
    "账户 / 账号": ("帐户", "帐号"),
    "转账": ("转帐",),
    "硬件钱包": ("冷钱包",),
    "自托管钱包": ("去中心化钱包",),
    "原生币": ("主币",),
    "交易哈希": ("TxID",),
    "区块浏览器": ("区块链浏览器",),
    "App": ("APP", "应用程序"),
    "浏览器插件": ("扩展程序",),
}

#: Pages that list the other names on purpose: the readers' glossary.
LISTS_OTHER_NAMES = {"guides/glossary.zh.md"}


def _mask(text: str) -> str:
    """Code, links' targets and URLs are not prose: each becomes one Latin letter; a placeholder a box."""
    text = re.sub(r"`[^`\n]*`", "X", text)
    text = re.sub(r"\]\([^)\s]*\)", "]", text)
    text = re.sub(r"https?://\S+", "X", text)
    return re.sub(r"\{[^{}]*\}", "\u25a1", text)  # a value: Chinese or Latin, the rules cannot tell


def _prose(path: Path) -> list[tuple[int, str]]:
    """The lines of a zh file an editor writes as Chinese prose (fenced code left out), numbered."""
    lines, fenced = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, _mask(line)))
    return lines


def _catalogue() -> list[tuple[int, str]]:
    """The catalogue's Chinese: YAML written for the editor to copy (“键: 值”, "链:地址") is quoted, and is not prose."""
    out = []
    for message in read_po(PO.open("rb"), locale="zh"):
        for text in (message.string if isinstance(message.string, tuple) else (message.string,)):
            if message.id and text:
                out.append((message.lineno, re.sub(r"“[^”]*”|\"[^\"]*\"", "“X”", _mask(text))))
    return out


def _broken(lines: list[tuple[int, str]], rules) -> list[str]:
    found = []
    for number, line in lines:
        for word in ONE_WORD:
            line = line.replace(word, "X")
        for pattern, what in rules:
            for hit in pattern.finditer(line):
                found.append(f"{number}: {what}: …{line[max(0, hit.start() - 8):hit.end() + 8]}…")
    return found


ZH_FILES = sorted(CONTENT.rglob("*.zh.md"))


@pytest.mark.parametrize("path", ZH_FILES, ids=lambda p: str(p.relative_to(CONTENT)))
def test_chinese_content_uses_full_width_punctuation_and_one_space_before_latin(path: Path):
    assert _broken(_prose(path), PUNCTUATION + SPACING) == []


def test_the_catalogue_uses_full_width_punctuation_and_one_space_before_latin():
    assert _broken(_catalogue(), PUNCTUATION + SPACING) == []


def _synonyms(lines: list[tuple[int, str]]) -> list[str]:
    found = []
    for number, line in lines:
        if "也叫" in line:  # "助记词（也叫种子短语、seed phrase）" introduces the other name on purpose
            continue
        for term, others in TERMS.items():
            for other in others:
                hit = other.search(line) if isinstance(other, re.Pattern) else (other if other in line else None)
                if hit:
                    found.append(f"{number}: write {term}, not {getattr(hit, 'group', lambda: hit)()}")
    return found


@pytest.mark.parametrize("path", [p for p in ZH_FILES if str(p.relative_to(CONTENT)) not in LISTS_OTHER_NAMES],
                         ids=lambda p: str(p.relative_to(CONTENT)))
def test_chinese_content_says_each_concept_with_the_glossarys_word(path: Path):
    assert _synonyms(_prose(path)) == []


def test_the_catalogue_says_each_concept_with_the_glossarys_word():
    assert _synonyms(_catalogue()) == []


def test_the_rules_find_what_they_are_for():
    """Each rule fails on the sentence it is for (none can pass for want of matching anything)."""
    lines = [(1, "请先核对地址,再转账"), (2, "不是主机:端口的形式"), (3, "打开App(插件)"), (4, "TRON “多签”骗局"),
             (5, "转100 USDT"), (6, "2026-12-08 09:00 北京时间 (UTC+8) 起显示")]
    assert [line.split(":")[0] for line in _broken(lines, PUNCTUATION + SPACING)] == [
        "1", "2", "3", "3", "3", "4", "5", "6", "6"]
    assert _broken([(1, "“黑U”来自诈骗"), (2, "`a,b` 和 [链接](https://a.example/x,y)")], PUNCTUATION + SPACING) == []
    assert _synonyms([(1, "请先付矿工费"), (2, "用谷歌验证器 App 登录"), (3, "用身份验证器 App 登录")]) == [
        "1: write 手续费, not 矿工费", "2: write 身份验证器 App, not 验证器 App", "2: write 身份验证器 App, not 谷歌验证器"]


def test_a_time_written_for_a_chinese_editor_keeps_the_rules():
    """check, report, preview, status and the banner mock write times as `… 北京时间（UTC+8）`:
    made in Chinese (timefmt.editor_time) or translated from English (a value in a message)."""
    from datetime import datetime, timezone

    from alertcast.i18n import Translator
    from alertcast.timefmt import editor_time

    when = datetime(2026, 12, 8, 1, 0, tzinfo=timezone.utc)
    made = editor_time(when, "Asia/Shanghai", "zh")
    translated = Translator("zh")(f"2026-12-08 09:00 is {editor_time(when, 'Asia/Shanghai')}")
    assert made == "2026-12-08 09:00 北京时间（UTC+8）"
    assert translated.endswith("2026-12-08 09:00 北京时间（UTC+8）"), translated
    scheduled = Translator("zh")(f"not shown yet: drill is scheduled for {editor_time(when, 'Asia/Shanghai')}; to see "
                                 "it, run alertcast preview --now 2026-12-08T09:00:00+08:00")
    assert "定于 2026-12-08 09:00 北京时间（UTC+8）发布；" in scheduled, scheduled  # no space beside （）
    assert _broken([(1, made + "起显示"), (2, scheduled)], PUNCTUATION + SPACING) == []


# --- register: one per text ------------------------------------------------------------------
#
# Site pages, banners and posts speak to the reader as 你, as the country's anti-fraud
# centre and wallet help centres do in public warnings; a support reply is one agent writing to
# one user, in the customer-service register (您好，…). A scammer's words, quoted, keep theirs.

_QUOTED = re.compile(r"“[^”]*”")


def _texts(path: Path) -> dict[str, str]:
    """The texts of a zh file that readers read, each on its own: front matter values by key, and the body."""
    text = path.read_text(encoding="utf-8")
    matter, body = text.split("\n---\n", 1) if text.startswith("---\n") else ("", text)
    texts = {"body": body}
    for line in matter.split("\n"):
        key, _, value = line.strip().partition(":")
        if key in ("title", "summary", "support_reply", "withdrawn", "note"):
            texts[f"{key}@{len(texts)}"] = value
    return texts


@pytest.mark.parametrize("path", ZH_FILES, ids=lambda p: str(p.relative_to(CONTENT)))
def test_each_text_keeps_one_register(path: Path):
    for name, text in _texts(path).items():
        said = _QUOTED.sub("", text)
        if name.startswith("support_reply"):
            assert said.lstrip(' "').startswith("您好") and "你" not in said, (name, text)
        else:
            assert "您" not in said, (name, text)


def test_the_catalogue_speaks_to_the_editor_as_you():
    assert [n for n, text in _catalogue() if "您" in text] == []


def test_the_style_guide_lists_the_words_this_test_refuses():
    """docs/style.zh.md's glossary is what editors read: its "不写" column and TERMS are one list."""
    guide = (REPO / "docs" / "style.zh.md").read_text(encoding="utf-8")
    table = guide.split("\n## 用词\n", 1)[1].split("\n## ", 1)[0]
    written = set()
    for row in table.split("\n"):
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        if len(cells) == 4 and cells[0] not in ("英文", "---"):
            written |= {re.sub(r"（[^）]*）", "", word) for word in cells[2].split("、") if word}
    refused = {other if isinstance(other, str) else other.pattern.split(")")[-1]
               for others in TERMS.values() for other in others}
    assert written == refused


# --- what `alertcast check` holds an editor's own Chinese to ---------------------------------


def test_check_warns_at_the_half_width_punctuation_a_chinese_keyboard_left(bundled: Path):
    """Only ASCII punctuation touching Chinese: code, link targets, YAML's "键: 值" and English
    files are left alone; one warning per line, at its column."""
    from alertcast.checks.load import load_content
    from alertcast.config import load_config

    zh = bundled / "content" / "alerts" / "address-poisoning.zh.md"
    text = zh.read_text(encoding="utf-8").replace("summary: 骗子用首尾字符和你常用地址相同的地址，", "summary: 骗子用首尾字符和你常用地址相同的地址,")
    lines = text.split("\n")  # the last is the empty one after the final newline
    planted = len(lines) + 1  # after the blank line the appended text starts with
    zh.write_text(text + "\n注意:请先核对(完整)地址,再转账。\n见 `a,b`、[链接](../guides/spot-phishing.md#a,b) 和 键: 值。\n",
                  encoding="utf-8")
    en = bundled / "content" / "alerts" / "address-poisoning.en.md"
    en.write_text(en.read_text(encoding="utf-8") + "\nNote:check it,then send.\n", encoding="utf-8")
    _, problems = load_content(load_config(bundled))
    found = [(p.path.rsplit("/", 1)[-1], p.line, p.col, p.message) for p in problems if "half-width" in p.message]
    assert found == [("address-poisoning.zh.md", 3, 1, "half-width ',' in Chinese text"),
                     ("address-poisoning.zh.md", planted, 3, "half-width ':' in Chinese text")]


def test_check_warns_where_a_text_addresses_the_reader_both_ways(bundled: Path):
    """你 and 您 in one text is a warning at the first word of the register used less; a quoted
    scammer's 您 and a support reply that says 您 throughout beside a body that says 你 are not."""
    from alertcast.checks.load import load_content
    from alertcast.config import load_config

    zh = bundled / "content" / "alerts" / "fake-support-x-wechat.zh.md"  # quotes "抱歉给您带来不便" in a 你 body
    text = zh.read_text(encoding="utf-8").replace("我们绝不会索要你的助记词。\n", "我们绝不会索要您的助记词，也不会让你转账。\n", 1)
    planted = len(text.split("\n")) + 1
    zh.write_text(text + "\n如果您已经填写了助记词，请立刻转移资产。\n", encoding="utf-8")
    _, problems = load_content(load_config(bundled))
    found = [(p.path.rsplit("/", 1)[-1], p.line, p.col, p.message) for p in problems if "otherwise says" in p.message]
    assert found == [("fake-support-x-wechat.zh.md", 3, 1, "'您' in a text that otherwise says '你'"),
                     ("fake-support-x-wechat.zh.md", planted, 3, "'您' in a text that otherwise says '你'")]


def test_a_new_alert_has_the_starter_sets_section_names_in_each_language():
    """`alertcast new` wrote 现在该怎么做 / 如果已经受骗 where every bundled alert says 现在就做 /
    如果已经中招, while its English matched the starter set's: the same sections, named two ways."""
    from alertcast.scaffold import _WORDS

    for lang in ("zh", "en"):
        scaffold = re.findall(r"^## (.+)$", _WORDS[lang]["alert_body"], re.MULTILINE)
        bundled = re.findall(r"^## (.+)$", (CONTENT / "alerts" / f"address-poisoning.{lang}.md").read_text(encoding="utf-8"),
                             re.MULTILINE)
        assert scaffold[1:] == bundled[1:], lang  # the first names what is happening, in any alert
