"""annex_inf1.docx: document INF/1, every agreement of the year and every financial partner.

The page around the lists (header block, headings, introduction) is built with python-docx
on the report's template, landscape; the two tables, which can run to hundreds of thousands
of rows, are streamed in as WordprocessingML text (tasks.report.docx_table) in place of a
marker paragraph each. Totals are exact sums of cents, like the report's figures.
"""

from collections.abc import Iterator

import numpy as np
import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm

from models.codes import PARTNER_TYPES, PRIORITIES, REGIONS, label
from tasks.report import docx_package as pkg
from tasks.report.content import ReportContent
from tasks.report.docx_table import Column, escaped, table_chunks
from tasks.report.docx_template import TEMPLATE
from tasks.report.inf1 import financial_partners, with_shares
from tasks.report.word import header_block

MARKER = "PRM-TABLE-{}"
AGREEMENT_COLUMNS = (
    Column("Agreement", 2.9),
    Column("Partner", 5.8),
    Column("Type", 3.2),
    Column("Region", 2.8),
    Column("Priority", 3.0),
    Column("Signed on", 2.1),
    Column("USD", 2.6, right=True),
    Column("ITU share", 1.6, right=True),
    Column("Partner share", 1.7, right=True),
)
PARTNER_COLUMNS = (
    Column("Rank", 1.2, right=True),
    Column("Partner", 11.6),
    Column("Type", 4.8),
    Column("Agreements", 2.6, right=True),
    Column("Signed financial contributions (USD)", 4.5, right=True),
)


def _labels(codes: pd.Series, table) -> np.ndarray:
    """Codes as their escaped labels, each distinct code looked up once."""
    found = {code: label(table, code) for code in codes.dropna().unique().tolist()}
    return escaped([found.get(code) for code in codes.tolist()])


def _formatted(values, template: str) -> np.ndarray:
    """Numbers formatted with `template` ('' where missing)."""
    numbers = np.asarray(values, dtype="float64").tolist()
    return np.array([template.format(v) if v == v else "" for v in numbers], dtype=object)


def _usd_total(values) -> str:
    """The exact sum of USD amounts (to the cent), printed like the cells."""
    cents = int((np.asarray(values, dtype="float64") * 100).round().sum())
    return f"{cents / 100:,.2f}"


def agreement_cells(agreements: pd.DataFrame) -> tuple[list[np.ndarray], list[str]]:
    """The agreement table's columns of escaped text, and its total row."""
    table = with_shares(agreements)
    cells = [
        escaped(table["agreement_id"]),
        escaped(table["partner_name"]),
        _labels(table["partner_type"], PARTNER_TYPES),
        _labels(table["region"], REGIONS),
        _labels(table["priority"], PRIORITIES),
        escaped(pd.to_datetime(table["signed_on"]).dt.strftime("%Y-%m-%d")),
        _formatted(table["total_usd"], "{:,.2f}"),
        _formatted(table["itu_share"], "{:.1%}"),
        _formatted(table["partner_share"], "{:.1%}"),
    ]
    total = [f"Total: {len(table):,} agreements", *[""] * 5, _usd_total(table["total_usd"])]
    return cells, [*total, "", ""]


def partner_cells(partners: pd.DataFrame) -> tuple[list[np.ndarray], list[str]]:
    """The financial-partner table's columns of escaped text, and its total row."""
    cells = [
        _formatted(partners["rank"], "{:.0f}"),
        escaped(partners["partner_name"]),
        _labels(partners["partner_type"], PARTNER_TYPES),
        _formatted(partners["agreements"], "{:,.0f}"),
        _formatted(partners["usd"], "{:,.2f}"),
    ]
    total = ["", f"Total: {len(partners):,} financial partners", "", ""]
    return cells, [*total, _usd_total(partners["usd"])]


def render_annex(content: ReportContent, agreements: pd.DataFrame) -> bytes:
    """Document INF/1 of the year as a .docx: the agreements, then the financial partners."""
    year, header = content.year, content.settings.document
    document = Document(str(TEMPLATE))
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    title = f"Partnership agreements and financial partners, {year}"
    header_block(document, header, number=header.annex_number, title=title, width_cm=25.7)
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
    tables = {
        1: table_chunks(AGREEMENT_COLUMNS, *agreement_cells(agreements)),
        2: table_chunks(PARTNER_COLUMNS, *partner_cells(partners)),
    }
    body = _with_tables(pkg.part_text(package, "word/document.xml"), tables)
    # zlib level 1: a large annex's XML compresses 2-3x faster, about a third bigger
    return pkg.fixed_zip(package, {"word/document.xml": body}, compresslevel=1)


def _with_tables(xml: str, tables: dict[int, Iterator[str]]) -> Iterator[bytes]:
    """The document part in UTF-8 pieces, each marker paragraph replaced by its table."""
    for number, chunks in tables.items():
        at = xml.index(MARKER.format(number))
        start = xml.rindex("<w:p>", 0, at)
        yield xml[:start].encode("utf-8")
        for chunk in chunks:
            yield chunk.encode("utf-8")
        xml = xml[xml.index("</w:p>", at) + len("</w:p>") :]
    yield xml.encode("utf-8")
