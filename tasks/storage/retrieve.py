"""Retrieve published bundles: fetch with every checksum verified, list runs, presign links.

Every read of a published run is checked against its manifest by `tasks.storage.verify`:
`prm runs`, the index, the monthly run's "unchanged input" decision and the run a new one
is compared with trust only a run that passes, as `prm fetch` does.
"""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import (
    ClientError,
)

from tasks.errors import IntegrityError, StorageError
from tasks.manifest import BundleFile, file_problem
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
    TRANSFER,
    headline,
    json_or_empty,
    load_json,
    manifest_files,
    run_time_of,
)
from tasks.storage.verify import check_manifest, read_run, run_content_problem, stored_problem


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
    problem: str | None = None  # why it does not match its manifest (then no figures)


@dataclass(frozen=True)
class Published:
    """The run `latest.json` names: the pointer, its key prefix, manifest and metrics.json
    (empty, and `problem` says why, when the run does not match its manifest)."""

    pointer: dict
    key_prefix: str
    manifest: dict
    metrics: bytes
    problem: str | None = None


def read_latest(store: ObjectStore, bucket: str, year: int) -> dict | None:
    """The pointer `PREFIX/<year>/latest.json` (None when no run of the year is published)."""
    found = read_object(store.client, bucket, s3keys.latest_key(store.prefix, year))
    return load_json(found[0], s3keys.LATEST_NAME) if found else None


def read_published(store: ObjectStore, year: int) -> Published | None:
    """The published run `latest.json` names, checked by `read_run` (None: no bucket or no
    latest.json); a run that fails comes back with its `problem` and no metrics."""
    bucket = s3keys.check_bucket(store.bucket)
    with s3_errors(store, "looking for an earlier run"):
        if not bucket_exists(store.client, bucket):
            return None
        pointer = read_latest(store, bucket, year)
        if pointer is None:
            return None
        key_prefix = s3keys.bundle_prefix(store.prefix, year, str(pointer.get("run_id")))
        run = read_run(store, bucket, key_prefix, year, pointer=pointer)
    metrics = run.contents.get(s3keys.METRICS_NAME, b"")
    return Published(pointer, key_prefix, run.manifest, metrics, run.problem)


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
            raise StorageError(_no_manifest(client, bucket, key_prefix, year, run_id))
        raw = found[0]
        _, files = check_manifest(raw, found[1], (year, run_id), store.manifest_key, pointer)
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


def _run_info(store: ObjectStore, bucket: str, year: int, run_prefix: str, latest_id) -> RunInfo:
    """A run as `prm runs` and the index show it: its figures only when it matches its
    manifest (`read_run`), else what is wrong."""
    run = read_run(store, bucket, run_prefix, year)
    verified = run.manifest_time is not None and run.problem is None
    figures = headline(json_or_empty(run.contents[s3keys.METRICS_NAME])) if verified else {}
    run_time = None
    if run.manifest_time is not None:
        run_time = run_time_of(run.manifest, None, run.manifest_time).isoformat(timespec="seconds")
    return RunInfo(
        run_id=run.run_id,
        run_time=run_time,
        agreements_signed=figures.get("agreements.signed"),
        financial_usd_total=figures.get("financial_usd.total"),
        complete=run.manifest_time is not None,
        latest=run.run_id == latest_id,
        year=year,
        files=tuple(f.path for f in manifest_files(run.manifest)) if verified else (),
        problem=run.problem,
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
            _run_info(store, bucket, year, p, latest_id)
            for p in folders(client, bucket, year_prefix)
        ]
    return sorted(runs, key=lambda r: (r.run_time or "", r.run_id))


def _no_manifest(client, bucket: str, key_prefix: str, year: int, run_id: str) -> str:
    """Why a run without manifest.json cannot be fetched: never published, or cut short."""
    listed = client.list_objects_v2(Bucket=bucket, Prefix=key_prefix, MaxKeys=1)
    if listed.get("KeyCount", 0):
        return (
            f"run {run_id} of {year} is incomplete: its upload did not finish (no "
            f"manifest.json in s3://{bucket}/{key_prefix}); `prm runs --year {year}` lists "
            "the complete ones"
        )
    return f"run {run_id} of {year} not found: no s3://{bucket}/{key_prefix}"


def presign(
    year: int,
    file: str = "report.html",
    run_id: str | None = None,
    expires_seconds: int = s3keys.MAX_LINK_SECONDS,
    *,
    store: ObjectStore,
) -> str:
    """A presigned GET URL for one file of the latest (or named) run, valid 1 s to 7 days,
    made only when the run matches its manifest and the file's content is the one published
    (`verify.stored_problem`): a link never hands out a file changed since."""
    _check_expiry(expires_seconds)
    with s3_errors(store, "making a link"):
        bucket = require_bucket(store)
        run_id, pointer = _resolve_run(store, bucket, year, run_id)
        key_prefix = s3keys.bundle_prefix(store.prefix, year, run_id)
        run = read_run(store, bucket, key_prefix, year, read=(), pointer=pointer)
        if run.manifest_time is None:
            raise StorageError(_no_manifest(store.client, bucket, key_prefix, year, run_id))
        problem = run.problem
        if not problem and file != s3keys.MANIFEST_NAME:  # manifest.json: checked by read_run
            listed = {f.path: f for f in manifest_files(run.manifest)}
            if file not in listed:
                raise StorageError(f"{file} is not a file of run {run_id} of {year}")
            problem = stored_problem(store.client, bucket, key_prefix, listed[file])
        if problem:
            raise IntegrityError(
                f"run {run_id} of {year} does not match its manifest ({problem}): no "
                f"link made; `prm runs --year {year}` shows the runs"
            )
        return _presigned_url(store, bucket, s3keys.object_key(key_prefix, file), expires_seconds)


def _check_expiry(seconds: int) -> None:
    if not 1 <= seconds <= s3keys.MAX_LINK_SECONDS:
        raise StorageError("a link can last from 1 second to 7 days")


def published_content_problem(store: ObjectStore, found: Published) -> str | None:
    """What differs from its manifest in any file of the published run `found`, every byte
    checked (`verify.run_content_problem`); None: the run is exactly what was published."""
    with s3_errors(store, "checking a published run"):
        files = manifest_files(found.manifest)
        bucket = s3keys.check_bucket(store.bucket)
        return run_content_problem(store.client, bucket, found.key_prefix, files)


def presign_key(store: ObjectStore, key: str, expires_seconds: int) -> str:
    """A presigned GET URL for an object that exists, valid 1 s to 7 days."""
    _check_expiry(expires_seconds)
    with s3_errors(store, "making a link"):
        bucket = s3keys.check_bucket(store.bucket)
        try:
            store.client.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if error_code(exc) not in ("404", "NoSuchKey"):
                raise
            raise StorageError(f"s3://{bucket}/{key} does not exist") from None
        return _presigned_url(store, bucket, key, expires_seconds)


def _presigned_url(store: ObjectStore, bucket: str, key: str, expires_seconds: int) -> str:
    """The presigned GET URL itself (signed locally: no request is made)."""
    params = {"Bucket": bucket, "Key": key}
    return store.client.generate_presigned_url(
        "get_object", Params=params, ExpiresIn=expires_seconds
    )
