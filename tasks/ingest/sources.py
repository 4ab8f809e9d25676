"""Where records come from: a local folder or an S3 prefix, behind one small interface.

A source lists its files (not recursively, in name order) and reads one file's bytes.
Parsing never touches the file system or the network: it gets bytes from here.
"""

import os
import stat
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from models.codes import ENTITIES
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
        """Every entry of the folder but its sub-folders: a link that leads nowhere, or
        something that is not a file, is listed too (size 0), so that reading it fails
        naming it instead of the ingestion going on without it (contract section 2)."""
        if not self.path.is_dir():
            raise SourceError(f"{self.path}: source folder not found")
        entries = sorted((p for p in self.path.iterdir() if not p.is_dir()), key=lambda p: p.name)
        return [SourceFile(p.name, p.stat().st_size if p.is_file() else 0) for p in entries]

    def problem(self, name: str) -> str | None:
        """Why the file `name` of the folder cannot be read, or None when it can."""
        path = self.path / name
        try:
            mode = path.stat().st_mode
        except OSError as exc:
            if path.is_symlink():
                return f"a link to {os.readlink(path)}, which cannot be opened ({exc.strerror})"
            return f"cannot be read ({exc.strerror})"
        if not stat.S_ISREG(mode):
            return "not a regular file (a pipe, device or socket cannot be read as an export)"
        if not os.access(path, os.R_OK):
            return "cannot be read (Permission denied)"
        return None

    def read_bytes(self, name: str) -> bytes:
        problem = self.problem(name)  # a pipe would block the read for ever
        if problem is not None:
            raise SourceError(f"{self.path / name}: {problem}")
        try:
            return (self.path / name).read_bytes()
        except OSError as exc:
            raise SourceError(f"{self.path / name}: cannot be read ({exc.strerror})") from exc


def nothing_to_read(uri: str) -> SourceError:
    """The error of a source holding no file that ingestion reads (an empty or mistyped
    folder or prefix): it fails rather than record an ingestion of nothing."""
    return SourceError(
        "no partner-register files (partners/agreements/contributions/exchange_rates "
        f".csv/.xlsx) in {uri}"
    )


def csv_entity(file_name: str) -> str | None:
    """The entity whose CSV pattern (`partners*.csv`, ...) the file name matches, if any."""
    lower = file_name.lower()
    for entity in ENTITIES:
        if fnmatch(lower, f"{entity}*.csv"):
            return entity
    return None


def is_workbook(file_name: str) -> bool:
    """Whether the file is an .xlsx workbook to read (Excel's `~$` lock files are not)."""
    return file_name.lower().endswith(".xlsx") and not file_name.startswith("~$")


def is_input(file_name: str) -> bool:
    """Whether ingestion reads the file: a CSV file named after an entity, or a workbook."""
    return csv_entity(file_name) is not None or is_workbook(file_name)


def input_files(source: Source) -> list[SourceFile]:
    """The files of `source` that ingestion reads, by name."""
    return [f for f in source.list_files() if is_input(f.name)]


def open_source(uri: str, store: "ObjectStore | None" = None) -> Source:
    """The source named by `uri`: a folder, or `s3://bucket/prefix/` read through `store`
    (its endpoint and client; the run's own object store)."""
    if is_s3_uri(uri):
        from tasks.ingest.s3source import S3Source

        if store is None:
            raise SourceError(f"{uri}: an s3:// source needs the run's object store")
        return S3Source.from_uri(uri, store)
    return LocalSource(Path(uri))
