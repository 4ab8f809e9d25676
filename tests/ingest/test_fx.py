"""The integer-cent conversion (`fx.usd_cents`) against the definition (`money.to_usd`)."""

import random
from decimal import Decimal

import numpy as np
import pandas as pd

from tasks.ingest.fx import FAST_MAX_CENTS, convert_to_usd, rates_on, scaled_rate, usd_cents
from tasks.money import to_usd

EDGE_AMOUNTS = [
    "0.01",
    "0.05",
    "1",
    "2.50",
    "19820000.50",
    "999999999999.99",
    "9999999999999999.99",  # the largest Numeric(18, 2)
    "230584300.00",  # around FAST_MAX_CENTS
    "230584301.00",
]
EDGE_RATES = [
    "1",
    "0.5",
    "2",
    "0.00000001",  # the smallest rate
    "0.00000003",
    "0.12345678",  # 8 decimals
    "0.91028200",
    "3",
    "7",
    "15812.5",
    "148.12345679",
    "999999999999.99999999",  # the largest Numeric(20, 8)
    "46116860184.27387904",  # around 2**62 / 10**8
    "46116860184.27387903",
]


def _check(amounts: list[Decimal], rates: list[Decimal]) -> None:
    cents = np.array([int(a.scaleb(2)) for a in amounts], dtype=np.int64)
    got = usd_cents(cents, np.array(rates, dtype=object))
    expected = [int(to_usd(a, r).scaleb(2)) for a, r in zip(amounts, rates, strict=True)]
    assert got == expected


def test_edge_amounts_and_rates():
    amounts = [Decimal(a) for a in EDGE_AMOUNTS if Decimal(a).as_tuple().exponent >= -2]
    pairs = [(a, Decimal(r)) for a in amounts for r in EDGE_RATES]
    _check([a for a, _ in pairs], [r for _, r in pairs])


def test_half_cent_ties_round_up():
    # amount / rate lands exactly on half a cent: 0.01 / 2, 0.03 / 2, 1.25 / 0.5 ...
    amounts = [Decimal("0.01"), Decimal("0.03"), Decimal("12345.67"), Decimal("0.05")]
    rates = [Decimal("2"), Decimal("2"), Decimal("2"), Decimal("10")]
    _check(amounts, rates)
    assert usd_cents(np.array([1, 3], dtype=np.int64), np.array(rates[:2], dtype=object)) == [
        1,
        2,
    ]


def test_random_amounts_and_rates_match_decimal():
    rng = random.Random(2024)
    amounts, rates = [], []
    for _ in range(20_000):
        digits = rng.choice([1, 3, 6, 9, 12, 16])
        amounts.append(Decimal(rng.randrange(1, 10**digits * 100)).scaleb(-2))
        places = rng.choice([0, 2, 4, 8])
        rates.append(Decimal(rng.randrange(1, 10 ** rng.choice([1, 4, 9, 12, 20]))).scaleb(-places))
    _check(amounts, rates)


def test_near_half_cent_quotients():
    # amounts whose quotient is within a hair of .5 cent with 8-decimal rates
    rng = random.Random(7)
    amounts, rates = [], []
    for _ in range(5_000):
        rate = Decimal(rng.randrange(1, 10**10)).scaleb(-8)
        target = (Decimal(rng.randrange(1, 10**8)) + Decimal("0.5")).scaleb(-2)  # x.xx5 USD
        amount = (target * rate).quantize(Decimal("0.01"))
        if amount > 0:
            amounts.append(amount)
            rates.append(rate)
    _check(amounts, rates)


def test_scaled_rate_only_when_exact():
    assert scaled_rate(Decimal("0.12345678")) == 12_345_678
    assert scaled_rate(Decimal("0.123456789")) == 0  # 9 decimals: the Decimal path
    assert scaled_rate(Decimal("1E+12")) == 0  # 10**20 is over 2**62: the Decimal path
    assert FAST_MAX_CENTS > 10**10


def test_rate_with_nine_decimals_falls_back_to_decimal():
    _check([Decimal("100.00"), Decimal("0.01")], [Decimal("0.123456789")] * 2)


def test_convert_to_usd_uses_the_signing_date_rate():
    rates = pd.DataFrame(
        {
            "currency": ["EUR", "EUR"],
            "valid_from": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "units_per_usd": [Decimal("0.92"), Decimal("0.95")],
        }
    )
    out = convert_to_usd(
        pd.Series([100_000_000, 100, 100, 100]),
        pd.Series(["EUR", "EUR", "USD", "CHF"]),
        pd.Series(pd.to_datetime(["2024-01-15", "2024-02-01", "2024-01-01", "2024-01-01"])),
        rates,
    )
    assert _cells(out["amount_usd"]) == [
        Decimal("1086956.52"),
        Decimal("1.05"),
        Decimal("1.00"),
        None,
    ]
    assert _cells(out["units_per_usd"]) == [Decimal("0.92"), Decimal("0.95"), Decimal(1), None]
    assert str(out["amount_usd"][0]) == str(to_usd(Decimal("1000000.00"), Decimal("0.92")))
    assert out["rate_valid_from"].tolist()[:2] == list(rates["valid_from"])
    assert out["rate_valid_from"][2:].isna().all()  # USD needs no rate; CHF has none
    assert not out["too_large"].any()


def _cells(values: pd.Series) -> list:
    return values.to_numpy(dtype=object, na_value=None).tolist()


def test_an_amount_over_the_largest_usd_amount_is_flagged_not_stored():
    rates = pd.DataFrame(
        {
            "currency": ["XAG"],
            "valid_from": pd.to_datetime(["2024-01-01"]),
            "units_per_usd": [Decimal("0.00000001")],  # 10**8 USD per unit
        }
    )
    # 100 M units: 10**16 USD; 10**12 units: 10**20 USD, over int64 in cents; 0.01 unit
    cents = pd.Series([100_000_000_00, 10**14, 1])
    dates = pd.Series(pd.to_datetime(["2024-06-01"] * 3))
    out = convert_to_usd(cents, pd.Series(["XAG"] * 3), dates, rates)
    assert out["too_large"].tolist() == [True, True, False]
    assert _cells(out["amount_usd"]) == [None, None, Decimal("1000000.00")]
    assert out["units_per_usd"].notna().all()  # a rate was found: not "no_exchange_rate"


def _merge_asof_rates(currency, signed_on, rates) -> list:
    """The rate each row gets, found by pandas' merge_asof (the reference)."""
    left = pd.DataFrame({"currency": currency, "signed_on": signed_on, "row": range(len(currency))})
    found = pd.merge_asof(
        left.sort_values("signed_on"),
        rates.assign(position=range(len(rates))).sort_values("valid_from"),
        left_on="signed_on",
        right_on="valid_from",
        by="currency",
        direction="backward",
    ).sort_values("row")
    return found["position"].fillna(-1).astype(int).tolist()


def test_rate_lookup_matches_merge_asof():
    rng = random.Random(11)
    names = ["EUR", "CHF", "JPY", "VND", "XOF"]
    pairs = {(rng.choice(names[:4]), f"20{rng.randrange(18, 25)}-{rng.randrange(1, 13):02}-01")
             for _ in range(200)}  # fmt: skip
    rates = pd.DataFrame(
        {
            "currency": [c for c, _ in pairs],
            "valid_from": pd.to_datetime([d for _, d in pairs]),
            "units_per_usd": [Decimal(rng.randrange(1, 10**6)).scaleb(-4) for _ in pairs],
        }
    )
    days = pd.date_range("2017-06-01", "2025-06-01", freq="D")
    currency = pd.Series([rng.choice(names) for _ in range(5_000)])
    signed_on = pd.Series([rng.choice(days) for _ in range(5_000)])
    assert rates_on(currency, signed_on, rates).tolist() == _merge_asof_rates(
        currency, signed_on, rates
    )
