"""Aggregate's shaping of query rows, in memory: whole cents in, the contract's figures out.

The SQL is tested on both databases in test_aggregate.py; these need no database.
"""

from collections import namedtuple

import pandas as pd

from tasks.report.aggregate import (
    AGREEMENT_COLUMNS,
    agreements_frame,
    financial_usd,
    trend_years,
    year_over_year,
)

TrendRow = namedtuple("TrendRow", "year agreements partner_cents itu_cents")


def test_financial_figures_and_shares_from_cents():
    money = financial_usd(partner_cents=300_000_01, itu_cents=100_000_00)
    assert (money.total, money.partners, money.itu) == (400_000.01, 300_000.01, 100_000.0)
    assert money.partner_share + money.itu_share == 1.0
    assert financial_usd(0, 0).partner_share == 0.0  # no money: shares are 0, not an error


def test_trend_covers_five_years_with_zeros_for_empty_ones():
    rows = [TrendRow(2021, 3, 150, 50), TrendRow(2024, 2, 1_000_00, 0)]
    trend = trend_years(rows, 2024)
    assert [t.year for t in trend] == [2020, 2021, 2022, 2023, 2024]
    assert [t.agreements for t in trend] == [0, 3, 0, 0, 2]
    assert (trend[1].partners_usd, trend[1].itu_usd, trend[1].total_usd) == (1.5, 0.5, 2.0)
    change = year_over_year(trend[-1], trend[-2])
    assert change.previous_year == 2023 and change.agreements.change == 2
    assert change.agreements.change_pct is None  # from zero: no ratio


def test_agreement_list_turns_cents_into_usd_columns():
    rows = pd.DataFrame(
        {
            **{c: ["x"] for c in AGREEMENT_COLUMNS if not c.endswith("_usd")},
            "partner_cents": [123_45],
            "itu_cents": [5],
            "total_cents": [123_50],
        }
    )
    frame = agreements_frame(rows)
    assert list(frame.columns) == list(AGREEMENT_COLUMNS)
    assert frame.loc[0, ["partner_usd", "itu_usd", "total_usd"]].tolist() == [123.45, 0.05, 123.5]
    assert "partner_cents" in rows  # the query's rows are left as they were
