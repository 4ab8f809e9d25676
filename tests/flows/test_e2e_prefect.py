"""End to end: a real `prefect server`, `prm deploy` from deployments/prefect.yaml, a process
worker, and a run triggered through the API exactly as the UI's Run button does.

Everything listens on 127.0.0.1 and lives in tmp_path (PREFECT_HOME included). Checked: the
bundle in the S3 server, the run's artifacts, the cron schedule and the parameter schema.

The server keeps its data in a PostgreSQL database of its own, as the team's server does
(infra/README.md). On its default SQLite file, a write that meets the scheduler's writes to the
same file is refused with 503 "database is locked": Prefect's Python client retries those, the
UI does not, and a Quick run clicked while the scheduler filled the new deployments' schedule
failed (CI at 6e1dbe8).
"""

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tasks.runs import default_report_year
from tasks.storage import keys as s3keys
from tests.conftest import PG_ADMIN_DSN
from tests.flows.helpers import TINY_2024, write_tiny_source
from tests.flows.processes import (
    FINAL,
    free_port,
    healthy,
    prefect_env,
    run_like_the_ui,
    stop,
    wait_until,
)
from tests.flows.team_stack import PgDatabases

pytestmark = pytest.mark.e2e
PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """A `prefect server` on a free 127.0.0.1 port with its own home and its own PostgreSQL
    database: (API URL, home)."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    pg = PgDatabases(PG_ADMIN_DSN).create("prefect")
    log = (home / "server.log").open("w")
    command = [sys.executable, "-m", "prefect", "server", "start"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    env = prefect_env(
        home,
        PREFECT_UI_API_URL=api_url,  # the UI's own calls go there too
        PREFECT_API_DATABASE_CONNECTION_URL=pg.url("prefect", "asyncpg"),
    )
    process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    try:
        wait_until(lambda: process.poll() is not None or healthy(api_url), 90, "the server")
        assert process.poll() is None, (home / "server.log").read_text()[-3000:]
        yield api_url, home
    finally:
        stop(process)
        log.close()
        pg.drop()


@pytest.fixture
def worker(prefect_server, tmp_path, s3_store) -> Iterator[subprocess.Popen]:
    """A process worker on pool `process`, polling every second, with prm's settings."""
    api_url, home = prefect_server
    env = prefect_env(
        home,
        api_url,
        PREFECT_WORKER_QUERY_SECONDS="1",
        PRM_PROJECT_DIR=str(PROJECT_DIR),
        PRM_SOURCE=str(this_years_source(tmp_path / "this-year")),
        PRM_DATABASE_URL=f"sqlite:///{tmp_path / 'prm.db'}",
        PRM_DATA_DIR=str(tmp_path / "var"),
    )
    log = (tmp_path / "worker.log").open("w")
    command = [sys.executable, "-m", "prefect", "worker", "start", "--pool", "process"]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=tmp_path)
    yield process
    stop(process, signals=2)
    log.close()


def this_years_source(folder: Path) -> Path:
    """The tiny source moved to the year a Quick run reports (last month's): a run of a year
    without agreements fails by design, and the quick run is to show one that completes."""
    source = write_tiny_source(folder)
    year = default_report_year()
    for path in source.glob("*.csv"):
        text = path.read_text(encoding="utf-8").replace("2023-", f"{year - 1}-")
        path.write_text(text.replace("2024-", f"{year}-"), encoding="utf-8")
    return source


def deploy_with_prm(api_url: str, home: Path, monkeypatch) -> None:
    """`prm deploy` against the test server (the command function on a bare typer app)."""
    import typer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.cli_prefect import deploy

    for name, value in prefect_env(home, api_url).items():
        monkeypatch.setenv(name, value)
    app = typer.Typer()
    app.command("deploy")(deploy)
    app.command("noop")(lambda: None)  # two commands, so `deploy` is a sub-command
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        result = CliRunner().invoke(app, ["deploy"])
    assert result.exit_code == 0, result.output


def check_deployment(deployment: dict) -> None:
    """The cron schedule, work pool and typed parameters with their defaults."""
    (schedule,) = [s["schedule"] for s in deployment["schedules"]]
    assert (schedule["cron"], schedule["timezone"]) == ("0 6 1 * *", "Europe/Zurich")
    assert deployment["work_pool_name"] == "process"
    assert deployment["entrypoint"] == "flows/monthly.py:monthly_report"
    props = deployment["parameter_openapi_schema"]["properties"]
    assert props["source"]["type"] == "string" and props["upload"]["type"] == "boolean"
    assert {t["type"] for t in props["year"]["anyOf"]} == {"integer", "null"}
    assert {n: props[n]["default"] for n in ("source", "year", "upload", "bucket", "prefix")} == {
        "source": "",
        "year": None,
        "upload": True,
        "bucket": "",
        "prefix": "",
    }
    assert deployment["parameters"]["upload"] is True and deployment["parameters"]["year"] is None


def check_bundle(store, bucket: str, prefix: str, year: int, run_id: str) -> None:
    """latest.json names the run, whose objects hold the whole bundle with the right figures."""
    client = store.client
    latest = client.get_object(Bucket=bucket, Key=s3keys.latest_key(prefix, year))
    assert json.loads(latest["Body"].read())["run_id"] == run_id
    key_prefix = s3keys.bundle_prefix(prefix, year, run_id)
    listed = client.list_objects_v2(Bucket=bucket, Prefix=key_prefix)["Contents"]
    names = {item["Key"][len(key_prefix) :] for item in listed}
    assert {"metrics.json", "manifest.json", "report.html", "rejections.csv"} <= names
    assert any(n.startswith("charts/") and n.endswith(".png") for n in names)
    body = client.get_object(Bucket=bucket, Key=key_prefix + "metrics.json")["Body"].read()
    metrics = json.loads(body)
    assert metrics["agreements"]["signed"] == TINY_2024["signed"]
    assert metrics["financial_usd"]["total"] == TINY_2024["total"]


def test_deploy_then_run_from_the_api_like_the_ui(
    prefect_server, worker, tmp_path, s3_store, s3_bucket, monkeypatch
):
    api_url, home = prefect_server
    deploy_with_prm(api_url, home, monkeypatch)
    source = write_tiny_source(tmp_path / "src")
    with httpx.Client(base_url=api_url, timeout=10) as api:
        deployment = api.get("/deployments/name/monthly-report/monthly-report").json()
        check_deployment(deployment)
        parameters = {"source": str(source), "year": 2024, "bucket": s3_bucket, "prefix": "e2e"}
        flow_run_id = run_like_the_ui(api, deployment["id"], parameters)

        def finished() -> dict | None:
            run = api.get(f"/flow_runs/{flow_run_id}").json()
            return run if run["state"]["type"] in FINAL else None

        run = wait_until(finished, 150, "the flow run", every=1)
        worker_log = (tmp_path / "worker.log").read_text()[-4000:]
        assert run["state"]["type"] == "COMPLETED", worker_log
        assert run["parameters"] | parameters == run["parameters"]
        found = api.post(
            "/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [flow_run_id]}}}
        ).json()
    artifacts = {a["key"]: a for a in found if a["key"]}
    assert {"monthly-report-summary", "top-financial-partners", "rejections-by-reason"} <= set(
        artifacts
    )
    assert {"report-html", "report-bundle"} <= set(artifacts)
    top = json.loads(artifacts["top-financial-partners"]["data"])
    assert [row["partner"] for row in top] == ["Alpha Foundation", "Republic of Testland"]
    # the bundle's link: its text the s3:// folder, its target the presigned report.html
    text, target = artifacts["report-bundle"]["data"].split("](", 1)
    assert target.startswith("http") and "report.html?X-Amz-" in target
    check_bundle(s3_store, s3_bucket, "e2e", 2024, text.rstrip("/").rsplit("/", 1)[1])
    assert re.fullmatch(r"report-2024-\d{8}-\d{4}", run["name"])
    assert run["state"]["message"].startswith("2024: 3 agreements, USD 1.7 M")
    assert "report.html?X-Amz-" in artifacts["report-html"]["data"]


CHROMIUM = shutil.which("chromium")
NOT_LOCAL = re.compile(r"^(?!https?://127\.0\.0\.1[:/])")


@pytest.mark.skipif(not CHROMIUM, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_quick_run_from_the_ui_in_headless_chromium(
    prefect_server, worker, s3_store, monkeypatch, tmp_path
):
    sync_api = pytest.importorskip("playwright.sync_api")
    api_url, home = prefect_server
    deploy_with_prm(api_url, home, monkeypatch)
    deployment = httpx.get(f"{api_url}/deployments/name/monthly-report/monthly-report").json()
    args = ["--no-sandbox", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        page = browser.new_page()
        page.route(NOT_LOCAL, lambda route: route.abort())  # the UI's analytics host, and all else
        page.set_default_timeout(30_000)
        failed: list[str] = []
        page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
        page.on("console", lambda m: m.type == "error" and failed.append(m.text))
        try:
            page.goto(api_url.removesuffix("/api"))
            page.get_by_role("link", name="Deployments").first.click()
            page.locator(f'a[href*="{deployment["id"]}"]').first.click()
            # the deployment's data is in once its schedule shows: only then is Run wired up
            page.get_by_text("At 06:00 AM, on day 1 of the month").wait_for()
            page.get_by_role("button", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Quick run").click()
            page.locator("[data-sonner-toast]").get_by_text("View run").click()
            page.wait_for_url(re.compile(r"/runs/flow-run/[0-9a-f-]{36}"))
            flow_run_id = page.url.rsplit("/", 1)[1].split("?")[0]
            badge = page.locator('span[data-slot="badge"]').filter(has_text="Completed")
            sync_api.expect(badge.first).to_be_visible(timeout=150_000)
        except Exception:
            page.screenshot(path=str(tmp_path / "ui.png"))
            print("failed requests / console errors:", failed)
            print((tmp_path / "worker.log").read_text()[-4000:])
            print((home / "server.log").read_text()[-4000:])
            raise
        finally:
            browser.close()

    def finished() -> dict | None:  # a task's badge reads Completed before the run's last steps
        run = httpx.get(f"{api_url}/flow_runs/{flow_run_id}").json()
        return run if run["state"]["type"] in FINAL else None

    # the run still writes the documents, publishes and updates the index after a task's badge:
    # on a loaded 2-core machine that took more than 30 s
    run = wait_until(finished, 150, "the flow run's final state", every=1)
    assert run["deployment_id"] == deployment["id"] and run["state"]["type"] == "COMPLETED"
    assert run["parameters"]["year"] is None and run["parameters"]["source"] == ""
