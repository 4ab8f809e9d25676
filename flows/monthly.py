"""The `monthly-report` flow: ingest -> report -> publish (contract section 7).

Every parameter has a default, so a quick run from the Prefect UI works. An empty `year`
means the year of the month that just ended, computed when the run starts (a scheduled run
carries the deployment's fixed parameters). Empty storage settings come from the environment.

The run itself, with its skip of unchanged input, is plain code (`tasks.monthly`); this flow
hands it the steps as Prefect tasks and sub-flows (retries, logs, the UI's run graph) and
records the run's artifacts. Only the database URL given as a parameter ("" = from the
environment) is passed to the sub-flows, whose parameters the Prefect UI shows: a password
from PRM_DATABASE_URL never reaches the server.

Annotations are not postponed here (no `__future__` import of them): runs started by
`serve()` need the real types.
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Completed
from pydantic import Field

from flows.artifacts import Progress, record_artifacts, report_link
from flows.ingest import ingest
from flows.report import report
from flows.retrying import IO_RETRIES, only_transient
from models.db import upgrade
from tasks import monthly, pipeline
from tasks.checks import check_bucket, check_year
from tasks.config import Resources, build_resources, get_settings
from tasks.ingest.read import source_fingerprint
from tasks.ingest.sources import open_source
from tasks.monthly import Input, RunSummary, Steps
from tasks.report.artifacts import RunFacts, state_message
from tasks.report.document_settings import DocumentSettings
from tasks.runs import default_report_year
from tasks.storage.client import ObjectStore
from tasks.storage.previous import previous_location
from tasks.storage.retrieve import fetch_bundle

ReportYear = Annotated[int, Field(ge=2000, le=2100)]
MB = 1024 * 1024


@task(name="fingerprint-source", cache_policy=NO_CACHE, **IO_RETRIES)
def fingerprint(source: str, store: ObjectStore) -> str:
    """Fingerprint the files of the source that ingestion would read, logging progress."""
    logger = get_run_logger()

    def progress(number: int, files: int, done: int, total: int) -> None:
        logger.info(
            "fingerprint: %d/%d file(s), %.1f of %.1f MB", number, files, done / MB, total / MB
        )

    return source_fingerprint(open_source(source, store), progress)


@task(name="find-unchanged-ingestion", cache_policy=NO_CACHE, **IO_RETRIES)
def unchanged_ingestion(resources: Resources, input_fingerprint: str) -> int | None:
    """The newest ingestion's id if it read exactly this input, else None."""
    found = monthly.unchanged_ingestion(resources.engine, input_fingerprint)
    if found is not None:
        get_run_logger().info("input unchanged since ingestion %d: not ingesting again", found)
    return found


@task(name="find-published-run", cache_policy=NO_CACHE, **IO_RETRIES)
def published_run(
    store: ObjectStore,
    year: int,
    input_fingerprint: str,
    ingestion_id: int,
    document: DocumentSettings,
) -> monthly.PublishedRun | monthly.DamagedRun | None:
    """The published run of `year` made from this same input, code and document settings
    (a DamagedRun when the run latest.json names does not match its manifest)."""
    found = monthly.published_run(store, year, input_fingerprint, ingestion_id, document)
    if isinstance(found, monthly.DamagedRun):
        get_run_logger().warning("%s", found.note)
    elif found is not None:
        get_run_logger().info("%s holds this input's report: reused", found.published.uri)
    return found


@task(name="find-previous-run", cache_policy=NO_CACHE, **IO_RETRIES)
def previous_run(store: ObjectStore, year: int) -> str | None:
    """The s3:// folder of the run latest.json names now, which this run is compared with."""
    found = previous_location(store, year)
    get_run_logger().info("changes since %s", found or "nothing: the first run of the year")
    return found


@task(
    name="publish-bundle",
    retries=3,
    retry_delay_seconds=[5, 20, 60],
    retry_condition_fn=only_transient,
    cache_policy=NO_CACHE,
)
def publish(bundle_dir: Path, year: int, run_id: str, store: ObjectStore):
    """Upload the bundle and move `latest.json` to it once every object is verified."""
    result = pipeline.publish(bundle_dir, year, run_id, store)
    get_run_logger().info(
        "published %s: %d object(s) uploaded, %d already there, latest.json moved: %s",
        result.uri, result.uploaded, result.skipped, result.latest_updated,
    )  # fmt: skip
    return result


@task(name="fetch-published-bundle", cache_policy=NO_CACHE, **IO_RETRIES)
def fetch_published(year: int, run_id: str, dest: Path, store: ObjectStore) -> Path:
    """Download a published run into `dest`, every file checked against its manifest."""
    return fetch_bundle(year=year, run_id=run_id, dest=dest, store=store)


def flow_steps(
    resources: Resources, db_param: str, options: pipeline.ReportOptions = pipeline.ReportOptions()
) -> Steps:
    """The run's steps as tasks and sub-flows; of the database, sub-flows get only the
    `db_url` parameter."""
    store = resources.store

    def report_step(year: int, ingestion_id: int, source: str, out: Path | None, compare_to,
                    not_compared):  # fmt: skip
        return report(
            year=year, db_url=db_param or None, out=str(out) if out else None,
            ingestion_id=ingestion_id, source=source, compare_to=compare_to,
            not_compared=not_compared or "",
            endpoint_url=store.endpoint_url or "", allow_empty=options.allow_empty,
            report_settings=str(options.report_settings or ""),
        )  # fmt: skip

    def earlier(year: int, fingerprint: str, ingestion_id: int):
        return published_run(store, year, fingerprint, ingestion_id, options.document(year))

    return Steps(
        fingerprint=lambda source: fingerprint(source, store),
        unchanged_ingestion=lambda fp: unchanged_ingestion(resources, fp),
        ingest=lambda source: ingest(source, db_param or None, store.endpoint_url or ""),
        published_run=earlier,
        previous_location=lambda year: previous_run(store, year),
        report=report_step,
        publish=lambda bundle, year, run_id: publish(bundle, year, run_id, store),
        fetch=lambda year, run_id, dest: fetch_published(year, run_id, dest, store),
    )


def record(summary: RunSummary, data: Input, store: ObjectStore, link_hours: int) -> RunSummary:
    """Create the run's artifacts (summary, tables, a link valid `link_hours`) in the UI."""
    published = summary.published
    link = report_link(store, summary.year, summary.run_id, link_hours) if published else None
    facts = RunFacts(
        run_id=summary.run_id,
        source=data.source,
        input_fingerprint=data.fingerprint,
        ingestion_id=summary.ingestion_id,
        ingestion_reused=summary.ingestion_reused,
        bundle_location=summary.location,
        report_url=link[0] if link else None,
        report_url_expires=link[1] if link else None,
        report_reused=summary.report_reused,
        changes=summary.changes,
    )
    record_artifacts(summary.metrics, facts)
    return summary


def prepare(upload: bool, bucket: str, prefix: str, endpoint_url: str, db_url: str) -> Resources:
    """The run's resources from its parameters (empty = PRM_* environment), checked and the
    schema brought up to date once, before any step."""
    settings = get_settings(
        database_url=db_url, s3_bucket=bucket, s3_prefix=prefix, s3_endpoint_url=endpoint_url
    )
    resources = build_resources(settings)
    if upload:
        check_bucket(resources.store.bucket)  # fail now, not after ingesting
    upgrade(resources.engine)
    return resources


def run_name() -> str:
    """The flow run's name: `report-<year>-<yyyymmdd-hhmm>` (year and start time, UTC)."""
    year = flow_run.parameters.get("year") or default_report_year()
    return f"report-{year}-{datetime.now(UTC):%Y%m%d-%H%M}"


@flow(name="monthly-report", flow_run_name=run_name)
def monthly_report(
    source: str = "",
    year: ReportYear | None = None,
    upload: bool = True,
    bucket: str = "",
    prefix: str = "",
    endpoint_url: str = "",
    force: bool = False,
    db_url: str = "",
    out: str = "",
    compare_to: str = "",
    allow_empty: bool = False,
    report_settings: str = "",
) -> RunSummary:
    """Ingest the source, write the year's report bundle and publish it to object storage.

    Args:
        source: Folder or s3://bucket/prefix/ holding the partner-register exports;
            empty = PRM_SOURCE, else data/sample.
        year: Report year; empty = the year of the month that just ended.
        upload: Publish the bundle to object storage (off = write it locally only).
        bucket: S3 bucket; empty = PRM_S3_BUCKET.
        prefix: Key prefix in the bucket; empty = PRM_S3_PREFIX, else "reports".
        endpoint_url: S3 endpoint; empty = PRM_S3_ENDPOINT_URL, else AWS.
        force: Ingest, write and publish even when the input is unchanged.
        db_url: SQLAlchemy URL of prm's database; empty = PRM_DATABASE_URL, else SQLite.
        out: Folder for the bundle; empty = var/bundles/<year>/<run_id>.
        compare_to: Bundle folder changes.json compares with; empty = the run latest.json
            names before this one is published (none when not uploading).
        allow_empty: Write and publish a year with no signed agreement (off: such a run
            fails, publishes nothing and leaves latest.json where it was).
        report_settings: TOML file over templates/report.toml (document number, date,
            meeting, contact); empty = PRM_REPORT_SETTINGS, else the repository's.
    """
    year = check_year(year or default_report_year())
    settings = get_settings(report_settings=report_settings)
    source = source or settings.source
    options = pipeline.ReportOptions(settings.report_settings, allow_empty)
    options.document(year)  # a bad settings file fails now, not after ingesting
    resources = prepare(upload, bucket, prefix, endpoint_url, db_url)
    get_run_logger().info("monthly report %d from %s (upload: %s)", year, source, upload)
    progress = Progress(f"monthly-report {year}: ingest, report, publish")
    steps = flow_steps(resources, db_url, options)
    data = monthly.ingest_unless_unchanged(steps, source, force)
    progress.update(50)
    summary = monthly.report_and_publish(
        steps, year, data, upload=upload, out=Path(out) if out else None, force=force,
        compare_to=compare_to or None,
    )  # fmt: skip
    progress.update(100)
    summary = record(summary, data, resources.store, settings.link_hours)
    return Completed(message=state_message(summary.metrics, summary.changes), data=summary)
