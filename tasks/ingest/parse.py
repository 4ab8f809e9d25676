"""Vectorised parsers for the contract's value formats (section 1, "Values").

Each parser takes a Series of trimmed text and returns the parsed values with NaN/None
where the text is not valid, so validation can flag exactly the rows that fail.

Speed (a million rows): pandas' `.str` methods on Python-backed strings cost about 1 s per
column and operation, so low-cardinality columns (codes, currencies) are parsed once per
distinct value (`per_distinct`), and number columns in one pass of plain list comprehensions.
Columns of Arrow text (`read_csv.TEXT`, what reading gives) are looked at by pyarrow's
kernels instead, without a Python string per cell: emptiness, distinct values, and the
number columns when all their text is ASCII (where pyarrow's regular expressions and
Python's agree on what a digit is).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from models.codes import lookup_table
from tasks.ingest.read_csv import arrow_text

# Digits are ASCII 0-9 only: `\d` and `Decimal` also accept every script's digits (Arabic-Indic
# "١٠٠", full-width "１００"), which the contract's formats do not have.
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# plain decimal, or comma thousands separators; an optional minus so "-5" reads as a number
# that is then refused as "not > 0" rather than as "not a number"
_NUMBER = re.compile(r"^-?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.[0-9]+)?$")
# Control characters no cell may hold: all but tab, line feed and carriage return (text a
# quoted CSV field or a wrapped title may carry). PostgreSQL cannot store NUL at all.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
_COUNTRY = _CURRENCY
_SPACES = re.compile(r"\s+")


def texts(values: pd.Series) -> np.ndarray:
    """The column as an object array of Python strings (iterating it is cheap)."""
    return values.to_numpy(dtype=object, na_value="")


def filled(values: pd.Series) -> np.ndarray:
    """True where the cell is not empty."""
    cells = arrow_text(values)
    if cells is not None:
        return pc.greater(pc.binary_length(cells), 0).to_numpy(zero_copy_only=False)
    return texts(values) != ""


def _factorized(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Code of each cell (its position in the distinct texts), and the distinct texts."""
    cells = arrow_text(values)
    if cells is None:
        codes, uniques = pd.factorize(texts(values))
        return codes, list(uniques)
    encoded = pc.dictionary_encode(cells)
    return encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary.to_pylist()


def repeated(values: pd.Series) -> np.ndarray:
    """True for every cell whose text an earlier cell already had (missing cells: False)."""
    cells = arrow_text(values)
    if cells is None:
        return (values.duplicated(keep="first") & values.notna()).to_numpy(dtype=bool)
    codes = pc.dictionary_encode(cells).indices.to_numpy(zero_copy_only=False)
    first = np.zeros(len(codes), dtype=bool)
    first[np.unique(codes, return_index=True)[1]] = True
    return ~first


def looked_up(keys: pd.Series, table: pd.Series, known: pa.Array | None = None) -> pd.Series:
    """`table`'s value at each key (`table` indexed by unique keys), missing where it has
    none: `keys.map(table)`, by pyarrow's hash lookup for a column of Arrow text (`known`:
    `table_keys(table)`, made once for lookups in several parts of a column)."""
    cells = arrow_text(keys)
    if cells is None:  # reindex, not map: map fails on an empty datetime table (pandas)
        return table.reindex(keys.to_numpy(dtype=object)).set_axis(keys.index)
    if known is None or known.type != cells.type:
        known = table_keys(table).cast(cells.type)
    position = pc.index_in(cells, value_set=known).to_numpy(zero_copy_only=False)
    found = ~np.isnan(position)
    values = pd.Series(np.full(len(keys), np.nan), index=keys.index).astype(table.dtype)
    values[found] = table.to_numpy()[position[found].astype(np.int64)]
    return values


def table_keys(table: pd.Series) -> pa.Array:
    """The keys of a `looked_up` table as Arrow text."""
    return pa.array(table.index.to_numpy(dtype=object), pa.large_string())


def increasing(values: pd.Series, rows: np.ndarray) -> bool:
    """Whether the texts of `rows` (a mask) strictly increase down the column (text ordered
    by code point, as Python and pyarrow both order it)."""
    cells = arrow_text(values)
    if cells is None:
        text = texts(values)[rows]
        return bool((text[1:] > text[:-1]).all())
    picked = cells.filter(pa.array(rows))
    return not pc.any(pc.less_equal(picked[1:], picked[:-1])).as_py()


def per_distinct(values: pd.Series, function: Callable[[str], object]) -> pd.Series:
    """`function` of every cell, computed once per distinct text (for low-cardinality columns)."""
    codes, uniques = _factorized(values)
    results = np.empty(len(uniques), dtype=object)
    results[:] = [function(text) for text in uniques]
    return pd.Series(results[codes], index=values.index, dtype=object)


def _matching_form(text: str) -> str:
    return _SPACES.sub(" ", text).casefold()


def normalised(values: pd.Series) -> pd.Series:
    """Text in matching form: case-folded, runs of white space collapsed."""
    return per_distinct(values, _matching_form)


def parse_code(values: pd.Series, codes: MappingProxyType) -> pd.Series:
    """The code each cell names by code or label; NaN where it names none."""
    table = lookup_table(codes)
    return per_distinct(values, lambda text: table.get(_matching_form(text), np.nan))


def upper(values: pd.Series) -> pd.Series:
    """Each cell in upper case (a low-cardinality column: codes, currencies)."""
    return per_distinct(values, str.upper)


def parse_date(values: pd.Series) -> pd.Series:
    """ISO `YYYY-MM-DD` text as datetime64; NaT where the text is not a real date."""
    iso = values.where(values.str.match(_DATE), "")
    return pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")


@dataclass
class Numbers:
    """What validation needs to know of a column of number texts, row by row."""

    valid: np.ndarray  # bool: a plain or comma-grouped decimal
    positive: np.ndarray  # bool: valid and greater than 0 (no minus, some digit 1-9)
    whole_digits: np.ndarray  # digits before the point, leading zeros not counted
    places: np.ndarray  # digits after the point
    plain: list[str] | pa.Array  # the text without thousands commas

    def decimals(self, rows: np.ndarray | None = None) -> pd.Series:
        """Decimal values of the valid rows (of `rows` too, when given); None elsewhere."""
        take = self.valid if rows is None else self.valid & rows
        parsed = np.full(len(self.valid), None, dtype=object)
        parsed[take] = list(map(Decimal, _picked(self.plain, np.flatnonzero(take))))
        return pd.Series(parsed)

    def scaled(self, places: int, rows: np.ndarray) -> np.ndarray:
        """value x 10**places as int64 for `rows` (positive, at most `places` decimals, and
        small enough: whole_digits + places <= 18); 0 elsewhere. Exact: the digits read as
        one whole number, times the power of ten the missing decimals make."""
        out = np.zeros(len(self.valid), dtype=np.int64)
        take = np.flatnonzero(rows & self.positive)
        shift = 10 ** (places - self.places[take])
        if isinstance(self.plain, pa.Array):
            digits = pc.replace_substring(self.plain.take(take), ".", "")
            out[take] = pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False) * shift
            return out
        plain = self.plain
        out[take] = [int(plain[i].replace(".", "")) for i in take.tolist()]
        out[take] *= shift
        return out


def _picked(text: list[str] | pa.Array, rows: np.ndarray) -> list[str]:
    """The texts of `rows`, as Python strings."""
    if isinstance(text, pa.Array):
        return text.take(rows).to_pylist()
    return [text[i] for i in rows.tolist()]


def read_numbers(values: pd.Series) -> Numbers:
    """Validity, sign and digit counts of each cell of a number column (see `_NUMBER`)."""
    cells = arrow_text(values)
    if cells is not None and pc.all(pc.string_is_ascii(cells)).as_py() is not False:
        return _arrow_numbers(cells)
    text = texts(values)
    valid = np.fromiter(map(bool, map(_NUMBER.match, text)), dtype=bool, count=len(text))
    plain = [value.replace(",", "") for value in text]
    parts = [value.lstrip("-").partition(".") for value in plain]
    whole_digits = np.array([len(w.lstrip("0")) for w, _, _ in parts], dtype=np.int64)
    places = np.array([len(f) for _, _, f in parts], dtype=np.int64)
    # a valid number is > 0 when it has no minus and some digit 1-9 (what strip leaves)
    positive = np.array([p[:1] != "-" and p.strip("0.") != "" for p in plain], dtype=bool)
    return Numbers(valid, valid & positive, whole_digits, places, plain)


def _arrow_numbers(cells: pa.Array) -> Numbers:
    """`read_numbers` by pyarrow's kernels, for ASCII text (the same figures: `\\d` is an
    ASCII digit in both regular-expression engines there), two regular expressions in all:
    the rest are lengths and positions. Rows that are not valid numbers get some figures;
    validation flags those rows before it reads them."""
    valid = pc.match_substring_regex(cells, _NUMBER.pattern).to_numpy(zero_copy_only=False)
    plain = (
        pc.replace_substring(cells, ",", "")
        if pc.any(pc.match_substring(cells, ",")).as_py()
        else cells
    )
    length = _numpy(pc.binary_length(plain))
    point = _numpy(pc.find_substring(plain, "."))  # -1 without one
    whole_end = np.where(point >= 0, point, length)
    # what a leading run of minus signs and zeros takes: "-007.5" -> 3, "0.5" -> 1
    lead = length - _numpy(pc.binary_length(pc.utf8_ltrim(plain, "-0")))
    whole_digits = np.maximum(whole_end - lead, 0)
    places = np.where(point >= 0, length - point - 1, 0)
    unsigned = ~_numpy(pc.starts_with(plain, "-"))
    some_digit = _numpy(pc.match_substring_regex(plain, "[1-9]"))
    return Numbers(valid, valid & unsigned & some_digit, whole_digits, places, plain)


def _numpy(array: pa.Array) -> np.ndarray:
    """An Arrow array of numbers or booleans as int64 or bool numpy (nulls: 0 / False)."""
    if pa.types.is_boolean(array.type):
        return pc.fill_null(array, False).to_numpy(zero_copy_only=False)
    return pc.fill_null(array, 0).to_numpy(zero_copy_only=False).astype(np.int64)


def is_currency(values: pd.Series) -> pd.Series:
    """True where the text looks like an ISO 4217 code (three letters)."""
    return per_distinct(values, lambda text: bool(_CURRENCY.match(text))).astype(bool)


def is_country(values: pd.Series) -> pd.Series:
    """True where the text looks like an ISO 3166-1 alpha-3 code (three letters)."""
    return per_distinct(values, lambda text: bool(_COUNTRY.match(text))).astype(bool)


def has_control(values: pd.Series) -> np.ndarray:
    """True where the cell holds a control character (NUL, ESC, ...; not tab or line breaks)."""
    cells = arrow_text(values)
    if cells is not None:
        return pc.match_substring_regex(cells, _CONTROL.pattern).to_numpy(zero_copy_only=False)
    text = texts(values)
    if not _CONTROL.search("".join(text)):  # the usual case: one scan of the whole column
        return np.zeros(len(text), dtype=bool)
    return np.fromiter((bool(_CONTROL.search(cell)) for cell in text), bool, len(text))


def is_visible_key(values: pd.Series) -> np.ndarray:
    """True where every character of the key is printable: no control character, no
    invisible one (zero-width space, bidirectional override, soft hyphen, byte order mark)
    and no separator but the ordinary space. Two keys that look the same are the same key."""
    cells = arrow_text(values)
    if cells is not None:  # printable ASCII is visible; Python looks at the other keys
        visible = ~pc.match_substring_regex(cells, "[^ -~]").to_numpy(zero_copy_only=False)
        others = np.flatnonzero(~visible)
        visible[others] = [key.isprintable() for key in cells.take(others).to_pylist()]
        return visible
    text = texts(values)
    return np.fromiter(map(str.isprintable, text), bool, len(text))


def shown(text: str, limit: int, keep: str = "") -> str:
    """`text` as it is safe to show and store: characters that are not printable (but those
    in `keep`) written as escapes (`\\x00`, `\\u200b`), cut to at most `limit` characters
    (a cut text ends in "...")."""
    head = text[: limit + 1]
    if not head.isprintable():
        head = "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in head)
    if len(head) > limit or len(text) > limit:
        return head[: max(limit - 3, 0)] + "..."
    return head


def text_lengths(values: pd.Series) -> pd.Series:
    """Number of characters of each cell."""
    cells = arrow_text(values)
    if cells is not None:
        lengths = pc.utf8_length(cells).to_numpy(zero_copy_only=False).astype(np.int64)
        return pd.Series(lengths, index=values.index)
    text = texts(values)
    return pd.Series(np.fromiter(map(len, text), np.int64, len(text)), index=values.index)


def matches(values: pd.Series, pattern: str) -> pd.Series:
    """True where the whole text matches `pattern`."""
    return values.str.fullmatch(re.compile(pattern))
