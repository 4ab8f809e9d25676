"""What python-docx does not do for our Word files: footnotes, links, fixed bytes.

- Footnotes: python-docx has no API for them; the template carries a footnotes part (with its
  two separators) and these helpers add `w:footnote` entries and their references.
- Links: a hyperlink run, its target recorded as an external relationship.
- Fixed bytes: python-docx stamps every zip entry with the time of saving; `fixed_zip`
  rewrites the package with one fixed timestamp (and can swap in a part, e.g. a large table
  built as text), so the same input gives the same file.
"""

import io
import zipfile
from collections.abc import Iterable
from datetime import datetime
from xml.sax.saxutils import escape

from docx.document import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import PartFactory, XmlPart
from docx.oxml import parse_xml
from docx.text.paragraph import Paragraph

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry

# Load the template's footnotes part as XML (python-docx would keep it as opaque bytes).
PartFactory.part_type_for[CT.WML_FOOTNOTES] = XmlPart


def text_run(text: str, *, bold: bool = False, style: str | None = None) -> str:
    """A `w:r` holding `text` (XML-escaped, spaces kept)."""
    properties = ""
    if bold or style:
        properties = "<w:rPr>" + (f'<w:rStyle w:val="{style}"/>' if style else "")
        properties += ("<w:b/>" if bold else "") + "</w:rPr>"
    return f'<w:r>{properties}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def hyperlink(part, url: str, text: str) -> str:
    """A `w:hyperlink` to `url` shown as `text`, its relationship added to `part`."""
    rel_id = part.relate_to(url, RT.HYPERLINK, is_external=True)
    return f'<w:hyperlink r:id="{rel_id}">{text_run(text, style="Hyperlink")}</w:hyperlink>'


def append_xml(paragraph: Paragraph, runs_xml: str) -> None:
    """Append runs given as XML text to a paragraph."""
    wrapper = parse_xml(f'<w:p xmlns:w="{W_NS}" xmlns:r="{R_NS}">{runs_xml}</w:p>')
    for child in list(wrapper):
        paragraph._p.append(child)


def footnotes_part(document: Document) -> XmlPart:
    """The template's footnotes part.

    Raises:
        ValueError: the template has none (it was not made by tasks.report.docx_template).
    """
    for rel in document.part.rels.values():
        if rel.reltype == RT.FOOTNOTES and not rel.is_external:
            return rel.target_part
    raise ValueError("the Word template has no footnotes part")


def footnote_reference(number: int) -> str:
    """The run that marks footnote `number` in the text."""
    return (
        '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr>'
        f'<w:footnoteReference w:id="{number}"/></w:r>'
    )


def add_footnote(part: XmlPart, number: int, runs_xml: str) -> None:
    """Add footnote `number` with the given runs to the footnotes part."""
    part.element.append(
        parse_xml(
            f'<w:footnote xmlns:w="{W_NS}" xmlns:r="{R_NS}" w:id="{number}"><w:p>'
            '<w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
            '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r>'
            f"{text_run(' ')}{runs_xml}</w:p></w:footnote>"
        )
    )


def set_properties(document: Document, *, title: str, subject: str, when: datetime) -> None:
    """Document properties with a fixed date (the document's own) instead of now."""
    properties = document.core_properties
    properties.title, properties.subject = title, subject
    properties.author = properties.last_modified_by = "ITU/BDT"
    properties.created = properties.modified = properties.last_printed = when
    properties.revision = 1
    properties.comments = "Made by prm from the partner register"


def saved(document: Document) -> bytes:
    """The document as python-docx saves it."""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def part_text(package: bytes, name: str) -> str:
    """One part of a package as text (UTF-8)."""
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        return source.read(name).decode("utf-8")


def fixed_zip(
    package: bytes, replace: dict[str, Iterable[bytes]] | None = None, compresslevel: int = 6
) -> bytes:
    """The same package with fixed entry times, entries in their order, `replace`'s parts
    swapped in (name -> new content in pieces, streamed into the package)."""
    replace = replace or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            entry._compresslevel = compresslevel  # what writestr sets; open("w") reads it
            pieces = replace.get(info.filename, [source.read(info)])
            with target.open(entry, "w") as handle:
                for piece in pieces:
                    handle.write(piece)
    return out.getvalue()
