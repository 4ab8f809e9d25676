"""The S3 client of an object store, and its one-line, secret-free errors.

Credentials come from boto3's own chain and never appear in a message. An error says
whether retrying may help (`retryable`: the endpoint could not be reached or was busy).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import boto3
from boto3.exceptions import RetriesExceededError, S3UploadFailedError
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from tasks.errors import PrmError, StorageError
from tasks.storage import keys as s3keys
from tasks.storage.store import ObjectStore

_AUTH_CODES = {
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "AuthorizationHeaderMalformed",
}


def s3_client(endpoint_url: str | None, *, quick: bool = False):
    """A boto3 S3 client for `endpoint_url` (None = AWS; credentials from boto3's chain).

    `quick` is for the checks made before any work: one attempt, short timeouts, so an
    unreachable endpoint is known in about a second instead of after every retry.
    """
    check_endpoint_url(endpoint_url)
    session = boto3.session.Session()
    config = Config(
        retries={"mode": "standard", "max_attempts": 1 if quick else 3},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        signature_version="s3v4",
        connect_timeout=1 if quick else 5,
        read_timeout=2 if quick else 60,
    )
    return session.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=session.region_name or "us-east-1",
        config=config,
    )


def check_endpoint_url(endpoint_url: str | None) -> None:
    """An endpoint URL boto3 can use: http(s)://host[:port] (boto3 says only "Invalid endpoint")."""
    if not endpoint_url:
        return
    parts = urlsplit(endpoint_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        scheme, sep, rest = endpoint_url.rpartition("://")
        host = rest.rpartition("@")[2]  # never a user:password written into the URL
        raise StorageError(
            f"S3 endpoint URL {scheme + sep + host!r} is not http(s)://host[:port]: give "
            f"--endpoint-url or PRM_S3_ENDPOINT_URL with its scheme (e.g. http://{host})"
        )


def error_code(exc: ClientError) -> str:
    """The S3 error code of a failed call (`NoSuchKey`, `404`, ...)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def _message(exc: Exception, store: ObjectStore, action: str) -> str:
    """A one-line, secret-free description of a failed S3 call."""
    where = store.label
    if isinstance(exc, NoCredentialsError):
        return "no S3 credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE"
    if isinstance(exc, ConnectionError | ReadTimeoutError):
        return f"cannot reach S3 endpoint {where} while {action} ({type(exc).__name__})"
    if isinstance(exc, ClientError):
        code = error_code(exc)
        if code in _AUTH_CODES:
            return f"S3 refused the credentials ({code}) for endpoint {where}"
        if code in ("AccessDenied", "403"):
            return f"S3 denied access to bucket {store.bucket} at {where} while {action}"
        if code == "NoSuchBucket":
            return f"bucket {store.bucket} does not exist at {where}"
        text = exc.response.get("Error", {}).get("Message", "")
        return f"S3 error {code} while {action} at {where}: {text}"
    return f"S3 client error while {action} at {where}: {exc}"


# Answers that mean "try again later" rather than "this will not work".
_TRANSIENT_CODES = {"500", "502", "503", "504", "InternalError", "ServiceUnavailable", "SlowDown"}


@contextmanager
def s3_errors(store: ObjectStore, action: str, error: type[PrmError] = StorageError) -> Iterator:
    """Turn boto3/botocore failures into one-line `error`s; prm's own errors pass through."""
    try:
        yield
    except (S3UploadFailedError, RetriesExceededError) as exc:
        cause = getattr(exc, "last_exception", None) or exc.__context__ or exc
        raise _user_error(error, cause, store, action) from None
    except (BotoCoreError, ClientError) as exc:
        raise _user_error(error, exc, store, action) from None


def _user_error(error: type[PrmError], cause: BaseException, store: ObjectStore, action: str):
    """`error` with the one-line message, retryable when the store could not be reached."""
    found = error(" ".join(_message(cause, store, action).split()))
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


def require_bucket(store: ObjectStore) -> str:
    """The configured bucket, or StorageError when it is not set or does not exist."""
    bucket = s3keys.check_bucket(store.bucket)
    if not bucket_exists(store.client, bucket):
        raise StorageError(f"bucket {bucket} does not exist at {store.label}")
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
