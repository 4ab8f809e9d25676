"""The `ingest` flow: read a source, validate every row against the database, load.

Reads like DEVELOPERS.md step 1. Tasks get URLs and plain data, never engines or sessions,
and cache nothing: ingestion must always see the database as it is now.
"""

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.retrying import IO_RETRIES
from models.db import upgrade
from tasks.config import get_settings
from tasks.ingest.load import IngestResult, known_keys, load
from tasks.ingest.read import RawRecords, read_source
from tasks.ingest.sources import open_source
from tasks.ingest.validate import Validated, validate


@task(
    name="read-source",
    cache_policy=NO_CACHE,
    **IO_RETRIES,
)
def read_records(source: str) -> RawRecords:
    """Read every matching CSV file and workbook sheet of the source."""
    raw = read_source(open_source(source))
    rows = ", ".join(f"{entity} {len(frame)}" for entity, frame in raw.tables.items())
    get_run_logger().info("read %d file(s) from %s: %s rows", len(raw.files), source, rows)
    return raw


@task(name="validate-rows", cache_policy=NO_CACHE)
def validate_records(raw: RawRecords, db_url: str) -> Validated:
    """Split rows into loadable and rejected, resolving references against the database."""
    validated = validate(raw, known_keys(db_url))
    rejected = sum(len(frame) for frame in validated.rejected.values())
    get_run_logger().info("validated: %d row(s) rejected", rejected)
    return validated


@task(name="load-rows", cache_policy=NO_CACHE)
def load_records(validated: Validated, db_url: str) -> IngestResult:
    """Upsert the valid rows and record the ingestion and its rejections."""
    result = load(validated, db_url)
    get_run_logger().info(
        "ingestion %d: loaded %s; rejected %s", result.ingestion_id, result.loaded, result.rejected
    )
    return result


@flow(name="ingest", log_prints=True)
def ingest(source: str = "data/sample", db_url: str | None = None) -> IngestResult:
    """Ingest a folder or S3 prefix of partner-register exports into prm's tables."""
    url = db_url or get_settings().db_url()
    upgrade(url)
    raw = read_records(source)
    validated = validate_records(raw, url)
    return load_records(validated, url)
