"""Read a source's matching CSV files and workbook sheets into text tables, one per entity.

Every cell becomes trimmed text ("" = missing): a workbook's date cell becomes `YYYY-MM-DD`
and its numeric cell a plain decimal, so validation sees one representation. Each row keeps
where it came from (`_file`, `_row`). A file that cannot be read raises `SourceError`
naming the file and the problem, before anything is written anywhere.
"""

import csv
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from models.codes import ENTITIES
from models.contract import COLUMNS, META
from tasks.errors import SourceError
from tasks.ingest.read_csv import TEXT, check_quotes, parse_csv, trimmed_text
from tasks.ingest.sources import Source, csv_entity, input_files, nothing_to_read

if TYPE_CHECKING:  # openpyxl loads with the first .xlsx source (0.06 s a CSV run saves)
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

_HEADER_SEPARATORS = re.compile(r"[\s\-]+")
# Separators a spreadsheet may save a "CSV" with (Excel uses the system's list separator,
# ';' in fr-CH, de-CH and most of Europe), as a message names them.
_OTHER_SEPARATORS = {";": "';'", "\t": "tabs"}
_FIRST_LINE = re.compile(r"[^\r\n]*")


@dataclass
class RawRecords:
    """What a source holds: one text table per entity, and the fingerprint of the files read."""

    source: str
    tables: dict[str, pd.DataFrame]
    fingerprint: str
    files: list[str] = field(default_factory=list)


def normalise_header(name: object) -> str:
    """`Partner Type` -> `partner_type`: case and outer spaces ignored, spaces/hyphens -> `_`."""
    return _HEADER_SEPARATORS.sub("_", str(name if name is not None else "").strip()).lower()


class Fingerprint:
    """SHA-256 over the names and SHA-256 digests of the files read, in name order."""

    def __init__(self) -> None:
        self._digest = hashlib.sha256()

    def add(self, name: str, content: bytes) -> None:
        self._digest.update(f"{name}\0{hashlib.sha256(content).hexdigest()}\n".encode())

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def source_fingerprint(
    source: Source, on_file: Callable[[int, int, int, int], None] | None = None
) -> str:
    """The fingerprint `read_source` would record, without parsing anything.

    `on_file(files_done, files, bytes_done, bytes)` is called after each file, for progress.
    """
    files = input_files(source)
    total, done = sum(f.size for f in files), 0
    fingerprint = Fingerprint()
    for number, source_file in enumerate(files, start=1):
        fingerprint.add(source_file.name, source.read_bytes(source_file.name))
        done += source_file.size
        if on_file:
            on_file(number, len(files), done, total)
    return fingerprint.hexdigest()


def read_source(
    source: Source, parsed: Callable[[str], pa.Table | None] | None = None
) -> RawRecords:
    """Read every matching file of `source` (name order) into one text table per entity.

    `parsed(name)`: pyarrow's table of a CSV file's text when it was parsed beforehand
    (`tasks.ingest.read_ahead`), None where it was not.
    """
    parts: dict[str, list[pd.DataFrame]] = {entity: [] for entity in ENTITIES}
    fingerprint = Fingerprint()
    used: list[str] = []
    for source_file in input_files(source):
        name = source_file.name
        content = source.read_bytes(name)
        fingerprint.add(name, content)
        used.append(name)
        entity = csv_entity(name)
        if entity is not None:
            table = parsed(name) if parsed else None
            parts[entity].append(_read_csv(name, content, entity, table))
        else:
            for sheet_entity, frame in _read_workbook(name, content):
                parts[sheet_entity].append(frame)
    if not any(parts.values()):  # no matching CSV, and no workbook with a matching sheet
        raise nothing_to_read(source.uri)
    tables = {entity: _concat(entity, frames) for entity, frames in parts.items()}
    return RawRecords(source.uri, tables, fingerprint.hexdigest(), used)


def _concat(entity: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    columns = [*COLUMNS[entity], *META]
    if not frames:
        empty = {c: pd.Series(dtype=TEXT) for c in COLUMNS[entity]}
        return pd.DataFrame(empty | {"_file": pd.Series(dtype=object), "_row": []})
    return pd.concat(frames, ignore_index=True)[columns]


def _conform(label: str, entity: str, frame: pd.DataFrame, first_row: int) -> pd.DataFrame:
    """Keep the contract's columns (all present, else SourceError), add where each row came from."""
    headers = [normalise_header(c) for c in frame.columns]
    missing = [c for c, required in COLUMNS[entity].items() if required and c not in headers]
    if missing:
        raise SourceError(f"{label}: missing required column(s) {', '.join(missing)}")
    frame = frame.set_axis(headers, axis=1)
    frame = frame.loc[:, ~frame.columns.duplicated()]
    out = pd.DataFrame(index=frame.index)
    for column in COLUMNS[entity]:
        values = frame[column] if column in frame.columns else pd.Series("", index=frame.index)
        out[column] = _trimmed(values)
    out["_file"] = label
    out["_row"] = frame.index.to_numpy() + first_row
    blank = (out[list(COLUMNS[entity])] == "").all(axis=1)
    return out[~blank].reset_index(drop=True)


def _trimmed(values: pd.Series) -> pd.Series:
    """Each cell as trimmed text, "" for a missing one (a column of `TEXT`).

    Arrow text (pyarrow's reading) is trimmed where a cell needs it; other columns by a list
    comprehension over the object array (~20x faster than `.str.strip()` on pandas'
    Python-backed strings).
    """
    arrow = trimmed_text(values)
    if arrow is not None:
        return arrow
    cells = values.to_numpy(dtype=object)
    try:
        text = [cell.strip() for cell in cells]
    except AttributeError:  # not all text (workbook cells, missing values)
        text = [_as_text(cell).strip() for cell in cells]
    return pd.Series(pd.array(text, dtype=TEXT), index=values.index)


def _as_text(cell: object) -> str:
    """A cell as text: missing (None/NaN) -> "", anything else str()."""
    return "" if cell is None or pd.isna(cell) else str(cell)


def _read_csv(
    name: str, content: bytes, entity: str, table: pa.Table | None = None
) -> pd.DataFrame:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{name}: not UTF-8 text (byte {exc.start}); save it as CSV UTF-8"
        ) from exc
    if not text or text.isspace():
        raise SourceError(f"{name}: empty file, expected a header row")
    _check_separator(name, text, entity)
    try:
        check_quotes(text)
        frame = parse_csv(text, table=table)
    except (pd.errors.ParserError, ValueError) as exc:
        problem = str(exc).strip().splitlines()[-1]
        raise SourceError(f"{name}: not a readable CSV ({problem})") from exc
    return _conform(name, entity, frame, first_row=1)


def _check_separator(name: str, text: str, entity: str) -> None:
    """Fail a file whose header holds the required columns only when split by another
    separator than the comma: say so, rather than that its columns are missing."""
    first_line = _FIRST_LINE.match(text).group()
    required = {column for column, needed in COLUMNS[entity].items() if needed}

    def headers(delimiter: str) -> set[str]:
        return {
            normalise_header(c) for c in next(csv.reader([first_line], delimiter=delimiter), [])
        }

    if required <= headers(","):
        return
    for delimiter, named in _OTHER_SEPARATORS.items():
        if required <= headers(delimiter):
            raise SourceError(
                f"{name}: separated by {named}, but prm reads comma-separated CSV; save it with "
                f"',' as the list separator, or as an .xlsx workbook with a sheet named {entity}"
            )


def _read_workbook(name: str, content: bytes) -> list[tuple[str, pd.DataFrame]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise SourceError(f"{name}: not a readable .xlsx workbook ({exc})") from exc
    found = []
    try:
        for sheet in workbook.worksheets:
            entity = normalise_header(sheet.title)
            if entity not in ENTITIES:
                continue
            label = f"{name} [{sheet.title}]"
            try:
                frame = _sheet_frame(label, sheet)
            except SourceError:
                raise
            except Exception as exc:  # a damaged sheet: XML, zip and openpyxl errors alike
                problem = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
                raise SourceError(f"{label}: not a readable .xlsx sheet ({problem})") from exc
            found.append((entity, _conform(label, entity, frame, first_row=0)))
    finally:
        workbook.close()
    return found


def _sheet_frame(label: str, sheet: "ReadOnlyWorksheet") -> pd.DataFrame:
    """The sheet's rows below its header (row 1) as text, indexed by spreadsheet row number.

    Only the rows and cells the file holds are read, each row cut to the header's width: the
    sheet's declared dimensions are ignored. A sheet formatted over whole rows or columns
    declares `A1:XFD1048576`, and openpyxl would pad every row to 16 384 cells and yield
    every row up to the last declared one (a 5 KB file could ask for 128 GB).
    """
    sheet.reset_dimensions()
    header = next(sheet.iter_rows(max_row=1, values_only=True), None)
    if header is None:
        raise SourceError(f"{label}: empty sheet, expected a header row")
    columns = list(header)
    while columns and columns[-1] is None:
        columns.pop()
    numbers, body = [], []
    if columns:  # else no column at all: `_conform` names the missing ones
        width = len(columns)
        for number, row in enumerate(
            sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2
        ):
            if any(value is not None for value in row):
                numbers.append(number)
                body.append([_cell_text(value) for value in row])
    return pd.DataFrame(body, columns=columns, index=numbers, dtype=object)


def _cell_text(value: object) -> str:
    """A workbook cell as the text a CSV would hold: ISO date, plain decimal, or text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value)
