"""The schema comes from Alembic (or, on an empty database, from the models exactly as the
migrations build it) and works on SQLite and PostgreSQL."""

import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from models.db import HEAD, alembic_config, current_revision, get_engine, upgrade

PROJECT = Path(__file__).resolve().parents[2]


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
    assert current_revision(get_engine(db_url)) == HEAD


def migrated(url: str, revision: str = "head") -> str:
    """`url` brought to `revision` by Alembic's migrations, one after the other."""
    command.upgrade(alembic_config(get_engine(url)), revision)
    return url


def test_migrations_build_exactly_the_models_schema(empty_database):
    """Tables, columns and indexes of the migrated database are what models/ declares (a
    model change without its migration fails here; bulk loads rebuild indexes from the
    database's own DDL, so the two must agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import models.tables  # noqa: F401  (registers the tables)

    with get_engine(migrated(empty_database())).connect() as connection:
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


def test_head_is_the_newest_migration():
    """A new migration must move models.db.HEAD, or `upgrade` would skip it."""
    scripts = ScriptDirectory.from_config(alembic_config(get_engine("sqlite://")))
    assert scripts.get_current_head() == HEAD


def schema(url: str) -> dict:
    """Everything the inspector tells of every table (alembic_version included), and on
    SQLite the statements SQLite keeps (they fix each column's affinity, i.e. how a value is
    stored; the bulk load rebuilds indexes from them). Batch migrations leave a rebuilt
    table's name quoted there, which changes nothing."""
    inspector = inspect(get_engine(url))
    tables = {}
    for table in sorted(inspector.get_table_names()):
        columns = [
            (c["name"], str(c["type"]), c["nullable"], c["default"])
            for c in inspector.get_columns(table)
        ]
        tables[table] = {
            "columns": columns,
            "primary key": inspector.get_pk_constraint(table),
            "foreign keys": sorted(map(str, inspector.get_foreign_keys(table))),
            "indexes": sorted(map(str, inspector.get_indexes(table))),
            "unique": sorted(map(str, inspector.get_unique_constraints(table))),
            "checks": sorted(map(str, inspector.get_check_constraints(table))),
        }
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            rows = connection.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
            tables["sqlite_master"] = sorted(
                (kind, name, table, (sql or "").replace(f'TABLE "{name}"', f"TABLE {name}"))
                for kind, name, table, sql in rows
            )
    return tables


def test_an_empty_database_gets_exactly_the_migrated_schema(empty_database, monkeypatch):
    """`upgrade` creates an empty database from the models without Alembic: the same tables,
    columns, keys, indexes and revision as the migrations make, on both databases."""
    by_migrations = schema(migrated(empty_database()))
    calls = spy_on_alembic(monkeypatch)
    url = empty_database()
    upgrade(get_engine(url))
    assert calls == [] and schema(url) == by_migrations
    assert "alembic_version" in by_migrations and current_revision(get_engine(url)) == HEAD


MONEY = ["9999999999999.99", "0.01", "1234567.89", "-5"]
RATES = ["9999999.99999999", "0.00000001", "15812.5"]


def stored_money(url: str) -> list:
    """What SQLite stores and gives back for extreme money and rates (type and value)."""
    with get_engine(url).begin() as connection:
        connection.execute(text("INSERT INTO partner VALUES ('P', 'n', 'GOV', NULL, NULL, NULL)"))
        connection.execute(
            text(
                "INSERT INTO agreement VALUES"
                " ('A', 'P', NULL, '2024-01-01', 'AFR', 'X', 'active', NULL)"
            )
        )
        for number, (amount, rate) in enumerate(zip(MONEY, RATES * 2, strict=False)):
            connection.execute(
                text(
                    "INSERT INTO contribution VALUES (:id, 'A', 'ITU', :amount, 'EUR', :rate,"
                    " NULL, :usd, NULL)"
                ),  # text as a CSV gives it, floats as the SQLite loader passes them
                {"id": f"C{number}", "amount": amount, "rate": rate, "usd": float(amount)},
            )
        query = (
            "SELECT contribution_id, typeof(amount), amount, typeof(units_per_usd), units_per_usd,"
            " typeof(amount_usd), amount_usd FROM contribution ORDER BY contribution_id"
        )
        return [tuple(row) for row in connection.execute(text(query))]


def test_money_is_stored_alike_in_a_created_and_a_migrated_sqlite_database(tmp_path):
    migrated_url = migrated(f"sqlite:///{tmp_path / 'migrated.db'}")
    created_url = f"sqlite:///{tmp_path / 'created.db'}"
    upgrade(get_engine(created_url))
    assert stored_money(created_url) == stored_money(migrated_url)


def spy_on_alembic(monkeypatch) -> list[str]:
    """The revisions Alembic's upgrade command is asked for from now on."""
    calls, real = [], command.upgrade
    monkeypatch.setattr(
        command, "upgrade", lambda config, rev: (calls.append(rev), real(config, rev))
    )
    return calls


def test_a_database_at_head_is_not_migrated_again(db_url, monkeypatch):
    calls = spy_on_alembic(monkeypatch)
    upgrade(get_engine(db_url))
    assert calls == [] and current_revision(get_engine(db_url)) == HEAD


def test_an_older_or_foreign_database_goes_through_the_migrations(empty_database, monkeypatch):
    older = migrated(empty_database(), "0002")
    calls = spy_on_alembic(monkeypatch)
    upgrade(get_engine(older))
    assert calls == ["head"]
    upgraded = schema(older)
    assert upgraded == schema(migrated(empty_database()))
    foreign = empty_database()  # a table of someone else's, no alembic_version
    with get_engine(foreign).begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
    calls.clear()
    upgrade(get_engine(foreign))
    assert calls == ["head"] and current_revision(get_engine(foreign)) == HEAD


UPGRADE_AND_REPORT = """
import sys
import threading
from models.db import get_engine, upgrade
upgrade(get_engine(sys.argv[1]))
print("alembic" in sys.modules)
"""


def test_two_processes_upgrading_one_empty_database_at_once_both_succeed(empty_database):
    """Workers may start together on a new database: the creation is serialised, the
    second finds the schema at head; neither loads Alembic."""
    url = empty_database()
    argv = [sys.executable, "-c", UPGRADE_AND_REPORT, url]
    processes = [
        subprocess.Popen(
            argv, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    results = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], results
    assert [out for out, _ in results] == ["False\n", "False\n"]
    with get_engine(url).connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).all() == [
            (HEAD,)
        ]


def test_a_new_sqlite_file_another_process_holds_still_switches_to_wal(tmp_path):
    """Switching to WAL needs an exclusive lock SQLite does not wait for: another process in
    a transaction on the new file made the switch fail at once ("database is locked"; two
    workers starting on a new database); it is retried."""
    path = tmp_path / "new.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE t (x)")
    other.execute("BEGIN IMMEDIATE")  # as the other worker creating the schema
    other.execute("INSERT INTO t VALUES (1)")
    threading.Timer(0.3, other.execute, ["COMMIT"]).start()  # done 0.3 s on
    with get_engine(f"sqlite:///{path}").connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("SELECT x FROM t").scalar() == 1
    other.close()
