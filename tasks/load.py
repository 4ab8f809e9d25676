"""Load validated rows into the database: upserts by key, the ingestion log and rejections.

Everything of one ingestion happens in one transaction, so a failure leaves the database
exactly as it was. Inserts are bulk statements with the dialect's own upsert
(`INSERT ... ON CONFLICT (key) DO UPDATE`), never one ORM object per row: on PostgreSQL the
rows are COPied into a temporary staging table and upserted by one INSERT ... SELECT; on
SQLite one prepared statement runs over plain tuples (the driver's executemany). Values are
stored exactly as SQLAlchemy would bind them (dates as ISO text and Numeric as float on SQLite).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pandas as pd
from sqlalchemy import Column, Connection, MetaData, Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from models.codes import ENTITIES
from models.db import get_engine
from models.tables import Agreement, ExchangeRate, Ingestion, Partner, Rejection
from tasks.validate import KEYS, REJECTION_COLUMNS, TABLES, Known, Validated

BATCH_ROWS = 50_000
# SQLite page cache while loading (KiB, as PRAGMA cache_size takes it): the indexes of a
# million-row load stay in memory; the connection gets SQLite's default back afterwards.
SQLITE_LOAD_CACHE_KIB, SQLITE_DEFAULT_CACHE_KIB = -262_144, -2_000
# PostgreSQL: tables that got at least this many rows are analysed before commit.
ANALYZE_MIN_ROWS = 10_000
# Parents before children, so references resolve inside the transaction.
LOAD_ORDER = ("partners", "exchange_rates", "agreements", "contributions")


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


def known_keys(db_url: str) -> Known:
    """The partners, agreements and exchange rates the database already holds."""
    with get_engine(db_url).connect() as connection:
        partner_ids = set(connection.scalars(select(Partner.partner_id)))
        agreements = pd.DataFrame(
            connection.execute(select(Agreement.agreement_id, Agreement.signed_on)).all(),
            columns=["agreement_id", "signed_on"],
        )
        rates = pd.DataFrame(
            connection.execute(
                select(ExchangeRate.currency, ExchangeRate.valid_from, ExchangeRate.units_per_usd)
            ).all(),
            columns=["currency", "valid_from", "units_per_usd"],
        )
    agreements["signed_on"] = pd.to_datetime(agreements["signed_on"])
    rates["valid_from"] = pd.to_datetime(rates["valid_from"])
    return Known(partner_ids, agreements, rates)


def load(validated: Validated, db_url: str) -> IngestResult:
    """Upsert every valid row, record the ingestion and its rejections, in one transaction."""
    started_at = datetime.now(UTC)
    rejections = pd.concat([validated.rejected[e] for e in ENTITIES], ignore_index=True).reindex(
        columns=REJECTION_COLUMNS
    )
    loaded = {entity: len(validated.rows[entity]) for entity in ENTITIES}
    rejected = {entity: len(validated.rejected[entity]) for entity in ENTITIES}
    with get_engine(db_url).begin() as connection:
        ingestion_id = connection.execute(
            insert(Ingestion.__table__).values(
                source=validated.source, fingerprint=validated.fingerprint, started_at=started_at
            )
        ).inserted_primary_key[0]
        for entity in LOAD_ORDER:
            upsert(connection, entity, validated.rows[entity], ingestion_id)
        _refresh_statistics(connection, loaded)
        _insert_rejections(connection, rejections, ingestion_id)
        counts = {
            f"{e}_{what}": n[e] for what, n in _counts(validated, loaded, rejected) for e in n
        }
        connection.execute(
            update(Ingestion.__table__)
            .where(Ingestion.__table__.c.id == ingestion_id)
            .values(finished_at=datetime.now(UTC), **counts)
        )
    return IngestResult(
        ingestion_id,
        validated.source,
        validated.fingerprint,
        dict(validated.read),
        loaded,
        rejected,
        rejections,
    )


def _refresh_statistics(connection: Connection, loaded: dict[str, int]) -> None:
    """ANALYZE the PostgreSQL tables this ingestion wrote many rows to.

    Autovacuum analyses a table only some time after a big load; until then the planner knows
    nothing of the new rows and the report's joins get slow plans (trend query 2x slower).
    """
    if connection.dialect.name != "postgresql":
        return
    for entity in LOAD_ORDER:
        if loaded[entity] >= ANALYZE_MIN_ROWS:
            connection.exec_driver_sql(f'ANALYZE "{TABLES[entity].__tablename__}"')


def _counts(validated: Validated, loaded: dict, rejected: dict) -> list[tuple[str, dict]]:
    return [("read", validated.read), ("loaded", loaded), ("rejected", rejected)]


def upsert(connection: Connection, entity: str, rows: pd.DataFrame, ingestion_id: int) -> None:
    """Insert `rows` into the entity's table, replacing the rows whose key already exists."""
    if rows.empty:
        return
    table: Table = TABLES[entity].__table__
    rows = rows.assign(ingestion_id=ingestion_id)
    if "agreement_id" in rows.columns and entity != "agreements":
        # parent keys in order: foreign-key checks and the agreement_id index walk forward
        rows = rows.sort_values("agreement_id", kind="stable")
    if connection.dialect.name == "postgresql":
        _upsert_postgres(connection, table, KEYS[entity], rows)
    else:
        _upsert_sqlite(connection, table, KEYS[entity], rows)


def _on_conflict(dialect, table: Table, keys: list[str], source=None):
    """`INSERT ... ON CONFLICT (keys) DO UPDATE` of the dialect, every other column replaced."""
    statement = dialect.insert(table)
    if source is not None:
        statement = statement.from_select(list(source.selected_columns.keys()), source)
    changed = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=changed)


def _upsert_sqlite(connection: Connection, table: Table, keys: list[str], rows: pd.DataFrame):
    """One prepared upsert run by the driver's executemany over plain tuples."""
    compiled = (
        _on_conflict(sqlite, table, keys)
        .values({c: bindparam(c) for c in rows.columns})
        .compile(dialect=connection.dialect)
    )
    columns = [_sqlite_values(rows[name]) for name in compiled.positiontup]
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(f"PRAGMA cache_size={SQLITE_LOAD_CACHE_KIB}")
        cursor.executemany(str(compiled), zip(*columns, strict=True))
    finally:
        cursor.execute(f"PRAGMA cache_size={SQLITE_DEFAULT_CACHE_KIB}")
        cursor.close()


def _sqlite_values(values: pd.Series) -> list:
    """A column as the driver stores it through SQLAlchemy: dates as ISO text, Numeric as
    float (SQLAlchemy's own conversion for SQLite), missing values as None."""
    if pd.api.types.is_datetime64_any_dtype(values):
        text = values.dt.strftime("%Y-%m-%d")
        return text.astype(object).where(values.notna(), None).tolist()
    if values.dtype == object and isinstance(_first_value(values), Decimal):
        return [None if v is None or v != v else float(v) for v in values]
    return values.astype(object).where(values.notna(), None).tolist()


def _first_value(values: pd.Series) -> object:
    """The first value that is not missing (None when there is none)."""
    present = values.first_valid_index()
    return None if present is None else values[present]


def _upsert_postgres(connection: Connection, table: Table, keys: list[str], rows: pd.DataFrame):
    """COPY the rows into a temporary staging table, then one INSERT ... SELECT ... ON CONFLICT."""
    stage = f"prm_stage_{table.name}"
    columns = list(rows.columns)
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(f'DROP TABLE IF EXISTS "{stage}"')
        cursor.execute(
            f'CREATE TEMPORARY TABLE "{stage}" (LIKE "{table.name}" INCLUDING DEFAULTS) '
            "ON COMMIT DROP"
        )
        with cursor.copy(f'COPY "{stage}" ({", ".join(columns)}) FROM STDIN (FORMAT csv)') as copy:
            copy.write(_csv_text(rows))
    finally:
        cursor.close()
    staged = Table(stage, MetaData(), *(Column(c.name, c.type) for c in table.columns))
    source = select(*(staged.c[c] for c in columns))
    connection.execute(_on_conflict(postgresql, table, keys, source))


def _csv_text(rows: pd.DataFrame) -> str:
    """Rows as COPY's CSV: dates as ISO text, Decimal as written, empty unquoted = NULL."""
    frame = rows.copy()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    return frame.to_csv(index=False, header=False, lineterminator="\n")


def _insert_rejections(connection: Connection, rejections: pd.DataFrame, ingestion_id: int) -> None:
    if rejections.empty:
        return
    for batch in _records(rejections.assign(ingestion_id=ingestion_id)):
        connection.execute(insert(Rejection.__table__), batch)


def _records(frame: pd.DataFrame) -> Iterator[list[dict]]:
    """The frame as lists of plain dicts (NaN/NaT -> None, timestamps -> dates), in batches."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = pd.Series(frame[column].dt.date, index=frame.index, dtype=object)
    frame = frame.astype(object).where(frame.notna(), None)
    for start in range(0, len(frame), BATCH_ROWS):
        yield frame.iloc[start : start + BATCH_ROWS].to_dict(orient="records")


def ingestion_fingerprint(db_url: str, ingestion_id: int | None) -> str:
    """The input fingerprint of an ingestion ("" when there is none)."""
    if ingestion_id is None:
        return ""
    table = Ingestion.__table__
    with get_engine(db_url).connect() as connection:
        found = connection.scalar(select(table.c.fingerprint).where(table.c.id == ingestion_id))
    return found or ""
