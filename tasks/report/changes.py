"""What changed since the previous run of the same year: changes.json and its report section.

Pure functions of two bundles' contents: each side is its metrics.json (as a dict) and its
`tables/agreements.csv` (as bytes). Both sides are read through the same CSV reader, so an
unchanged agreement compares equal however its cells were neutralised for spreadsheets.
Every list is ordered by agreement_id, so the same two bundles always give the same file.
"""

import io
from dataclasses import dataclass

import pandas as pd

from tasks.report.documents import escape_markdown
from tasks.report.tables import FORMULA_PREFIXES

CHANGES_NAME = "changes.json"
AGREEMENTS_TABLE = "tables/agreements.csv"
# changes.json field -> column of tables/agreements.csv (money fields are USD)
FIELDS = {
    "partner_id": "partner_id",
    "partner": "partner_name",
    "signed_on": "signed_on",
    "region": "region",
    "priority": "priority",
    "title": "title",
    "usd": "total_usd",
    "partner_usd": "partner_usd",
    "itu_usd": "itu_usd",
}
MONEY_FIELDS = ("usd", "partner_usd", "itu_usd")
FIELD_LABELS = {
    "partner_id": "Partner id",
    "partner": "Partner",
    "signed_on": "Signed on",
    "region": "Region",
    "priority": "Priority",
    "title": "Title",
    "usd": "USD, all sources",
    "partner_usd": "USD from the partner",
    "itu_usd": "USD from ITU",
}
# The headline figures compared, as dotted paths into metrics.json.
FIGURES = (
    "agreements.signed",
    "agreements.with_financial",
    "financial_usd.total",
    "financial_usd.partners",
    "financial_usd.itu",
    "partners.total",
    "partners.financial",
    "partners.financial_usd",
)
FIGURE_LABELS = {
    "agreements.signed": "Agreements signed",
    "agreements.with_financial": "Agreements with financial contributions",
    "financial_usd.total": "Financial contributions, USD",
    "financial_usd.partners": "Contributions by partners, USD",
    "financial_usd.itu": "Contributions by ITU, USD",
    "partners.total": "Partners",
    "partners.financial": "Partners with financial contributions",
    "partners.financial_usd": "Financial contributions of those partners, USD",
}


@dataclass(frozen=True)
class PreviousRun:
    """The run compared with: its id, its metrics.json and its tables/agreements.csv."""

    run_id: str
    metrics: dict
    agreements_csv: bytes


@dataclass(frozen=True)
class NotCompared:
    """Why this run is compared with no earlier one although one may exist (changes.json's
    `not_compared`): the earlier run does not match its manifest, or no bucket was read."""

    reason: str


def _plain(value: object) -> str:
    """A CSV cell as it was before `neutralise` made it inert for spreadsheets."""
    text = str(value)
    if text.startswith("'") and text[1:2] and text[1] in FORMULA_PREFIXES:
        return text[1:]
    return text


def agreements_by_id(agreements_csv: bytes) -> dict[str, dict]:
    """agreement_id -> the changes.json fields of one agreement, from tables/agreements.csv."""
    frame = pd.read_csv(io.BytesIO(agreements_csv), dtype=str, keep_default_na=False)
    rows = {}
    for record in frame.to_dict("records"):
        row = {field: _plain(record.get(column, "")) for field, column in FIELDS.items()}
        for field in MONEY_FIELDS:
            row[field] = round(float(row[field] or 0), 2)
        rows[_plain(record["agreement_id"])] = row
    return rows


def figure(metrics: dict, path: str) -> float | int | None:
    """The value at a dotted path of metrics.json (`financial_usd.total`), None if absent."""
    value: object = metrics
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value if isinstance(value, int | float) else None


def _listed(agreement_id: str, row: dict) -> dict:
    return {"agreement_id": agreement_id, "partner": row["partner"], "usd": row["usd"]}


def compute_changes(
    year: int, metrics: dict, agreements_csv: bytes, previous: PreviousRun | NotCompared | None
) -> dict:
    """changes.json: agreements added, removed and changed, and the headline figures that moved.

    Args:
        year: the report year.
        metrics, agreements_csv: this run's metrics.json and tables/agreements.csv.
        previous: the run compared with, or None (no earlier run), or NotCompared (then
            every list is empty and `not_compared` says why).
    """
    changes: dict = {
        "year": year,
        "previous_run_id": previous.run_id if isinstance(previous, PreviousRun) else None,
        "agreements_added": [],
        "agreements_removed": [],
        "agreements_changed": [],
        "figures": {},
    }
    if isinstance(previous, NotCompared):
        changes["not_compared"] = previous.reason
    if not isinstance(previous, PreviousRun):
        return changes
    old, new = agreements_by_id(previous.agreements_csv), agreements_by_id(agreements_csv)
    for agreement_id in sorted(new.keys() - old.keys()):
        changes["agreements_added"].append(_listed(agreement_id, new[agreement_id]))
    for agreement_id in sorted(old.keys() - new.keys()):
        changes["agreements_removed"].append(_listed(agreement_id, old[agreement_id]))
    for agreement_id in sorted(old.keys() & new.keys()):
        before, after = old[agreement_id], new[agreement_id]
        fields = {f: [before[f], after[f]] for f in FIELDS if before[f] != after[f]}
        if fields:
            changes["agreements_changed"].append({"agreement_id": agreement_id, "fields": fields})
    for path in FIGURES:
        before, after = figure(previous.metrics, path), figure(metrics, path)
        if _rounded(before) != _rounded(after):
            changes["figures"][path] = [before, after]
    return changes


def _rounded(value: float | int | None) -> float | int | None:
    """Money compared to the cent, so float noise is not a change."""
    return round(value, 2) if isinstance(value, float) else value


def count_sentence(changes: dict) -> str:
    """'2 agreements added, 1 removed, 1 changed since run X' (or why there is nothing)."""
    if reason := changes.get("not_compared"):
        return f"{reason[:1].upper()}{reason[1:]}."
    if changes["previous_run_id"] is None:
        return f"No earlier run of {changes['year']} to compare with."
    added, removed = len(changes["agreements_added"]), len(changes["agreements_removed"])
    changed = len(changes["agreements_changed"])
    agreements = "agreement" if added == 1 else "agreements"
    return (
        f"Since run {changes['previous_run_id']}: {added} {agreements} added, "
        f"{removed} removed, {changed} changed."
    )


def _value(field: str, value: object) -> str:
    """A value as the section prints it: USD with thousands separators and cents, else as is."""
    if isinstance(value, int | float) and "usd" in field:
        return f"{value:,.2f}"
    return "–" if value is None or value == "" else str(value)


def _table(header: list[str], rows: list[list[str]], right: int = 0) -> list[str]:
    """A Markdown table, every cell escaped; the last `right` columns right-aligned."""
    align = ["---"] * (len(header) - right) + ["---:"] * right
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(escape_markdown(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def changes_markdown(changes: dict, heading: str = "##") -> str:
    """The "Changes since the previous run" section in Markdown, every value escaped."""
    title = f"{heading} Changes since the previous run"
    lines = [title, "", escape_markdown(count_sentence(changes)), ""]
    for key, name in (("agreements_added", "Added"), ("agreements_removed", "Removed")):
        rows = [[a["agreement_id"], a["partner"], _value("usd", a["usd"])] for a in changes[key]]
        if rows:
            lines += [f"{name}:", "", *_table(["Agreement", "Partner", "USD"], rows, right=1)]
    if changes["agreements_changed"]:
        rows = [
            [c["agreement_id"], FIELD_LABELS[field], _value(field, old), _value(field, new)]
            for c in changes["agreements_changed"]
            for field, (old, new) in c["fields"].items()
        ]
        lines += ["Changed:", "", *_table(["Agreement", "Field", "Before", "After"], rows)]
    if changes["figures"]:
        rows = [
            [FIGURE_LABELS.get(path, path), _value(path, old), _value(path, new)]
            for path, (old, new) in changes["figures"].items()
        ]
        lines += ["Headline figures:", "", *_table(["Figure", "Before", "After"], rows, right=2)]
    return "\n".join(lines).rstrip("\n") + "\n"
