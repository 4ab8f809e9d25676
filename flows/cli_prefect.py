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
from urllib.parse import urlsplit

import typer
import yaml

from flows.cli_modes import prefect_environment
from flows.cli_options import one_line_errors

PROJECT_DIR = Path(__file__).resolve().parent.parent
PREFECT_FILE = PROJECT_DIR / "deployments" / "prefect.yaml"
FLOW_NAMES = {"monthly_report": "monthly-report", "backfill": "backfill", "prune": "prune"}

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


def settings_lines(specs: list[dict]) -> list[str]:
    """The settings a deployment's runs get, as `prm deploy` prints them (never a secret)."""
    from flows.prefect_api import api_url
    from tasks.config import get_settings
    from tasks.storage.client import ObjectStore

    settings = get_settings()
    auth = "set" if os.environ.get("PREFECT_API_AUTH_STRING") else "not set"
    webhook = urlsplit(os.environ.get("PRM_ALERT_WEBHOOK_URL", ""))
    lines = [
        f"Prefect API: {api_url() or '(PREFECT_API_URL unset)'} (PREFECT_API_AUTH_STRING {auth})",
        f"Project folder for the worker: {PROJECT_DIR} (unless PRM_PROJECT_DIR is set there)",
        "Defaults the runs take from the worker's environment (here, in this shell):",
        f"  source: {settings.source} (PRM_SOURCE)",
        f"  bucket: {settings.s3_bucket or '(unset)'} (PRM_S3_BUCKET), "
        f"prefix: {settings.s3_prefix} (PRM_S3_PREFIX)",
        f"  S3 endpoint: {ObjectStore.from_settings(settings).label} (PRM_S3_ENDPOINT_URL)",
        f"  database: {'PRM_DATABASE_URL' if settings.database_url else 'SQLite in PRM_DATA_DIR'}",
        f"Alerts: {webhook.scheme}://{webhook.hostname}" if webhook.hostname else "Alerts: off",
    ]
    for spec in specs:
        active = [s["cron"] for s in spec.get("schedules") or [] if s.get("active", True)]
        when = ", ".join(active) or "no active schedule"
        lines.append(f"Deployment {spec['name']}: {when}, pool {spec['work_pool']['name']}")
    return lines


def deploy(names: Names = None) -> None:
    """Register the deployments of deployments/prefect.yaml and their automations."""
    from flows.alerts import ensure_automations
    from flows.prefect_api import check_credentials

    specs = deployment_specs()
    known = {spec["name"] for spec in specs}
    unknown = sorted(set(names or []) - known)
    if unknown:
        typer.echo(f"prm: no deployment named {', '.join(unknown)} in {PREFECT_FILE}", err=True)
        raise typer.Exit(1)
    chosen = [spec for spec in specs if not names or spec["name"] in names]
    prefect_environment(verbose=True)
    with one_line_errors():
        check_credentials()
        for pool in sorted({spec["work_pool"]["name"] for spec in chosen}):
            if ensure_work_pool(pool):
                typer.echo(f"Work pool {pool!r} created (type process)")
    env = dict(os.environ, PRM_DEPLOYED_FROM=str(PROJECT_DIR))
    done = subprocess.run(deploy_command(names or []), cwd=PROJECT_DIR, env=env, check=False)
    if done.returncode != 0:
        typer.echo("prm: prefect deploy failed (see above)", err=True)
        raise typer.Exit(1)
    full_names = [f"{flow_name(spec)}/{spec['name']}" for spec in specs]
    with one_line_errors():
        lines = ensure_automations(full_names, os.environ.get("PRM_ALERT_WEBHOOK_URL", ""))
    for line in [*lines, *settings_lines(chosen)]:
        typer.echo(line)
    typer.echo(f"Start a worker in {PROJECT_DIR}: prm worker --pool process")


def flow_name(spec: dict) -> str:
    """The Prefect flow name of a deployment (the `@flow(name=...)` of its entrypoint)."""
    return FLOW_NAMES[spec["entrypoint"].rsplit(":", 1)[1]]


def runner_deployments(specs: list[dict]) -> list:
    """The flows as runner deployments, with prefect.yaml's schedules and parameters."""
    from prefect.schedules import Cron

    from flows.backfill import backfill
    from flows.monthly import monthly_report
    from flows.prune import prune

    flows = {"monthly_report": monthly_report, "backfill": backfill, "prune": prune}
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
    prefect_environment(verbose=True)
    from prefect import serve as prefect_serve

    os.chdir(PROJECT_DIR)  # relative sources (data/sample) and var/ as with a worker
    prefect_serve(*runner_deployments(deployment_specs()))
