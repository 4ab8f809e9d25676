"""The object store a run publishes to: endpoint, bucket, key prefix, and its S3 client.

Built once at the edge (a command or a flow) from the settings and passed down. boto3 is
imported when the client is first used (`tasks.storage.client`), so a command that fails a
check before touching the store never loads it.
"""

from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlsplit

from tasks.config import Settings


@dataclass(frozen=True)
class ObjectStore:
    """Where bundles are published: an endpoint, a bucket and a key prefix, and their client.

    Built once at the edge (the CLI or a flow) from the settings and passed down; the boto3
    client is made on first use and shared by everything that uses this store.
    """

    bucket: str | None
    prefix: str = "reports"
    endpoint_url: str | None = None
    quick: bool = False  # one attempt, short timeouts: for the checks made before any work
    # PRM_MANIFEST_KEY: publish signs each manifest.json with it, fetch checks the signature
    manifest_key: bytes | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> "ObjectStore":
        """The store the settings name (PRM_S3_* and flags, PRM_MANIFEST_KEY)."""
        key = settings.manifest_key.get_secret_value().encode() if settings.manifest_key else None
        return cls(
            bucket=settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url or None,
            manifest_key=key or None,
        )

    @cached_property
    def client(self):
        """The boto3 S3 client of this store's endpoint."""
        from tasks.storage.client import s3_client

        return s3_client(self.endpoint_url, quick=self.quick)

    @property
    def label(self) -> str:
        """The endpoint as shown in messages (never with credentials, even inside the URL)."""
        if not self.endpoint_url:
            return "AWS S3"
        parts = urlsplit(self.endpoint_url)
        return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
