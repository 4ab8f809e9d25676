"""A source in object storage: the files directly under an `s3://bucket/prefix/`.

It behaves like a local folder source: the objects right under the prefix (not in
"sub-folders"), in name order, read as bytes. It uses the client of the run's object store,
so it reads from the endpoint the run was given (`--endpoint-url` included).
"""

from dataclasses import dataclass, replace

from botocore.exceptions import ClientError

from tasks.errors import SourceError, StorageError
from tasks.ingest.sources import SourceFile
from tasks.storage import keys as s3keys
from tasks.storage.client import ObjectStore, error_code, s3_errors


@dataclass(frozen=True)
class S3Source:
    """The objects directly under one S3 prefix, read through `store`'s endpoint and client."""

    bucket: str
    prefix: str
    store: ObjectStore

    @classmethod
    def from_uri(cls, uri: str, store: ObjectStore) -> "S3Source":
        """The source named by `s3://bucket/prefix/`, at the endpoint of `store`."""
        try:
            location = s3keys.parse_s3_uri(uri)
        except StorageError as exc:
            raise SourceError(f"{uri}: {exc}") from None
        return cls(location.bucket, location.prefix, store)

    @property
    def uri(self) -> str:
        """The source as an `s3://bucket/prefix/` URI."""
        return f"s3://{self.bucket}/{self.prefix}"

    def _for_errors(self) -> ObjectStore:
        """The store naming this source's bucket, so error messages name it."""
        return replace(self.store, bucket=self.bucket)

    def list_files(self) -> list[SourceFile]:
        """Every object directly under the prefix, in name order."""
        files = []
        with s3_errors(self._for_errors(), f"listing {self.uri}", SourceError):
            pages = self.store.client.get_paginator("list_objects_v2").paginate(
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
        with s3_errors(self._for_errors(), f"reading {self.uri}{name}", SourceError):
            try:
                return self.store.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except ClientError as exc:
                if error_code(exc) not in ("NoSuchKey", "404"):
                    raise
        raise SourceError(f"{self.uri}{name}: no such object")
