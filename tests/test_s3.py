"""The S3 target against a real S3-compatible server (moto in server mode on 127.0.0.1)."""

from __future__ import annotations

import base64
import gzip
import socket
import urllib.request

import boto3
import pytest
from botocore.config import Config as BotoConfig
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from moto.server import ThreadedMotoServer
from outputs_support import AFTER, NOW

from alertcast.config import load_config
from alertcast.pipeline import build, publish
from alertcast.publish.output import OutputError
from alertcast.publish.s3 import LONG_CACHE, SHORT_CACHE, S3Target


class Moto:
    """A moto S3 server on a free local port; stopping and starting it keeps the buckets
    (moto keeps them in this process), like an S3 endpoint that drops out for a while."""

    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.server = None

    def start(self):
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()

    def stop(self):
        if self.server is not None:
            self.server.stop()
            self.server = None


@pytest.fixture
def moto(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    server = Moto()
    server.start()
    urllib.request.urlopen(urllib.request.Request(server.endpoint + "/moto-api/reset", method="POST")).close()
    boto3.client("s3", endpoint_url=server.endpoint).create_bucket(Bucket="help")
    yield server
    server.stop()


@pytest.fixture
def s3_endpoint(moto):
    return moto.endpoint


def site_with_asset(plan, config, dest):
    (dest / "assets").mkdir()
    (dest / "assets" / "main.6f3a2b1c.min.css").write_text("body{}")
    (dest / "sitemap.xml.gz").write_bytes(gzip.compress(b"<urlset/>", mtime=0))  # as mkdocs writes it
    for alert in plan.published:
        page = dest / "alerts" / alert.id / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(alert.id)


def test_uploads_changed_only_with_types_and_cache_then_deletes(config, content, tmp_path, s3_endpoint):
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    target = S3Target(bucket="help", prefix="www", endpoint_url=s3_endpoint, region="us-east-1")
    first = build(config, NOW, tmp_path / "site", site_builder=site_with_asset, content=content, signing_key=None)
    touched = target.deploy(first.release)
    assert "api/v1/banners/en.json" in touched and "assets/main.6f3a2b1c.min.css" in touched
    head = s3.head_object(Bucket="help", Key="www/api/v1/banners/en.json")
    assert head["ContentType"] == "application/json" and head["CacheControl"] == SHORT_CACHE
    assert s3.head_object(Bucket="help", Key="www/assets/main.6f3a2b1c.min.css")["CacheControl"] == LONG_CACHE
    assert s3.head_object(Bucket="help", Key="www/feeds/alerts.zh.rss.xml")["ContentType"] == "application/rss+xml"
    assert s3.head_object(Bucket="help", Key="www/cap/live-phishing.xml")["ContentType"] == "application/cap+xml"
    assert s3.head_object(Bucket="help", Key="www/alerts/live-phishing/index.html")["ContentType"].startswith("text/html")
    sitemap = s3.head_object(Bucket="help", Key="www/sitemap.xml.gz")
    assert sitemap["ContentType"] == "application/gzip" and "ContentEncoding" not in sitemap
    body = s3.get_object(Bucket="help", Key="www/sitemap.xml.gz")["Body"].read()
    assert gzip.decompress(body) == b"<urlset/>"  # stored as the gzip file it is

    assert target.deploy(first.release) == []  # nothing changed, nothing uploaded

    s3.put_object(Bucket="help", Key="www/stale.html", Body=b"old")
    second = build(config, AFTER, tmp_path / "site", site_builder=site_with_asset, content=content, signing_key=None)
    touched = target.deploy(second.release)
    assert "assets/main.6f3a2b1c.min.css" not in touched
    assert touched[-1] == "stale.html"  # deleted last
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="help")["Contents"]}
    assert "www/stale.html" not in keys and "www/alerts/scheduled-maintenance/index.html" in keys
    body = s3.get_object(Bucket="help", Key="www/api/v1/banners/en.json")["Body"].read()
    assert body == (second.release / "api/v1/banners/en.json").read_bytes()


def test_publish_uses_configured_s3_target(project, tmp_path, s3_endpoint):
    yml = project / "mkdocs.yml"
    yml.write_text(yml.read_text().replace("    banner:\n", f"    deploy:\n      target: s3\n      bucket: help\n"
                                           f"      endpoint_url: {s3_endpoint}\n    banner:\n"), encoding="utf-8")
    result = publish(load_config(project), NOW, tmp_path / "site", with_site=False, signing_key=None)
    assert "api/v1/indicators.json" in result.deployed
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    assert s3.get_object(Bucket="help", Key="api/v1/indicators.json")["Body"].read() == \
        (tmp_path / "site" / "api/v1/indicators.json").read_bytes()


def recording_client(endpoint, calls, after_put=None):
    """A real boto3 client that records each PutObject/DeleteObjects (boto3's own event hooks)."""
    client = boto3.client("s3", endpoint_url=endpoint, config=BotoConfig(retries={"max_attempts": 1}))

    def before(params, model, **_):
        if model.name == "PutObject":
            calls.append(("put", params["Key"]))
        else:
            calls.extend(("delete", o["Key"]) for o in params["Delete"]["Objects"])

    client.meta.events.register("before-parameter-build.s3.PutObject", before)
    client.meta.events.register("before-parameter-build.s3.DeleteObjects", before)
    if after_put is not None:
        client.meta.events.register("after-call.s3.PutObject", after_put)
    return client


def signed_build(config, content, out, now):
    return build(config, now, out, site_builder=site_with_asset, content=content, signing_key=KEY)


KEY = Ed25519PrivateKey.generate()


def verifies(banner: bytes, sig: bytes) -> bool:
    try:
        KEY.public_key().verify(base64.b64decode(sig.strip()), banner)
        return True
    except Exception:
        return False


def test_each_signature_goes_up_right_after_its_banner_and_banners_after_everything(config, content, tmp_path, moto):
    first = signed_build(config, content, tmp_path / "site", NOW)
    S3Target(bucket="help", endpoint_url=moto.endpoint, region="us-east-1").deploy(first.release)
    s3 = boto3.client("s3", endpoint_url=moto.endpoint)
    s3.put_object(Bucket="help", Key="stale.html", Body=b"old")
    calls = []
    second = signed_build(config, content, tmp_path / "site", AFTER)
    target = S3Target(bucket="help", endpoint_url=moto.endpoint, region="us-east-1",
                      client=recording_client(moto.endpoint, calls))
    target.deploy(second.release)
    puts = [key for kind, key in calls if kind == "put"]
    banners = [i for i, key in enumerate(puts) if key.startswith("api/v1/banners/")]
    assert len(banners) == 4 and banners == list(range(len(puts) - 4, len(puts)))  # banners last
    for lang in ("en", "zh"):
        i = puts.index(f"api/v1/banners/{lang}.json")
        assert puts[i + 1] == f"api/v1/banners/{lang}.json.sig"  # nothing between the pair
    assert puts.index("alerts/scheduled-maintenance/index.html") < puts.index("feeds/alerts.en.atom.xml")
    assert calls[-1] == ("delete", "stale.html")  # deleted after every upload
    for lang in ("en", "zh"):
        banner = s3.get_object(Bucket="help", Key=f"api/v1/banners/{lang}.json")["Body"].read()
        assert verifies(banner, s3.get_object(Bucket="help", Key=f"api/v1/banners/{lang}.json.sig")["Body"].read())


def test_deploy_cut_off_midway_keeps_the_old_banner_pair_and_a_retry_completes(config, content, tmp_path, moto):
    """The endpoint goes away after a few uploads: the bucket keeps the previous banner and its
    signature, matching; nothing is deleted; the next deploy uploads the rest."""
    s3 = boto3.client("s3", endpoint_url=moto.endpoint)
    first = signed_build(config, content, tmp_path / "site", NOW)
    S3Target(bucket="help", endpoint_url=moto.endpoint, region="us-east-1").deploy(first.release)
    s3.put_object(Bucket="help", Key="stale.html", Body=b"old")
    old = {lang: s3.get_object(Bucket="help", Key=f"api/v1/banners/{lang}.json")["Body"].read() for lang in ("en", "zh")}

    second = signed_build(config, content, tmp_path / "site", AFTER)
    calls = []

    def cut_off(**_):
        if len(calls) == 3:
            moto.stop()

    target = S3Target(bucket="help", endpoint_url=moto.endpoint, region="us-east-1",
                      client=recording_client(moto.endpoint, calls, cut_off))
    with pytest.raises(OutputError, match="cannot deploy to s3://help/"):
        target.deploy(second.release)
    moto.start()
    assert len(calls) == 4  # three went up, the fourth found no server
    for lang in ("en", "zh"):
        banner = s3.get_object(Bucket="help", Key=f"api/v1/banners/{lang}.json")["Body"].read()
        sig = s3.get_object(Bucket="help", Key=f"api/v1/banners/{lang}.json.sig")["Body"].read()
        assert banner == old[lang] and verifies(banner, sig)
    assert "stale.html" in {o["Key"] for o in s3.list_objects_v2(Bucket="help")["Contents"]}

    retry = S3Target(bucket="help", endpoint_url=moto.endpoint, region="us-east-1").deploy(second.release)
    assert set(retry) & {key for _, key in calls[:3]} == set()  # what went up is not sent again
    local = {p.relative_to(second.release).as_posix(): p.read_bytes()
             for p in second.release.rglob("*") if p.is_file()}
    remote = {o["Key"]: s3.get_object(Bucket="help", Key=o["Key"])["Body"].read()
              for o in s3.list_objects_v2(Bucket="help")["Contents"]}
    assert remote == local
    for lang in ("en", "zh"):
        assert verifies(remote[f"api/v1/banners/{lang}.json"], remote[f"api/v1/banners/{lang}.json.sig"])


def test_real_site_goes_up_pages_then_listings_then_feeds_then_banners_with_right_types(project, tmp_path, moto):
    """The mkdocs site of the fixture, deployed before and after the scheduled alert goes live:
    the new alert page goes up before the listings, search index and sitemap that list it,
    those before the feeds and CAP, indicators and banners last, deletions after everything;
    every file the site ships gets a real type, and source maps are JSON cached like their files."""
    config = load_config(project)
    target = S3Target(bucket="help", endpoint_url=moto.endpoint, region="us-east-1")
    first = build(config, NOW, tmp_path / "site", signing_key=KEY)
    target.deploy(first.release)
    s3 = boto3.client("s3", endpoint_url=moto.endpoint)
    s3.put_object(Bucket="help", Key="stale.html", Body=b"old")
    calls = []
    second = build(config, AFTER, tmp_path / "site", signing_key=KEY)
    S3Target(bucket="help", endpoint_url=moto.endpoint, region="us-east-1",
             client=recording_client(moto.endpoint, calls)).deploy(second.release)
    puts = [key for kind, key in calls if kind == "put"]
    page = puts.index("alerts/scheduled-maintenance/index.html")
    assert {"alerts/index.html", "en/alerts/index.html", "search/search_index.json", "sitemap.xml"} <= set(puts)
    listings = [i for i, key in enumerate(puts) if key.endswith(("/alerts/index.html", "search_index.json", "sitemap.xml"))
                or key in ("index.html", "alerts/index.html") or "/category/" in key]
    feeds = [i for i, key in enumerate(puts) if key.startswith(("feeds/", "cap/"))]
    last = [i for i, key in enumerate(puts) if key.startswith("api/")]
    assert page < min(listings) and max(listings) < min(feeds) and max(feeds) < min(last)
    assert puts[-1].startswith("api/v1/banners/") and puts.index("api/v1/indicators.json") < len(puts) - 4
    assert calls[-1] == ("delete", "stale.html")

    types = {}
    for key in (p.relative_to(second.release).as_posix() for p in second.release.rglob("*") if p.is_file()):
        head = s3.head_object(Bucket="help", Key=key)
        types[key] = (head["ContentType"], head["CacheControl"])
    assert not [k for k, (kind, _) in types.items() if kind == "application/octet-stream"]
    maps = [k for k in types if k.endswith(".map")]
    assert maps and all(types[k] == ("application/json", LONG_CACHE) for k in maps), {k: types[k] for k in maps}
    assert types["search/search_index.json"][0] == "application/json"
    assert types["sitemap.xml"][0] in ("application/xml", "text/xml; charset=utf-8")


def test_publish_without_the_site_deletes_no_page_and_no_cap_message(project, tmp_path, moto):
    """`publish --no-site` from a fresh output folder (nothing to carry) leaves every page at the
    target; no deploy, even of a release without the CAP archive, deletes a published message."""
    yml = project / "mkdocs.yml"
    yml.write_text(yml.read_text().replace("    banner:\n", f"    deploy:\n      target: s3\n      bucket: help\n"
                                           f"      endpoint_url: {moto.endpoint}\n    banner:\n"), encoding="utf-8")
    config = load_config(project)
    publish(config, NOW, tmp_path / "one", site_builder=site_with_asset, signing_key=None)
    s3 = boto3.client("s3", endpoint_url=moto.endpoint)
    s3.put_object(Bucket="help", Key="cap/live-phishing.20260101T000000Z.xml", Body=b"<alert/>")  # published earlier
    before = {o["Key"] for o in s3.list_objects_v2(Bucket="help")["Contents"]}
    result = publish(config, AFTER, tmp_path / "fresh", with_site=False, signing_key=None)
    after = {o["Key"] for o in s3.list_objects_v2(Bucket="help")["Contents"]}
    assert {k for k in before if not k.startswith(("feeds/", "api/", "cap/"))} <= after  # pages and assets stay
    assert "alerts/live-phishing/index.html" in after and "cap/live-phishing.20260101T000000Z.xml" in after
    assert "feeds/alerts.en.atom.xml" in result.deployed
    publish(config, AFTER, tmp_path / "two", site_builder=site_with_asset, signing_key=None)  # a full publish
    assert "cap/live-phishing.20260101T000000Z.xml" in {o["Key"] for o in s3.list_objects_v2(Bucket="help")["Contents"]}


def test_an_unreachable_endpoint_is_one_line(project, cli, tmp_path, monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_MAX_ATTEMPTS": "1"}.items():
        monkeypatch.setenv(name, value)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    yml = project / "mkdocs.yml"
    yml.write_text(yml.read_text().replace("    banner:\n", "    deploy:\n      target: s3\n      bucket: help\n"
                                           f"      endpoint_url: http://127.0.0.1:{port}\n    banner:\n"),
                   encoding="utf-8")
    result = cli("publish", "-p", project, "--no-site", "--now", "2026-03-15T00:00:00+08:00", "-o", tmp_path / "site")
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"Error: cannot deploy to s3://help/ at http://127.0.0.1:{port}: "), lines
    assert "deploy.endpoint_url" in lines[0]
