"""Validating the contributions while the parents load (`tasks.ingest.overlap`), on SQLite
and PostgreSQL: the same database as validate-then-load, and a failure on either side leaves
the database exactly as it was."""

import time

import pytest
from sqlalchemy.exc import IntegrityError

from models.db import get_engine, upgrade
from models.tables import Agreement, Contribution, ExchangeRate, Ingestion, Partner, Rejection
from tasks.ingest import overlap, parts
from tasks.ingest.known import known_keys
from tasks.ingest.load import Load, LoadCancelled, load
from tasks.ingest.read import read_source
from tasks.ingest.sources import open_source
from tasks.ingest.validate import validate
from tests.ingest.helpers import CONTRIBUTIONS, base_source, rows

TABLES = (Partner, ExchangeRate, Agreement, Contribution, Rejection)
# a contribution of an unknown agreement and one with a bad amount: rejected rows too
WITH_REJECTIONS = CONTRIBUTIONS + "C3,A9,ITU,5,USD\nC4,A2,ITU,x,USD\n"
ALL_ROWS = 1  # bulk_min_rows: every table takes the bulk path


def _stored(db_url: str) -> list:
    """Every table's rows but the ids and times of the ingestion record."""
    stored = [rows(db_url, table) for table in TABLES]
    ingestion = rows(db_url, Ingestion)
    return [*stored, [(i.source, i.fingerprint, i.contributions_loaded) for i in ingestion]]


def _raw(folder):
    return read_source(open_source(str(folder)))


def overlapped_and_not(empty_database, source: str, bulk_min_rows: int):
    """The tables after `validate_and_load` and after validate then load, each into an empty
    database (on PostgreSQL: the same one, emptied); the first's (validated, result) and
    the database's URL."""
    stored = []
    for overlapped in (True, False):
        db_url = empty_database()
        engine = get_engine(db_url)
        upgrade(engine)
        if overlapped:
            outcome = overlap.validate_and_load(_raw(source), engine, bulk_min_rows=bulk_min_rows)
        else:
            load(validate(_raw(source), known_keys(engine)), engine, bulk_min_rows=bulk_min_rows)
        stored.append(_stored(db_url))
    return stored, outcome, db_url


@pytest.mark.parametrize("bulk_min_rows", [ALL_ROWS, 10**9], ids=["bulk", "row-by-row"])
def test_the_database_is_what_validate_then_load_makes(empty_database, tmp_path, bulk_min_rows):
    source = base_source(tmp_path / "src", contributions=WITH_REJECTIONS)
    stored, (validated, result), _ = overlapped_and_not(empty_database, source, bulk_min_rows)
    assert result.loaded == {e: len(validated.rows[e]) for e in validated.rows}
    assert result.rejected["contributions"] == 2 == result.loaded["contributions"]
    assert stored[0] == stored[1]


def test_a_failed_validation_rolls_the_parents_back(db_url, tmp_path, monkeypatch):
    def fails(*args):
        raise RuntimeError("validation failed")

    monkeypatch.setattr(parts, "contribution_parts", fails)
    source = base_source(tmp_path / "src")
    before = _stored(db_url)
    with pytest.raises(RuntimeError, match="validation failed"):
        overlap.validate_and_load(_raw(source), get_engine(db_url), bulk_min_rows=ALL_ROWS)
    assert _stored(db_url) == before and not rows(db_url, Partner)
    # the connection went back to the pool in a usable state
    monkeypatch.undo()
    overlap.validate_and_load(_raw(source), get_engine(db_url))
    assert len(rows(db_url, Contribution)) == 2


def test_a_failed_parent_load_fails_the_ingestion(db_url, tmp_path, monkeypatch):
    from tasks.ingest import load as load_module

    real = load_module._upsert_sqlite

    def fails_on_agreements(connection, entity, frame):
        if entity == "agreements":
            raise RuntimeError("disk full")
        return real(connection, entity, frame)

    monkeypatch.setattr(load_module, "_upsert_sqlite", fails_on_agreements)
    before = _stored(db_url)
    source = base_source(tmp_path / "src")
    if db_url.startswith("sqlite"):
        with pytest.raises(RuntimeError, match="disk full"):
            overlap.validate_and_load(_raw(source), get_engine(db_url))
        assert _stored(db_url) == before
    else:  # PostgreSQL COPies every table at the end, not through this function
        overlap.validate_and_load(_raw(source), get_engine(db_url))


def test_a_reference_left_dangling_fails_when_fewer_rows_than_read_take_the_bulk_path(
    db_url, tmp_path, monkeypatch
):
    """The foreign keys are switched off for a load that may take the bulk path (read rows
    at the threshold), so they are checked even when, validated, the table stays below it."""
    real = parts.contribution_parts

    def dangling(*args):
        for contributions, rejected in real(*args):
            contributions.loc[contributions.index[0], "agreement_id"] = "NO-SUCH-AGREEMENT"
            yield contributions, rejected

    monkeypatch.setattr(parts, "contribution_parts", dangling)
    source = base_source(tmp_path / "src", contributions=WITH_REJECTIONS)  # 4 read, 2 valid
    before = _stored(db_url)
    with pytest.raises(IntegrityError):
        overlap.validate_and_load(_raw(source), get_engine(db_url), bulk_min_rows=4)
    assert _stored(db_url) == before


def test_ctrl_c_while_the_loader_finishes_keeps_nothing(db_url, tmp_path, monkeypatch):
    """Interrupted while waiting for the last step (contributions, rejections, commit): the
    loader rolls back instead of committing, and the interruption is raised."""
    from tasks.ingest import load as load_module

    real = load_module._insert_rejections

    def slow_rejections(*args):  # the loader is still at work when the interrupt comes
        time.sleep(0.5)
        return real(*args)

    def interrupted(step):
        raise KeyboardInterrupt

    monkeypatch.setattr(load_module, "_insert_rejections", slow_rejections)
    monkeypatch.setattr(overlap, "_result", interrupted)
    source = base_source(tmp_path / "src", contributions=WITH_REJECTIONS)
    before = _stored(db_url)
    with pytest.raises(KeyboardInterrupt):
        overlap.validate_and_load(_raw(source), get_engine(db_url))
    assert _stored(db_url) == before and not rows(db_url, Ingestion)
    monkeypatch.undo()  # and the next ingestion goes through
    overlap.validate_and_load(_raw(source), get_engine(db_url))
    assert len(rows(db_url, Contribution)) == 2


def test_ctrl_c_while_validating_stops_the_parents_load(db_url, tmp_path, monkeypatch):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(parts, "contribution_parts", interrupted)
    before = _stored(db_url)
    with pytest.raises(KeyboardInterrupt):
        overlap.validate_and_load(_raw(base_source(tmp_path / "src")), get_engine(db_url))
    assert _stored(db_url) == before and not rows(db_url, Ingestion)


def test_a_cancelled_load_rolls_back_what_it_wrote(db_url, tmp_path):
    raw = _raw(base_source(tmp_path / "src"))
    validated = validate(raw, known_keys(get_engine(db_url)))
    loading = Load(get_engine(db_url), raw.source, raw.fingerprint, bulk_min_rows=1)
    loading.begin({e: len(validated.rows[e]) for e in validated.rows})
    loading.rows("partners", validated.rows["partners"])
    loading.cancel()
    with pytest.raises(LoadCancelled):
        loading.finish(validated)
    assert not rows(db_url, Partner) and not rows(db_url, Ingestion)
