"""S3 keys: the one place where object keys of sources and published bundles are built.

A published bundle lives at `PREFIX/<year>/<run_id>/<path>` and the pointer to the newest
complete run at `PREFIX/<year>/latest.json`; the index of every run at `PREFIX/index.json` and
`PREFIX/index.html`. Every key is built from validated parts, so a file
name from a manifest or a listing can never lead outside its prefix.
"""

import re
from dataclasses import dataclass

from tasks.errors import StorageError

LATEST_NAME = "latest.json"
INDEX_JSON_NAME = "index.json"
INDEX_HTML_NAME = "index.html"
MANIFEST_NAME = "manifest.json"
METRICS_NAME = "metrics.json"
MAX_LINK_SECONDS = 7 * 86400  # the longest a presigned S3 link can last (SigV4)
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_MAX_KEY_BYTES = 1024


@dataclass(frozen=True)
class S3Location:
    """A bucket and a key prefix inside it (empty, or ending with '/')."""

    bucket: str
    prefix: str

    @property
    def uri(self) -> str:
        """The location as an `s3://bucket/prefix/` URI."""
        return f"s3://{self.bucket}/{self.prefix}"


def _check_segment(segment: str, what: str) -> None:
    """Reject a path segment that is empty, a dot name or holds a backslash or control char."""
    if segment in ("", ".", ".."):
        raise StorageError(f"{what}: empty, '.' or '..' path segment is not allowed")
    if "\\" in segment:
        raise StorageError(f"{what}: backslash is not allowed")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in segment):
        raise StorageError(f"{what}: control character is not allowed")


def check_relative_path(path: str) -> str:
    """A bundle-relative path (`charts/a.png`) checked so it cannot leave its prefix."""
    if not isinstance(path, str) or not path:
        raise StorageError("empty file path")
    if path.startswith("/"):
        raise StorageError(f"{path!r}: absolute paths are not allowed")
    for segment in path.split("/"):
        _check_segment(segment, repr(path))
    return path


def clean_prefix(prefix: str | None) -> str:
    """A key prefix normalised to `a/b/` (or `` for none); unsafe segments are rejected."""
    text = (prefix or "").strip().strip("/")
    if not text:
        return ""
    for segment in text.split("/"):
        _check_segment(segment, f"prefix {prefix!r}")
    return text + "/"


def check_bucket(bucket: str | None) -> str:
    """A bucket name checked against S3's naming rules (3-63 lower-case letters, digits, .-)."""
    if not bucket:
        raise StorageError("no bucket configured: set --bucket or PRM_S3_BUCKET")
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise StorageError(f"{bucket!r} is not a valid S3 bucket name")
    return bucket


def check_run_id(run_id: str) -> str:
    """A run id made of letters, digits, '.', '_' and '-' (max 128), not a dot name."""
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id) or run_id == LATEST_NAME:
        raise StorageError(f"{run_id!r} is not a valid run id (letters, digits, . _ - only)")
    return run_id


def check_year(year: int) -> int:
    """A four-digit report year."""
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise StorageError(f"{year!r} is not a valid report year")
    return year


def year_prefix(prefix: str | None, year: int) -> str:
    """The folder holding every run of one year: `PREFIX/<year>/`."""
    return f"{clean_prefix(prefix)}{check_year(year)}/"


def bundle_prefix(prefix: str | None, year: int, run_id: str) -> str:
    """The folder of one published run: `PREFIX/<year>/<run_id>/`."""
    return f"{year_prefix(prefix, year)}{check_run_id(run_id)}/"


def latest_key(prefix: str | None, year: int) -> str:
    """The key of the pointer to the newest complete run: `PREFIX/<year>/latest.json`."""
    return f"{year_prefix(prefix, year)}{LATEST_NAME}"


def index_key(prefix: str | None, name: str) -> str:
    """The key of the bucket's index (`PREFIX/index.json`, `PREFIX/index.html`)."""
    if name not in (INDEX_JSON_NAME, INDEX_HTML_NAME):
        raise StorageError(f"{name!r} is not an index file")
    return clean_prefix(prefix) + name


def object_key(key_prefix: str, path: str) -> str:
    """The key of a bundle-relative `path` under `key_prefix` (which ends with '/')."""
    if key_prefix and not key_prefix.endswith("/"):
        raise StorageError(f"key prefix {key_prefix!r} must end with '/'")
    key = key_prefix + check_relative_path(path)
    if len(key.encode("utf-8")) > _MAX_KEY_BYTES:
        raise StorageError(f"{path!r}: object key longer than {_MAX_KEY_BYTES} bytes")
    return key


def is_s3_uri(uri: str) -> bool:
    """Whether a source is an `s3://` prefix rather than a folder."""
    return uri.startswith("s3://")


def parse_s3_uri(uri: str) -> S3Location:
    """The bucket and prefix of an `s3://bucket/prefix/` URI."""
    if not is_s3_uri(uri):
        raise StorageError(f"{uri!r} is not an s3:// URI")
    bucket, _, prefix = uri[len("s3://") :].partition("/")
    return S3Location(check_bucket(bucket), clean_prefix(prefix))
