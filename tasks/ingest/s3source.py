"""A source in object storage: the files directly under an `s3://bucket/prefix/`.

It behaves like a local folder source: the objects right under the prefix (not in
"sub-folders"), in name order, read as bytes. It uses the same S3 client as publishing.
"""

from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from tasks.config import Settings, get_settings
from tasks.errors import SourceError, StorageError
from tasks.ingest.sources import SourceFile
from tasks.storage import keys as s3keys
from tasks.storage.client import error_code, s3_client, s3_errors


@dataclass
class S3Source:
    """The objects directly under one S3 prefix."""

    bucket: str
    prefix: str
    settings: Settings = field(default_factory=get_settings)
    _client: object = field(default=None, init=False, repr=False)

    @classmethod
    def from_uri(cls, uri: str, settings: Settings | None = None) -> "S3Source":
        """The source named by `s3://bucket/prefix/` (endpoint from settings or PRM_* env)."""
        try:
            location = s3keys.parse_s3_uri(uri)
        except StorageError as exc:
            raise SourceError(f"{uri}: {exc}") from None
        return cls(location.bucket, location.prefix, settings or get_settings())

    @property
    def uri(self) -> str:
        """The source as an `s3://bucket/prefix/` URI."""
        return f"s3://{self.bucket}/{self.prefix}"

    @property
    def client(self):
        """The S3 client, made on first use."""
        if self._client is None:
            self._client = s3_client(self.settings)
        return self._client

    def _settings_for_errors(self) -> Settings:
        """Settings naming this source's bucket, so error messages name it."""
        return self.settings.model_copy(update={"s3_bucket": self.bucket})

    def list_files(self) -> list[SourceFile]:
        """Every object directly under the prefix, in name order."""
        files = []
        with s3_errors(self._settings_for_errors(), f"listing {self.uri}", SourceError):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix, Delimiter="/"
            )
            for page in pages:
                for item in page.get("Contents", []):
                    name = item["Key"][len(self.prefix) :]
                    if name:  # the key equal to the prefix is a folder marker
                        files.append(SourceFile(name, int(item["Size"])))
        return sorted(files, key=lambda f: f.name)

    def read_bytes(self, name: str) -> bytes:
        """The content of one object listed by `list_files`."""
        if "/" in name:
            raise SourceError(f"{self.uri}{name}: not a file directly in the source")
        try:
            key = s3keys.object_key(self.prefix, name)
        except StorageError as exc:
            raise SourceError(f"{self.uri}: {exc}") from None
        with s3_errors(self._settings_for_errors(), f"reading {self.uri}{name}", SourceError):
            try:
                return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except ClientError as exc:
                if error_code(exc) not in ("NoSuchKey", "404"):
                    raise
        raise SourceError(f"{self.uri}{name}: no such object")
