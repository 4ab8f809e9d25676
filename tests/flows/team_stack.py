"""The team stack of infra/README.md as local processes, for tests/flows/test_team_stack.py.

PostgreSQL databases for Prefect and prm (on the machine's PostgreSQL), `prefect server start`
on PostgreSQL behind an auth string, SeaweedFS with credentials (the session's S3 server),
`prm deploy`, and two `prm worker` processes. The settings each process gets are the
SERVER_SETTINGS / WORKER_SETTINGS below, which infra/compose.yaml must match.
"""

import json
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg

PROJECT_DIR = Path(__file__).resolve().parents[2]
PRM = str(Path(sys.executable).parent / "prm")
PREFECT = str(Path(sys.executable).parent / "prefect")
# What the Prefect server and the workers are started with (values per test session aside).
SERVER_SETTINGS = (
    "PREFECT_API_DATABASE_CONNECTION_URL",
    "PREFECT_SERVER_API_AUTH_STRING",
    "PREFECT_SERVER_ANALYTICS_ENABLED",
    "PREFECT_UI_URL",
    "PREFECT_UI_API_URL",
    "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS",
    "PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED",
)
WORKER_SETTINGS = (
    "PREFECT_API_URL",
    "PREFECT_API_AUTH_STRING",
    "PRM_DATABASE_URL",
    "PRM_DATA_DIR",
    "PRM_S3_ENDPOINT_URL",
    "PRM_S3_BUCKET",
    "PRM_S3_PREFIX",
    "PRM_ALERT_WEBHOOK_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
)
WORKER_COMMAND = "prm worker --pool process"
WORKERS = 2


class Receiver:
    """An HTTP server on 127.0.0.1 that keeps the JSON body of every POST it gets."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                length = int(self.headers.get("content-length", 0))
                posts.append(json.loads(self.rfile.read(length) or b"{}"))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:  # quiet
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class PgDatabases:
    """Two databases of this test session on the machine's PostgreSQL, dropped by `drop`."""

    admin_dsn: str
    names: dict[str, str] = field(default_factory=dict)

    def create(self, *purposes: str) -> "PgDatabases":
        tag = uuid.uuid4().hex[:8]
        with psycopg.connect(self.admin_dsn, autocommit=True) as admin:
            for purpose in purposes:
                self.names[purpose] = f"{purpose}_stack_{tag}"
                admin.execute(f'CREATE DATABASE "{self.names[purpose]}"')
        return self

    def url(self, purpose: str, driver: str) -> str:
        base = self.admin_dsn.rsplit("/", 1)[0].split("://", 1)[1]
        return f"postgresql+{driver}://{base}/{self.names[purpose]}"

    def drop(self) -> None:
        with psycopg.connect(self.admin_dsn, autocommit=True) as admin:
            for name in self.names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def auth_header(auth_string: str) -> dict[str, str]:
    """The Basic authorization header Prefect clients send for PREFECT_API_AUTH_STRING."""
    import base64

    return {"Authorization": "Basic " + base64.b64encode(auth_string.encode()).decode()}


def api(api_url: str, auth_string: str) -> httpx.Client:
    """An HTTP client of the Prefect API with the team's credentials."""
    return httpx.Client(base_url=api_url, headers=auth_header(auth_string), timeout=15)


def run_prm(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """Run the `prm` command line as a user does, output captured."""
    return subprocess.run([PRM, *args], env=env, cwd=cwd, capture_output=True, text=True)


def parent_of(pid: int) -> int:
    """The parent process id of `pid` (from /proc)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])
