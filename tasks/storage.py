"""Object storage: publish a report bundle to S3, and the client and errors every S3 call shares.

A run is published under `s3://BUCKET/PREFIX/<year>/<run_id>/`: every file (with its
Content-Type, ChecksumSHA256 and the hex SHA-256 in metadata `sha256`), then manifest.json,
then, once every object has been checked with HEAD, the pointer `PREFIX/<year>/latest.json`.
The pointer only moves forward (a newer run time) and is written with a conditional PUT,
so a failure anywhere leaves it as it was. Fetching checks every file against the manifest.
Credentials come from boto3's own chain and never appear in a message or a bundle.
"""

import base64
import hashlib
import json
import mimetypes
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import boto3
from boto3.exceptions import RetriesExceededError, S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from tasks import s3keys
from tasks.config import Settings, get_settings
from tasks.errors import IntegrityError, PrmError, StorageError

TRANSFER = TransferConfig(multipart_threshold=64 * 1024 * 1024, max_concurrency=4)
_AUTH_CODES = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "AuthorizationHeaderMalformed",
}
_TYPES = {".md": "text/markdown", ".csv": "text/csv", ".json": "application/json"}
_TYPES |= {".svg": "image/svg+xml", ".png": "image/png", ".html": "text/html"}
_TYPES |= {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_RUN_TIME_KEYS = ("run_time", "created_at", "generated_at", "started_at")


@dataclass(frozen=True)
class BundleFile:
    """One file of a bundle as the manifest lists it: relative path, size, hex SHA-256."""

    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class PublishResult:
    """What a publish did: where the run is and whether `latest.json` now names it."""

    uri: str
    key_prefix: str
    run_id: str
    run_time: str
    manifest_sha256: str
    uploaded: int
    skipped: int
    latest_updated: bool
    bucket_created: bool


def s3_client(settings: Settings):
    """A boto3 S3 client for the configured endpoint (credentials from boto3's chain)."""
    session = boto3.session.Session()
    config = Config(
        retries={"mode": "standard", "max_attempts": 3},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        signature_version="s3v4",
        connect_timeout=5,
        read_timeout=60,
    )
    return session.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url or None,
        region_name=session.region_name or "us-east-1",
        config=config,
    )


def endpoint_label(settings: Settings) -> str:
    """The endpoint as shown in messages (never with credentials, even inside the URL)."""
    if not settings.s3_endpoint_url:
        return "AWS S3"
    parts = urlsplit(settings.s3_endpoint_url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def error_code(exc: ClientError) -> str:
    """The S3 error code of a failed call (`NoSuchKey`, `404`, ...)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def _message(exc: Exception, settings: Settings, action: str) -> str:
    """A one-line, secret-free description of a failed S3 call."""
    where = endpoint_label(settings)
    if isinstance(exc, NoCredentialsError):
        return "no S3 credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE"
    if isinstance(exc, ConnectionError | ReadTimeoutError):
        return f"cannot reach S3 endpoint {where} while {action} ({type(exc).__name__})"
    if isinstance(exc, ClientError):
        code = error_code(exc)
        if code in _AUTH_CODES:
            return f"S3 refused the credentials ({code}) for endpoint {where}"
        if code in ("AccessDenied", "403"):
            return f"S3 denied access to bucket {settings.s3_bucket} at {where} while {action}"
        if code == "NoSuchBucket":
            return f"bucket {settings.s3_bucket} does not exist at {where}"
        text = exc.response.get("Error", {}).get("Message", "")
        return f"S3 error {code} while {action} at {where}: {text}"
    return f"S3 client error while {action} at {where}: {exc}"


# Answers that mean "try again later" rather than "this will not work".
_TRANSIENT_CODES = {"500", "502", "503", "504", "InternalError", "ServiceUnavailable", "SlowDown"}


@contextmanager
def s3_errors(settings: Settings, action: str, error: type[PrmError] = StorageError) -> Iterator:
    """Turn boto3/botocore failures into one-line `error`s; prm's own errors pass through."""
    try:
        yield
    except (S3UploadFailedError, RetriesExceededError) as exc:
        cause = getattr(exc, "last_exception", None) or exc.__context__ or exc
        raise _user_error(error, cause, settings, action) from None
    except (BotoCoreError, ClientError) as exc:
        raise _user_error(error, exc, settings, action) from None


def _user_error(error: type[PrmError], cause: BaseException, settings: Settings, action: str):
    """`error` with the one-line message, retryable when the store could not be reached."""
    found = error(" ".join(_message(cause, settings, action).split()))
    found.retryable = isinstance(cause, ConnectionError | ReadTimeoutError) or (
        isinstance(cause, ClientError) and error_code(cause) in _TRANSIENT_CODES
    )
    return found


def bucket_exists(client, bucket: str) -> bool:
    """Whether `bucket` exists (a listing call, so auth errors come back with their code)."""
    try:
        client.list_objects_v2(Bucket=bucket, MaxKeys=1)
    except ClientError as exc:
        if error_code(exc) == "NoSuchBucket":
            return False
        raise
    return True


def require_bucket(client, settings: Settings) -> str:
    """The configured bucket, or StorageError when it is not set or does not exist."""
    bucket = s3keys.check_bucket(settings.s3_bucket)
    if not bucket_exists(client, bucket):
        raise StorageError(f"bucket {bucket} does not exist at {endpoint_label(settings)}")
    return bucket


def read_object(client, bucket: str, key: str) -> tuple[bytes, dict] | None:
    """An object's bytes and its GET response (ETag, LastModified...), or None if absent."""
    try:
        response = client.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if error_code(exc) in ("NoSuchKey", "404"):
            return None
        raise
    return response["Body"].read(), response


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_files(manifest: dict) -> list[BundleFile]:
    """The files a manifest lists (manifest.json itself excluded), paths checked."""
    try:
        entries = manifest["files"]
        files = [BundleFile(e["path"], int(e["size"]), str(e["sha256"])) for e in entries]
        for f in files:
            s3keys.check_relative_path(f.path)
    except (KeyError, TypeError, ValueError, StorageError) as exc:
        raise IntegrityError(f"manifest.json: bad file list ({exc})") from None
    return [f for f in files if f.path != s3keys.MANIFEST_NAME]


def content_type(path: str) -> str:
    """The Content-Type for a bundle file (text types in UTF-8)."""
    suffix = Path(path).suffix.lower()
    kind = _TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") else kind


def _local_bundle(bundle_dir: Path) -> tuple[bytes, list[BundleFile]]:
    """manifest.json's bytes and the files it lists, each checked on disk (size, SHA-256).

    Only listed files are the bundle: anything else in the folder is not published.
    """
    manifest_path = bundle_dir / s3keys.MANIFEST_NAME
    if not manifest_path.is_file():
        raise IntegrityError(f"{manifest_path}: bundle has no manifest.json")
    raw = manifest_path.read_bytes()
    files = manifest_files(_load_json(raw, "manifest.json"))
    for f in files:
        local = bundle_dir / f.path
        if not local.is_file():
            raise IntegrityError(f"{f.path}: listed in manifest.json but missing from {bundle_dir}")
        if local.stat().st_size != f.size or sha256_file(local) != f.sha256:
            raise IntegrityError(f"{f.path}: size or SHA-256 differs from manifest.json")
    return raw, files


def object_matches(client, bucket: str, key: str, f: BundleFile) -> str | None:
    """None when the object at `key` has f's size and SHA-256, else what differs."""
    try:
        head = client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    except ClientError as exc:
        if error_code(exc) in ("404", "NoSuchKey"):
            return "missing"
        raise
    if head["ContentLength"] != f.size:
        return f"size {head['ContentLength']} instead of {f.size}"
    if head.get("Metadata", {}).get("sha256") != f.sha256:
        return "SHA-256 metadata differs"
    checksum = head.get("ChecksumSHA256")
    if checksum and "-" not in checksum and checksum != _b64(f.sha256):
        return "ChecksumSHA256 differs"
    return None


def _b64(hex_digest: str) -> str:
    """A hex digest in the base64 form of S3's Checksum* fields."""
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def _upload(client, bucket: str, key: str, local: Path, f: BundleFile) -> None:
    """Upload one file with its Content-Type, SHA-256 metadata and (small files) ChecksumSHA256."""
    extra = {"ContentType": content_type(f.path), "Metadata": {"sha256": f.sha256}}
    if f.size < TRANSFER.multipart_threshold:
        extra["ChecksumSHA256"] = _b64(f.sha256)
    client.upload_file(str(local), bucket, key, ExtraArgs=extra, Config=TRANSFER)


def _run_time(
    manifest: dict, run_time: datetime | None = None, fallback: datetime | None = None
) -> datetime:
    """The run's time: given, else the manifest's (`run_time`, `created_at`...), else fallback."""
    for name in _RUN_TIME_KEYS:
        if run_time is not None:
            break
        try:
            run_time = datetime.fromisoformat(str(manifest[name]))
        except (KeyError, ValueError):
            continue
    run_time = run_time or fallback or datetime.now(UTC)
    return run_time if run_time.tzinfo else run_time.replace(tzinfo=UTC)


def headline(metrics: dict) -> dict:
    """The headline figures of metrics.json: agreements.signed and financial_usd.total."""
    agreements, money = metrics.get("agreements"), metrics.get("financial_usd")
    return {
        "agreements.signed": agreements.get("signed") if isinstance(agreements, dict) else None,
        "financial_usd.total": money.get("total") if isinstance(money, dict) else None,
    }


def _load_json(raw: bytes, what: str) -> dict:
    """A JSON object from bytes, or IntegrityError naming `what`."""
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise IntegrityError(f"{what}: not valid JSON") from None
    if not isinstance(value, dict):
        raise IntegrityError(f"{what}: not a JSON object")
    return value


def _json_or_empty(raw: bytes) -> dict:
    """A JSON object from bytes, or {} when it is not one (an unreadable pointer or file)."""
    try:
        return _load_json(raw, "object")
    except IntegrityError:
        return {}


def _ensure_bucket(client, bucket: str) -> bool:
    """Create `bucket` when it does not exist; True when it was created."""
    if bucket_exists(client, bucket):
        return False
    region = client.meta.region_name
    options = {} if region == "us-east-1" else {"LocationConstraint": region}
    try:
        if options:
            client.create_bucket(Bucket=bucket, CreateBucketConfiguration=options)
        else:
            client.create_bucket(Bucket=bucket)
    except ClientError as exc:
        if error_code(exc) != "BucketAlreadyOwnedByYou":
            raise
    return True


def _check_same_run(client, bucket: str, key_prefix: str, manifest: BundleFile) -> None:
    """Refuse to publish different content under a run id that already has a manifest."""
    found = read_object(client, bucket, key_prefix + s3keys.MANIFEST_NAME)
    if found and hashlib.sha256(found[0]).hexdigest() != manifest.sha256:
        raise StorageError(
            f"s3://{bucket}/{key_prefix} already holds a different bundle: publish a new run id"
        )


def _is_newer(pointer: dict, current: dict) -> bool:
    """Whether `pointer` names a later run than `current` (run time, then run id)."""
    try:
        current_time = datetime.fromisoformat(current["run_time"])
        current_key = (current_time.replace(tzinfo=current_time.tzinfo or UTC), current["run_id"])
        return (datetime.fromisoformat(pointer["run_time"]), pointer["run_id"]) > current_key
    except (KeyError, TypeError, ValueError):
        return True  # an unreadable pointer is replaced


def _write_latest(client, bucket: str, key: str, pointer: dict) -> bool:
    """Point `key` at this run unless it already names it or a newer one (conditional PUT)."""
    body = json.dumps(pointer, indent=2).encode()
    for _ in range(5):
        found = read_object(client, bucket, key)
        if found:
            current = _json_or_empty(found[0])
            if current.get("run_id") == pointer["run_id"] or not _is_newer(pointer, current):
                return False
        condition = {"IfMatch": found[1]["ETag"]} if found else {"IfNoneMatch": "*"}
        try:
            client.put_object(
                Bucket=bucket, Key=key, Body=body, ContentType="application/json", **condition
            )
            return True
        except ClientError as exc:
            if error_code(exc) not in ("PreconditionFailed", "ConditionalRequestConflict"):
                raise
    raise StorageError(f"s3://{bucket}/{key} kept changing while publishing: publish again")


def publish_bundle(
    bundle_dir: Path,
    *,
    year: int,
    run_id: str,
    settings: Settings | None = None,
    run_time: datetime | None = None,
    on_uploaded: Callable[[str], None] | None = None,
) -> PublishResult:
    """Upload a bundle folder to `PREFIX/<year>/<run_id>/` and then move `latest.json` to it.

    Args:
        bundle_dir: folder with metrics.json, manifest.json and the files it lists.
        year, run_id: where the run goes; the same run id again is a no-op (or a repair).
        settings: endpoint, bucket and prefix (default: from the environment).
        run_time: the run's time, used to keep `latest.json` moving forward only
            (default: manifest's `run_time`/`created_at`/`generated_at`, else now).
        on_uploaded: called with each bundle path once it is in the store.
    Returns:
        PublishResult. A missing bucket is created. Raises StorageError or IntegrityError.
    """
    settings = settings or get_settings()
    bundle_dir = Path(bundle_dir)
    bucket = s3keys.check_bucket(settings.s3_bucket)
    key_prefix = s3keys.bundle_prefix(settings.s3_prefix, year, run_id)
    raw, files = _local_bundle(bundle_dir)
    if s3keys.METRICS_NAME not in {f.path for f in files}:
        raise IntegrityError(f"{bundle_dir}: bundle has no metrics.json")
    manifest = BundleFile(s3keys.MANIFEST_NAME, len(raw), hashlib.sha256(raw).hexdigest())
    when = _run_time(_load_json(raw, "manifest.json"), run_time)
    metrics = _load_json((bundle_dir / s3keys.METRICS_NAME).read_bytes(), "metrics.json")
    client = s3_client(settings)
    uploaded = 0
    with s3_errors(settings, f"publishing s3://{bucket}/{key_prefix}"):
        created = _ensure_bucket(client, bucket)
        _check_same_run(client, bucket, key_prefix, manifest)
        for f in [*files, manifest]:  # manifest.json last: its presence marks a full upload
            key = s3keys.object_key(key_prefix, f.path)
            if object_matches(client, bucket, key, f) is not None:
                _upload(client, bucket, key, bundle_dir / f.path, f)
                uploaded += 1
            if on_uploaded:
                on_uploaded(f.path)
        for f in [*files, manifest]:
            key = s3keys.object_key(key_prefix, f.path)
            if problem := object_matches(client, bucket, key, f):
                raise IntegrityError(
                    f"{f.path}: s3://{bucket}/{key} failed verification ({problem})"
                )
        pointer = {
            "year": year,
            "run_id": run_id,
            "run_time": when.isoformat(),
            "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "key_prefix": key_prefix,
            "uri": f"s3://{bucket}/{key_prefix}",
            "manifest_sha256": manifest.sha256,
            "headline": headline(metrics),
        }
        latest = s3keys.latest_key(settings.s3_prefix, year)
        updated = _write_latest(client, bucket, latest, pointer)
    return PublishResult(
        uri=pointer["uri"],
        key_prefix=key_prefix,
        run_id=run_id,
        run_time=pointer["run_time"],
        manifest_sha256=manifest.sha256,
        uploaded=uploaded,
        skipped=len(files) + 1 - uploaded,
        latest_updated=updated,
        bucket_created=created,
    )


@dataclass(frozen=True)
class RunInfo:
    """One published run of a year, as `prm runs` shows it."""

    run_id: str
    run_time: str | None
    agreements_signed: int | None
    financial_usd_total: float | None
    complete: bool
    latest: bool


def _resolve_run(client, bucket: str, settings: Settings, year: int, run_id: str | None):
    """The run id asked for, else the one `latest.json` names (with the pointer itself)."""
    if run_id:
        return s3keys.check_run_id(run_id), None
    key = s3keys.latest_key(settings.s3_prefix, year)
    found = read_object(client, bucket, key)
    if not found:
        raise StorageError(f"no published run for {year}: s3://{bucket}/{key} does not exist")
    pointer = _load_json(found[0], s3keys.LATEST_NAME)
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
    size, digest = target.stat().st_size, sha256_file(target)
    if size != f.size or digest != f.sha256:
        raise IntegrityError(
            f"{f.path}: does not match manifest.json (size {size} vs {f.size}, "
            f"sha256 {digest[:12]}… vs {f.sha256[:12]}…)"
        )


def fetch_bundle(
    *, year: int, run_id: str | None = None, dest: Path, settings: Settings | None = None
) -> Path:
    """Download the latest (or named) run into `dest`, every file checked against the manifest.

    Files are downloaded into a hidden folder beside `dest` and moved in only when all of them
    match: a missing or altered file raises IntegrityError naming it, and `dest` is untouched.
    """
    settings = settings or get_settings()
    dest = Path(dest)
    client = s3_client(settings)
    with s3_errors(settings, "fetching a bundle"):
        bucket = require_bucket(client, settings)
        run_id, pointer = _resolve_run(client, bucket, settings, year, run_id)
        key_prefix = s3keys.bundle_prefix(settings.s3_prefix, year, run_id)
        found = read_object(client, bucket, key_prefix + s3keys.MANIFEST_NAME)
        if not found:
            raise StorageError(f"run {run_id} of {year} not found: no s3://{bucket}/{key_prefix}")
        raw = found[0]
        if pointer and hashlib.sha256(raw).hexdigest() != pointer.get("manifest_sha256"):
            raise IntegrityError(f"manifest.json of run {run_id} does not match latest.json")
        files = manifest_files(_load_json(raw, "manifest.json"))
        dest.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".prm-fetch-", dir=dest.parent) as staging:
            for f in files:
                _download_checked(client, bucket, key_prefix, f, Path(staging))
            (Path(staging) / s3keys.MANIFEST_NAME).write_bytes(raw)
            for f in [*files, BundleFile(s3keys.MANIFEST_NAME, len(raw), "")]:
                (dest / f.path).parent.mkdir(parents=True, exist_ok=True)
                os.replace(Path(staging) / f.path, dest / f.path)
    return dest


def _run_info(client, bucket: str, run_prefix: str, latest_id: str | None) -> RunInfo:
    """What a run's manifest.json and metrics.json say about it."""
    run_id = run_prefix.rstrip("/").rsplit("/", 1)[-1]
    manifest = read_object(client, bucket, run_prefix + s3keys.MANIFEST_NAME)
    metrics = read_object(client, bucket, run_prefix + s3keys.METRICS_NAME)
    figures = headline(_json_or_empty(metrics[0])) if metrics else {}
    run_time = None
    if manifest:
        fallback = manifest[1]["LastModified"]
        when = _run_time(_json_or_empty(manifest[0]), None, fallback)
        run_time = when.isoformat(timespec="seconds")
    return RunInfo(
        run_id=run_id,
        run_time=run_time,
        agreements_signed=figures.get("agreements.signed"),
        financial_usd_total=figures.get("financial_usd.total"),
        complete=manifest is not None,
        latest=run_id == latest_id,
    )


def list_runs(year: int, settings: Settings | None = None) -> list[RunInfo]:
    """Every run published for `year`, oldest first (incomplete uploads marked as such)."""
    settings = settings or get_settings()
    client = s3_client(settings)
    with s3_errors(settings, "listing runs"):
        bucket = require_bucket(client, settings)
        year_prefix = s3keys.year_prefix(settings.s3_prefix, year)
        found = read_object(client, bucket, year_prefix + s3keys.LATEST_NAME)
        latest_id = _load_json(found[0], s3keys.LATEST_NAME).get("run_id") if found else None
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=year_prefix, Delimiter="/"
        )
        prefixes = [p["Prefix"] for page in pages for p in page.get("CommonPrefixes", [])]
        runs = [_run_info(client, bucket, p, latest_id) for p in prefixes]
    return sorted(runs, key=lambda r: (r.run_time or "", r.run_id))


def presign(
    year: int,
    file: str = "report.html",
    run_id: str | None = None,
    expires_seconds: int = 7 * 86400,
    settings: Settings | None = None,
) -> str:
    """A presigned GET URL for one file of the latest (or named) run, valid 1 s to 7 days."""
    if not 1 <= expires_seconds <= 7 * 86400:
        raise StorageError("a link can last from 1 second to 7 days")
    settings = settings or get_settings()
    client = s3_client(settings)
    with s3_errors(settings, "making a link"):
        bucket = require_bucket(client, settings)
        run_id, _ = _resolve_run(client, bucket, settings, year, run_id)
        key = s3keys.object_key(s3keys.bundle_prefix(settings.s3_prefix, year, run_id), file)
        try:
            client.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if error_code(exc) not in ("404", "NoSuchKey"):
                raise
            raise StorageError(f"{file} is not in run {run_id} of {year}") from None
        params = {"Bucket": bucket, "Key": key}
        return client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_seconds)
