"""Artifacts of a run in the Prefect UI: summary, tables, links to the report and the bundle.

Artifact keys are stable, so the UI's Artifacts page shows each one's history across runs.
Building the content is tasks/report/artifacts.py; this module only hands it to Prefect.
"""

from datetime import UTC, datetime, timedelta

from prefect import get_run_logger, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.cache_policies import NO_CACHE

from flows.retrying import IO_RETRIES
from models.metrics import Metrics
from tasks.errors import PrmError
from tasks.report.artifacts import (
    RunFacts,
    artifact_link,
    artifact_table,
    backfill_rows,
    rejection_rows,
    summary_markdown,
    top_partner_rows,
)
from tasks.storage.client import ObjectStore
from tasks.storage.retrieve import presign

SUMMARY_KEY = "monthly-report-summary"
TOP_PARTNERS_KEY = "top-financial-partners"
REJECTIONS_KEY = "rejections-by-reason"
REPORT_LINK_KEY = "report-html"
BUNDLE_LINK_KEY = "report-bundle"
BACKFILL_KEY = "backfill-summary"


class Progress:
    """A progress artifact of the flow run, moved forward as steps finish (0 to 100)."""

    def __init__(self, description: str) -> None:
        """Create the artifact at 0%."""
        self.artifact_id = create_progress_artifact(progress=0.0, description=description)

    def update(self, percent: float) -> None:
        """Move the bar to `percent`."""
        update_progress_artifact(self.artifact_id, progress=float(percent))


@task(
    name="presign-report-link",
    cache_policy=NO_CACHE,
    **IO_RETRIES,
)
def report_link(store: ObjectStore, year: int, run_id: str, hours: int) -> tuple[str, str] | None:
    """A presigned link to the published report.html, valid `hours` (PRM_LINK_HOURS, 24 by
    default: anyone who can read the artifact can use it), and its expiry (None if it
    cannot be made)."""
    try:
        url = presign(year, "report.html", run_id, hours * 3600, store=store)
    except PrmError as exc:  # a missing link must not fail a run whose bundle is published
        get_run_logger().warning("no link to report.html: %s", exc)
        return None
    expires = datetime.now(UTC) + timedelta(hours=hours)
    return url, expires.strftime("%Y-%m-%d %H:%M UTC")


@task(name="record-artifacts", cache_policy=NO_CACHE)
def record_artifacts(metrics: Metrics, facts: RunFacts) -> None:
    """Create the run's summary, tables and links in the Prefect UI."""
    year = metrics.year
    create_markdown_artifact(
        summary_markdown(metrics, facts),
        key=SUMMARY_KEY,
        description=f"Headline figures and data quality of {year}",
    )
    create_table_artifact(
        artifact_table(top_partner_rows(metrics)),
        key=TOP_PARTNERS_KEY,
        description=f"Top-10 financial partners in {year} (PARTNER contributions, USD)",
    )
    create_table_artifact(
        artifact_table(rejection_rows(metrics)),
        key=REJECTIONS_KEY,
        description=f"Rejected rows by reason, ingestion {metrics.data_quality.ingestion_id}",
    )
    if facts.report_url:
        report_url, report_text = artifact_link(
            facts.report_url, f"report.html ({year}, run {facts.run_id})"
        )
        create_link_artifact(
            report_url,
            link_text=report_text,
            key=REPORT_LINK_KEY,
            description=f"Presigned link, valid until {facts.report_url_expires}",
        )
    opens = "report.html (presigned link)" if facts.report_url else "the bundle's folder"
    bundle_url, bundle_text = artifact_link(
        facts.report_url or facts.bundle_location, facts.bundle_location
    )
    create_link_artifact(
        bundle_url,
        link_text=bundle_text,
        key=BUNDLE_LINK_KEY,
        description=f"Bundle of {year} (metrics.json, charts, tables, report, manifest, "
        f"changes.json); the link opens {opens}",
    )
    get_run_logger().info("artifacts recorded for %d, run %s", year, facts.run_id)


@task(name="record-backfill-artifact", cache_policy=NO_CACHE)
def record_backfill(results: list[dict]) -> None:
    """A table of the years a backfill reported: run id, headline figures, location."""
    create_table_artifact(
        artifact_table(backfill_rows(results)),
        key=BACKFILL_KEY,
        description=f"Backfill of {len(results)} year(s)",
    )
