"""The report's tables as DataFrames, and their CSV and XLSX forms, safe to open in a spreadsheet.

Every text cell goes through `neutralise` before it is written (OWASP CSV injection: a text
starting with = + - @, a tab or a carriage return gets a leading single quote); numbers stay
numbers. Money is USD, shares are fractions 0..1 (formatted as % in the workbook).
"""

import io
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import xlsxwriter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from models.codes import (
    MEMBERSHIP_CATEGORIES,
    NO_MEMBERSHIP,
    PARTNER_TYPES,
    PRIORITIES,
    REGIONS,
    label,
)
from models.metrics import Breakdown, Metrics

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
USD_FORMAT = "#,##0.00"
SHARE_FORMAT = "0.0%"
MAX_COLUMN_WIDTH = 60
# Workbook properties carry this date instead of "now", so that an unchanged
# re-run writes an identical file (the run's real time is in the bundle's manifest).
FIXED_TIMESTAMP = datetime(2000, 1, 1)
# code column -> (its label column, the code list)
LABELLED_CODES = {
    "partner_type": ("partner_type_label", PARTNER_TYPES),
    "membership_category": ("membership_label", MEMBERSHIP_CATEGORIES),
    "region": ("region_label", REGIONS),
    "priority": ("priority_label", PRIORITIES),
}


def neutralise(value: object) -> object:
    """A text cell made inert for spreadsheets (leading quote); any other value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def build_tables(metrics: Metrics, agreements: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The report's tables of year Y, labels beside codes, keyed by their file name."""
    return {
        "summary": summary_table(metrics),
        "top_partners": top_partners_table(metrics),
        "partners_by_type": _count_table(metrics.partners.by_type, PARTNER_TYPES, "partners"),
        "partners_by_membership": _count_table(
            metrics.partners.by_membership, MEMBERSHIP_CATEGORIES, "partners", extra=NO_MEMBERSHIP
        ),
        "by_region": _breakdown_table(metrics.by_region),
        "by_priority": _breakdown_table(metrics.by_priority),
        "trend": pd.DataFrame([t.model_dump() for t in metrics.trend]),
        "agreements": agreements_table(agreements),
    }


def summary_table(metrics: Metrics) -> pd.DataFrame:
    """The headline figures of year Y, one per row, with their unit."""
    money, partners = metrics.financial_usd, metrics.partners
    rows = [
        ("year", metrics.year, "year"),
        ("agreements signed", metrics.agreements.signed, "agreements"),
        (
            "agreements with financial contributions",
            metrics.agreements.with_financial,
            "agreements",
        ),
        ("financial contributions, total", money.total, "USD"),
        ("financial contributions by partners", money.partners, "USD"),
        ("financial contributions by ITU", money.itu, "USD"),
        ("partners' share of contributions", money.partner_share, "share"),
        ("ITU's share of contributions", money.itu_share, "share"),
        ("partners", partners.total, "partners"),
        ("partners with financial contributions", partners.financial, "partners"),
        ("financial contributions of those partners", partners.financial_usd, "USD"),
    ]
    indicators, values, units = zip(*rows, strict=True)
    # object dtype: counts stay integers beside USD amounts and shares
    values = pd.Series(values, dtype="object")
    return pd.DataFrame({"indicator": indicators, "value": values, "unit": units})


def top_partners_table(metrics: Metrics) -> pd.DataFrame:
    """The top financial partners of year Y with their type label and USD."""
    columns = ["rank", "partner_id", "partner_name", "partner_type", "partner_type_label", "usd"]
    rows = [
        (p.rank, p.partner_id, p.name, p.partner_type, label(PARTNER_TYPES, p.partner_type), p.usd)
        for p in metrics.top_financial_partners
    ]
    return pd.DataFrame(rows, columns=columns)


def _count_table(counts: dict[str, int], codes, what: str, extra: str | None = None):
    """Every code of a code list (and `extra`) with its label, count and share of the total."""
    order = [*codes, *([extra] if extra else [])]
    order += [code for code in counts if code not in order]
    total = sum(counts.values())
    rows = [
        (
            code,
            label(codes, code),
            counts.get(code, 0),
            counts.get(code, 0) / total if total else 0.0,
        )
        for code in order
    ]
    return pd.DataFrame(rows, columns=["code", "label", what, "share"])


def _breakdown_table(rows: list[Breakdown]) -> pd.DataFrame:
    """A by_region/by_priority list as a table, in contract code order."""
    return pd.DataFrame([row.model_dump() for row in rows])


def agreements_table(agreements: pd.DataFrame) -> pd.DataFrame:
    """The year's agreements with each code's label beside it (like document INF/1)."""
    table = agreements.copy()
    for column, (label_column, codes) in LABELLED_CODES.items():
        if column not in table.columns:
            continue
        labels = table[column].map(lambda code, c=codes: None if pd.isna(code) else label(c, code))
        table.insert(table.columns.get_loc(column) + 1, label_column, labels)
    return table


def _neutralised(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame whose text cells went through `neutralise`."""
    out = df.copy()
    for column in out.columns:
        if not (
            pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(out[column])
        ):
            values = [neutralise(value) for value in _values(out[column])]
            out[column] = pd.Series(values, index=out.index, dtype="object")
    return out


def _values(column: pd.Series) -> list:
    """The column's values as iterating it gives them, taken in one pass (a pandas string
    column yields its cells one by one ~10x slower)."""
    return column.to_numpy(dtype=object).tolist()


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV (RFC 4180: header, CRLF line ends), text cells neutralised.

    CRLF also makes the writer quote a text holding a lone carriage return.
    """
    return _neutralised(df).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write the frame as a neutralised CSV file."""
    Path(path).write_bytes(csv_bytes(df))


def _cell(value: object) -> object:
    """A value the workbook stores as is: missing -> None, text neutralised and made XML-safe."""
    if value is None or (not isinstance(value, str | list | dict) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalar -> Python number
        value = value.item()
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _add_sheet(workbook: xlsxwriter.Workbook, name: str, df: pd.DataFrame) -> None:
    """One table as a sheet: bold header, numbers as numbers, USD/share formats, fitted widths."""
    sheet = workbook.add_worksheet(name[:31])
    columns = [str(c) for c in df.columns]
    for index, column in enumerate(columns):
        longest = max([len(column)] + [len(str(v)) for v in _values(df[column]) if v is not None])
        number_format = _number_format(column)
        style = workbook.add_format({"num_format": number_format}) if number_format else None
        sheet.set_column(index, index, min(longest + 2, MAX_COLUMN_WIDTH), style)
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, columns, workbook.add_format({"bold": True}))
    cells = [_column_cells(df.iloc[:, index]) for index in range(len(columns))]
    writers = [_writer(sheet, column) for column in cells]
    # row by row, as before: shared strings get their index in first-written order
    for number, row in enumerate(zip(*cells, strict=True), start=1):
        for index, value in enumerate(row):
            if value is not None:
                writers[index](number, index, value)


def _column_cells(column: pd.Series) -> list:
    """A column's cells as `_cell` makes them, with None for a cell left empty.

    Numbers are converted in one pass and text is cleaned once per distinct value: the
    per-cell `_cell` of a 50 000-row list took seconds. An empty text is left empty, as
    XlsxWriter's `write` does with it.
    """
    if column.dtype != object and (
        pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column)
    ):
        values = column.to_numpy(dtype=object, na_value=None).tolist()
        return [None if v is None or v != v else _number(v) for v in values]
    if pd.api.types.is_string_dtype(column) and column.dtype != object:
        codes, distinct = pd.factorize(column)
        cleaned = [_cell(value) or None for value in distinct] + [None]  # code -1: missing
        return [cleaned[code] for code in codes.tolist()]
    return [None if cell == "" else cell for cell in map(_cell, column.tolist())]


def _number(value: object) -> object:
    """A numpy scalar as the Python number it holds (any other value unchanged)."""
    return value.item() if hasattr(value, "item") else value


def _writer(sheet, cells: list):
    """The sheet's typed write method for a column whose cells are all of one kind (text,
    numbers, dates): chosen once, not per cell; `write` (which picks per cell) otherwise."""
    kinds = {type(cell) for cell in cells if cell is not None}
    if kinds == {str}:
        return sheet.write_string
    if kinds and kinds <= {int, float}:
        return sheet.write_number
    if kinds and kinds <= {date, datetime}:
        return sheet.write_datetime
    return sheet.write


def _number_format(column: str) -> str | None:
    """The display format of a column by its name's unit: USD amounts and shares."""
    if column == "usd" or column.endswith("_usd"):
        return USD_FORMAT
    if column == "share" or column.endswith("_share"):
        return SHARE_FORMAT
    return None


def xlsx_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """All tables as one workbook, one sheet per table in order (same tables, same bytes).

    Written with XlsxWriter: about three times faster than openpyxl for the 50 000-row
    agreement list of a large year. Text is never read as a formula or a link.
    """
    buffer = io.BytesIO()
    options = {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "default_date_format": "yyyy-mm-dd",
    }
    workbook = xlsxwriter.Workbook(buffer, options)
    workbook.set_properties({"created": FIXED_TIMESTAMP})
    for name, df in tables.items():
        _add_sheet(workbook, name, df)
    workbook.close()
    return buffer.getvalue()
