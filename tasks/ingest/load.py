"""Load validated rows into the database: upserts by key, the ingestion log and rejections.

Everything of one ingestion happens in one transaction (`Load`: begin, the entities' rows in
load order, finish), so a failure leaves the database exactly as it was. Inserts are bulk
statements with the dialect's own upsert (`INSERT ... ON CONFLICT (key) DO UPDATE` of the
rows that changed, `tasks.ingest.upsert`), never one ORM object per row: on PostgreSQL the
rows are COPied into a temporary staging table and upserted by one INSERT ... SELECT (or
COPied straight into a table that was empty), the next part's COPY text being built while
the server merges (`tasks.ingest.load_postgres`); on SQLite one prepared statement runs
over plain tuples (the driver's executemany, `tasks.ingest.load_sqlite`). Values are stored
exactly as SQLAlchemy would bind them (on SQLite: dates as ISO text, Numeric as float);
foreign keys stay declared and checked by the database on both backends (a large batch's
once for the whole batch, its secondary indexes built once after the rows:
`tasks.ingest.load_bulk`).
"""

import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import (
    Connection,
    Engine,
    Table,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import sqlite

from models.codes import ENTITIES
from models.contract import KEYS, LOAD_ORDER, REJECTION_COLUMNS, TABLES
from models.db import checkpoint
from models.tables import Ingestion, Rejection
from tasks.ingest import load_bulk as bulk
from tasks.ingest import load_postgres as pg
from tasks.ingest import load_sqlite
from tasks.ingest.validate import Validated


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


class LoadCancelled(Exception):
    """A load stopped by `Load.cancel` before its commit."""


def load(
    validated: Validated, engine: Engine, *, bulk_min_rows: int = bulk.BULK_MIN_ROWS
) -> IngestResult:
    """Upsert every valid row, record the ingestion and its rejections, in one transaction.

    Tables getting at least `bulk_min_rows` rows, twice what they hold, take the bulk path
    (`tasks.ingest.load_bulk`): secondary indexes built once after the rows are in, foreign keys
    checked once for the whole batch.
    """
    loading = Load(engine, validated.source, validated.fingerprint, bulk_min_rows=bulk_min_rows)
    loading.begin({entity: len(validated.rows[entity]) for entity in ENTITIES})
    return loading.finish(validated)


class Load:
    """One ingestion's load, on one connection and in one transaction, in steps: `begin`,
    then `rows` of the entities in load order as they are ready (SQLite writes them at
    once: `tasks.ingest.overlap` has the parents written while the contributions are still
    being validated), then `finish` (the rest, the rejections, the ingestion's counts,
    commit). A failing step rolls everything back; `abort` does it for a failure elsewhere.
    The steps may run on another thread than the one that made the object, one at a time.
    """

    def __init__(
        self, engine: Engine, source: str, fingerprint: str, *, bulk_min_rows: int
    ) -> None:
        self.engine, self.source, self.fingerprint = engine, source, fingerprint
        self.bulk_min_rows = bulk_min_rows
        self.postgresql = engine.dialect.name == "postgresql"
        self.loaded: dict[str, int] = {}
        self.large: list[Table] = []  # the tables that took the bulk path
        self._stack = ExitStack()  # connection, SQLite settings, transaction
        self._indexes = ExitStack()  # the entity's dropped indexes, built again on close
        self._unchecked = False  # SQLite: foreign keys not enforced row by row
        self._cancelled = threading.Event()

    def begin(self, expected: dict[str, int]) -> None:
        """Open the transaction and record the ingestion's start. `expected`: at most how
        many rows each entity brings (SQLite checks foreign keys once at the end instead of
        row by row when one of them may take the bulk path)."""
        try:
            started_at = datetime.now(UTC)
            self.connection = self._stack.enter_context(self.engine.connect())
            may_bulk = max(expected.values(), default=0) >= self.bulk_min_rows
            self._unchecked = may_bulk and not self.postgresql
            self._stack.enter_context(bulk.sqlite_loading(self.connection, bulk=may_bulk))
            self._stack.enter_context(self.connection.begin())
            self.ingestion_id = self.connection.execute(
                insert(Ingestion.__table__).values(
                    source=self.source, fingerprint=self.fingerprint, started_at=started_at
                )
            ).inserted_primary_key[0]
        except BaseException as exc:
            self.abort(exc)
            raise

    def rows(self, entity: str, rows: pd.DataFrame) -> None:
        """The entity's valid rows (entities in load order). SQLite: upserted now;
        PostgreSQL: kept for `finish`, which COPies every table in parts."""
        self.start_rows(entity, len(rows))
        self.add_rows(entity, rows)
        self.end_rows(entity)

    def start_rows(self, entity: str, expected: int) -> None:
        """Before the entity's rows come, whole or in parts (`add_rows`, in key order, then
        `end_rows`): its path is chosen for `expected` rows at most (on the bulk path, its
        secondary indexes are dropped until `end_rows`)."""
        try:
            self._check_cancelled()
            self.loaded[entity] = 0
            if self.postgresql or not self._takes_bulk_path(entity, expected):
                return
            table = TABLES[entity].__table__
            self.large.append(table)
            # built again by `end_rows`: the agreements' while the contributions are validated
            self._indexes.enter_context(bulk.indexes_rebuilt(self.connection, [table.name]))
        except BaseException as exc:
            self.abort(exc)
            raise

    def add_rows(self, entity: str, rows: pd.DataFrame) -> None:
        """Valid rows of the entity (after `start_rows`; parts in key order, each after the
        ones before)."""
        try:
            self._check_cancelled()
            self.loaded[entity] += len(rows)
            if not self.postgresql:
                _upsert_sqlite(self.connection, entity, _prepared(entity, rows, self.ingestion_id))
        except BaseException as exc:
            self.abort(exc)
            raise

    def end_rows(self, entity: str) -> None:
        """After the entity's last rows: its secondary indexes built again (bulk path)."""
        try:
            self._check_cancelled()
            indexes, self._indexes = self._indexes, ExitStack()
            indexes.close()
        except BaseException as exc:
            self.abort(exc)
            raise

    def finish(self, validated: Validated) -> IngestResult:
        """Load the entities not loaded yet, then the rejections and the ingestion's counts,
        and commit."""
        try:
            for entity in LOAD_ORDER:
                if entity not in self.loaded:
                    self.rows(entity, validated.rows[entity])
            result = self._finish(validated)
        except BaseException as exc:
            self.abort(exc)
            raise
        self._after_commit()
        return result

    def cancel(self) -> None:
        """From another thread (Ctrl-C while waiting for the load): the statement running
        is interrupted and the load rolls back instead of committing. A load that has
        committed already stays."""
        self._cancelled.set()
        connection = getattr(self, "connection", None)
        if connection is None or connection.closed:
            return
        with suppress(Exception):  # the driver's own cancel, thread-safe on both
            driver = connection.connection.driver_connection
            if self.postgresql:
                driver.cancel()
            else:
                driver.interrupt()

    def _check_cancelled(self) -> None:
        if self._cancelled.is_set():
            raise LoadCancelled("the load was interrupted; nothing of it was kept")

    def abort(self, error: BaseException) -> None:
        """Roll back and close (idempotent): the database stays as it was."""
        stack, self._stack = self._stack, ExitStack()
        self._indexes = ExitStack()  # dropped indexes stay dropped: the rollback restores them
        stack.__exit__(type(error), error, error.__traceback__)

    def _takes_bulk_path(self, entity: str, rows: int) -> bool:
        """Many rows, mostly new: at least twice what the table holds (a re-ingested
        register keeps the row path). Counted on the load's own connection before the
        table is written."""
        return self._bulk(rows, _rows_held(self.connection, entity, rows))

    def _bulk(self, rows: int, held: int) -> bool:
        return rows >= self.bulk_min_rows and 2 * held <= rows

    def _finish(self, validated: Validated) -> IngestResult:
        connection = self.connection
        rejections = pd.concat(
            [validated.rejected[e] for e in ENTITIES], ignore_index=True
        ).reindex(columns=REJECTION_COLUMNS)
        rejected = {entity: len(validated.rejected[entity]) for entity in ENTITIES}
        if self.postgresql:
            self._copy_postgres(validated)
        _insert_rejections(connection, rejections, self.ingestion_id)
        if self.postgresql:
            self.analysed = _tables_with(self.loaded, pg.ANALYZE_MIN_ROWS)
            pg.refresh_statistics(connection, [table.name for table in self.analysed])
        elif self._unchecked:  # every reference written without a row-by-row check
            written = [TABLES[e].__table__ for e in LOAD_ORDER if self.loaded[e]]
            referencing = [t for t in written if t.foreign_keys]
            bulk.sqlite_check_foreign_keys(connection, [*referencing, Rejection.__table__])
        counts = {
            f"{e}_{what}": n[e] for what, n in _counts(validated, self.loaded, rejected) for e in n
        }
        connection.execute(
            update(Ingestion.__table__)
            .where(Ingestion.__table__.c.id == self.ingestion_id)
            .values(finished_at=datetime.now(UTC), **counts)
        )
        self._check_cancelled()
        self._stack.close()  # commit
        return IngestResult(
            self.ingestion_id,
            validated.source,
            validated.fingerprint,
            dict(validated.read),
            {entity: self.loaded[entity] for entity in ENTITIES},  # the contract's order
            rejected,
            rejections,
        )

    def _copy_postgres(self, validated: Validated) -> None:
        """Every table through COPY (+ merge where it held rows), the large ones with their
        foreign keys checked once (`_load_postgres`)."""
        held = {
            entity: _rows_held(self.connection, entity, self.loaded[entity])
            for entity in LOAD_ORDER
        }
        self.large = [
            TABLES[e].__table__ for e in LOAD_ORDER if self._bulk(self.loaded[e], held[e])
        ]
        with bulk.indexes_rebuilt(self.connection, [table.name for table in self.large]):
            new_keys = {e: held[e] == 0 for e in LOAD_ORDER}
            _load_postgres(self.connection, validated.rows, self.ingestion_id, self.large, new_keys)

    def _after_commit(self) -> None:
        if self.postgresql:
            pg.mark_visible(self.engine, [table.name for table in self.analysed])
        else:
            checkpoint(self.engine)  # committed rows in prm.db itself, not only in its -wal log


def _rows_held(connection: Connection, entity: str, rows: int) -> int:
    """Rows the entity's table holds, counted up to one more than half the rows this load
    brings: all that decides its path. Tables getting at least twice what they hold take
    the bulk path (with enough rows); a re-ingested register, mostly there and unchanged
    (`tasks.ingest.upsert` writes only changed rows), keeps its indexes and foreign keys,
    cheaper than rebuilding them (1 M unchanged contributions, PostgreSQL: 5.6 s -> 4.1 s).
    A table holding none gets its rows COPied straight in on PostgreSQL."""
    return connection.scalar(
        select(func.count()).select_from(
            select(literal(1)).select_from(TABLES[entity]).limit(rows // 2 + 1).subquery()
        )
    )


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


def _upsert_sqlite(connection: Connection, entity: str, rows: pd.DataFrame) -> None:
    """The entity's prepared rows upserted by key (`tasks.ingest.load_sqlite`)."""
    load_sqlite.upsert(connection, TABLES[entity].__table__, KEYS[entity], rows)


def _insert_rejections(connection: Connection, rejections: pd.DataFrame, ingestion_id: int) -> None:
    if rejections.empty:
        return
    rejections = rejections.assign(ingestion_id=ingestion_id)
    if connection.dialect.name == "postgresql":
        table = Rejection.__table__
        pg.copy_into(connection, table.name, pg.copy_lines(rejections, table))
    else:
        load_sqlite.insert_rows(connection, sqlite.insert(Rejection.__table__), rejections)
