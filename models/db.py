"""Database setup: engines for SQLite and PostgreSQL, and schema upgrades through Alembic."""

import hashlib
import sqlite3
import time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    create_engine,
    event,
    inspect,
    select,
)
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration's revision (models/migrations/versions/). A new migration changes it:
# tests/models/test_db.py fails until it equals Alembic's head.
HEAD = "0003"
# How long a connection retries switching a new SQLite file to WAL (see _wal_mode).
WAL_SWITCH_SECONDS = 10.0
# Alembic's own record of the revision, declared as Alembic creates it (same name, type and
# primary key name), so a database created by `upgrade`'s fast path is one Alembic continues.
ALEMBIC_VERSION = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


@lru_cache(maxsize=16)
def get_engine(url: str) -> Engine:
    """One engine per URL. SQLite files get their folder created and foreign keys enforced."""
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:":
            Path(sa_url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if sa_url.get_backend_name() == "postgresql" and sa_url.drivername == "postgresql":
        sa_url = sa_url.set(drivername="postgresql+psycopg")
    return create_engine(sa_url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    _wal_mode(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _wal_mode(cursor) -> None:
    """The database file in WAL mode (kept in the file once set; an in-memory database
    keeps its own mode).

    Switching a new file needs an exclusive lock, for which SQLite does not wait (no busy
    handler): when another process reads the file at that moment, the switch fails at once
    with "database is locked". Two workers starting together on a new database met it (6
    processes in 80 here), so the switch is retried for a while.
    """
    deadline = time.monotonic() + WAL_SWITCH_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


def checkpoint(engine: Engine) -> None:
    """SQLite: move what the write-ahead log holds into the database file itself.

    In WAL mode a commit lands in `prm.db-wal`; SQLite copies it into `prm.db` only at a
    checkpoint (or when the last connection closes cleanly). After a write, prm checkpoints
    at once, so a process that ends abruptly (killed, `os._exit` in a flow-run child) leaves
    nothing behind in the log, and `prm.db` alone holds every committed ingestion.
    Nothing to do on PostgreSQL.
    """
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def alembic_config(engine: Engine) -> "Config":
    """An Alembic config for `engine`, with the migrations shipped inside the package."""
    from alembic.config import Config  # Alembic loads only when the schema is touched

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema of the database up to `revision` (idempotent).

    Called once by each entry point (a `prm` command, a deployed flow) before any stage.
    Up to the head, Alembic is not loaded (0.1-0.2 s of a `prm run` of a few seconds) when
    the database is already there, or empty: then the models' tables are created as they are
    declared and the head revision is recorded, Alembic's "create_all, then stamp"
    (tests/models/test_db.py proves that schema equal to the migrated one on both
    databases). Any other database goes through the migrations.
    """
    if revision in ("head", HEAD) and _at_head_or_created(engine):
        checkpoint(engine)
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
    checkpoint(engine)


def _at_head_or_created(engine: Engine) -> bool:
    """True when the database is at HEAD, or was empty and now is (created in one
    transaction that holds the database's write lock, so two processes upgrading an empty
    database at once create it once); False when it needs Alembic."""
    with engine.connect() as connection:
        if _stored_revisions(connection) == [HEAD]:
            return True
    with engine.begin() as connection:
        _lock_schema(connection)
        if inspect(connection).get_table_names():  # not empty, maybe created meanwhile
            return _stored_revisions(connection) == [HEAD]
        from sqlmodel import SQLModel

        import models.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

        SQLModel.metadata.create_all(connection, checkfirst=False)
        ALEMBIC_VERSION.create(connection)
        connection.execute(ALEMBIC_VERSION.insert().values(version_num=HEAD))
    return True


def _stored_revisions(connection: Connection) -> list[str] | None:
    """The revisions in alembic_version, or None when the database has no such table."""
    if not inspect(connection).has_table(ALEMBIC_VERSION.name):
        return None
    return list(connection.scalars(select(ALEMBIC_VERSION.c.version_num)))


def _lock_schema(connection: Connection) -> None:
    """Serialise schema creation between processes for the rest of the transaction:
    SQLite's write lock taken at once (DDL would not start a transaction by itself), a
    transaction-scoped advisory lock on PostgreSQL (whose DDL is transactional)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext('prm schema'))")


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def database_label(engine: Engine) -> str:
    """A short name of the database for file names: `sqlite-1a2b3c4d` (backend and a digest
    of its URL without password), the same for every connection to the same database."""
    url = engine.url.render_as_string(hide_password=True)
    return f"{engine.dialect.name}-{hashlib.sha256(url.encode()).hexdigest()[:8]}"
