"""The two loading baselines, on the same validated rows the pipeline loads.

- naive: SQLModel objects, `session.add` per row and one commit per table (the ORM's unit
  of work), on every row; and, for scale, `session.add` + `session.commit` per row, on a
  subset (the first contributions, with the agreements, partners and exchange rates they
  need) scaled per row to the full row count (on every row it would take 5-15 minutes).
- raw: the driver alone, every row of the four tables in one transaction: sqlite3
  `executemany`, or psycopg `COPY ... FROM STDIN` (CSV) into the same tables. Its time
  includes turning the validated frames into what the driver takes, as the pipeline's does.

And one on the source files themselves, the floor that ingestion as a whole is compared with:

- plain csv: the csv module's reader over each of the source's CSV files, executemany of its
  rows into a fresh SQLite file (one table per file, the header's columns, no types, keys or
  indexes; sqlite3's defaults), one transaction; no trimming, no validation.
"""

import csv
import io
import sqlite3
import time
from pathlib import Path

import pandas as pd
import psycopg
from sqlalchemy.engine import make_url
from sqlmodel import Session

from models.db import get_engine
from models.tables import Agreement, Contribution, ExchangeRate, Partner
from tasks.ingest.validate import Validated

ORDER = ("partners", "exchange_rates", "agreements", "contributions")
MODELS = {
    "partners": Partner,
    "exchange_rates": ExchangeRate,
    "agreements": Agreement,
    "contributions": Contribution,
}


def subset(validated: Validated, contributions: int) -> dict[str, pd.DataFrame]:
    """The first `contributions` contributions and every row they depend on."""
    rows = validated.rows
    some = rows["contributions"].head(contributions)
    agreements = rows["agreements"][rows["agreements"]["agreement_id"].isin(some["agreement_id"])]
    partners = rows["partners"][rows["partners"]["partner_id"].isin(agreements["partner_id"])]
    return {
        "partners": partners,
        "exchange_rates": rows["exchange_rates"],
        "agreements": agreements,
        "contributions": some,
    }


def _python_rows(frame: pd.DataFrame) -> list[dict]:
    """Plain Python values per row (Timestamp -> date, NaN/NaT -> None)."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = pd.Series(frame[column].dt.date, index=frame.index, dtype=object)
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def naive_load(
    tables: dict[str, pd.DataFrame], db_url: str, commit_each: bool
) -> tuple[float, int]:
    """Seconds to add every row as an ORM object (committing each, or once); rows written."""
    prepared = {entity: _python_rows(tables[entity]) for entity in ORDER}
    written = 0
    started = time.perf_counter()
    with Session(get_engine(db_url)) as session:
        for entity in ORDER:
            model = MODELS[entity]
            for values in prepared[entity]:
                session.add(model(**values))
                written += 1
                if commit_each:
                    session.commit()
            session.commit()  # per table: the unit of work does not order unrelated mappers
    return time.perf_counter() - started, written


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates as ISO text, everything else as is (Decimal stays Decimal)."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
    return frame


def raw_sqlite(tables: dict[str, pd.DataFrame], db_url: str) -> float:
    """Seconds for sqlite3 executemany of every row, all tables in one transaction."""
    path = make_url(db_url).database
    started = time.perf_counter()
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("BEGIN")
        for entity in ORDER:
            frame = _text_frame(tables[entity])
            columns = list(frame.columns)
            marks = ", ".join("?" for _ in columns)
            rows = frame.astype(object).where(frame.notna(), None)
            values = [tuple(str(v) if hasattr(v, "as_tuple") else v for v in row) for row in
                      rows.itertuples(index=False, name=None)]  # fmt: skip
            connection.executemany(
                f"INSERT INTO {MODELS[entity].__tablename__} ({', '.join(columns)}) "
                f"VALUES ({marks})",
                values,
            )
        connection.execute("COMMIT")
    finally:
        connection.close()
    return time.perf_counter() - started


def raw_postgres(tables: dict[str, pd.DataFrame], db_url: str) -> float:
    """Seconds for psycopg COPY (CSV) of every row, all tables in one transaction."""
    dsn = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    started = time.perf_counter()
    with psycopg.connect(dsn) as connection, connection.cursor() as cursor:
        for entity in ORDER:
            frame = _text_frame(tables[entity])
            buffer = io.StringIO()
            frame.to_csv(buffer, index=False, header=False, lineterminator="\n")
            columns = ", ".join(frame.columns)
            table = MODELS[entity].__tablename__
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy:
                copy.write(buffer.getvalue())
    return time.perf_counter() - started


def plain_csv_sqlite(source: Path, database: Path) -> float:
    """Seconds to load every CSV file of `source` into the new SQLite file `database` as it
    is: csv reader, one untyped table per file, executemany, one transaction."""
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    try:
        for path in sorted(source.glob("*.csv")):
            with path.open(newline="", encoding="utf-8-sig") as lines:
                rows = csv.reader(lines)
                header = next(rows)
                table = f'"{path.stem}"'
                columns = ", ".join(f'"c{i}"' for i in range(len(header)))
                connection.execute(f"CREATE TABLE {table} ({columns})")
                marks = ", ".join("?" for _ in header)
                connection.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        connection.commit()
    finally:
        connection.close()
    return time.perf_counter() - started


def raw_load(tables: dict[str, pd.DataFrame], db_url: str) -> float:
    """The raw path of the URL's backend."""
    if make_url(db_url).get_backend_name() == "sqlite":
        return raw_sqlite(tables, db_url)
    return raw_postgres(tables, db_url)
