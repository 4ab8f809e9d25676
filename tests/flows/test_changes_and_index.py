"""Two monthly runs over the sample against a real S3 server and a real Prefect harness: the
second, after the register changed, says what changed (changes.json, the report, the run's
summary and state) and the bucket's index lists both runs."""

import json
import re
import shutil
from pathlib import Path
from posixpath import normpath

import pandas as pd
import pytest
from prefect.client.orchestration import get_client
from typer.testing import CliRunner

from flows.cli import app
from flows.monthly import monthly_report
from tasks.report.changes import FIGURES, figure
from tasks.storage.client import read_object
from tests.conftest import flow_run_artifacts

pytestmark = pytest.mark.integration

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
EVIL = "<script>alert(1)</script> Foundation"


def edited_copy(folder: Path) -> Path:
    """The sample with one new 2024 agreement (and contribution, and partner whose name holds
    a script tag), one contribution revised (+5,000 USD) and one agreement cancelled."""
    shutil.copytree(SAMPLE, folder)
    with (folder / "partners.csv").open("a", encoding="utf-8") as f:
        f.write(f'P9999,"{EVIL}",PRIVATE_SECTOR,,CHE\n')
    with (folder / "agreements.csv").open("a", encoding="utf-8") as f:
        f.write("AGR-2024-900,P9999,New project,2024-06-01,AFR,CONNECTIVITY,active,\n")
    with (folder / "contributions.csv").open("a", encoding="utf-8") as f:
        f.write("CON-2024-9000,AGR-2024-900,PARTNER,50000,USD\n")
    contributions = (folder / "contributions.csv").read_text(encoding="utf-8")
    revised = "CON-2024-0001,AGR-2024-001,Partner,80000,USD"
    (folder / "contributions.csv").write_text(
        contributions.replace("CON-2024-0001,AGR-2024-001,Partner,75000,USD", revised)
    )
    agreements = (folder / "agreements.csv").read_text(encoding="utf-8")
    cancelled = "AGR-2024-002,P0038,Partner2Connect commitments (Europe),2024-01-12,EUR,MULTI,"
    (folder / "agreements.csv").write_text(
        agreements.replace(cancelled + "Active,", cancelled + "cancelled,")
    )
    return folder


def agreements_of(bundle: Path) -> dict[str, dict]:
    frame = pd.read_csv(bundle / "tables" / "agreements.csv", dtype={"agreement_id": str})
    return {row["agreement_id"]: row for row in frame.to_dict("records")}


def flow_run_name(state) -> str:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(state.state_details.flow_run_id).name


def test_second_run_lists_what_changed_and_the_index_lists_both(
    prefect_api, s3_store, tmp_path, monkeypatch
):
    monkeypatch.setenv("PRM_DATA_DIR", str(tmp_path / "var"))
    db = f"sqlite:///{tmp_path / 'prm.db'}"
    first_state = monthly_report(source=str(SAMPLE), year=2024, db_url=db, return_state=True)
    first = first_state.result()
    assert first.changes["previous_run_id"] is None and first.changes["agreements_added"] == []
    assert first_state.message == "2024: 89 agreements, USD 33.8 M"
    assert re.fullmatch(r"report-2024-\d{8}-\d{4}", flow_run_name(first_state))

    source = edited_copy(tmp_path / "edited")
    state = monthly_report(source=str(source), year=2024, db_url=db, return_state=True)
    second = state.result()
    changes = json.loads((second.bundle_dir / "changes.json").read_text())
    before = agreements_of(first.bundle_dir)
    assert changes["previous_run_id"] == first.run_id
    assert changes["agreements_added"] == [
        {"agreement_id": "AGR-2024-900", "partner": EVIL, "usd": 50000.0}
    ]
    removed = before["AGR-2024-002"]
    assert changes["agreements_removed"] == [
        {"agreement_id": "AGR-2024-002", "partner": removed["partner_name"],
         "usd": removed["total_usd"]}
    ]  # fmt: skip
    old = before["AGR-2024-001"]["total_usd"]
    assert changes["agreements_changed"] == [
        {"agreement_id": "AGR-2024-001",
         "fields": {"usd": [old, old + 5000], "partner_usd": [old, old + 5000]}}
    ]  # fmt: skip
    old_metrics = json.loads((first.bundle_dir / "metrics.json").read_text())
    new_metrics = json.loads((second.bundle_dir / "metrics.json").read_text())
    moved = {
        path: [figure(old_metrics, path), figure(new_metrics, path)]
        for path in FIGURES
        if figure(old_metrics, path) != figure(new_metrics, path)
    }
    assert changes["figures"] == moved and "financial_usd.total" in moved
    listed = json.loads((second.bundle_dir / "manifest.json").read_text())["files"]
    assert "changes.json" in {f["path"] for f in listed}

    # the report's section, escaped
    report_md = (second.bundle_dir / "report.md").read_text()
    section = report_md[report_md.index("## Changes since the previous run") :]
    assert f"Since run {first.run_id}: 1 agreement added, 1 removed, 1 changed." in section
    for agreement_id in ("AGR-2024-900", "AGR-2024-002", "AGR-2024-001"):
        assert f"| {agreement_id} |" in section
    report_html = (second.bundle_dir / "report.html").read_text()
    assert "Changes since the previous run</h2>" in report_html
    assert "<script>alert" not in report_html and "&lt;script&gt;alert(1)" in report_html

    # the Prefect run: its summary, state message and name
    summary = flow_run_artifacts(state.state_details.flow_run_id)["monthly-report-summary"]
    text = summary[0].data
    assert "## Changes since the previous run" in text and "AGR-2024-900" in text
    assert "<script>" not in text and "| AGR-2024-001 | USD, all sources | " in text
    total = new_metrics["financial_usd"]["total"] / 1e6
    assert state.message == f"2024: 89 agreements, USD {total:.1f} M, 1 new since {first.run_id}"
    assert re.fullmatch(r"report-2024-\d{8}-\d{4}", flow_run_name(state))

    # the bucket's index: both runs, the second as latest, every link an object
    index = json.loads(read_object(s3_store.client, s3_store.bucket, "reports/index.json")[0])
    (year,) = index["years"]
    assert year["latest"]["run_id"] == second.run_id
    assert [r["run_id"] for r in year["earlier"]] == [first.run_id]
    page = read_object(s3_store.client, s3_store.bucket, "reports/index.html")[0].decode()
    hrefs = re.findall(r'href="([^"#][^"]*)"', page)
    runs = [year["latest"], *year["earlier"]]
    assert sorted(hrefs) == sorted(link for run in runs for link in run["links"].values())
    assert {"report.html", "tables.xlsx", "bundle"} <= set(runs[1]["links"])
    for href in hrefs:
        head = s3_store.client.head_object(Bucket=s3_store.bucket, Key=normpath(f"reports/{href}"))
        assert head["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_prm_run_compares_with_a_bundle_folder(tmp_path, monkeypatch):
    """Local runs (no upload): `--compare-to DIR` names the bundle to compare with."""
    monkeypatch.setenv("PRM_DATA_DIR", str(tmp_path / "var"))
    db = f"sqlite:///{tmp_path / 'prm.db'}"
    runner, first, second = CliRunner(), tmp_path / "first", tmp_path / "second"
    common = ["run", "--year", "2024", "--db", db, "--no-upload"]
    done = runner.invoke(app, [*common, "--source", str(SAMPLE), "--out", str(first)])
    assert done.exit_code == 0, done.output
    assert "Not compared with the published runs: a run that does not upload" in done.stdout
    source = str(edited_copy(tmp_path / "edited"))
    args = [*common, "--source", source, "--out", str(second), "--compare-to", str(first)]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    first_id = json.loads((first / "manifest.json").read_text())["parameters"]["run_id"]
    assert f"Since run {first_id}: 1 agreement added, 1 removed, 1 changed." in done.stdout
    changes = json.loads((second / "changes.json").read_text())
    assert changes["previous_run_id"] == first_id
    assert [c["agreement_id"] for c in changes["agreements_changed"]] == ["AGR-2024-001"]
    missing = runner.invoke(app, [*args[:-1], str(tmp_path / "nowhere")])
    assert missing.exit_code == 1 and "not a report bundle folder" in missing.stderr
