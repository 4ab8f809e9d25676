"""`prm deploy` and `prm serve`: put the flows on a Prefect server (deployments/prefect.yaml).

`deploy` registers the deployments for a worker of the `process` work pool (production);
`serve` runs them in this one process (a single machine, no worker). Both use the Prefect
API at PREFECT_API_URL. Registered on the app in flows/cli.py.
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer
import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
PREFECT_FILE = PROJECT_DIR / "deployments" / "prefect.yaml"
ENTRYPOINTS = {"monthly-report": "monthly_report", "backfill": "backfill"}

Names = Annotated[
    list[str] | None,
    typer.Option("--name", "-n", help="Deployment to register (repeatable); default: all."),
]


def deployment_specs(prefect_file: Path = PREFECT_FILE) -> list[dict]:
    """The deployments listed in prefect.yaml."""
    return yaml.safe_load(prefect_file.read_text(encoding="utf-8"))["deployments"]


def ensure_work_pool(name: str, pool_type: str = "process") -> bool:
    """Create the work pool with its type's default job template; False when it exists."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
            return False
        except ObjectNotFound:
            template = ProcessWorker.get_default_base_job_template()
            client.create_work_pool(
                WorkPoolCreate(name=name, type=pool_type, base_job_template=template)
            )
            return True


def deploy_command(names: list[str]) -> list[str]:
    """The `prefect deploy` command line for these deployment names (all when empty)."""
    command = [sys.executable, "-m", "prefect", "--no-prompt", "deploy"]
    command += ["--prefect-file", str(PREFECT_FILE)]
    if names:
        for name in names:
            command += ["--name", name]
    else:
        command.append("--all")
    return command


def deploy(names: Names = None) -> None:
    """Register the deployments of deployments/prefect.yaml (work pool created if missing)."""
    specs = deployment_specs()
    known = {spec["name"] for spec in specs}
    unknown = sorted(set(names or []) - known)
    if unknown:
        typer.echo(f"prm: no deployment named {', '.join(unknown)} in {PREFECT_FILE}", err=True)
        raise typer.Exit(1)
    pools = {spec["work_pool"]["name"] for spec in specs if not names or spec["name"] in names}
    try:
        for pool in sorted(pools):
            if ensure_work_pool(pool):
                typer.echo(f"Work pool {pool!r} created (type process)")
    except Exception as exc:  # the API is unreachable or refuses: say so in one line
        typer.echo(f"prm: cannot reach the Prefect API to create the work pool: {exc}", err=True)
        raise typer.Exit(1) from None
    done = subprocess.run(deploy_command(names or []), cwd=PROJECT_DIR, check=False)
    if done.returncode != 0:
        typer.echo("prm: prefect deploy failed (see above)", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"Start a worker where the code is: PRM_PROJECT_DIR={PROJECT_DIR} "
        f"prefect worker start --pool {' / '.join(sorted(pools))}"
    )


def runner_deployments(specs: list[dict]) -> list:
    """The flows as runner deployments, with prefect.yaml's schedules and parameters."""
    from prefect.schedules import Cron

    from flows.backfill import backfill
    from flows.monthly import monthly_report

    flows = {"monthly_report": monthly_report, "backfill": backfill}
    deployments = []
    for spec in specs:
        flow = flows[spec["entrypoint"].rsplit(":", 1)[1]]
        schedules = [
            Cron(s["cron"], timezone=s.get("timezone", "UTC"), active=s.get("active", True))
            for s in spec.get("schedules") or []
        ]
        deployments.append(
            flow.to_deployment(
                name=spec["name"],
                description=spec.get("description"),
                tags=spec.get("tags"),
                parameters=spec.get("parameters") or {},
                schedules=schedules,
                concurrency_limit=spec.get("concurrency_limit"),
            )
        )
    return deployments


def serve() -> None:
    """Run the deployments in this process until stopped (single machine, no worker).

    Stopping it pauses the schedule: production uses `prm deploy` and a worker.
    """
    from prefect import serve as prefect_serve

    os.chdir(PROJECT_DIR)  # relative sources (data/sample) and var/ as with a worker
    prefect_serve(*runner_deployments(deployment_specs()))
