"""Every replay of a signed banner file is rejected by the reference verifier.

The attacker holds genuine signed files (any earlier build's, any locale's) and serves them in
place of the current one; the verifier is what docs/outputs.md tells apps to run.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import jsonschema
import pytest
from git_support import commit_all
from outputs_support import CST, NOW, outputs_at

from alertcast import signing, verifier
from alertcast.verifier import Rejected, verify_banner

WITHDRAWAL = datetime(2026, 2, 11, 10, 0, tzinfo=CST)  # withdrawn-fake-app (critical) is withdrawn


@pytest.fixture(scope="module")
def keys():
    old, new = (signing.parse_private_key(signing.generate().private_pem.decode()) for _ in range(2))
    return old, new


def trusted(*keys):  # type: ignore[no-untyped-def]
    return {signing.key_id(k): signing.public_pem(k) for k in keys}


def signed(content, config, now, key, lang="en"):  # type: ignore[no-untyped-def]
    out = outputs_at(content, config, now, key)
    return out[f"api/v1/banners/{lang}.json"], out[f"api/v1/banners/{lang}.json.sig"]


def test_current_file_verifies_and_names_its_key(content, config, keys):
    key = keys[0]
    data, sig = signed(content, config, NOW, key)
    shown = verify_banner(data, sig, trusted(key), "en", NOW)
    assert shown.doc["key_id"] == signing.key_id(key) == verifier.key_id(signing.public_pem(key))
    assert [b["id"] for b in shown.doc["banners"]] == ["live-phishing"] and not shown.stale
    schema = json.loads(outputs_at(content, config, NOW)["api/v1/banner.schema.json"])
    jsonschema.Draft202012Validator(schema).validate(shown.doc)


def test_an_older_file_is_rejected_once_a_newer_one_was_shown(content, config, keys):
    key = keys[0]
    second = timedelta(seconds=1)
    old = signed(content, config, WITHDRAWAL - second, key)  # still lists the withdrawn critical alert
    assert "withdrawn-fake-app" in old[0].decode()
    current = verify_banner(*signed(content, config, WITHDRAWAL, key), trusted(key), "en", WITHDRAWAL)
    assert "withdrawn-fake-app" not in json.dumps(current.doc)
    with pytest.raises(Rejected, match="older than .* already shown"):
        verify_banner(*old, trusted(key), "en", WITHDRAWAL + second, last_version=current.version)
    # the file from before live-phishing's update, replayed half an hour after it (both still valid)
    update = datetime(2026, 3, 2, 12, 0, tzinfo=CST)
    before = signed(content, config, update - second, key)
    later = update + timedelta(minutes=30)
    assert verify_banner(*before, trusted(key), "en", later).stale  # valid, and known to be superseded
    now = verify_banner(*signed(content, config, later, key), trusted(key), "en", later)
    with pytest.raises(Rejected, match="replayed"):
        verify_banner(*before, trusted(key), "en", later, last_version=now.version)


def test_a_frozen_file_expires_for_an_app_that_never_saw_a_newer_one(content, config, keys):
    key = keys[0]
    old = signed(content, config, WITHDRAWAL - timedelta(seconds=1), key)
    doc = json.loads(old[0])
    valid_until = datetime.fromisoformat(doc["valid_until"].replace("Z", "+00:00"))
    assert verify_banner(*old, trusted(key), "en", valid_until - timedelta(seconds=1)).stale  # a newer one exists
    with pytest.raises(Rejected, match="expired"):
        verify_banner(*old, trusted(key), "en", valid_until)
    # nothing scheduled after the last boundary: the file still says when it changes, and expires
    last = datetime(2026, 4, 3, tzinfo=CST)
    doc = json.loads(signed(content, config, last, key)[0])
    assert doc["next_change_at"] is not None and doc["valid_until"] is not None


def test_another_locale_is_rejected(content, config, keys):
    key = keys[0]
    en = signed(content, config, NOW, key, "en")
    with pytest.raises(Rejected, match="locale 'en', not 'zh'"):
        verify_banner(*en, trusted(key), "zh", NOW)


def test_keys_rotate_and_an_untrusted_or_renamed_key_is_rejected(content, config, keys):
    old, new = keys
    data, sig = signed(content, config, NOW, new)
    assert verify_banner(data, sig, trusted(old, new), "en", NOW).doc["key_id"] == signing.key_id(new)
    with pytest.raises(Rejected, match="any trusted key"):
        verify_banner(data, sig, trusted(old), "en", NOW)
    # a file whose key_id names another key than the one that signed it
    renamed = data.replace(signing.key_id(new).encode(), signing.key_id(old).encode())
    with pytest.raises(Rejected, match="signed by key"):
        verify_banner(renamed, signing.sign(new, renamed), trusted(old, new), "en", NOW)


def test_a_file_of_the_previous_schema_is_rejected(content, config, keys):
    """Files signed before version, valid_until and key_id existed (schema_version 1) are out
    there, signed by the same key: they must not verify as current."""
    key = keys[0]
    legacy = {"schema_version": 1, "locale": "en", "generated_at": "2026-03-02T04:00:00Z",
              "next_change_at": None, "poll_after_seconds": 300, "banners": []}
    data = (json.dumps(legacy, sort_keys=True, separators=(",", ":")) + "\n").encode()
    with pytest.raises(Rejected, match="schema_version 1"):
        verify_banner(data, signing.sign(key, data), trusted(key), "en", NOW)


def test_a_tampered_signature_file_is_rejected(content, config, keys):
    key = keys[0]
    data, _ = signed(content, config, NOW, key)
    with pytest.raises(Rejected, match="base64"):
        verify_banner(data, b"%%%\n", trusted(key), "en", NOW)


def test_a_withdrawal_merged_with_a_past_time_still_outdates_the_file_before_it(project, keys):
    """An editor writes `updated_at` when writing the withdrawal; it is merged hours later, after
    a re-sign. The file from before the merge (still showing the alert) must be older than the
    one after it, although no time in the content moved past the re-sign: the merge counts."""
    from alertcast.config import load_config
    from alertcast.checks.load import load_or_raise

    key = keys[0]
    utc = timezone.utc
    commit_all(project, "content", datetime(2026, 3, 14, 9, 0, tzinfo=utc))
    before_merge = datetime(2026, 3, 14, 13, 30, tzinfo=utc)  # the last re-sign was at 12:00Z
    config = load_config(project)
    old = signed(load_or_raise(config), config, before_merge, key)
    assert '"id":"live-phishing"' in old[0].decode()

    for path in (project / "content" / "alerts").glob("live-phishing.*.md"):
        text = path.read_text(encoding="utf-8").replace("updated_at: 2026-03-02T12:00:00+08:00",
                                                        "updated_at: 2026-03-14T19:00:00+08:00")  # 11:00Z
        path.write_text(text.replace("update_note:", 'withdrawn: "Reported in error."\nupdate_note:'), encoding="utf-8")
    merged = datetime(2026, 3, 14, 13, 40, tzinfo=utc)
    commit_all(project, "withdraw live-phishing", merged)
    after_merge = merged + timedelta(minutes=5)  # the next scheduled build
    config = load_config(project)
    current = verify_banner(*signed(load_or_raise(config), config, after_merge, key), trusted(key), "en", after_merge)
    assert current.doc["banners"] == [] and current.version == int(merged.timestamp())
    with pytest.raises(Rejected, match="replayed"):
        verify_banner(*old, trusted(key), "en", after_merge, last_version=current.version)
