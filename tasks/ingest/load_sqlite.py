"""SQLite's side of loading: rows into a table by the driver's executemany over plain tuples
of the values SQLAlchemy would bind (dates as ISO text, Numeric as float, None for missing),
without a Python object per row beyond the tuple the driver takes."""

import sqlite3

import numpy as np
import pandas as pd
from sqlalchemy import Column, Connection, Insert, Numeric, Table, bindparam
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError

from tasks.ingest import decimals
from tasks.ingest.upsert import changed_rows_replaced


def upsert(connection: Connection, table: Table, keys: list[str], rows: pd.DataFrame) -> None:
    """Insert the rows into `table`, replacing those whose key exists when a value differs:
    one prepared `INSERT ... ON CONFLICT DO UPDATE` for every row."""
    if rows.empty:
        return
    insert_rows(connection, changed_rows_replaced(sqlite.insert(table), table, keys), rows)


def insert_rows(connection: Connection, statement: Insert, rows: pd.DataFrame) -> None:
    """`statement` (an INSERT into one table) once per row of `rows`, run by the driver's
    executemany over plain tuples of the values SQLAlchemy would bind."""
    table = statement.table
    compiled = statement.values({c: bindparam(c) for c in rows.columns}).compile(
        dialect=connection.dialect
    )
    columns = [driver_values(rows[name], table.c[name]) for name in compiled.positiontup]
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.executemany(str(compiled), zip(*columns, strict=True))
    except sqlite3.Error as exc:  # as SQLAlchemy reports it when it runs the statement
        raise DBAPIError.instance(str(compiled), None, exc, sqlite3.Error) from exc
    finally:
        cursor.close()


def driver_values(values: pd.Series, column: Column) -> list:
    """A column as the driver stores it through SQLAlchemy: dates as ISO text, Numeric as
    float (SQLAlchemy's own conversion for SQLite), missing values as None."""
    if pd.api.types.is_datetime64_any_dtype(values):  # formatted once per distinct date
        codes, days = pd.factorize(values)
        text = np.array([*days.strftime("%Y-%m-%d"), None], dtype=object)
        return text[codes].tolist()  # code -1 (missing) takes the None at the end
    if isinstance(column.type, Numeric):
        if decimals.is_decimal_column(values):  # validated money: from its whole numbers
            return decimals.floats(values)
        cells = values.to_numpy(dtype=object)
        if not column.nullable:  # validation let no missing value through
            return list(map(float, cells))
        return [None if v is None or v != v else float(v) for v in cells]
    if column.nullable and values.hasnans:
        return values.astype(object).where(values.notna(), None).tolist()
    return values.tolist()
