"""Shared fixtures: a database URL on SQLite and on PostgreSQL for every database test.

PostgreSQL runs on this machine (127.0.0.1:5432, trust auth). Each test session creates its
own database and drops it at the end; each test gets an empty, migrated schema.
"""

import os
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy import text

from models.db import get_engine, upgrade

PG_ADMIN_DSN = os.environ.get("PRM_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "60")
# Before anything imports prefect: nothing of the tests lands in ~/.prefect, and no test
# talks to a Prefect server configured on this machine.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="prm-prefect-home-")
os.environ.pop("PREFECT_API_URL", None)


SERVICE_FIXTURES = {"pg_database", "s3_server", "prefect_api"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs a service (PostgreSQL, the S3 server, a Prefect API) as
    `integration`, so `-m "not integration and not e2e"` is the fast in-memory/SQLite set."""
    for item in items:
        on_postgres = getattr(item, "callspec", None) and "postgresql" in item.callspec.id
        if on_postgres or SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch) -> None:
    """prm's data folder (default SQLite file, bundles, rejection CSVs) in the test's own
    tmp_path: a command or flow run without --db/--out writes nothing inside the checkout."""
    monkeypatch.setenv("PRM_DATA_DIR", str(tmp_path / "var"))


@pytest.fixture(autouse=True)
def prefect_logs_to_real_streams() -> Iterator[None]:
    """After a test, Prefect's log handlers write to the real stdout/stderr again.

    A flow run inside `CliRunner.invoke` (prm --prefect) can leave Prefect's console handler
    bound to the runner's captured stream, which is closed when the invocation ends; the
    next flow run in the same process then fails logging to it (RecursionError through the
    logging module's error path). The handlers are configured afresh once Prefect is loaded.
    """
    yield
    if "prefect.logging.configuration" in sys.modules:
        from prefect.logging.configuration import setup_logging

        setup_logging(incremental=False)


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """A temporary Prefect server for the whole session (it starts in 15-25 s here)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of this test session's own, dropped at the end."""
    name = f"prm_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
    get_engine.cache_clear()
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _reset_postgres(url: str) -> None:
    with get_engine(url).begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


@pytest.fixture
def empty_pg_database(pg_database) -> str:
    """The session's PostgreSQL database with an empty schema: whatever earlier tests left
    there (rows with explicit ids that the sequences never saw) cannot collide."""
    _reset_postgres(pg_database)
    return pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> Callable[[], str]:
    """On SQLite and on PostgreSQL: a function that gives the URL of a database without any
    table, each call emptying it again (SQLite: a new file; PostgreSQL: the session's
    database with its public schema dropped and created)."""
    made = []

    def empty() -> str:
        if request.param == "sqlite":
            made.append(tmp_path / f"empty-{len(made)}.db")
            return f"sqlite:///{made[-1]}"
        url = request.getfixturevalue("pg_database")
        _reset_postgres(url)
        return url

    return empty


@pytest.fixture
def db_url(empty_database) -> str:
    """An empty database with prm's schema, on SQLite and on PostgreSQL."""
    url = empty_database()
    upgrade(get_engine(url))
    return url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """An empty SQLite database with prm's schema (for tests that need one backend only)."""
    url = f"sqlite:///{tmp_path / 'prm.db'}"
    upgrade(get_engine(url))
    return url


def at(url: str, read, *args, **kwargs):
    """`read(connection, ...)` on one snapshot of the database at `url`, as the report reads."""
    from tasks.report.aggregate import snapshot

    with snapshot(get_engine(url)) as connection:
        return read(connection, *args, **kwargs)


# ---------------------------------------------------------------------------------------------
# Object storage: a real S3 server (SeaweedFS on 127.0.0.1) for the session, a fresh bucket
# name per test, and settings/credentials that point boto3 at it and nowhere else.
# ---------------------------------------------------------------------------------------------

S3_TEST_ACCESS_KEY = "prm-test-access"


def use_s3_credentials(monkeypatch, access_key: str, secret_key: str) -> None:
    """Give boto3 exactly these credentials (no profile, no config file, no metadata service)."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret_key)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/prm-test-aws-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/prm-test-aws-credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """A SeaweedFS S3 server for the session (LocalS3: endpoint_url, access_key, secret_key)."""
    from infra.seaweed import LocalS3

    secret = f"prm-test-secret-{uuid.uuid4().hex}"
    server = LocalS3(tmp_path_factory.mktemp("s3"), S3_TEST_ACCESS_KEY, secret)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket() -> str:
    """A bucket name no other test uses (the bucket itself is not created)."""
    return f"prm-test-{uuid.uuid4().hex[:16]}"


@pytest.fixture
def s3_store(s3_server, s3_bucket, monkeypatch):
    """The object store of the session server and a fresh bucket, as a command builds it from
    PRM_* (set here, with the server's credentials)."""
    from tasks.config import get_settings
    from tasks.storage.client import ObjectStore

    use_s3_credentials(monkeypatch, s3_server.access_key, s3_server.secret_key)
    monkeypatch.setenv("PRM_S3_ENDPOINT_URL", s3_server.endpoint_url)
    monkeypatch.setenv("PRM_S3_BUCKET", s3_bucket)
    monkeypatch.delenv("PRM_S3_PREFIX", raising=False)
    return ObjectStore.from_settings(get_settings())


def flow_run_artifacts(flow_run_id) -> dict[str, list]:
    """The artifacts of a flow run by key (progress artifacts under their type)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    by_key: dict[str, list] = {}
    for artifact in found:
        by_key.setdefault(artifact.key or artifact.type, []).append(artifact)
    return by_key
