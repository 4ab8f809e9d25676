"""Large Word tables written as WordprocessingML text, column-wise and in chunks.

python-docx builds a table cell by cell as XML objects (about a millisecond a cell): an
INF/1 annex of a large year (hundreds of thousands of agreements, nine columns) would take
hours. Here each column's texts are escaped once per distinct value, whole columns become
cell XML with numpy's element-wise string concatenation, and rows are joined a chunk at a
time, so the XML streams into the .docx package without one giant string.
The table uses the template's "Table Grid" style, its cells the paragraph style "Table Text"
(8 pt), a fixed layout (Word need not measure every cell) and a header row repeated on
every page.
"""

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from tasks.report.tables import XML_ILLEGAL_CHARACTERS

CM = 567  # twentieths of a point in a centimetre
ROWS_PER_CHUNK = 5_000
_CLOSE = "</w:t></w:r></w:p></w:tc>"
_NEEDS_ESCAPE = re.compile(f"[&<>]|{XML_ILLEGAL_CHARACTERS.pattern}")


@dataclass(frozen=True)
class Column:
    header: str
    width_cm: float
    right: bool = False


def escaped(values: Sequence | pd.Series) -> np.ndarray:
    """The values as XML-safe cell texts (missing -> ''), each distinct value escaped once
    (and only a value that needs it: most never hold & < > or a control character)."""
    codes, distinct = pd.factorize(pd.Series(values, dtype=object))
    texts = [str(value) for value in distinct.tolist()]
    if _NEEDS_ESCAPE.search("\n".join(texts)):
        texts = [_escape(text) if _NEEDS_ESCAPE.search(text) else text for text in texts]
    return np.array([*texts, ""], dtype=object)[codes]  # code -1 (missing) -> ""


def _escape(text: str) -> str:
    return escape(XML_ILLEGAL_CHARACTERS.sub("", text))


def _opener(column: Column, bold: bool) -> str:
    """The XML that opens a cell of `column`, up to its text."""
    return (
        '<w:tc><w:p><w:pPr><w:pStyle w:val="TableText"/>'
        + ('<w:jc w:val="right"/>' if column.right else "")
        + "</w:pPr>"
        + "<w:r>"
        + ("<w:rPr><w:b/></w:rPr>" if bold else "")
        + '<w:t xml:space="preserve">'
    )


def _row(columns: Sequence[Column], texts: Sequence[str], bold: bool, properties: str = "") -> str:
    cells = "".join(
        _opener(c, bold) + escape(t) + _CLOSE for c, t in zip(columns, texts, strict=True)
    )
    return f"<w:tr>{properties}{cells}</w:tr>"


def table_chunks(
    columns: Sequence[Column],
    cells: Sequence[np.ndarray],
    total: Sequence[str] | None = None,
) -> Iterator[str]:
    """The table's XML in pieces: grid and header, the rows (`cells` holds each column's
    escaped texts) a chunk at a time, an optional bold total row (plain text), the end."""
    grid = "".join(f'<w:gridCol w:w="{round(c.width_cm * CM)}"/>' for c in columns)
    yield (
        '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
        f'<w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
        + _row(columns, [c.header for c in columns], True, "<w:trPr><w:tblHeader/></w:trPr>")
    )
    openers = [_opener(column, bold=False) for column in columns]
    rows = len(cells[0]) if cells else 0
    for start in range(0, rows, ROWS_PER_CHUNK):
        end = min(start + ROWS_PER_CHUNK, rows)
        xml = np.full(end - start, "<w:tr>", dtype=object)
        for opener, texts in zip(openers, cells, strict=True):
            xml = xml + opener + texts[start:end] + _CLOSE
        yield "</w:tr>".join(xml.tolist()) + "</w:tr>"
    if total:
        yield _row(columns, total, True)
    yield "</w:tbl>"
