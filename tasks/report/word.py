"""report.docx: the TDAG contribution in Word, on the template the team styles.

Built with python-docx on templates/report.docx: the header block (group, meeting, document
number, date, original language, source, title), Summary, Action required and References on
the first page, sections 1-5 with real headings, the charts as pictures with captions, the
top-10 table, real Word footnotes, and the contact block. Every look (fonts, colours, spacing,
footer) comes from the template's styles, so restyling needs no code.
"""

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import parse_xml
from docx.shared import Cm
from docx.table import Table as WordTable

from tasks.report import docx_package as pkg
from tasks.report.content import Chart, Heading, Inline, NoteRef, Paragraph, ReportContent, Table
from tasks.report.document_settings import DocumentHeader
from tasks.report.docx_template import TEMPLATE

CHART_WIDTH = Cm(16)


def render_docx(content: ReportContent, chart_pngs: dict[str, bytes]) -> bytes:
    """The report as a .docx (same content and charts, same bytes)."""
    document = Document(str(TEMPLATE))
    notes = pkg.footnotes_part(document)
    header = content.settings.document
    header_block(document, header, number=header.number, title=content.title)
    _front_matter(document, content)
    for block in content.body:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=1)
        elif isinstance(block, Paragraph):
            style = "List Bullet" if block.bullet else None
            pkg.append_xml(document.add_paragraph(style=style), _runs(document, block.parts))
        elif isinstance(block, Chart):
            _chart(document, block, chart_pngs[block.name])
        elif isinstance(block, Table):
            _table(document, block)
    _contact_block(document, content)
    for number, parts in content.notes.items():
        pkg.add_footnote(notes, number, _runs_in(notes, parts))
    pkg.set_properties(
        document,
        title=f"{content.title} ({content.year})",
        subject=content.settings.document.number,
        when=header.timestamp(),
    )
    return pkg.fixed_zip(pkg.saved(document))


def _runs(document, parts: tuple[Inline, ...]) -> str:
    return _runs_in(document.part, parts)


def _runs_in(part, parts: tuple[Inline, ...]) -> str:
    """Inline parts as runs XML: text, bold, links (related to `part`), footnote marks."""
    out = []
    for inline in parts:
        if isinstance(inline, NoteRef):
            out.append(pkg.footnote_reference(inline.number))
        elif inline.link:
            out.append(pkg.hyperlink(part, inline.link, inline.text))
        else:
            out.append(pkg.text_run(inline.text, bold=inline.bold))
    return "".join(out)


def _borderless(table: WordTable) -> None:
    """No borders: the header block and the contact block are laid out, not ruled."""
    borders = parse_xml(
        f'<w:tblBorders xmlns:w="{pkg.W_NS}">'
        + "".join(
            f'<w:{side} w:val="nil"/>'
            for side in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        + "</w:tblBorders>"
    )
    table._tbl.tblPr.append(borders)


def _widths(table: WordTable, *widths) -> None:
    """Column widths, in the grid (what LibreOffice reads) and every cell (what Word reads)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width


def _cell(table: WordTable, row: int, column: int, *lines: str, bold: bool = False) -> None:
    """Fill one cell with lines of text (one paragraph each)."""
    cell = table.cell(row, column)
    cell.paragraphs[0].add_run(lines[0]).bold = bold
    for line in lines[1:]:
        cell.add_paragraph().add_run(line).bold = bold


def header_block(
    document, header: DocumentHeader, *, number: str, title: str, width_cm: float = 17
) -> None:
    """Group and meeting beside document number, date and language; then source and title
    (`width_cm`: the text width of the page)."""
    top = document.add_table(rows=1, cols=2)
    _borderless(top)
    _cell(top, 0, 0, header.group, header.meeting, bold=True)
    _cell(top, 0, 1, f"Document {number}", header.long_date(), f"Original: {header.original}")
    for paragraph in top.cell(0, 1).paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    who = document.add_table(rows=2, cols=2)
    _borderless(who)
    _cell(who, 0, 0, "SOURCE:", bold=True)
    _cell(who, 0, 1, header.source)
    _cell(who, 1, 0, "TITLE:", bold=True)
    _cell(who, 1, 1, title, bold=True)
    _widths(top, Cm(width_cm - 7), Cm(7))
    _widths(who, Cm(3), Cm(width_cm - 3))
    document.add_paragraph(title, style="Title")


def _front_matter(document, content: ReportContent) -> None:
    """Summary, Action required and References, then a page break as in ITU documents."""
    for part in content.front:
        document.add_paragraph().add_run(f"{part.label}:").bold = True
        for text in part.paragraphs:
            document.add_paragraph(text)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _chart(document, chart: Chart, png: bytes) -> None:
    """The chart centred at text width, its caption below."""
    picture = document.add_paragraph()
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    picture.add_run().add_picture(io.BytesIO(png), width=CHART_WIDTH)
    caption = document.add_paragraph(chart.caption, style="Caption")
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _table(document, block: Table) -> None:
    """A ruled table, bold header repeated on each page, numbers right-aligned."""
    table = document.add_table(rows=1 + len(block.rows), cols=len(block.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header_row = table.rows[0]
    header_row._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader xmlns:w="{pkg.W_NS}"/>'))
    _widths(table, *[Cm(17 * share) for share in block.widths])
    for column, text in enumerate(block.header):
        _cell(table, 0, column, text, bold=True)
    for row_number, row in enumerate(block.rows, start=1):
        for column, text in enumerate(row):
            _cell(table, row_number, column, text)
            if block.numeric[column]:
                table.cell(row_number, column).paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph()


def _contact_block(document, content: ReportContent) -> None:
    """'Contact:' beside name/organization, phone number and e-mail, as at the end of the seed."""
    contact = content.settings.contact
    document.add_paragraph("_" * 15).alignment = WD_ALIGN_PARAGRAPH.CENTER
    table = document.add_table(rows=3, cols=3)
    table.style = "Table Grid"
    _cell(table, 0, 0, "Contact:", bold=True)
    rows = (
        ("Name/Organization/Entity:", contact.name),
        ("Phone number:", contact.phone),
        ("E-mail:", contact.email),
    )
    for number, (what, value) in enumerate(rows):
        _cell(table, number, 1, what)
        _cell(table, number, 2, value)
    _widths(table, Cm(2.5), Cm(5), Cm(9.5))
