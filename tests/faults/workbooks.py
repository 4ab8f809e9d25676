"""Crafted workbooks of the fault corpus, built at test time (nothing binary is committed)."""

import io
import re
import zipfile
from collections.abc import Callable

from openpyxl import Workbook

LAST_ROW = 1_048_576  # the last row a sheet can have (Excel's limit)
WHOLE_SHEET = "A1:XFD1048576"  # what a sheet formatted over whole rows and columns declares
_PLACEHOLDER = "PRM-PLACEHOLDER"


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewritten(content: bytes, edit: Callable[[str, bytes], bytes]) -> bytes:
    """The .xlsx (a zip) with each member's bytes replaced by `edit(name, bytes)`."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, edit(item.filename, source.read(item.filename)))
    return out.getvalue()


def _partners_sheet(rows: list[list[object]]) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "partners"
    for row in rows:
        sheet.append(row)
    return workbook


def dimension_bomb(sheet_rows: list[list[object]], last_cell: str = "P-LAST") -> bytes:
    """A small `partners` workbook declaring the whole sheet (`A1:XFD1048576`), with
    `sheet_rows` from row 1 and one more cell (`last_cell`) in column A of the last row."""
    workbook = _partners_sheet(sheet_rows)
    workbook.active.cell(row=LAST_ROW, column=1, value=last_cell)
    declared = f'<dimension ref="{WHOLE_SHEET}"'.encode()

    def declare_whole_sheet(name: str, data: bytes) -> bytes:
        if not name.startswith("xl/worksheets/sheet"):
            return data
        return re.sub(rb'<dimension ref="[^"]*"', declared, data)

    return _rewritten(_saved(workbook), declare_whole_sheet)


def with_name_xml(key: str, name_xml: str) -> bytes:
    """A `partners` workbook with a header and one row: `key`, a name written into the
    sheet's XML verbatim as `name_xml` (e.g. a character reference), GOVERNMENT."""
    header = ["partner_id", "name", "partner_type"]
    workbook = _partners_sheet([header, [key, _PLACEHOLDER, "GOVERNMENT"]])
    return _rewritten(
        _saved(workbook), lambda _, data: data.replace(_PLACEHOLDER.encode(), name_xml.encode())
    )
