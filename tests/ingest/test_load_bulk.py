"""Bulk loads (tasks.ingest.load_bulk), on SQLite and PostgreSQL: a large batch's foreign keys and
secondary indexes are dropped or switched off for the load and are back, unchanged, after it;
a dangling reference still fails the load and leaves the database exactly as it was.
"""

from datetime import date

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from models.db import get_engine
from models.tables import Agreement, Contribution, Ingestion, Partner, Rejection
from tasks.ingest import load_bulk, load_postgres
from tasks.ingest.known import known_keys
from tasks.ingest.load import load
from tasks.ingest.load_bulk import secondary_indexes
from tasks.ingest.load_postgres import foreign_keys
from tasks.ingest.read import read_source
from tasks.ingest.sources import open_source
from tasks.ingest.validate import validate
from tests.ingest.helpers import CONTRIBUTIONS, base_source, rows

CHECKED_TABLES = ("agreement", "contribution", "rejection")
ALL_ROWS, NO_ROWS = 1, 10**9  # bulk_min_rows: every table is large / none is
# what the database says of a dangling reference, per backend and path
DANGLING = {
    ("postgresql", ALL_ROWS): "violates foreign key",
    ("postgresql", NO_ROWS): "violates foreign key",
    ("sqlite", ALL_ROWS): "contribution row contribution_id='C1' violates foreign key",
    ("sqlite", NO_ROWS): "FOREIGN KEY constraint failed",
}


def _schema(db_url: str) -> dict:
    """Secondary indexes of every table and (PostgreSQL) the foreign keys, as declared."""
    with get_engine(db_url).connect() as connection:
        schema = {t: secondary_indexes(connection, t) for t in ("partner", *CHECKED_TABLES)}
        if connection.dialect.name == "postgresql":
            schema |= {f"fk {t}": foreign_keys(connection, t) for t in CHECKED_TABLES}
    return schema


def _validated(db_url: str, folder):
    return validate(read_source(open_source(base_source(folder))), known_keys(get_engine(db_url)))


def _dangling_insert_fails(db_url: str) -> None:
    """Foreign keys are enforced on whatever connection the pool hands out next."""
    with pytest.raises(IntegrityError), get_engine(db_url).begin() as connection:
        connection.execute(
            insert(Agreement.__table__).values(
                agreement_id="X-1",
                partner_id="NO-SUCH-PARTNER",
                signed_on=date(2024, 1, 1),
                region="AFR",
                priority="CONNECTIVITY",
                status="active",
            )
        )


def _tables_passed_to(monkeypatch, module, name: str) -> list[list[str]]:
    """Record the `tables` argument of every call of module.name (which still runs)."""
    calls, real = [], getattr(module, name)

    def spy(connection, tables):
        calls.append(list(tables))
        return real(connection, tables)

    monkeypatch.setattr(module, name, spy)
    return calls


def test_large_batch_keeps_the_same_schema(db_url, tmp_path, monkeypatch):
    deferred = _tables_passed_to(monkeypatch, load_postgres, "foreign_keys_checked_once")
    before = _schema(db_url)
    assert before["contribution"] and before["agreement"]  # the schema declares indexes
    result = load(_validated(db_url, tmp_path / "src"), get_engine(db_url), bulk_min_rows=ALL_ROWS)
    assert result.loaded["contributions"] == 2
    assert _schema(db_url) == before
    _dangling_insert_fails(db_url)
    if db_url.startswith("postgresql"):
        assert deferred == [["partner", "exchange_rate", "agreement", "contribution"]]
        assert "REFERENCES agreement(agreement_id)" in " ".join(before["fk contribution"].values())


@pytest.mark.parametrize("bulk_min_rows", [ALL_ROWS, NO_ROWS], ids=["checked-once", "row-by-row"])
def test_dangling_reference_fails_the_load_and_keeps_the_schema(db_url, tmp_path, bulk_min_rows):
    # one contribution first, so the failing load brings twice the rows the table holds
    # (the bulk path's condition, with at least bulk_min_rows of them)
    first = base_source(tmp_path / "one", contributions=CONTRIBUTIONS.rsplit("C2", 1)[0])
    load(
        validate(read_source(open_source(first)), known_keys(get_engine(db_url))),
        get_engine(db_url),
    )
    before_schema = _schema(db_url)
    tables = (Partner, Agreement, Contribution, Ingestion, Rejection)
    before = [rows(db_url, table) for table in tables]
    validated = _validated(db_url, tmp_path / "two")
    contributions = validated.rows["contributions"]
    contributions.loc[contributions.index[0], "agreement_id"] = "NO-SUCH-AGREEMENT"
    backend = db_url.split(":")[0].split("+")[0]
    with pytest.raises(IntegrityError, match=DANGLING[backend, bulk_min_rows]):
        load(validated, get_engine(db_url), bulk_min_rows=bulk_min_rows)
    assert _schema(db_url) == before_schema
    assert [rows(db_url, table) for table in tables] == before
    _dangling_insert_fails(db_url)


TRICKY = "Line 1\nLine 2\twith a tab, a back\\slash and \\N"


@pytest.mark.parametrize("bulk_min_rows", [ALL_ROWS, NO_ROWS], ids=["bulk", "row-by-row"])
def test_text_with_tabs_newlines_and_backslashes_is_stored_as_given(
    db_url, tmp_path, bulk_min_rows
):
    """COPY's text format escapes what it must, on a first load (COPY straight into the
    table) and on a second one (staging + merge); a literal \\N stays text, not NULL."""
    quoted = '"' + TRICKY.replace('"', '""') + '"'
    agreements = "agreement_id,partner_id,title,signed_on,region,priority,status\n"
    agreements += f"A1,P1,{quoted},2024-03-05,AFR,CONNECTIVITY,\n"
    bad_amount = f"contribution_id,agreement_id,source,amount,currency\nC1,A1,ITU,{quoted},USD\n"
    for attempt in ("first", "second"):
        folder = base_source(tmp_path / attempt, agreements=agreements, contributions=bad_amount)
        validated = validate(read_source(open_source(folder)), known_keys(get_engine(db_url)))
        load(validated, get_engine(db_url), bulk_min_rows=bulk_min_rows)
        assert [row.title for row in rows(db_url, Agreement)] == [TRICKY]
        values = [row.value for row in rows(db_url, Rejection) if row.column == "amount"]
        assert values and set(values) == {TRICKY}


def test_reingesting_what_is_there_keeps_indexes_and_foreign_keys(db_url, tmp_path, monkeypatch):
    """The bulk path is for tables a load at least doubles: re-ingesting the same register
    writes no row (`tasks.ingest.upsert`) and rebuilds nothing."""
    rebuilt = _tables_passed_to(monkeypatch, load_bulk, "indexes_rebuilt")
    load(_validated(db_url, tmp_path / "one"), get_engine(db_url), bulk_min_rows=ALL_ROWS)
    first = [table for call in rebuilt for table in call]
    rebuilt.clear()
    load(_validated(db_url, tmp_path / "two"), get_engine(db_url), bulk_min_rows=ALL_ROWS)
    assert first == ["partner", "exchange_rate", "agreement", "contribution"]
    assert not [table for call in rebuilt for table in call]
