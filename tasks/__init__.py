"""Functions that do one job each: read, parse, validate, convert, load, aggregate, draw."""

import pandas as pd

# pyarrow is installed for ingestion's CSV reader and text columns (`tasks.ingest.read_csv`,
# which names its Arrow dtype). Its mere presence would switch every other string column of
# the project (report frames, tables, workbook) to Arrow storage: keep pandas' Python one.
pd.set_option("mode.string_storage", "python")
