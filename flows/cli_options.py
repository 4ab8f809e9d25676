"""What every `prm` command shares: its options, and how a failure is reported.

Options that name a setting default to None, so that `tasks.config.Settings` reads the
PRM_* environment variable when the flag is not given (flags win).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import click
import typer

from tasks.errors import PrmError

INTERRUPTED = 130  # exit status after Ctrl-C, as a shell reports a process ended by SIGINT
FLAG = ""  # the metavar of an on/off flag: typer 0.29 would show `<bool>`, as if it took a value
# The app's own options, set by its callback before any command runs (flows/cli.py).
options = {"verbose": False}

Source = Annotated[str, typer.Option("--source", help="Folder or s3://bucket/prefix/ to read.")]
Year = Annotated[int, typer.Option("--year", help="Report year (calendar year of signed_on).")]
Db = Annotated[
    str | None,
    typer.Option("--db", help="SQLAlchemy URL (env PRM_DATABASE_URL; default embedded SQLite)."),
]
OutDir = Annotated[Path | None, typer.Option("--out", help="Write the bundle into this folder.")]
CompareTo = Annotated[
    Path | None,
    typer.Option(
        "--compare-to",
        help="Bundle folder of the same year changes.json compares with (default: the "
        "published latest run; none with --no-upload).",
    ),
]
NoUpload = Annotated[
    bool,
    typer.Option(
        "--no-upload", metavar=FLAG, help="Write the bundle locally only (the bucket is not read)."
    ),
]
AllowEmpty = Annotated[
    bool,
    typer.Option(
        "--allow-empty",
        metavar=FLAG,
        help="Write and publish a year with no signed agreement (else refused).",
    ),
]
ReportSettings = Annotated[
    Path | None,
    typer.Option(
        "--report-settings",
        help="TOML file over templates/report.toml: document number, date, meeting, contact "
        "(env PRM_REPORT_SETTINGS).",
    ),
]
EndpointUrl = Annotated[
    str | None,
    typer.Option("--endpoint-url", help="S3 endpoint URL (env PRM_S3_ENDPOINT_URL; empty = AWS)."),
]
UsePrefect = Annotated[
    bool,
    typer.Option(
        "--prefect",
        metavar=FLAG,
        help="Run the Prefect flows (the default when PREFECT_API_URL is set).",
    ),
]
RunId = Annotated[str | None, typer.Option("--run", help="Run id (default: the latest run).")]
Bucket = Annotated[str | None, typer.Option("--bucket", help="Bucket (env PRM_S3_BUCKET).")]
Prefix = Annotated[
    str | None, typer.Option("--prefix", help="Key prefix (env PRM_S3_PREFIX; default reports).")
]


@dataclass
class Interruption:
    """What a Ctrl-C at this point of a command leaves behind (None: nothing to add), kept up
    to date by the command and its progress display (flows/cli_progress.py)."""

    note: str | None = None


NOT_KEPT = "nothing of this ingestion was kept (it was rolled back)"


@contextmanager
def one_line_errors() -> Iterator[Interruption]:
    """Print any failure as one line on stderr (`prm: reason`) and exit with status 1.

    prm's own errors are meant for the user and print as they are; anything unexpected also
    names its type and points at --verbose. Ctrl-C exits 130 (the shell's convention for an
    interrupt) with `prm: interrupted` and what the interruption left, if the command said.
    """
    interruption = Interruption()
    try:
        yield interruption
    except KeyboardInterrupt:
        note = f": {interruption.note}" if interruption.note else ""
        typer.echo(f"prm: interrupted{note}", err=True)
        raise typer.Exit(INTERRUPTED) from None
    except (click.exceptions.Exit, click.ClickException):
        raise
    except Exception as exc:
        reason = " ".join(str(exc).split())
        if not isinstance(exc, PrmError):
            reason = f"{type(exc).__name__}: {reason} (run with --verbose for the full log)"
        typer.echo(f"prm: {reason or type(exc).__name__}", err=True)
        raise typer.Exit(1) from None
