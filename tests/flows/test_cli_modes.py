"""Which mode a `prm` command runs in: in-process without Prefect, or the flows with it.

Without PREFECT_API_URL nothing of Prefect is imported (checked in a real `prm` process);
with `--prefect` the flows run against the Prefect API, and a --db password never reaches
the flow runs' stored parameters nor their logs. An s3:// source is read through the run's
own endpoint (`--endpoint-url` wins over the environment) in both modes.
"""

import gc
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.cli_modes import loading_libraries, use_prefect
from tests.flows.helpers import prm_process, write_tiny_source

PROJECT = Path(__file__).resolve().parents[2]
SAMPLE = str(PROJECT / "data" / "sample")
PASSWORD = "s3cret-not-for-prefect"


def prm(*args: str):
    return CliRunner().invoke(app, list(args))


def test_mode_follows_the_flag_and_prefect_api_url(monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    assert not use_prefect(False) and use_prefect(True)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    assert use_prefect(False)


def test_loading_libraries_pauses_the_collector_then_freezes_what_was_loaded():
    try:
        with loading_libraries():
            assert not gc.isenabled()
            loaded = [[index] for index in range(1000)]  # tracked containers, as imports make
        assert gc.isenabled()
        # frozen: out of every generation a collection looks at (the freeze count alone
        # can drop meanwhile, as objects earlier tests froze are freed)
        collected = {id(obj) for obj in gc.get_objects()}
        assert not [item for item in loaded if id(item) in collected]
        gc.disable()  # a caller that had it off keeps it off, even when the block fails
        with pytest.raises(RuntimeError), loading_libraries():
            raise RuntimeError("check failed")
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()  # the rest of the test session collects as usual


def test_in_process_commands_never_import_prefect(tmp_path):
    source = write_tiny_source(tmp_path / "src")
    run, imported = prm_process(
        tmp_path, "run", "--source", str(source), "--year", "2024", "--no-upload",
        "--out", str(tmp_path / "b"),
    )  # fmt: skip
    assert "pandas" in imported and "boto3" in imported  # the import log is complete
    assert not [name for name in imported if name.split(".")[0] == "prefect"]
    assert "openpyxl" not in imported  # CSV files in, XlsxWriter out: openpyxl stays unloaded
    assert run.stdout.splitlines()[-1].startswith("Mode: in-process (no Prefect")
    assert (tmp_path / "b" / "manifest.json").is_file()
    _, imported = prm_process(tmp_path, "prune", "--older-than", "90d")
    assert not [name for name in imported if name.split(".")[0] == "prefect"]


def test_ingesting_a_folder_loads_no_report_or_storage_library(tmp_path):
    """`prm ingest` of a local folder needs neither the charts, the documents nor S3:
    none of their libraries is imported (about 0.6 s of a start)."""
    source = write_tiny_source(tmp_path / "src")
    done, imported = prm_process(tmp_path, "ingest", "--source", str(source))
    assert "pandas" in imported and "sqlalchemy" in imported  # the import log is complete
    heavy = {"matplotlib", "docx", "reportlab", "boto3", "botocore", "openpyxl", "prefect"}
    assert not [name for name in imported if name.split(".")[0] in heavy]
    assert done.stdout.splitlines()[-1].startswith("Mode: in-process (no Prefect")


@pytest.mark.integration
def test_run_with_prefect_keeps_the_db_password_off_the_api(
    prefect_api, empty_pg_database, tmp_path, monkeypatch
):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterParentFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )

    db = empty_pg_database.replace("postgres@", f"postgres:{PASSWORD}@", 1)
    source = str(write_tiny_source(tmp_path / "src"))
    out = tmp_path / "bundle"
    result = prm(
        "run", "--prefect", "--source", source, "--year", "2024", "--db", db,
        "--no-upload", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    last = result.stdout.splitlines()[-1]
    assert last.startswith("Mode: Prefect (flow run ")
    assert json.loads((out / "metrics.json").read_text())["agreements"]["signed"] == 3
    run_id = last.split("flow run ", 1)[1].split(" ", 1)[0]
    with get_client(sync_client=True) as client:
        parent = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
        children = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run_id])
            )
        )
        runs = [*parent, *children]
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[r.id for r in runs]))
        )
    assert {r.name for r in runs} and len(runs) == 3  # monthly-report, ingest, report
    assert parent[0].parameters["source"] == source and parent[0].parameters["db_url"] == ""
    stored = json.dumps([r.parameters for r in runs]) + "".join(log.message for log in logs)
    assert logs and PASSWORD not in stored
    assert os.environ.get("PRM_DATABASE_URL") != db  # set for the run only
    assert os.environ["DO_NOT_TRACK"] == "1"  # for every Prefect process prm starts


@pytest.mark.integration
def test_s3_source_is_read_at_the_endpoint_of_the_run(prefect_api, s3_store, tmp_path, monkeypatch):
    client = s3_store.client
    client.create_bucket(Bucket=s3_store.bucket)
    for path in write_tiny_source(tmp_path / "src").iterdir():
        client.upload_file(str(path), s3_store.bucket, f"incoming/{path.name}")
    monkeypatch.setenv("PRM_S3_ENDPOINT_URL", "http://127.0.0.1:9")  # wrong: the flag must win
    monkeypatch.setenv("PRM_DATA_DIR", str(tmp_path / "var"))
    source = f"s3://{s3_store.bucket}/incoming/"
    for mode, db in (("in-process", "a"), ("--prefect", "b")):
        args = ["run", "--source", source, "--year", "2024", "--endpoint-url"]
        args += [s3_store.endpoint_url, "--db", f"sqlite:///{tmp_path / db}.db"]
        args += ["--out", str(tmp_path / db)] + ([mode] if mode == "--prefect" else [])
        result = prm(*args)
        assert result.exit_code == 0, (mode, result.output)
        metrics = json.loads((tmp_path / db / "metrics.json").read_text())
        assert metrics["data_quality"]["read"]["agreements"] == 5
        assert f"s3://{s3_store.bucket}/reports/2024/" in result.stdout


@pytest.mark.integration  # a temporary Prefect server: 10 s
def test_a_failed_prefect_run_is_one_line_without_prefect_logs(tmp_path):
    source = write_tiny_source(tmp_path / "src")
    (source / "contributions.csv").write_text("contribution_id,agreement_id,source,amount\n")
    db = f"sqlite:///{tmp_path / 'prm.db'}"
    done, _ = prm_process(tmp_path, "ingest", "--source", str(source), "--db", db, "--prefect",
                          expect=1)  # fmt: skip
    said = [line for line in done.stderr.splitlines() if not line.startswith("import time:")]
    assert said == ["prm: contributions.csv: missing required column(s) currency"]
    assert done.stdout == ""
