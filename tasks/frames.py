"""DataFrames from database rows, built a column at a time."""

from collections.abc import Sequence

import pandas as pd

# pyarrow is installed for ingestion's CSV reader and text columns (`tasks.ingest.read_csv`,
# which names its Arrow dtype). Its mere presence would switch every other string column of
# the project (report frames, tables, workbook) to Arrow storage: keep pandas' Python one.
# Set on import of tasks.report and of every module of tasks.ingest that imports pandas.
pd.set_option("mode.string_storage", "python")


def rows_frame(rows: Sequence[Sequence], columns: list[str]) -> pd.DataFrame:
    """`rows` (tuples or SQLAlchemy Rows) as a frame with `columns`, built column by column:
    for 50 000 rows 10x faster than from the rows themselves, and the same frame. No rows
    give an empty frame that still has the columns."""
    if not rows:
        return pd.DataFrame([], columns=columns)
    cells = map(list, zip(*rows, strict=True))
    return pd.DataFrame(dict(zip(columns, cells, strict=True)), columns=columns)
