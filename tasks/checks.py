"""Checks made before any work: each fails in about a second with one line naming the
thing and the fix, instead of after a read, a load or a retry loop.

The source exists and can be read, the bucket is set when uploading, a `--compare-to` bundle
is one of the same year that matches its manifest, the endpoint accepts the credentials, the
database answers, the year is one a report can cover.
"""

import os
import socket
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tasks.errors import PrmError, SourceError, StorageError
from tasks.storage import keys as s3keys

if TYPE_CHECKING:  # the cheap checks run before SQLAlchemy and boto3 are imported
    from sqlalchemy import Engine

    from models.metrics import Metrics
    from tasks.storage.client import ObjectStore

FIRST_YEAR = 2000  # the register holds nothing older
PROBE_SECONDS = 1.0  # a database server that does not accept a connection in this is down


def check_year(year: int, today: datetime | None = None) -> int:
    """`year` if a report can cover it: from 2000 to the current calendar year."""
    current = (today or datetime.now(UTC)).year
    if year < FIRST_YEAR:
        raise PrmError(f"year {year} is before {FIRST_YEAR}: the register starts in {FIRST_YEAR}")
    if year > current:
        raise PrmError(
            f"year {year} is later than the current year {current}: "
            "a report can only cover a year that has begun"
        )
    return year


def check_bucket(bucket: str | None) -> str:
    """The bucket to publish to: set (--bucket or PRM_S3_BUCKET) and a valid name."""
    return s3keys.check_bucket(bucket)


def check_credentials(store: "ObjectStore") -> None:
    """One listing call: the endpoint answers and accepts the credentials for the bucket.

    A bucket that does not exist yet is fine: publishing creates it.
    """
    from tasks.storage.client import bucket_exists, s3_errors

    quick = replace(store, quick=True)
    with s3_errors(quick, "checking the credentials"):
        bucket_exists(quick.client, check_bucket(store.bucket))


def check_folder(uri: str) -> None:
    """A local source exists and can be read (an s3:// source is checked by `check_source`)."""
    if s3keys.is_s3_uri(uri):
        return
    folder = Path(uri)
    if folder.exists() and not folder.is_dir():
        raise SourceError(
            f"{uri}: not a folder; give --source the folder that holds the exports "
            f"({folder.parent}), every matching file of it is read"
        )
    if not folder.is_dir():
        raise SourceError(f"{uri}: source folder not found (give --source an existing folder)")
    if not os.access(folder, os.R_OK | os.X_OK):
        raise SourceError(f"{uri}: source folder cannot be read (check its permissions)")


def check_output_file(path: Path, option: str) -> None:
    """A file the command will write at the end can be written there: not a folder, and
    its folder exists or can be made (so a finished ingestion never fails at its last
    step, its rows committed, for want of a place to write its rejected rows)."""
    if path.is_dir():
        raise PrmError(f"{path}: is a folder; give {option} a file name (e.g. {path}/out.csv)")
    _check_can_make(path, path.parent)


def check_output_folder(path: Path, option: str) -> None:
    """A folder the command will write into (--out, --dest) is a folder, or can be made:
    found now, not after the work as a FileExistsError."""
    if path.exists() and not path.is_dir():
        raise PrmError(f"{path}: is a file; give {option} a folder (it is made if missing)")
    _check_can_make(path, path)


def _check_can_make(path: Path, folder: Path) -> None:
    """`folder` (where `path` goes) exists, or its nearest existing parent is a folder in
    which the first missing one can be made (made and removed again: root's access check
    says yes to /proc and to read-only mounts)."""
    missing = None
    while not folder.exists():
        folder, missing = folder.parent, folder
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise PrmError(f"{path}: cannot be written (check {folder} and its permissions)")
    if missing is None:
        return
    try:
        missing.mkdir()
    except OSError as exc:
        raise PrmError(f"{path}: cannot be written ({missing}: {exc.strerror})") from None
    missing.rmdir()


def check_source(uri: str, store: "ObjectStore") -> None:
    """The source exists, can be read and holds files ingestion reads, each of which can be
    opened: a folder, or an s3:// prefix at the endpoint."""
    from tasks.ingest.sources import LocalSource, input_files, nothing_to_read

    if s3keys.is_s3_uri(uri):
        from tasks.ingest.s3source import S3Source
        from tasks.storage.client import s3_errors

        if not uri[len("s3://") :].partition("/")[0]:
            raise SourceError(f"{uri}: no bucket in the URI; give --source s3://BUCKET/PREFIX/")
        try:
            location = s3keys.parse_s3_uri(uri)
        except StorageError as exc:
            raise SourceError(f"{uri}: {exc}") from None
        probe = replace(store, bucket=location.bucket, quick=True)
        with s3_errors(probe, f"opening the source {uri}", SourceError):
            probe.client.list_objects_v2(Bucket=location.bucket, Prefix=location.prefix, MaxKeys=1)
        source = S3Source(location.bucket, location.prefix, probe)
        if not input_files(source):
            raise nothing_to_read(source.uri)
        return
    check_folder(uri)
    folder = LocalSource(Path(uri))
    files = input_files(folder)
    if not files:
        raise nothing_to_read(uri)
    for file in files:
        problem = folder.problem(file.name)
        if problem is not None:
            raise SourceError(f"{folder.path / file.name}: {problem}")


DATABASE_FIX = "check --db or PRM_DATABASE_URL"
DRIVERS = {  # the database URLs prm accepts, by SQLAlchemy backend: their drivers
    "sqlite": ("sqlite", "sqlite+pysqlite"),
    "postgresql": ("postgresql", "postgresql+psycopg"),
}
URL_EXAMPLES = "sqlite:///path/to/prm.db or postgresql+psycopg://user@host:5432/db"


def check_database_url(url: str, must_exist: bool = False) -> None:
    """The database URL is one prm can use (SQLite or PostgreSQL through psycopg 3), said in
    one line without the password; with `must_exist` (commands that only read), an SQLite
    file that is not there is refused rather than created empty."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
        port = parsed.port
    except (ArgumentError, ValueError) as exc:
        reason = (
            "has a port that is not a number" if isinstance(exc, ValueError) else "cannot be parsed"
        )
        raise PrmError(f"the database URL {reason}: {DATABASE_FIX} (e.g. {URL_EXAMPLES})") from None
    shown = parsed.render_as_string(hide_password=True)
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql") and parsed.drivername not in DRIVERS["postgresql"]:
        raise PrmError(
            f"database URL {shown}: write postgresql+psycopg://... (or postgresql://...; "
            f"prm uses psycopg 3): {DATABASE_FIX}"
        )
    if parsed.drivername not in DRIVERS.get(backend, ()):
        raise PrmError(
            f"database URL {shown}: only SQLite and PostgreSQL are supported "
            f"(e.g. {URL_EXAMPLES}): {DATABASE_FIX}"
        )
    if port is not None and not 0 < port < 65536:
        raise PrmError(f"database URL {shown}: port {port} is not 1-65535: {DATABASE_FIX}")
    file = parsed.database if backend == "sqlite" else None
    if not file or file == ":memory:":
        return
    if must_exist and not Path(file).exists():
        raise PrmError(
            f"database {shown} does not exist (run prm ingest first, or check --db / "
            "PRM_DATABASE_URL)"
        )
    if Path(file).is_dir():
        raise PrmError(f"database {shown} is a folder: give the SQLite file's path")
    try:
        _check_can_make(Path(file), Path(file).parent)
    except PrmError as exc:
        raise PrmError(f"database {exc}: {DATABASE_FIX}") from None


def check_compare_to(folder: str, year: int) -> None:
    """The `--compare-to` folder is a bundle of `year` that matches its manifest.json: a
    bundle of another year would list every agreement as added, a damaged one is no basis."""
    if not (Path(folder) / "metrics.json").is_file():
        raise PrmError(f"{folder}: not a report bundle folder (no metrics.json)")
    from tasks.report.changes import NotCompared
    from tasks.storage.previous import load_previous

    if isinstance(found := load_previous(folder, None, year), NotCompared):
        raise PrmError(f"--compare-to {folder}: {found.reason}")


def check_database(engine: "Engine") -> None:
    """The database answers a trivial query (a server that is down fails within a second)."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    url = engine.url
    shown = url.render_as_string(hide_password=True)
    fix = DATABASE_FIX
    if url.get_backend_name() == "postgresql" and url.host and not url.host.startswith("/"):
        try:
            socket.create_connection((url.host, url.port or 5432), PROBE_SECONDS).close()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise PrmError(f"database {shown} does not answer ({reason}): {fix}") from None
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = " ".join(str(getattr(exc, "orig", exc)).split())[:200]
        raise PrmError(f"database {shown} refused the connection ({reason}): {fix}") from None


def check_not_empty(metrics: "Metrics", allow_empty: bool) -> None:
    """A report of a year with no signed agreement is refused (it would be all zeros), unless
    asked for: nothing is then written or published and `latest.json` stays where it was."""
    if metrics.agreements.signed == 0 and not allow_empty:
        raise PrmError(
            f"no agreement signed in {metrics.year} in the database: the report would be empty, "
            "so none was written or published (--allow-empty / allow_empty writes it anyway)"
        )
