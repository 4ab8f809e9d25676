"""Aggregation: every figure of contract section 4, hand-checked, on SQLite and PostgreSQL."""

import random
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import insert, text

from models.codes import MEMBERSHIP_CATEGORIES, PARTNER_TYPES
from models.db import get_engine, upgrade
from models.tables import Agreement, Contribution, Partner
from tasks.report.aggregate import (
    AGREEMENT_COLUMNS,
    agreements_in_year,
    compute_metrics,
)
from tests.conftest import at

# (partner_id, name, partner_type, membership_category)
PARTNERS = [
    ("P1", "Alpha Gov", "GOVERNMENT", "MEMBER_STATE"),
    ("P2", "Beta UN", "UN_ORGANIZATION", None),
    ("P3", "Gamma Uni", "ACADEMIA", "ACADEMIA"),
    ("P4", "Delta Corp", "PRIVATE_SECTOR", "SECTOR_MEMBER"),
    ("P5", "Epsilon Gov", "GOVERNMENT", "MEMBER_STATE"),
    ("P6", "Zeta Bank", "FINANCIAL_INSTITUTION", "ASSOCIATE"),
]
# (agreement_id, partner_id, signed_on, region, priority[, status])
AGREEMENTS = [
    ("A1", "P1", "2024-01-01", "AFR", "CONNECTIVITY"),
    ("A2", "P1", "2024-06-30", "AFR", "DIGITAL_TRANSFORMATION"),
    ("A3", "P2", "2024-12-31", "MULTI", "MULTI"),
    ("A4", "P3", "2024-05-05", "ASP", "CONNECTIVITY"),
    ("A5", "P4", "2024-07-07", "EUR", "MULTI"),
    ("A6", "P6", "2024-08-08", "EUR", "CONNECTIVITY", "cancelled"),
    ("B1", "P5", "2023-12-31", "AMS", "CONNECTIVITY"),
    ("B2", "P1", "2023-02-02", "AFR", "MULTI"),
    ("B3", "P5", "2023-03-03", "AMS", "MULTI", "cancelled"),
    ("C1", "P2", "2020-01-01", "CIS", "MULTI"),
    ("D1", "P5", "2019-12-31", "AFR", "MULTI"),
    ("E1", "P5", "2025-01-01", "AFR", "MULTI"),
]
# (agreement_id, source, amount_usd)
CONTRIBUTIONS = [
    ("A1", "PARTNER", "1000.50"),
    ("A1", "ITU", "200.25"),
    ("A2", "PARTNER", "500.00"),
    ("A3", "ITU", "300.00"),
    ("A5", "PARTNER", "1500.50"),
    ("A6", "PARTNER", "9999.00"),
    ("B1", "PARTNER", "1000.00"),
    ("B1", "ITU", "100.00"),
    ("B2", "PARTNER", "250.00"),
    ("B3", "ITU", "777.00"),
    ("C1", "ITU", "50.00"),
    ("D1", "PARTNER", "4444.00"),
    ("E1", "PARTNER", "5555.00"),
]


def insert_records(db_url, partners=(), agreements=(), contributions=()) -> None:
    """Insert partners, agreements and USD contributions given as the tuples above."""
    partner_rows = [
        {"partner_id": p, "name": n, "partner_type": t, "membership_category": m}
        for p, n, t, m in partners
    ]
    agreement_rows = [
        {
            "agreement_id": a[0],
            "partner_id": a[1],
            "signed_on": date.fromisoformat(a[2]),
            "region": a[3],
            "priority": a[4],
            "status": a[5] if len(a) > 5 else "active",
            "title": f"Agreement {a[0]}",
        }
        for a in agreements
    ]
    contribution_rows = [
        {
            "contribution_id": f"K{number}",
            "agreement_id": agreement_id,
            "source": source,
            "amount": Decimal(usd),
            "currency": "USD",
            "units_per_usd": Decimal(1),
            "amount_usd": Decimal(usd),
        }
        for number, (agreement_id, source, usd) in enumerate(contributions)
    ]
    with get_engine(db_url).begin() as connection:
        for table, rows in (
            (Partner, partner_rows),
            (Agreement, agreement_rows),
            (Contribution, contribution_rows),
        ):
            if rows:
                connection.execute(insert(table.__table__), rows)


@pytest.fixture
def dataset(db_url) -> str:
    """The hand-checked dataset above, in an empty database."""
    insert_records(db_url, PARTNERS, AGREEMENTS, CONTRIBUTIONS)
    return db_url


def breakdown(metrics_list) -> dict[str, tuple]:
    """code -> (agreements, agreements_share, financial_usd, financial_share)."""
    return {
        b.code: (b.agreements, b.agreements_share, b.financial_usd, b.financial_share)
        for b in metrics_list
    }


def test_hand_checked_year(dataset):
    m = at(dataset, compute_metrics, 2024)
    assert m.year == 2024
    assert (m.agreements.signed, m.agreements.with_financial) == (5, 4)
    f = m.financial_usd
    assert (f.total, f.partners, f.itu) == (3501.25, 3001.00, 500.25)
    assert f.partner_share == pytest.approx(3001.00 / 3501.25, abs=1e-12)
    assert f.itu_share == pytest.approx(500.25 / 3501.25, abs=1e-12)
    p = m.partners
    assert (p.total, p.financial, p.financial_usd) == (4, 2, 3001.00)
    assert p.by_type == {
        "ACADEMIA": 1,
        "FINANCIAL_INSTITUTION": 0,
        "GOVERNMENT": 1,
        "INTL_REGIONAL_ORG": 0,
        "PRIVATE_SECTOR": 1,
        "UN_ORGANIZATION": 1,
    }
    assert p.by_membership == {
        "MEMBER_STATE": 1,
        "SECTOR_MEMBER": 1,
        "ASSOCIATE": 0,
        "ACADEMIA": 1,
        "REGIONAL_INTL_ORG": 0,
        "NONE": 1,
    }
    assert list(p.by_type) == list(PARTNER_TYPES)  # contract order
    assert list(p.by_membership) == [*MEMBERSHIP_CATEGORIES, "NONE"]


def test_top_partners_sum_agreements_and_break_ties_by_name(dataset):
    top = at(dataset, compute_metrics, 2024).top_financial_partners
    # P1 has 1000.50 + 500.00 over two agreements, tying P4's 1500.50: "Alpha" before "Delta".
    assert [(t.rank, t.partner_id, t.name, t.partner_type, t.usd) for t in top] == [
        (1, "P1", "Alpha Gov", "GOVERNMENT", 1500.50),
        (2, "P4", "Delta Corp", "PRIVATE_SECTOR", 1500.50),
    ]


def test_regions_and_priorities_list_every_code(dataset):
    m = at(dataset, compute_metrics, 2024)
    total = 3501.25
    assert [b.code for b in m.by_region] == ["AFR", "AMS", "ARB", "ASP", "CIS", "EUR", "MULTI"]
    assert m.by_region[0].label == "Africa"
    assert breakdown(m.by_region) == {
        "AFR": (2, 0.4, 1700.75, pytest.approx(1700.75 / total)),
        "AMS": (0, 0.0, 0.0, 0.0),
        "ARB": (0, 0.0, 0.0, 0.0),
        "ASP": (1, 0.2, 0.0, 0.0),
        "CIS": (0, 0.0, 0.0, 0.0),
        "EUR": (1, 0.2, 1500.50, pytest.approx(1500.50 / total)),
        "MULTI": (1, 0.2, 300.00, pytest.approx(300.00 / total)),
    }
    assert [b.code for b in m.by_priority] == [
        "CONNECTIVITY",
        "DIGITAL_TRANSFORMATION",
        "ENABLING_ENVIRONMENT",
        "INCLUSIVE_SECURE",
        "MULTI",
    ]
    assert breakdown(m.by_priority) == {
        "CONNECTIVITY": (2, 0.4, 1200.75, pytest.approx(1200.75 / total)),
        "DIGITAL_TRANSFORMATION": (1, 0.2, 500.00, pytest.approx(500.00 / total)),
        "ENABLING_ENVIRONMENT": (0, 0.0, 0.0, 0.0),
        "INCLUSIVE_SECURE": (0, 0.0, 0.0, 0.0),
        "MULTI": (2, 0.4, 1800.50, pytest.approx(1800.50 / total)),
    }


def test_trend_excludes_cancelled_and_years_outside_and_fills_zeros(dataset):
    trend = at(dataset, compute_metrics, 2024).trend
    assert [(t.year, t.agreements, t.itu_usd, t.partners_usd, t.total_usd) for t in trend] == [
        (2020, 1, 50.00, 0.0, 50.00),
        (2021, 0, 0.0, 0.0, 0.0),
        (2022, 0, 0.0, 0.0, 0.0),
        (2023, 2, 100.00, 1250.00, 1350.00),
        (2024, 5, 500.25, 3001.00, 3501.25),
    ]


def test_year_over_year(dataset):
    yoy = at(dataset, compute_metrics, 2024).year_over_year
    assert yoy.previous_year == 2023
    assert yoy.agreements.model_dump() == {
        "current": 5,
        "previous": 2,
        "change": 3,
        "change_pct": 1.5,
    }
    assert yoy.financial_usd_total.model_dump() == {
        "current": 3501.25,
        "previous": 1350.00,
        "change": 2151.25,
        "change_pct": pytest.approx(2151.25 / 1350),
    }
    assert (yoy.partners_usd.change, yoy.partners_usd.change_pct) == (1751.00, 1.4008)
    assert (yoy.itu_usd.change, yoy.itu_usd.change_pct) == (400.25, 4.0025)


def test_year_without_agreements_is_all_zeros(dataset):
    m = at(dataset, compute_metrics, 2022)
    assert (m.agreements.signed, m.agreements.with_financial) == (0, 0)
    assert m.financial_usd.model_dump() == dict.fromkeys(
        ("total", "partners", "itu", "partner_share", "itu_share"), 0.0
    )
    assert (m.partners.total, m.partners.financial, m.partners.financial_usd) == (0, 0, 0.0)
    assert set(m.partners.by_type.values()) == {0}
    assert set(m.partners.by_membership.values()) == {0}
    assert m.top_financial_partners == []
    assert all(b.agreements == 0 and b.agreements_share == 0.0 for b in m.by_region)
    assert m.year_over_year.agreements.change_pct is None  # 2021 had nothing
    assert [t.agreements for t in m.trend] == [0, 1, 1, 0, 0]  # 2019 (D1), 2020 (C1)


def test_year_without_money_has_zero_shares(db_url):
    insert_records(db_url, PARTNERS[:1], [("A1", "P1", "2024-03-03", "ARB", "MULTI")])
    m = at(db_url, compute_metrics, 2024)
    assert (m.agreements.signed, m.agreements.with_financial) == (1, 0)
    assert (m.financial_usd.total, m.financial_usd.partner_share) == (0.0, 0.0)
    assert (m.partners.total, m.partners.financial) == (1, 0)
    assert m.top_financial_partners == []
    arb = breakdown(m.by_region)["ARB"]
    assert arb == (1, 1.0, 0.0, 0.0)


def test_partner_with_only_itu_money_is_not_financial(db_url):
    insert_records(
        db_url,
        PARTNERS[:2],
        [("A1", "P1", "2024-03-03", "ARB", "MULTI"), ("A2", "P2", "2024-04-04", "ARB", "MULTI")],
        [("A1", "ITU", "10.00"), ("A2", "PARTNER", "20.00")],
    )
    m = at(db_url, compute_metrics, 2024)
    assert (m.partners.total, m.partners.financial, m.partners.financial_usd) == (2, 1, 20.0)
    assert m.agreements.with_financial == 2
    assert [t.partner_id for t in m.top_financial_partners] == ["P2"]


def test_top_list_keeps_ten_largest_ties_by_name(db_url):
    partners = [(f"P{n:02}", f"Name {chr(ord('Z') - n)}", "GOVERNMENT", None) for n in range(12)]
    agreements = [(f"A{n:02}", f"P{n:02}", "2024-02-02", "AFR", "MULTI") for n in range(12)]
    # P00 has the most; every other partner ties at 100.00.
    money = [(f"A{n:02}", "PARTNER", "900.00" if n == 0 else "100.00") for n in range(12)]
    insert_records(db_url, partners, agreements, money)
    top = at(db_url, compute_metrics, 2024).top_financial_partners
    assert [t.rank for t in top] == list(range(1, 11))
    assert top[0].name == "Name Z"
    # Ties come in name order (not partner_id order, which runs Y..O): X and Y fall out.
    assert [t.name for t in top[1:]] == [f"Name {c}" for c in "OPQRSTUVW"]


def test_cancelled_agreements_count_nowhere(dataset):
    m = at(dataset, compute_metrics, 2024)
    assert "P6" not in [t.partner_id for t in m.top_financial_partners]
    assert m.partners.by_type["FINANCIAL_INSTITUTION"] == 0
    assert 9999.0 not in [b.financial_usd for b in m.by_region]
    assert "A6" not in set(at(dataset, agreements_in_year, 2024)["agreement_id"])


def test_agreements_in_year_lists_each_with_its_money(dataset):
    frame = at(dataset, agreements_in_year, 2024)
    assert list(frame.columns) == list(AGREEMENT_COLUMNS)
    assert list(frame["agreement_id"]) == ["A1", "A4", "A2", "A5", "A3"]
    first = frame.iloc[0]
    assert first["signed_on"] == date(2024, 1, 1)
    assert (first["partner_name"], first["membership_category"]) == ("Alpha Gov", "MEMBER_STATE")
    assert (first["region"], first["priority"], first["title"]) == (
        "AFR",
        "CONNECTIVITY",
        "Agreement A1",
    )
    assert list(frame["partner_usd"]) == [1000.50, 0.0, 500.00, 1500.50, 0.0]
    assert list(frame["itu_usd"]) == [200.25, 0.0, 0.0, 0.0, 300.00]
    assert list(frame["total_usd"]) == [1200.75, 0.0, 500.00, 1500.50, 300.00]
    assert frame["total_usd"].dtype == "float64"
    assert pd.isna(frame.iloc[4]["membership_category"])  # P2: not an ITU member
    assert at(dataset, agreements_in_year, 2021).empty


def random_records(seed: int) -> tuple[list, list, list]:
    """A few hundred partners, agreements and odd-cent contributions over 2019..2025."""
    rng = random.Random(seed)
    regions, priorities = ["AFR", "AMS", "ASP", "EUR", "MULTI"], ["CONNECTIVITY", "MULTI"]
    partners = [
        (f"P{n}", rng.choice(["alpha", "Alpha", "Beta", "beta", "Gamma"]) + f" {n % 7}",
         rng.choice(["GOVERNMENT", "ACADEMIA"]), rng.choice([None, "MEMBER_STATE"]))
        for n in range(150)
    ]  # fmt: skip
    agreements = [
        (f"A{n}", f"P{rng.randrange(150)}", date(2019 + rng.randrange(7), 1, 1).replace(
            day=rng.randrange(1, 29), month=rng.randrange(1, 13)).isoformat(),
         rng.choice(regions), rng.choice(priorities),
         "cancelled" if rng.random() < 0.1 else "active")
        for n in range(600)
    ]  # fmt: skip
    contributions = [
        (f"A{rng.randrange(600)}", rng.choice(["PARTNER", "ITU"]),
         rng.choice(["0.10", "0.01", "100.00", f"{rng.randrange(1, 10**9)}.{rng.randrange(100)}"]))
        for _ in range(3000)
    ]  # fmt: skip
    return partners, agreements, contributions


def test_same_metrics_on_sqlite_and_postgresql(sqlite_url, pg_database):
    with get_engine(pg_database).begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(get_engine(pg_database))
    records = random_records(seed=17)
    for url in (sqlite_url, pg_database):
        insert_records(url, *records)
    on_sqlite = at(sqlite_url, compute_metrics, 2024).model_dump()
    assert on_sqlite == at(pg_database, compute_metrics, 2024).model_dump()
    counted = {a[0] for a in records[1] if a[2].startswith("2024") and a[5] == "active"}
    exact = sum(Decimal(usd) for agreement_id, _, usd in records[2] if agreement_id in counted)
    assert on_sqlite["financial_usd"]["total"] == float(exact)
    assert len(on_sqlite["top_financial_partners"]) == 10
    frames = [at(url, agreements_in_year, 2024) for url in (sqlite_url, pg_database)]
    assert frames[0].equals(frames[1])
