from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from outputs_support import NOW, outputs_at

from alertcast import signing
from alertcast.pipeline import build

REPO = Path(__file__).resolve().parents[1]


def test_signatures_verify_and_fail_after_one_byte(content, config):
    pair = signing.generate()
    key = signing.parse_private_key(pair.private_pem.decode())
    out = outputs_at(content, config, NOW, key)
    assert out[signing.PUBLIC_KEY_PATH] == pair.public_pem
    for lang in ("zh", "en"):
        data, sig = out[f"api/v1/banners/{lang}.json"], out[f"api/v1/banners/{lang}.json.sig"]
        assert signing.verify(pair.public_pem, data, sig)
        tampered = bytearray(data)
        tampered[10] ^= 0x01
        assert not signing.verify(pair.public_pem, bytes(tampered), sig)
        assert not signing.verify(signing.generate().public_pem, data, sig)


def test_documented_python_recipe(content, config):
    """The recipe in docs/outputs.md, run as written against real signed files: it shows the
    current file once, then refuses a replay of an older one and another locale's."""
    from datetime import timedelta

    pair = signing.generate()
    key = signing.parse_private_key(pair.private_pem.decode())
    trusted = {signing.key_id(key): pair.public_pem}
    docs = (REPO / "docs" / "outputs.md").read_text(encoding="utf-8")
    recipe = docs.split("```python verify\n", 1)[1].split("```", 1)[0]
    ns: dict = {}
    exec(compile(recipe, "docs/outputs.md", "exec"), ns)
    shown: dict = {}
    out = outputs_at(content, config, NOW, key)
    data, sig = out["api/v1/banners/en.json"], out["api/v1/banners/en.json.sig"]
    assert ns["show_banner"](data, sig, trusted, "en", NOW, shown)["locale"] == "en"
    assert ns["show_banner"](data.replace(b"live-phishing", b"live-phishinG"), sig, trusted, "en", NOW, shown) is None
    assert ns["show_banner"](data, sig, trusted, "zh", NOW, shown) is None
    old = outputs_at(content, config, NOW - timedelta(hours=7), key)
    assert ns["show_banner"](old["api/v1/banners/en.json"], old["api/v1/banners/en.json.sig"], trusted, "en",
                             NOW, shown) is None


def test_raw_base64_key_from_env_and_build_signs(project, config, monkeypatch, tmp_path):
    pair = signing.generate()
    key = signing.parse_private_key(pair.private_pem.decode())
    from cryptography.hazmat.primitives import serialization

    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    monkeypatch.setenv("ALERTCAST_SIGNING_KEY", base64.b64encode(raw).decode())
    result = build(config, NOW, tmp_path / "site", with_site=False)
    assert result.signed
    site = tmp_path / "site"
    assert signing.verify((site / signing.PUBLIC_KEY_PATH).read_bytes(), (site / "api/v1/banners/zh.json").read_bytes(),
                          (site / "api/v1/banners/zh.json.sig").read_bytes())


def test_unsigned_build_says_so(project, cli, tmp_path, monkeypatch):
    monkeypatch.delenv("ALERTCAST_SIGNING_KEY", raising=False)
    result = cli("build", "-p", project, "--no-site", "--now", "2026-03-15T00:00:00+08:00", "-o", tmp_path / "site")
    assert result.exit_code == 0, result.output
    assert "UNSIGNED" in result.output
    # what to set, not only how to make a key (a key alone signs nothing)
    assert "signing.key_file" in result.output and "ALERTCAST_SIGNING_KEY" in result.output
    assert not (tmp_path / "site" / "api/v1/banners/en.json.sig").exists()


def test_bad_key_is_one_line_without_the_secret(project, tmp_path):
    env = {"PYTHONPATH": str(REPO / "src"), "ALERTCAST_SIGNING_KEY": "not-a-key-SECRETVALUE", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "alertcast", "build", "-p", str(project), "--no-site",
                           "-o", str(tmp_path / "site")], env=env, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "SECRETVALUE" not in proc.stderr + proc.stdout
    assert "alertcast keygen" in proc.stderr


def test_keygen_writes_usable_pair(cli, tmp_path):
    result = cli("keygen", "--out", tmp_path / "k")
    assert result.exit_code == 0
    priv = (tmp_path / "k.pem")
    assert priv.stat().st_mode & 0o077 == 0
    key = signing.parse_private_key(priv.read_text())
    assert signing.public_pem(key) == (tmp_path / "k.pub.pem").read_bytes()
    assert f"key id:      {signing.key_id(key)}" in result.output
    assert cli("keygen", "--out", tmp_path / "k").exit_code != 0  # no silent overwrite


def test_keygen_by_default_writes_into_an_ignored_folder_and_prints_the_setting_that_signs(
        project, cli, tmp_path, monkeypatch):
    """A newcomer runs keygen in the project, pastes what it prints into mkdocs.yml, and the
    next build signs; the private key lands where git does not see it."""
    monkeypatch.delenv("ALERTCAST_SIGNING_KEY", raising=False)
    monkeypatch.chdir(project)
    result = cli("keygen")
    assert result.exit_code == 0, result.output
    private = Path(".alertcast/banner-signing-key.pem")
    assert (project / private).is_file() and not (project / "banner-signing-key.pem").exists()
    ignored = subprocess.run(["git", "check-ignore", "--no-index", "-q", str(private)], cwd=REPO)
    assert ignored.returncode == 0, f"{private} is not in .gitignore"
    setting = result.output.split("under extra: alertcast:\n", 1)[1].split("\nor,", 1)[0]
    assert setting == "    signing:\n      key_file: .alertcast/banner-signing-key.pem"
    mkdocs = project / "mkdocs.yml"
    mkdocs.write_text(mkdocs.read_text(encoding="utf-8").replace("  alertcast:\n", f"  alertcast:\n{setting}\n", 1),
                      encoding="utf-8")
    built = cli("build", "-p", project, "--no-site", "--now", "2026-03-15T00:00:00+08:00", "-o", tmp_path / "site")
    assert built.exit_code == 0, built.output
    assert "banners: signed" in built.output
    env_line = result.output.strip().splitlines()[-1]
    assert env_line.endswith('ALERTCAST_SIGNING_KEY="$(cat .alertcast/banner-signing-key.pem)"')


def test_keygen_into_a_missing_folder_says_so(cli, tmp_path):
    result = cli("keygen", "--out", tmp_path / "keys" / "banner-signing-key")
    assert result.exit_code == 1
    assert f"the folder {tmp_path / 'keys'} does not exist" in result.output
    assert "--out" in result.output
    assert not (tmp_path / "keys").exists()


def test_documented_javascript_recipe_with_node(content, config, tmp_path):
    """The JavaScript check, run by a real Node.js against real signed files: the current file
    passes; a tampered one, another locale's, an older one and an expired one are refused."""
    from datetime import timedelta

    pair = signing.generate()
    key = signing.parse_private_key(pair.private_pem.decode())
    out = outputs_at(content, config, NOW, key)
    old = outputs_at(content, config, NOW - timedelta(hours=7), key)
    docs = (REPO / "docs" / "outputs.md").read_text(encoding="utf-8")
    recipe = docs.split("```javascript verify\n", 1)[1].split("```", 1)[0]
    data = out["api/v1/banners/en.json"]
    (tmp_path / "banner.json").write_bytes(data)
    (tmp_path / "bad.json").write_bytes(data.replace(b"live-phishing", b"live-phishinG"))
    (tmp_path / "banner.json.sig").write_bytes(out["api/v1/banners/en.json.sig"])
    (tmp_path / "old.json").write_bytes(old["api/v1/banners/en.json"])
    (tmp_path / "old.json.sig").write_bytes(old["api/v1/banners/en.json.sig"])
    (tmp_path / "key.pem").write_bytes(pair.public_pem)
    doc = json.loads(data)
    valid_until = int(datetime.fromisoformat(doc["valid_until"].replace("Z", "+00:00")).timestamp() * 1000)
    script = recipe + f"""
const fs = require("fs");
const [dir] = process.argv.slice(2);
const read = (n) => fs.readFileSync(dir + "/" + n);
const keys = {{ {json.dumps(signing.key_id(key))}: read("key.pem").toString() }};
const now = {int(NOW.timestamp() * 1000)};
const attempt = async (file, locale, at, last) => {{
  try {{
    const got = await checkBanner(read(file + ".json"), read(file + ".json.sig").toString(), keys, locale, at, last);
    return "ok:" + got.doc.version;
  }} catch (e) {{
    return "rejected";
  }}
}};
(async () => {{
  fs.copyFileSync(dir + "/banner.json.sig", dir + "/bad.json.sig");
  console.log(await attempt("banner", "en", now, null), await attempt("bad", "en", now, null),
              await attempt("banner", "zh", now, null), await attempt("old", "en", now, {doc["version"]}),
              await attempt("banner", "en", {valid_until}, null));
}})();
"""
    (tmp_path / "verify.js").write_text(script)
    proc = subprocess.run(["node", str(tmp_path / "verify.js"), str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [f"ok:{doc['version']}", "rejected", "rejected", "rejected", "rejected"]
