"""Load validated rows into the database: upserts by key, the ingestion log and rejections.

Everything of one ingestion happens in one transaction, so a failure leaves the database
exactly as it was. Inserts are bulk statements with the dialect's own upsert
(`INSERT ... ON CONFLICT (key) DO UPDATE` of the rows that changed, `tasks.ingest.upsert`), never
one ORM object per row: on PostgreSQL the rows are COPied into a temporary staging table and
upserted by one INSERT ... SELECT (or COPied straight into a table that was empty), the next
part's COPY text being built while the server merges (`tasks.ingest.load_postgres`); on SQLite one
prepared statement runs over plain tuples (the driver's executemany). Values are stored
exactly as SQLAlchemy would bind them (on SQLite: dates as ISO text, Numeric as float);
foreign keys stay declared and checked by the database on both backends (a large batch's
once for the whole batch, its secondary indexes built once after the rows:
`tasks.ingest.load_bulk`).
"""

import sqlite3
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Insert,
    Numeric,
    Select,
    String,
    Table,
    bindparam,
    cast,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import DBAPIError

from models.codes import ENTITIES
from models.contract import KEYS, LOAD_ORDER, REJECTION_COLUMNS, TABLES
from models.db import checkpoint
from models.tables import Agreement, ExchangeRate, Ingestion, Partner, Rejection
from tasks.frames import rows_frame
from tasks.ingest import decimals
from tasks.ingest import load_bulk as bulk
from tasks.ingest import load_postgres as pg
from tasks.ingest.upsert import changed_rows_replaced
from tasks.ingest.validate import Known, Validated


@dataclass
class IngestResult:
    """What one ingestion did: its log id, and read/loaded/rejected per entity."""

    ingestion_id: int
    source: str
    fingerprint: str
    read: dict[str, int]
    loaded: dict[str, int]
    rejected: dict[str, int]
    rejections: pd.DataFrame

    def reasons(self) -> dict[str, int]:
        """Rejected rows per reason code."""
        return self.rejections["reason"].value_counts().to_dict()


def known_keys(engine: Engine) -> Known:
    """The partners, agreements and exchange rates the database already holds.

    Read through the driver's cursor (plain tuples, dates as ISO text) and parsed a column at
    a time: for a million-contribution register, 1.7 s -> 0.7 s.
    """
    signed_on = cast(Agreement.signed_on, String)
    valid_from = cast(ExchangeRate.valid_from, String)
    with engine.connect() as connection:
        partner_ids = set(connection.scalars(select(Partner.partner_id)))
        agreements = _fetch_frame(
            connection, select(Agreement.agreement_id, signed_on), ["agreement_id", "signed_on"]
        )
        rates = _fetch_frame(
            connection,
            select(ExchangeRate.currency, valid_from, ExchangeRate.units_per_usd),
            ["currency", "valid_from", "units_per_usd"],
        )
    agreements["signed_on"] = _iso_dates(agreements["signed_on"])
    rates["valid_from"] = _iso_dates(rates["valid_from"])
    return Known(partner_ids, agreements, rates)


def _fetch_frame(connection: Connection, query: Select, columns: list[str]) -> pd.DataFrame:
    """`query` (no parameters) run by the driver's own cursor (plain tuples: iterating
    SQLAlchemy Rows costs more than the query), as a frame with `columns`; values go through
    their SQL type's result processing, as SQLAlchemy's rows would."""
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(str(query.compile(dialect=connection.dialect)))
        frame = rows_frame(cursor.fetchall(), columns)
    finally:
        cursor.close()
    for column, selected in zip(columns, query.selected_columns, strict=True):
        process = selected.type.result_processor(connection.dialect, None)
        if process is not None:
            frame[column] = pd.Series([process(v) for v in frame[column]], dtype=object)
    return frame


def _iso_dates(text: pd.Series) -> pd.Series:
    """ISO date text as datetime64, in seconds (as `to_datetime` of the stored dates gave)."""
    return pd.to_datetime(text, format="%Y-%m-%d").astype("datetime64[s]")


def load(
    validated: Validated, engine: Engine, *, bulk_min_rows: int = bulk.BULK_MIN_ROWS
) -> IngestResult:
    """Upsert every valid row, record the ingestion and its rejections, in one transaction.

    Tables getting at least `bulk_min_rows` rows, twice what they hold, take the bulk path
    (`tasks.ingest.load_bulk`): secondary indexes built once after the rows are in, foreign keys
    checked once for the whole batch.
    """
    started_at = datetime.now(UTC)
    rejections = pd.concat([validated.rejected[e] for e in ENTITIES], ignore_index=True).reindex(
        columns=REJECTION_COLUMNS
    )
    loaded = {entity: len(validated.rows[entity]) for entity in ENTITIES}
    rejected = {entity: len(validated.rejected[entity]) for entity in ENTITIES}
    held = _rows_held(engine, loaded)
    # bulk path: mostly new rows, and many (a re-ingested register keeps the row path)
    large = [
        TABLES[e].__table__
        for e in LOAD_ORDER
        if loaded[e] >= bulk_min_rows and 2 * held[e] <= loaded[e]
    ]
    analysed = _tables_with(loaded, pg.ANALYZE_MIN_ROWS)
    with engine.connect() as connection:
        postgresql = connection.dialect.name == "postgresql"
        with (
            bulk.sqlite_loading(connection, bulk=bool(large)),
            connection.begin(),
        ):
            ingestion_id = connection.execute(
                insert(Ingestion.__table__).values(
                    source=validated.source,
                    fingerprint=validated.fingerprint,
                    started_at=started_at,
                )
            ).inserted_primary_key[0]
            with bulk.indexes_rebuilt(connection, [table.name for table in large]):
                if postgresql:
                    new_keys = {e: held[e] == 0 for e in LOAD_ORDER}
                    _load_postgres(connection, validated.rows, ingestion_id, large, new_keys)
                else:
                    for entity in LOAD_ORDER:
                        _upsert_sqlite(connection, entity, validated.rows[entity], ingestion_id)
            _insert_rejections(connection, rejections, ingestion_id)
            if postgresql:
                pg.refresh_statistics(connection, [table.name for table in analysed])
            elif large:  # the rejections' references too: they were not checked either
                bulk.sqlite_check_foreign_keys(connection, [*large, Rejection.__table__])
            counts = {
                f"{e}_{what}": n[e] for what, n in _counts(validated, loaded, rejected) for e in n
            }
            connection.execute(
                update(Ingestion.__table__)
                .where(Ingestion.__table__.c.id == ingestion_id)
                .values(finished_at=datetime.now(UTC), **counts)
            )
    if postgresql:
        pg.mark_visible(engine, [table.name for table in analysed])
    else:
        checkpoint(engine)  # committed rows in prm.db itself, not only in its -wal log
    return IngestResult(
        ingestion_id,
        validated.source,
        validated.fingerprint,
        dict(validated.read),
        loaded,
        rejected,
        rejections,
    )


def _rows_held(engine: Engine, rows: dict[str, int]) -> dict[str, int]:
    """Rows each entity's table holds before the load, counted up to one more than half the
    rows this load brings: all that decides its path. Tables getting at least twice what
    they hold take the bulk path (with enough rows); a re-ingested register, mostly there
    and unchanged (`tasks.ingest.upsert` writes only changed rows), keeps its indexes and foreign
    keys, cheaper than rebuilding them (1 M unchanged contributions, PostgreSQL: 5.6 s ->
    4.1 s). A table holding none gets its rows COPied straight in on PostgreSQL."""
    with engine.connect() as connection:
        return {
            entity: connection.scalar(
                select(func.count()).select_from(
                    select(literal(1))
                    .select_from(TABLES[entity])
                    .limit(rows[entity] // 2 + 1)
                    .subquery()
                )
            )
            for entity in LOAD_ORDER
        }


def _tables_with(rows: dict[str, int], at_least: int) -> list[Table]:
    """The tables of the entities with at least `at_least` rows, in load order."""
    return [TABLES[e].__table__ for e in LOAD_ORDER if rows[e] >= at_least]


def _counts(validated: Validated, loaded: dict, rejected: dict) -> list[tuple[str, dict]]:
    return [("read", validated.read), ("loaded", loaded), ("rejected", rejected)]


def _prepared(entity: str, rows: pd.DataFrame, ingestion_id: int) -> pd.DataFrame:
    """The rows as stored: with the ingestion id, in key order."""
    return bulk.in_key_order(rows, KEYS[entity]).assign(ingestion_id=ingestion_id)


def _load_postgres(
    connection: Connection,
    tables: dict[str, pd.DataFrame],
    ingestion_id: int,
    large: list[Table],
    new_keys: dict[str, bool],
) -> None:
    """Every entity through COPY + merge, in parts of `pg.MERGE_PART_ROWS` rows, in load order.

    The COPY text of the coming parts is built (in Python) while a worker thread writes the
    previous ones in order (`pg.write_part`: COPY into a table empty before the load, as
    `new_keys` says per entity, else
    staging + merge; the connection is used by that one thread meanwhile, and psycopg waits
    for the server without holding the GIL); at most `pg.PARTS_AHEAD` parts wait, which
    bounds memory. The `large` tables have their foreign keys checked once, after
    every merge. Keys are unique within a load (validation rejects repeats), so merging in
    parts stores what one merge would."""
    pending: deque[Future] = deque()
    with (
        pg.foreign_keys_checked_once(connection, [table.name for table in large]),
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="prm-merge") as merger,
    ):
        try:
            for entity, table, part in _parts(tables, ingestion_id):
                lines = pg.copy_lines(part, table)
                while len(pending) >= pg.PARTS_AHEAD:
                    pending.popleft().result()
                pending.append(
                    merger.submit(
                        pg.write_part,
                        connection,
                        table,
                        lines,
                        keys=KEYS[entity],
                        columns=list(part.columns),
                        new_keys=new_keys[entity],
                    )
                )
            while pending:
                pending.popleft().result()
        except BaseException:
            for waiting in pending:  # the transaction is lost: run nothing more on it
                waiting.cancel()
            raise


def _parts(tables: dict[str, pd.DataFrame], ingestion_id: int):
    """(entity, table, rows) of every part to load, in load order."""
    for entity in LOAD_ORDER:
        rows = _prepared(entity, tables[entity], ingestion_id)
        for start in range(0, len(rows), pg.MERGE_PART_ROWS):
            yield entity, TABLES[entity].__table__, rows.iloc[start : start + pg.MERGE_PART_ROWS]


def _upsert_sqlite(connection: Connection, entity: str, rows: pd.DataFrame, ingestion_id: int):
    """Insert the entity's rows, replacing those whose key exists: one prepared
    `INSERT ... ON CONFLICT DO UPDATE` for every row."""
    if rows.empty:
        return
    table: Table = TABLES[entity].__table__
    statement = changed_rows_replaced(sqlite.insert(table), table, KEYS[entity])
    _insert_sqlite(connection, statement, _prepared(entity, rows, ingestion_id))


def _insert_sqlite(connection: Connection, statement: Insert, rows: pd.DataFrame) -> None:
    """`statement` (an INSERT into one table) once per row of `rows`, run by the driver's
    executemany over plain tuples of the values SQLAlchemy would bind."""
    table = statement.table
    compiled = statement.values({c: bindparam(c) for c in rows.columns}).compile(
        dialect=connection.dialect
    )
    columns = [_sqlite_values(rows[name], table.c[name]) for name in compiled.positiontup]
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.executemany(str(compiled), zip(*columns, strict=True))
    except sqlite3.Error as exc:  # as SQLAlchemy reports it when it runs the statement
        raise DBAPIError.instance(str(compiled), None, exc, sqlite3.Error) from exc
    finally:
        cursor.close()


def _sqlite_values(values: pd.Series, column: Column) -> list:
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


def _insert_rejections(connection: Connection, rejections: pd.DataFrame, ingestion_id: int) -> None:
    if rejections.empty:
        return
    rejections = rejections.assign(ingestion_id=ingestion_id)
    if connection.dialect.name == "postgresql":
        table = Rejection.__table__
        pg.copy_into(connection, table.name, pg.copy_lines(rejections, table))
    else:
        _insert_sqlite(connection, sqlite.insert(Rejection.__table__), rejections)
