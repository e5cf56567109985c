"""Random front matter and bodies never crash the loader: the only outcome is content or problems."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alertcast.config import load_config
from alertcast.content.loader import load_content
from alertcast.problems import Problem

from conftest import FIXTURE

KEYS = ["id", "title", "summary", "severity", "category", "publish_at", "expires_at", "updated_at", "update_note",
        "withdrawn", "banner", "channels", "scam_indicators", "related", "platforms", "min_app_version", "domains",
        "addresses", "handles", "serverity", "level", "order", "hide"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
    st.text(max_size=40), st.sampled_from(["critical", "banner", "telegram", "spot-phishing", "8.0.0", "eth:0x1"]),
    st.datetimes(timezones=st.one_of(st.none(), st.just(timezone.utc), st.just(timezone(timedelta(hours=8))))),
    st.dates(),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=10)), inner, max_size=4),
), max_leaves=12)
front_matter = st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=12)), values, max_size=10)


def _dump(data: dict) -> str:
    try:
        return yaml.safe_dump(data, allow_unicode=True)
    except yaml.YAMLError:
        return "{}"


documents = st.one_of(
    front_matter.map(lambda d: "---\n" + _dump(d) + "---\n"),
    st.text(max_size=300),  # anything at all, including broken YAML and no front matter
    st.tuples(st.text(max_size=200), st.text(max_size=200)).map(lambda t: f"---\n{t[0]}\n---\n{t[1]}"),
)
bodies = st.text(max_size=400)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scratch")
    shutil.copytree(FIXTURE, root, dirs_exist_ok=True)
    return root


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(doc=documents, body=bodies, where=st.sampled_from(["alerts/live-phishing.en.md", "guides/spot-phishing.zh.md",
                                                          "index.en.md", "alerts/new.zh.md"]))
def test_loader_never_crashes(scratch: Path, doc: str, body: str, where: str) -> None:
    target = scratch / "content" / where
    original = target.read_bytes() if target.exists() else None
    try:
        target.write_text(doc + body, encoding="utf-8")
        content, problems = load_content(load_config(scratch))
        assert all(isinstance(p, Problem) for p in problems)
        if content is None:
            assert any(p.is_error for p in problems)
            for p in problems:
                assert p.line >= 1 and p.path and p.message
    finally:
        if original is None:
            target.unlink()
        else:
            target.write_bytes(original)


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

