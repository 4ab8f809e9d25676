"""Object storage: publish a report bundle to S3, atomically.

A run is published under `s3://BUCKET/PREFIX/<year>/<run_id>/`: every file (with its
Content-Type, ChecksumSHA256 and the hex SHA-256 in metadata `sha256`), then manifest.json,
then, once every object has been checked with HEAD, the pointer `PREFIX/<year>/latest.json`.
The pointer only moves forward (a newer run time) and is written with a conditional PUT,
so a failure anywhere leaves it as it was.
Credentials come from boto3's own chain and never appear in a message or a bundle.
"""

import base64
import json
import logging
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import (
    ClientError,
)

from tasks.errors import IntegrityError, StorageError
from tasks.manifest import BundleFile, file_problem, manifest_hmac, sha256_bytes
from tasks.storage import keys as s3keys
from tasks.storage.client import ObjectStore, bucket_exists, error_code, read_object, s3_errors

TRANSFER = TransferConfig(multipart_threshold=64 * 1024 * 1024, max_concurrency=4)
_TYPES = {".md": "text/markdown", ".csv": "text/csv", ".json": "application/json"}
_TYPES |= {".svg": "image/svg+xml", ".png": "image/png", ".html": "text/html"}
_TYPES |= {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
_TYPES |= {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
_TYPES |= {".pdf": "application/pdf"}
SIGNATURE = "hmac-sha256"  # manifest.json's metadata: its HMAC under PRM_MANIFEST_KEY
log = logging.getLogger(__name__)
_RUN_TIME_KEYS = ("run_time", "created_at", "generated_at", "started_at")


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
    index_updated: bool = False


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
    files = manifest_files(load_json(raw, "manifest.json"))
    for f in files:
        if problem := file_problem(bundle_dir / f.path, f):
            raise IntegrityError(f"{problem} (in {bundle_dir})")
    return raw, files


def _metadata(f: BundleFile, local: Path, manifest_key: bytes | None) -> dict[str, str]:
    """An object's metadata: its SHA-256, and for manifest.json (with a key) its HMAC."""
    metadata = {"sha256": f.sha256}
    if manifest_key and f.path == s3keys.MANIFEST_NAME:
        metadata[SIGNATURE] = manifest_hmac(manifest_key, local.read_bytes())
    return metadata


def object_matches(
    client, bucket: str, key: str, f: BundleFile, expected: dict[str, str] | None = None
) -> str | None:
    """None when the object at `key` has f's size, SHA-256 (and `expected` metadata), else
    what differs."""
    try:
        head = client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    except ClientError as exc:
        if error_code(exc) in ("404", "NoSuchKey"):
            return "missing"
        raise
    if head["ContentLength"] != f.size:
        return f"size {head['ContentLength']} instead of {f.size}"
    metadata = head.get("Metadata", {})
    if metadata.get("sha256") != f.sha256:
        return "SHA-256 metadata differs"
    if any(metadata.get(name) != value for name, value in (expected or {}).items()):
        return "metadata differs (manifest signature)"
    checksum = head.get("ChecksumSHA256")
    if checksum and "-" not in checksum and checksum != _b64(f.sha256):
        return "ChecksumSHA256 differs"
    return None


def _b64(hex_digest: str) -> str:
    """A hex digest in the base64 form of S3's Checksum* fields."""
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def _upload(client, bucket: str, key: str, local: Path, f: BundleFile, metadata: dict) -> None:
    """Upload one file with its Content-Type, metadata and (small files) ChecksumSHA256."""
    extra = {"ContentType": content_type(f.path), "Metadata": metadata}
    if f.size < TRANSFER.multipart_threshold:
        extra["ChecksumSHA256"] = _b64(f.sha256)
    client.upload_file(str(local), bucket, key, ExtraArgs=extra, Config=TRANSFER)


def run_time_of(
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


def load_json(raw: bytes, what: str) -> dict:
    """A JSON object from bytes, or IntegrityError naming `what`."""
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise IntegrityError(f"{what}: not valid JSON") from None
    if not isinstance(value, dict):
        raise IntegrityError(f"{what}: not a JSON object")
    return value


def json_or_empty(raw: bytes) -> dict:
    """A JSON object from bytes, or {} when it is not one (an unreadable pointer or file)."""
    try:
        return load_json(raw, "object")
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
    _enable_versioning(client, bucket)
    return True


def _enable_versioning(client, bucket: str) -> None:
    """Keep every version of the objects of a bucket prm created: an overwritten or deleted
    bundle file or latest.json can be recovered. A store without versioning gets a warning;
    publishing goes on (the bundle itself does not depend on it)."""
    try:
        client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    except ClientError as exc:
        log.warning("bucket %s: versioning not enabled (%s)", bucket, error_code(exc))


def _check_same_run(client, bucket: str, key_prefix: str, manifest: BundleFile) -> None:
    """Refuse to publish different content under a run id that already has a manifest."""
    found = read_object(client, bucket, key_prefix + s3keys.MANIFEST_NAME)
    if found and sha256_bytes(found[0]) != manifest.sha256:
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
            current = json_or_empty(found[0])
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
    store: ObjectStore,
    run_time: datetime | None = None,
    on_uploaded: Callable[[str], None] | None = None,
) -> PublishResult:
    """Upload a bundle folder to `PREFIX/<year>/<run_id>/` and then move `latest.json` to it.

    Args:
        bundle_dir: folder with metrics.json, manifest.json and the files it lists.
        year, run_id: where the run goes; the same run id again is a no-op (or a repair).
        store: endpoint, bucket and prefix, with their client.
        run_time: the run's time, used to keep `latest.json` moving forward only
            (default: manifest's `run_time`/`created_at`/`generated_at`, else now).
        on_uploaded: called with each bundle path once it is in the store.
    Returns:
        PublishResult. A missing bucket is created. Raises StorageError or IntegrityError.
    """
    bundle_dir = Path(bundle_dir)
    bucket = s3keys.check_bucket(store.bucket)
    key_prefix = s3keys.bundle_prefix(store.prefix, year, run_id)
    raw, files = _local_bundle(bundle_dir)
    if s3keys.METRICS_NAME not in {f.path for f in files}:
        raise IntegrityError(f"{bundle_dir}: bundle has no metrics.json")
    manifest = BundleFile(s3keys.MANIFEST_NAME, len(raw), sha256_bytes(raw))
    when = run_time_of(load_json(raw, "manifest.json"), run_time)
    metrics = load_json((bundle_dir / s3keys.METRICS_NAME).read_bytes(), "metrics.json")
    client = store.client
    uploaded = 0
    with s3_errors(store, f"publishing s3://{bucket}/{key_prefix}"):
        created = _ensure_bucket(client, bucket)
        _check_same_run(client, bucket, key_prefix, manifest)
        metadata = {
            f.path: _metadata(f, bundle_dir / f.path, store.manifest_key)
            for f in [*files, manifest]
        }
        for f in [*files, manifest]:  # manifest.json last: its presence marks a full upload
            key = s3keys.object_key(key_prefix, f.path)
            if object_matches(client, bucket, key, f, metadata[f.path]) is not None:
                _upload(client, bucket, key, bundle_dir / f.path, f, metadata[f.path])
                uploaded += 1
            if on_uploaded:
                on_uploaded(f.path)
        for f in [*files, manifest]:
            key = s3keys.object_key(key_prefix, f.path)
            if problem := object_matches(client, bucket, key, f, metadata[f.path]):
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
        latest = s3keys.latest_key(store.prefix, year)
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
