"""The monthly run as plain code: ingest unless unchanged, then report and publish unless the
published run already holds this input's report.

Unchanged input skips work, decided from the records rather than a cache: the source's
fingerprint (SHA-256 of the files ingestion would read) is compared with the newest ingestion
in the database, and with the manifest of the run `latest.json` names. Same fingerprint as the
newest ingestion: nothing is ingested again (re-ingesting would change nothing). Same
fingerprint, ingestion and code version as the published run: nothing is rewritten or
uploaded. `force` does it all. The records live in prm's database and bucket, so this holds
across workers and machines, and cannot go stale the way a cache could.

The steps come in as `Steps`: `plain_steps` runs the pipeline's functions as they are (the
CLI); the Prefect flows hand in the same functions wrapped as tasks and sub-flows.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from models.metrics import Metrics
from models.tables import Ingestion
from tasks import pipeline
from tasks.ingest.load import IngestResult
from tasks.ingest.read import source_fingerprint
from tasks.ingest.sources import open_source
from tasks.report.document_settings import DocumentSettings
from tasks.runs import code_version
from tasks.storage.client import ObjectStore
from tasks.storage.previous import NOT_UPLOADING, compared_run, previous_location
from tasks.storage.publish import PublishResult
from tasks.storage.retrieve import fetch_bundle, published_content_problem, read_published


@dataclass(frozen=True)
class Input:
    """What a run reports on: the source, its fingerprint and the ingestion that loaded it."""

    source: str
    fingerprint: str
    ingestion_id: int
    reused: bool


@dataclass
class RunSummary:
    """What one run produced (`bundle_dir` is None when an earlier run is reused)."""

    run_id: str
    year: int
    bundle_dir: Path | None
    ingestion_id: int
    published: PublishResult | None
    location: str = ""
    ingestion_reused: bool = False
    report_reused: bool = False
    metrics: Metrics | None = None
    changes: dict | None = None
    note: str | None = None  # why a published run of the same input was not reused


@dataclass(frozen=True)
class PublishedRun:
    """The run `latest.json` names, with its metrics, when it was made from the same input."""

    published: PublishResult
    metrics: Metrics


@dataclass(frozen=True)
class DamagedRun:
    """The run `latest.json` names, which does not match its manifest: never reused."""

    run_id: str
    problem: str

    @property
    def note(self) -> str:
        """What the run says about it: it publishes anew, and why."""
        return (
            f"Published run {self.run_id} does not match its manifest ({self.problem}): "
            "not reused, this run publishes anew"
        )


@dataclass(frozen=True)
class Steps:
    """The steps of a run, each a plain function here or a Prefect task in a flow.

    fingerprint(source); unchanged_ingestion(fingerprint); ingest(source);
    published_run(year, fingerprint, ingestion_id); previous_location(year);
    report(year, ingestion_id, source, out, compare_to, not_compared);
    publish(bundle_dir, year, run_id); fetch(year, run_id, dest).
    """

    fingerprint: Callable[[str], str]
    unchanged_ingestion: Callable[[str], int | None]
    ingest: Callable[[str], IngestResult]
    published_run: Callable[[int, str, int], PublishedRun | DamagedRun | None]
    previous_location: Callable[[int], str | None]
    report: Callable[[int, int, str, Path | None, str | None, str | None], pipeline.ReportResult]
    publish: Callable[[Path, int, str], PublishResult]
    fetch: Callable[[int, str, Path], Path]


def unchanged_ingestion(engine: Engine, input_fingerprint: str) -> int | None:
    """The newest ingestion's id if it read exactly this input, else None."""
    table = Ingestion.__table__
    query = select(table.c.id, table.c.fingerprint).order_by(table.c.id.desc()).limit(1)
    with engine.connect() as connection:
        newest = connection.execute(query).first()
    if newest is None or newest.fingerprint != input_fingerprint:
        return None
    return int(newest.id)


def published_run(
    store: ObjectStore,
    year: int,
    input_fingerprint: str,
    ingestion_id: int,
    document: DocumentSettings | None = None,
) -> PublishedRun | None:
    """The published run of `year` if it was made from this fingerprint, ingestion and code
    (and with these document settings, when given: a changed contact or date is a new run);
    a DamagedRun when it does not match its manifest (it is then published anew)."""
    found = read_published(store, year)
    if found is None:
        return None
    if found.problem:
        return DamagedRun(str(found.pointer.get("run_id")), found.problem)
    made = found.manifest
    parameters = made.get("parameters") or {}
    same = (
        made.get("input_fingerprint") == input_fingerprint
        and made.get("code_version") == code_version()
        and parameters.get("ingestion_id") == ingestion_id
        and (document is None or parameters.get("document") == document.model_dump(mode="json"))
    )
    if not same:
        return None
    if problem := published_content_problem(store, found):  # reused: every byte checked
        return DamagedRun(str(found.pointer.get("run_id")), problem)
    pointer = found.pointer
    published = PublishResult(
        uri=pointer["uri"],
        key_prefix=found.key_prefix,
        run_id=pointer["run_id"],
        run_time=pointer["run_time"],
        manifest_sha256=pointer["manifest_sha256"],
        uploaded=0,
        skipped=len(made.get("files", [])) + 1,
        latest_updated=False,
        bucket_created=False,
    )
    return PublishedRun(published, Metrics.model_validate_json(found.metrics))


def plain_steps(
    engine: Engine,
    store: ObjectStore,
    data_dir: Path,
    progress: pipeline.Progress,
    options: pipeline.ReportOptions = pipeline.ReportOptions(),
) -> Steps:
    """The steps as plain functions over these resources (no orchestrator)."""

    def report(year: int, ingestion_id: int, source: str, out: Path | None, compare_to,
               not_compared):  # fmt: skip
        return pipeline.build_report(
            engine, year, out, data_dir=data_dir, ingestion_id=ingestion_id, source=source,
            progress=progress, previous=compared_run(compare_to, store, year, not_compared),
            options=options,
        )  # fmt: skip

    def earlier(year: int, fingerprint: str, ingestion_id: int) -> PublishedRun | None:
        return published_run(store, year, fingerprint, ingestion_id, options.document(year))

    return Steps(
        fingerprint=lambda source: source_fingerprint(open_source(source, store)),
        unchanged_ingestion=lambda fp: unchanged_ingestion(engine, fp),
        ingest=lambda source: pipeline.ingest_source(open_source(source, store), engine, progress),
        published_run=earlier,
        previous_location=lambda year: previous_location(store, year),
        report=report,
        publish=lambda bundle, year, run_id: pipeline.publish(
            bundle, year, run_id, store, progress
        ),
        fetch=lambda year, run_id, dest: fetch_bundle(
            year=year, run_id=run_id, dest=dest, store=store
        ),
    )


def ingest_unless_unchanged(steps: Steps, source: str, force: bool) -> Input:
    """Ingest the source unless its input is what the newest ingestion read."""
    input_fingerprint = steps.fingerprint(source)
    reused = None if force else steps.unchanged_ingestion(input_fingerprint)
    if reused is not None:
        return Input(source, input_fingerprint, reused, True)
    ingested = steps.ingest(source)
    return Input(source, ingested.fingerprint, ingested.ingestion_id, False)


def report_and_publish(
    steps: Steps,
    year: int,
    data: Input,
    *,
    upload: bool,
    out: Path | None,
    force: bool,
    compare_to: str | None = None,
) -> RunSummary:
    """Write the year's bundle and publish it, or reuse the published run of the same input.

    Reused with `out`, the published bundle is fetched into `out` (checked against its
    manifest): the folder gets the run the bucket holds, and no duplicate is published.
    changes.json compares with `compare_to` (a bundle folder), else, when uploading, with the
    run the year's latest.json names before this run publishes; without uploading no bucket
    is read and changes.json says so. A published run that does not match its manifest is
    neither reused nor compared with: the run publishes anew and `note` says why.
    """
    note = None
    if upload and not force:
        earlier = steps.published_run(year, data.fingerprint, data.ingestion_id)
        if isinstance(earlier, DamagedRun):
            note, earlier = earlier.note, None
        if earlier is not None:
            run_id = earlier.published.run_id
            copied = steps.fetch(year, run_id, out) if out is not None else None
            return RunSummary(
                run_id=run_id,
                year=year,
                bundle_dir=copied,
                ingestion_id=data.ingestion_id,
                published=earlier.published,
                location=earlier.published.uri,
                ingestion_reused=data.reused,
                report_reused=True,
                metrics=earlier.metrics,
            )
    previous = compare_to or (steps.previous_location(year) if upload else None)
    not_compared = None if previous or upload else NOT_UPLOADING
    written = steps.report(year, data.ingestion_id, data.source, out, previous, not_compared)
    published = steps.publish(written.bundle_dir, year, written.run_id) if upload else None
    return RunSummary(
        run_id=written.run_id,
        year=year,
        bundle_dir=written.bundle_dir,
        ingestion_id=data.ingestion_id,
        published=published,
        location=published.uri if published else written.bundle_dir.as_uri(),
        ingestion_reused=data.reused,
        metrics=written.metrics,
        changes=written.changes,
        note=note,
    )
