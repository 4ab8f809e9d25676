"""The TDAG documents of the sample's 2024 bundle: report.docx, report.pdf, annex_inf1.docx.

The sample reproduces the seed report, so the documents are checked against the seed's
figures and names; each file is opened with a reader independent of the one that wrote it
(python-docx reads back, pypdf extracts the PDF's text, pypdfium2 measures its images).
"""

import io
import zipfile
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pypdf
import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from lxml import etree

from models.db import get_engine, upgrade
from tasks.ingest.sources import open_source
from tasks.pipeline import aggregate, ingest_source
from tasks.report.bundle import write_bundle

YEAR = 2024
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TOP_10 = [
    ("European Union represented by the European Commission", "USD 19.82 million"),
    ("United Nations Children's Fund", "USD 1.82 million"),
    ("United Nations Office for Disaster Risk Reduction", "USD 1.75 million"),
    ("Deutsche Gesellschaft für Internationale Zusammenarbeit GmbH", "USD 1.09 million"),
    ("World Meteorological Organization", "USD 0.96 million"),
    (
        "Department of Infrastructure, Transport, Regional Development, Communications and "
        "the Arts, Australia",
        "USD 0.65 million",
    ),
    ("Foreign, Commonwealth & Development Office, United Kingdom", "USD 0.56 million"),
    (
        "Ministerio de Tecnologías de la Información y las Comunicaciones, Colombia",
        "USD 0.43 million",
    ),
    ("EYGS LPP", "USD 0.41 million"),
    ("Ministry of Science and ICT, Korea Rep.", "USD 0.37 million"),
]
HEADLINE = (
    "signed 89 partnership agreements out of which 53 included financial contributions "
    "totalling approximately USD 33.8 million, with 92% contributed by BDT partners and 8% by ITU."
)
SECTIONS = [
    "1. Background",
    "2. ITU-D partnerships and resource mobilization strategic objective",
    "3. Partnerships and results of resource mobilization in 2024",
    "4. Key Actions and Outcomes",
    "5. Way forward",
]
CONTACT = [
    "Ms Eun Ju Kim, Chief, Projects, Partnerships and Digital Skills Department (PPS)",
    "+41 22 730 5900",
    "eun-ju.kim@itu.int",
]


def _build(out: Path, data) -> Path:
    return write_bundle(
        out,
        metrics=data.metrics,
        agreements=data.agreements,
        rejections=data.rejections,
        parameters={"year": YEAR},
        input_fingerprint="f" * 64,
        code_version="test",
    )


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample's 2024 report data (metrics, agreements, rejections), ingested into SQLite."""
    engine = get_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'prm.db'}")
    upgrade(engine)
    ingest_source(open_source("data/sample"), engine)
    return aggregate(engine, YEAR, None)


@pytest.fixture(scope="module")
def bundle(sample, tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("bundle"), sample)


def _all_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_report_docx_structure_and_figures(bundle):
    document = docx.Document(bundle / "report.docx")
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == SECTIONS
    text = _all_text(document)
    assert HEADLINE in text
    assert len(document.inline_shapes) == 4
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert [c.split(":")[0] for c in captions] == [f"Figure {n}" for n in range(1, 5)]
    assert "Data quality" not in text and "rejections.csv" not in text
    for needed in ("Document TDAG25/", "Original: English", "SOURCE:", "TITLE:"):
        assert needed in text
    assert "Director, Telecommunication Development Bureau" in text
    assert "Telecommunication Development Advisory Group (TDAG)" in text
    for value in CONTACT:
        assert value in text
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7


def test_report_docx_top_10_table(bundle):
    document = docx.Document(bundle / "report.docx")
    [table] = [t for t in document.tables if t.rows[0].cells[0].text == "Partner"]
    rows = [tuple(cell.text for cell in row.cells) for row in table.rows[1:]]
    assert rows == TOP_10


def test_report_docx_has_real_footnotes(bundle):
    with zipfile.ZipFile(bundle / "report.docx") as package:
        body = etree.fromstring(package.read("word/document.xml"))
        notes = etree.fromstring(package.read("word/footnotes.xml"))
    marks = [int(mark.get(f"{W}id")) for mark in body.iter(f"{W}footnoteReference")]
    texts = {
        int(note.get(f"{W}id")): "".join(note.itertext())
        for note in notes.iter(f"{W}footnote")
        if note.get(f"{W}type") is None  # not a separator
    }
    assert marks == [1, 2, 3, 4] == sorted(texts)
    assert "For the full list of agreements, please refer to Document TDAG25/INF/1." in texts[1]
    assert "https://www.itu.int/hub/membership/our-members/" in texts[2]


def _pdf_text(path: Path) -> tuple[int, str]:
    reader = pypdf.PdfReader(path)
    text = " ".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


def test_report_pdf_text_is_extractable(bundle):
    pages, text = _pdf_text(bundle / "report.pdf")
    assert pages >= 3
    assert HEADLINE in text
    for name, amount in TOP_10:
        assert f"{name} {amount}" in text
    for value in [*SECTIONS, *CONTACT, "Document TDAG25/XX"]:
        assert value in text
    assert "Data quality" not in text


def test_report_pdf_is_a4_numbered_with_200_dpi_charts(bundle):
    pdf = pypdfium2.PdfDocument(str(bundle / "report.pdf"))
    assert all((round(p.get_width()), round(p.get_height())) == (595, 842) for p in pdf)
    images = [
        image.get_metadata()
        for page in pdf
        for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])
    ]
    assert len(images) == 4
    assert all(meta.horizontal_dpi > 199.9 and meta.vertical_dpi > 199.9 for meta in images)
    last = pdf[len(pdf) - 1].get_textpage().get_text_range()
    assert str(len(pdf)) in last.split()  # the page number in the footer
    pdf.close()


def _annex_tables(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    document = docx.Document(path)
    frames = []
    for table in document.tables[2:]:  # after the header block's two tables
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        frames.append(pd.DataFrame(rows[1:], columns=rows[0]))
    return frames[0], frames[1]


def _usd(text: pd.Series) -> pd.Series:
    return text.str.replace(",", "").astype(float)


def test_pdf_is_written_with_reportlab_s_c_helpers():
    """Without rl-accel ReportLab falls back to Python, e.g. for the images' ASCII85 text:
    the same bytes, 0.1-0.2 s slower for the sample's four charts."""
    from reportlab.lib.rl_accel import asciiBase85Encode, fp_str

    assert asciiBase85Encode.__module__ == fp_str.__module__ == "_rl_accel"


def test_annex_lists_every_agreement_and_financial_partner(bundle, sample):
    metrics = sample.metrics
    agreements, partners = _annex_tables(bundle / "annex_inf1.docx")
    rows, total = agreements.iloc[:-1], agreements.iloc[-1]
    assert len(rows) == 89 == rows["Agreement"].nunique()
    assert total["Agreement"] == "Total: 89 agreements"
    assert _usd(rows["USD"]).sum() == pytest.approx(metrics.financial_usd.total, abs=0.005)
    assert float(total["USD"].replace(",", "")) == metrics.financial_usd.total
    listed, partner_total = partners.iloc[:-1], partners.iloc[-1]
    assert len(listed) == metrics.partners.financial == 33
    assert float(partner_total.iloc[-1].replace(",", "")) == metrics.partners.financial_usd
    assert _usd(listed.iloc[:, -1]).sum() == pytest.approx(
        metrics.partners.financial_usd, abs=0.005
    )
    assert listed["Partner"].tolist()[:10] == [name for name, _ in TOP_10]
    document = docx.Document(bundle / "annex_inf1.docx")
    assert "Document TDAG25/INF/1" in _all_text(document)


def test_documents_are_byte_identical_for_the_same_input(bundle, sample, tmp_path):
    again = _build(tmp_path / "again", sample)
    names = ("report.docx", "report.pdf", "annex_inf1.docx", "tables.xlsx", "report.html")
    for name in names:
        assert (again / name).read_bytes() == (bundle / name).read_bytes(), name
    with zipfile.ZipFile(io.BytesIO((bundle / "report.docx").read_bytes())) as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert "2025-04-01T00:00:00Z" in package.read("docProps/core.xml").decode()


def test_tables_xlsx_formats_headers_and_rejections(bundle):
    workbook = openpyxl.load_workbook(bundle / "tables.xlsx")
    assert workbook.sheetnames[-3:] == ["agreements", "financial_partners", "rejections"]
    for sheet in workbook:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all("_" not in str(cell.value) for cell in sheet[1]), sheet.title
    summary = {row[0].value: row[1] for row in workbook["summary"].iter_rows(min_row=2)}
    assert summary["financial contributions, total"].number_format == "#,##0.00"
    assert summary["partners' share of contributions"].number_format == "0.0%"
    assert summary["agreements signed"].value == 89
    agreements = workbook["agreements"]
    header = [cell.value for cell in agreements[1]]
    signed = agreements.cell(2, header.index("Signed on") + 1)
    assert signed.is_date and signed.number_format == "yyyy-mm-dd"
    share = agreements.cell(2, header.index("Partner share") + 1)
    assert share.number_format == "0.0%"
    rejections = workbook["rejections"]
    names = [cell.value for cell in rejections[1]]
    reasons = {row[names.index("Reason")].value for row in rejections.iter_rows(min_row=2)}
    assert "Unknown partner" in reasons
    assert rejections.max_row - 1 == len(pd.read_csv(bundle / "rejections.csv"))
