"""PostgreSQL bulk loads: foreign keys dropped for a large batch's merge are back, unchanged,
after the load, and a dangling reference still fails the load and leaves the database as it was.
"""

import pytest
from sqlalchemy.exc import IntegrityError

from models.db import get_engine
from models.tables import Agreement, Contribution, Ingestion, Partner, Rejection
from tasks import load_postgres
from tasks.load import known_keys, load
from tasks.load_postgres import foreign_keys
from tasks.read import read_source
from tasks.sources import open_source
from tasks.validate import validate
from tests.test_ingest import base_source, rows

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
CHECKED_TABLES = ("agreement", "contribution", "rejection")


def _foreign_keys(db_url: str) -> dict[str, dict[str, str]]:
    with get_engine(db_url).connect() as connection:
        return {table: foreign_keys(connection, table) for table in CHECKED_TABLES}


def _validated(db_url: str, folder):
    return validate(read_source(open_source(base_source(folder))), known_keys(db_url))


def test_large_batch_keeps_the_same_foreign_keys(db_url, tmp_path, monkeypatch):
    deferred = []
    checked_once = load_postgres.foreign_keys_checked_once

    def spy(connection, tables):
        deferred.append(list(tables))
        return checked_once(connection, tables)

    monkeypatch.setattr(load_postgres, "foreign_keys_checked_once", spy)
    before = _foreign_keys(db_url)
    assert before["contribution"] and before["agreement"]  # the schema declares them
    result = load(_validated(db_url, tmp_path / "src"), db_url, bulk_fk_min_rows=1)
    assert result.loaded["contributions"] == 2
    assert deferred == [["partner", "exchange_rate", "agreement", "contribution"]]
    assert _foreign_keys(db_url) == before
    assert "REFERENCES agreement(agreement_id)" in " ".join(before["contribution"].values())


@pytest.mark.parametrize(
    ("bulk_fk_min_rows", "failing"),
    [(1, "ADD CONSTRAINT"), (10**9, "INSERT INTO contribution")],
    ids=["checked-once", "row-by-row"],
)
def test_dangling_reference_fails_the_load_and_keeps_the_foreign_keys(
    db_url, tmp_path, bulk_fk_min_rows, failing
):
    load(_validated(db_url, tmp_path / "one"), db_url)
    before_keys = _foreign_keys(db_url)
    tables = (Partner, Agreement, Contribution, Ingestion, Rejection)
    before = [rows(db_url, table) for table in tables]
    validated = _validated(db_url, tmp_path / "two")
    contributions = validated.rows["contributions"]
    contributions.loc[contributions.index[0], "agreement_id"] = "NO-SUCH-AGREEMENT"
    with pytest.raises(IntegrityError, match="violates foreign key") as error:
        load(validated, db_url, bulk_fk_min_rows=bulk_fk_min_rows)
    assert failing in str(error.value)
    assert _foreign_keys(db_url) == before_keys
    assert [rows(db_url, table) for table in tables] == before
