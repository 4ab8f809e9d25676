"""The `prm` command line (contract section 6), in its default in-process mode (no Prefect)."""

import json
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from flows.cli import app
from models.db import alembic_config
from tasks.report.bundle import verify_manifest

SAMPLE = str(Path(__file__).resolve().parents[2] / "data" / "sample")


def prm(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def test_ingest_prints_counts_and_writes_the_rejected_rows(tmp_path):
    db = f"sqlite:///{tmp_path / 'prm.db'}"
    rejections = tmp_path / "rejected.csv"
    result = prm("ingest", "--source", SAMPLE, "--db", db, "--rejections", str(rejections))
    assert result.exit_code == 0, result.output
    assert "contributions" in result.stdout and "302" in result.stdout
    assert "unknown_partner 1" in result.stdout
    assert "agreements.csv row 285" in result.stdout
    lines = rejections.read_text().splitlines()
    assert lines[0] == "entity,file,row,key,column,value,reason,message"
    assert len(lines) == 1 + 6


def test_unreadable_source_fails_with_one_line_naming_the_file(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "agreements.csv").write_text("agreement_id,partner_id\nA1,P1\n")
    result = prm("ingest", "--source", str(source), "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith("prm: agreements.csv: missing required column")


def test_missing_source_folder_is_a_clear_failure(tmp_path):
    result = prm("ingest", "--source", str(tmp_path / "nope"), "--db", f"sqlite:///{tmp_path}/x.db")
    assert result.exit_code == 1
    assert "source folder not found" in result.stderr


def test_run_without_upload_writes_the_bundle_into_out(tmp_path):
    out = tmp_path / "bundle"
    db = f"sqlite:///{tmp_path / 'prm.db'}"
    result = prm(
        "run", "--source", SAMPLE, "--year", "2024", "--db", db, "--out", str(out), "--no-upload"
    )
    assert result.exit_code == 0, result.output
    assert str(out) in result.stdout.replace("\n", "")
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["agreements"] == {"signed": 89, "with_financial": 53}
    assert metrics["data_quality"]["rejected"]["contributions"] == 4
    assert verify_manifest(out) == []


@pytest.mark.integration
def test_run_publishes_and_fetch_gets_the_same_files(tmp_path, s3_store):
    out, fetched = tmp_path / "bundle", tmp_path / "fetched"
    db = f"sqlite:///{tmp_path / 'prm.db'}"
    result = prm("run", "--source", SAMPLE, "--year", "2024", "--db", db, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"s3://{s3_store.bucket}/reports/2024/" in result.stdout
    result = prm("fetch", "--year", "2024", "--dest", str(fetched))
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    for entry in manifest["files"]:
        assert (fetched / entry["path"]).read_bytes() == (out / entry["path"]).read_bytes()


def test_report_needs_a_bucket_to_publish_and_says_so_before_writing(tmp_path, monkeypatch):
    monkeypatch.delenv("PRM_S3_BUCKET", raising=False)
    db = f"sqlite:///{tmp_path / 'prm.db'}"
    assert prm("ingest", "--source", SAMPLE, "--db", db).exit_code == 0
    result = prm("report", "--year", "2024", "--db", db, "--out", str(tmp_path / "b"))
    assert result.exit_code == 1
    assert result.stderr == "prm: no bucket configured: set --bucket or PRM_S3_BUCKET\n"
    assert not (tmp_path / "b").exists()  # checked before any work


def test_db_upgrade_reports_the_revision(tmp_path):
    url = f"sqlite:///{tmp_path / 'prm.db'}"
    result = prm("db", "upgrade", "--db", url)
    assert result.exit_code == 0, result.output
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert f"revision {head}" in result.stdout


@pytest.mark.integration
def test_ingest_from_s3_reads_what_the_folder_holds(tmp_path, s3_store, monkeypatch):
    client = s3_store.client
    for path in sorted(Path(SAMPLE).iterdir()):
        client.upload_file(str(path), s3_store.bucket, f"incoming/{path.name}")
    # a wrong endpoint in the environment: the flag must win
    monkeypatch.setenv("PRM_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    folder = prm("ingest", "--source", SAMPLE, "--db", f"sqlite:///{tmp_path / 'a.db'}")
    s3 = prm(
        "ingest",
        "--source",
        f"s3://{s3_store.bucket}/incoming/",
        "--db",
        f"sqlite:///{tmp_path / 'b.db'}",
        "--endpoint-url",
        s3_store.endpoint_url,
    )
    assert folder.exit_code == 0 and s3.exit_code == 0, s3.output

    def counts(output: str) -> list[str]:
        return [line for line in output.splitlines() if line.startswith(("│ ", "Rejected rows by"))]

    assert counts(s3.stdout) == counts(folder.stdout)
    assert "│ contributions  │  306 │    302 │        4 │" in counts(s3.stdout)


@pytest.mark.integration
def test_unchanged_rerun_with_out_publishes_no_duplicate(tmp_path, s3_store):
    out = tmp_path / "bundle"
    db = f"sqlite:///{tmp_path / 'prm.db'}"
    args = ("run", "--source", SAMPLE, "--year", "2024", "--db", db, "--out", str(out))
    assert prm(*args).exit_code == 0
    first = json.loads((out / "manifest.json").read_text())["parameters"]["run_id"]
    again = prm(*args)
    assert again.exit_code == 0, again.output
    assert f"Input unchanged since run {first}" in again.stdout
    listed = s3_store.client.list_objects_v2(
        Bucket=s3_store.bucket, Prefix="reports/2024/", Delimiter="/"
    )
    assert [p["Prefix"] for p in listed["CommonPrefixes"]] == [f"reports/2024/{first}/"]
    assert json.loads((out / "manifest.json").read_text())["parameters"]["run_id"] == first
    assert verify_manifest(out) == []
    fresh = tmp_path / "elsewhere"
    assert prm(*args[:-1], str(fresh)).exit_code == 0  # another folder gets the same run
    assert (fresh / "manifest.json").read_bytes() == (out / "manifest.json").read_bytes()
