"""The schema comes from Alembic and works on SQLite and PostgreSQL."""

from sqlalchemy import inspect

from models.db import current_revision, get_engine, upgrade


def test_upgrade_creates_every_table_and_is_idempotent(db_url):
    upgrade(db_url)  # a second upgrade changes nothing
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert {
        "partner",
        "agreement",
        "contribution",
        "exchange_rate",
        "ingestion",
        "rejection",
    } <= tables
    assert current_revision(db_url) == "0001"
