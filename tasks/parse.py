"""Vectorised parsers for the contract's value formats (section 1, "Values").

Each parser takes a Series of trimmed text and returns the parsed values with NaN/None
where the text is not valid, so validation can flag exactly the rows that fail.
"""

import re
from decimal import Decimal
from types import MappingProxyType

import numpy as np
import pandas as pd

from models.codes import lookup_table

_DATE = r"^\d{4}-\d{2}-\d{2}$"
# plain decimal, or comma thousands separators; an optional minus so "-5" reads as a number
# that is then refused as "not > 0" rather than as "not a number"
_NUMBER = r"^-?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$"
_CURRENCY = r"^[A-Za-z]{3}$"
_COUNTRY = r"^[A-Za-z]{3}$"


def normalised(values: pd.Series) -> pd.Series:
    """Text in matching form: case-folded, runs of white space collapsed."""
    return values.str.replace(r"\s+", " ", regex=True).str.casefold()


def parse_code(values: pd.Series, codes: MappingProxyType) -> pd.Series:
    """The code each cell names by code or label; NaN where it names none."""
    return normalised(values).map(lookup_table(codes))


def parse_date(values: pd.Series) -> pd.Series:
    """ISO `YYYY-MM-DD` text as datetime64; NaT where the text is not a real date."""
    iso = values.where(values.str.match(_DATE), "")
    return pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")


def parse_decimal(values: pd.Series) -> pd.Series:
    """Plain or comma-grouped decimals as Decimal objects; None where the text is not one."""
    ok = values.str.match(_NUMBER).fillna(False).to_numpy(dtype=bool)
    parsed = np.full(len(values), None, dtype=object)
    plain = values[ok].str.replace(",", "", regex=False)
    parsed[ok] = list(map(Decimal, plain))
    return pd.Series(parsed, index=values.index, dtype=object)


def is_positive(values: pd.Series) -> pd.Series:
    """True where a valid number's text (see `parse_decimal`) is greater than 0.

    Read off the text: no minus sign and some digit other than 0.
    """
    return ~values.str.startswith("-") & values.str.contains(r"[1-9]", regex=True)


def number_digits(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Digits before the point (leading zeros not counted) and after it, of each valid number."""
    plain = values.str.replace(",", "", regex=False).str.lstrip("-")
    length = plain.str.len()
    point = plain.str.find(".")
    whole = length.where(point < 0, point)
    zeros = length - plain.str.lstrip("0").str.len()
    places = (length - point - 1).where(point >= 0, 0)
    return (whole - zeros.clip(upper=whole)).fillna(0).astype(int), places.fillna(0).astype(int)


def decimal_places(values: pd.Series) -> pd.Series:
    """Number of digits after the decimal point of each (valid) number's text."""
    return number_digits(values)[1]


def integer_digits(values: pd.Series) -> pd.Series:
    """Number of digits before the decimal point of each (valid) number's text."""
    return number_digits(values)[0]


def is_currency(values: pd.Series) -> pd.Series:
    """True where the text looks like an ISO 4217 code (three letters)."""
    return values.str.match(_CURRENCY)


def is_country(values: pd.Series) -> pd.Series:
    """True where the text looks like an ISO 3166-1 alpha-3 code (three letters)."""
    return values.str.match(_COUNTRY)


def matches(values: pd.Series, pattern: str) -> pd.Series:
    """True where the whole text matches `pattern`."""
    return values.str.fullmatch(re.compile(pattern))
