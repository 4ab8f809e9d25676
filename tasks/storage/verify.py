"""A published run read from the bucket and checked against its manifest.json: the one check
every reader of a published run goes through (`prm fetch`, `prm runs`, the index, the
monthly run's reuse of a published report, the run a new one is compared with).

manifest.json must be the one latest.json records (when a pointer is given) and, with
PRM_MANIFEST_KEY, carry its HMAC and name the run it is read as; every file it lists must be
in the bucket with its size; the files read (metrics.json first) must match their size and
SHA-256 (tasks.manifest, as a fetched file on disk does). Before a run is reused or linked,
every file (`stored_problem`) or the linked one is checked by content too, from the SHA-256
the server keeps for it.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime

from botocore.exceptions import ClientError

from tasks.errors import IntegrityError
from tasks.manifest import (
    BundleFile,
    content_problem,
    digest_problem,
    manifest_hmac,
    sha256_bytes,
    size_problem,
)
from tasks.storage import keys as s3keys
from tasks.storage.client import ObjectStore, error_code, read_object
from tasks.storage.publish import SIGNATURE, json_or_empty, load_json, manifest_files


@dataclass(frozen=True)
class StoredRun:
    """A published run as read from the bucket: its manifest, the files read, and what does
    not match the manifest (`problem`; None: verified). No manifest: an incomplete upload."""

    run_id: str
    manifest: dict  # {} when absent or not JSON
    manifest_time: datetime | None  # manifest.json's LastModified (None: no manifest.json)
    contents: dict[str, bytes] = field(default_factory=dict)  # only when verified
    problem: str | None = None


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


def check_manifest(
    raw: bytes, response: dict, run: tuple[int, str], key: bytes | None, pointer: dict | None
) -> tuple[dict, list[BundleFile]]:
    """manifest.json of a published run and the files it lists, checked: it is the one
    `pointer` (latest.json, when given) names, and with a key (PRM_MANIFEST_KEY) it carries
    its HMAC and names the run it was read as. Raises IntegrityError."""
    run_id = run[1]
    if pointer and sha256_bytes(raw) != pointer.get("manifest_sha256"):
        raise IntegrityError(f"manifest.json of run {run_id} does not match latest.json")
    manifest = load_json(raw, "manifest.json")
    if key:
        _check_signature(raw, response, manifest, key, run)
    return manifest, manifest_files(manifest)


def _object_sizes(client, bucket: str, key_prefix: str) -> dict[str, int]:
    """Every object under a run's prefix: bundle-relative path -> size in bytes."""
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key_prefix)
    return {
        item["Key"][len(key_prefix) :]: item["Size"]
        for page in pages
        for item in page.get("Contents", [])
    }


def _read_checked(
    client, bucket: str, key_prefix: str, files: list[BundleFile], read: tuple[str, ...]
) -> dict[str, bytes]:
    """Every listed object present with its size, and the files `read` whole and checked by
    size and SHA-256; IntegrityError naming the first that differs."""
    sizes = _object_sizes(client, bucket, key_prefix)
    for f in files:
        if problem := size_problem(sizes.get(f.path), f):
            raise IntegrityError(problem)
    listed = {f.path: f for f in files}
    contents = {}
    for name in read:
        if name not in listed:
            raise IntegrityError(f"{name}: not listed in manifest.json")
        found = read_object(client, bucket, s3keys.object_key(key_prefix, name))
        if problem := content_problem(found[0] if found else None, listed[name]):
            raise IntegrityError(problem)
        contents[name] = found[0]
    return contents


def read_run(
    store: ObjectStore,
    bucket: str,
    key_prefix: str,
    year: int,
    *,
    read: tuple[str, ...] = (s3keys.METRICS_NAME,),
    pointer: dict | None = None,
) -> StoredRun:
    """A published run read and checked against its manifest.json (`check_manifest`): every
    file it lists is there with its size, and the files `read` (metrics.json by default) are
    read whole and match their size and SHA-256. One that fails comes back with its
    `problem`; without manifest.json it is an incomplete upload (a damaged run when
    `pointer`, latest.json, names it). Storage errors are the caller's to word (s3_errors)."""
    client = store.client
    run_id = key_prefix.rstrip("/").rsplit("/", 1)[-1]
    found = read_object(client, bucket, key_prefix + s3keys.MANIFEST_NAME)
    if not found:
        return StoredRun(run_id, {}, None, problem="manifest.json: missing" if pointer else None)
    raw, response = found
    when = response["LastModified"]
    try:
        manifest, files = check_manifest(raw, response, (year, run_id), store.manifest_key, pointer)
    except IntegrityError as exc:
        return StoredRun(run_id, json_or_empty(raw), when, problem=str(exc))
    try:
        contents = _read_checked(client, bucket, key_prefix, files, read)
    except IntegrityError as exc:
        return StoredRun(run_id, manifest, when, problem=str(exc))
    return StoredRun(run_id, manifest, when, contents)


def stored_problem(client, bucket: str, key_prefix: str, f: BundleFile) -> str | None:
    """What is wrong with one published file's content against its manifest entry, or None.

    S3 refuses an upload whose ChecksumSHA256 does not match the bytes, and prm gives one
    with every file it uploads in one part: an object that still carries the manifest's
    SHA-256 holds those bytes (one HEAD). An object without it (uploaded in parts, or
    written over by anything else) is read and hashed."""
    key = s3keys.object_key(key_prefix, f.path)
    try:
        head = client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    except ClientError as exc:
        if error_code(exc) in ("404", "NoSuchKey"):
            return size_problem(None, f)
        raise
    size = head["ContentLength"]
    stored = head.get("ChecksumSHA256")
    if stored and "-" not in stored:  # a whole object's digest, not one of its parts'
        return digest_problem(size, base64.b64decode(stored).hex(), f)
    if problem := size_problem(size, f):
        return problem
    digest = hashlib.sha256()
    for chunk in client.get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(1 << 20):
        digest.update(chunk)
    return digest_problem(size, digest.hexdigest(), f)


def run_content_problem(
    client, bucket: str, key_prefix: str, files: list[BundleFile]
) -> str | None:
    """The first file of a run whose content does not match its manifest (`stored_problem`),
    or None: every byte of the run is what was published."""
    for f in files:
        if problem := stored_problem(client, bucket, key_prefix, f):
            return problem
    return None
