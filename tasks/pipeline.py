"""Ingest a source without orchestration: read, validate against the database, load.

The Prefect flow `flows.ingest` wires these same steps as tasks; tests and the benchmark
call this plain path.
"""

from models.db import upgrade
from tasks.ingest.load import IngestResult, known_keys, load
from tasks.ingest.read import read_source
from tasks.ingest.sources import open_source
from tasks.ingest.validate import validate


def ingest_source(source_uri: str, db_url: str) -> IngestResult:
    """Ingest every matching file of `source_uri` into the database at `db_url`."""
    upgrade(db_url)
    raw = read_source(open_source(source_uri))
    return load(validate(raw, known_keys(db_url)), db_url)
