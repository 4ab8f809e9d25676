"""The `prm` command line: a thin layer over the pipeline and the flows (contract section 6).

Without PREFECT_API_URL a command runs the pipeline in this process, without Prefect; with
it (or `--prefect`), `run`, `ingest` and `report` run the flows (flows/cli_modes.py).
Every command exits 0 on success, or 1 with a one-line reason on stderr (2 for a usage error,
as click does; 130 after Ctrl-C, saying what was kept). The commands live by
concept: the pipeline's in flows/cli_pipeline.py, published bundles' in flows/cli_storage.py,
Prefect's in flows/cli_prefect.py, the worker and retention in flows/cli_ops.py; this module
makes the app, its --verbose option and `prm db upgrade`, and registers the others.
"""

import sys
from typing import Annotated

import typer

from flows.cli_modes import Checks, prepare
from flows.cli_options import FLAG, Db, one_line_errors, options
from tasks.config import get_settings

app = typer.Typer(
    help="prm: ITU-D partnerships & resource-mobilization reporting pipeline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.callback()
def main_options(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", metavar=FLAG, help="Show Prefect's run logs on the console."
        ),
    ] = False,
) -> None:
    """prm: ITU-D partnerships & resource-mobilization reporting pipeline."""
    options["verbose"] = verbose


@db_app.command("upgrade")
def db_upgrade(db: Db = None) -> None:
    """Bring the database schema up to date (Alembic migrations)."""
    from models.db import current_revision

    with one_line_errors():  # a wrong URL or an unreachable server: one line
        resources = prepare(get_settings(database_url=db), Checks())
        typer.echo(f"Database at revision {current_revision(resources.engine)}")


def _register_commands() -> None:
    """The commands in the order `prm --help` lists them: the pipeline's first."""
    from flows import cli_ops, cli_pipeline, cli_prefect, cli_storage

    app.command("ingest")(cli_pipeline.ingest)
    app.command("report")(cli_pipeline.report)
    app.command("run")(cli_pipeline.run)
    app.command("fetch")(cli_storage.fetch)
    app.command("runs")(cli_storage.runs)
    app.command("link")(cli_storage.link)
    app.command("index")(cli_storage.index)
    app.command("deploy")(cli_prefect.deploy)
    app.command("serve")(cli_prefect.serve)
    app.command("worker")(cli_ops.worker)
    app.command("prune")(cli_ops.prune)


_register_commands()


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="prm")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
