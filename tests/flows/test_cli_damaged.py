"""`prm run` and `prm report` against a published run that no longer matches its manifest, a
`--compare-to` bundle of another year, and a re-run that reads no bucket (--no-upload)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tasks.storage.client import read_object
from tasks.storage.previous import NOT_UPLOADING

SAMPLE = str(Path(__file__).resolve().parents[2] / "data" / "sample")
DAMAGE = "metrics.json: SHA-256 does not match the manifest"


def prm(*args: str) -> object:
    return CliRunner().invoke(app, list(args))


def latest_run(store) -> str:
    return json.loads(read_object(store.client, store.bucket, "reports/2024/latest.json")[0])[
        "run_id"
    ]


@pytest.mark.integration
def test_a_damaged_latest_run_is_neither_reused_nor_compared(tmp_path, s3_store):
    run = ["run", "--source", SAMPLE, "--year", "2024", "--db", f"sqlite:///{tmp_path / 'p.db'}"]
    assert prm(*run).exit_code == 0
    first = latest_run(s3_store)
    key = f"reports/2024/{first}/metrics.json"
    metrics = read_object(s3_store.client, s3_store.bucket, key)[0]
    assert b'"signed": 89,' in metrics  # a figure changed, the size kept
    tampered = metrics.replace(b'"signed": 89,', b'"signed": 98,')
    s3_store.client.put_object(Bucket=s3_store.bucket, Key=key, Body=tampered)

    again = prm(*run)
    assert again.exit_code == 0, again.output
    lines = again.stdout.splitlines()
    assert "Input unchanged since ingestion 1: not ingested again" in lines
    assert (
        f"Published run {first} does not match its manifest ({DAMAGE}): "
        "not reused, this run publishes anew"
    ) in lines
    not_compared = f"previous run {first} does not match its manifest ({DAMAGE}): not compared"
    assert f"P{not_compared[1:]}." in lines
    second = latest_run(s3_store)
    assert second != first and second in again.stdout.split("Published to")[1]
    folder = f"reports/2024/{second}/"
    changes = json.loads(read_object(s3_store.client, s3_store.bucket, folder + "changes.json")[0])
    assert changes["previous_run_id"] is None and changes["not_compared"] == not_compared
    assert changes["figures"] == {} and changes["agreements_added"] == []
    report = read_object(s3_store.client, s3_store.bucket, folder + "report.md")[0].decode()
    section = report[report.index("## Changes since the previous run") :]
    assert f"Previous run {first} does not match its manifest" in section and "98" not in section

    reused = prm(*run)  # the new latest run is intact: reused, as before
    assert reused.exit_code == 0 and f"Input unchanged since run {second}: " in reused.stdout

    page = folder + "report.html"  # a file besides metrics.json, changed at the same size
    html = read_object(s3_store.client, s3_store.bucket, page)[0]
    s3_store.client.put_object(Bucket=s3_store.bucket, Key=page, Body=html.replace(b"89", b"98"))
    anew = prm(*run)
    assert anew.exit_code == 0, anew.output
    assert (
        f"Published run {second} does not match its manifest (report.html: SHA-256 does not "
        "match the manifest): not reused, this run publishes anew"
    ) in anew.stdout.splitlines()
    assert latest_run(s3_store) not in (first, second)

    local = prm(*run, "--no-upload", "--out", str(tmp_path / "local"))
    assert local.exit_code == 0, local.output
    lines = local.stdout.splitlines()
    assert "Input unchanged since ingestion 1: not ingested again" in lines
    assert f"N{NOT_UPLOADING[1:]}." in lines
    assert not any(line.startswith("No earlier run") for line in lines)
    changes = json.loads((tmp_path / "local" / "changes.json").read_text())
    assert changes["not_compared"] == NOT_UPLOADING


def test_compare_to_another_year_or_a_damaged_bundle_is_refused_before_any_work(tmp_path):
    db = f"sqlite:///{tmp_path / 'p.db'}"
    b2023, b2024 = tmp_path / "b2023", tmp_path / "b2024"
    assert prm("ingest", "--source", SAMPLE, "--db", db).exit_code == 0
    for year, out in (("2023", b2023), ("2024", b2024)):
        made = prm("report", "--year", year, "--db", db, "--no-upload", "--out", str(out))
        assert made.exit_code == 0, made.output
    run_2023 = json.loads((b2023 / "manifest.json").read_text())["parameters"]["run_id"]
    out = tmp_path / "never"
    report = ["report", "--year", "2024", "--db", db, "--no-upload", "--out", str(out)]
    wrong = prm(*report, "--compare-to", str(b2023))
    assert wrong.exit_code == 1
    assert wrong.stderr == (
        f"prm: {b2023}: the bundle of run {run_2023} is a report of 2023, not 2024; "
        "changes are compared with a run of the same year\n"
    )
    assert wrong.stdout == "" and not out.exists()
    run = ["run", "--source", SAMPLE, "--year", "2024", "--db", db, "--no-upload"]
    wrong = prm(*run, "--out", str(out), "--compare-to", str(b2023))
    assert wrong.exit_code == 1 and "is a report of 2023, not 2024" in wrong.stderr
    assert wrong.stdout == "" and not out.exists()  # nothing read, ingested or written

    (b2024 / "tables" / "agreements.csv").write_text("agreement_id\n")
    run_2024 = json.loads((b2024 / "manifest.json").read_text())["parameters"]["run_id"]
    damaged = prm(*report, "--compare-to", str(b2024))
    assert damaged.exit_code == 1 and damaged.stderr.count("\n") == 1
    assert damaged.stderr.startswith(
        f"prm: --compare-to {b2024}: previous run {run_2024} does not match its manifest "
        "(tables/agreements.csv: size 13, manifest says"
    )
    assert not out.exists()
    compared = prm(*report[:-1], str(tmp_path / "ok"), "--compare-to", str(b2023.parent / "x"))
    assert compared.exit_code == 1 and "not a report bundle folder" in compared.stderr
