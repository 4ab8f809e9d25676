"""The pipeline without orchestration: ingest a source, build a year's report, publish it.

`ingest_source`, `build_report` and `publish` are what `prm` runs in-process; the Prefect
flows (flows/) wire the very same step functions as tasks, and the benchmark times them.
Resources come in built (an engine, an object store, an open source): nothing here reads
settings. Progress is reported through a callback, so the computing code stays silent.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy import Engine

from models.codes import ENTITIES
from models.metrics import Metrics
from tasks.checks import check_not_empty
from tasks.errors import StorageError
from tasks.ingest.known import known_keys
from tasks.ingest.load import IngestResult, load
from tasks.ingest.overlap import validate_and_load
from tasks.ingest.read import RawRecords, read_source
from tasks.ingest.read_ahead import ReadAhead
from tasks.ingest.sources import Source, SourceFile, input_files
from tasks.ingest.validate import Validated, validate
from tasks.report.aggregate import (
    agreements_in_year,
    compute_metrics,
    ingestion_fingerprint,
    rejections_of,
    snapshot,
)
from tasks.report.changes import CHANGES_NAME, NotCompared, PreviousRun
from tasks.report.document_settings import DocumentSettings, load_document_settings
from tasks.runs import code_version, new_run_id

if TYPE_CHECKING:  # the writers and the store load when a report is written or published:
    # `prm ingest` never imports matplotlib, the document libraries or boto3 (~0.6 s)
    from tasks.storage.client import ObjectStore
    from tasks.storage.publish import PublishResult

# progress(stage, done, total, detail): stage is read, validate, load, charts, documents or
# upload; total 0 = not known in advance.
Progress = Callable[[str, int, int, str], None]


def no_progress(stage: str, done: int, total: int, detail: str = "") -> None:
    """A progress callback that shows nothing."""


@dataclass(frozen=True)
class _CountingSource:
    """A source that reports the files and bytes read through it (for `read`'s progress)."""

    inner: Source
    files: tuple[SourceFile, ...]
    progress: Progress

    @property
    def uri(self) -> str:
        return self.inner.uri

    def list_files(self) -> list[SourceFile]:
        return self.inner.list_files()

    def read_bytes(self, name: str) -> bytes:
        content = self.inner.read_bytes(name)
        done = [f for f in self.files if f.name <= name]
        total = sum(f.size for f in self.files)
        detail = f"{len(done)}/{len(self.files)} file(s), {name}"
        self.progress("read", sum(f.size for f in done), total, detail)
        return content


def read(source: Source, progress: Progress = no_progress) -> RawRecords:
    """Read every matching file of the source into text tables (progress in bytes); a
    `ReadAhead` source's CSV files are parsed already."""
    parsed = source.arrow_table if isinstance(source, ReadAhead) else None
    if progress is not no_progress:
        source = _CountingSource(source, tuple(input_files(source)), progress)
    return read_source(source, parsed)


def validate_rows(raw: RawRecords, engine: Engine, progress: Progress = no_progress) -> Validated:
    """Split rows into loadable and rejected, resolving references against the database."""
    validated = validate(raw, known_keys(engine))
    _validated_progress(raw, validated, progress)
    return validated


def _validated_progress(raw: RawRecords, validated: Validated, progress: Progress) -> None:
    rows = sum(len(raw.tables[entity]) for entity in ENTITIES)
    rejected = sum(len(frame) for frame in validated.rejected.values())
    progress("validate", rows, rows, f"{rejected} rejected")


def _loaded_progress(result: IngestResult, progress: Progress) -> None:
    rows = sum(result.loaded.values())
    progress("load", rows, rows, f"ingestion {result.ingestion_id}")


def load_rows(
    validated: Validated, engine: Engine, progress: Progress = no_progress
) -> IngestResult:
    """Upsert the valid rows and record the ingestion and its rejections (one transaction)."""
    rows = sum(len(validated.rows[entity]) for entity in ENTITIES)
    progress("load", 0, rows, "")
    result = load(validated, engine)
    _loaded_progress(result, progress)
    return result


def ingest_source(source: Source, engine: Engine, progress: Progress = no_progress) -> IngestResult:
    """Read, validate and load every matching file of `source` into the database (the
    parents loaded while the contributions are validated: `tasks.ingest.overlap`)."""
    raw = read(source, progress)
    rows = sum(len(raw.tables[entity]) for entity in ENTITIES)
    progress("validate", 0, rows, "")
    validated, result = validate_and_load(raw, engine)
    _validated_progress(raw, validated, progress)
    _loaded_progress(result, progress)
    return result


@dataclass
class ReportData:
    """Everything a bundle is written from, read from one snapshot of the database."""

    metrics: Metrics
    agreements: pd.DataFrame
    rejections: pd.DataFrame
    input_fingerprint: str


@dataclass
class ReportResult:
    """A written bundle: where it is, its run id, its metrics and what changed since the
    previous run (changes.json)."""

    bundle_dir: Path
    run_id: str
    year: int
    metrics: Metrics
    changes: dict | None = None


def aggregate(engine: Engine, year: int, ingestion_id: int | None) -> ReportData:
    """metrics.json, the year's agreements and the ingestion's rejections, in one snapshot."""
    with snapshot(engine) as connection:
        metrics = compute_metrics(connection, year, ingestion_id)
        described = metrics.data_quality.ingestion_id
        return ReportData(
            metrics,
            agreements_in_year(connection, year),
            rejections_of(connection, described),
            ingestion_fingerprint(connection, described),
        )


@dataclass(frozen=True)
class ReportOptions:
    """How a year's report is written: a TOML file with the document's own settings (over
    templates/report.toml; None = the repository's), and whether a year without agreements
    is written at all."""

    report_settings: Path | None = None
    allow_empty: bool = False

    def document(self, year: int) -> DocumentSettings:
        """The TDAG document's settings for `year` (one clear error for a bad file)."""
        return load_document_settings(year, self.report_settings)


def bundle_parameters(
    engine: Engine,
    data: ReportData,
    run_id: str,
    source: str | None,
    document: DocumentSettings | None = None,
) -> dict[str, object]:
    """The run's parameters as manifest.json records them (the database by kind only), with
    the document settings the TDAG documents were written with."""
    document = document or load_document_settings(data.metrics.year)
    return {
        "year": data.metrics.year,
        "source": source,
        "database": engine.dialect.name,
        "run_id": run_id,
        "ingestion_id": data.metrics.data_quality.ingestion_id,
        "document": document.model_dump(mode="json"),
    }


def write_report(
    out_dir: Path,
    data: ReportData,
    parameters: dict,
    progress: Progress = no_progress,
    previous: PreviousRun | NotCompared | None = None,
    document: DocumentSettings | None = None,
) -> Path:
    """Write charts, documents, tables, metrics.json, changes.json (since `previous`) and
    manifest.json into `out_dir` (`document`: None = templates/report.toml's settings)."""
    counts = {"charts": 0, "documents": 0}

    def on_file(path: str) -> None:
        stage = "charts" if path.startswith("charts/") else "documents"
        counts[stage] += 1
        progress(stage, counts[stage], 0, path)

    from tasks.report.bundle import write_bundle

    return write_bundle(
        out_dir,
        metrics=data.metrics,
        agreements=data.agreements,
        rejections=data.rejections,
        parameters=parameters,
        input_fingerprint=data.input_fingerprint,
        code_version=code_version(),
        on_file=on_file,
        previous=previous,
        document=document,
    )


def read_changes(bundle: Path) -> dict:
    """The changes.json of a written bundle."""
    return json.loads((bundle / CHANGES_NAME).read_text(encoding="utf-8"))


def bundle_dir(data_dir: Path, year: int, run_id: str) -> Path:
    """Where a bundle goes when no folder is given: `<data dir>/bundles/<year>/<run id>`."""
    return data_dir / "bundles" / str(year) / run_id


def build_report(
    engine: Engine,
    year: int,
    out_dir: Path | None,
    *,
    data_dir: Path,
    ingestion_id: int | None = None,
    source: str | None = None,
    progress: Progress = no_progress,
    previous: PreviousRun | NotCompared | None = None,
    options: ReportOptions = ReportOptions(),
) -> ReportResult:
    """Aggregate `year` and write its bundle into `out_dir` (default: under `data_dir`),
    with what changed since `previous` (the run compared with; None = no earlier run;
    NotCompared = why it is not compared).

    Raises:
        PrmError: the document settings are invalid, or the year has no signed agreement
            and `options.allow_empty` is off (nothing is written then).
    """
    document = options.document(year)
    data = aggregate(engine, year, ingestion_id)
    check_not_empty(data.metrics, options.allow_empty)
    run_id = new_run_id(data.input_fingerprint)
    out = out_dir or bundle_dir(data_dir, year, run_id)
    parameters = bundle_parameters(engine, data, run_id, source, document)
    write_report(out, data, parameters, progress, previous, document)
    return ReportResult(out.resolve(), run_id, year, data.metrics, read_changes(out))


def publish(
    bundle: Path, year: int, run_id: str, store: "ObjectStore", progress: Progress = no_progress
) -> "PublishResult":
    """Upload the bundle under its run id, move `latest.json` to it once verified, then
    rewrite the bucket's index (index.json, index.html)."""
    from tasks.storage.index import update_index
    from tasks.storage.publish import publish_bundle

    done: list[str] = []

    def on_uploaded(path: str) -> None:
        done.append(path)
        progress("upload", len(done), 0, path)

    result = publish_bundle(bundle, year=year, run_id=run_id, store=store, on_uploaded=on_uploaded)
    try:
        updated = update_index(store)
    except StorageError as exc:
        failed = StorageError(
            f"{result.uri} is published, but the index was not updated ({exc}): "
            "publish again or run `prm index`"
        )
        failed.retryable = getattr(exc, "retryable", False)
        raise failed from None
    progress("upload", len(done), 0, "index.html" if updated else "index unchanged")
    return replace(result, index_updated=updated)
