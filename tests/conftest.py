"""Shared fixtures: a database URL on SQLite and on PostgreSQL for every database test.

PostgreSQL runs on this machine (127.0.0.1:5432, trust auth). Each test session creates its
own database and drops it at the end; each test gets an empty, migrated schema.
"""

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import text

from models.db import get_engine, upgrade

PG_ADMIN_DSN = os.environ.get("PRM_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of this test session's own, dropped at the end."""
    name = f"prm_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    get_engine.cache_clear()
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _reset_postgres(url: str) -> None:
    with get_engine(url).begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """An empty database with prm's schema, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'prm.db'}"
    else:
        url = request.getfixturevalue("pg_database")
        _reset_postgres(url)
    upgrade(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """An empty SQLite database with prm's schema (for tests that need one backend only)."""
    url = f"sqlite:///{tmp_path / 'prm.db'}"
    upgrade(url)
    return url
