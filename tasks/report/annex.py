"""annex_inf1.docx: document INF/1, every agreement of the year and every financial partner.

The page around the lists (header block, headings, notes) is built with python-docx on the
report's template; the two tables, which can run to hundreds of thousands of rows, are
written as WordprocessingML text (one string per row, each distinct text escaped once) and
put in place of a marker paragraph: python-docx's cell objects cost about a millisecond per
cell. The tables use the template's "Table Grid" style, a fixed layout and a repeated
header row, so Word and LibreOffice open them as ordinary tables.
"""

from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from models.codes import PRIORITIES, REGIONS, label
from tasks.report import docx_package as pkg
from tasks.report.content import ReportContent
from tasks.report.docx_template import TEMPLATE
from tasks.report.inf1 import financial_partners, type_label, with_shares
from tasks.report.word import header_block

MARKER = "PRM-TABLE-{}"
# (header, width in cm, right-aligned)
AGREEMENT_COLUMNS = (
    ("Agreement", 2.6, False),
    ("Partner", 5.7, False),
    ("Type", 3.2, False),
    ("Region", 2.8, False),
    ("Priority", 3.4, False),
    ("Signed on", 2.1, False),
    ("USD", 2.6, True),
    ("ITU share", 1.6, True),
    ("Partner share", 1.7, True),
)
PARTNER_COLUMNS = (
    ("Rank", 1.2, True),
    ("Partner", 12.0, False),
    ("Type", 4.8, False),
    ("Agreements", 2.2, True),
    ("Signed financial contributions (USD)", 4.5, True),
)


def _texts(values) -> list[str]:
    """Cell texts made XML-safe, each distinct value escaped once."""
    cache: dict[object, str] = {}
    out = []
    for value in values:
        text = cache.get(value)
        if text is None:
            raw = "" if value is None or value != value else str(value)
            text = cache[value] = escape(ILLEGAL_CHARACTERS_RE.sub("", raw))
        out.append(text)
    return out


def _money(values) -> list[str]:
    return [f"{v:,.2f}" for v in np.asarray(values, dtype="float64").tolist()]


def _share(values) -> list[str]:
    return ["" if v != v else f"{v:.1%}" for v in np.asarray(values, dtype="float64").tolist()]


_CLOSE = "</w:t></w:r></w:p></w:tc>"


def _openers(columns, bold: bool) -> list[str]:
    """The XML that opens each column's cell, up to its text."""
    return [
        "<w:tc><w:p>"
        + ('<w:pPr><w:jc w:val="right"/></w:pPr>' if right else "")
        + "<w:r>"
        + ("<w:rPr><w:b/></w:rPr>" if bold else "")
        + '<w:t xml:space="preserve">'
        for _, _, right in columns
    ]


def _row(openers: list[str], texts, properties: str = "") -> str:
    """One table row of escaped texts, a column's opener before each."""
    cells = "".join(o + t + _CLOSE for o, t in zip(openers, texts, strict=True))
    return f"<w:tr>{properties}{cells}</w:tr>"


def table_xml(columns, cells: list[list[str]], total: list[str] | None = None) -> str:
    """A fixed-layout "Table Grid" table: a bold header repeated on every page, the rows
    (`cells` holds the columns' escaped texts), and an optional bold total row."""
    grid = "".join(f'<w:gridCol w:w="{round(width * 567)}"/>' for _, width, _ in columns)
    bold, plain = _openers(columns, bold=True), _openers(columns, bold=False)
    header = [escape(name) for name, _, _ in columns]
    parts = [
        '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
        f'<w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>',
        _row(bold, header, "<w:trPr><w:tblHeader/></w:trPr>"),
    ]
    parts += [_row(plain, row) for row in zip(*cells, strict=True)]
    if total:
        parts.append(_row(bold, [escape(text) for text in total]))
    parts.append("</w:tbl>")
    return "".join(parts)


def _labels(codes: pd.Series, table) -> list[str]:
    """Codes as their labels, each distinct code looked up once."""
    found = {code: label(table, code) for code in codes.dropna().unique().tolist()}
    return _texts(found.get(code, "") for code in codes.tolist())


def agreement_cells(agreements: pd.DataFrame) -> tuple[list[list[str]], list[str]]:
    """The agreement table's columns of text, and its total row."""
    table = with_shares(agreements)
    signed = pd.to_datetime(table["signed_on"]).dt.strftime("%Y-%m-%d")
    types = table["partner_type"].map(type_label, na_action="ignore")
    cells = [
        _texts(table["agreement_id"].tolist()),
        _texts(table["partner_name"].tolist()),
        _texts(types.tolist()),
        _labels(table["region"], REGIONS),
        _labels(table["priority"], PRIORITIES),
        signed.tolist(),
        _money(table["total_usd"]),
        _share(table["itu_share"]),
        _share(table["partner_share"]),
    ]
    total_cents = int((table["total_usd"].to_numpy(dtype="float64") * 100).round().sum())
    total = [f"Total: {len(table):,} agreements", "", "", "", "", "", f"{total_cents / 100:,.2f}"]
    return cells, [*total, "", ""]


def partner_cells(partners: pd.DataFrame) -> tuple[list[list[str]], list[str]]:
    """The financial-partner table's columns of text, and its total row."""
    cells = [
        [str(rank) for rank in partners["rank"].tolist()],
        _texts(partners["partner_name"].tolist()),
        _texts(partners["partner_type"].map(type_label).tolist()),
        [str(n) for n in partners["agreements"].tolist()],
        _money(partners["usd"]),
    ]
    total_cents = int((partners["usd"].to_numpy(dtype="float64") * 100).round().sum())
    total = ["", f"Total: {len(partners):,} financial partners", "", ""]
    return cells, [*total, f"{total_cents / 100:,.2f}"]


def render_annex(content: ReportContent, agreements: pd.DataFrame) -> bytes:
    """Document INF/1 of the year as a .docx: the agreements, then the financial partners."""
    year, header = content.year, content.settings.document
    document = Document(str(TEMPLATE))
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    title = f"Partnership agreements and financial partners, {year}"
    header_block(document, header, number=header.annex_number, title=title)
    partners = financial_partners(agreements)
    document.add_paragraph(
        f"This document lists the {len(agreements):,} partnership agreements signed by ITU/BDT "
        f"in {year} and the {len(partners):,} partners that signed financial contributions, "
        f"as referred to in Document {header.number}. Amounts are in USD as per date of "
        "signature; the shares are those of each agreement's total contributed by ITU and by "
        "the partner."
    )
    document.add_heading(f"1. Partnership agreements signed in {year}", level=1)
    document.add_paragraph(MARKER.format(1))
    document.add_heading(f"2. Financial partners in {year}", level=1)
    document.add_paragraph(
        "Ranked by signed financial contributions, largest first (as the top 10 of the report)."
    )
    document.add_paragraph(MARKER.format(2))
    pkg.set_properties(document, title=title, subject=header.annex_number, when=header.timestamp())
    package = pkg.saved(document)
    xml = pkg.part_text(package, "word/document.xml")
    xml = _put(xml, 1, table_xml(AGREEMENT_COLUMNS, *agreement_cells(agreements)))
    xml = _put(xml, 2, table_xml(PARTNER_COLUMNS, *partner_cells(partners)))
    return pkg.fixed_zip(package, {"word/document.xml": xml.encode("utf-8")})


def _put(xml: str, number: int, table: str) -> str:
    """`xml` with the marker paragraph `number` replaced by `table`."""
    at = xml.index(MARKER.format(number))
    start = xml.rindex("<w:p>", 0, at)
    end = xml.index("</w:p>", at) + len("</w:p>")
    return xml[:start] + table + xml[end:]
