"""Money columns of validated rows as Arrow decimals, built from whole numbers.

Validation reads an amount as a whole number of cents (`parse.Numbers.scaled`) and converts
it to USD cents in int64 (`fx.usd_cents`). Making a `Decimal` object of each of a million
amounts, then a `float` of each again for SQLite, cost about 1.5 s of a million-row
ingestion; so the validated contributions keep their money in Arrow `decimal128` columns made
straight from those integers (a decimal128 value *is* its unscaled integer), and the loaders
read the integers back: SQLite gets `integer / 10**scale` as a float (a correctly rounded
division of two exact doubles, so the same float as `float(Decimal)`), PostgreSQL's COPY
plain decimal text at the column's scale (`1000.50`). Reading a cell still gives a `Decimal`.

A column's precision and scale are its table column's (`models.tables`: MONEY, RATE), so a
value that does not fit is refused here, never rounded.
"""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Numeric

import tasks.frames  # noqa: F401  (pandas' string storage, before any frame)

# decimal128 holds its unscaled value as a 128-bit little-endian integer: two int64 words,
# the low one first. Values of at most 18 digits fit the low word; the high one is its sign.
_WORDS = 2
MAX_DIGITS = 18


def decimal_type(numeric: Numeric) -> pa.Decimal128Type:
    """The Arrow type of a Numeric column (its precision and scale)."""
    return pa.decimal128(numeric.precision, numeric.scale)


def from_scaled(scaled: np.ndarray, present: np.ndarray, numeric: Numeric) -> pd.Series:
    """A Series of `numeric`'s decimals whose unscaled values are `scaled` (value x
    10**scale, int64), missing where `present` is False.

    Raises:
        ValueError: a present value has more digits than the column's precision.
    """
    scaled = np.asarray(scaled, dtype=np.int64)
    present = np.asarray(present, dtype=bool)
    if numeric.precision > MAX_DIGITS:
        raise ValueError(f"Numeric({numeric.precision}) is wider than int64 values")
    largest = 10**numeric.precision - 1
    if present.any() and np.abs(scaled[present]).max() > largest:
        raise ValueError(f"a value has more than {numeric.precision} digits")
    words = np.zeros((len(scaled), _WORDS), dtype=np.int64)
    words[:, 0] = np.where(present, scaled, 0)
    words[:, 1] = words[:, 0] >> 63  # sign extension
    validity = None if present.all() else pa.array(present, type=pa.bool_()).buffers()[1]
    array = pa.Array.from_buffers(
        decimal_type(numeric),
        len(scaled),
        [validity, pa.py_buffer(words)],
        null_count=int((~present).sum()),
    )
    return pd.Series(pd.arrays.ArrowExtensionArray(array))


def is_decimal_column(values: pd.Series) -> bool:
    """True for a column made by `from_scaled` (Arrow decimals)."""
    dtype = values.dtype
    return isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype)


def _array(values: pd.Series) -> pa.Array:
    array = values.array._pa_array  # a ChunkedArray
    return array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)


def _scale(values: pd.Series) -> int:
    return values.dtype.pyarrow_dtype.scale


def scaled_values(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The unscaled int64 value of each cell of an Arrow decimal column, and where it is
    present (0 where missing)."""
    array = _array(values)
    if array.type.precision > MAX_DIGITS:
        raise ValueError(f"decimal({array.type.precision}) is wider than int64 values")
    words = np.frombuffer(array.buffers()[1], dtype=np.int64)
    low = words[array.offset * _WORDS : (array.offset + len(array)) * _WORDS : _WORDS]
    present = ~values.isna().to_numpy(dtype=bool)
    return np.where(present, low, 0), present


def floats(values: pd.Series) -> list[float | None]:
    """The cells as Python floats (None where missing), exactly `float(Decimal)` of each."""
    scaled, present = scaled_values(values)
    out = (scaled / 10 ** _scale(values)).astype(object)
    out[~present] = None
    return out.tolist()


def texts(values: pd.Series) -> np.ndarray:
    """The cells as plain decimal text with the column's scale (`1000.50`, `0.00000085`:
    never an exponent), None where missing."""
    scaled, present = scaled_values(values)
    scale = _scale(values)
    digits = pc.utf8_lpad(pc.cast(pa.array(np.abs(scaled)), pa.string()), scale + 1, "0")
    whole = pc.utf8_slice_codeunits(digits, 0, -scale) if scale else digits
    sign = pa.array(np.where(scaled < 0, "-", ""))
    parts = [sign, whole, *([".", pc.utf8_slice_codeunits(digits, -scale)] if scale else [])]
    text = pc.binary_join_element_wise(*parts, "").to_numpy(zero_copy_only=False)
    text[~present] = None
    return text
