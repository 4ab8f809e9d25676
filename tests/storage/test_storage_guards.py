"""What publishing and fetching guard against, on a real S3 server: a bucket writer who
replaces a run's manifest.json and latest.json together (PRM_MANIFEST_KEY), symbolic links
planted inside --dest, lost object versions, long-lived links in artifacts."""

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from flows.artifacts import report_link
from tasks.config import get_settings
from tasks.errors import IntegrityError, StorageError
from tasks.storage import keys as s3keys
from tasks.storage.client import ObjectStore
from tasks.storage.publish import publish_bundle
from tasks.storage.retrieve import fetch_bundle
from tests.storage.bundles import make_bundle

pytestmark = pytest.mark.integration

RUN = "20250101T060000Z-1a2b3c4d"


def published(store: ObjectStore, folder: Path, run_id: str = RUN) -> Path:
    """A bundle for `run_id` of 2024 written into `folder` and published."""
    bundle = make_bundle(folder, parameters={"year": 2024, "run_id": run_id})
    publish_bundle(bundle, year=2024, run_id=run_id, store=store)
    return bundle


def keyed(store: ObjectStore, key: bytes = b"prm-test-manifest-key") -> ObjectStore:
    return replace(store, manifest_key=key)


def forge(store: ObjectStore, run_id: str, path: str, content: bytes) -> None:
    """What a bucket writer without the key can do: replace a file, then the manifest and
    latest.json so that every checksum matches again."""
    client, prefix = store.client, s3keys.bundle_prefix(store.prefix, 2024, run_id)
    manifest_key = prefix + s3keys.MANIFEST_NAME
    manifest = json.loads(client.get_object(Bucket=store.bucket, Key=manifest_key)["Body"].read())
    for entry in manifest["files"]:
        if entry["path"] == path:
            entry.update(size=len(content), sha256=hashlib.sha256(content).hexdigest())
    raw = json.dumps(manifest).encode()
    client.put_object(Bucket=store.bucket, Key=prefix + path, Body=content)
    client.put_object(Bucket=store.bucket, Key=manifest_key, Body=raw)
    latest = s3keys.latest_key(store.prefix, 2024)
    pointer = json.loads(client.get_object(Bucket=store.bucket, Key=latest)["Body"].read())
    pointer["manifest_sha256"] = hashlib.sha256(raw).hexdigest()
    client.put_object(Bucket=store.bucket, Key=latest, Body=json.dumps(pointer).encode())


def test_signed_manifest_fetches_and_a_forged_one_is_refused(s3_store, tmp_path):
    store = keyed(s3_store)
    published(store, tmp_path / "bundle")
    assert (fetch_bundle(year=2024, dest=tmp_path / "ok", store=store) / "report.html").exists()
    forge(store, RUN, "report.html", b"<html>forged</html>")
    # without the key the forgery is consistent: every checksum matches
    plain = fetch_bundle(year=2024, dest=tmp_path / "fooled", store=s3_store)
    assert (plain / "report.html").read_bytes() == b"<html>forged</html>"
    with pytest.raises(IntegrityError, match="not signed"):
        fetch_bundle(year=2024, dest=tmp_path / "refused", store=store)
    assert not (tmp_path / "refused").exists()


def test_signature_made_with_another_key_is_refused(s3_store, tmp_path):
    published(keyed(s3_store, b"another key"), tmp_path / "bundle")
    with pytest.raises(IntegrityError, match="does not match PRM_MANIFEST_KEY"):
        fetch_bundle(year=2024, dest=tmp_path / "dest", store=keyed(s3_store))


def test_signed_manifest_copied_to_another_run_is_refused(s3_store, tmp_path):
    store = keyed(s3_store)
    published(store, tmp_path / "bundle")
    other = "20250201T060000Z-5e6f7a8b"
    source = s3keys.bundle_prefix(store.prefix, 2024, RUN)
    target = s3keys.bundle_prefix(store.prefix, 2024, other)
    for item in store.client.list_objects_v2(Bucket=store.bucket, Prefix=source)["Contents"]:
        copy = {"Bucket": store.bucket, "Key": item["Key"]}
        key = target + item["Key"].removeprefix(source)
        store.client.copy_object(Bucket=store.bucket, Key=key, CopySource=copy)
    with pytest.raises(IntegrityError, match="signed for another run"):
        fetch_bundle(year=2024, run_id=other, dest=tmp_path / "dest", store=store)


def test_republishing_with_a_key_signs_an_unsigned_run(s3_store, tmp_path):
    bundle = published(s3_store, tmp_path / "bundle")
    with pytest.raises(IntegrityError, match="not signed"):
        fetch_bundle(year=2024, dest=tmp_path / "before", store=keyed(s3_store))
    result = publish_bundle(bundle, year=2024, run_id=RUN, store=keyed(s3_store))
    assert result.uploaded == 1  # the manifest, now with its signature
    fetch_bundle(year=2024, dest=tmp_path / "after", store=keyed(s3_store))


def test_manifest_key_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("PRM_MANIFEST_KEY", "from-env")
    store = ObjectStore.from_settings(get_settings())
    assert store.manifest_key == b"from-env" and "from-env" not in repr(store)
    monkeypatch.setenv("PRM_MANIFEST_KEY", "")
    assert ObjectStore.from_settings(get_settings()).manifest_key is None


@pytest.mark.parametrize("link", ["charts", "report.html"])
def test_fetch_refuses_to_write_through_a_symlink_in_dest(s3_store, tmp_path, link):
    published(s3_store, tmp_path / "bundle")
    outside, dest = tmp_path / "outside", tmp_path / "dest"
    outside.mkdir()
    dest.mkdir()
    (dest / link).symlink_to(outside, target_is_directory=True)  # planted by someone else
    with pytest.raises(StorageError, match="symbolic link"):
        fetch_bundle(year=2024, dest=dest, store=s3_store)
    assert list(outside.iterdir()) == []
    assert [p.name for p in dest.iterdir()] == [link]


def test_a_bucket_prm_creates_keeps_versions(s3_store, tmp_path):
    result = publish_bundle(make_bundle(tmp_path / "bundle"), year=2024, run_id=RUN, store=s3_store)
    assert result.bucket_created
    status = s3_store.client.get_bucket_versioning(Bucket=s3_store.bucket).get("Status")
    assert status == "Enabled"  # SeaweedFS supports it, as AWS does


def test_an_existing_bucket_keeps_its_versioning_setting(s3_store, tmp_path):
    s3_store.client.create_bucket(Bucket=s3_store.bucket)
    publish_bundle(make_bundle(tmp_path / "bundle"), year=2024, run_id=RUN, store=s3_store)
    assert "Status" not in s3_store.client.get_bucket_versioning(Bucket=s3_store.bucket)


def test_artifact_link_lasts_a_day_by_default(s3_store, tmp_path):
    published(s3_store, tmp_path / "bundle")
    hours = get_settings().link_hours
    url, _ = report_link.fn(s3_store, 2024, RUN, hours)
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["86400"]
    url, _ = report_link.fn(s3_store, 2024, RUN, 2)
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["7200"]
