"""`prm fetch`, `prm runs`, `prm link` and `prm index`: published bundles in object storage.

Plain typer command functions; the `prm` app registers them with `app.command("fetch")(fetch)`.
Storage flags win over PRM_S3_* environment variables. A user-facing error is printed as one
line on stderr and the command exits with status 1.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.cli_options import FLAG, Bucket, EndpointUrl, Prefix, RunId, Year, one_line_errors
from tasks.checks import check_output_folder
from tasks.config import get_settings
from tasks.durations import parse_duration
from tasks.errors import PrmError
from tasks.storage import keys as s3keys

if TYPE_CHECKING:
    from tasks.storage.client import ObjectStore

OptionalYear = Annotated[
    int | None, typer.Option("--year", help="Report year (default: every year).")
]


def link_seconds(text: str) -> int:
    """Seconds in a link lifetime like `90s`, `30m`, `12h` or `7d` (a bare number is seconds);
    PrmError (one `prm:` line, exit 1) for anything else."""
    try:
        seconds = int(parse_duration(text).total_seconds())
    except ValueError as exc:
        raise PrmError(f"--expires: {exc}") from None
    if not 1 <= seconds <= s3keys.MAX_LINK_SECONDS:
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
        check_output_folder(dest, "--dest")
        store = _store(endpoint_url, bucket, prefix)
        folder = fetch_bundle(year=year, run_id=run, dest=dest, store=store)
    typer.echo(f"{folder}: bundle downloaded, every file matches manifest.json")


def runs(
    year: OptionalYear = None,
    endpoint_url: EndpointUrl = None,
    bucket: Bucket = None,
    prefix: Prefix = None,
) -> None:
    """List the runs published for a year (every year without --year), with headline figures
    (a run that does not match its manifest.json is shown damaged, with the reason)."""
    from tasks.storage.retrieve import list_runs, list_years

    with one_line_errors():
        store = _store(endpoint_url, bucket, prefix)
        years = [year] if year else list_years(store)
        found = {y: list_runs(y, store) for y in years}
    if not any(found.values()):
        typer.echo(f"no runs published for {year}" if year else "no runs published")
        return
    console = Console(width=120, markup=False, highlight=False)
    for shown, listed in found.items():
        if listed:
            console.print(_runs_table(shown, listed))
        for run in listed:
            if run.problem:
                console.print(
                    f"{shown} run {run.run_id} does not match its manifest: {run.problem}",
                    soft_wrap=True,
                )


def _runs_table(year: int, found: list) -> Table:
    """One year's runs: id, time, headline figures and whether it is the latest; a run that
    does not match its manifest shows no figures, only what is wrong."""
    table = Table(title=f"Published runs for {year}")
    for column in ("run id", "run time", "agreements signed", "financial USD", "status"):
        justify = "right" if column in ("agreements signed", "financial USD") else "left"
        table.add_column(column, justify=justify)
    for run in found:
        total = run.financial_usd_total
        status = "latest" if run.latest else ("complete" if run.complete else "incomplete")
        if run.problem:
            status = "damaged (latest)" if run.latest else "damaged"
        table.add_row(
            run.run_id,
            run.run_time or "-",
            "-" if run.agreements_signed is None else str(run.agreements_signed),
            f"{total:,.2f}" if isinstance(total, int | float) else str(total or "-"),
            status,
        )
    return table


def index(
    endpoint_url: EndpointUrl = None,
    bucket: Bucket = None,
    prefix: Prefix = None,
) -> None:
    """Rebuild PREFIX/index.json and PREFIX/index.html from the runs the bucket holds."""
    from tasks.storage.client import require_bucket
    from tasks.storage.index import update_index

    with one_line_errors():
        store = _store(endpoint_url, bucket, prefix)
        require_bucket(store)
        changed = update_index(store)
    where = f"s3://{store.bucket}/{s3keys.index_key(store.prefix, s3keys.INDEX_HTML_NAME)}"
    typer.echo(f"{where}: {'rebuilt' if changed else 'already up to date'}")


# The index links to the runs by relative paths, which carry no signature (docs/decisions.md)
INDEX_LINK_NOTE = (
    "note: the index's links to the runs work where the prefix is readable without a "
    "signature (a public-read prefix or a signing proxy); on a private bucket open a run "
    "with `prm link --year YEAR [--run ID]`"
)


def link(
    year: Annotated[
        int | None, typer.Option("--year", help="Report year (required unless --index).")
    ] = None,
    file: Annotated[str, typer.Option("--file", help="Bundle file to link to.")] = "report.html",
    expires: Annotated[
        str, typer.Option("--expires", help="How long the link works: 30m, 12h, 7d (max).")
    ] = "7d",
    run: RunId = None,
    to_index: Annotated[
        bool,
        typer.Option(
            "--index", metavar=FLAG, help="Link the bucket's index.html instead of a run."
        ),
    ] = False,
    endpoint_url: EndpointUrl = None,
    bucket: Bucket = None,
    prefix: Prefix = None,
) -> None:
    """Print a presigned URL to one file of a published run, or to the index (--index)."""
    with one_line_errors():
        seconds = link_seconds(expires)
        if not to_index and year is None:
            raise PrmError("give --year (or --index for the index of every run)")
        from tasks.storage.retrieve import presign, presign_key  # boto3: after the checks

        store = _store(endpoint_url, bucket, prefix)
        if to_index:
            key = s3keys.index_key(store.prefix, s3keys.INDEX_HTML_NAME)
            url = presign_key(store, key, seconds)
            typer.echo(INDEX_LINK_NOTE, err=True)
        else:
            url = presign(year, file=file, run_id=run, expires_seconds=seconds, store=store)
    typer.echo(url)
