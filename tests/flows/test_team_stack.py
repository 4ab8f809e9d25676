"""The team stack end to end: Prefect on PostgreSQL behind a login, two workers, alerts, a
worker killed mid-load, one run at a time. Every process runs on 127.0.0.1 (tests/flows/
team_stack.py starts them); infra/compose.yaml is checked to use the same settings.
"""

import os
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import pytest
import yaml

from flows.alerts import ALERT_AUTOMATION, ZOMBIE_AUTOMATION
from tests.conftest import PG_ADMIN_DSN
from tests.flows.helpers import write_tiny_source
from tests.flows.processes import (
    FINAL,
    free_port,
    healthy,
    prefect_env,
    run_like_the_ui,
    stop,
    wait_until,
)
from tests.flows.team_stack import (
    PREFECT,
    PRM,
    PROJECT_DIR,
    SERVER_SETTINGS,
    WORKER_COMMAND,
    WORKER_SETTINGS,
    WORKERS,
    PgDatabases,
    Receiver,
    api,
    auth_header,
    parent_of,
    run_prm,
)

pytestmark = pytest.mark.e2e
BIG_CONTRIBUTIONS = 200_000
REFUSED = "prm: the Prefect API refused the credentials\n"
ACTION_FAILED = "prefect.automation.action.failed"
SLOT_WAIT_SECONDS = "10"  # a queued run tries again for the slot this often (Prefect: 30)


@dataclass
class Stack:
    """The running stack: where its API is, its credentials, its databases and processes."""

    api_url: str
    auth: str
    work: Path
    pg: PgDatabases
    s3: object
    worker_env: dict[str, str]
    receiver: Receiver
    workers: list[subprocess.Popen]
    deploy_output: str

    def client(self) -> httpx.Client:
        return api(self.api_url, self.auth)

    def start_worker(self) -> None:
        log = (self.work / f"worker-{len(self.workers)}.log").open("w")
        command = [PRM, *WORKER_COMMAND.split()[1:]]
        self.workers.append(
            subprocess.Popen(command, env=self.worker_env, cwd=self.work, stdout=log, stderr=log)
        )


def start_server(work: Path, env: dict[str, str], api_url: str) -> subprocess.Popen:
    """`prefect server start` on the API URL's port; returns once it answers /health."""
    port = api_url.rsplit(":", 1)[1].split("/")[0]
    command = [PREFECT, "server", "start", "--host", "127.0.0.1"]
    log = (work / "server.log").open("w")
    server = subprocess.Popen([*command, "--port", port], env=env, stdout=log, stderr=log)
    wait_until(lambda: server.poll() is not None or healthy(api_url), 120, "the server")
    assert server.poll() is None, (work / "server.log").read_text()[-3000:]
    return server


@pytest.fixture(scope="module")
def stack(tmp_path_factory, s3_server):
    """PostgreSQL databases, the server behind an auth string, `prm deploy`, two workers."""
    work = tmp_path_factory.mktemp("team")
    pg = PgDatabases(PG_ADMIN_DSN).create("prefect", "prm")
    receiver, auth, port = Receiver(), f"prm-team:{uuid.uuid4().hex}", free_port()
    api_url, home = f"http://127.0.0.1:{port}/api", work / "prefect-home"
    server_env = prefect_env(home) | {
        "PREFECT_API_DATABASE_CONNECTION_URL": pg.url("prefect", "asyncpg"),
        "PREFECT_SERVER_API_AUTH_STRING": auth,
        "PREFECT_UI_URL": api_url.removesuffix("/api"),
        "PREFECT_UI_API_URL": api_url,
        "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": SLOT_WAIT_SECONDS,
        "PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED": "events,orphans",  # logs of pruned runs
    }
    worker_env = (
        prefect_env(home, api_url)
        | {
            "PREFECT_API_AUTH_STRING": auth,
            "PREFECT_WORKER_QUERY_SECONDS": "1",  # the test's only speed-up: poll every second
            "PRM_DATABASE_URL": pg.url("prm", "psycopg"),
            "PRM_DATA_DIR": str(work / "var"),
            "PRM_S3_ENDPOINT_URL": s3_server.endpoint_url,
            "PRM_S3_BUCKET": f"prm-team-{uuid.uuid4().hex[:12]}",
            "PRM_S3_PREFIX": "team",
            "PRM_ALERT_WEBHOOK_URL": receiver.url,
            "AWS_ACCESS_KEY_ID": s3_server.access_key,
            "AWS_SECRET_ACCESS_KEY": s3_server.secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    worker_env.pop("PRM_PROJECT_DIR", None)  # the folder `prm deploy` ran from is the default
    server = start_server(work, server_env, api_url)
    stack = Stack(api_url, auth, work, pg, s3_server, worker_env, receiver, [], "")
    try:
        deployed = run_prm(["deploy"], worker_env, cwd=PROJECT_DIR)
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        stack.deploy_output = deployed.stdout
        for _ in range(WORKERS):
            stack.start_worker()
        yield stack
    finally:
        for _ in range(2):  # a worker lets its runs finish on the first Ctrl-C
            for worker in stack.workers:
                if worker.poll() is None:
                    worker.send_signal(signal.SIGINT)
            time.sleep(1)
        for worker in stack.workers:
            stop(worker, signals=0)
        stop(server)
        receiver.close()
        pg.drop()


def deployment_id(stack: Stack, name: str = "monthly-report") -> str:
    with stack.client() as client:
        return client.get(f"/deployments/name/{name}/{name}").raise_for_status().json()["id"]


def start_run(stack: Stack, parameters: dict) -> str:
    """A flow run of monthly-report created as the UI's Custom run does."""
    with stack.client() as client:
        return run_like_the_ui(client, deployment_id(stack), parameters)


def final_state(stack: Stack, flow_run_id: str, timeout: float = 180) -> dict:
    """The flow run once it is in a final state."""

    def finished() -> dict | None:
        with stack.client() as client:
            run = client.get(f"/flow_runs/{flow_run_id}").json()
        return run if run["state"]["type"] in FINAL else None

    return wait_until(finished, timeout, f"flow run {flow_run_id}", every=1)


def latest(stack: Stack) -> dict:
    """The published `latest.json` of 2024 (the year every run here reports)."""
    import json

    body = stack.s3.client().get_object(
        Bucket=stack.worker_env["PRM_S3_BUCKET"], Key="team/2024/latest.json"
    )["Body"]
    return json.loads(body.read())


def bundle_run_id(stack: Stack, flow_run_id: str) -> str:
    """The bundle run id a flow run published (its `report-bundle` link's text: the folder)."""
    with stack.client() as client:
        found = client.post(
            "/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}}
        ).json()
    (link,) = [a["data"] for a in found if a["key"] == "report-bundle"]
    return link.split("](", 1)[0].rstrip("/").rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def published(stack: Stack, tmp_path_factory) -> dict:
    """One completed run of the tiny source for 2024 (custom parameters, as from the UI)."""
    source = write_tiny_source(tmp_path_factory.mktemp("tiny"))
    run = final_state(stack, start_run(stack, {"source": str(source), "year": 2024}))
    assert run["state"]["type"] == "COMPLETED", run["state"]
    return run | {"source": str(source)}


def test_the_api_refuses_requests_without_the_credentials(stack):
    assert httpx.get(f"{stack.api_url}/health").status_code == 200  # probes stay open
    assert httpx.post(f"{stack.api_url}/flows/filter", json={}).status_code == 401
    wrong = auth_header("prm-team:not-the-secret")
    assert httpx.post(f"{stack.api_url}/flows/filter", json={}, headers=wrong).status_code == 401
    with stack.client() as client:
        assert client.post("/flows/filter", json={}).status_code == 200


def test_a_wrong_auth_string_is_one_line_from_deploy_and_the_worker(stack):
    env = stack.worker_env | {"PREFECT_API_AUTH_STRING": "prm-team:not-the-secret"}
    commands = [[PRM, "deploy"], [PRM, *WORKER_COMMAND.split()[1:]]]
    started = [
        subprocess.Popen(c, env=env, cwd=stack.work, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for c in commands
    ]
    for process in started:
        out, err = process.communicate(timeout=120)
        assert (process.returncode, err.decode()) == (1, REFUSED), out + err


def test_deploy_prints_the_settings_but_no_secret_and_keeps_one_of_each_automation(stack):
    out = stack.deploy_output
    assert f"Prefect API: {stack.api_url} (PREFECT_API_AUTH_STRING set)" in out
    assert "source: data/sample (PRM_SOURCE)" in out and "Alerts: http://127.0.0.1" in out
    assert f"Project folder for the worker: {PROJECT_DIR}" in out
    secrets = [stack.auth, stack.receiver.url, stack.worker_env["AWS_SECRET_ACCESS_KEY"]]
    assert not [secret for secret in secrets if secret in out]
    again = run_prm(["deploy", "--name", "prune"], stack.worker_env, cwd=PROJECT_DIR)
    assert again.returncode == 0, again.stderr  # the automations are saved again
    with stack.client() as client:
        names = [a["name"] for a in client.post("/automations/filter", json={}).json()]
        prune = client.get("/deployments/name/prune/prune").json()
    assert sorted(names) == sorted([ALERT_AUTOMATION, ZOMBIE_AUTOMATION])
    (weekly,) = prune["schedules"]
    assert weekly["schedule"]["cron"] == "0 5 * * 0" and not weekly["active"]
    assert prune["parameters"] == {"older_than": "90d", "apply": False, "bucket_runs": False}


def test_a_run_like_the_ui_completes_and_publishes(stack, published):
    assert published["parameters"]["year"] == 2024
    assert latest(stack)["run_id"] == bundle_run_id(stack, published["id"])


def test_two_runs_triggered_at_once_run_one_after_the_other(stack, published):
    parameters = {"source": published["source"], "year": 2024, "force": True}
    run_ids = [start_run(stack, parameters) for _ in range(2)]
    runs = [final_state(stack, run_id, timeout=240) for run_id in run_ids]
    assert [run["state"]["type"] for run in runs] == ["COMPLETED", "COMPLETED"]
    first, second = sorted(runs, key=lambda run: run["start_time"])
    assert second["start_time"] >= first["end_time"]  # deployment concurrency 1
    assert latest(stack)["run_id"] == bundle_run_id(stack, second["id"])


def alerts_about(stack: Stack, run: dict) -> list[str]:
    return [p["text"] for p in stack.receiver.posts if run["id"] in p.get("text", "")]


def test_a_failed_run_is_posted_to_the_webhook_within_a_minute(stack):
    run = final_state(stack, start_run(stack, {"source": str(stack.work / "nowhere")}))
    assert run["state"]["type"] == "FAILED"
    (text,) = wait_until(lambda: alerts_about(stack, run), 60, "the alert", every=1)
    reason = run["state"]["message"].strip().splitlines()[0]
    assert "Deployment: monthly-report/monthly-report" in text
    assert f"Run: {run['name']} ({run['id']})" in text and "State: Failed" in text
    assert f"Reason: {reason}" in text and "nowhere" in reason
    assert f"Open: {stack.api_url.removesuffix('/api')}/runs/flow-run/{run['id']}" in text


def test_an_unreachable_webhook_leaves_the_run_alone_and_is_in_the_event_feed(stack):
    closed = stack.worker_env | {"PRM_ALERT_WEBHOOK_URL": f"http://127.0.0.1:{free_port()}/x"}
    assert run_prm(["deploy", "--name", "prune"], closed, cwd=PROJECT_DIR).returncode == 0
    try:
        since = datetime.now(UTC).isoformat()
        run = final_state(stack, start_run(stack, {"source": str(stack.work / "nowhere")}))
        assert run["state"]["type"] == "FAILED" and "nowhere" in run["state"]["message"]

        def failed_actions() -> list[dict]:
            body = {"filter": {"occurred": {"since": since}, "event": {"name": [ACTION_FAILED]}}}
            with stack.client() as client:
                return client.post("/events/filter", json=body).json()["events"]

        (event,) = wait_until(failed_actions, 60, "the failed notification in the event feed")
        assert event["payload"]["reason"].startswith("Webhook call failed: ConnectError")
        assert event["resource"]["prefect.resource.name"] == ALERT_AUTOMATION
    finally:
        restored = run_prm(["deploy", "--name", "prune"], stack.worker_env, cwd=PROJECT_DIR)
        assert restored.returncode == 0


@pytest.fixture(scope="module")
def big_source(tmp_path_factory) -> Path:
    """The benchmark generator's 200 k contributions case (about 14 MB of CSV)."""
    from bench.generate import generate

    return generate(BIG_CONTRIBUTIONS, tmp_path_factory.mktemp("big"))


def prm_database(stack: Stack) -> tuple:
    """What prm's database holds: ingestion ids and row counts of every table."""
    url = stack.pg.url("prm", "psycopg").replace("+psycopg", "")
    with psycopg.connect(url) as connection:
        ingestions = connection.execute("SELECT id FROM ingestion ORDER BY id").fetchall()
        counts = [
            connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("partner", "agreement", "contribution", "exchange_rate")
        ]
    return ingestions, counts


def loading(stack: Stack) -> bool:
    """Whether a transaction has written to prm's database and is still open (the load)."""
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
        " AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
    )
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        return admin.execute(query, (stack.pg.names["prm"],)).fetchone()[0] > 0


def test_a_worker_killed_mid_load_loses_nothing_and_the_next_run_completes(
    stack, published, big_source
):
    before, pointer = prm_database(stack), latest(stack)
    run_id = start_run(stack, {"source": str(big_source), "year": 2024})
    wait_until(lambda: loading(stack), 180, "the load of the 200 k source", every=0.05)
    with stack.client() as client:
        run = client.get(f"/flow_runs/{run_id}").json()
    flow_process = int(str(run["infrastructure_pid"]).rsplit(":", 1)[-1])
    worker = parent_of(flow_process)
    assert worker in [w.pid for w in stack.workers]
    os.kill(flow_process, signal.SIGKILL)
    os.kill(worker, signal.SIGKILL)
    crashed = final_state(stack, run_id, timeout=200)
    assert crashed["state"]["type"] == "CRASHED", crashed["state"]
    assert "no heartbeat" in crashed["state"]["message"]
    assert prm_database(stack) == before  # the load's transaction died with it
    assert latest(stack) == pointer
    stack.start_worker()  # what a supervisor does (compose: restart: unless-stopped)
    parameters = {"source": published["source"], "year": 2024, "force": True}
    after = final_state(stack, start_run(stack, parameters))
    assert after["state"]["type"] == "COMPLETED", after["state"]
    assert latest(stack)["run_id"] == bundle_run_id(stack, after["id"]) != pointer["run_id"]


def test_prune_lists_old_flow_runs_and_published_runs_and_deletes_nothing(stack, published):
    listed = run_prm(["prune", "--older-than", "0s", "--bucket-runs"], stack.worker_env, stack.work)
    assert listed.returncode == 0, listed.stderr
    flow_runs = int(listed.stdout.split("Prefect flow runs of prm's flows: ")[1].split()[0])
    assert flow_runs >= 3 and "published runs (each year's latest kept): " in listed.stdout
    kept = latest(stack)["run_id"]
    assert kept not in listed.stdout and "dry run: nothing deleted" in listed.stdout
    with stack.client() as client:
        assert client.get(f"/flow_runs/{published['id']}").status_code == 200


def test_compose_uses_the_settings_of_this_stack():
    compose = yaml.safe_load((PROJECT_DIR / "infra" / "compose.yaml").read_text())["services"]
    server, worker = compose["prefect-server"], compose["worker"]
    assert set(SERVER_SETTINGS) <= set(server["environment"])
    assert server["environment"]["PREFECT_API_DATABASE_CONNECTION_URL"].startswith(
        "postgresql+asyncpg://"
    )
    assert set(WORKER_SETTINGS) <= set(worker["environment"])
    assert worker["command"] == WORKER_COMMAND
    assert worker["deploy"]["replicas"] == WORKERS
    assert worker["environment"]["PRM_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "PRM_PROJECT_DIR" not in worker["environment"]  # the folder `prm deploy` ran in
