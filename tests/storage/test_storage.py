"""Publishing and fetching report bundles against a real S3 server (SeaweedFS on 127.0.0.1)."""

import hashlib
import json
import logging
import socket
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import boto3
import pytest
import typer
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from flows import cli_storage
from infra.seaweed import LocalS3, free_port_pair, listening_addresses
from tasks.errors import IntegrityError, PrmError, StorageError
from tasks.storage import keys as s3keys
from tasks.storage.client import ObjectStore, error_code
from tasks.storage.publish import publish_bundle
from tasks.storage.retrieve import fetch_bundle, list_runs, presign
from tests.conftest import use_s3_credentials
from tests.storage.bundles import make_bundle

pytestmark = pytest.mark.integration


def bundle_bytes(folder: Path) -> dict[str, bytes]:
    """Every file of a folder by relative path."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def read_latest(store, year: int = 2024) -> dict | None:
    """latest.json of a year, or None when there is none.

    Any other error is retried for a few seconds: a SeaweedFS server that was just restarted
    on a busy machine can answer 5xx until its volume server has registered again.
    """
    key = s3keys.latest_key(store.prefix, year)
    deadline = time.monotonic() + 10
    while True:
        try:
            body = store.client.get_object(Bucket=store.bucket, Key=key)["Body"]
            return json.loads(body.read())
        except ClientError as exc:
            if error_code(exc) in ("NoSuchKey", "404") or time.monotonic() > deadline:
                return None if error_code(exc) in ("NoSuchKey", "404") else pytest.fail(str(exc))
            time.sleep(0.2)


def test_round_trip_is_byte_for_byte(s3_store, tmp_path):
    bundle = make_bundle(tmp_path / "bundle")
    result = publish_bundle(bundle, year=2024, run_id="r1", store=s3_store)
    assert result.bucket_created and result.latest_updated and result.uploaded == 6
    assert result.uri == f"s3://{s3_store.bucket}/reports/2024/r1/"
    dest = fetch_bundle(year=2024, dest=tmp_path / "got", store=s3_store)
    assert bundle_bytes(dest) == bundle_bytes(bundle)
    head = s3_store.client.head_object(Bucket=s3_store.bucket, Key="reports/2024/r1/report.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    expected = hashlib.sha256((bundle / "report.html").read_bytes()).hexdigest()
    assert head["Metadata"]["sha256"] == expected
    latest = read_latest(s3_store)
    assert latest["run_id"] == "r1" and latest["key_prefix"] == "reports/2024/r1/"
    assert latest["headline"] == {"agreements.signed": 89, "financial_usd.total": 1500000.5}
    manifest_sha = hashlib.sha256((bundle / "manifest.json").read_bytes()).hexdigest()
    assert latest["manifest_sha256"] == manifest_sha
    assert no_credentials_in(latest)


def no_credentials_in(document: dict) -> bool:
    """Whether neither key of the credentials in use appears in a published document."""
    text = json.dumps(document)
    credentials = boto3.session.Session().get_credentials()
    return credentials.secret_key not in text and credentials.access_key not in text


@pytest.mark.parametrize("damage", ["tamper", "delete"])
def test_fetch_names_a_tampered_or_missing_file(s3_store, tmp_path, damage):
    publish_bundle(make_bundle(tmp_path / "b"), year=2024, run_id="r1", store=s3_store)
    client, key = s3_store.client, "reports/2024/r1/tables/by_region.csv"
    if damage == "tamper":
        client.put_object(Bucket=s3_store.bucket, Key=key, Body=b"code,agreements\nAFR,90\n")
    else:
        client.delete_object(Bucket=s3_store.bucket, Key=key)
    with pytest.raises(IntegrityError, match="tables/by_region.csv") as caught:
        fetch_bundle(year=2024, run_id="r1", dest=tmp_path / "got", store=s3_store)
    assert "\n" not in str(caught.value)
    assert list((tmp_path / "got").iterdir()) == []  # nothing unverified is left behind


def test_wrong_secret_gives_one_clear_line(s3_store, s3_server, tmp_path, monkeypatch):
    bundle = make_bundle(tmp_path / "b")
    use_s3_credentials(monkeypatch, s3_server.access_key, "not-the-secret")
    with pytest.raises(StorageError) as caught:
        publish_bundle(bundle, year=2024, run_id="r1", store=s3_store)
    message = str(caught.value)
    assert message.startswith("S3 refused the credentials (SignatureDoesNotMatch) for endpoint")
    assert "\n" not in message and "not-the-secret" not in message
    use_s3_credentials(monkeypatch, "nobody", "nothing")
    with pytest.raises(StorageError, match=r"InvalidAccessKeyId"):
        list_runs(2024, store=replace(s3_store))  # a new store: its client reads the new keys


def test_no_credentials_is_one_clear_line(s3_store, tmp_path, monkeypatch):
    url = "http://user:hunter2@127.0.0.1:1"
    store = replace(s3_store, endpoint_url=url)
    with pytest.raises(StorageError) as caught:
        publish_bundle(make_bundle(tmp_path / "b"), year=2024, run_id="r1", store=store)
    assert "hunter2" not in str(caught.value) and "http://127.0.0.1:1 " in str(caught.value)
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    with pytest.raises(StorageError, match="^no S3 credentials found: set AWS_ACCESS_KEY_ID"):
        list_runs(2024, store=s3_store)


def test_anonymous_requests_are_refused(s3_server):
    anonymous = boto3.client(
        "s3",
        endpoint_url=s3_server.endpoint_url,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED),
    )
    with pytest.raises(ClientError, match="AccessDenied"):
        anonymous.list_buckets()


def test_server_listens_on_localhost_only(s3_server):
    addresses = listening_addresses(s3_server.pid)
    assert ("127.0.0.1", s3_server.ports["s3"]) in addresses
    assert len(addresses) >= 4 and {host for host, _ in addresses} == {"127.0.0.1"}


def test_a_taken_fixed_port_is_a_clear_error(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(StorageError, match=f"^port {port} on 127.0.0.1 is in use"):
            LocalS3(tmp_path, "k", "s", s3_port=port).start()


def test_unreachable_endpoint_is_one_line(s3_store, tmp_path):
    port = free_port_pair(set())
    store = replace(s3_store, endpoint_url=f"http://127.0.0.1:{port}")
    with pytest.raises(StorageError, match=f"cannot reach S3 endpoint http://127.0.0.1:{port}"):
        fetch_bundle(year=2024, dest=tmp_path / "got", store=store)


def test_missing_bucket_is_reported_and_publish_creates_it(s3_store, tmp_path):
    bucket = s3_store.bucket
    with pytest.raises(StorageError, match=f"^bucket {bucket} does not exist at http"):
        fetch_bundle(year=2024, dest=tmp_path / "got", store=s3_store)
    with pytest.raises(StorageError, match=f"^bucket {bucket} does not exist"):
        list_runs(2024, store=s3_store)
    with pytest.raises(StorageError, match=f"^bucket {bucket} does not exist"):
        presign(2024, store=s3_store)
    result = publish_bundle(make_bundle(tmp_path / "b"), year=2024, run_id="r1", store=s3_store)
    assert result.bucket_created  # store from PRM_* env, as the CLI would get them
    with pytest.raises(StorageError, match="no published run for 2023"):
        fetch_bundle(year=2023, dest=tmp_path / "got", store=s3_store)


def test_republishing_a_run_is_idempotent(s3_store, tmp_path):
    bundle = make_bundle(tmp_path / "b")
    publish_bundle(bundle, year=2024, run_id="r1", store=s3_store)
    before = read_latest(s3_store)
    again = publish_bundle(bundle, year=2024, run_id="r1", store=s3_store)
    assert (again.uploaded, again.skipped, again.latest_updated) == (0, 6, False)
    assert read_latest(s3_store) == before
    other = make_bundle(tmp_path / "other", signed=1)
    with pytest.raises(StorageError, match="already holds a different bundle"):
        publish_bundle(other, year=2024, run_id="r1", store=s3_store)


def test_latest_only_moves_forward(s3_store, tmp_path):
    times = {"r-jan": "2025-01-01T06:00:00+00:00", "r-feb": "2025-02-01T06:00:00+00:00"}
    times["r-old"] = "2024-12-01T06:00:00+00:00"
    for n, (run_id, when) in enumerate(times.items()):
        bundle = make_bundle(tmp_path / run_id, signed=10 + n, when=when)
        result = publish_bundle(bundle, year=2024, run_id=run_id, store=s3_store)
        assert result.latest_updated == (run_id != "r-old")
    assert read_latest(s3_store)["run_id"] == "r-feb"
    runs = list_runs(2024, store=s3_store)
    assert [r.run_id for r in runs] == ["r-old", "r-jan", "r-feb"]
    assert [r.agreements_signed for r in runs] == [12, 10, 11]
    assert [r.latest for r in runs] == [False, False, True] and all(r.complete for r in runs)
    got = fetch_bundle(year=2024, dest=tmp_path / "got", store=s3_store)
    assert json.loads((got / "metrics.json").read_text())["agreements"]["signed"] == 11


def test_presigned_link_serves_the_report(s3_store, tmp_path):
    bundle = make_bundle(tmp_path / "b")
    publish_bundle(bundle, year=2024, run_id="r1", store=s3_store)
    url = presign(2024, expires_seconds=600, store=s3_store)
    assert url.startswith(s3_store.endpoint_url + "/")
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == (bundle / "report.html").read_bytes()
    with pytest.raises(StorageError, match="nope.pdf is not a file of run r1 of 2024"):
        presign(2024, file="nope.pdf", store=s3_store)
    with pytest.raises(StorageError, match="7 days"):
        presign(2024, expires_seconds=8 * 86400, store=s3_store)


def test_fetch_tells_an_incomplete_run_from_a_missing_one(s3_store, tmp_path):
    bundle = make_bundle(tmp_path / "b")
    publish_bundle(bundle, year=2024, run_id="r1", store=s3_store)
    manifest = s3keys.object_key(s3keys.bundle_prefix(s3_store.prefix, 2024, "r1"), "manifest.json")
    s3_store.client.delete_object(Bucket=s3_store.bucket, Key=manifest)  # as a cut upload leaves it
    with pytest.raises(StorageError, match="run r1 of 2024 is incomplete: its upload did not"):
        fetch_bundle(year=2024, run_id="r1", dest=tmp_path / "got", store=s3_store)
    with pytest.raises(StorageError, match="run r2 of 2024 not found"):
        fetch_bundle(year=2024, run_id="r2", dest=tmp_path / "got", store=s3_store)
    assert not (tmp_path / "got").exists()
    with pytest.raises(StorageError, match="run r1 of 2024 is incomplete: its upload did not"):
        presign(2024, run_id="r1", store=s3_store)


def test_only_files_matching_the_manifest_are_published(s3_store, tmp_path):
    bundle = make_bundle(tmp_path / "b")
    (bundle / "charts" / "by_region.svg").write_text("<svg/>")
    with pytest.raises(IntegrityError, match="charts/by_region.svg"):
        publish_bundle(bundle, year=2024, run_id="r1", store=s3_store)
    bundle = make_bundle(tmp_path / "c")
    (bundle / "not-in-manifest.txt").write_text("a file the bundle does not own")
    publish_bundle(bundle, year=2024, run_id="r1", store=s3_store)
    listed = s3_store.client.list_objects_v2(Bucket=s3_store.bucket, Prefix="reports/")
    assert "reports/2024/r1/not-in-manifest.txt" not in [o["Key"] for o in listed["Contents"]]
    assert len(listed["Contents"]) == 7  # 5 files, manifest.json, latest.json


def test_server_stopped_mid_publish_then_retry_succeeds(tmp_path, monkeypatch, caplog):
    server = LocalS3(tmp_path / "s3", "outage-key", "outage-secret")
    with server:
        use_s3_credentials(monkeypatch, server.access_key, server.secret_key)
        store = ObjectStore("outage", endpoint_url=server.endpoint_url)
        publish_bundle(make_bundle(tmp_path / "a"), year=2024, run_id="a", store=store)
        before = read_latest(store)
        uploaded = []

        def stop_after_two(path: str) -> None:
            uploaded.append(path)
            if len(uploaded) == 2:
                server.stop()

        bundle_b = make_bundle(tmp_path / "b", signed=7)
        caplog.set_level(logging.DEBUG, logger="botocore.retries.standard")
        with pytest.raises(StorageError, match="cannot reach S3 endpoint") as caught:
            publish_bundle(bundle_b, year=2024, run_id="b", store=store, on_uploaded=stop_after_two)
        assert "\n" not in str(caught.value) and len(uploaded) == 2
        assert "Retry needed" in caplog.text
        server.start()
        assert read_latest(store) == before
        result = publish_bundle(bundle_b, year=2024, run_id="b", store=store)
        assert result.latest_updated and result.skipped == 2
        assert read_latest(store)["run_id"] == "b"
        got = fetch_bundle(year=2024, dest=tmp_path / "got", store=store)
        assert bundle_bytes(got) == bundle_bytes(bundle_b)


@pytest.mark.parametrize(
    "path",
    ["../x", "a/../../x", "/etc/passwd", "a\\b", "a//b", "a/", "", ".", "a/./b", "x\x00y", "a\nb"],
)
def test_object_keys_cannot_escape_the_prefix(path):
    with pytest.raises(StorageError):
        s3keys.object_key("reports/2024/r1/", path)


def test_keys_are_built_in_one_shape():
    assert s3keys.bundle_prefix("reports", 2024, "20250101T0600-ab12") == (
        "reports/2024/20250101T0600-ab12/"
    )
    assert s3keys.latest_key("/team/reports/", 2024) == "team/reports/2024/latest.json"
    assert s3keys.latest_key("", 2024) == "2024/latest.json"
    assert (
        s3keys.object_key("reports/2024/r1/", "charts/a b.png") == "reports/2024/r1/charts/a b.png"
    )
    for run_id in ["..", "a/b", "", "latest.json", "a b", "-x"]:
        with pytest.raises(StorageError):
            s3keys.bundle_prefix("reports", 2024, run_id)
    with pytest.raises(StorageError):
        s3keys.bundle_prefix("reports/../other", 2024, "r1")


def storage_cli() -> typer.Typer:
    """A typer app with the storage commands registered as the `prm` app does."""
    app = typer.Typer()
    app.command("fetch")(cli_storage.fetch)
    app.command("runs")(cli_storage.runs)
    app.command("link")(cli_storage.link)
    return app


def test_cli_fetch_runs_and_link(s3_store, tmp_path, monkeypatch):
    bundle = make_bundle(tmp_path / "b", signed=42)
    publish_bundle(bundle, year=2024, run_id="r1", store=s3_store)
    bucket = s3_store.bucket
    monkeypatch.setenv("PRM_S3_BUCKET", "flag-wins-over-this")
    runner, app = CliRunner(), storage_cli()
    got = runner.invoke(
        app, ["fetch", "--year", "2024", "--dest", str(tmp_path / "got"), "--bucket", bucket]
    )
    assert got.exit_code == 0, got.output
    assert bundle_bytes(tmp_path / "got") == bundle_bytes(bundle)
    listed = runner.invoke(app, ["runs", "--year", "2024", "--bucket", bucket])
    assert listed.exit_code == 0 and "r1" in listed.stdout and "1,500,000.50" in listed.stdout
    url = runner.invoke(app, ["link", "--year", "2024", "--expires", "30m", "--bucket", bucket])
    assert url.exit_code == 0 and "X-Amz-Expires=1800" in url.stdout
    s3_store.client.delete_object(Bucket=bucket, Key="reports/2024/r1/charts/by_region.svg")
    bad = runner.invoke(
        app, ["fetch", "--year", "2024", "--dest", str(tmp_path / "x"), "--bucket", bucket]
    )
    assert bad.exit_code == 1
    assert (
        bad.stderr.startswith("prm: charts/by_region.svg: missing") and bad.stderr.count("\n") == 1
    )
    missing = runner.invoke(app, ["runs", "--year", "2024"])
    assert missing.exit_code == 1 and "bucket flag-wins-over-this does not exist" in missing.stderr


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("30m", 1800), ("12h", 43200), ("7d", 604800)]
)
def test_link_durations(text, seconds):
    assert cli_storage.link_seconds(text) == seconds


@pytest.mark.parametrize("text", ["8d", "0m", "2w", "-5m", "soon", ""])
def test_bad_link_durations(text):
    with pytest.raises(PrmError, match="--expires"):
        cli_storage.link_seconds(text)
