"""One benchmark case: the whole pipeline, CSV to published bundle, on one backend and size.

Runs in a process of its own (started by `bench/run.py`), so its peak memory and its engine
cache are its own. Stages go through the plain functions the Prefect flows wire (no
orchestrator in the figures): read+parse+validate, load, aggregate, charts, documents,
publish; then the unchanged re-run as the monthly flow does it (fingerprint the source, find
the newest ingestion and the published run made from it, skip); then the run after 1 % of
the contributions changed (read to published again, only changed rows written).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tasks.report.bundle as bundle  # noqa: E402
from bench.generate import changed_copy  # noqa: E402
from bench.measure import Accumulator, Stage, stage  # noqa: E402
from models.db import upgrade  # noqa: E402
from tasks.config import get_settings  # noqa: E402
from tasks.ingest.load import known_keys, load  # noqa: E402
from tasks.ingest.read import read_source  # noqa: E402
from tasks.ingest.sources import open_source  # noqa: E402
from tasks.ingest.validate import validate  # noqa: E402
from tasks.report.aggregate import agreements_in_year, compute_metrics, rejections_of  # noqa: E402
from tasks.runs import code_version, new_run_id  # noqa: E402
from tasks.storage.publish import publish_bundle  # noqa: E402

YEAR = 2024
CHANGED_RERUN = "rerun (1 % changed)"


def _timed_charts() -> Accumulator:
    """Time chart drawing and rendering inside write_bundle (the rest is documents)."""
    charts = Accumulator()
    bundle.build_charts = charts.wrap(bundle.build_charts)
    bundle.render_png = charts.wrap(bundle.render_png)
    bundle.render_svg = charts.wrap(bundle.render_svg)
    return charts


def run_pipeline(source: Path, db_url: str, out_dir: Path, stages: list[Stage]) -> dict:
    """Every stage once, in order; returns facts about the run (rows, ids, bundle)."""
    upgrade(db_url)  # schema creation is set-up, not a stage
    with stage("read+parse+validate", stages):
        raw = read_source(open_source(str(source)))
        validated = validate(raw, known_keys(db_url))
    with stage("load", stages):
        result = load(validated, db_url)
    del raw, validated
    with stage("aggregate", stages):
        metrics = compute_metrics(db_url, YEAR, result.ingestion_id)
        agreements = agreements_in_year(db_url, YEAR)
        rejections = rejections_of(db_url, result.ingestion_id)
    run_id = new_run_id(result.fingerprint)
    parameters = {
        "year": YEAR,
        "source": str(source),
        "database": db_url.split(":", 1)[0].split("+", 1)[0],
        "run_id": run_id,
        "ingestion_id": result.ingestion_id,
    }
    charts = _timed_charts()
    with stage("documents", stages) as documents:
        bundle.write_bundle(
            out_dir,
            metrics=metrics,
            agreements=agreements,
            rejections=rejections,
            parameters=parameters,
            input_fingerprint=result.fingerprint,
            code_version=code_version(),
        )
    charts_stage = Stage("charts", charts.seconds, documents.peak_rss_mb)
    documents.seconds -= charts.seconds
    stages.insert(len(stages) - 1, charts_stage)
    with stage("publish", stages):
        published = publish_bundle(out_dir, year=YEAR, run_id=run_id, settings=get_settings())
    return {
        "read": result.read,
        "loaded": result.loaded,
        "rejected": result.rejected,
        "ingestion_id": result.ingestion_id,
        "fingerprint": result.fingerprint,
        "signed": metrics.agreements.signed,
        "financial_usd_total": metrics.financial_usd.total,
        "published": published.uri,
        "objects": published.uploaded,
    }


def unchanged_rerun(source: Path, db_url: str, facts: dict, stages: list[Stage]) -> dict:
    """The monthly flow's unchanged re-run through its plain functions: fingerprint, skip."""
    from flows.monthly import _published_match, source_fingerprint, unchanged_ingestion

    with stage("rerun (unchanged, skipped)", stages):
        fingerprint = source_fingerprint(str(source))
        reused = unchanged_ingestion.fn(db_url, fingerprint)
        published = None
        if reused is not None:
            published = _published_match(get_settings(), YEAR, fingerprint, reused)
    return {
        "rerun_skipped_ingestion": reused == facts["ingestion_id"],
        "rerun_reused_published": published is not None,
    }


def changed_rerun(source: Path, db_url: str, work: Path, stages: list[Stage]) -> dict:
    """The monthly run after the register changed a little: 1 % of the contributions get a new
    amount; everything is read, validated, upserted (only the changed rows are written),
    reported and published again. One stage: read to published."""
    changed = changed_copy(source, work / "changed-source")
    parts: list[Stage] = []
    facts = run_pipeline(changed, db_url, work / "changed-bundle", parts)
    total = Stage(CHANGED_RERUN, sum(part.seconds for part in parts))
    total.peak_rss_mb = max(part.peak_rss_mb for part in parts)
    total.extra = {"stages": {part.name: round(part.seconds, 4) for part in parts}}
    stages.append(total)
    return {"changed_rerun_ingestion": facts["ingestion_id"]}
