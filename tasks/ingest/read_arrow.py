"""pyarrow's reading of one CSV file's text, without pandas: what `read_csv.parse_csv` tries
first, and what `read_ahead` runs on its thread before pandas is loaded."""

import csv
import io

import pyarrow as pa
import pyarrow.csv as pa_csv


def arrow_table(text: str, *, threads: bool = True) -> pa.Table | None:
    """pyarrow's reading of the CSV `text` (UTF-8, no BOM): Arrow text columns of one chunk
    each, header names as written; None where pandas' parser must read it (a NUL character,
    which the two parsers do not treat alike; a file pyarrow refuses, or reads otherwise: a
    header it splits differently, a column it did not keep as text). `threads=False`:
    parsed on this thread alone."""
    if "\0" in text:
        return None
    try:
        header = next(csv.reader(io.StringIO(text, newline="")), [])
        table = pa_csv.read_csv(
            pa.py_buffer(text.encode()),
            read_options=pa_csv.ReadOptions(use_threads=threads),
            parse_options=pa_csv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.large_string() for name in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (csv.Error, pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.column_names != header or any(t != pa.large_string() for t in table.schema.types):
        return None
    return table.combine_chunks()  # one array per column: what the kernels then take as is
