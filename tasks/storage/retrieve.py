"""Retrieve published bundles: fetch with every checksum verified, list runs, presign links."""

import hmac
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import (
    ClientError,
)

from tasks.errors import IntegrityError, StorageError
from tasks.manifest import BundleFile, file_problem, manifest_hmac, sha256_bytes
from tasks.storage import keys as s3keys
from tasks.storage.client import (
    ObjectStore,
    bucket_exists,
    error_code,
    read_object,
    require_bucket,
    s3_errors,
)
from tasks.storage.publish import (
    SIGNATURE,
    TRANSFER,
    headline,
    json_or_empty,
    load_json,
    manifest_files,
    run_time_of,
)


@dataclass(frozen=True)
class RunInfo:
    """One published run of a year, as `prm runs` and the bucket's index show it."""

    run_id: str
    run_time: str | None
    agreements_signed: int | None
    financial_usd_total: float | None
    complete: bool
    latest: bool
    year: int | None = None
    files: tuple[str, ...] = ()  # the bundle files its manifest lists


@dataclass(frozen=True)
class Published:
    """The run `latest.json` names: the pointer, its key prefix, manifest and metrics.json."""

    pointer: dict
    key_prefix: str
    manifest: dict
    metrics: bytes


def read_latest(store: ObjectStore, bucket: str, year: int) -> dict | None:
    """The pointer `PREFIX/<year>/latest.json` (None when no run of the year is published)."""
    found = read_object(store.client, bucket, s3keys.latest_key(store.prefix, year))
    return load_json(found[0], s3keys.LATEST_NAME) if found else None


def read_published(store: ObjectStore, year: int) -> Published | None:
    """The published run `latest.json` names, or None (no bucket, no run, or incomplete)."""
    bucket = s3keys.check_bucket(store.bucket)
    with s3_errors(store, "looking for an earlier run"):
        if not bucket_exists(store.client, bucket):
            return None
        pointer = read_latest(store, bucket, year)
        if pointer is None:
            return None
        key_prefix = s3keys.bundle_prefix(store.prefix, year, str(pointer.get("run_id")))
        manifest = read_object(store.client, bucket, key_prefix + s3keys.MANIFEST_NAME)
        metrics = read_object(store.client, bucket, key_prefix + s3keys.METRICS_NAME)
    if not manifest or not metrics:
        return None
    return Published(pointer, key_prefix, json_or_empty(manifest[0]), metrics[0])


def _resolve_run(store: ObjectStore, bucket: str, year: int, run_id: str | None):
    """The run id asked for, else the one `latest.json` names (with the pointer itself)."""
    if run_id:
        return s3keys.check_run_id(run_id), None
    pointer = read_latest(store, bucket, year)
    if pointer is None:
        key = s3keys.latest_key(store.prefix, year)
        raise StorageError(f"no published run for {year}: s3://{bucket}/{key} does not exist")
    return s3keys.check_run_id(str(pointer.get("run_id"))), pointer


def _download_checked(client, bucket: str, key_prefix: str, f: BundleFile, into: Path) -> None:
    """Download one bundle file into `into` and check its size and SHA-256 against `f`."""
    target = into / f.path
    target.parent.mkdir(parents=True, exist_ok=True)
    key = s3keys.object_key(key_prefix, f.path)
    try:
        client.download_file(bucket, key, str(target), Config=TRANSFER)
    except ClientError as exc:
        if error_code(exc) in ("404", "NoSuchKey"):
            raise IntegrityError(f"{f.path}: missing from s3://{bucket}/{key_prefix}") from None
        raise
    if problem := file_problem(target, f):
        raise IntegrityError(f"{problem} (downloaded from s3://{bucket}/{key_prefix})")


def _check_signature(
    raw: bytes, response: dict, manifest: dict, key: bytes, run: tuple[int, str]
) -> None:
    """Raise IntegrityError unless manifest.json carries the HMAC of PRM_MANIFEST_KEY and
    names the run it was fetched as (a signed manifest moved to another run is refused)."""
    year, run_id = run
    signature = response.get("Metadata", {}).get(SIGNATURE)
    if not signature:
        raise IntegrityError(f"manifest.json of run {run_id} is not signed (PRM_MANIFEST_KEY)")
    if not hmac.compare_digest(signature, manifest_hmac(key, raw)):
        raise IntegrityError(
            f"manifest.json of run {run_id}: signature does not match PRM_MANIFEST_KEY"
        )
    parameters = manifest.get("parameters") or {}
    if (parameters.get("year"), parameters.get("run_id")) != (year, run_id):
        raise IntegrityError(f"manifest.json of run {run_id} was signed for another run")


def _refuse_symlinks(dest: Path, paths: list[str]) -> None:
    """Raise StorageError if writing `paths` under `dest` would go through a symbolic link
    inside it (a link planted in --dest could send a file anywhere). `dest` itself may be one."""
    for path in paths:
        inside = dest
        for part in Path(path).parts:
            inside = inside / part
            if inside.is_symlink():
                raise StorageError(f"{inside}: a symbolic link; fetch does not write through links")


def fetch_bundle(*, year: int, run_id: str | None = None, dest: Path, store: ObjectStore) -> Path:
    """Download the latest (or named) run into `dest`, every file checked against the manifest.

    Files are downloaded into a hidden folder beside `dest` and moved in only when all of them
    match: a missing or altered file raises IntegrityError naming it, and `dest` is untouched.
    """
    dest = Path(dest)
    client = store.client
    with s3_errors(store, "fetching a bundle"):
        bucket = require_bucket(store)
        run_id, pointer = _resolve_run(store, bucket, year, run_id)
        key_prefix = s3keys.bundle_prefix(store.prefix, year, run_id)
        found = read_object(client, bucket, key_prefix + s3keys.MANIFEST_NAME)
        if not found:
            raise StorageError(f"run {run_id} of {year} not found: no s3://{bucket}/{key_prefix}")
        raw = found[0]
        if pointer and sha256_bytes(raw) != pointer.get("manifest_sha256"):
            raise IntegrityError(f"manifest.json of run {run_id} does not match latest.json")
        manifest = load_json(raw, "manifest.json")
        if store.manifest_key:
            _check_signature(raw, found[1], manifest, store.manifest_key, (year, run_id))
        files = manifest_files(manifest)
        _refuse_symlinks(dest, [s3keys.MANIFEST_NAME, *(f.path for f in files)])
        dest.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".prm-fetch-", dir=dest.parent) as staging:
            for f in files:
                _download_checked(client, bucket, key_prefix, f, Path(staging))
            (Path(staging) / s3keys.MANIFEST_NAME).write_bytes(raw)
            for f in [*files, BundleFile(s3keys.MANIFEST_NAME, len(raw), "")]:
                (dest / f.path).parent.mkdir(parents=True, exist_ok=True)
                os.replace(Path(staging) / f.path, dest / f.path)
    return dest


def _run_info(client, bucket: str, year: int, run_prefix: str, latest_id: str | None) -> RunInfo:
    """What a run's manifest.json and metrics.json say about it."""
    run_id = run_prefix.rstrip("/").rsplit("/", 1)[-1]
    manifest = read_object(client, bucket, run_prefix + s3keys.MANIFEST_NAME)
    metrics = read_object(client, bucket, run_prefix + s3keys.METRICS_NAME)
    figures = headline(json_or_empty(metrics[0])) if metrics else {}
    run_time, files = None, ()
    if manifest:
        made = json_or_empty(manifest[0])
        when = run_time_of(made, None, manifest[1]["LastModified"])
        run_time = when.isoformat(timespec="seconds")
        try:
            files = tuple(f.path for f in manifest_files(made))
        except IntegrityError:
            files = ()  # an unreadable file list: the run is listed, no file is linked
    return RunInfo(
        run_id=run_id,
        run_time=run_time,
        agreements_signed=figures.get("agreements.signed"),
        financial_usd_total=figures.get("financial_usd.total"),
        complete=manifest is not None,
        latest=run_id == latest_id,
        year=year,
        files=files,
    )


def folders(client, bucket: str, prefix: str) -> list[str]:
    """The 'sub-folders' (common prefixes) right under `prefix`, `prefix/name/` each."""
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix, Delimiter="/"
    )
    return [p["Prefix"] for page in pages for p in page.get("CommonPrefixes", [])]


def published_years(client, bucket: str, prefix: str) -> list[int]:
    """The years that have a folder under the prefix (`PREFIX/<year>/`), oldest first."""
    base = s3keys.clean_prefix(prefix)
    names = [folder[len(base) :].rstrip("/") for folder in folders(client, bucket, base)]
    return sorted(int(name) for name in names if name.isdigit() and len(name) == 4)


def list_years(store: ObjectStore) -> list[int]:
    """Every year with published runs (a folder under the store's prefix), oldest first."""
    with s3_errors(store, "listing the published years"):
        return published_years(store.client, require_bucket(store), store.prefix)


def list_runs(year: int, store: ObjectStore) -> list[RunInfo]:
    """Every run published for `year`, oldest first (incomplete uploads marked as such)."""
    client = store.client
    with s3_errors(store, "listing runs"):
        bucket = require_bucket(store)
        year_prefix = s3keys.year_prefix(store.prefix, year)
        pointer = read_latest(store, bucket, year)
        latest_id = pointer.get("run_id") if pointer else None
        runs = [
            _run_info(client, bucket, year, p, latest_id)
            for p in folders(client, bucket, year_prefix)
        ]
    return sorted(runs, key=lambda r: (r.run_time or "", r.run_id))


def presign(
    year: int,
    file: str = "report.html",
    run_id: str | None = None,
    expires_seconds: int = s3keys.MAX_LINK_SECONDS,
    *,
    store: ObjectStore,
) -> str:
    """A presigned GET URL for one file of the latest (or named) run, valid 1 s to 7 days."""
    with s3_errors(store, "making a link"):
        bucket = require_bucket(store)
        run_id, _ = _resolve_run(store, bucket, year, run_id)
        key = s3keys.object_key(s3keys.bundle_prefix(store.prefix, year, run_id), file)
    return presign_key(store, key, expires_seconds, f"{file} is not in run {run_id} of {year}")


def presign_key(
    store: ObjectStore, key: str, expires_seconds: int, missing: str | None = None
) -> str:
    """A presigned GET URL for an object that exists, valid 1 s to 7 days."""
    if not 1 <= expires_seconds <= s3keys.MAX_LINK_SECONDS:
        raise StorageError("a link can last from 1 second to 7 days")
    with s3_errors(store, "making a link"):
        bucket = s3keys.check_bucket(store.bucket)
        try:
            store.client.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if error_code(exc) not in ("404", "NoSuchKey"):
                raise
            raise StorageError(missing or f"s3://{bucket}/{key} does not exist") from None
        params = {"Bucket": bucket, "Key": key}
        return store.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=expires_seconds
        )
