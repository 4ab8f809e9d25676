"""changes.json and its report section, computed in memory from three-row agreement tables."""

import json

import markdown
import pandas as pd

from tasks.report.changes import (
    NotCompared,
    PreviousRun,
    changes_markdown,
    compute_changes,
    count_sentence,
)
from tasks.report.content import build_content
from tasks.report.document_settings import load_document_settings
from tasks.report.tables import agreements_table, csv_bytes
from tasks.report.written import render_markdown
from tests.fixtures_metrics import seed_metrics

COLUMNS = ["agreement_id", "signed_on", "partner_id", "partner_name", "partner_type"]
COLUMNS += ["membership_category", "region", "priority", "title"]


def _csv(rows: list[tuple]) -> bytes:
    """tables/agreements.csv as the bundle writes it, from (id, partner, partner_usd, itu_usd)."""
    frame = pd.DataFrame(
        [
            [aid, "2024-03-01", f"P-{name[:3]}", name, "GOVERNMENT", None, "AFR", "MULTI", "t"]
            for aid, name, _, _ in rows
        ],
        columns=COLUMNS,
    )
    frame["partner_usd"] = [float(p) for _, _, p, _ in rows]
    frame["itu_usd"] = [float(i) for _, _, _, i in rows]
    frame["total_usd"] = frame["partner_usd"] + frame["itu_usd"]
    return csv_bytes(agreements_table(frame))


def _metrics(signed: int, total: float) -> dict:
    return {"year": 2024, "agreements": {"signed": signed, "with_financial": 2},
            "financial_usd": {"total": total, "partners": total, "itu": 0.0}}  # fmt: skip


BEFORE = [("A-1", "Alpha", 100.0, 0), ("A-2", "=Beta", 50.0, 10.0), ("A-3", "Gamma", 0, 0)]
AFTER = [("A-1", "Alpha", 100.0, 0), ("A-2", "=Beta", 75.5, 10.0), ("A-4", "<script>x", 20, 0)]


def _changes() -> dict:
    previous = PreviousRun("run-1", _metrics(3, 160.0), _csv(BEFORE))
    return compute_changes(2024, _metrics(3, 205.5), _csv(AFTER), previous)


def test_added_removed_changed_and_figures():
    changes = _changes()
    assert changes["previous_run_id"] == "run-1"
    assert changes["agreements_added"] == [
        {"agreement_id": "A-4", "partner": "<script>x", "usd": 20.0}
    ]
    assert changes["agreements_removed"] == [{"agreement_id": "A-3", "partner": "Gamma", "usd": 0}]
    assert changes["agreements_changed"] == [
        {"agreement_id": "A-2", "fields": {"usd": [60.0, 85.5], "partner_usd": [50.0, 75.5]}}
    ]
    # unchanged figures are left out
    assert changes["figures"] == {
        "financial_usd.total": [160.0, 205.5],
        "financial_usd.partners": [160.0, 205.5],
    }
    json.dumps(changes)  # plain JSON types only


def test_neutralised_name_reads_back_as_typed():
    """'=Beta' is written as "'=Beta" in the CSV, and is the same partner on both sides."""
    assert _changes()["agreements_changed"][0]["fields"].keys() == {"usd", "partner_usd"}


def test_no_previous_run_gives_empty_lists():
    changes = compute_changes(2024, _metrics(3, 1.0), _csv(AFTER), None)
    assert changes == {
        "year": 2024, "previous_run_id": None, "agreements_added": [],
        "agreements_removed": [], "agreements_changed": [], "figures": {},
    }  # fmt: skip
    assert count_sentence(changes) == "No earlier run of 2024 to compare with."


def test_a_run_not_compared_says_why_in_the_file_the_line_and_the_section():
    reason = "previous run r1 does not match its manifest (metrics.json: missing): not compared"
    changes = compute_changes(2024, _metrics(3, 1.0), _csv(AFTER), NotCompared(reason))
    assert changes["previous_run_id"] is None and changes["not_compared"] == reason
    assert changes["agreements_added"] == [] and changes["figures"] == {}
    assert count_sentence(changes) == f"P{reason[1:]}."
    assert "Previous run r1 does not match its manifest" in changes_markdown(changes)


def test_order_is_by_agreement_id_whatever_the_input_order():
    previous = PreviousRun("r", _metrics(0, 0.0), _csv([]))
    rows = [("B-2", "b", 1, 0), ("A-9", "a", 1, 0), ("B-10", "c", 1, 0)]
    added = compute_changes(2024, _metrics(3, 3.0), _csv(rows), previous)["agreements_added"]
    assert [a["agreement_id"] for a in added] == ["A-9", "B-10", "B-2"]


def test_money_differing_below_a_cent_is_not_a_change():
    previous = PreviousRun("r", _metrics(3, 160.0), _csv(BEFORE))
    changes = compute_changes(2024, _metrics(3, 160.0000001), _csv(BEFORE), previous)
    assert changes["agreements_changed"] == [] and changes["figures"] == {}


def test_section_lists_each_change_and_escapes_values():
    text = changes_markdown(_changes())
    assert text.startswith("## Changes since the previous run\n")
    assert "Since run run-1: 1 agreement added, 1 removed, 1 changed." in text
    assert "| A-2 | USD, all sources | 60.00 | 85.50 |" in text
    assert "| Financial contributions, USD | 160.00 | 205.50 |" in text
    html = markdown.markdown(text, extensions=["tables"])
    assert "<script>" not in html and "&lt;script&gt;x" in html
    assert html.count("<table>") == 4


def test_report_markdown_carries_the_section_before_data_quality():
    metrics = seed_metrics()
    content = build_content(metrics, load_document_settings(metrics.year))
    text = render_markdown(content, metrics, changes_section=changes_markdown(_changes()))
    assert text.index("## Changes since the previous run") < text.index("## Annex: Data quality")
    assert "&lt;script&gt;x" in text and "<script>" not in text
    assert "Changes since" not in render_markdown(content, metrics)
