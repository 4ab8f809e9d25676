"""The `backfill` flow: ingest once, then write and publish the report of several years.

For a first deployment or after a correction to old records: one run reports every year
from `first_year` to `last_year`, each year's bundle published under its own year. The
source is ingested once (or not at all when unchanged, as in `monthly-report`), and a year
whose published run was made from the same input and code is reused, not rewritten.

Annotations are not postponed here (no `__future__` import of them): runs started by
`serve()` need the real types.
"""

from pathlib import Path

from prefect import flow, get_run_logger

from flows.artifacts import Progress, record_backfill
from flows.monthly import ReportYear, flow_steps, prepare, record
from tasks import monthly, pipeline
from tasks.checks import check_year
from tasks.config import get_settings
from tasks.monthly import RunSummary
from tasks.report.aggregate import TREND_YEARS
from tasks.runs import default_report_year

MAX_YEARS = 20  # tasks reach the server at ~25 a second: keep one run to tens of tasks


def backfill_years(first_year: int | None, last_year: int | None) -> list[int]:
    """The years to report, oldest first; defaults: the five years up to last month's year."""
    last = check_year(last_year or default_report_year())
    first = check_year(first_year or last - TREND_YEARS + 1)
    if first > last:
        raise ValueError(f"first_year {first} is after last_year {last}")
    if last - first + 1 > MAX_YEARS:
        raise ValueError(f"at most {MAX_YEARS} years in one backfill ({first}-{last} asked)")
    return list(range(first, last + 1))


def summary_row(summary: RunSummary) -> dict:
    """One year of a backfill as a row of its table artifact."""
    metrics = summary.metrics
    return {
        "year": summary.year,
        "run_id": summary.run_id,
        "agreements_signed": metrics.agreements.signed if metrics else None,
        "financial_usd_total": metrics.financial_usd.total if metrics else None,
        "location": summary.location,
        "reused": summary.report_reused,
    }


@flow(name="backfill")
def backfill(
    source: str = "",
    first_year: ReportYear | None = None,
    last_year: ReportYear | None = None,
    upload: bool = True,
    bucket: str = "",
    prefix: str = "",
    endpoint_url: str = "",
    force: bool = False,
    db_url: str = "",
    out: str = "",
    allow_empty: bool = False,
    report_settings: str = "",
) -> list[RunSummary]:
    """Ingest the source once, then write and publish the report of every year in a range.

    Args:
        source: Folder or s3://bucket/prefix/ holding the partner-register exports;
            empty = PRM_SOURCE, else data/sample.
        first_year: First year to report; empty = last_year - 4 (the report's trend window).
        last_year: Last year to report; empty = the year of the month that just ended.
        upload: Publish each bundle to object storage (off = write them locally only).
        bucket: S3 bucket; empty = PRM_S3_BUCKET.
        prefix: Key prefix in the bucket; empty = PRM_S3_PREFIX, else "reports".
        endpoint_url: S3 endpoint; empty = PRM_S3_ENDPOINT_URL, else AWS.
        force: Ingest, write and publish even when the input is unchanged.
        db_url: SQLAlchemy URL of prm's database; empty = PRM_DATABASE_URL, else SQLite.
        out: Folder for the bundles (one sub-folder per year); empty = var/bundles/.
        allow_empty: Write and publish years with no signed agreement (off: the run fails at
            the first such year; the years before it are published).
        report_settings: TOML file over templates/report.toml; empty = PRM_REPORT_SETTINGS.
    """
    years = backfill_years(first_year, last_year)
    settings = get_settings(report_settings=report_settings)
    source = source or settings.source
    options = pipeline.ReportOptions(settings.report_settings, allow_empty)
    for year in years:
        options.document(year)  # a bad settings file fails now, not after ingesting
    logger = get_run_logger()
    logger.info("backfill %d-%d from %s (upload: %s)", years[0], years[-1], source, upload)
    resources = prepare(upload, bucket, prefix, endpoint_url, db_url)
    steps = flow_steps(resources, db_url, options)
    progress = Progress(f"backfill {years[0]}-{years[-1]}")
    data = monthly.ingest_unless_unchanged(steps, source, force)
    progress.update(100 / (len(years) + 1))
    summaries, rows = [], []
    for done, year in enumerate(years, start=1):
        year_out = Path(out) / str(year) if out else None
        summary = monthly.report_and_publish(
            steps, year, data, upload=upload, out=year_out, force=force
        )
        summaries.append(record(summary, data, resources.store, settings.link_hours))
        rows.append(summary_row(summary))
        logger.info("year %d done (%d of %d): %s", year, done, len(years), summary.location)
        progress.update(100 * (done + 1) / (len(years) + 1))
    record_backfill(rows)
    return summaries
