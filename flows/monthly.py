"""The `monthly-report` flow: ingest -> report -> publish (contract section 7).

Every parameter has a default so a quick run from the Prefect UI works. An empty `year`
means the year of the month that just ended, computed when the run starts (scheduled runs
carry fixed parameters). Empty storage settings come from the environment.
"""

from dataclasses import dataclass
from pathlib import Path

from prefect import flow, get_run_logger, task

from flows.ingest import ingest
from flows.report import report
from tasks.config import get_settings
from tasks.storage import PublishResult, publish_bundle


@dataclass
class RunSummary:
    """What one monthly run produced."""

    run_id: str
    year: int
    bundle_dir: Path
    ingestion_id: int
    published: PublishResult | None


@task(name="publish-bundle", retries=3, retry_delay_seconds=[5, 20, 60])
def publish(bundle_dir: Path, year: int, run_id: str, bucket: str, prefix: str, endpoint_url: str):
    """Upload the bundle and move `latest.json` to it once every object is verified."""
    settings = get_settings(s3_bucket=bucket, s3_prefix=prefix, s3_endpoint_url=endpoint_url)
    result = publish_bundle(bundle_dir, year=year, run_id=run_id, settings=settings)
    get_run_logger().info("published %s (latest.json moved: %s)", result.uri, result.latest_updated)
    return result


@flow(name="monthly-report")
def monthly_report(
    source: str = "data/sample",
    year: int | None = None,
    upload: bool = True,
    bucket: str = "",
    prefix: str = "",
    endpoint_url: str = "",
    db_url: str = "",
    out: str = "",
) -> RunSummary:
    """Ingest the source, write the year's report bundle and publish it to object storage."""
    ingested = ingest(source, db_url or None)
    written = report(
        year=year,
        db_url=db_url or None,
        out=out or None,
        ingestion_id=ingested.ingestion_id,
        source=source,
    )
    published = None
    if upload:
        published = publish(
            written.bundle_dir, written.year, written.run_id, bucket, prefix, endpoint_url
        )
    return RunSummary(
        written.run_id, written.year, written.bundle_dir, ingested.ingestion_id, published
    )
