"""The schema comes from Alembic and works on SQLite and PostgreSQL."""

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from models.db import current_revision, get_engine, upgrade


def test_upgrade_creates_every_table_and_is_idempotent(db_url):
    upgrade(get_engine(db_url))  # a second upgrade changes nothing
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert {
        "partner",
        "agreement",
        "contribution",
        "exchange_rate",
        "ingestion",
        "rejection",
    } <= tables
    assert current_revision(get_engine(db_url)) == "0003"


def test_migrations_build_exactly_the_models_schema(db_url):
    """Tables, columns and indexes of the migrated database are what models/ declares (a
    model change without its migration fails here; bulk loads rebuild indexes from the
    database's own DDL, so the two must agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import models.tables  # noqa: F401  (registers the tables)

    with get_engine(db_url).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


INGEST_THEN_VANISH = """
import os, sys
from models.db import get_engine, upgrade
from tasks.ingest.sources import open_source
from tasks.pipeline import ingest_source
engine = get_engine(sys.argv[1])
upgrade(engine)
ingest_source(open_source(sys.argv[2]), engine)
os._exit(0)  # as a killed process or a flow-run child ends: no connection closed
"""


def test_sqlite_file_alone_holds_an_ingestion_after_its_process_ends(tmp_path):
    """prm checkpoints after writing: copying prm.db without prm.db-wal loses nothing."""
    database = tmp_path / "prm.db"
    sample = Path(__file__).resolve().parents[2] / "data" / "sample"
    command = [sys.executable, "-c", INGEST_THEN_VANISH, f"sqlite:///{database}", str(sample)]
    subprocess.run(command, check=True, cwd=Path(__file__).resolve().parents[2], timeout=300)
    copy = tmp_path / "backup" / "prm.db"
    copy.parent.mkdir()
    shutil.copyfile(database, copy)  # the database file only, as a naive backup copies it
    with sqlite3.connect(copy) as connection:
        assert connection.execute("SELECT count(*) FROM contribution").fetchone() == (302,)
