"""What a large batch does differently when it is loaded, on SQLite and on PostgreSQL.

A table getting at least `BULK_MIN_ROWS` rows in one ingestion, twice as many as it holds
before (`tasks.ingest.load._rows_held`: mostly new rows; a re-ingested register keeps the row path):

- has its secondary indexes (not the primary key, which the upsert needs) dropped for the
  load and created again before commit, from the DDL the database itself holds: one sort
  instead of a million random index insertions;
- has its foreign keys checked once for the whole batch instead of one parent lookup per row
  (PostgreSQL: `load_postgres.foreign_keys_checked_once`; SQLite: enforcement off for the
  load's transaction and `sqlite_check_foreign_keys` before commit);
- gets its rows in primary-key order (every load does), so the key index is walked forward.

All of it happens inside the load's one transaction: a failure rolls the DROPs back with the
rows, and a dangling reference fails the load like a row-by-row check would. Measured on a
million contributions, same rows, fresh database: SQLite 8.8 s -> 4.5 s, PostgreSQL 9.4 s ->
4.6 s (with `load_postgres.merge`'s plain INSERT into tables empty before the load).
"""

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, select, text
from sqlalchemy.exc import IntegrityError

import tasks.frames  # noqa: F401  (pandas' string storage, before any frame)

# A table loaded with at least this many rows takes the bulk path; smaller loads keep the
# indexes and the row-by-row foreign-key checks (cheaper than rebuilding a large table's).
BULK_MIN_ROWS = 100_000
# SQLite page cache while loading (KiB, as PRAGMA cache_size takes it): the indexes of a
# million-row table stay in memory; the connection gets SQLite's default back afterwards.
SQLITE_LOAD_CACHE_KIB, SQLITE_DEFAULT_CACHE_KIB = -262_144, -2_000

_SECONDARY_INDEXES = {
    "sqlite": text(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :table "
        "AND sql IS NOT NULL ORDER BY name"  # automatic (key) indexes have no SQL
    ),
    "postgresql": text(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = CAST(:table AS regclass) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
        "ORDER BY c.relname"  # indexes behind a primary key or unique constraint stay
    ),
}


def secondary_indexes(connection: Connection, table: str) -> dict[str, str]:
    """The indexes of `table` that back no key: name -> CREATE INDEX statement, as the
    database holds it."""
    name = table
    if connection.dialect.name == "postgresql":
        name = connection.dialect.identifier_preparer.quote(table)
    query = _SECONDARY_INDEXES[connection.dialect.name]
    return dict(connection.execute(query, {"table": name}).tuples().all())


@contextmanager
def indexes_rebuilt(connection: Connection, tables: list[str]) -> Iterator[None]:
    """Drop the secondary indexes of `tables` for the body, then create the same ones again.

    Not in a finally: after an error the transaction rolls back, which restores them.
    """
    quote = connection.dialect.identifier_preparer.quote
    dropped = {}
    for table in tables:
        dropped |= secondary_indexes(connection, table)
    for name in dropped:
        connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
    yield
    for definition in dropped.values():
        connection.exec_driver_sql(definition)


@contextmanager
def sqlite_loading(connection: Connection, bulk: bool) -> Iterator[None]:
    """SQLite settings for the body (a load): a page cache that holds a million-row table's
    indexes; when `bulk`, foreign-key enforcement off (checked once by
    `sqlite_check_foreign_keys` instead). Both go back to the defaults after the body.

    The foreign-key pragma only takes effect outside a transaction, so this wraps the load's
    `begin()`; a connection on which enforcement could not be switched back on is
    invalidated, so the pool never hands it out again.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    if driver.in_transaction:
        raise RuntimeError("SQLite load settings cannot change inside a transaction")
    driver.execute(f"PRAGMA cache_size={SQLITE_LOAD_CACHE_KIB}")
    if bulk:
        driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA cache_size={SQLITE_DEFAULT_CACHE_KIB}")
        driver.execute("PRAGMA foreign_keys=ON")
        if driver.execute("PRAGMA foreign_keys").fetchone()[0] != 1:
            connection.invalidate()


def sqlite_check_foreign_keys(connection: Connection, tables: list[Table]) -> None:
    """SQLite: every row of `tables` references an existing parent, else IntegrityError
    (naming a dangling row) and the load rolls back.

    The foreign keys are the ones the database declares (`PRAGMA foreign_key_list`), checked
    as SQLite enforces them (a row whose referencing columns are all set needs a parent row
    with those values), one anti-join per key over the distinct referencing values: 0.13 s
    for a million contributions, where `PRAGMA foreign_key_check` takes 0.5 s.
    """
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        listed = connection.exec_driver_sql(f"PRAGMA foreign_key_list({quote(table.name)})")
        keys: dict[int, list] = {}
        for fk_id, _seq, parent, child_column, parent_column, *_ in listed:
            keys.setdefault(fk_id, []).append((parent, child_column, parent_column))
        for pairs in keys.values():
            parent = pairs[0][0]
            columns = ", ".join(quote(child) for _, child, _ in pairs)
            matched = " AND ".join(f"p.{quote(up)} = c.{quote(child)}" for _, child, up in pairs)
            set_ = " AND ".join(f"{quote(child)} IS NOT NULL" for _, child, _ in pairs)
            check = (
                f"SELECT {columns} FROM (SELECT DISTINCT {columns} FROM {quote(table.name)} "
                f"WHERE {set_}) AS c WHERE NOT EXISTS "
                f"(SELECT 1 FROM {quote(parent)} AS p WHERE {matched}) LIMIT 1"
            )
            dangling = connection.exec_driver_sql(check).first()
            if dangling is not None:
                raise IntegrityError(check, None, _dangling(connection, table, pairs, dangling))


def _dangling(connection: Connection, table: Table, pairs: list, values: tuple) -> Exception:
    """The error naming one row of `table` whose reference `values` has no parent."""
    key = next(iter(table.primary_key.columns))
    references = [(child, value) for (_, child, _), value in zip(pairs, values, strict=True)]
    where = [table.c[child] == value for child, value in references]
    row_key = connection.scalar(select(key).where(*where).limit(1))
    reference = ", ".join(f"{child}={value!r}" for child, value in references)
    return _SqliteIntegrityError(
        f"{table.name} row {key.name}={row_key!r} violates foreign key constraint: "
        f"{reference} is not present in table {pairs[0][0]!r}"
    )


class _SqliteIntegrityError(Exception):
    """The driver-level error of a failed foreign-key check (SQLAlchemy wraps it)."""


def in_key_order(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The rows ordered by their key (as they are when the export already is)."""
    key = rows[keys[0]]
    if len(keys) > 1 or key.is_monotonic_increasing:
        return rows
    # factorize + integer argsort is ~5x faster than sort_values on a million strings
    codes, _ = pd.factorize(key.to_numpy(dtype=object), sort=True)
    return rows.take(np.argsort(codes, kind="stable"))
