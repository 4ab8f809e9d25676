"""Where records come from: a local folder or an S3 prefix, behind one small interface.

A source lists its files (not recursively, in name order) and reads one file's bytes.
Parsing never touches the file system or the network: it gets bytes from here.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tasks.errors import SourceError
from tasks.storage.keys import is_s3_uri

if TYPE_CHECKING:  # boto3 is imported only when a source is in object storage
    from tasks.storage.client import ObjectStore


@dataclass(frozen=True)
class SourceFile:
    """One file of a source: its name (no folders) and its size in bytes."""

    name: str
    size: int


class Source(Protocol):
    """A place that holds input files."""

    uri: str

    def list_files(self) -> list[SourceFile]:
        """Every file directly in the source, in name order."""
        ...

    def read_bytes(self, name: str) -> bytes:
        """The content of one file listed by `list_files`."""
        ...


@dataclass(frozen=True)
class LocalSource:
    """A folder on this machine."""

    path: Path

    @property
    def uri(self) -> str:
        return str(self.path)

    def list_files(self) -> list[SourceFile]:
        if not self.path.is_dir():
            raise SourceError(f"{self.path}: source folder not found")
        files = [p for p in self.path.iterdir() if p.is_file()]
        return [SourceFile(p.name, p.stat().st_size) for p in sorted(files, key=lambda p: p.name)]

    def read_bytes(self, name: str) -> bytes:
        try:
            return (self.path / name).read_bytes()
        except OSError as exc:
            raise SourceError(f"{self.path / name}: cannot be read ({exc.strerror})") from exc


def open_source(uri: str, store: "ObjectStore | None" = None) -> Source:
    """The source named by `uri`: a folder, or `s3://bucket/prefix/` read through `store`
    (its endpoint and client; the run's own object store)."""
    if is_s3_uri(uri):
        from tasks.ingest.s3source import S3Source

        if store is None:
            raise SourceError(f"{uri}: an s3:// source needs the run's object store")
        return S3Source.from_uri(uri, store)
    return LocalSource(Path(uri))
