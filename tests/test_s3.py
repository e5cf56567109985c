"""The S3 target against a real S3-compatible server (moto in server mode on 127.0.0.1)."""

from __future__ import annotations

import socket

import boto3
import pytest
from moto.server import ThreadedMotoServer
from outputs_support import AFTER, NOW

from alertcast.config import load_config
from alertcast.pipeline import build, publish
from alertcast.publish.s3 import LONG_CACHE, SHORT_CACHE, S3Target


@pytest.fixture
def s3_endpoint(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="help")
    yield endpoint
    server.stop()


def site_with_asset(plan, config, dest):
    (dest / "assets").mkdir()
    (dest / "assets" / "main.6f3a2b1c.min.css").write_text("body{}")
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
