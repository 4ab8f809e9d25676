"""The written report as data: what every format (Markdown, HTML, DOCX, PDF) prints.

`build_content` assembles the TDAG document of a year from the metrics and the document's
settings: the fixed prose of the 2024 report (`tasks.report.prose`), the sentences that carry
figures (`tasks.report.documents`), the top-10 table, the four charts with their captions and
the numbered notes. The renderers only lay these blocks out; none words a figure itself.
"""

from dataclasses import dataclass, field

from models.metrics import Metrics
from tasks.report import prose
from tasks.report.document_settings import DocumentSettings
from tasks.report.documents import (
    chart_titles,
    financial_partners_sentence,
    headline_sentence,
    membership_sentence,
    partners_sentence,
    trend_sentence,
    usd_million_words,
    year_over_year_sentence,
)

TOP_TABLE_HEADER = ("Partner", "Signed financial contributions (in USD as per date of signature)")


@dataclass(frozen=True)
class Text:
    """A run of text, bold or a link when asked."""

    text: str
    bold: bool = False
    link: str | None = None


@dataclass(frozen=True)
class NoteRef:
    """The mark of note `number` (a footnote in Word, a numbered note elsewhere)."""

    number: int


Inline = Text | NoteRef


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    parts: tuple[Inline, ...]
    bullet: bool = False


@dataclass(frozen=True)
class Chart:
    """One of the four charts (`name` as in tasks.report.charts) with its numbered caption."""

    name: str
    caption: str


@dataclass(frozen=True)
class Table:
    """A table of text cells; `numeric` marks the columns printed right-aligned, `widths`
    each column's share of the text width."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    widths: tuple[float, ...]


Block = Heading | Paragraph | Chart | Table


@dataclass(frozen=True)
class Labelled:
    """A labelled part of the front matter (Summary, Action required, References)."""

    label: str
    paragraphs: tuple[str, ...]


@dataclass
class ReportContent:
    """The whole document of year `year`."""

    year: int
    settings: DocumentSettings
    front: tuple[Labelled, ...]
    body: list[Block] = field(default_factory=list)
    notes: dict[int, tuple[Inline, ...]] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.settings.document.title

    def note(self, *parts: Inline) -> NoteRef:
        """Add a note with this text and return its mark (notes are numbered from 1)."""
        number = len(self.notes) + 1
        self.notes[number] = parts
        return NoteRef(number)

    def add(self, *parts: Inline, bullet: bool = False) -> None:
        """Add a paragraph of these runs (a plain `str` is a plain run)."""
        runs = tuple(Text(part) if isinstance(part, str) else part for part in parts)
        self.body.append(Paragraph(runs, bullet))

    def charts(self) -> list[Chart]:
        """The charts in the order they appear."""
        return [block for block in self.body if isinstance(block, Chart)]


def build_content(metrics: Metrics, settings: DocumentSettings) -> ReportContent:
    """The TDAG document of `metrics.year`, block by block, as in the seed report."""
    year = metrics.year
    content = ReportContent(
        year=year,
        settings=settings,
        front=(
            Labelled("Summary", (prose.SUMMARY.format(year=year),)),
            Labelled("Action required", (prose.ACTION_REQUIRED,)),
            Labelled("References", prose.REFERENCES),
        ),
    )
    content.body.append(Heading("1. Background"))
    for text in prose.BACKGROUND:
        content.add(text)
    content.body.append(Heading(prose.OBJECTIVE_HEADING))
    for text in prose.OBJECTIVE:
        content.add(text)
    _results(content, metrics)
    _key_actions(content)
    content.body.append(Heading("5. Way forward"))
    content.add(prose.WAY_FORWARD)
    return content


def _results(content: ReportContent, metrics: Metrics) -> None:
    """Section 3: the year's figures, the charts and the top-10 table."""
    year, annex = metrics.year, content.settings.document.annex_number
    titles = chart_titles(year)
    figure = iter(range(1, 5))
    content.body.append(Heading(f"3. Partnerships and results of resource mobilization in {year}"))
    agreements_note = content.note(Text(prose.FULL_LIST_AGREEMENTS.format(annex=annex)))
    content.add(headline_sentence(metrics), agreements_note)
    if metrics.partners.total:
        content.add(partners_sentence(metrics))
        _chart(content, "partners_by_type", titles, next(figure))
        content.add(membership_sentence(metrics), content.note(_link(prose.MEMBERS_URL)))
    content.add(financial_partners_sentence(metrics))
    top = metrics.top_financial_partners
    if top:
        partners_note = content.note(Text(prose.FULL_LIST_PARTNERS.format(annex=annex)))
        content.add(f"For {year}, BDT’s top {len(top)} financial partners were:", partners_note)
        rows = tuple((p.name, usd_million_words(p.usd, 2)) for p in top)
        content.body.append(
            Table(TOP_TABLE_HEADER, rows, numeric=(False, True), widths=(0.65, 0.35))
        )
    content.add(prose.CHARTS_INTRO.format(year=year))
    _chart(content, "by_region", titles, next(figure))
    _chart(content, "by_priority", titles, next(figure))
    content.add(trend_sentence(metrics))
    _chart(content, "trend", titles, next(figure))
    content.add(year_over_year_sentence(metrics))


def _chart(content: ReportContent, name: str, titles: dict[str, str], number: int) -> None:
    content.body.append(Chart(name, f"Figure {number}: {titles[name]}"))


def _link(url: str) -> Text:
    return Text(url, link=url)


def _key_actions(content: ReportContent) -> None:
    """Section 4: impact stories and the three strategic actions."""
    content.body.append(Heading("4. Key Actions and Outcomes"))
    content.add(prose.IMPACT_INTRO, _link(prose.IMPACT_URL), ".")
    content.add(prose.ACTIONS_INTRO)
    annex = content.settings.document.annex_number
    partners_list = content.note(_link(prose.PARTNERS_URL))
    for lead, text in prose.ACTIONS:
        before, marker, after = text.replace("{annex}", annex).partition("{note}")
        parts: list[Inline] = [Text(lead, bold=True), Text(" " + before)]
        if marker:
            parts += [partners_list, Text(after)]
        content.add(*parts, bullet=True)
