"""Aggregation of data quality: the ingestion log and its rejections, on SQLite and PostgreSQL."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from models.codes import ENTITIES, REASONS
from models.contract import REJECTION_COLUMNS
from models.db import get_engine
from models.tables import Ingestion, Rejection
from tasks.errors import PrmError
from tasks.report.aggregate import compute_metrics, rejections_of
from tests.conftest import at


def add_ingestion(db_url, ingestion_id: int, rejections=()) -> None:
    """An Ingestion row with distinct counts per entity, and its rejections."""
    counts = {}
    for offset, entity in enumerate(ENTITIES):
        counts |= {
            f"{entity}_read": ingestion_id * 100 + offset * 10 + 3,
            f"{entity}_loaded": ingestion_id * 100 + offset * 10 + 1,
            f"{entity}_rejected": 2,
        }
    row = {
        "id": ingestion_id,
        "source": "data/in",
        "fingerprint": "f" * 64,
        "started_at": datetime(2025, 1, ingestion_id, tzinfo=UTC),
        **counts,
    }
    rejection_rows = [
        {
            "ingestion_id": ingestion_id,
            "entity": entity,
            "file": file,
            "row": row_number,
            "key": f"K{row_number}",
            "column": "amount",
            "value": "-1",
            "reason": reason,
            "message": "amount must be > 0",
        }
        for entity, file, row_number, reason in rejections
    ]
    with get_engine(db_url).begin() as connection:
        connection.execute(insert(Ingestion.__table__), [row])
        if rejection_rows:
            connection.execute(insert(Rejection.__table__), rejection_rows)


REJECTIONS = [
    ("contributions", "contributions.csv", 2, "invalid_value"),
    ("partners", "partners_b.csv", 5, "missing_value"),
    ("exchange_rates", "book.xlsx:exchange_rates", 4, "invalid_value"),
    ("partners", "partners_a.csv", 9, "duplicate_key"),
    ("agreements", "agreements.csv", 1, "unknown_partner"),
    ("partners", "partners_a.csv", 3, "invalid_value"),
]


def test_data_quality_of_latest_or_given_ingestion(db_url):
    add_ingestion(db_url, 1, [("partners", "p.csv", 1, "no_exchange_rate")])
    add_ingestion(db_url, 2, REJECTIONS)
    latest = at(db_url, compute_metrics, 2024).data_quality
    assert latest.ingestion_id == 2
    assert latest.read == {"partners": 203, "agreements": 213, "contributions": 223,
                           "exchange_rates": 233}  # fmt: skip
    assert latest.loaded["exchange_rates"] == 231
    assert latest.rejected == dict.fromkeys(ENTITIES, 2)
    assert list(latest.rejections_by_reason) == list(REASONS)
    assert latest.rejections_by_reason == {
        "missing_value": 1,
        "invalid_value": 3,
        "duplicate_key": 1,
        "unknown_partner": 1,
        "unknown_agreement": 0,
        "no_exchange_rate": 0,
    }
    first = at(db_url, compute_metrics, 2024, ingestion_id=1).data_quality
    assert (first.ingestion_id, first.read["partners"]) == (1, 103)
    assert first.rejections_by_reason["no_exchange_rate"] == 1
    assert sum(first.rejections_by_reason.values()) == 1


def test_data_quality_without_ingestion_is_zeros(db_url):
    quality = at(db_url, compute_metrics, 2024).data_quality
    assert quality.ingestion_id is None
    assert quality.read == quality.loaded == quality.rejected == dict.fromkeys(ENTITIES, 0)
    assert quality.rejections_by_reason == dict.fromkeys(REASONS, 0)
    with pytest.raises(PrmError, match="ingestion 7"):
        at(db_url, compute_metrics, 2024, ingestion_id=7)


def test_rejections_of_in_contract_order(db_url):
    assert list(at(db_url, rejections_of, None).columns) == list(REJECTION_COLUMNS)
    assert at(db_url, rejections_of, None).empty
    add_ingestion(db_url, 1, [("partners", "p.csv", 1, "no_exchange_rate")])
    add_ingestion(db_url, 2, REJECTIONS)
    frame = at(db_url, rejections_of, None)
    assert list(frame.columns) == list(REJECTION_COLUMNS)
    assert list(zip(frame["entity"], frame["file"], frame["row"], strict=True)) == [
        ("partners", "partners_a.csv", 3),
        ("partners", "partners_a.csv", 9),
        ("partners", "partners_b.csv", 5),
        ("agreements", "agreements.csv", 1),
        ("contributions", "contributions.csv", 2),
        ("exchange_rates", "book.xlsx:exchange_rates", 4),
    ]
    assert frame.iloc[0][["key", "column", "value", "reason"]].tolist() == [
        "K3",
        "amount",
        "-1",
        "invalid_value",
    ]
    assert len(at(db_url, rejections_of, 1)) == 1
