"""A local folder's input files read, and their CSV text parsed by pyarrow, on a thread from
the moment `prm ingest` knows the folder: while it loads pandas, SQLAlchemy and the
pipeline, checks the database and brings its schema up to date.

pyarrow's parser leaves the interpreter lock, so on two cores one parses while the other
loads the libraries (~0.25 s of the command on a million contributions, docs/benchmarks.md).
This module needs no pandas: the thread starts before pandas is loaded. Reading the files
through the `ReadAhead` (a source like the folder it wraps) gives exactly what reading the
folder gives: the same bytes, cells and errors, in the same order.
"""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from tasks.ingest.read_arrow import arrow_table
from tasks.ingest.sources import LocalSource, Source, SourceFile, csv_entity, is_input
from tasks.storage.keys import is_s3_uri


@dataclass
class _Read:
    """One file as the thread read it: its bytes and, for a CSV file, pyarrow's table of its
    text (None: pandas' parser reads it), or the error reading it raised."""

    content: bytes | None = None
    table: pa.Table | None = None
    error: Exception | None = None


class ReadAhead:
    """A source whose input files are read (CSV files also parsed) on a thread of its own.

    `list_files` and `read_bytes` answer as the wrapped source does, once the thread has
    got that far; `arrow_table` gives the parsed table of a CSV file read through it. Each
    file's bytes and table are handed over once (not kept beside the frames made of them):
    asking again reads the file from the source and parses it anew.
    """

    def __init__(self, source: Source) -> None:
        self.source = source
        reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prm-read")
        self._reading = reader.submit(self._read_all)
        reader.shutdown(wait=False)  # its thread ends with the reading

    @property
    def uri(self) -> str:
        return self.source.uri

    def list_files(self) -> list[SourceFile]:
        return self._reading.result()[0]

    def read_bytes(self, name: str) -> bytes:
        read = self._reading.result()[1].get(name)
        if read is not None and read.error is not None:
            raise read.error
        if read is None or read.content is None:
            return self.source.read_bytes(name)
        content, read.content = read.content, None
        return content

    def arrow_table(self, name: str) -> pa.Table | None:
        """pyarrow's table of the CSV file `name` read through `read_bytes`; None: parse it
        now (not read ahead, handed over already, or one pandas' parser reads)."""
        read = self._reading.result()[1].get(name)
        if read is None:
            return None
        table, read.table = read.table, None
        return table

    def _read_all(self) -> tuple[list[SourceFile], dict[str, _Read]]:
        listed = self.source.list_files()
        files = {f.name: _read(self.source, f.name) for f in listed if is_input(f.name)}
        return listed, files


def _read(source: Source, name: str) -> _Read:
    try:
        content = source.read_bytes(name)
    except Exception as exc:  # raised where the file is asked for, as the source raises it
        return _Read(error=exc)
    if not csv_entity(name):
        return _Read(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:  # reading it words the error
        return _Read(content)
    # on this thread alone: the other core loads the libraries meanwhile (pyarrow's own
    # threads took it from them, and the command was no faster)
    return _Read(content, arrow_table(text, threads=False))


def read_ahead(uri: str) -> ReadAhead | None:
    """The folder `uri` read ahead on a thread; None for an `s3://` source (read when the
    pipeline asks, through the run's object store)."""
    return None if is_s3_uri(uri) else ReadAhead(LocalSource(Path(uri)))
