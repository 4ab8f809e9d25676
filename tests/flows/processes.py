"""Prefect processes of the end-to-end tests: a free port, their environment, waiting for
them and stopping them, and a flow run created as the UI's Run button creates it.
"""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prefect_env(home: Path, api_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment for a Prefect process of this test: own home, no analytics."""
    env = dict(os.environ, PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    env.pop("PREFECT_API_URL", None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env | extra


def stop(process: subprocess.Popen, signals: int = 1, wait: float = 20) -> None:
    """Send SIGINT `signals` times (a worker ignores the first), then kill if still running."""
    for _ in range(signals):
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            time.sleep(1)
    try:
        process.wait(wait)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def wait_until(check, timeout: float, what: str, every: float = 0.5):
    """Call `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def healthy(api_url: str) -> bool:
    """Whether the Prefect API answers its health check."""
    try:
        return httpx.get(f"{api_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def run_like_the_ui(api: httpx.Client, deployment_id: str, parameters: dict) -> str:
    """Create a flow run of the deployment as the UI's Run > Custom run does; its id."""
    body = {
        "parameters": parameters,
        "state": {"type": "SCHEDULED", "message": "Run from the Prefect UI"},
    }
    response = api.post(f"/deployments/{deployment_id}/create_flow_run", json=body)
    response.raise_for_status()
    return response.json()["id"]
