"""Load validated rows into the database: upserts by key, the ingestion log and rejections.

Everything of one ingestion happens in one transaction, so a failure leaves the database
exactly as it was. Inserts are bulk statements with the dialect's own upsert
(`INSERT ... ON CONFLICT (key) DO UPDATE`), never one ORM object per row.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Connection, Table, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from models.codes import ENTITIES
from models.db import get_engine
from models.tables import Agreement, ExchangeRate, Ingestion, Partner, Rejection
from tasks.validate import KEYS, REJECTION_COLUMNS, TABLES, Known, Validated

BATCH_ROWS = 50_000
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


def _counts(validated: Validated, loaded: dict, rejected: dict) -> list[tuple[str, dict]]:
    return [("read", validated.read), ("loaded", loaded), ("rejected", rejected)]


def upsert(connection: Connection, entity: str, rows: pd.DataFrame, ingestion_id: int) -> None:
    """Insert `rows` into the entity's table, replacing the rows whose key already exists."""
    if rows.empty:
        return
    table: Table = TABLES[entity].__table__
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    keys = KEYS[entity]
    changed = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    statement = statement.on_conflict_do_update(index_elements=keys, set_=changed)
    for batch in _records(rows.assign(ingestion_id=ingestion_id)):
        connection.execute(statement, batch)


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
