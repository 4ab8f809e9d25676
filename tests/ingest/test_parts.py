"""Agreements and contributions validated and loaded part by part (`tasks.ingest.parts`,
`tasks.ingest.overlap`): the very rows, rejections and database of doing it at once, on
SQLite and PostgreSQL; one part where the file is not in key order; an interruption between
parts keeps nothing."""

import pandas as pd
import pytest

from models.db import get_engine
from models.tables import Contribution, Ingestion
from tasks.ingest import overlap, parts
from tasks.ingest.load import Load
from tasks.ingest.read import read_source
from tasks.ingest.sources import open_source
from tasks.ingest.validate import (
    partners_and_rates,
    validate,
    with_agreements,
    with_contributions,
)
from tests.ingest.helpers import AGREEMENTS, CONTRIBUTIONS, base_source, rows
from tests.ingest.test_overlap import _stored, overlapped_and_not
from tests.ingest.test_validate import nothing_known, raw, table

# in key order but for rejected rows: an unknown agreement, a bad amount, no key, and C1
# again (its first row in another part than the repeat when parts are small)
IN_ORDER = CONTRIBUTIONS + "C3,A9,ITU,5,USD\nC4,A2,ITU,x,USD\n,A1,ITU,1,USD\nC5,A1,ITU,7,USD\n"
IN_ORDER += 'C1,A2,ITU,9,USD\nC6,A2,PARTNER,"1,234.50",EUR\n'
OUT_OF_ORDER = IN_ORDER.replace("C5,", "C0,")
# an unknown partner, A1 again, a date that is not one
AGREEMENTS_IN_ORDER = AGREEMENTS + (
    "A3,P9,x,2024-01-01,AFR,MULTI,\nA1,P2,again,2024-01-01,AFR,MULTI,\n"
    "A4,P1,x,2024-13-01,AFR,MULTI,\nA5,P1,x,2024-02-01,EUR,MULTI,\n"
)
AGREEMENTS_OUT_OF_ORDER = AGREEMENTS_IN_ORDER.replace("A5,", "A0,")


def _raw(folder: str):
    return read_source(open_source(folder))


def _source(folder, in_order: bool = True) -> str:
    if in_order:
        return base_source(folder, agreements=AGREEMENTS_IN_ORDER, contributions=IN_ORDER)
    return base_source(folder, agreements=AGREEMENTS_OUT_OF_ORDER, contributions=OUT_OF_ORDER)


def _in_parts(raw_records, rows: int):
    """Every entity validated with the agreements and contributions in parts of `rows`;
    the number of parts of each."""
    known = nothing_known()
    first = partners_and_rates(raw_records)
    agreements = list(parts.agreement_parts(raw_records, known, first, rows))
    parents = with_agreements(first, *parts.joined(agreements))
    contributions = list(parts.contribution_parts(raw_records, known, parents, rows))
    validated = with_contributions(raw_records, parents, *parts.joined(contributions))
    return validated, (len(agreements), len(contributions))


@pytest.mark.parametrize("rows", [1, 2, 3, 100])
@pytest.mark.parametrize("storage", ["arrow", "python"])
def test_parts_give_the_rows_and_rejections_of_validating_at_once(tmp_path, rows, storage):
    records = _raw(_source(tmp_path / "src"))  # Arrow text
    if storage == "python":  # Python strings, as a workbook gives them
        records.tables = {e: t.astype(object) for e, t in records.tables.items()}
    parted, counts = _in_parts(records, rows)
    # 6 agreements, 8 contributions: a fifth of `rows` first (at least one), then `rows`
    assert counts == {1: (6, 8), 2: (4, 5), 3: (3, 4), 100: (1, 1)}[rows]
    whole = validate(records, nothing_known())
    for entity in whole.rows:
        pd.testing.assert_frame_equal(parted.rows[entity], whole.rows[entity])
        pd.testing.assert_frame_equal(parted.rejected[entity], whole.rejected[entity])
    reasons = {
        e: parted.rejected[e].set_index("row")["reason"].to_dict()
        for e in ("agreements", "contributions")
    }
    assert reasons == {
        "agreements": {3: "unknown_partner", 4: "duplicate_key", 5: "invalid_value"},
        "contributions": {
            3: "unknown_agreement", 4: "invalid_value", 5: "missing_value", 7: "duplicate_key"
        },
    }  # fmt: skip


def test_a_file_out_of_key_order_is_validated_in_one_part(tmp_path):
    records = _raw(_source(tmp_path / "src", in_order=False))
    assert _in_parts(records, 2)[1] == (1, 1)
    keys = table("contributions", {"contribution_id": "C2"}, {"contribution_id": "C1"})
    assert _in_parts(raw(contributions=keys), 1)[1] == (1, 1)


def _loaded_parts(monkeypatch) -> list[tuple[str, int]]:
    """The agreements' and contributions' parts the loader writes from now on, and their
    sizes."""
    sizes = []
    real = Load.add_rows

    def add_rows(self, entity, part):
        if entity in ("agreements", "contributions"):
            sizes.append((entity[0], len(part)))
        return real(self, entity, part)

    monkeypatch.setattr(Load, "add_rows", add_rows)
    return sizes


@pytest.mark.parametrize("in_order", [True, False], ids=["in order", "not"])
@pytest.mark.parametrize("bulk_min_rows", [1, 10**9], ids=["bulk", "row-by-row"])
def test_loading_in_parts_stores_what_validate_then_load_stores(
    empty_database, tmp_path, monkeypatch, in_order, bulk_min_rows
):
    monkeypatch.setattr(parts, "PART_ROWS", 2)
    sizes = _loaded_parts(monkeypatch)
    source = _source(tmp_path / "src", in_order)
    stored, _, db_url = overlapped_and_not(empty_database, source, bulk_min_rows)
    assert stored[0] == stored[1]
    assert len(rows(db_url, Contribution)) == 4
    if in_order and db_url.startswith("sqlite"):
        written = [("a", 1), ("a", 1), ("a", 0), ("a", 1)]  # A1 | A2 A3 | A1 A4 | A5
        written += [("c", 1), ("c", 1), ("c", 0), ("c", 1), ("c", 1)]  # C1 | C2 C3 | ...
    else:  # one part each
        written = [("a", 3), ("c", 4)]
    assert sizes == [*written, ("a", 3), ("c", 4)]  # then validate-then-load's


def test_ctrl_c_between_parts_keeps_nothing(db_url, tmp_path, monkeypatch):
    """Interrupted while validating the second part, with the first one written: the load
    rolls back, and the next ingestion goes through."""
    real = parts.contribution_parts

    def interrupted(*args):
        checked = real(*args)
        yield next(checked)
        raise KeyboardInterrupt

    monkeypatch.setattr(parts, "PART_ROWS", 2)
    monkeypatch.setattr(parts, "contribution_parts", interrupted)
    source = _source(tmp_path / "src")
    before = _stored(db_url)
    with pytest.raises(KeyboardInterrupt):
        overlap.validate_and_load(_raw(source), get_engine(db_url), bulk_min_rows=1)
    assert _stored(db_url) == before and not rows(db_url, Ingestion)
    monkeypatch.undo()
    overlap.validate_and_load(_raw(source), get_engine(db_url))
    assert len(rows(db_url, Contribution)) == 4


def test_parts_start_small_and_double_up_to_the_part_size():
    keys = table("contributions", *({"contribution_id": f"C{n:02}"} for n in range(40)))
    sizes = [len(part) for part, _ in parts._parts(keys, "contributions", 10)]
    assert sizes == [2, 4, 8, 10, 10, 6]
