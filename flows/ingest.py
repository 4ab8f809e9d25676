"""The `ingest` flow: read a source, validate every row against the database, load.

Reads like DEVELOPERS.md step 1: each task is one step of `tasks.pipeline`, run with retries
where it reads over I/O, and logged. Nothing is cached: ingestion must always see the
database as it is now. The caller (a `prm` command, `monthly-report`, `backfill`) has brought
the schema up to date.
"""

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine

from flows.retrying import IO_RETRIES
from tasks import pipeline
from tasks.config import build_resources, get_settings
from tasks.ingest.load import IngestResult
from tasks.ingest.read import RawRecords
from tasks.ingest.sources import open_source
from tasks.ingest.validate import Validated
from tasks.storage.client import ObjectStore


def log_progress(stage: str, done: int, total: int, detail: str = "") -> None:
    """Progress of a step as a line of the run's log."""
    of = f" of {total}" if total else ""
    get_run_logger().info("%s: %d%s %s", stage, done, of, detail)


@task(name="read-source", cache_policy=NO_CACHE, **IO_RETRIES)
def read_records(source: str, store: ObjectStore) -> RawRecords:
    """Read every matching CSV file and workbook sheet of the source."""
    raw = pipeline.read(open_source(source, store), log_progress)
    rows = ", ".join(f"{entity} {len(frame)}" for entity, frame in raw.tables.items())
    get_run_logger().info("read %d file(s) from %s: %s rows", len(raw.files), source, rows)
    return raw


@task(name="validate-rows", cache_policy=NO_CACHE)
def validate_records(raw: RawRecords, engine: Engine) -> Validated:
    """Split rows into loadable and rejected, resolving references against the database."""
    return pipeline.validate_rows(raw, engine, log_progress)


@task(name="load-rows", cache_policy=NO_CACHE)
def load_records(validated: Validated, engine: Engine) -> IngestResult:
    """Upsert the valid rows and record the ingestion and its rejections."""
    result = pipeline.load_rows(validated, engine)
    get_run_logger().info(
        "ingestion %d: loaded %s; rejected %s", result.ingestion_id, result.loaded, result.rejected
    )
    return result


@flow(name="ingest", log_prints=True)
def ingest(
    source: str = "data/sample", db_url: str | None = None, endpoint_url: str = ""
) -> IngestResult:
    """Ingest a folder or S3 prefix of partner-register exports into prm's tables.

    Args:
        source: Folder or s3://bucket/prefix/ holding the partner-register exports.
        db_url: SQLAlchemy URL of prm's database; empty = PRM_DATABASE_URL, else SQLite.
        endpoint_url: S3 endpoint of an s3:// source; empty = PRM_S3_ENDPOINT_URL, else AWS.
    """
    resources = build_resources(get_settings(database_url=db_url, s3_endpoint_url=endpoint_url))
    raw = read_records(source, resources.store)
    validated = validate_records(raw, resources.engine)
    return load_records(validated, resources.engine)
