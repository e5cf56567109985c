"""The bundled starter content is product: it must pass `alertcast check` cleanly, exist in
both languages, cover every lifecycle state, link sensibly, and never give unsafe advice."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

import base58
import pytest

from alertcast.config import load_config
from alertcast.content.addresses import CHECKED_CHAINS, EVM_CHAINS
from alertcast.content.frontmatter import version_tuple
from alertcast.checks.load import load_or_raise
from alertcast.plan import Plan, State

#: The moment the starter set was written for.
PINNED = datetime(2026, 11, 22, 12, 0, tzinfo=timezone(timedelta(hours=8)))

# --- the unsafe-advice scanner -------------------------------------------------------------
#
# Safety texts must *mention* dangerous acts ("never share your screen"), so a plain phrase
# search would flag the warnings themselves. Instead the text is cut into clauses and a clause
# is unsafe only when it *starts* with an instruction to do the dangerous act (an imperative,
# optionally after "please", "you should", "请" ...) and no negation came earlier in the same
# sentence. "Never share your screen", "Ask you to share your screen" (in a "support will
# never" list), "never asks you to send funds, install ..." and "不要共享屏幕" pass.

_SENTENCE_SPLIT = re.compile(r"[\n.!?;。！？；]+")
_CLAUSE_SPLIT = re.compile(r"[:,：，、]+")
_NEGATION = re.compile(r"\b(?:never|not|no|nobody|nothing|don't|won't|can't|cannot|without|avoid)\b|"
                       r"不|别|勿|绝不|从不|禁止|没有", re.IGNORECASE)
_LEAD = re.compile(r"^(?:\s|[-*+>|#]|\d+\.|\*\*|__|`)+")
_EN_PREFIX = r"(?:(?:please|simply|just|now|then|first|you (?:should|must|need to|can|may|have to))\s+)*"
_ZH_PREFIX = r"(?:请|请您|您需要|你需要|需要|可以|务必|先|马上|立即|然后|只需)*"

UNSAFE_EN = [
    _EN_PREFIX + r"(?:share|show) (?:your|the) screen",
    _EN_PREFIX + r"(?:enter|type|paste|submit|fill in|provide|send|give|tell)\b[^.]{0,40}?"
                 r"(?:recovery|seed|secret) phrase\b[^.]{0,40}?\bto (?:verify|validate|sync|unlock|restore access|fix|confirm)",
    _EN_PREFIX + r"(?:send|give|share|tell|dm|message)\b[^.]{0,30}?(?:your )?(?:recovery|seed|secret) phrase\b[^.]{0,20}?"
                 r"\bto (?:support|the agent|us|our team|an? (?:agent|admin))",
    _EN_PREFIX + r"send (?:a small amount|a little|some funds|funds|a test amount|\d+ \w+)\b[^.]{0,40}?"
                 r"\bto (?:verify|validate|activate|unlock|unfreeze|secure|sync)",
    _EN_PREFIX + r"install\b[^.]{0,30}?\b(?:remote[- ](?:control|desktop|access|support)|anydesk|teamviewer)",
    _EN_PREFIX + r"(?:take|keep|save) a (?:photo|picture|screenshot) of (?:your|the) (?:recovery|seed) phrase",
    _EN_PREFIX + r"(?:store|save|keep|back up)\b[^.]{0,20}?(?:recovery|seed) phrase\b[^.]{0,20}?\bin (?:the cloud|cloud storage|your email|a note|notes|a chat)",
    # a compromised wallet is watched by sweeper bots: coins sent to pay its fees are taken at once
    _EN_PREFIX + r"(?:send|top up|add|deposit|transfer)\b[^.]{0,30}?\b(?:gas|fees?|coins?|ETH|TRX|BNB)\b[^.]{0,30}?"
                 r"\b(?:to|into|in) (?:the |your |that )?(?:old|compromised|hacked|drained|exposed) (?:wallet|address)",
]
UNSAFE_ZH = [
    _ZH_PREFIX + r"(?:共享|分享)(?:你的|您的)?(?:手机)?屏幕",
    _ZH_PREFIX + r"(?:输入|填写|提交|提供|发送|告诉)[^。]{0,10}?助记词[^。]{0,10}?(?:验证|同步|解冻|激活|修复|确认)",
    _ZH_PREFIX + r"(?:把|将)?(?:你的|您的)?助记词(?:发给|发送给|告诉|提供给|交给)",
    _ZH_PREFIX + r"(?:先)?转(?:一小笔|少量|一点|一笔)[^。]{0,15}?(?:验证|激活|解冻|解锁)",
    _ZH_PREFIX + r"(?:下载|安装)[^。]{0,10}?远程(?:控制|协助|桌面)",
    _ZH_PREFIX + r"(?:拍照|截图)(?:保存|备份)?(?:你的|您的)?助记词",
    _ZH_PREFIX + r"(?:把|将)?(?:你的|您的)?助记词(?:存|保存|备份)(?:到|在)(?:云|网盘|邮箱|备忘录|聊天)",
    _ZH_PREFIX + r"(?:往|向|给)(?:旧|被盗|已泄露|泄露)的?(?:钱包|地址)(?:里)?(?:转|充|打)(?:入)?(?:一点|一些|少量)?"
                 r"\s*(?:币|手续费|原生币|ETH|TRX|BNB)",
]
_UNSAFE = [re.compile(p, re.IGNORECASE) for p in UNSAFE_EN + UNSAFE_ZH]


def unsafe_instructions(text: str) -> list[str]:
    """Clauses of `text` that tell the reader to do something that can lose their funds."""
    found = []
    for sentence in _SENTENCE_SPLIT.split(text):
        negated = False
        for raw in _CLAUSE_SPLIT.split(sentence):
            clause = _LEAD.sub("", raw).strip().strip("*_`\"'“”")
            if not negated and any(p.match(clause) for p in _UNSAFE):
                found.append(clause)
            negated = negated or bool(_NEGATION.search(raw))
    return found


def _files(root: Path) -> list[Path]:
    return sorted((root / "content").rglob("*.md"))


# --- check is clean ------------------------------------------------------------------------


def test_check_passes_with_no_errors_and_no_warnings(bundled: Path, cli):
    result = cli("check", "-p", bundled)
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output, result.output
    assert "warning:" not in result.output


# --- shape of the starter set --------------------------------------------------------------


@pytest.fixture
def loaded(bundled: Path):
    config = load_config(bundled)
    return config, load_or_raise(config)


def test_every_alert_guide_and_page_exists_in_both_languages(bundled: Path, loaded):
    config, content = loaded
    assert set(config.languages) == {"zh", "en"}
    for item in (*content.alerts, *content.guides, *content.pages):
        assert set(item.texts) == {"zh", "en"}, item.id
    for section in ("alerts", "guides"):
        stems = {p.name.split(".")[0] for p in (bundled / "content" / section).glob("*.md")}
        for stem in stems:
            for lang in ("zh", "en"):
                assert (bundled / "content" / section / f"{stem}.{lang}.md").is_file()


def test_starter_set_is_large_enough(loaded):
    _, content = loaded
    assert len(content.alerts) >= 12
    assert len(content.guides) >= 12
    assert {"index", "faq", "official-channels", "report-a-scam"} <= {p.id for p in content.pages}
    assert {g.level for g in content.guides} == {"basic", "intermediate", "advanced"}


def test_covers_every_lifecycle_state_at_the_pinned_moment(loaded):
    _, content = loaded
    plan = Plan.at(content, PINNED)
    assert set(plan.states.values()) == set(State)
    assert len(plan.live) >= 8
    assert len(plan.expired) >= 2
    assert 1 <= len(plan.scheduled) <= 2
    assert all(a.publish_at.year == 2027 for a in plan.scheduled)
    for alert in plan.withdrawn:
        assert set(alert.withdrawn) == {"zh", "en"} and all(alert.withdrawn.values())
    updated = [a for a in content.alerts if a.updated_at is not None and not a.is_withdrawn]
    assert len(updated) >= 2
    for alert in updated:
        assert set(alert.update_note) == {"zh", "en"}, alert.id
    # live alerts are spread over several severities and categories
    assert len({a.severity for a in plan.live}) >= 3
    assert len({a.category for a in content.alerts}) >= 8
    assert plan.next_change_at is not None and plan.next_change_at.year == 2027


def test_incident_banner_reaches_only_apps_older_than_the_fix(loaded):
    _, content = loaded
    incidents = [a for a in content.alerts if a.category == "incident"]
    assert incidents
    for alert in incidents:
        fixed = re.search(r"\b(\d+\.\d+\.\d+)\b", alert.texts["en"].title).group(1)
        assert alert.texts["zh"].title.count(fixed) == 1
        assert alert.banner is not None and alert.banner.max_app_version is not None
        assert version_tuple(alert.banner.max_app_version) < version_tuple(fixed)


def test_maintenance_goes_to_banner_and_telegram_only(loaded):
    _, content = loaded
    for alert in (a for a in content.alerts if a.category == "maintenance"):
        assert set(alert.channels) - {"site", "feed"} == {"banner", "telegram"}


# --- links between alerts and guides -------------------------------------------------------

_ALERT_LINK = re.compile(r"\]\(\.\./alerts/([a-z0-9-]+)\.md\)")


def test_alerts_link_to_the_guides_they_name_as_related(loaded):
    _, content = loaded
    for alert in content.alerts:
        assert alert.related, alert.id
        for lang, text in alert.texts.items():
            for guide in alert.related:
                if alert.is_withdrawn:
                    continue
                assert f"](../guides/{guide}.md)" in text.body, f"{alert.id}.{lang} does not link to {guide}"


def test_guides_link_only_to_alerts_live_at_the_pinned_moment(loaded):
    _, content = loaded
    plan = Plan.at(content, PINNED)
    live = {a.id for a in plan.live}
    linked = set()
    for item in (*content.guides, *content.pages):
        for lang, text in item.texts.items():
            for target in _ALERT_LINK.findall(text.body):
                assert target in live, f"{item.id}.{lang} links to {target}, which is not live"
                # Incident and maintenance notices come and go: before and after, the site removes the
                # link and "(current notice)" is left dangling. The guide page lists related alerts itself.
                assert content.alert(target).category not in ("incident", "maintenance"), (item.id, lang, target)
                linked.add(target)
    assert linked, "guides should point readers to current warnings"


def test_every_guide_is_related_to_an_alert_live_at_the_pinned_moment(loaded):
    """Each guide page lists the alerts that relate to it; none should stand without a current one."""
    _, content = loaded
    live = Plan.at(content, PINNED).live
    for guide in content.guides:
        assert any(guide.id in alert.related for alert in live), f"no live alert relates to {guide.id}"


# --- what each alert tells readers ---------------------------------------------------------

SECTIONS = {"en": ["## What it looks like", "## How to tell", "## What to do now", "## If you are already affected"],
            "zh": ["## 骗局长什么样", "## 如何识别", "## 现在就做", "## 如果已经中招"]}
WHAT_TO_DO = {"en": ("## What to do",), "zh": ("## 现在就做", "## 你需要做什么")}


def test_every_alert_says_what_it_looks_like_how_to_tell_and_what_to_do(loaded):
    """Scam warnings have the four sections in order; incident, maintenance and withdrawn notices
    have sections of their own, but each tells readers what to do."""
    _, content = loaded
    for alert in content.alerts:
        for lang, text in alert.texts.items():
            headings = [line for line in text.body.split("\n") if line.startswith("## ")]
            if alert.category in ("incident", "maintenance") or alert.is_withdrawn:
                assert any(h.startswith(WHAT_TO_DO[lang]) for h in headings), (alert.id, lang, headings)
            else:
                assert headings == SECTIONS[lang], (alert.id, lang, headings)


def test_withdrawn_report_tells_readers_how_to_check_their_copy(bundled: Path, loaded):
    """A withdrawal that says "keep using it" would keep a look-alike copy installed."""
    _, content = loaded
    alert = content.alert("fake-staking-extension-report")
    for lang, reason in alert.withdrawn.items():
        assert "Alertcast Example Ltd." in reason, lang
        assert ("Official channels" if lang == "en" else "官方渠道") in reason
        assert "keep using" not in reason and "继续使用" not in reason
    for lang in ("en", "zh"):
        page = (bundled / "content" / f"official-channels.{lang}.md").read_text(encoding="utf-8")
        row = next(line for line in page.split("\n") if line.startswith("| Alertcast Staking (Beta) |"))
        assert "https://www.alertcast.example/download/" in row and "**Alertcast Example Ltd.**" in row


def test_withdrawn_report_says_to_revoke_what_a_copy_was_given(loaded):
    """Removing a copy leaves the approvals and signatures made through it valid."""
    _, content = loaded
    alert = content.alert("fake-staking-extension-report")
    assert "revoke-token-approvals" in alert.related
    for lang, reason in alert.withdrawn.items():
        assert ("revoke" if lang == "en" else "撤销") in reason, lang
    for lang, text in alert.texts.items():
        assert "](../guides/revoke-token-approvals.md)" in text.body, lang
        assert "removing it is enough" not in text.body and "删除它就够了" not in text.body, lang


def test_after_a_test_transfer_the_rest_goes_to_the_same_checked_address(bundled: Path):
    """Poisoners strike right after a test transfer: the rest must not be copied from history."""
    words = {"en": ("same address", "never from your history"), "zh": ("同一", "绝不要从交易记录里复制")}
    for name in ("alerts/address-poisoning", "guides/send-receive-safely"):
        for lang, (same, never) in words.items():
            text = (bundled / "content" / f"{name}.{lang}.md").read_text(encoding="utf-8")
            step = next(line for line in text.split("\n") if line[:1].isdigit() and ("small test" in line or "一小笔测试" in line))
            assert same in step and never in step, (name, lang, step)


def test_incident_notice_claims_the_same_in_both_languages(loaded):
    """"No funds were taken" in one language and "none so far" in the other is two different claims."""
    _, content = loaded
    alert = content.alert("incident-app-update-8-4-2")
    en, zh = alert.texts["en"], alert.texts["zh"]
    assert "So far" in en.summary and "目前" in zh.summary
    for text in (en.summary, alert.update_note["en"]):
        assert "No funds were taken" not in text and "Confirmed" not in text
    assert "确认没有" not in alert.update_note["zh"]


def test_backup_guide_really_verifies_the_backup(bundled: Path):
    """The summary promises a check that the backup works: re-reading it is not one. The check is
    the app's own, never a website's, and the two languages give the same advice."""
    words = {"en": ("Verify recovery phrase", "capital letters", "Never type your phrase into a website"),
             "zh": ("核对助记词**", "大写字母", "绝不要为了“测试备份”把助记词输入任何网站")}
    for lang, expected in words.items():
        text = (bundled / "content" / "guides" / f"backup-recovery-phrase.{lang}.md").read_text(encoding="utf-8")
        assert all(word in text for word in expected), lang


def test_chinese_reads_as_written_in_chinese(bundled: Path):
    """Wording a native reader stumbles on: "0 元" for a transfer of 0 USDT, "去链接化"."""
    for path in (bundled / "content").rglob("*.zh.md"):
        text = path.read_text(encoding="utf-8")
        assert "0 元" not in text and "去链接化" not in text and "望尘莫及" not in text, path.name


def test_our_domain_is_taught_exactly(bundled: Path):
    """"Ends in alertcast.example" lets validate-alertcast.example pass; the rule is the dot."""
    for path in _files(bundled):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"end(?:s)? in `alertcast\.example`|以 `alertcast\.example` 结尾", text), path.name
    for name in ("guides/spot-phishing", "alerts/lookalike-phishing-domains"):
        for lang in ("en", "zh"):
            text = (bundled / "content" / f"{name}.{lang}.md").read_text(encoding="utf-8")
            assert "`.alertcast.example`" in text and "validate-alertcast[.]example" in text, (name, lang)
    # "the part just before the last dot must be alertcast" reads as true of validate-alertcast.example
    rule = {"en": "after `example` must come exactly `alertcast`, then a dot or nothing",
            "zh": "`example` 前面必须正好是 `alertcast`，再往前只能是一个点或什么都没有"}
    for name in ("guides/spot-phishing", "alerts/lookalike-phishing-domains", "official-channels"):
        for lang, words in rule.items():
            assert words in (bundled / "content" / f"{name}.{lang}.md").read_text(encoding="utf-8"), (name, lang)


def test_sim_swap_advice_is_the_carriers_lock_not_the_cards_pin(loaded):
    """A SIM card's PIN locks the card in a stolen phone; a SIM swap gets a new card from the
    carrier, so what stops it is the PIN or lock the carrier asks for before a SIM change or port-out."""
    _, content = loaded
    alert = content.alert("sim-swap-account-takeover")
    for lang, text in alert.texts.items():
        for said in (text.summary, text.support_reply, text.body):
            assert "SIM 卡 PIN" not in said and "a SIM PIN" not in said, (lang, said)
        assert ("carrier" if lang == "en" else "运营商") in text.support_reply, lang
        assert ("port-out" if lang == "en" else "携号转网") in text.body, lang


def test_after_a_compromise_no_coins_go_into_the_old_wallet(bundled: Path):
    for lang, words in (("en", ("sweeper", "Never send coins into the old wallet")), ("zh", ("清扫", "绝不要往旧钱包里转币"))):
        text = (bundled / "content" / "guides" / f"after-compromise.{lang}.md").read_text(encoding="utf-8")
        assert all(word in text for word in words), lang


def test_every_front_matter_field_is_exercised(bundled: Path, loaded):
    """The starter set is also the example editors copy from: each field appears somewhere."""
    _, content = loaded
    alerts = bundled / "content" / "alerts"
    assert any(re.search(r"^id: ", p.read_text(encoding="utf-8"), re.M) for p in alerts.glob("*.md"))
    assert any(a.banner and a.banner.action_url for a in content.alerts)
    assert all(a.banner.action_url.startswith("https://www.alertcast.example/")
               for a in content.alerts if a.banner and a.banner.action_url)
    assert any(g.updated_at for g in content.guides)
    assert any(re.search(r"^hide: ", p.read_text(encoding="utf-8"), re.M) for p in (bundled / "content").glob("*.md"))


# --- indicators ----------------------------------------------------------------------------


def test_every_scam_indicator_uses_reserved_names(loaded):
    _, content = loaded
    for alert in content.alerts:
        ind = alert.indicators
        for domain in ind.domains:
            assert domain.endswith(".example"), (alert.id, domain)
        for handle in ind.handles:  # obviously fictional, so no real person is named a scammer
            network, _, name = handle.partition(":")
            assert "example" in name.lower(), (alert.id, handle)
            assert re.fullmatch({"telegram": r"@[A-Za-z][A-Za-z0-9_]{4,31}", "x": r"@[A-Za-z0-9_]{1,15}",
                                 "wechat": r"[A-Za-z][A-Za-z0-9_-]{5,19}"}[network], name), (alert.id, handle)
        for address in ind.addresses:  # made up: a patterned payload no key pair can have
            assert address.partition(":")[0] in CHECKED_CHAINS, address
            assert re.search(r"(.{1,2})\1{15}", _payload(address)), address
        for text in alert.texts.values():
            for defanged in re.findall(r"`([a-z0-9.-]+(?:\[\.\][a-z0-9-]+)+)`", text.body):
                assert defanged.endswith("[.]example"), (alert.id, defanged)
    with_indicators = [a for a in content.alerts if a.indicators]
    assert len(with_indicators) >= 8


def test_look_alike_domains_use_the_script_the_text_names(loaded):
    """An `xn--` indicator decodes to the letters its alert describes ("a Cyrillic а")."""
    _, content = loaded
    checked = 0
    for alert in content.alerts:
        words = " ".join([*alert.update_note.values(), *(t.body for t in alert.texts.values())])
        for domain in alert.indicators.domains:
            for label in (part for part in domain.split(".") if part.startswith("xn--")):
                foreign = {unicodedata.name(c).split()[0] for c in label[4:].encode().decode("punycode") if not c.isascii()}
                if "Cyrillic" in words or "西里尔" in words:
                    assert foreign == {"CYRILLIC"}, (alert.id, domain, foreign)
                    checked += 1
    assert checked


def _payload(address: str) -> str:
    """The 20 bytes an address is made of, in hex."""
    chain, _, value = address.partition(":")
    return value[2:].lower() if chain in EVM_CHAINS else base58.b58decode(value)[1:21].hex()


def test_made_up_addresses_are_recognised():
    assert re.search(r"(.{1,2})\1{15}", _payload("tron:TBFXJJ97uPDyaqkCPkNVS6gQqRcGKHAi5B"))
    assert not re.search(r"(.{1,2})\1{15}", _payload("tron:TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"))  # a real one
    assert not re.search(r"(.{1,2})\1{15}", _payload("eth:0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"))


def test_no_link_in_any_file_leaves_the_official_domain(bundled: Path):
    for path in _files(bundled):
        for url in re.findall(r"https?://([^/\s)>\"']+)", path.read_text(encoding="utf-8")):
            assert url == "alertcast.example" or url.endswith(".alertcast.example"), (path.name, url)


# --- no unsafe advice ----------------------------------------------------------------------


def test_no_file_gives_unsafe_advice(bundled: Path):
    offenders = {p.name: unsafe_instructions(p.read_text(encoding="utf-8")) for p in _files(bundled)}
    assert {name: found for name, found in offenders.items() if found} == {}


PLANTED = [
    "If support asks, please share your screen so they can see the problem.",
    "Enter your recovery phrase to verify your wallet.",
    "You should send your seed phrase to support so they can fix it.",
    "First, send a small amount to verify the address is yours.",
    "Install the remote-control app our agent sends you.",
    "Take a photo of your recovery phrase and keep it safe.",
    "请共享屏幕，方便客服查看问题。",
    "请输入助记词验证钱包。",
    "把助记词发给客服即可解冻。",
    "先转一小笔到该地址验证身份。",
    "请下载远程协助软件。",
    "截图保存助记词，以防丢失。",
    "Send a little ETH to the old wallet so you can pay the gas to move your tokens.",
    "先往旧钱包里转一点 ETH 当手续费，再把代币转出来。",
]

SAFE = [
    "Never share your screen with anyone who contacts you.",
    "Official support will never ask you to share your screen.",
    "Do not enter your recovery phrase to verify anything.",
    "Nobody will ask you to send funds to verify your wallet.",
    "Send a small test first to the address you have checked.",
    "绝不要共享屏幕。",
    "不要输入助记词验证任何东西。",
    "官方客服永远不会让你共享屏幕。",
    "先转一小笔测试到你核对过的地址。",
    "不拍照、不截图。",
    "Support never asks you to send funds, install remote-control apps or share your screen.",
    "官方客服不会让你转账、安装远程控制软件或共享屏幕。",
    "Never send coins into the old wallet, not even a little to pay the fees.",
    "绝不要往旧钱包里转币，哪怕只是一点点。",
]


@pytest.mark.parametrize("sentence", PLANTED)
def test_scanner_flags_a_planted_unsafe_sentence(sentence: str):
    assert unsafe_instructions(f"Some text.\n\n- {sentence}\n"), sentence


@pytest.mark.parametrize("sentence", SAFE)
def test_scanner_accepts_warnings_against_unsafe_acts(sentence: str):
    assert unsafe_instructions(sentence) == []


def test_scan_fails_once_a_bad_sentence_is_planted_in_the_content(bundled: Path):
    guide = bundled / "content" / "guides" / "official-support-never-asks.en.md"
    guide.write_text(guide.read_text(encoding="utf-8") + "\nIf an agent asks, share your screen with them.\n",
                     encoding="utf-8")
    with pytest.raises(AssertionError):
        test_no_file_gives_unsafe_advice(bundled)


# --- the safety review's corrections ----------------------------------------------------------
#
# A permit that the attacker has not submitted yet is not on the blockchain: revoking finds
# nothing and does not stop it. Only moving the tokens it names does; revoking comes after.

_REVOKE_AT_ONCE = re.compile(r"\brevoke\b[^.]{0,60}?\b(?:right away|now|at once|immediately)\b|"
                             r"(?:立刻|马上|立即)[^。，；]{0,15}?撤销", re.IGNORECASE)
_MOVE = re.compile(r"new(?:\*\*)? address|新(?:\*\*)?地址")
_THEN_REVOKE = re.compile(r"\bthen revoke\b|再撤销", re.IGNORECASE)


def test_no_alert_or_guide_says_to_revoke_at_once(bundled: Path):
    for section in ("alerts", "guides"):
        for path in sorted((bundled / "content" / section).glob("*.md")):
            text = path.read_text(encoding="utf-8")
            assert not _REVOKE_AT_ONCE.search(text), (path.name, _REVOKE_AT_ONCE.search(text).group(0))
            assert 'cannot be "cancelled" once used' not in text and "签名一旦被使用就无法“取消”" not in text, path.name


@pytest.mark.parametrize("name", ["alerts/permit-signature-phishing", "guides/after-compromise", "alerts/fake-airdrop-claim",
                                  "alerts/fake-bridge-sites", "alerts/fake-transaction-accelerator",
                                  "guides/read-any-signature", "guides/revoke-token-approvals"])
def test_after_a_signature_the_tokens_move_before_anything_is_revoked(bundled: Path, name: str):
    for lang in ("en", "zh"):
        text = (bundled / "content" / f"{name}.{lang}.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
        text = "\n".join(line for line in text.split("\n") if not line.startswith("#"))  # steps, not titles
        then_revoke = _THEN_REVOKE.search(text)
        assert then_revoke, (name, lang)
        assert _MOVE.search(text[:then_revoke.start()]), (name, lang)


def test_only_plain_sign_in_text_is_called_low_risk(bundled: Path):
    """Spender, amount and deadline miss DAI-style permits, Permit2 transfers, listings,
    eth_sign hashes, EIP-7702 upgrades and batches."""
    words = {"en": "plain, readable", "zh": "读得懂的纯文字"}
    for name in ("guides/connect-dapp-safely", "alerts/permit-signature-phishing", "faq", "guides/read-any-signature"):
        for lang, phrase in words.items():
            text = (bundled / "content" / f"{name}.{lang}.md").read_text(encoding="utf-8")
            assert phrase in text, (name, lang)
            assert name == "guides/read-any-signature" or "read-any-signature.md)" in text, (name, lang)
    for lang in ("en", "zh"):
        text = (bundled / "content" / "guides" / f"read-any-signature.{lang}.md").read_text(encoding="utf-8")
        for kind in ("`allowed", "PermitTransferFrom", "Seaport", "eth_sign", "EIP-7702", "wallet_sendCalls",
                     "AccountPermissionUpdateContract", "lockdown", "incrementCounter"):
            assert kind in text, (lang, kind)


def test_the_withdrawn_report_no_longer_says_do_not_install(loaded):
    _, content = loaded
    for alert in (a for a in content.alerts if a.is_withdrawn):
        for lang, text in alert.texts.items():
            for line in (text.title, text.summary):
                assert not re.search(r"do not install|don't install|不要安装", line, re.IGNORECASE), (alert.id, lang, line)


NEW_ALERTS = ["tron-permission-hijack", "usdt-otc-frozen-funds"]
NEW_GUIDES = ["tron-account-permissions", "read-any-signature", "verify-downloads-contacts", "malware-hygiene",
              "safety-checklist", "glossary"]


def test_every_new_page_is_in_both_languages_and_linked_from_alerts_and_guides(bundled: Path, loaded):
    _, content = loaded
    live = {a.id for a in Plan.at(content, PINNED).live}
    assert set(NEW_ALERTS) <= live
    for stem in NEW_ALERTS + NEW_GUIDES:
        folder = "alerts" if stem in NEW_ALERTS else "guides"
        for lang in ("en", "zh"):
            assert (bundled / "content" / folder / f"{stem}.{lang}.md").is_file(), (stem, lang)
    for guide in NEW_GUIDES:
        alerts = [a for a in content.alerts if guide in a.related and a.id in live]
        guides = [g for g in content.guides if guide in g.related]
        assert alerts and guides, guide
        for alert in alerts:
            for lang, text in alert.texts.items():
                assert f"](../guides/{guide}.md)" in text.body, (alert.id, lang, guide)


#: A claim the review found wrong or missing, as each language now states it.
CLAIMS = {
    "guides/after-compromise": {"en": ["TRON permission change", "EIP-7702", "Solana", "every network", "every account"],
                                "zh": ["TRON 权限变更", "EIP-7702", "Solana", "每个网络", "每个账户"]},
    "alerts/address-poisoning": {"en": ["one you just sent to", "fake \"USDT\"", "`transferFrom`", "**outgoing**"],
                                 "zh": ["你刚转过去的那个地址", "假“USDT”", "`transferFrom`", "**转出**"]},
    "faq": {"en": ["Tether", "Circle", "freeze"], "zh": ["Tether", "Circle", "冻结"]},
    "alerts/fake-transaction-accelerator": {"en": ["No real accelerator needs your recovery phrase", "CPFP"],
                                            "zh": ["真正的加速服务不需要你的助记词", "CPFP"]},
    "guides/cross-chain-bridges": {"en": ["about 7 days"], "zh": ["大约 7 天"]},
    "guides/network-fees-pending": {"en": ["**energy**", "holds no USDT"], "zh": ["**能量**", "没有 USDT 余额"]},
    "alerts/lookalike-phishing-domains": {"en": ["in-app browsers", "real Chinese domain names"],
                                          "zh": ["App 内置浏览器", "正规的中文域名"]},
    "guides/create-wallet": {"en": ["`www.alertcast.example/download/`"], "zh": ["`www.alertcast.example/download/`"]},
    "guides/send-receive-safely": {"zh": ["“解锁”"]},
    "report-a-scam": {"zh": ["96110", "国家反诈中心"], "en": ["96110"]},
    "guides/tron-account-permissions": {"en": ["**Owner**", "**Active**", "扫码授权", "leaked recovery phrase",
                                               "fixed fee set by the network"],
                                        "zh": ["**Owner", "**Active", "扫码授权", "泄露助记词", "由网络参数决定的固定手续费"]},
    "guides/verify-downloads-contacts": {"en": ["SHA-256", "apksigner verify --print-certs"],
                                         "zh": ["SHA-256", "apksigner verify --print-certs"]},
    "guides/malware-hygiene": {"en": ["Clipboard", "after you paste", "hardware wallet", "\"No warning\" does not mean \"safe\""],
                               "zh": ["剪贴板", "粘贴之后", "硬件钱包", "“没有警告”不等于“安全”"]},
    "guides/glossary": {"en": ["波场", "TRC20", "BSC", "推特", "电报"], "zh": ["波场", "TRC20", "BSC", "推特", "电报"]},
}


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_the_reviewed_claims_are_stated_in_each_language(bundled: Path, name: str):
    for lang, phrases in CLAIMS[name].items():
        text = (bundled / "content" / f"{name}.{lang}.md").read_text(encoding="utf-8")
        assert [p for p in phrases if p not in text] == [], (name, lang)
    assert "Nobody outside your wallet can speed up" not in (bundled / "content" / "alerts" /
                                                              "fake-transaction-accelerator.en.md").read_text(encoding="utf-8")
