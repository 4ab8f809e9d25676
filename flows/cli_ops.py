"""`prm prune` and `prm worker`: keeping a team installation tidy and its worker running.

Plain typer command functions, registered on the app in flows/cli.py. `prune` lists what is
older than the limit and deletes it only with `--yes`; `worker` checks the Prefect API's
credentials before starting Prefect's process worker, so a wrong auth string is one line.
"""

import os
import sys
from typing import Annotated

import typer

from flows.cli_options import FLAG, Bucket, EndpointUrl, Prefix, one_line_errors
from tasks.config import get_settings
from tasks.errors import PrmError

OlderThan = Annotated[
    str, typer.Option("--older-than", help="Age limit: 90d, 12h, 2w... (s, m, h, d, w).")
]


def prune(
    older_than: OlderThan = "90d",
    yes: Annotated[
        bool, typer.Option("--yes", metavar=FLAG, help="Delete (default: only list).")
    ] = False,
    bucket_runs: Annotated[
        bool,
        typer.Option(
            "--bucket-runs", metavar=FLAG, help="Also published runs (each year's latest kept)."
        ),
    ] = False,
    endpoint_url: EndpointUrl = None,
    bucket: Bucket = None,
    prefix: Prefix = None,
) -> None:
    """List (and with --yes delete) flow runs, local bundles and published runs older than a limit.

    Prefect's flow runs are pruned when PREFECT_API_URL names a server.
    """
    from flows.prefect_api import check_credentials
    from flows.prune_plan import apply_plan, cutoff_for, make_plan

    with one_line_errors():
        try:
            cutoff = cutoff_for(older_than)
        except ValueError as exc:
            raise PrmError(f"--older-than: {exc}") from None
        settings = get_settings(s3_endpoint_url=endpoint_url, s3_bucket=bucket, s3_prefix=prefix)
        with_prefect = bool(os.environ.get("PREFECT_API_URL"))  # else Prefect is not used
        if with_prefect:
            check_credentials()
        plan = make_plan(cutoff, settings, with_prefect, bucket_runs)
        for line in plan.lines():
            typer.echo(line)
        done = apply_plan(plan, settings) if yes else ["dry run: nothing deleted (--yes deletes)"]
        for line in done:
            typer.echo(line)


def worker(
    pool: Annotated[str, typer.Option("--pool", help="Work pool to take runs from.")] = "process",
) -> None:
    """Start a Prefect process worker for prm's deployments (after checking the credentials)."""
    from flows.cli_modes import prefect_environment
    from flows.prefect_api import check_credentials

    prefect_environment(verbose=True)  # DO_NOT_TRACK=1, inherited by the worker and its runs
    with one_line_errors():
        check_credentials()
    command = [sys.executable, "-m", "prefect", "worker", "start", "--pool", pool]
    os.execv(sys.executable, [*command, "--type", "process"])
