"""`prm ingest`, `prm report` and `prm run`: the pipeline's commands.

Without PREFECT_API_URL each runs the plain pipeline in this process; with it (or
`--prefect`) it runs the flow of the same name (flows/cli_modes.py). Plain typer command
functions; the `prm` app registers them with `app.command("run")(run)`. Rejected rows are not a
failure: they are listed and written to a CSV.
"""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.cli_memory import keep_freed_memory
from flows.cli_modes import (
    IN_PROCESS,
    Checks,
    loading_libraries,
    prepare,
    report_options,
    run_flow,
    use_prefect,
)
from flows.cli_options import (
    NOT_KEPT,
    AllowEmpty,
    Bucket,
    CompareTo,
    Db,
    EndpointUrl,
    Interruption,
    NoUpload,
    OutDir,
    Prefix,
    ReportSettings,
    Source,
    UsePrefect,
    Year,
    one_line_errors,
    options,
)
from models.codes import ENTITIES, REASONS
from tasks.config import get_settings

# Paths, sources, names and values are the user's text: printed as they are, never read as
# rich markup (a folder named "[x]" would fail the command after its work was done).
out = Console(markup=False, highlight=False, soft_wrap=True)  # a path is never cut in two
SHOW_REJECTIONS = 20
SHOW_CHARS = 80  # of a rejected value: the whole of it is in the --rejections CSV


def print_ingestion(result) -> None:
    """Read / loaded / rejected per entity, and the rejections by reason (the first ones,
    each value cut to SHOW_CHARS, invisible characters escaped)."""
    from tasks.ingest.parse import shown

    table = Table(title=f"Ingestion {result.ingestion_id} of {result.source}")
    for column in ("entity", "read", "loaded", "rejected"):
        table.add_column(column, justify="left" if column == "entity" else "right")
    for entity in ENTITIES:
        table.add_row(
            entity,
            str(result.read[entity]),
            str(result.loaded[entity]),
            str(result.rejected[entity]),
        )
    out.print(table)
    reasons = result.reasons()
    if not reasons:
        return
    listed = ", ".join(f"{r} {reasons[r]}" for r in REASONS if r in reasons)
    out.print(f"Rejected rows by reason: {listed}")
    for row in result.rejections.head(SHOW_REJECTIONS).itertuples():
        value = "" if row.value is None else f" = '{shown(row.value, SHOW_CHARS)}'"
        where = f"{shown(row.file, SHOW_CHARS)} row {row.row}: {row.column}"
        out.print(f"  {where}{value}: {row.reason} ({row.message})", soft_wrap=True)
    if len(result.rejections) > SHOW_REJECTIONS:
        out.print(f"  ... and {len(result.rejections) - SHOW_REJECTIONS} more")


def write_rejections(result, resources, path: Path | None) -> Path:
    """Write the ingestion's rejected rows to a CSV file and return its path.

    The default name holds the database's identity and the ingestion id, so ingestions of
    two databases never overwrite each other's file.
    """
    from models.db import database_label
    from tasks.report.tables import write_csv

    name = f"{database_label(resources.engine)}-ingestion-{result.ingestion_id}.csv"
    path = path or resources.data_dir / "rejections" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(result.rejections, path)
    return path


def _read_ahead(source: str):
    """A folder's files read and parsed on a thread while the libraries load and the checks
    run (tasks.ingest.read_ahead); None for an s3:// source."""
    from tasks.ingest.read_ahead import read_ahead

    return read_ahead(source)


def ingest(
    source: Source,
    db: Db = None,
    rejections: Annotated[
        Path | None, typer.Option("--rejections", help="CSV file for the rejected rows.")
    ] = None,
    endpoint_url: EndpointUrl = None,
    prefect: UsePrefect = False,
) -> None:
    """Ingest a folder or S3 prefix of partner-register exports."""
    with one_line_errors() as interruption:
        interruption.note = NOT_KEPT
        settings = get_settings(database_url=db, s3_endpoint_url=endpoint_url)
        keep_freed_memory()  # freed blocks reused: flows/cli_memory.py
        flows = use_prefect(prefect)
        with loading_libraries():
            written = None if rejections is None else (rejections, "--rejections")
            ahead = None if flows else _read_ahead(source)
            checks = Checks(source=source, output_file=written, prefect_api=flows)
            resources = prepare(settings, checks)
            from tasks.pipeline import ingest_source
        if flows:
            from flows.ingest import ingest as ingest_flow

            result, mode = run_flow(
                ingest_flow, db, options["verbose"], source=source,
                endpoint_url=endpoint_url or "",
            )  # fmt: skip
        else:
            from flows.cli_progress import progress_display
            from tasks.ingest.sources import open_source

            with progress_display(out, interruption) as progress:
                opened = ahead or open_source(source, resources.store)
                result = ingest_source(opened, resources.engine, progress)
            mode = IN_PROCESS
        interruption.note = f"ingestion {result.ingestion_id} was kept (committed)"
        path = write_rejections(result, resources, rejections)  # first: nothing can stop it
        print_ingestion(result)
    out.print(f"Rejected rows written to {path}")
    out.print(mode, soft_wrap=True)


def report(
    year: Year,
    db: Db = None,
    out_dir: OutDir = None,
    no_upload: NoUpload = False,
    endpoint_url: EndpointUrl = None,
    bucket: Bucket = None,
    prefix: Prefix = None,
    compare_to: CompareTo = None,
    prefect: UsePrefect = False,
    allow_empty: AllowEmpty = False,
    report_settings: ReportSettings = None,
) -> None:
    """Write the report bundle of a year from the database (and publish it)."""
    with one_line_errors() as interruption:
        settings = get_settings(
            database_url=db, s3_bucket=bucket, s3_prefix=prefix, s3_endpoint_url=endpoint_url,
            report_settings=report_settings,
        )  # fmt: skip
        compared = compared_folder(compare_to)
        keep_freed_memory()  # freed blocks reused: flows/cli_memory.py
        with loading_libraries():
            checks = Checks(
                year=year, upload=not no_upload, existing_database=True,
                output_folder=out_folder(out_dir), prefect_api=use_prefect(prefect),
                compare_to=compared,
            )  # fmt: skip
            resources = prepare(settings, checks)
            written_as = report_options(settings, year, allow_empty)
            from tasks.pipeline import build_report, publish
            from tasks.storage.previous import NOT_UPLOADING, compared_location, compared_run

        store = resources.store
        location = compared_location(store, year, compared, not no_upload)
        not_compared = NOT_UPLOADING if no_upload and not location else None
        if use_prefect(prefect):
            from flows.report import report as report_flow

            written, mode = run_flow(
                report_flow, db, options["verbose"], year=year,
                out=str(out_dir) if out_dir else None, compare_to=location,
                not_compared=not_compared or "", endpoint_url=endpoint_url or "",
                allow_empty=allow_empty,
                report_settings=str(settings.report_settings or ""),
            )  # fmt: skip
        else:
            from flows.cli_progress import progress_display

            previous = compared_run(location, store, year, not_compared)
            with progress_display(out, interruption) as progress:
                written = build_report(
                    resources.engine, year, out_dir, data_dir=resources.data_dir,
                    progress=progress, previous=previous, options=written_as,
                )  # fmt: skip
            mode = IN_PROCESS
        out.print(f"Bundle written to {written.bundle_dir}")
        interruption.note = f"the bundle is in {written.bundle_dir}; nothing was published"
        print_changes(written.changes)
        if not no_upload:
            interruption.note = (
                f"the bundle is in {written.bundle_dir}; publishing was cut "
                "(latest.json moves only after every file is uploaded)"
            )
            published = publish(written.bundle_dir, year, written.run_id, resources.store)
            out.print(f"Published to {published.uri}")
    out.print(mode, soft_wrap=True)


def run(
    source: Source,
    year: Year,
    db: Db = None,
    out_dir: OutDir = None,
    no_upload: NoUpload = False,
    endpoint_url: EndpointUrl = None,
    bucket: Bucket = None,
    prefix: Prefix = None,
    compare_to: CompareTo = None,
    prefect: UsePrefect = False,
    allow_empty: AllowEmpty = False,
    report_settings: ReportSettings = None,
) -> None:
    """Ingest, aggregate, draw, write the bundle and publish it: the whole pipeline."""
    with one_line_errors() as interruption:
        interruption.note = NOT_KEPT
        settings = get_settings(
            database_url=db, s3_bucket=bucket, s3_prefix=prefix, s3_endpoint_url=endpoint_url,
            report_settings=report_settings,
        )  # fmt: skip
        flows = use_prefect(prefect)
        compared = compared_folder(compare_to)
        checks = Checks(
            year=year, source=source, upload=not no_upload, upgrade=not flows,
            output_folder=out_folder(out_dir), prefect_api=flows, compare_to=compared,
        )  # fmt: skip
        keep_freed_memory()  # freed blocks reused: flows/cli_memory.py
        with loading_libraries():
            resources = prepare(settings, checks)
            written_as = report_options(settings, year, allow_empty)
            from tasks import monthly  # noqa: F401  (loaded with the others: run_in_process)
        if flows:
            from flows.monthly import monthly_report

            summary, mode = run_flow(
                monthly_report, db, options["verbose"], source=source, year=year,
                upload=not no_upload, bucket=bucket or "", prefix=prefix or "",
                endpoint_url=endpoint_url or "", out=str(out_dir) if out_dir else "",
                compare_to=compared or "", allow_empty=allow_empty,
                report_settings=str(settings.report_settings or ""),
            )  # fmt: skip
        else:
            summary = run_in_process(
                resources, source, year, not no_upload, out_dir, compared, written_as, interruption
            )
            mode = IN_PROCESS
    if summary.report_reused:
        out.print(f"Input unchanged since run {summary.run_id}: its bundle is {summary.location}")
        if summary.bundle_dir:
            out.print(f"Published bundle copied to {summary.bundle_dir} (nothing published)")
    else:
        if summary.ingestion_reused:
            skipped = f"Input unchanged since ingestion {summary.ingestion_id}: not ingested again"
            out.print(skipped, soft_wrap=True)
        if summary.note:
            out.print(summary.note, soft_wrap=True)
        out.print(f"Run {summary.run_id}: bundle written to {summary.bundle_dir}")
        print_changes(summary.changes)
        if summary.published:
            out.print(f"Published to {summary.published.uri}")
    out.print(mode, soft_wrap=True)


def out_folder(out_dir: Path | None) -> tuple[Path, str] | None:
    """The `--out` folder as a check of `Checks` (None: the data folder's default)."""
    return None if out_dir is None else (out_dir, "--out")


def compared_folder(compare_to: Path | None) -> str | None:
    """The `--compare-to` bundle folder as an absolute path (`prepare` checks it before any
    work: `tasks.checks.check_compare_to`)."""
    return None if compare_to is None else str(compare_to.resolve())


def print_changes(changes: dict | None) -> None:
    """The one line of what changed since the previous run (or why nothing was compared)."""
    if changes:
        from tasks.report.changes import count_sentence

        out.print(count_sentence(changes), soft_wrap=True)


def run_in_process(
    resources,
    source: str,
    year: int,
    upload: bool,
    out_dir: Path | None,
    compare_to: str | None,
    written_as,
    interruption: Interruption,
):
    """The monthly run's steps as plain functions, with progress on the console
    (`written_as`: the report's options; `interruption` kept saying what Ctrl-C leaves)."""
    from flows.cli_progress import progress_display
    from tasks import monthly

    with progress_display(out, interruption) as progress:
        steps = monthly.plain_steps(
            resources.engine, resources.store, resources.data_dir, progress, written_as
        )
        data = monthly.ingest_unless_unchanged(steps, source, force=False)
        return monthly.report_and_publish(
            steps, year, data, upload=upload, out=out_dir, force=False, compare_to=compare_to
        )
