"""Exchange rates: the monthly series, the rate valid on a day, conversion to USD."""

from __future__ import annotations

import random
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

# Exchange rates: (first month, units per USD then, at 2025-12, decimals). Monthly UN-style
# rates are drawn around the straight line between the two anchors.
RATE_ANCHORS = {
    "AUD": (date(2019, 1, 1), "1.402", "1.575", 3),
    "CHF": (date(2019, 1, 1), "0.985", "0.885", 3),
    "COP": (date(2019, 1, 1), "3160", "4250", 2),
    "EUR": (date(2019, 1, 1), "0.873", "0.955", 3),
    "GBP": (date(2019, 1, 1), "0.785", "0.792", 3),
    "JPY": (date(2019, 1, 1), "109.5", "154.0", 2),
    "KRW": (date(2020, 1, 1), "1180", "1455", 2),  # no KRW rate before 2020
    "SEK": (date(2019, 1, 1), "9.05", "10.85", 3),
}
# Mid-month revisions (UN rates are revised within a month after large moves).
RATE_REVISIONS = [
    ("COP", date(2020, 3, 20)),
    ("GBP", date(2022, 9, 28)),
    ("EUR", date(2024, 6, 17)),
]
LAST_RATE_MONTH = date(2025, 12, 1)


def month_starts(first: date, last: date) -> list[date]:
    """First days of every month from `first` to `last`."""
    days, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        days.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def make_rates(rng: random.Random) -> dict[str, list[tuple[date, Decimal]]]:
    """Monthly rates per currency (plus the mid-month revisions), sorted by valid_from."""
    rates: dict[str, list[tuple[date, Decimal]]] = {}
    for currency, (first, start, end, decimals) in RATE_ANCHORS.items():
        months = month_starts(first, LAST_RATE_MONTH)
        revisions = [day for cur, day in RATE_REVISIONS if cur == currency]
        days = sorted(months + revisions)
        step = Decimal(1).scaleb(-decimals)
        series = []
        for i, day in enumerate(days):
            line = float(start) + (float(end) - float(start)) * i / (len(days) - 1)
            value = Decimal(str(line * (1 + rng.gauss(0, 0.012)))).quantize(step)
            series.append((day, value))
        rates[currency] = series
    return rates


def rate_on(rates: dict[str, list[tuple[date, Decimal]]], currency: str, day: date) -> Decimal:
    """The rate whose valid_from is the latest on or before `day` (KeyError when none)."""
    if currency == "USD":
        return Decimal(1)
    valid = [value for start, value in rates.get(currency, []) if start <= day]
    if not valid:
        raise KeyError(f"no {currency} rate on {day}")
    return valid[-1]


def to_usd(amount: Decimal, units_per_usd: Decimal) -> Decimal:
    """amount / units_per_usd to the cent, half-up, refusing values near a half-cent tie."""
    exact = amount / units_per_usd
    cents = exact * 100
    gap = abs(cents % 1 - Decimal("0.5"))
    assert gap > Decimal("0.001"), f"{amount}/{units_per_usd} is too close to a half cent"
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)
