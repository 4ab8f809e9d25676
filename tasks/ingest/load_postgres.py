"""PostgreSQL side of loading: COPY, merges, statistics, VACUUM, and foreign keys checked
once per large batch instead of row by row.

The rows are COPied (text format, built a column at a time) into a temporary staging table
and upserted by one INSERT ... SELECT ... ON CONFLICT DO UPDATE per part, or COPied straight
into a table that was empty before the load; `tasks.ingest.load` wires these steps inside the
ingestion's one transaction (the VACUUM comes after its commit).
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
from sqlalchemy import Column, Connection, Engine, MetaData, Numeric, Table, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError

from tasks.ingest import decimals
from tasks.ingest.upsert import changed_rows_replaced

log = logging.getLogger(__name__)

# Tables that got at least this many rows are analysed before commit.
ANALYZE_MIN_ROWS = 10_000
# Rows per COPY + merge: the next parts' COPY text is built while the server merges one;
# at most PARTS_AHEAD parts are built and waiting (each ~40 MB of text at 250 000 rows).
MERGE_PART_ROWS = 250_000
PARTS_AHEAD = 2
# COPY text format: NULL, characters to escape, rows per write
COPY_NULL = "\\N"
_COPY_SPECIAL = "\\\t\n\r"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_CHUNK_ROWS = 50_000
_FOREIGN_KEYS = text(
    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE contype = 'f' AND conrelid = CAST(:table AS regclass) ORDER BY conname"
)


def foreign_keys(connection: Connection, table: str) -> dict[str, str]:
    """The foreign keys declared on `table`: constraint name -> definition, as the database
    writes it (`FOREIGN KEY (x) REFERENCES t(y)`, with any ON DELETE / DEFERRABLE clause)."""
    quoted = connection.dialect.identifier_preparer.quote(table)
    return dict(connection.execute(_FOREIGN_KEYS, {"table": quoted}).tuples().all())


@contextmanager
def foreign_keys_checked_once(connection: Connection, tables: list[str]) -> Iterator[None]:
    """Drop the foreign keys of `tables` for the body, then add the same constraints back.

    The database checks a foreign key per inserted row, one parent lookup and row lock each
    (about half of a million-row contribution upsert); adding the constraint back validates
    every row in one pass with a join. Both happen inside the load's transaction: the
    constraints exist before and after it, a dangling reference makes ADD CONSTRAINT fail
    and the whole load roll back (the DROP with it). ALTER TABLE holds an ACCESS EXCLUSIVE
    lock on the tables until commit, so readers of them wait for the load: fine for a batch
    pipeline, which is why only large batches take this path.
    """
    prepare = connection.dialect.identifier_preparer
    dropped = {table: foreign_keys(connection, table) for table in tables}
    for table, constraints in dropped.items():
        for name in constraints:
            connection.exec_driver_sql(
                f"ALTER TABLE {prepare.quote(table)} DROP CONSTRAINT {prepare.quote(name)}"
            )
    yield
    # not in a finally: after an error the transaction rolls back, restoring them
    for table, constraints in dropped.items():
        for name, definition in constraints.items():
            add = f"ADD CONSTRAINT {prepare.quote(name)} {definition}"
            connection.exec_driver_sql(f"ALTER TABLE {prepare.quote(table)} {add}")


def refresh_statistics(connection: Connection, tables: list[str]) -> None:
    """ANALYZE the tables this ingestion wrote many rows to.

    Autovacuum analyses a table only some time after a big load; until then the planner knows
    nothing of the new rows and the report's joins get slow plans (trend query 2x slower).
    """
    for table in tables:
        connection.exec_driver_sql(f"ANALYZE {connection.dialect.identifier_preparer.quote(table)}")


def mark_visible(engine: Engine, tables: list[str]) -> None:
    """VACUUM the tables a load wrote many rows to, after its commit.

    Until a table's pages are marked all-visible, index-only scans (the report's sums over
    ix_contribution_agreement_money) still visit the table rows: the report over a fresh
    million-row load takes 3.7 s instead of 2.2 s, and after a re-ingest that changed 1 % of
    the rows (spread over nearly every page) 3.9 s instead of 1.7 s. Autovacuum would get
    there minutes later. The VACUUM takes 0.1 s after a first load, ~0.4 s after such a
    re-ingest. A failure is logged, not raised: the load has committed and is complete.
    """
    quote = engine.dialect.identifier_preparer.quote
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in tables:
                connection.exec_driver_sql(f"VACUUM {quote(table)}")
    except DBAPIError as exc:
        log.warning("VACUUM after the load failed (autovacuum will do it): %s", exc)


def stage(connection: Connection, table: Table, lines: list[str]) -> None:
    """COPY the lines (COPY text format) into a temporary staging table for `table`."""
    stage_name = f"prm_stage_{table.name}"
    connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{stage_name}"')
    connection.exec_driver_sql(
        f'CREATE TEMPORARY TABLE "{stage_name}" (LIKE "{table.name}" INCLUDING DEFAULTS) '
        "ON COMMIT DROP"
    )
    copy_into(connection, stage_name, lines)


def copy_into(connection: Connection, table: str, lines: list[str]) -> None:
    """COPY the lines (the column list, then rows in COPY text format) into `table`.

    The driver's errors come out as SQLAlchemy's (a foreign-key violation of a COPY
    straight into a table is an `IntegrityError`, as on every other path)."""
    import psycopg  # the driver of this connection: loaded already

    cursor = connection.connection.driver_connection.cursor()
    statement = f'COPY "{table}" ({lines[0]}) FROM STDIN'
    try:
        with cursor.copy(statement) as copy:
            for start in range(1, len(lines), COPY_CHUNK_ROWS):
                copy.write("\n".join(lines[start : start + COPY_CHUNK_ROWS]) + "\n")
    except psycopg.Error as exc:
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from exc
    finally:
        cursor.close()


def write_part(
    connection: Connection,
    table: Table,
    lines: list[str],
    *,
    columns: list[str],
    keys: list[str],
    new_keys: bool,
) -> None:
    """Upsert one part into `table`: `lines` from `copy_lines` of its `columns`.

    With `new_keys` (none of the part's keys can be in the table yet: it was empty before
    this load, whose keys are unique) the rows are COPied straight into the table: no
    staging copy, no speculative insertion per row (a million contributions: 1.7 s of
    server time -> 0.9 s). A key that is there after all fails the load (unique violation)
    rather than being overwritten. Otherwise: staging table, then `merge`.
    """
    if new_keys:
        copy_into(connection, table.name, lines)
        return
    stage(connection, table, lines)
    merge(connection, table, keys, columns)


def merge(connection: Connection, table: Table, keys: list[str], columns: list[str]) -> None:
    """Upsert the staged rows into `table`: one INSERT ... SELECT ... ON CONFLICT DO UPDATE
    of the rows that changed (`tasks.ingest.upsert`)."""
    staged = Table(
        f"prm_stage_{table.name}", MetaData(), *(Column(c.name, c.type) for c in table.columns)
    )
    source = select(*(staged.c[c] for c in columns))
    statement = postgresql.insert(table).from_select(columns, source)
    connection.execute(changed_rows_replaced(statement, table, keys))


def copy_lines(rows: pd.DataFrame, table: Table) -> list[str]:
    """The column list, then one line per row in COPY's text format (tab separated, \\N =
    NULL, backslash escapes) of `rows` for `table`: dates as ISO text, Decimal as written."""
    columns = [_copy_column(rows[name], table.c[name]) for name in rows.columns]
    header = ", ".join(f'"{name}"' for name in rows.columns)
    return [header, *map("\t".join, zip(*columns, strict=True))]


def _copy_column(values: pd.Series, column: Column) -> list[str]:
    """One column's cells as COPY text: dates as ISO text, Decimal as written, NULL as \\N.

    Dates, integers and Decimals never hold a character COPY must escape; a NOT NULL column
    has no missing cell to look for (validation let none through; one would fail the COPY).
    """
    missing = values.isna().to_numpy() if column.nullable else None
    if pd.api.types.is_datetime64_any_dtype(values):
        # few distinct days: format each once
        codes, days = pd.factorize(values.to_numpy(dtype="datetime64[D]"))
        text = _per_code(codes, [str(day)[:10] for day in days])
    elif pd.api.types.is_integer_dtype(values):
        # ids, counts: few distinct values (one ingestion id), format each once
        codes, distinct = pd.factorize(values)
        text = _per_code(codes, [str(value) for value in distinct])
    elif decimals.is_decimal_column(values):  # validated money, at the column's scale
        text = decimals.texts(values)
    elif isinstance(column.type, Numeric):  # Decimal as written: nothing to escape
        text = values.to_numpy(dtype=object, na_value=COPY_NULL)
        text = np.array(list(map(str, text)), dtype=object)
    else:  # text (and anything else, as str), escaped where COPY needs it
        text = values.to_numpy(dtype=object, na_value=COPY_NULL)
        if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
            text = np.array(list(map(str, text)), dtype=object)
        if any(char in "".join(_present(text, missing)) for char in _COPY_SPECIAL):
            text = np.array([cell.translate(_COPY_ESCAPES) for cell in text], dtype=object)
    if missing is not None and missing.any():
        text = text.copy()  # may be a read-only view of the frame's own array
        text[missing] = COPY_NULL
    return text.tolist()


def _per_code(codes: np.ndarray, distinct: list[str]) -> np.ndarray:
    """The text of each row from `pd.factorize`'s codes and the text of each distinct value.

    A missing value has code -1: it indexes the NULL appended last (a column may hold
    nothing else, e.g. the rate dates of a drop whose contributions are all in USD).
    """
    return np.array([*distinct, COPY_NULL], dtype=object)[codes]


def _present(text: np.ndarray, missing: np.ndarray | None) -> np.ndarray:
    return text if missing is None else text[~missing]
