"""Writes the starting Word template, templates/report.docx (a tool, not run by the pipeline).

The committed template is what report.docx and annex_inf1.docx are built on: the team
restyles it in Word or LibreOffice (fonts, colours, spacing of the styles below, the footer)
without touching code. Run `python -m tasks.report.docx_template` only to start over from
this baseline: A4 portrait, 2 cm margins, Calibri 11, the built-in styles the documents use
(Title, Heading 1, Normal, List Bullet, Caption, Table Grid) plus Footnote Text, Footnote
Reference, Hyperlink and Table Text (the INF/1 lists' cells, 8 pt), a footer with the page
number, and an empty footnotes part (its two separators) so that the documents can carry
real Word footnotes.
"""

import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.shared import Cm, Pt, RGBColor

from tasks.report.docx_package import W_NS, fixed_zip

TEMPLATE = Path(__file__).parent / "templates" / "report.docx"
ITU_BLUE = RGBColor(0x00, 0x4B, 0x8D)

_FOOTNOTES = (
    f'<w:footnotes xmlns:w="{W_NS}">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0"/></w:pPr>'
    "<w:r><w:separator/></w:r></w:p></w:footnote>"
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0"/>'
    "</w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>"
    "</w:footnotes>"
)
_PAGE_FIELD = (
    f'<w:fldSimple xmlns:w="{W_NS}" w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
)


def _styles(document) -> None:
    """Fonts and sizes of the styles the documents use, and the three they need to add."""
    styles = document.styles
    styles["Normal"].font.name = "Calibri"
    styles["Normal"].font.size = Pt(11)
    styles["Normal"].paragraph_format.space_after = Pt(6)
    for name, size in (("Title", 16), ("Heading 1", 12), ("Heading 2", 11)):
        style = styles[name]
        style.font.name, style.font.size, style.font.bold = "Calibri", Pt(size), True
        style.font.color.rgb = ITU_BLUE
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(6)
    styles["Caption"].font.size = Pt(9)
    footnote_text = styles.add_style("Footnote Text", WD_STYLE_TYPE.PARAGRAPH)
    footnote_text.base_style = styles["Normal"]
    footnote_text.font.size = Pt(9)
    footnote_text.paragraph_format.space_after = Pt(0)
    reference = styles.add_style("Footnote Reference", WD_STYLE_TYPE.CHARACTER)
    reference.font.superscript = True
    table_text = styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
    table_text.base_style = styles["Normal"]
    table_text.font.size = Pt(8)
    table_text.paragraph_format.space_after = Pt(0)
    link = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    link.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
    link.font.underline = True


def build_template(path: Path = TEMPLATE) -> None:
    """Write the baseline template to `path`."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    _styles(document)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer._p.append(parse_xml(_PAGE_FIELD))
    part = XmlPart(
        PackURI("/word/footnotes.xml"),
        CT.WML_FOOTNOTES,
        parse_xml(_FOOTNOTES),
        document.part.package,
    )
    document.part.relate_to(part, RT.FOOTNOTES)
    body = document.element.body
    for paragraph in list(body.iterchildren(f"{{{W_NS}}}p")):
        body.remove(paragraph)
    package = document.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:  # python-docx's own preview image
            package.rels.pop(rel_id)
    properties = document.core_properties
    properties.title, properties.author = "TDAG contribution template", "ITU/BDT"
    properties.comments = ""
    path.write_bytes(fixed_zip(_saved(document)))


def _saved(document) -> bytes:
    import io

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


if __name__ == "__main__":
    build_template(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE)
