"""A published run that no longer matches its manifest.json, against a real S3 server: `prm
runs`, the index and the run compared with trust only runs that pass, as `prm fetch` does."""

import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tasks.errors import IntegrityError, PrmError, StorageError
from tasks.report.changes import NotCompared, PreviousRun
from tasks.storage.client import read_object
from tasks.storage.index import render_index_html, update_index
from tasks.storage.previous import load_previous
from tasks.storage.publish import publish_bundle
from tasks.storage.retrieve import (
    list_runs,
    presign,
    published_content_problem,
    read_published,
)
from tests.storage.bundles import make_bundle

pytestmark = pytest.mark.integration

AGREEMENTS = b"agreement_id,partner_name,total_usd\r\nA1,Partner,10.00\r\n"


def publish(store, tmp_path, run_id: str, when: str, year: int = 2024):
    """Publish a small bundle of `year` made at `when` (with tables/agreements.csv)."""
    bundle = make_bundle(
        tmp_path / run_id, when=when, parameters={"year": year, "run_id": run_id},
        extra={"tables/agreements.csv": AGREEMENTS},
    )  # fmt: skip
    return publish_bundle(bundle, year=year, run_id=run_id, store=store)


def tamper(store, run_id: str, path: str, old: bytes, new: bytes) -> None:
    """Replace `old` by `new` (same length) in one object of a published run."""
    key = f"reports/2024/{run_id}/{path}"
    content = read_object(store.client, store.bucket, key)[0]
    assert old in content and len(old) == len(new)
    store.client.put_object(Bucket=store.bucket, Key=key, Body=content.replace(old, new))


def test_runs_and_index_show_a_damaged_run_as_damaged_without_its_figures(s3_store, tmp_path):
    publish(s3_store, tmp_path, "r0", "2025-01-01T06:00:00+00:00")
    publish(s3_store, tmp_path, "r1", "2025-02-01T06:00:00+00:00")
    publish(s3_store, tmp_path, "r2", "2025-03-01T06:00:00+00:00")
    s3_store.client.delete_object(Bucket=s3_store.bucket, Key="reports/2024/r1/report.html")
    tamper(s3_store, "r2", "metrics.json", b'"signed": 89', b'"signed": 98')

    runs = {run.run_id: run for run in list_runs(2024, s3_store)}
    assert runs["r0"].problem is None and runs["r0"].agreements_signed == 89
    assert runs["r1"].problem == "report.html: missing"
    assert runs["r2"].problem == "metrics.json: SHA-256 does not match the manifest"
    assert runs["r2"].latest and runs["r2"].agreements_signed is None
    assert runs["r2"].financial_usd_total is None

    listed = CliRunner().invoke(app, ["runs", "--year", "2024"])
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert [line.split("│")[5].strip() for line in lines if "│ r" in line] == [
        "complete", "damaged", "damaged (latest)"
    ]  # fmt: skip
    assert lines[-2:] == [
        "2024 run r1 does not match its manifest: report.html: missing",
        "2024 run r2 does not match its manifest: "
        "metrics.json: SHA-256 does not match the manifest",
    ]
    assert " 98 " not in listed.stdout and listed.stdout.count("1,500,000.50") == 1

    assert update_index(s3_store)
    index = json.loads(read_object(s3_store.client, s3_store.bucket, "reports/index.json")[0])
    latest = index["years"][0]["latest"]
    assert latest["run_id"] == "r2"
    assert latest["damaged"] == "metrics.json: SHA-256 does not match the manifest"
    assert latest["headline"] == {"agreements.signed": None, "financial_usd.total": None}
    assert latest["links"] == {"bundle": "2024/r2/manifest.json"}
    earlier = {run["run_id"]: run for run in index["years"][0]["earlier"]}
    assert earlier["r1"]["damaged"] == "report.html: missing"
    assert "damaged" not in earlier["r0"] and earlier["r0"]["headline"]["agreements.signed"] == 89
    page = render_index_html(index)
    assert "98 agreements" not in page and page.count("damaged, does not match its manifest") == 2


def test_with_a_key_a_manifest_must_carry_its_signature(s3_store, tmp_path):
    signed = replace(s3_store, manifest_key=b"team key")
    publish(signed, tmp_path, "r1", "2025-01-01T06:00:00+00:00")
    (run,) = list_runs(2024, signed)
    assert run.problem is None and run.agreements_signed == 89
    (run,) = list_runs(2024, replace(s3_store, manifest_key=b"another key"))
    assert run.problem == "manifest.json of run r1: signature does not match PRM_MANIFEST_KEY"
    assert run.agreements_signed is None
    publish(s3_store, tmp_path, "r2", "2025-02-01T06:00:00+00:00")  # published without a key
    problems = {run.run_id: run.problem for run in list_runs(2024, signed)}
    assert problems == {
        "r1": None,
        "r2": "manifest.json of run r2 is not signed (PRM_MANIFEST_KEY)",
    }


def test_a_run_is_compared_with_only_when_it_matches_its_manifest(s3_store, tmp_path):
    publish(s3_store, tmp_path, "r1", "2025-01-01T06:00:00+00:00")
    location = f"s3://{s3_store.bucket}/reports/2024/r1/"
    previous = load_previous(location, s3_store, 2024)
    assert isinstance(previous, PreviousRun) and previous.run_id == "r1"
    assert previous.agreements_csv == AGREEMENTS and previous.metrics["agreements"]["signed"] == 89

    with pytest.raises(PrmError, match=r"run r1 is a report of 2024, not 2023; changes are"):
        load_previous(location, s3_store, 2023)

    tamper(s3_store, "r1", "tables/agreements.csv", b"10.00", b"99.00")
    assert load_previous(location, s3_store, 2024) == NotCompared(
        "previous run r1 does not match its manifest "
        "(tables/agreements.csv: SHA-256 does not match the manifest): not compared"
    )
    folder = tmp_path / "r1"  # the same bundle on disk: intact, then damaged
    assert isinstance(load_previous(str(folder), None, 2024), PreviousRun)
    (folder / "metrics.json").write_text("{}")
    damaged = load_previous(str(folder), None, 2024)
    assert (
        isinstance(damaged, NotCompared)
        and "(metrics.json: size 2, manifest says" in damaged.reason
    )


def test_a_replaced_manifest_of_the_latest_run_is_not_trusted(s3_store, tmp_path):
    """A bucket writer who rewrites both metrics.json and manifest.json of the latest run:
    latest.json records the manifest's SHA-256, so the run is damaged, not compared."""
    publish(s3_store, tmp_path, "r1", "2025-01-01T06:00:00+00:00")
    other = make_bundle(
        tmp_path / "forged", signed=98, parameters={"year": 2024, "run_id": "r1"},
        extra={"tables/agreements.csv": AGREEMENTS},
    )  # fmt: skip
    for name in ("metrics.json", "manifest.json", "tables/by_region.csv"):
        s3_store.client.upload_file(str(other / name), s3_store.bucket, f"reports/2024/r1/{name}")
    location = f"s3://{s3_store.bucket}/reports/2024/r1/"
    found = load_previous(location, s3_store, 2024)
    assert found == NotCompared(
        "previous run r1 does not match its manifest "
        "(manifest.json of run r1 does not match latest.json): not compared"
    )


def test_a_link_is_made_only_to_a_file_as_it_was_published(s3_store, tmp_path):
    publish(s3_store, tmp_path, "r1", "2025-01-01T06:00:00+00:00")
    assert presign(2024, expires_seconds=60, store=s3_store).startswith(s3_store.endpoint_url)
    assert published_content_problem(s3_store, read_published(s3_store, 2024)) is None
    with pytest.raises(StorageError, match="nope.pdf is not a file of run r1 of 2024"):
        presign(2024, file="nope.pdf", store=s3_store)

    tamper(s3_store, "r1", "report.html", b"<html", b"<HTML")  # same size, no checksum
    refused = "run r1 of 2024 does not match its manifest \\(report.html: SHA-256 does not match"
    with pytest.raises(IntegrityError, match=refused):
        presign(2024, expires_seconds=60, store=s3_store)
    assert published_content_problem(s3_store, read_published(s3_store, 2024)) == (
        "report.html: SHA-256 does not match the manifest"
    )
    # written again with a checksum of its own (which S3 checks): still not the published bytes
    key = "reports/2024/r1/report.html"
    body = read_object(s3_store.client, s3_store.bucket, key)[0]
    s3_store.client.put_object(
        Bucket=s3_store.bucket, Key=key, Body=body, ChecksumAlgorithm="SHA256"
    )
    with pytest.raises(IntegrityError, match=refused):
        presign(2024, file="report.html", run_id="r1", expires_seconds=60, store=s3_store)
    # another file of the run is still linked: only what changed is refused
    assert presign(2024, file="metrics.json", expires_seconds=60, store=s3_store)
