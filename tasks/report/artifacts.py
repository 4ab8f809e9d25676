"""What a run shows in the Prefect UI: the markdown summary and the rows of its table artifacts.

Pure functions of the metrics and of where the run went; creating the artifacts is the flows'
job (flows/artifacts.py). Figures are worded by tasks/report/documents.py, as in the report itself.
"""

from dataclasses import dataclass
from urllib.parse import quote

from models.codes import ENTITIES, PARTNER_TYPES, REASON_MEANINGS, REASONS, label
from models.metrics import Metrics
from tasks.report.changes import changes_markdown
from tasks.report.documents import (
    data_quality_sentence,
    escape_markdown,
    financial_partners_sentence,
    fmt_usd_m,
    headline_sentence,
    year_over_year_sentence,
)

# what a link artifact's url keeps as it is: RFC 3986 delimiters but those Markdown reads
# (parentheses, brackets, quotes, spaces) and `;`, which could end an entity (`&lt;`)
_URL_SAFE = ":/?#@!$&=+,%~-._"


@dataclass(frozen=True)
class RunFacts:
    """Where a run's input came from and where its bundle went, for the summary."""

    run_id: str
    source: str
    input_fingerprint: str
    ingestion_id: int | None
    ingestion_reused: bool
    bundle_location: str
    report_url: str | None = None
    report_url_expires: str | None = None
    report_reused: bool = False
    changes: dict | None = None


def artifact_table(rows: list[dict]) -> list[dict]:
    """Rows as a table artifact must hold them: every text cell escaped (`escape_markdown`).

    The Prefect UI renders each cell as Markdown: a partner named `![x](http://host/x.png)`
    would make every viewer's browser fetch that URL, `[click](javascript:...)` would be a
    link. Every table artifact goes through here; numbers and None stay as they are.
    """
    return [
        {column: escape_markdown(v) if isinstance(v, str) else v for column, v in row.items()}
        for row in rows
    ]


def artifact_link(url: str, text: str) -> tuple[str, str]:
    """(url, text) for a link artifact, which Prefect writes as Markdown `[text](url)`: the
    text escaped, and in the url every character that could end the link (parentheses,
    spaces, brackets, quotes) percent-encoded, so a local path cannot inject Markdown."""
    return quote(url, safe=_URL_SAFE), escape_markdown(text)


def quality_rows(metrics: Metrics) -> list[dict]:
    """Read / loaded / rejected per entity, every entity listed."""
    quality = metrics.data_quality
    return [
        {
            "entity": entity,
            "read": quality.read.get(entity, 0),
            "loaded": quality.loaded.get(entity, 0),
            "rejected": quality.rejected.get(entity, 0),
        }
        for entity in ENTITIES
    ]


def rejection_rows(metrics: Metrics) -> list[dict]:
    """Rejected rows per reason code, every code listed in the contract's order."""
    counts = metrics.data_quality.rejections_by_reason
    return [
        {"reason": reason, "rows": int(counts.get(reason, 0)), "meaning": REASON_MEANINGS[reason]}
        for reason in REASONS
    ]


def top_partner_rows(metrics: Metrics) -> list[dict]:
    """The top-10 financial partners as an officer reads them: rank, partner, USD million, type.

    USD million is text with two decimals, as in the report's table ("19.82"), so the column
    stays narrow and right next to the name at 1280 px.
    """
    return [
        {
            "rank": partner.rank,
            "partner": partner.name,
            "USD million": fmt_usd_m(partner.usd, 2),
            "type": label(PARTNER_TYPES, partner.partner_type),
        }
        for partner in metrics.top_financial_partners[:10]
    ]


def state_message(metrics: Metrics, changes: dict | None) -> str:
    """The run's final state message: '2024: 89 agreements, USD 33.8 M, 3 new since <run>'."""
    text = (
        f"{metrics.year}: {metrics.agreements.signed} agreements, "
        f"USD {fmt_usd_m(metrics.financial_usd.total)} M"
    )
    if changes and changes.get("previous_run_id"):
        added = len(changes["agreements_added"])
        text += f", {added} new since {changes['previous_run_id']}"
    return text


def _markdown_table(rows: list[dict]) -> list[str]:
    """A Markdown table of uniform dict rows, values escaped."""
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(escape_markdown(row[c]) for c in columns) + " |")
    return lines


def _run_lines(facts: RunFacts) -> list[str]:
    """The bullet list that says what the run read, reused and wrote."""
    ingestion = f"ingestion {facts.ingestion_id}" if facts.ingestion_id is not None else "none"
    if facts.ingestion_reused:
        ingestion += " (input unchanged since that ingestion: not ingested again)"
    lines = [
        f"- Run: `{escape_markdown(facts.run_id)}`"
        + (" (already published for this input: nothing rewritten)" if facts.report_reused else ""),
        f"- Source: `{escape_markdown(facts.source)}`",
        f"- Input fingerprint: `{facts.input_fingerprint[:16] or 'none'}`",
        f"- Ingestion: {ingestion}",
        f"- Bundle: `{escape_markdown(facts.bundle_location)}`",
    ]
    if facts.report_url:
        until = (
            f" (link valid until {facts.report_url_expires})" if facts.report_url_expires else ""
        )
        lines.append(f"- Report: [report.html]({facts.report_url}){until}")
    return lines


def summary_markdown(metrics: Metrics, facts: RunFacts) -> str:
    """The run's summary: headline figures in the report's sentences, data quality, where."""
    rejected = sum(metrics.data_quality.rejected.values())
    reasons = [r for r in rejection_rows(metrics) if r["rows"]]
    lines = [
        f"# Partnerships & resource mobilization {metrics.year}",
        "",
        headline_sentence(metrics),
        "",
        financial_partners_sentence(metrics).removesuffix(" distributed as detailed below:")
        + ("." if metrics.partners.financial else ""),
        "",
        year_over_year_sentence(metrics),
        "",
        "## Data quality",
        "",
        *_markdown_table(quality_rows(metrics)),
        "",
        data_quality_sentence(metrics),
    ]
    if rejected:
        listed = ", ".join(f"{r['reason']} {r['rows']}" for r in reasons)
        lines += ["", f"Rejected rows by reason: {listed}."]
    if facts.changes is not None:
        lines += ["", changes_markdown(facts.changes).rstrip("\n")]
    lines += ["", "## Run", "", *_run_lines(facts), ""]
    return "\n".join(lines)


def _cents(usd: float | None) -> float | None:
    return None if usd is None else round(usd, 2)


def backfill_rows(results: list[dict]) -> list[dict]:
    """One row per backfilled year: year, run id, agreements, USD total, where it went."""
    return [
        {
            "year": r["year"],
            "run_id": r["run_id"],
            "agreements_signed": r["agreements_signed"],
            "financial_usd_total": _cents(r["financial_usd_total"]),
            "location": r["location"],
            "reused": r["reused"],
        }
        for r in sorted(results, key=lambda r: r["year"])
    ]
