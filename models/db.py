"""Database setup: engines for SQLite and PostgreSQL, and schema upgrades through Alembic."""

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


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
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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
    """
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
    checkpoint(engine)


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
