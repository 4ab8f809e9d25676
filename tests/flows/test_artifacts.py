"""The run summary and table rows shown in the Prefect UI, from the seed's 2024 metrics."""

import html
import re
from urllib.parse import unquote

import pytest
from markdown_it import MarkdownIt

from models.codes import REASONS
from tasks.report.artifacts import (
    RunFacts,
    artifact_link,
    artifact_table,
    backfill_rows,
    quality_rows,
    rejection_rows,
    state_message,
    summary_markdown,
    top_partner_rows,
)
from tests.fixtures_metrics import seed_metrics, zero_money_metrics

FACTS = RunFacts(
    run_id="20250101T060000Z-1a2b3c4d",
    source="s3://register/exports/",
    input_fingerprint="1a2b3c4d" * 8,
    ingestion_id=7,
    ingestion_reused=False,
    bundle_location="s3://reports/prm/2024/20250101T060000Z-1a2b3c4d/",
    report_url="http://127.0.0.1:9000/reports/prm/2024/x/report.html?X-Amz-Signature=abc",
    report_url_expires="2025-01-08 06:00 UTC",
)


def test_summary_uses_the_reports_sentences():
    text = summary_markdown(seed_metrics(), FACTS)
    assert text.startswith("# Partnerships & resource mobilization 2024\n")
    assert (
        "the ITU/BDT signed 89 partnership agreements out of which 53 included financial "
        "contributions totalling approximately USD 33.8 million, with 92% contributed by BDT "
        "partners and 8% by ITU." in text
    )
    assert "Out of the 73 BDT partners, 33 signed financial contribution(s)" in text
    assert "USD 31.1 million." in text and "detailed below" not in text
    assert "Compared with 2023, the number of agreements signed rose from 89" not in text
    assert "Compared with 2023, the number of agreements signed rose from 88 to 89" in text


def test_summary_data_quality_and_run():
    text = summary_markdown(seed_metrics(), FACTS)
    assert "| partners | 80 | 79 | 1 |" in text
    assert r"| exchange\_rates | 12 | 12 | 0 |" in text
    assert "6 rows were rejected" in text
    assert "Rejected rows by reason: missing_value 2, unknown_agreement 4." in text
    assert "- Ingestion: ingestion 7\n" in text
    assert f"[report.html]({FACTS.report_url}) (link valid until 2025-01-08 06:00 UTC)" in text
    assert "`1a2b3c4d1a2b3c4d`" in text and "already published" not in text


def test_summary_of_a_reused_run_says_so_and_has_no_link_without_one():
    facts = RunFacts(
        **{**FACTS.__dict__, "ingestion_reused": True, "report_reused": True, "report_url": None}
    )
    text = summary_markdown(zero_money_metrics(), facts)
    assert "none of which included financial contributions" in text
    assert "None of the 73 BDT partners signed a financial contribution in 2024." in text
    assert "not ingested again" in text and "nothing rewritten" in text
    assert "report.html" not in text


def test_summary_escapes_markdown_in_names():
    facts = RunFacts(**{**FACTS.__dict__, "source": "exports/*draft*_[v2]"})
    text = summary_markdown(seed_metrics(), facts)
    assert "*draft*_[v2]" not in text


def test_table_rows():
    metrics = seed_metrics()
    top = top_partner_rows(metrics)
    assert len(top) == 10 and top[0] == {
        "rank": 1,
        "partner": "European Union represented by the European Commission",
        "USD million": "19.82",
        "type": "Int'l & Reg. Org.",
    }
    assert list(top[0]) == ["rank", "partner", "USD million", "type"]
    reasons = rejection_rows(metrics)
    assert [r["reason"] for r in reasons] == list(REASONS)
    assert {r["reason"]: r["rows"] for r in reasons if r["rows"]} == {
        "missing_value": 2,
        "unknown_agreement": 4,
    }
    assert [r["entity"] for r in quality_rows(metrics)][0] == "partners"
    assert top_partner_rows(zero_money_metrics()) == []


def test_backfill_rows_sorted_by_year_and_rounded():
    rows = backfill_rows(
        [
            {"year": 2024, "run_id": "b", "agreements_signed": 3, "financial_usd_total": 1.005,
             "location": "s3://x/2024/b/", "reused": False},
            {"year": 2023, "run_id": "a", "agreements_signed": 1, "financial_usd_total": None,
             "location": "s3://x/2023/a/", "reused": True},
        ]
    )  # fmt: skip
    assert [r["year"] for r in rows] == [2023, 2024]
    assert rows[0]["financial_usd_total"] is None and rows[1]["financial_usd_total"] == 1.0


INJECTIONS = [
    "![x](http://127.0.0.1:9/x.png)",
    "[click](javascript:alert(1))",
    "<img src=http://127.0.0.1:9/y.png>",
    "&lt;script&gt;",
    "**bold** _it_ `code` | pipe",
]


def rendered(markdown_text: str) -> str:
    """HTML of Markdown text, as a CommonMark viewer (the Prefect UI) renders it."""
    return MarkdownIt("commonmark").render(markdown_text)


def shown_text(page: str) -> str:
    """What a browser shows of an HTML fragment: the text, tags dropped, entities read."""
    return html.unescape(re.sub(r"<[^>]+>", "", page)).strip()


@pytest.mark.parametrize("name", INJECTIONS)
def test_table_artifact_cells_render_as_the_text_they_hold(name):
    metrics = seed_metrics()
    metrics.top_financial_partners[0].name = name
    row = artifact_table(top_partner_rows(metrics))[0]
    page = rendered(row["partner"])
    assert "<img" not in page and "<a " not in page and "<script" not in page
    assert shown_text(page) == name
    assert row["rank"] == 1 and row["USD million"] == "19.82"  # numbers stay as written


@pytest.mark.parametrize("location", ["/srv/out dir/) ![x](http://127.0.0.1:9/x.png", *INJECTIONS])
def test_link_artifact_is_one_link_to_where_it_says(location):
    url, text = artifact_link(location, location)
    page = rendered(f"[{text}]({url})")  # what Prefect's link artifact holds
    assert "<img" not in page and page.count("<a ") == 1
    href = re.search(r'<a href="([^"]*)"', page).group(1)
    assert unquote(html.unescape(href)) == location
    assert shown_text(page) == location


def test_presigned_link_is_kept_as_signed():
    assert artifact_link(FACTS.report_url, "report.html")[0] == FACTS.report_url


CHANGES = {
    "year": 2024,
    "previous_run_id": "20241201T060000Z-99aa88bb",
    "agreements_added": [{"agreement_id": "AGR-2024-090", "partner": "New *Partner*", "usd": 5.0}],
    "agreements_removed": [],
    "agreements_changed": [{"agreement_id": "AGR-2024-001", "fields": {"usd": [1.0, 2.0]}}],
    "figures": {"agreements.signed": [88, 89]},
}


def test_summary_shows_the_changes_since_the_previous_run():
    text = summary_markdown(seed_metrics(), RunFacts(**{**FACTS.__dict__, "changes": CHANGES}))
    assert "## Changes since the previous run" in text
    assert "1 agreement added, 0 removed, 1 changed." in text
    assert r"| AGR-2024-090 | New \*Partner\* | 5.00 |" in text
    assert "| Agreements signed | 88 | 89 |" in text
    assert "## Changes" not in summary_markdown(seed_metrics(), FACTS)


def test_state_message_carries_the_headline():
    assert state_message(seed_metrics(), CHANGES) == (
        "2024: 89 agreements, USD 33.8 M, 1 new since 20241201T060000Z-99aa88bb"
    )
    assert state_message(seed_metrics(), None) == "2024: 89 agreements, USD 33.8 M"
