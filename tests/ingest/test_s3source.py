"""An S3 prefix as a source reads exactly like the same files in a local folder."""

from pathlib import Path

import pytest

from tasks.errors import SourceError, StorageError
from tasks.ingest.s3source import S3Source
from tasks.ingest.sources import LocalSource, open_source
from tasks.storage import keys as s3keys
from tasks.storage.client import ObjectStore

FILES = {
    "partners.csv": "partner_id,name,partner_type\nP1,Ünïcode Org,GOVERNMENT\n".encode(),
    "agreements_2024.csv": b"\xef\xbb\xbfagreement_id,partner_id\nA1,P1\n",
    "contributions.csv": b"",
    "book.xlsx": bytes(range(256)) * 8,
    "a b.csv": b"x\n",
    "Z_upper.csv": b"z\n",
}


def write_folder(folder: Path) -> Path:
    """The test files in a local folder, with a sub-folder a source must not descend into."""
    (folder / "nested").mkdir(parents=True)
    (folder / "nested" / "partners_old.csv").write_bytes(b"not read\n")
    for name, data in FILES.items():
        (folder / name).write_bytes(data)
    return folder


def upload_folder(store, folder: Path, prefix: str) -> None:
    """Every file of `folder` (recursively) under `prefix` in the test bucket, plus decoys."""
    client = store.client
    client.create_bucket(Bucket=store.bucket)
    for path in folder.rglob("*"):
        if path.is_file():
            key = prefix + path.relative_to(folder).as_posix()
            client.put_object(Bucket=store.bucket, Key=key, Body=path.read_bytes())
    client.put_object(Bucket=store.bucket, Key=prefix.rstrip("/") + "2/partners.csv", Body=b"")
    client.put_object(Bucket=store.bucket, Key="partners_at_root.csv", Body=b"")


@pytest.mark.integration
def test_s3_source_lists_and_reads_like_a_folder(s3_store, tmp_path):
    local = LocalSource(write_folder(tmp_path / "incoming"))
    upload_folder(s3_store, local.path, "incoming/")
    source = open_source(f"s3://{s3_store.bucket}/incoming/", s3_store)
    assert isinstance(source, S3Source)
    assert source.uri == f"s3://{s3_store.bucket}/incoming/"
    assert source.list_files() == local.list_files()
    assert [f.name for f in source.list_files()] == sorted(FILES)
    for f in local.list_files():
        assert source.read_bytes(f.name) == local.read_bytes(f.name)
    no_slash = S3Source.from_uri(f"s3://{s3_store.bucket}/incoming", s3_store)
    assert no_slash.list_files() == local.list_files()


@pytest.mark.integration
def test_s3_source_errors_name_the_problem(s3_store, tmp_path):
    bucket = s3_store.bucket
    with pytest.raises(SourceError, match=f"bucket {bucket} does not exist"):
        S3Source.from_uri(f"s3://{bucket}/incoming/", s3_store).list_files()
    upload_folder(s3_store, write_folder(tmp_path / "in"), "incoming/")
    source = S3Source.from_uri(f"s3://{bucket}/incoming/", s3_store)
    with pytest.raises(SourceError, match="missing.csv: no such object"):
        source.read_bytes("missing.csv")
    for name in ["nested/partners_old.csv", "../partners_at_root.csv", "..", ""]:
        with pytest.raises(SourceError):
            source.read_bytes(name)


@pytest.mark.integration
def test_s3_source_with_wrong_credentials_is_a_source_error(s3_store, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    with pytest.raises(SourceError, match=r"^S3 refused the credentials \(SignatureDoesNotMatch\)"):
        S3Source.from_uri(f"s3://{s3_store.bucket}/incoming/", s3_store).list_files()


@pytest.mark.parametrize(
    ("uri", "bucket", "prefix"),
    [
        ("s3://my-bucket/incoming/", "my-bucket", "incoming/"),
        ("s3://my-bucket/incoming", "my-bucket", "incoming/"),
        ("s3://my-bucket/a/b/", "my-bucket", "a/b/"),
        ("s3://my-bucket", "my-bucket", ""),
        ("s3://my-bucket/", "my-bucket", ""),
    ],
)
def test_parse_s3_uri(uri, bucket, prefix):
    assert s3keys.parse_s3_uri(uri) == s3keys.S3Location(bucket, prefix)
    assert s3keys.parse_s3_uri(uri).uri == f"s3://{bucket}/{prefix}"


@pytest.mark.parametrize(
    "uri",
    ["http://b/x/", "s3://", "s3:///x/", "s3://Bad_Bucket/x/", "s3://b/x/", "s3://bkt/a//b/"]
    + ["s3://bkt/../x/", "s3://bkt/a\\b/", "s3://bkt/a\tb/"],
)
def test_bad_s3_uris_are_rejected(uri):
    with pytest.raises(StorageError):
        s3keys.parse_s3_uri(uri)
    with pytest.raises(SourceError):
        S3Source.from_uri(uri, ObjectStore(None))
