"""Random front matter, bodies and settings never crash the loader: the only outcome is content
or problems, each with a file and a line.

Documents start from valid front matter for their section and then get some keys (nested ones
too) replaced by wild values: wrong types, negative, boundary and huge numbers, nested
structures, odd Unicode and odd times. Starting from valid files matters: a crash in a rule
that only runs once a file validates (a negative `order` reaching a sort, say) is never reached
by documents that fail on their first key.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alertcast.config import load_config
from alertcast.checks.load import load_content
from alertcast.problems import ContentError, Problem

from conftest import FIXTURE

CST = timezone(timedelta(hours=8))

# -- wild values ------------------------------------------------------------------------------

ODD_TEXT = ["", " ", "\u2028", "\x85", "\u202e evil", "\ufeffBOM", "𝓽𝓲𝓽𝓵𝓮", "ﬁ", "İı", "\u200b", "🧑🏽‍💻" * 40,
            "钓鱼网站" * 200, "a" * 700, "https://wallet-verify.example/x", "www.wallet-verify.example",
            "wallet-verify[.]example", "other.test", "TODO: write", "## heading", "two\n\nparagraphs", "@handle",
            ": colon", "- dash", "[link](https://evil.test)", "<b>x</b>", "{{ jinja }}", "{% raw %}", "%s %d",
            "\\N{NULL}", "null", "~", "yes", "0x1f", "1e400", "8.4.2", "8.x", "eth:0x1", "telegram:@x",
            "2026-01-01T08:00:00+08:00"]
ODD_TIMES = ["2026-13-01T00:00:00+08:00", "2026-02-30T00:00:00+08:00", "2026-01-01T24:00:00+08:00",
             "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00", "2026-01-01T00:00:00+25:00", "yesterday",
             "2026-01-01", "2026-01-01 08:00", "1700000000", "T08:00"]

offsets = st.builds(lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-23 * 60 - 59, 23 * 60 + 59))
texts = st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=60),
                  st.text(alphabet=st.characters(min_codepoint=0x80), max_size=30))
numbers = st.one_of(st.integers(-10, 10), st.integers(max_value=-1), st.integers(-10**30, 10**30),
                    st.sampled_from([-1, 0, 10000, 10001, 2**63]), st.floats(allow_nan=True, allow_infinity=True))
times = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                 timezones=st.one_of(st.none(), st.just(timezone.utc), offsets)),
    st.dates(), st.sampled_from(ODD_TIMES))
scalars = st.one_of(st.none(), st.booleans(), numbers, texts, times)
wild = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(ODD_TEXT[:20]), st.text(max_size=8)),
                                                 inner, max_size=4)), max_leaves=10)


def close_to(kind: str) -> st.SearchStrategy:
    """Values near what the key expects: the edges of its own type, where rules slip."""
    return {
        "text": texts,
        "int": st.one_of(st.integers(max_value=-1), st.integers(min_value=10**4), numbers),
        "time": times,
        "bool": st.one_of(st.booleans(), st.sampled_from(["yes", "no", "maybe", 2])),
        "list": st.lists(scalars, max_size=5),
        "choice": st.one_of(texts, st.sampled_from(["info", "critical", "phishing", "home", "ios", "daily", "basic",
                                                    "advanced", "toc", "banner", "telegram", "x", "site"])),
        "choices": st.lists(st.sampled_from(["banner", "cap", "telegram", "x", "mastodon", "site", "ios", "home",
                                             "toc", "navigation", "spot-phishing", "nope"]), max_size=5),
        "version": st.one_of(st.sampled_from(["8.0.0", "0", "99999999999999999999.1", "8.4.1", "1.2.3.4.5", "v8"]),
                             numbers),
    }[kind]


def value_for(kind: str) -> st.SearchStrategy:
    return st.one_of(close_to(kind), close_to(kind), wild)


# -- documents: valid front matter for the section, then some keys made wild --------------------

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=CST)
VALID = {
    "alerts": {"title": "Phishing site", "summary": "A look-alike site asks for your phrase.", "severity": "warning",
               "category": "phishing", "publish_at": NOW, "updated_at": NOW + timedelta(days=1),
               "update_note": "Added how to tell.", "channels": ["banner", "cap", "telegram", "mastodon"],
               "banner": {"platforms": ["ios"], "min_app_version": "8.0.0", "max_app_version": "8.9.0",
                          "placement": ["home"], "dismissible": True, "frequency": "daily",
                          "action_url": "https://help.fixture.example/x/"},
               "scam_indicators": {"domains": ["wallet-verify.example"],
                                   "addresses": ["eth:0x1111111111111111111111111111111111111111"],
                                   "handles": ["telegram:@fixture_fake_support"]},
               "related": ["spot-phishing"]},
    "guides": {"title": "Spot phishing", "summary": "Learn to spot look-alike sites.", "level": "basic", "order": 10,
               "related": ["spot-phishing"], "updated_at": NOW},
    "": {"title": "Safety Center", "summary": "Where to start.", "hide": ["toc"]},
}
KINDS = {
    "id": "text", "title": "text", "summary": "text", "severity": "choice", "category": "choice", "publish_at": "time",
    "expires_at": "time", "updated_at": "time", "update_note": "text", "withdrawn": "text", "channels": "choices",
    "related": "choices", "level": "choice", "order": "int", "hide": "choices", "platforms": "choices",
    "min_app_version": "version", "max_app_version": "version", "placement": "choices", "dismissible": "bool",
    "frequency": "choice", "action_url": "text", "domains": "list", "addresses": "list", "handles": "list",
}
EXTRA_KEYS = {"alerts": ["id", "expires_at", "withdrawn", "serverity"], "guides": ["id", "levle"],
              "": ["severity", "order"]}


@st.composite
def front_matter(draw, section: str) -> dict:
    """Valid front matter with one to four keys (nested ones too) changed: few enough that many
    documents stay otherwise valid, so every rule runs."""
    data = {key: (dict(value) if isinstance(value, dict) else value) for key, value in VALID[section].items()}
    for key in draw(st.lists(st.sampled_from(list(data) + EXTRA_KEYS[section]), min_size=1, max_size=4, unique=True)):
        if isinstance(data.get(key), dict) and draw(st.booleans()):
            inner = data[key]  # banner or scam_indicators: make some of its keys wild instead
            for sub in draw(st.lists(st.sampled_from(list(inner) + ["colour"]), min_size=1, max_size=3, unique=True)):
                inner[sub] = draw(value_for(KINDS.get(sub, "text")))
        elif draw(st.integers(0, 9)) == 9:
            data.pop(key, None)
        else:
            data[key] = draw(value_for(KINDS.get(key, "text")))
    return data


def _dump(data: dict) -> str:
    try:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, ValueError, OverflowError):
        return "{}\n"


bodies = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from([
        "## Details", "", "Text.", "TODO: write it", "[guide](../guides/spot-phishing.md)", "[x](../nope.md)",
        "[x](https://wallet-verify.example/a)", "<https://www.wallet-verify.example>", "`wallet-verify.example`",
        "```\nhttps://wallet-verify.example\n```", "[ref]: https://evil.test", "# Title", "###### deep",
        "- TODO: item", "1. ", "\u2028", "\x85", "![img](assets/x.png)", "<a href='https://evil.test'>x</a>",
    ]), max_size=12).map("\n".join),
)
TARGETS = {"alerts/live-phishing.en.md": "alerts", "alerts/new.zh.md": "alerts", "guides/spot-phishing.zh.md": "guides",
           "index.en.md": ""}


@st.composite
def documents(draw, section: str) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.text(max_size=300))  # anything at all, including broken YAML and no front matter
    if kind == 1:
        return f"---\n{draw(st.text(max_size=200))}\n---\n{draw(bodies)}"
    return "---\n" + _dump(draw(front_matter(section))) + "---\n" + draw(bodies)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scratch")
    shutil.copytree(FIXTURE, root, dirs_exist_ok=True)
    return root


def _assert_only_problems(root: Path) -> None:
    content, problems = load_content(load_config(root))
    assert all(isinstance(p, Problem) for p in problems)
    for p in problems:
        assert p.line >= 1 and p.col >= 1 and p.path and p.message and p.level in ("error", "warning")
    if content is None:
        assert any(p.is_error for p in problems)


@pytest.mark.parametrize("where", sorted(TARGETS))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_loader_never_crashes(scratch: Path, where: str, data: st.DataObject) -> None:
    target = scratch / "content" / where
    original = target.read_bytes() if target.exists() else None
    doc = data.draw(documents(TARGETS[where]))
    try:
        target.write_text(doc, encoding="utf-8")
        if where == "alerts/live-phishing.en.md" and data.draw(st.booleans()):
            # the translation too, so the alert can validate as a whole and reach every rule
            (scratch / "content/alerts/live-phishing.zh.md").write_text(doc, encoding="utf-8")
        _assert_only_problems(scratch)
    finally:
        if original is None:
            target.unlink()
        else:
            target.write_bytes(original)
        shutil.copy(FIXTURE / "content/alerts/live-phishing.zh.md", scratch / "content/alerts/live-phishing.zh.md")


EDGES = [-1, -10**20, 10**20, 2**63, 0, 10001, 1.5, float("nan"), float("-inf"), True, None, "", " ", "\u202e",
         "钓鱼" * 300, "a" * 700, [], [None], [1, [2, {"a": "b"}]], {"a": {"b": 1}}, {"": None}, date(2026, 1, 1),
         datetime(1, 1, 1, tzinfo=timezone.utc), datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=14))),
         datetime(2026, 3, 1, 10, 0), "2026-13-01T00:00:00+08:00", "TODO: x", "https://evil.test/x",
         "www.wallet-verify.example", "8.4.2", "@x"]


def test_every_key_with_every_edge_value(tmp_path: Path) -> None:
    """Each key of each section (nested ones too) set to each edge value, in otherwise valid files,
    all loaded at once: a crash on any single wrong value cannot hide behind randomness."""
    root = tmp_path / "grid"
    shutil.copytree(FIXTURE, root)
    count = 0
    for section, valid in VALID.items():
        base = dict(valid, channels=["banner", "cap"]) if section == "alerts" else valid  # posts: one case each
        paths = [(key,) for key in [*base, *EXTRA_KEYS[section]]]
        paths += [(key, sub) for key, value in base.items() if isinstance(value, dict) for sub in [*value, "colour"]]
        for path in paths:
            for edge in EDGES:
                data = {key: (dict(value) if isinstance(value, dict) else value) for key, value in base.items()}
                (data[path[0]] if len(path) == 2 else data)[path[-1]] = edge
                folder = root / "content" / (section or ".")
                for lang in ("zh", "en"):
                    (folder / f"grid{count}.{lang}.md").write_text("---\n" + _dump(data) + "---\n\nText.\n",
                                                                  encoding="utf-8")
                count += 1
    assert count > 900
    _assert_only_problems(root)


CHANNEL_KEYS = ["enabled", "dry_run", "lang", "max_tries", "backoff_base", "backoff_cap", "per_drain", "min_interval",
                "hashtags", "chat_id", "base_url", "token_env", "edit", "visibility", "handle", "password_env",
                "webhook_env", "channel", "room_id", "url", "idempotent", "supports_delete", "secret_env", "tokn_env",
                "safe_domain", "rip"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(channels=st.dictionaries(
    st.one_of(st.sampled_from(["telegram", "x", "mastodon", "bluesky", "discord", "slack", "matrix", "webhook",
                               "weibo"]),
              st.text(max_size=8)),
    st.one_of(st.dictionaries(st.sampled_from(CHANNEL_KEYS), st.one_of(
        wild, st.dictionaries(st.sampled_from(["phishing", "airdrop", "nope"]), st.lists(texts, max_size=3)))),
        wild), max_size=4),
    top=st.dictionaries(st.sampled_from(["timezone", "languages", "content_dir", "banner", "signing", "deploy",
                                         "feedback_url", "allowed_link_domains", "state_url"]), wild, max_size=2))
def test_settings_never_crash(scratch: Path, channels: dict, top: dict) -> None:
    """Whatever mkdocs.yml holds under extra.alertcast, loading gives a Config or file:line problems."""
    path = scratch / "mkdocs.yml"
    original = path.read_bytes()
    raw = yaml.safe_load(original)
    raw["extra"]["alertcast"].update(top, channels=channels)
    try:
        path.write_text(_dump(raw), encoding="utf-8")
        try:
            load_config(scratch)
        except ContentError as exc:
            assert exc.problems and all(p.path == "mkdocs.yml" and p.line >= 1 and p.message for p in exc.problems)
    finally:
        path.write_bytes(original)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(min_size=1, max_size=120).filter(lambda s: s.strip()),
       summary=st.text(min_size=1, max_size=300).filter(lambda s: s.strip()),
       publish=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                            timezones=st.just(timezone.utc)))
def test_valid_values_round_trip(scratch: Path, title: str, summary: str, publish: datetime) -> None:
    """Whatever text an editor types into title and summary is loaded back exactly, or reported."""
    root = scratch
    try:
        for lang in ("zh", "en"):
            data = {"title": title, "summary": summary, "severity": "info", "category": "incident",
                    "publish_at": publish}
            (root / "content" / "alerts" / f"prop.{lang}.md").write_text(
                "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\nBody\n", encoding="utf-8")
        content, problems = load_content(load_config(root))
        if content is None:  # a title or summary can be invalid (e.g. two paragraphs); then it is reported
            assert any(p.path.endswith("prop.en.md") or p.path.endswith("prop.zh.md") for p in problems if p.is_error)
            return
        alert = content.alert("prop")
        assert alert.texts["en"].title == title.strip()
        assert alert.publish_at == publish
    finally:
        for lang in ("zh", "en"):
            (root / "content" / "alerts" / f"prop.{lang}.md").unlink(missing_ok=True)


def test_strategies_reach_odd_values() -> None:
    """The strategies above are only as good as their reach: they must produce what the rules fear."""
    seen = {"negative order": False, "date": False, "huge": False, "odd time zone": False}

    @settings(max_examples=300, deadline=None)
    @given(value=value_for("int"), when=value_for("time"))
    def sample(value: object, when: object) -> None:
        seen["negative order"] |= isinstance(value, int) and not isinstance(value, bool) and value < 0
        seen["huge"] |= isinstance(value, int) and abs(value) > 2**63
        seen["date"] |= type(when) is date
        seen["odd time zone"] |= isinstance(when, datetime) and when.utcoffset() not in (None, timedelta(0),
                                                                                         timedelta(hours=8))

    sample()
    assert all(seen.values()), seen
