"""The schema comes from Alembic and works on SQLite and PostgreSQL."""

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
