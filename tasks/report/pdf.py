"""report.pdf: the TDAG document as a PDF for the web, with ReportLab (pure PyPI, no office suite).

The same blocks as report.docx (tasks.report.content), laid out on A4 with ReportLab's
Platypus: real text in an embedded, subset TrueType font (DejaVu Sans, shipped with
matplotlib) so it can be selected, searched and extracted; the charts as the bundle's
200 dpi PNGs at the size they were drawn; page numbers in the footer; the notes numbered at the end,
each mark linking to its note. `invariant` mode gives a fixed creation date and document id,
so the same content gives the same bytes.
"""

import io
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm, inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)
from reportlab.platypus import Table as PdfTable

from tasks.report import content as model

FONT = "DejaVuSans"
MARGIN = 2 * cm
TEXT_WIDTH = A4[0] - 2 * MARGIN
ITU_BLUE = colors.HexColor("#004B8D")
DEFAULT_DPI = 200  # a PNG that does not say its resolution was drawn at the bundle's
_FONT_FILES = {
    FONT: "DejaVuSans.ttf",
    f"{FONT}-Bold": "DejaVuSans-Bold.ttf",
    f"{FONT}-Oblique": "DejaVuSans-Oblique.ttf",
    f"{FONT}-BoldOblique": "DejaVuSans-BoldOblique.ttf",
}


def _register_fonts() -> None:
    """Register DejaVu Sans (the TrueType files matplotlib ships) once per process."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name, file in _FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily(
        FONT,
        normal=FONT,
        bold=f"{FONT}-Bold",
        italic=f"{FONT}-Oblique",
        boldItalic=f"{FONT}-BoldOblique",
    )


def _styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles, named after the Word template's."""
    normal = ParagraphStyle("Normal", fontName=FONT, fontSize=9.5, leading=13, spaceAfter=5)
    heading = {
        "parent": normal,
        "fontName": f"{FONT}-Bold",
        "textColor": ITU_BLUE,
        "spaceBefore": 10,
    }
    return {
        "Normal": normal,
        "Title": ParagraphStyle("Title", **heading, fontSize=14, leading=18, spaceAfter=10),
        "Heading": ParagraphStyle("Heading", **heading, fontSize=11, leading=15, keepWithNext=1),
        "Bullet": ParagraphStyle("Bullet", parent=normal, leftIndent=14, bulletIndent=2),
        "Caption": ParagraphStyle(
            "Caption", parent=normal, fontName=f"{FONT}-Oblique", fontSize=8, alignment=TA_CENTER
        ),
        "Cell": ParagraphStyle("Cell", parent=normal, fontSize=8.5, leading=11, spaceAfter=0),
        "CellRight": ParagraphStyle(
            "CellRight", parent=normal, fontSize=8.5, leading=11, spaceAfter=0, alignment=TA_RIGHT
        ),
        "Note": ParagraphStyle("Note", parent=normal, fontSize=8, leading=10, spaceAfter=2),
    }


def _markup(parts: tuple[model.Inline, ...]) -> str:
    """Inline parts as Platypus markup: bold, links, note marks linking to their note."""
    out = []
    for part in parts:
        if isinstance(part, model.NoteRef):
            out.append(f'<super><a href="#note{part.number}">{part.number}</a></super>')
        elif part.link:
            out.append(f'<a href="{escape(part.link)}" color="#0563C1">{escape(part.text)}</a>')
        elif part.bold:
            out.append(f"<b>{escape(part.text)}</b>")
        else:
            out.append(escape(part.text))
    return "".join(out)


def _header_block(content: model.ReportContent, styles) -> list:
    """Group and meeting beside number, date and language; source and title; the title."""
    header, normal = content.settings.document, styles["Normal"]
    right = ParagraphStyle("HeaderRight", parent=normal, alignment=TA_RIGHT)
    top = PdfTable(
        [
            [
                Paragraph(f"<b>{escape(header.group)}</b><br/>{escape(header.meeting)}", normal),
                Paragraph(
                    f"<b>Document {escape(header.number)}</b><br/>{header.long_date()}<br/>"
                    f"Original: {escape(header.original)}",
                    right,
                ),
            ]
        ],
        colWidths=[TEXT_WIDTH * 0.62, TEXT_WIDTH * 0.38],
    )
    who = PdfTable(
        [
            [Paragraph("<b>SOURCE:</b>", normal), Paragraph(escape(header.source), normal)],
            [
                Paragraph("<b>TITLE:</b>", normal),
                Paragraph(f"<b>{escape(header.title)}</b>", normal),
            ],
        ],
        colWidths=[3 * cm, TEXT_WIDTH - 3 * cm],
    )
    top.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, 0), 1, ITU_BLUE)])
    return [top, Spacer(1, 8), who, Paragraph(escape(content.title), styles["Title"])]


def _front(content: model.ReportContent, styles) -> list:
    """Summary, Action required, References; then a new page."""
    flowables: list = []
    for part in content.front:
        flowables.append(Paragraph(f"<b>{escape(part.label)}:</b>", styles["Normal"]))
        flowables += [Paragraph(escape(text), styles["Normal"]) for text in part.paragraphs]
    return [*flowables, PageBreak()]


def _chart(chart: model.Chart, png: bytes, styles) -> KeepTogether:
    """The chart at the size it was drawn (its PNG's resolution kept), caption below, on one
    page."""
    width, height = ImageReader(io.BytesIO(png)).getSize()
    dpi = PILImage.open(io.BytesIO(png)).info.get("dpi", (DEFAULT_DPI,))[0]
    image = Image(io.BytesIO(png), width=width * inch / dpi, height=height * inch / dpi)
    return KeepTogether([image, Paragraph(escape(chart.caption), styles["Caption"])])


def _table(block: model.Table, styles) -> PdfTable:
    """A ruled table with a bold, repeated header; numeric columns right-aligned."""
    header = [Paragraph(f"<b>{escape(text)}</b>", styles["Cell"]) for text in block.header]
    rows = [
        [
            Paragraph(escape(text), styles["CellRight" if numeric else "Cell"])
            for text, numeric in zip(row, block.numeric, strict=True)
        ]
        for row in block.rows
    ]
    table = PdfTable(
        [header, *rows], colWidths=[TEXT_WIDTH * share for share in block.widths], repeatRows=1
    )
    table.setStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEF3F8")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )
    return table


def _contact(content: model.ReportContent, styles) -> list:
    """The contact block, as in the seed's last lines."""
    contact, cell = content.settings.contact, styles["Cell"]
    rows = [
        ["Contact:", "Name/Organization/Entity:", contact.name],
        ["", "Phone number:", contact.phone],
        ["", "E-mail:", contact.email],
    ]
    table = PdfTable(
        [[Paragraph(escape(text), cell) for text in row] for row in rows],
        colWidths=[2.2 * cm, 4.8 * cm, TEXT_WIDTH - 7 * cm],
    )
    table.setStyle(
        [("BOX", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    )
    return [Spacer(1, 14), KeepTogether([table])]


def _notes(content: model.ReportContent, styles) -> list:
    """The numbered notes, each the target of its mark's link."""
    flowables: list = [Spacer(1, 10), Paragraph("<b>Notes</b>", styles["Note"])]
    for number, parts in content.notes.items():
        text = f'<a name="note{number}"/>{number}. {_markup(parts)}'
        flowables.append(Paragraph(text, styles["Note"]))
    return flowables


def _story(content: model.ReportContent, chart_pngs: dict[str, bytes], styles) -> list:
    """Every flowable of the document, in order."""
    story = [*_header_block(content, styles), *_front(content, styles)]
    for block in content.body:
        if isinstance(block, model.Heading):
            story.append(Paragraph(escape(block.text), styles["Heading"]))
        elif isinstance(block, model.Paragraph):
            style = styles["Bullet" if block.bullet else "Normal"]
            story.append(
                Paragraph(_markup(block.parts), style, bulletText="•" if block.bullet else None)
            )
        elif isinstance(block, model.Chart):
            story.append(_chart(block, chart_pngs[block.name], styles))
        elif isinstance(block, model.Table):
            story += [_table(block, styles), Spacer(1, 8)]
    return [*story, *_contact(content, styles), *_notes(content, styles)]


def render_pdf(content: model.ReportContent, chart_pngs: dict[str, bytes]) -> bytes:
    """The report as an A4 PDF with page numbers (same content and charts, same bytes)."""
    _register_fonts()
    number = content.settings.document.number

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawCentredString(A4[0] / 2, MARGIN / 2, f"{doc.page}")
        if doc.page > 1:
            canvas.drawRightString(A4[0] - MARGIN, A4[1] - MARGIN / 2, number)
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{content.title} ({content.year})",
        author="ITU/BDT",
        subject=number,
        creator="prm",
        invariant=True,
    )
    document.build(_story(content, chart_pngs, _styles()), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
