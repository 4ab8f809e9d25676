"""Exchange rates: convert contributions to USD at the signing date's rate (contract section 1).

A contribution uses the rate of its currency whose `valid_from` is the latest one on or
before the agreement's `signed_on`; `amount_usd = amount / units_per_usd`, to the cent, half
up (`tasks.money.to_usd`, the definition). USD needs no rate.

Speed: a million `Decimal` divisions cost ~1.5 s, so `usd_cents` divides whole numbers
instead: amount in cents A, rate x 10^8 as an integer R, USD cents = (2 A 10^8 + R) // (2 R)
(half up), in int64 where that cannot overflow. It gives exactly `to_usd`'s result: the
quotient has at most 26 digits before the cent's rounding, so `to_usd`'s 28-digit Decimal
division never rounds it across a half cent. Rows outside the int64 range, or with a rate of
more than 8 decimals (none after validation), go through `to_usd` itself. The rate in force
is found by one binary search over (currency, valid_from) keys (`rates_on`), and the results
are Arrow decimal columns made from those integers (`tasks.ingest.decimals`).
"""

from decimal import Decimal

import numpy as np
import pandas as pd

from models.codes import BASE_CURRENCY
from models.tables import MONEY, RATE
from tasks.ingest import decimals
from tasks.money import to_usd

_NS = "datetime64[ns]"
RATE_SCALE = 10**RATE.scale  # rates have at most 8 decimals (the column's scale)
# (2 A RATE_SCALE + R) stays below 2**63 when R < 2**62 and A < FAST_MAX_CENTS
MAX_FAST_RATE = 2**62
FAST_MAX_CENTS = 2**62 // (2 * RATE_SCALE)
# The largest USD amount the column stores, in cents (9 999 999 999 999.99 USD)
USD_MAX_CENTS = 10**MONEY.precision - 1
ONE = Decimal(1)
# Days from 0001-01-01 to 9999-12-31 (every date a YYYY-MM-DD text can name), so that a
# currency's code times this plus a day number orders rates by currency, then date.
_FIRST_DAY = np.datetime64("0001-01-01", "D").astype(np.int64)
_DAYS = np.datetime64("9999-12-31", "D").astype(np.int64) - _FIRST_DAY + 1


def _keys(codes: np.ndarray, days: pd.Series) -> np.ndarray:
    """(currency code, day) as one int64 that sorts the same way."""
    return codes * _DAYS + (days.to_numpy(dtype="datetime64[D]").astype(np.int64) - _FIRST_DAY)


def rates_on(currency: pd.Series, signed_on: pd.Series, rates: pd.DataFrame) -> np.ndarray:
    """For each row, the position in `rates` of the rate in force on `signed_on`: the
    latest `valid_from` on or before it for the row's currency; -1 where there is none.

    Args:
        currency: ISO code per row (upper case).
        signed_on: signature date per row (datetime64; NaT finds no rate).
        rates: currency, valid_from (datetime64, no NaT), units_per_usd (Decimal); one row
            per (currency, valid_from).
    """
    found = np.full(len(currency), -1, dtype=np.int64)
    if rates.empty or currency.empty:
        return found
    codes, names = pd.factorize(rates["currency"].to_numpy(dtype=object))
    row_codes = pd.Index(names).get_indexer(currency.to_numpy(dtype=object))
    dated = (row_codes >= 0) & signed_on.notna().to_numpy(dtype=bool)
    rate_keys = _keys(codes, rates["valid_from"])
    order = np.argsort(rate_keys, kind="stable")
    some_day = rates["valid_from"].iloc[0]  # in place of NaT, whose rows find nothing
    wanted = _keys(np.where(dated, row_codes, 0), signed_on.where(dated, some_day))
    at = np.searchsorted(rate_keys[order], wanted, side="right") - 1
    candidate = order[np.maximum(at, 0)]
    same_currency = (at >= 0) & (codes[candidate] == row_codes) & dated
    found[same_currency] = candidate[same_currency]
    return found


def scaled_rate(units_per_usd: Decimal) -> int:
    """The rate x 10^8 as an integer; 0 when that is not exact or too large for int64 use."""
    scaled = units_per_usd.scaleb(8)
    if scaled != scaled.to_integral_value() or not 0 < scaled < MAX_FAST_RATE:
        return 0
    return int(scaled)


def _scaled_rates(rates: list[Decimal]) -> np.ndarray:
    """`scaled_rate` of each rate, as int64."""
    return np.array([scaled_rate(u) for u in rates], dtype=np.int64)


def _fast_cents(amount_cents: np.ndarray, scaled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """USD cents in int64 of the rows whole-number division can do (`scaled`: each row's
    rate x 10^8, 0 where not exact), and the rows it cannot (0 in the cents there)."""
    amount_cents = np.asarray(amount_cents, dtype=np.int64)
    fast = (scaled > 0) & (amount_cents >= 0) & (amount_cents < FAST_MAX_CENTS)
    out = np.zeros(len(amount_cents), dtype=np.int64)
    rate = scaled[fast]
    out[fast] = (2 * RATE_SCALE * amount_cents[fast] + rate) // (2 * rate)
    return out, np.flatnonzero(~fast)


def _decimal_cents(amount_cents: int, units_per_usd: Decimal) -> int:
    """`to_usd` itself, in cents."""
    return int(to_usd(Decimal(int(amount_cents)).scaleb(-2), units_per_usd).scaleb(2))


def usd_cents(amount_cents: np.ndarray, units_per_usd: np.ndarray) -> list[int]:
    """USD cents of each amount (in cents) at its rate (Decimal): exactly `to_usd`, rounded.

    Args:
        amount_cents: int64 amounts x 100 (amounts have at most 2 decimals).
        units_per_usd: Decimal rate per row (units of the currency per USD, > 0).
    Returns:
        `to_usd(amount, units_per_usd) * 100` per row, as Python ints.
    """
    codes, distinct = pd.factorize(np.asarray(units_per_usd, dtype=object))
    fast, slow = _fast_cents(amount_cents, _scaled_rates(list(distinct))[codes])
    cents = fast.tolist()
    for row in slow.tolist():
        cents[row] = _decimal_cents(amount_cents[row], distinct[codes[row]])
    return cents


def convert_to_usd(
    amount_cents: pd.Series, currency: pd.Series, signed_on: pd.Series, rates: pd.DataFrame
) -> pd.DataFrame:
    """Rate used, its valid_from and amount in USD (to the cent) per row.

    Args:
        amount_cents: amount x 100 per row (int64; amounts have at most 2 decimals).
        currency: ISO code per row (upper case).
        signed_on: signature date per row (datetime64).
        rates: currency, valid_from (datetime64), units_per_usd (Decimal, at most the RATE
            column's digits).
    Returns:
        On the same index: units_per_usd and amount_usd (Arrow decimals of the RATE and
        MONEY columns, missing where no rate was found, and amount_usd also where it is
        over the column's largest value), rate_valid_from (NaT for USD and where no rate
        was found), too_large (True where amount_usd is over that largest value) and
        under_cent (True where a rate was found and amount_usd rounds to 0.00).
    """
    index = currency.index
    is_usd = (currency == BASE_CURRENCY).to_numpy(dtype=bool)
    found = rates_on(currency, signed_on, rates)
    found[is_usd] = -1
    has_rate = is_usd | (found >= 0)
    rate_list = [*rates["units_per_usd"].tolist(), ONE]  # USD: the last one
    codes = np.where(is_usd, len(rate_list) - 1, found)[has_rate]
    row_rates = _scaled_rates(rate_list)[codes]
    if (row_rates == 0).any():
        raise ValueError(f"a rate has more digits than Numeric{RATE.precision, RATE.scale}")
    amounts = amount_cents.to_numpy(dtype=np.int64)[has_rate]
    cents, slow = _fast_cents(amounts, row_rates)
    for row in slow.tolist():  # amounts over FAST_MAX_CENTS
        cents[row] = min(_decimal_cents(amounts[row], rate_list[codes[row]]), USD_MAX_CENTS + 1)
    usd = np.zeros(len(index), dtype=np.int64)
    usd[has_rate] = cents
    too_large = usd > USD_MAX_CENTS
    under_cent = has_rate & (usd == 0)
    units = np.zeros(len(index), dtype=np.int64)
    units[has_rate] = row_rates
    valid_from = rates["valid_from"].to_numpy(dtype=_NS)
    dates = np.full(len(index), np.datetime64("NaT"), dtype=_NS)
    dates[found >= 0] = valid_from[found[found >= 0]]
    return pd.DataFrame(
        {
            "units_per_usd": decimals.from_scaled(units, has_rate, RATE).set_axis(index),
            "rate_valid_from": pd.Series(dates, index=index),
            "amount_usd": decimals.from_scaled(usd, has_rate & ~too_large, MONEY).set_axis(index),
            "too_large": pd.Series(too_large, index=index),
            "under_cent": pd.Series(under_cent, index=index),
        },
        index=index,
    )
