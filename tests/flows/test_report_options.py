"""How a run writes its report: no empty or future reports (refused on the command line and by
the flow, nothing published), and the document's settings overridden for one run.

A year is made empty the way it happens in practice: a later export cancels its only
agreement. The refused run leaves the published run and `latest.json` exactly as they were;
`--allow-empty` / `allow_empty` writes and publishes it all the same.
"""

import json

import docx
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.monthly import monthly_report
from tasks.storage import keys as s3keys
from tests.flows.helpers import latest_pointer, write_tiny_source

EMPTY = "no agreement signed in 2023 in the database: the report would be empty"


def prm(*args: str):
    return CliRunner().invoke(app, list(args))


def _cancel_2023(source) -> None:
    """The export that cancels the tiny source's only 2023 agreement (A0)."""
    agreements = source / "agreements.csv"
    text = agreements.read_text(encoding="utf-8")
    cancelled = text.replace(
        "2023-05-05,ASP,CONNECTIVITY,", "2023-05-05,ASP,CONNECTIVITY,cancelled"
    )
    assert cancelled != text
    agreements.write_text(cancelled, encoding="utf-8")


def _run_prefixes(store, year: int) -> set[str]:
    listed = store.client.list_objects_v2(
        Bucket=store.bucket, Prefix=s3keys.year_prefix(store.prefix, year)
    )
    return {item["Key"].rsplit("/", 2)[0] for item in listed.get("Contents", [])}


@pytest.mark.integration
def test_cli_refuses_an_empty_and_a_future_year(tmp_path, s3_store, monkeypatch):
    monkeypatch.setenv("PRM_DATA_DIR", str(tmp_path / "var"))
    source = write_tiny_source(tmp_path / "src")
    first = prm("run", "--source", str(source), "--year", "2023")
    assert first.exit_code == 0, first.output
    published = latest_pointer(s3_store, 2023)
    runs = _run_prefixes(s3_store, 2023)

    _cancel_2023(source)
    out = tmp_path / "empty"
    refused = prm("run", "--source", str(source), "--year", "2023", "--out", str(out))
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"prm: {EMPTY}") and refused.stderr.count("\n") == 1
    assert latest_pointer(s3_store, 2023) == published
    assert _run_prefixes(s3_store, 2023) == runs and not out.exists()
    report = prm("report", "--year", "2023", "--no-upload", "--out", str(out))
    assert report.exit_code == 1 and EMPTY in report.stderr and not out.exists()

    future = prm("run", "--source", str(source), "--year", "2031")
    assert future.exit_code == 1
    assert "year 2031 is later than the current year" in future.stderr
    assert _run_prefixes(s3_store, 2031) == set()

    allowed = prm("run", "--source", str(source), "--year", "2023", "--allow-empty")
    assert allowed.exit_code == 0, allowed.output
    moved = latest_pointer(s3_store, 2023)
    assert moved["run_id"] != published["run_id"]


@pytest.mark.integration
def test_flow_fails_an_empty_and_a_future_year_without_publishing(
    prefect_api, tmp_path, s3_store, monkeypatch
):
    monkeypatch.setenv("PRM_DATA_DIR", str(tmp_path / "var"))
    source = write_tiny_source(tmp_path / "src")
    db = f"sqlite:///{tmp_path / 'prm.db'}"
    first = monthly_report(source=str(source), year=2023, db_url=db)
    published = latest_pointer(s3_store, 2023)
    assert published["run_id"] == first.run_id

    _cancel_2023(source)
    state = monthly_report(source=str(source), year=2023, db_url=db, return_state=True)
    assert state.is_failed() and EMPTY in state.message
    assert latest_pointer(s3_store, 2023) == published

    future = monthly_report(source=str(source), year=2031, db_url=db, return_state=True)
    assert future.is_failed() and "year 2031 is later than the current year" in future.message
    assert _run_prefixes(s3_store, 2031) == set()

    allowed = monthly_report(source=str(source), year=2023, db_url=db, allow_empty=True)
    assert allowed.metrics.agreements.signed == 0
    assert latest_pointer(s3_store, 2023)["run_id"] == allowed.run_id != first.run_id


def test_a_run_overrides_the_document_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("PRM_DATA_DIR", str(tmp_path / "var"))
    source = write_tiny_source(tmp_path / "src")
    settings = tmp_path / "tdag.toml"
    settings.write_text('[document]\nnumber = "TDAG{yy}/17"\n[contact]\nphone = "+41 1"\n')
    out = tmp_path / "b"
    args = ["--source", str(source), "--year", "2024", "--no-upload", "--out", str(out)]
    done = prm("run", *args, "--report-settings", str(settings))
    assert done.exit_code == 0, done.output
    text = "\n".join(p.text for p in docx.Document(out / "report.docx").paragraphs)
    tables = docx.Document(out / "report.docx").tables
    cells = [c.text for t in tables for row in t.rows for c in row.cells]
    assert "Document TDAG25/17" in "\n".join(cells) and "+41 1" in cells
    assert "TDAG25/INF/1" in text  # what the file does not change stays the repository's
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["document"]["document"]["number"] == "TDAG25/17"
    settings.write_text("[document]\nnumbr = 1\n")
    bad = prm("run", *args, "--report-settings", str(settings))
    assert bad.exit_code == 1 and "document.numbr" in bad.stderr
