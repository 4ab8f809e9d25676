"""Exchange rates: convert contributions to USD at the signing date's rate (contract section 1).

A contribution uses the rate of its currency whose `valid_from` is the latest one on or
before the agreement's `signed_on`; `amount_usd = amount / units_per_usd`, to the cent, half
up (`tasks.money.to_usd`, the definition). USD needs no rate.

Speed: a million `Decimal` divisions cost ~1.5 s, so `usd_cents` divides whole numbers
instead: amount in cents A, rate x 10^8 as an integer R, USD cents = (2 A 10^8 + R) // (2 R)
(half up), in int64 where that cannot overflow. It gives exactly `to_usd`'s result: the
quotient has at most 26 digits before the cent's rounding, so `to_usd`'s 28-digit Decimal
division never rounds it across a half cent. Rows outside the int64 range, or with a rate of
more than 8 decimals (none after validation), go through `to_usd` itself.
"""

from decimal import Decimal
from itertools import repeat

import numpy as np
import pandas as pd

from models.codes import BASE_CURRENCY
from models.tables import RATE
from tasks.money import to_usd

_NS = "datetime64[ns]"
RATE_SCALE = 10**RATE.scale  # rates have at most 8 decimals (the column's scale)
# (2 A RATE_SCALE + R) stays below 2**63 when R < 2**62 and A < FAST_MAX_CENTS
MAX_FAST_RATE = 2**62
FAST_MAX_CENTS = 2**62 // (2 * RATE_SCALE)
ONE = Decimal(1)


def rates_on(currency: pd.Series, signed_on: pd.Series, rates: pd.DataFrame) -> pd.DataFrame:
    """For each row, the rate in force on `signed_on` (NaN/NaT where there is none).

    Args:
        currency: ISO code per row (upper case).
        signed_on: signature date per row (datetime64).
        rates: currency, valid_from (datetime64), units_per_usd (Decimal).
    Returns:
        A frame on the same index with units_per_usd and rate_valid_from.
    """
    left = pd.DataFrame(
        {
            "currency": currency.astype(object),
            "signed_on": signed_on.astype(_NS),
            "_order": range(len(currency)),
        },
        index=currency.index,
    ).sort_values("signed_on")
    right = rates.assign(
        currency=rates["currency"].astype(object), valid_from=rates["valid_from"].astype(_NS)
    ).sort_values("valid_from")
    found = pd.merge_asof(
        left.reset_index(),
        right[["currency", "valid_from", "units_per_usd"]],
        left_on="signed_on",
        right_on="valid_from",
        by="currency",
        direction="backward",
    ).set_index("index")
    found = found.loc[currency.index]
    return pd.DataFrame(
        {"units_per_usd": found["units_per_usd"], "rate_valid_from": found["valid_from"]},
        index=currency.index,
    )


def scaled_rate(units_per_usd: Decimal) -> int:
    """The rate x 10^8 as an integer; 0 when that is not exact or too large for int64 use."""
    scaled = units_per_usd.scaleb(8)
    if scaled != scaled.to_integral_value() or not 0 < scaled < MAX_FAST_RATE:
        return 0
    return int(scaled)


def usd_cents(amount_cents: np.ndarray, units_per_usd: np.ndarray) -> list[int]:
    """USD cents of each amount (in cents) at its rate (Decimal): exactly `to_usd`, rounded.

    Args:
        amount_cents: int64 amounts x 100 (amounts have at most 2 decimals).
        units_per_usd: Decimal rate per row (units of the currency per USD, > 0).
    Returns:
        `to_usd(amount, units_per_usd) * 100` per row, as Python ints.
    """
    amount_cents = np.asarray(amount_cents, dtype=np.int64)
    codes, distinct = pd.factorize(np.asarray(units_per_usd, dtype=object))
    scaled = np.array([scaled_rate(u) for u in distinct], dtype=np.int64)[codes]
    fast = (scaled > 0) & (amount_cents >= 0) & (amount_cents < FAST_MAX_CENTS)
    out = np.zeros(len(amount_cents), dtype=np.int64)
    rate = scaled[fast]
    out[fast] = (2 * RATE_SCALE * amount_cents[fast] + rate) // (2 * rate)
    cents = out.tolist()
    for row in np.flatnonzero(~fast).tolist():
        amount = Decimal(int(amount_cents[row])).scaleb(-2)
        cents[row] = int(to_usd(amount, units_per_usd[row]).scaleb(2))
    return cents


def convert_to_usd(
    amount_cents: pd.Series, currency: pd.Series, signed_on: pd.Series, rates: pd.DataFrame
) -> pd.DataFrame:
    """Rate used, its valid_from and amount in USD (Decimal, to the cent) per row.

    Args:
        amount_cents: amount x 100 per row (int64; amounts have at most 2 decimals).
        currency: ISO code per row (upper case).
        signed_on: signature date per row (datetime64).
        rates: currency, valid_from (datetime64), units_per_usd (Decimal).
    Returns:
        units_per_usd, rate_valid_from, amount_usd on the same index; units_per_usd and
        amount_usd are None where no rate was found.
    """
    is_usd = (currency == BASE_CURRENCY).to_numpy(dtype=bool)
    found = rates_on(currency[~is_usd], signed_on[~is_usd], rates)
    units = np.full(len(currency), ONE, dtype=object)
    units[~is_usd] = found["units_per_usd"].to_numpy(dtype=object)
    valid_from = pd.Series(pd.NaT, index=currency.index, dtype=_NS)
    valid_from[~is_usd] = found["rate_valid_from"]
    has_rate = is_usd.copy()
    has_rate[~is_usd] = found["units_per_usd"].notna().to_numpy(dtype=bool)
    units[~has_rate] = None
    usd = np.full(len(units), None, dtype=object)
    cents = usd_cents(amount_cents.to_numpy(dtype=np.int64)[has_rate], units[has_rate])
    usd[has_rate] = list(map(Decimal.scaleb, map(Decimal, cents), repeat(-2)))
    return pd.DataFrame(
        {
            "units_per_usd": pd.Series(units, index=currency.index, dtype=object),
            "rate_valid_from": valid_from,
            "amount_usd": pd.Series(usd, index=currency.index, dtype=object),
        },
        index=currency.index,
    )
