"""Exchange rates: convert contributions to USD at the signing date's rate (contract section 1).

A contribution uses the rate of its currency whose `valid_from` is the latest one on or
before the agreement's `signed_on`; `amount_usd = amount / units_per_usd`, to the cent
(`tasks.money`). USD needs no rate.
"""

from decimal import Decimal

import pandas as pd

from models.codes import BASE_CURRENCY
from tasks.money import to_usd

_NS = "datetime64[ns]"


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


def convert_to_usd(
    amount: pd.Series, currency: pd.Series, signed_on: pd.Series, rates: pd.DataFrame
) -> pd.DataFrame:
    """Amount, rate used, its valid_from and amount in USD per row; NaN rate = no rate found."""
    is_usd = currency == BASE_CURRENCY
    found = rates_on(currency[~is_usd], signed_on[~is_usd], rates)
    units = pd.Series(Decimal(1), index=currency.index, dtype=object)
    valid_from = pd.Series(pd.NaT, index=currency.index, dtype=_NS)
    units[~is_usd] = found["units_per_usd"]
    valid_from[~is_usd] = found["rate_valid_from"]
    usd = [
        to_usd(a, u) if isinstance(u, Decimal) else None for a, u in zip(amount, units, strict=True)
    ]
    return pd.DataFrame(
        {
            "amount": amount,
            "units_per_usd": units.where(units.map(lambda u: isinstance(u, Decimal)), None),
            "rate_valid_from": valid_from,
            "amount_usd": pd.Series(usd, index=currency.index, dtype=object),
        },
        index=currency.index,
    )
