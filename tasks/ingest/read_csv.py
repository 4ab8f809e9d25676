"""Parse one CSV file into text columns: pyarrow's parser for a plain file, pandas' otherwise.

Both give the same table: the header's names as written, every cell as text, one row per
CSV record (a blank line is a row of empty cells: it counts in the row numbers and is
dropped later as blank). pyarrow parses a million-row file several times faster and keeps
the cells in Arrow memory (no Python string per cell); it refuses a row with a missing
field (pandas reads it as empty). Such a file, one with a NUL character, or one pyarrow
refuses for any reason goes through pandas, as every file did before, which also words the
error of a file that is not a readable CSV.
"""

import csv
import io
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

import tasks.frames  # noqa: F401  (pandas' string storage, before any frame)
from tasks.ingest.read_arrow import arrow_table

# The text dtype of ingested cells: Arrow memory, pandas' missing value NaN. Named here so
# the project's other frames keep pandas' default string storage (see tasks/frames.py).
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


def parse_csv(text: str, *, arrow: bool = True, table: pa.Table | None = None) -> pd.DataFrame:
    """The CSV `text` (UTF-8, no BOM) as a frame of text cells, header names as written;
    `arrow=False` reads it by pandas' parser whatever the file. `table`: pyarrow's reading
    of this very text made beforehand (`arrow_table`, on `read_ahead`'s thread); None: made
    now.

    Raises ValueError or pandas' ParserError for a file that is not a readable CSV.
    """
    if arrow and table is None:
        table = arrow_table(text)
    if not arrow or table is None:
        return _pandas_parse(text)
    columns = {i: pd.array(column, dtype=TEXT) for i, column in enumerate(table.columns)}
    return pd.DataFrame(columns).set_axis(table.column_names, axis=1)


def _pandas_parse(text: str) -> pd.DataFrame:
    frame = pd.read_csv(
        io.StringIO(text),
        dtype=str,
        keep_default_na=False,
        skip_blank_lines=False,
        skipinitialspace=False,
    )
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas takes the extra leading fields of a first row longer than the header as the
        # index (every column shifted); refused as a longer later row is, not guessed at
        header = len(frame.columns)
        raise pd.errors.ParserError(
            f"row 1 has {header + frame.index.nlevels} fields, the header {header}"
        )
    return frame


def arrow_text(values: pd.Series) -> pa.Array | None:
    """The cells of a column of Arrow text with no missing value, as one Arrow array; None
    for any other column."""
    if values.dtype != TEXT:
        return None
    cells = values.array._pa_array
    if cells.null_count:
        return None
    return cells.chunk(0) if cells.num_chunks == 1 else cells.combine_chunks()


def trimmed_text(values: pd.Series) -> pd.Series | None:
    """An Arrow text column with its cells trimmed as `str.strip` trims them; None when
    `values` is not Arrow text.

    Only cells whose first or last byte is not printable ASCII (white space, or a character
    that may be Unicode white space) are looked at, by Python, so exactly what `str.strip`
    removes is removed; the others stay as they are, in Arrow memory.
    """
    cells = arrow_text(values)
    if cells is None:
        return None
    edged = np.flatnonzero(_edged(cells))
    if not len(edged):
        return values
    given = cells.take(edged).to_pylist()
    changed = [i for i, cell in enumerate(given) if cell != cell.strip()]
    if not changed:
        return values
    mask = np.zeros(len(cells), dtype=bool)
    mask[edged[changed]] = True
    stripped = pa.array([given[i].strip() for i in changed], cells.type)
    cells = pc.replace_with_mask(cells, pa.array(mask), stripped)
    return pd.Series(pd.array(cells, dtype=TEXT), index=values.index)


def _edged(cells: pa.LargeStringArray) -> np.ndarray:
    """True for the cells (no missing ones) whose first or last byte is a space, a control
    character or a byte of a non-ASCII character: read from the array's own buffers."""
    _, offsets_buffer, data_buffer = cells.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[cells.offset :][: len(cells) + 1]
    if data_buffer is None or offsets[-1] == offsets[0]:
        return np.zeros(len(cells), dtype=bool)
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    filled = offsets[1:] > offsets[:-1]
    starts, ends = offsets[:-1][filled], offsets[1:][filled] - 1
    outside = np.zeros(256, dtype=bool)
    outside[: ord("!")] = outside[ord("~") + 1 :] = True
    edged = np.zeros(len(cells), dtype=bool)
    edged[filled] = outside[data[starts]] | outside[data[ends]]
    return edged


# A quote that ends a quoted part and is followed by more of the field (`"Quote "Two" x"`):
# after a character that cannot precede an opening quote, before one that is not a
# separator, a line end or a quote. Well-formed files have none but for literal quotes inside
# unquoted cells (`a"b`) and doubled quotes (`"a""b"`), which the strict reading then passes.
_QUOTE_THEN_MORE = re.compile(r'"(?<=[^,\r\n]")(?=[^,\r\n"])')


def check_quotes(text: str) -> None:
    """Refuse a field that opens with a quote and goes on after its closing quote: both
    parsers would join its parts (`Quote Two" x"`), a value the file does not hold.

    The file is scanned by one regular expression (~1 ms a MB); only a file it matches is
    read again by the csv module in strict mode, which names the row. Not caught: a quoted
    part closing right after a comma or line break (`"a,"b`), read as the parsers read it.

    Raises pandas' ParserError naming the row (1 = first data row) or the header.
    """
    if _QUOTE_THEN_MORE.search(text) is None:
        return
    done = 0  # records read whole, the header first: the failing one is row `done`
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), strict=True):
            done += 1
    except csv.Error as exc:
        if "expected after" not in str(exc):
            return  # another fault (an unclosed quote): the parsers word it
        where = f"row {done}" if done else "the header"
        raise pd.errors.ParserError(
            f"{where}: a quoted field goes on after its closing quote; "
            'write a quote inside a quoted field as two quotes ""'
        ) from exc
