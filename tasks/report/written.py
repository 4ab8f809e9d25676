"""report.md and report.html: the document's blocks as Markdown, and a page made from it.

The body is `tasks.report.content`'s, as in the DOCX and PDF; the web report adds the contact
block and, as an annex, the data quality of the ingestion the figures come from (the official
DOCX/PDF leave it out). Every text goes through `escape_markdown`.
"""

import base64
import html
import re
from pathlib import Path

import markdown
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from models.codes import ENTITIES, ENTITY_LABELS, REASON_LABELS, REASON_MEANINGS, REASONS
from models.metrics import Metrics
from tasks.report.content import Chart, Heading, Inline, NoteRef, Paragraph, ReportContent, Table
from tasks.report.documents import CHART_NAMES, data_quality_sentence, escape_markdown

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _inline(parts: tuple[Inline, ...]) -> str:
    """Runs as Markdown: bold, autolinks, and [^n] note marks."""
    out = []
    for part in parts:
        if isinstance(part, NoteRef):
            out.append(f"[^{part.number}]")
        elif part.link:
            out.append(f"<{part.link}>")
        elif part.bold:
            out.append(f"**{escape_markdown(part.text.strip())}**" + " " * part.text.endswith(" "))
        else:
            out.append(escape_markdown(part.text))
    return "".join(out)


def _table(header: tuple[str, ...], rows, numeric: tuple[bool, ...]) -> list[str]:
    """A pipe table, numeric columns right-aligned."""
    lines = ["| " + " | ".join(escape_markdown(h) for h in header) + " |"]
    lines.append("|" + "|".join("---:" if n else "---" for n in numeric) + "|")
    lines += ["| " + " | ".join(escape_markdown(cell) for cell in row) + " |" for row in rows]
    return lines


def _body(content: ReportContent, chart_src: dict[str, str]) -> list[str]:
    """The body blocks as Markdown lines (a bullet list keeps its items together)."""
    lines: list[str] = []
    for block in content.body:
        if isinstance(block, Paragraph) and block.bullet:
            lines.append(f"- {_inline(block.parts)}")
            continue
        if lines and lines[-1] != "":
            lines.append("")
        if isinstance(block, Heading):
            lines.append(f"## {escape_markdown(block.text)}")
        elif isinstance(block, Paragraph):
            lines.append(_inline(block.parts))
        elif isinstance(block, Chart):
            title = block.caption.split(": ", 1)[1]
            lines.append(f"![{escape_markdown(title)}]({chart_src[block.name]})")
            lines += ["", f"*{escape_markdown(block.caption)}*"]
        elif isinstance(block, Table):
            lines += _table(block.header, block.rows, block.numeric)
        lines.append("")
    return lines


def _front(content: ReportContent) -> list[str]:
    """Title and the labelled front matter (Summary, Action required, References)."""
    lines = [f"# {escape_markdown(content.title)}", ""]
    for part in content.front:
        texts = [escape_markdown(text) for text in part.paragraphs]
        lines += [f"**{part.label}:**", ";\n".join(texts), ""]
    return lines


def _contact(content: ReportContent) -> list[str]:
    """The contact block as a small table."""
    contact = content.settings.contact
    rows = (
        ("Name/Organization/Entity:", contact.name),
        ("Phone number:", contact.phone),
        ("E-mail:", contact.email),
    )
    return [*_table(("Contact:", ""), rows, (False, False)), ""]


def _quality_annex(metrics: Metrics) -> list[str]:
    """The data-quality annex, in words and labels rather than codes."""
    quality = metrics.data_quality
    entities = [
        (ENTITY_LABELS[e], *(str(getattr(quality, k).get(e, 0)) for k in _COUNTS)) for e in ENTITIES
    ]
    reasons = [
        (REASON_LABELS[r], REASON_MEANINGS[r], str(quality.rejections_by_reason.get(r, 0)))
        for r in REASONS
    ]
    return [
        "## Annex: Data quality",
        "",
        escape_markdown(data_quality_sentence(metrics)),
        "",
        *_table(("Records", "Read", "Loaded", "Rejected"), entities, (False, True, True, True)),
        "",
        *_table(("Rejection reason", "Meaning", "Rows"), reasons, (False, False, True)),
        "",
    ]


_COUNTS = ("read", "loaded", "rejected")


def _notes(content: ReportContent) -> list[str]:
    return [f"[^{number}]: {_inline(parts)}" for number, parts in content.notes.items()]


def render_markdown(
    content: ReportContent,
    metrics: Metrics,
    charts_dir_rel: str = "charts",
    changes_section: str = "",
) -> str:
    """The report as Markdown, its charts referenced as `<charts_dir_rel>/<name>.png`.

    `changes_section`: the escaped "Changes since the previous run" section, if any.
    """
    chart_src = {name: f"{charts_dir_rel}/{name}.png" for name in CHART_NAMES}
    return _markdown(content, metrics, chart_src, changes_section)


def _markdown(
    content: ReportContent, metrics: Metrics, chart_src: dict[str, str], changes_section: str
) -> str:
    """Front matter, body, contact; then the web-only parts (changes, data quality); notes."""
    lines = [*_front(content), *_body(content, chart_src), *_contact(content)]
    if changes_section:
        lines += [changes_section.strip(), ""]
    lines += [*_quality_annex(metrics), *_notes(content)]
    return "\n".join(lines) + "\n"


# A chart's image source in the Markdown converted to HTML, replaced by its data URI in the
# HTML's <img> tags (text cannot make a tag: Markdown escapes its `<`).
CHART_SRC = "prm-chart:"
CHART_IMG = re.compile(r'(<img [^>]*src=")' + CHART_SRC + r'(\w+)"')


def render_html(
    content: ReportContent,
    metrics: Metrics,
    chart_pngs: dict[str, bytes],
    changes_section: str = "",
) -> str:
    """The report as one self-contained HTML page, its charts embedded as PNG data URIs."""
    missing = [name for name in CHART_NAMES if name not in chart_pngs]
    if missing:
        raise ValueError(f"render_html needs the PNG of every chart; missing: {missing}")
    # The PNGs go into the HTML after the conversion: Markdown's inline patterns scan every
    # character of the text, and the four data URIs (~470 k characters at 200 dpi) made the
    # conversion 20x slower (0.13 s against 0.006 s) for the same HTML.
    chart_src = {name: f"{CHART_SRC}{name}" for name in CHART_NAMES}
    text = _markdown(content, metrics, chart_src, changes_section)
    body = markdown.markdown(text, extensions=["tables", "footnotes"], output_format="html")
    uris = {
        name: "data:image/png;base64," + base64.b64encode(chart_pngs[name]).decode("ascii")
        for name in CHART_NAMES
    }
    body = CHART_IMG.sub(lambda found: found[1] + uris[found[2]] + '"', body)
    title = html.escape(f"{content.title} ({content.year})")
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR), undefined=StrictUndefined, autoescape=True
    )
    page = environment.get_template("report.html.j2")
    return page.render(title=Markup(title), body=Markup(body))
