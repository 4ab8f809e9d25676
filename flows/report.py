"""The `report` flow: aggregate a year in SQL, draw the charts, write the bundle.

Reads like DEVELOPERS.md steps 2 and 3. The bundle folder is written locally; publishing
it is the monthly flow's last step.
"""

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from models.db import upgrade
from models.metrics import Metrics
from tasks.config import get_settings
from tasks.ingest.load import ingestion_fingerprint
from tasks.report.aggregate import agreements_in_year, compute_metrics, rejections_of
from tasks.report.bundle import write_bundle
from tasks.runs import code_version, default_report_year, new_run_id


@dataclass
class ReportData:
    """Everything the bundle is written from."""

    metrics: Metrics
    agreements: pd.DataFrame
    rejections: pd.DataFrame
    input_fingerprint: str


@dataclass
class ReportResult:
    """A written bundle: where it is, its run id, and its metrics."""

    bundle_dir: Path
    run_id: str
    year: int
    metrics: Metrics


@task(name="aggregate", cache_policy=NO_CACHE)
def aggregate(db_url: str, year: int, ingestion_id: int | None) -> ReportData:
    """Compute metrics.json, the year's agreements and the ingestion's rejections in SQL."""
    metrics = compute_metrics(db_url, year, ingestion_id)
    get_run_logger().info(
        "%d: %d agreements, USD %.2f", year, metrics.agreements.signed, metrics.financial_usd.total
    )
    ingestion = metrics.data_quality.ingestion_id
    return ReportData(
        metrics,
        agreements_in_year(db_url, year),
        rejections_of(db_url, ingestion),
        ingestion_fingerprint(db_url, ingestion),
    )


@task(name="write-bundle", cache_policy=NO_CACHE)
def write(out_dir: Path, data: ReportData, parameters: dict) -> Path:
    """Write charts, documents, tables, metrics.json and manifest.json into `out_dir`."""
    write_bundle(
        out_dir,
        metrics=data.metrics,
        agreements=data.agreements,
        rejections=data.rejections,
        parameters=parameters,
        input_fingerprint=data.input_fingerprint,
        code_version=code_version(),
    )
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
) -> ReportResult:
    """Write the report bundle of `year` (default: the year of the month that just ended)."""
    settings = get_settings()
    url = db_url or settings.db_url()
    upgrade(url)
    year = year or default_report_year()
    data = aggregate(url, year, ingestion_id)
    run_id = run_id or new_run_id(data.input_fingerprint)
    out_dir = Path(out) if out else settings.data_dir / "bundles" / str(year) / run_id
    parameters = {
        "year": year,
        "source": source,
        "database": url.split(":", 1)[0].split("+", 1)[0],
        "run_id": run_id,
        "ingestion_id": data.metrics.data_quality.ingestion_id,
    }
    write(out_dir, data, parameters)
    return ReportResult(out_dir.resolve(), run_id, year, data.metrics)
