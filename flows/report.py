"""The `report` flow: aggregate a year in SQL, draw the charts, write the bundle.

Reads like DEVELOPERS.md steps 2 and 3: each task is one step of `tasks.pipeline`. The
bundle folder is written locally; publishing it is the monthly flow's last step. The caller
has brought the schema up to date.
"""

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine

from flows.ingest import log_progress
from flows.retrying import IO_RETRIES
from tasks import pipeline
from tasks.checks import check_not_empty
from tasks.config import build_resources, get_settings
from tasks.report.changes import NotCompared, PreviousRun
from tasks.report.document_settings import DocumentSettings
from tasks.runs import default_report_year, new_run_id
from tasks.storage.client import ObjectStore
from tasks.storage.previous import compared_run


@task(name="aggregate", cache_policy=NO_CACHE)
def aggregate(engine: Engine, year: int, ingestion_id: int | None) -> pipeline.ReportData:
    """Compute metrics.json, the year's agreements and the ingestion's rejections in SQL."""
    data = pipeline.aggregate(engine, year, ingestion_id)
    metrics = data.metrics
    get_run_logger().info(
        "%d: %d agreements, USD %.2f", year, metrics.agreements.signed, metrics.financial_usd.total
    )
    return data


@task(name="read-previous-run", cache_policy=NO_CACHE, **IO_RETRIES)
def previous_run(
    location: str | None, store: ObjectStore, year: int, not_compared: str
) -> PreviousRun | NotCompared | None:
    """The run changes.json compares with, from its folder or s3:// location, checked against
    its manifest (`compared_run`)."""
    previous = compared_run(location, store, year, not_compared or None)
    if isinstance(previous, PreviousRun):
        get_run_logger().info("comparing with run %s (%s)", previous.run_id, location)
    elif previous is not None:
        get_run_logger().warning("%s", previous.reason)
    return previous


@task(name="write-bundle", cache_policy=NO_CACHE)
def write(
    out_dir: Path,
    data: pipeline.ReportData,
    parameters: dict,
    previous: PreviousRun | NotCompared | None,
    document: DocumentSettings,
) -> Path:
    """Write charts, documents, tables, metrics.json, changes.json and manifest.json."""
    pipeline.write_report(out_dir, data, parameters, log_progress, previous, document)
    get_run_logger().info("bundle written to %s", out_dir)
    return out_dir


@flow(name="report")
def report(
    year: int | None = None,
    db_url: str | None = None,
    out: str | None = None,
    ingestion_id: int | None = None,
    run_id: str | None = None,
    source: str | None = None,
    compare_to: str | None = None,
    not_compared: str = "",
    endpoint_url: str = "",
    allow_empty: bool = False,
    report_settings: str = "",
) -> pipeline.ReportResult:
    """Write the report bundle of `year` (default: the year of the month that just ended).

    `compare_to`: the bundle folder or s3:// run folder changes.json compares with (read
    through `endpoint_url`, empty = PRM_S3_ENDPOINT_URL); None = no earlier run, or, with
    `not_compared`, the reason changes.json gives for comparing with none (a run that
    reads no bucket); a run that does not match its manifest is not compared. A year
    without signed agreements fails the run (nothing written) unless `allow_empty`;
    `report_settings`: a TOML file over templates/report.toml (empty = PRM_REPORT_SETTINGS).
    """
    settings = get_settings(
        database_url=db_url, s3_endpoint_url=endpoint_url, report_settings=report_settings
    )
    resources = build_resources(settings)
    year = year or default_report_year()
    document = pipeline.ReportOptions(settings.report_settings).document(year)
    data = aggregate(resources.engine, year, ingestion_id)
    check_not_empty(data.metrics, allow_empty)
    run_id = run_id or new_run_id(data.input_fingerprint)
    out_dir = Path(out) if out else pipeline.bundle_dir(resources.data_dir, year, run_id)
    compared = compare_to or not_compared
    previous = previous_run(compare_to, resources.store, year, not_compared) if compared else None
    parameters = pipeline.bundle_parameters(resources.engine, data, run_id, source, document)
    write(out_dir, data, parameters, previous, document)
    changes = pipeline.read_changes(out_dir)
    return pipeline.ReportResult(out_dir.resolve(), run_id, year, data.metrics, changes)
