"""The `monthly-report` flow: ingest -> report -> publish (contract section 7).

Every parameter has a default, so a quick run from the Prefect UI works. An empty `year`
means the year of the month that just ended, computed when the run starts (a scheduled run
carries the deployment's fixed parameters). Empty storage settings come from the environment.

Unchanged input skips work, decided from the records rather than Prefect's result cache:
the source's fingerprint (SHA-256 of the files ingestion would read) is compared with the
newest ingestion in the database, and with the manifest of the run `latest.json` names.
Same fingerprint as the newest ingestion: nothing is ingested again (re-ingesting would
change nothing). Same fingerprint, ingestion and code version as the published run: nothing
is rewritten or uploaded, and the run's artifacts point at that bundle. `force` does it all.
The records live in prm's database and bucket, so this holds across workers and machines,
and it cannot go stale the way a cache could when the database is reset.

Annotations are not postponed here (no `__future__` import of them): runs started by
`serve()` need the real types.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import Field
from sqlalchemy import select

from flows.artifacts import Progress, record_artifacts, report_link
from flows.ingest import ingest
from flows.report import report
from flows.retrying import IO_RETRIES, only_transient
from models.db import get_engine, upgrade
from models.metrics import Metrics
from models.tables import Ingestion
from tasks.config import Settings, get_settings
from tasks.ingest import read
from tasks.ingest.sources import open_source
from tasks.report.artifacts import RunFacts
from tasks.runs import code_version, default_report_year
from tasks.storage import keys as s3keys
from tasks.storage.client import bucket_exists, read_object, s3_client, s3_errors
from tasks.storage.publish import PublishResult, publish_bundle

ReportYear = Annotated[int, Field(ge=2000, le=2100)]
MB = 1024 * 1024


@dataclass
class RunSummary:
    """What one monthly run produced (`bundle_dir` is None when an earlier run is reused)."""

    run_id: str
    year: int
    bundle_dir: Path | None
    ingestion_id: int
    published: PublishResult | None
    location: str = ""
    ingestion_reused: bool = False
    report_reused: bool = False
    metrics: Metrics | None = None


@dataclass(frozen=True)
class Input:
    """What a run reports on: the source, its fingerprint and the ingestion that loaded it."""

    source: str
    fingerprint: str
    ingestion_id: int
    reused: bool


@dataclass(frozen=True)
class Target:
    """Where a run writes: database, local folder, and object storage (when `upload`).

    `db_param` is the URL given as a parameter ("" = from the environment); only it is passed
    to the sub-flows, whose parameters the Prefect UI shows: a password from
    PRM_DATABASE_URL never reaches the server.
    """

    db_url: str
    db_param: str
    out: str
    upload: bool
    storage: Settings


def source_fingerprint(
    source: str, on_file: Callable[[int, int, int, int], None] | None = None
) -> str:
    """The fingerprint ingestion records for `source` (`tasks.ingest.read.source_fingerprint`)."""
    return read.source_fingerprint(open_source(source), on_file)


@task(
    name="fingerprint-source",
    cache_policy=NO_CACHE,
    **IO_RETRIES,
)
def fingerprint(source: str) -> str:
    """Fingerprint the files of the source that ingestion would read, logging progress."""
    logger = get_run_logger()

    def progress(number: int, files: int, done: int, total: int) -> None:
        logger.info(
            "fingerprint: %d/%d file(s), %.1f of %.1f MB", number, files, done / MB, total / MB
        )

    return source_fingerprint(source, progress)


@task(
    name="find-unchanged-ingestion",
    cache_policy=NO_CACHE,
    **IO_RETRIES,
)
def unchanged_ingestion(db_url: str, input_fingerprint: str) -> int | None:
    """The newest ingestion's id if it read exactly this input, else None."""
    upgrade(db_url)
    table = Ingestion.__table__
    query = select(table.c.id, table.c.fingerprint).order_by(table.c.id.desc()).limit(1)
    with get_engine(db_url).connect() as connection:
        newest = connection.execute(query).first()
    if newest is None or newest.fingerprint != input_fingerprint:
        return None
    return int(newest.id)


@dataclass(frozen=True)
class PublishedRun:
    """The run `latest.json` names, with its metrics, when it was made from the same input."""

    published: PublishResult
    metrics: Metrics


def _published_match(storage: Settings, year: int, fp: str, ingestion_id: int):
    """The published run of `year` built from this fingerprint, ingestion and code, or None."""
    client = s3_client(storage)
    bucket = s3keys.check_bucket(storage.s3_bucket)
    with s3_errors(storage, "looking for an earlier run"):
        if not bucket_exists(client, bucket):
            return None
        found = read_object(client, bucket, s3keys.latest_key(storage.s3_prefix, year))
        if not found:
            return None
        pointer = json.loads(found[0])
        key_prefix = s3keys.bundle_prefix(storage.s3_prefix, year, str(pointer["run_id"]))
        manifest = read_object(client, bucket, key_prefix + s3keys.MANIFEST_NAME)
        metrics = read_object(client, bucket, key_prefix + s3keys.METRICS_NAME)
    if not manifest or not metrics:
        return None
    made = json.loads(manifest[0])
    same = (
        made.get("input_fingerprint") == fp
        and made.get("code_version") == code_version()
        and (made.get("parameters") or {}).get("ingestion_id") == ingestion_id
    )
    if not same:
        return None
    published = PublishResult(
        pointer["uri"], key_prefix, pointer["run_id"], pointer["run_time"],
        pointer["manifest_sha256"], 0, len(made.get("files", [])) + 1, False, False,
    )  # fmt: skip
    return PublishedRun(published, Metrics.model_validate_json(metrics[0]))


@task(
    name="find-published-run",
    cache_policy=NO_CACHE,
    **IO_RETRIES,
)
def published_run(
    storage: Settings, year: int, input_fingerprint: str, ingestion_id: int
) -> PublishedRun | None:
    """The published run of `year` made from this same input and code, if there is one."""
    return _published_match(storage, year, input_fingerprint, ingestion_id)


@task(
    name="publish-bundle",
    retries=3,
    retry_delay_seconds=[5, 20, 60],
    retry_condition_fn=only_transient,
    cache_policy=NO_CACHE,
)
def publish(
    bundle_dir: Path, year: int, run_id: str, bucket: str, prefix: str, endpoint_url: str
) -> PublishResult:
    """Upload the bundle and move `latest.json` to it once every object is verified."""
    settings = get_settings(s3_bucket=bucket, s3_prefix=prefix, s3_endpoint_url=endpoint_url)
    logger = get_run_logger()
    result = publish_bundle(bundle_dir, year=year, run_id=run_id, settings=settings)
    logger.info(
        "published %s: %d object(s) uploaded, %d already there, latest.json moved: %s",
        result.uri, result.uploaded, result.skipped, result.latest_updated,
    )  # fmt: skip
    return result


def ingest_unless_unchanged(source: str, target: Target, force: bool) -> Input:
    """Ingest the source unless its input is what the newest ingestion read."""
    input_fingerprint = fingerprint(source)
    reused = None if force else unchanged_ingestion(target.db_url, input_fingerprint)
    if reused is not None:
        get_run_logger().info("input unchanged since ingestion %d: not ingesting again", reused)
        return Input(source, input_fingerprint, reused, True)
    ingested = ingest(source, target.db_param or None)
    return Input(source, ingested.fingerprint, ingested.ingestion_id, False)


def report_and_publish(year: int, data: Input, target: Target, force: bool) -> RunSummary:
    """Write the year's bundle and publish it, or reuse the published run of the same input."""
    storage = target.storage
    if target.upload and not target.out and not force:
        earlier = published_run(storage, year, data.fingerprint, data.ingestion_id)
        if earlier is not None:
            get_run_logger().info("%s holds this input's report: reused", earlier.published.uri)
            summary = RunSummary(
                earlier.published.run_id, year, None, data.ingestion_id, earlier.published,
                earlier.published.uri, data.reused, report_reused=True,
            )  # fmt: skip
            return record(summary, earlier.metrics, data, storage)
    written = report(
        year=year, db_url=target.db_param or None, out=target.out or None,
        ingestion_id=data.ingestion_id, source=data.source,
    )  # fmt: skip
    published = None
    if target.upload:
        published = publish(
            written.bundle_dir, year, written.run_id,
            storage.s3_bucket or "", storage.s3_prefix, storage.s3_endpoint_url or "",
        )  # fmt: skip
    location = published.uri if published else written.bundle_dir.as_uri()
    summary = RunSummary(
        written.run_id, year, written.bundle_dir, data.ingestion_id, published, location,
        data.reused,
    )  # fmt: skip
    return record(summary, written.metrics, data, storage)


def record(summary: RunSummary, metrics: Metrics, data: Input, storage: Settings) -> RunSummary:
    """Create the run's artifacts (summary, tables, links); return the summary with metrics."""
    link = report_link(storage, summary.year, summary.run_id) if summary.published else None
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
    )
    record_artifacts(metrics, facts)
    return replace(summary, metrics=metrics)


def make_target(
    upload: bool, bucket: str, prefix: str, endpoint_url: str, db_url: str, out: str
) -> Target:
    """The run's target: empty settings come from PRM_* environment variables."""
    storage = get_settings(s3_bucket=bucket, s3_prefix=prefix, s3_endpoint_url=endpoint_url)
    if upload:
        s3keys.check_bucket(storage.s3_bucket)  # fail now, not after ingesting
    return Target(db_url or get_settings().db_url(), db_url, out, upload, storage)


@flow(name="monthly-report")
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
    """
    year = year or default_report_year()
    source = source or get_settings().source
    target = make_target(upload, bucket, prefix, endpoint_url, db_url, out)
    get_run_logger().info("monthly report %d from %s (upload: %s)", year, source, upload)
    progress = Progress(f"monthly-report {year}: ingest, report, publish")
    data = ingest_unless_unchanged(source, target, force)
    progress.update(50)
    summary = report_and_publish(year, data, target, force)
    progress.update(100)
    return summary
