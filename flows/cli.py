"""The `prm` command line: a thin layer over the flows (contract section 6).

Every command exits 0 on success, or 1 with a one-line reason on stderr. Rejected rows are
not a failure: they are reported.
"""

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.cli_options import (
    Bucket,
    Db,
    EndpointUrl,
    NoUpload,
    OutDir,
    Prefix,
    Source,
    Year,
    one_line_errors,
)
from models.codes import ENTITIES, REASONS

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60")
# Prefect's console handlers: quiet unless --verbose (runs still log to the Prefect API/UI).
QUIET_CONSOLE = (
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_LEVEL",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_TASK_RUNS_LEVEL",
)

app = typer.Typer(
    help="prm: ITU-D partnerships & resource-mobilization reporting pipeline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
out = Console()
SHOW_REJECTIONS = 20


@app.callback()
def main_options(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show Prefect's run logs on the console.")
    ] = False,
) -> None:
    """prm: ITU-D partnerships & resource-mobilization reporting pipeline."""
    for name in QUIET_CONSOLE:
        if verbose:
            os.environ.pop(name, None)
        else:
            os.environ.setdefault(name, "CRITICAL")


def print_ingestion(result) -> None:
    """Read / loaded / rejected per entity, and the rejections by reason."""
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
        value = "" if row.value is None else f" = {row.value!r}"
        out.print(
            f"  {row.file} row {row.row}: {row.column}{value}: {row.reason} ({row.message})",
            markup=False,
            highlight=False,
        )
    if len(result.rejections) > SHOW_REJECTIONS:
        out.print(f"  ... and {len(result.rejections) - SHOW_REJECTIONS} more")


def write_rejections(result, path: Path | None) -> Path:
    """Write the ingestion's rejected rows to a CSV file and return its path."""
    from tasks.config import get_settings
    from tasks.report.tables import write_csv

    path = path or get_settings().data_dir / "rejections" / f"ingestion-{result.ingestion_id}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(result.rejections, path)
    return path


@app.command()
def ingest(
    source: Source,
    db: Db = None,
    rejections: Annotated[
        Path | None, typer.Option("--rejections", help="CSV file for the rejected rows.")
    ] = None,
    endpoint_url: EndpointUrl = None,
) -> None:
    """Ingest a folder or S3 prefix of partner-register exports."""
    from flows.ingest import ingest as ingest_flow

    if endpoint_url:  # an s3:// source reads its endpoint from the settings: the flag wins
        os.environ["PRM_S3_ENDPOINT_URL"] = endpoint_url
    with one_line_errors():
        result = ingest_flow(source, db)
        print_ingestion(result)
        path = write_rejections(result, rejections)
    out.print(f"Rejected rows written to {path}")


@app.command()
def report(
    year: Year,
    db: Db = None,
    out_dir: OutDir = None,
    no_upload: NoUpload = False,
    endpoint_url: EndpointUrl = None,
    bucket: Bucket = None,
    prefix: Prefix = None,
) -> None:
    """Write the report bundle of a year from the database (and publish it)."""
    from flows.report import report as report_flow
    from tasks.config import get_settings
    from tasks.storage.publish import publish_bundle

    with one_line_errors():
        written = report_flow(year=year, db_url=db, out=str(out_dir) if out_dir else None)
        out.print(f"Bundle written to {written.bundle_dir}")
        if not no_upload:
            settings = get_settings(
                s3_bucket=bucket, s3_prefix=prefix, s3_endpoint_url=endpoint_url
            )
            published = publish_bundle(
                written.bundle_dir, year=year, run_id=written.run_id, settings=settings
            )
            out.print(f"Published to {published.uri}")


@app.command()
def run(
    source: Source,
    year: Year,
    db: Db = None,
    out_dir: OutDir = None,
    no_upload: NoUpload = False,
    endpoint_url: EndpointUrl = None,
    bucket: Bucket = None,
    prefix: Prefix = None,
) -> None:
    """Ingest, aggregate, draw, write the bundle and publish it: the whole pipeline."""
    from flows.monthly import monthly_report

    with one_line_errors():
        summary = monthly_report(
            source=source,
            year=year,
            upload=not no_upload,
            bucket=bucket or "",
            prefix=prefix or "",
            endpoint_url=endpoint_url or "",
            db_url=db or "",
            out=str(out_dir) if out_dir else "",
        )
    if summary.report_reused:
        out.print(f"Input unchanged since run {summary.run_id}: its bundle is {summary.location}")
        return
    out.print(f"Run {summary.run_id}: bundle written to {summary.bundle_dir}")
    if summary.published:
        out.print(f"Published to {summary.published.uri}")


@db_app.command("upgrade")
def db_upgrade(db: Db = None) -> None:
    """Bring the database schema up to date (Alembic migrations)."""
    from models.db import current_revision, upgrade
    from tasks.config import get_settings

    url = get_settings(database_url=db).db_url()
    with one_line_errors():  # a wrong URL or an unreachable server: one line
        upgrade(url)
        out.print(f"Database at revision {current_revision(url)}")


def _register_commands() -> None:
    from flows import cli_ops, cli_prefect, cli_storage

    app.command("fetch")(cli_storage.fetch)
    app.command("runs")(cli_storage.runs)
    app.command("link")(cli_storage.link)
    app.command("deploy")(cli_prefect.deploy)
    app.command("serve")(cli_prefect.serve)
    app.command("worker")(cli_ops.worker)
    app.command("prune")(cli_ops.prune)


_register_commands()


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="prm")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
