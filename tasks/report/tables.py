"""The report's tables as DataFrames, and their CSV form, safe to open in a spreadsheet.

Every text cell goes through `neutralise` before it is written (OWASP CSV injection: a text
starting with = + - @, a tab or a carriage return gets a leading single quote); numbers stay
numbers. Money is USD, shares are fractions 0..1 (formatted as % in the workbook).
"""

import re
from pathlib import Path

import pandas as pd

from models.codes import (
    MEMBERSHIP_CATEGORIES,
    NO_MEMBERSHIP,
    PARTNER_TYPES,
    PRIORITIES,
    REGIONS,
    label,
)
from models.metrics import Breakdown, Metrics
from tasks.report.inf1 import financial_partners, with_shares

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The control characters XML 1.0 cannot hold (all but tab, newline and carriage return),
# dropped from a cell before it goes into the workbook's or a Word document's XML. The same
# expression as openpyxl's ILLEGAL_CHARACTERS_RE (a test checks it), without loading openpyxl
# (0.06 s) in a run that writes with XlsxWriter and reads no .xlsx source.
XML_ILLEGAL_CHARACTERS = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
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
        "agreements": agreements_table(with_shares(agreements)),
        "financial_partners": _labelled(financial_partners(agreements)),
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
    return _labelled(agreements)


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame with each code column's label beside it."""
    table = frame.copy()
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
            values = [neutralise(value) for value in column_values(out[column])]
            out[column] = pd.Series(values, index=out.index, dtype="object")
    return out


def column_values(column: pd.Series) -> list:
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
