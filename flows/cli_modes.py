"""How a `prm` command runs: in-process (the default) or as Prefect flow runs.

Without PREFECT_API_URL every command runs the plain pipeline in this process and never
imports Prefect: no temporary server, answers in seconds. With PREFECT_API_URL (or
`--prefect`), `prm run`, `prm ingest` and `prm report` run the flows, so the runs appear in
the Prefect UI. The last line of a command's output says which mode ran.

Before any work, the command checks what it will use (`tasks.checks`), then builds its
resources once and brings the schema up to date once.
"""

import gc
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tasks.config import Resources, Settings, database_engine, object_store

# Prefect's console handlers: quiet unless --verbose (runs still log to the Prefect API/UI).
QUIET_CONSOLE = (
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_FLOW_RUNS_LEVEL",
    "PREFECT_LOGGING_HANDLERS_CONSOLE_TASK_RUNS_LEVEL",
)
# For every Prefect process prm starts (the temporary server included): no usage data
# (DO_NOT_TRACK=1 is set whatever the environment says).
PREFECT_ENVIRONMENT = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "60",
}


def use_prefect(flag: bool) -> bool:
    """Whether to run the flows: `--prefect`, or a Prefect API configured in the environment."""
    return flag or bool(os.environ.get("PREFECT_API_URL"))


def prefect_environment(verbose: bool) -> None:
    """Set this process's environment for Prefect (inherited by a temporary server)."""
    os.environ["DO_NOT_TRACK"] = "1"
    for name, value in PREFECT_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    for name in QUIET_CONSOLE:
        if verbose:
            os.environ.pop(name, None)
        else:
            os.environ.setdefault(name, "CRITICAL")


@dataclass(frozen=True)
class Checks:
    """What a command will use, checked before any work in this order."""

    year: int | None = None
    source: str | None = None
    upload: bool = False
    database: bool = True
    existing_database: bool = False  # the command only reads: a missing database is refused
    upgrade: bool = True  # off when the flow run brings the schema up to date itself
    output_file: tuple[Path, str] | None = None  # (path, its option) written at the end
    output_folder: tuple[Path, str] | None = None  # (folder, its option) written into
    prefect_api: bool = False  # the command runs flows: the Prefect API answers and lets us in
    compare_to: str | None = None  # a bundle folder changes.json compares with


@contextmanager
def loading_libraries() -> Iterator[None]:
    """No garbage collection while a command loads its libraries; then what they loaded is
    frozen (`gc.freeze`), out of every later collection's way.

    Loading pandas, matplotlib, SQLAlchemy, reportlab, python-docx and the rest creates some
    200 k objects that live as long as the process. Collected as they come, they made the
    collector traverse them in several full collections during the imports and again in
    every full collection of the work: about 1.5 of the 5.3 CPU seconds of `prm run` on the
    sample (docs/benchmarks.md). The collection comes first instead, while the process is
    small (0.02 s): garbage made before, e.g. by a test calling the CLI, is freed rather
    than frozen; what loading itself drops (some 2 000 objects) stays, where collecting the
    200 k to find it would cost 0.2 s. Only the `prm` commands that run the pipeline do
    this: library code and long-running processes (worker, serve, flow runs) keep Python's
    defaults.
    """
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def prepare(settings: Settings, checks: Checks) -> Resources:
    """The command's resources, checked (each failure one line, in about a second), with the
    schema brought up to date. The checks that need no library come first, so a wrong year,
    folder or missing bucket is reported before pandas, SQLAlchemy or boto3 load."""
    from tasks import checks as check

    if checks.prefect_api:  # before Prefect is imported: it reads its logging settings once
        from flows.cli_options import options

        prefect_environment(options["verbose"])
    if checks.year is not None:
        check.check_year(checks.year)
    if checks.source is not None:
        check.check_folder(checks.source)
    if checks.output_file is not None:
        check.check_output_file(*checks.output_file)
    if checks.output_folder is not None:
        check.check_output_folder(*checks.output_folder)
    if checks.upload:
        check.check_bucket(settings.s3_bucket)
    if checks.compare_to is not None:
        check.check_compare_to(checks.compare_to, checks.year)
    store = object_store(settings)  # boto3 loads with the first call
    if checks.source is not None:
        check.check_source(checks.source, store)
    if checks.upload:
        check.check_credentials(store)
    if checks.prefect_api:
        from flows.prefect_api import api_url, check_credentials

        if api_url():  # else a temporary server is started for the run
            check_credentials()
    if checks.database:
        check.check_database_url(settings.db_url(), must_exist=checks.existing_database)
    engine = database_engine(settings)
    if checks.database:
        check.check_database(engine)
    if checks.upgrade:
        from models.db import upgrade

        upgrade(engine)
    return Resources(engine, store, settings.data_dir)


def run_flow(flow: Callable, database_url: str | None, verbose: bool, **parameters):
    """Run a flow in this process against the Prefect API; (its result, the mode line).

    A database URL from --db goes to the run through this process's environment
    (PRM_DATABASE_URL), never as a flow parameter: parameters are stored and shown by the
    Prefect UI, and the URL may hold a password.
    """
    prefect_environment(verbose)
    with database_in_environment(database_url):
        state = flow(**parameters, return_state=True)
    result = state.result()
    api = os.environ.get("PREFECT_API_URL") or "a temporary Prefect server"
    run_id = state.state_details.flow_run_id
    return result, f"Mode: Prefect (flow run {run_id} on {api})"


@contextmanager
def database_in_environment(database_url: str | None) -> Iterator[None]:
    """PRM_DATABASE_URL set to `database_url` (when given) for the duration, then restored."""
    before = os.environ.get("PRM_DATABASE_URL")
    if database_url:
        os.environ["PRM_DATABASE_URL"] = database_url
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("PRM_DATABASE_URL", None)
        else:
            os.environ["PRM_DATABASE_URL"] = before


IN_PROCESS = "Mode: in-process (no Prefect; set PREFECT_API_URL or pass --prefect for flow runs)"


def report_options(settings: Settings, year: int, allow_empty: bool):
    """How the command writes its report; the settings file is read now, so a bad one fails
    before any work."""
    from tasks.pipeline import ReportOptions

    options = ReportOptions(settings.report_settings, allow_empty)
    options.document(year)
    return options
