"""One benchmark case: the whole pipeline, CSV to published bundle, on one backend and size.

Runs in a process of its own (started by `bench/run.py`), so its peak memory and its engine
cache are its own. Stages go through the plain functions the Prefect flows wire (no
orchestrator in the figures, `tasks.pipeline`): read+parse+validate, load, aggregate,
charts, documents, publish; then the unchanged re-run as the monthly run does it
(`tasks.monthly`: fingerprint the source, find the newest ingestion and the published run
made from it, skip); then the run after 1 % of
the contributions changed (read to published again, only changed rows written).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tasks.report.bundle as bundle  # noqa: E402
from bench.generate import changed_copy  # noqa: E402
from bench.measure import Accumulator, Stage, stage  # noqa: E402
from models.db import get_engine, upgrade  # noqa: E402
from tasks import monthly, pipeline  # noqa: E402
from tasks.config import build_resources, get_settings  # noqa: E402
from tasks.ingest.read import source_fingerprint  # noqa: E402
from tasks.ingest.sources import open_source  # noqa: E402
from tasks.runs import new_run_id  # noqa: E402

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
    engine = get_engine(db_url)
    store = build_resources(get_settings()).store
    upgrade(engine)  # schema creation is set-up, not a stage
    with stage("read+parse+validate", stages):
        raw = pipeline.read(open_source(str(source), store))
        validated = pipeline.validate_rows(raw, engine)
    with stage("load", stages):
        result = pipeline.load_rows(validated, engine)
    del raw, validated
    with stage("aggregate", stages):
        data = pipeline.aggregate(engine, YEAR, result.ingestion_id)
    run_id = new_run_id(result.fingerprint)
    charts = _timed_charts()
    with stage("documents", stages) as documents:
        parameters = pipeline.bundle_parameters(engine, data, run_id, str(source))
        pipeline.write_report(out_dir, data, parameters)
    charts_stage = Stage("charts", charts.seconds, documents.peak_rss_mb)
    documents.seconds -= charts.seconds
    stages.insert(len(stages) - 1, charts_stage)
    with stage("publish", stages):
        published = pipeline.publish(out_dir, YEAR, run_id, store)
    return {
        "read": result.read,
        "loaded": result.loaded,
        "rejected": result.rejected,
        "ingestion_id": result.ingestion_id,
        "fingerprint": result.fingerprint,
        "signed": data.metrics.agreements.signed,
        "financial_usd_total": data.metrics.financial_usd.total,
        "published": published.uri,
        "objects": published.uploaded,
    }


def unchanged_rerun(source: Path, db_url: str, facts: dict, stages: list[Stage]) -> dict:
    """The monthly run's unchanged re-run through its plain functions: fingerprint, skip."""
    engine = get_engine(db_url)
    store = build_resources(get_settings()).store
    with stage("rerun (unchanged, skipped)", stages):
        fingerprint = source_fingerprint(open_source(str(source), store))
        reused = monthly.unchanged_ingestion(engine, fingerprint)
        published = None
        if reused is not None:
            published = monthly.published_run(store, YEAR, fingerprint, reused)
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
