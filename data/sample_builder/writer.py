"""Write data/sample/: the CSV files and the register workbook, byte for byte the same."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl

OUT = Path(__file__).resolve().parents[1] / "sample"
WORKBOOK = "register_2024_additions.xlsx"


def cell(value):
    """An Excel cell value: None for empty text."""
    return None if value == "" else value


def write_workbook(tables: dict[str, list[list]], path: Path) -> None:
    """The register workbook: real date and number cells, fixed timestamps (same bytes)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in ("partners", "agreements", "contributions"):
        sheet = book.create_sheet(name)
        for row in tables[f"sheet:{name}"]:
            sheet.append([cell(v) for v in row])
        for row in sheet.iter_rows(min_row=2):
            for item in row:
                if isinstance(item.value, date):
                    item.number_format = "yyyy-mm-dd"
                elif isinstance(item.value, int):
                    item.number_format = "#,##0.00"
    notes = book.create_sheet("notes")
    notes.append(
        [
            "Register additions, last quarter 2024 (sheets partners, agreements, "
            "contributions); this sheet is not read."
        ]
    )
    fixed = datetime(2025, 1, 15, 9, 0, 0)
    book.properties.creator = "prm data/make_sample.py"
    book.properties.created = fixed
    buffer = io.BytesIO()
    book.save(buffer)
    stamp = fixed.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(buffer) as raw, zipfile.ZipFile(path, "w") as out:
        for info in raw.infolist():
            data = raw.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            entry = zipfile.ZipInfo(info.filename, date_time=fixed.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(entry, data)


def write(tables: dict[str, list[list]]) -> None:
    """All files of data/sample/ (partners.csv with a BOM, as Excel exports it)."""
    OUT.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        if name.startswith("sheet:"):
            continue
        encoding = "utf-8-sig" if name == "partners.csv" else "utf-8"
        with open(OUT / name, "w", encoding=encoding, newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(table)
    write_workbook(tables, OUT / WORKBOOK)
