"""The `prm fetch`, `prm runs` and `prm link` commands: published bundles in object storage.

Plain typer command functions; the `prm` app registers them with `app.command("fetch")(fetch)`.
Storage flags win over PRM_S3_* environment variables. A user-facing error is printed as one
line on stderr and the command exits with status 1.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.cli_options import Bucket, EndpointUrl, Prefix, RunId, Year, one_line_errors
from tasks.config import get_settings
from tasks.durations import parse_duration
from tasks.errors import PrmError
from tasks.storage.keys import MAX_LINK_SECONDS

if TYPE_CHECKING:
    from tasks.storage.client import ObjectStore


def link_seconds(text: str) -> int:
    """Seconds in a link lifetime like `90s`, `30m`, `12h` or `7d` (a bare number is seconds);
    PrmError (one `prm:` line, exit 1) for anything else."""
    try:
        seconds = int(parse_duration(text).total_seconds())
    except ValueError as exc:
        raise PrmError(f"--expires: {exc}") from None
    if not 1 <= seconds <= MAX_LINK_SECONDS:
        raise PrmError(f"--expires {text!r}: a link can last from 1 second to 7 days")
    return seconds


def _store(endpoint_url: str | None, bucket: str | None, prefix: str | None) -> "ObjectStore":
    """The object store of the storage flags given on the command line, else of the env."""
    from tasks.storage.client import ObjectStore  # boto3 loads when a command needs it

    settings = get_settings(s3_endpoint_url=endpoint_url, s3_bucket=bucket, s3_prefix=prefix)
    return ObjectStore.from_settings(settings)


def fetch(
    year: Year,
    dest: Annotated[Path, typer.Option("--dest", help="Folder to download the bundle into.")],
    run: RunId = None,
    endpoint_url: EndpointUrl = None,
    bucket: Bucket = None,
    prefix: Prefix = None,
) -> None:
    """Download a published bundle and verify every file's size and SHA-256."""
    from tasks.storage.retrieve import fetch_bundle

    with one_line_errors():
        store = _store(endpoint_url, bucket, prefix)
        folder = fetch_bundle(year=year, run_id=run, dest=dest, store=store)
    typer.echo(f"{folder}: bundle downloaded, every file matches manifest.json")


def runs(
    year: Year,
    endpoint_url: EndpointUrl = None,
    bucket: Bucket = None,
    prefix: Prefix = None,
) -> None:
    """List the runs published for a year, with their headline figures."""
    from tasks.storage.retrieve import list_runs

    with one_line_errors():
        found = list_runs(year, _store(endpoint_url, bucket, prefix))
    if not found:
        typer.echo(f"no runs published for {year}")
        return
    table = Table(title=f"Published runs for {year}")
    for column in ("run id", "run time", "agreements signed", "financial USD", "status"):
        justify = "right" if column in ("agreements signed", "financial USD") else "left"
        table.add_column(column, justify=justify)
    for run in found:
        total = run.financial_usd_total
        status = "latest" if run.latest else ("complete" if run.complete else "incomplete")
        table.add_row(
            run.run_id,
            run.run_time or "-",
            "-" if run.agreements_signed is None else str(run.agreements_signed),
            f"{total:,.2f}" if isinstance(total, int | float) else str(total or "-"),
            status,
        )
    Console(width=120, markup=False, highlight=False).print(table)


def link(
    year: Year,
    file: Annotated[str, typer.Option("--file", help="Bundle file to link to.")] = "report.html",
    expires: Annotated[
        str, typer.Option("--expires", help="How long the link works: 30m, 12h, 7d (max).")
    ] = "7d",
    run: RunId = None,
    endpoint_url: EndpointUrl = None,
    bucket: Bucket = None,
    prefix: Prefix = None,
) -> None:
    """Print a presigned URL to one file of a published run."""
    from tasks.storage.retrieve import presign

    with one_line_errors():
        seconds = link_seconds(expires)
        store = _store(endpoint_url, bucket, prefix)
        url = presign(year, file=file, run_id=run, expires_seconds=seconds, store=store)
    typer.echo(url)
