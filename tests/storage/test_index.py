"""The bucket's index against a real S3 server: rebuilt on publish, links that resolve, safe
conditional writes."""

import hashlib
import json
import threading
import urllib.request
from datetime import UTC, datetime
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from posixpath import normpath
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from botocore.exceptions import ConnectionClosedError
from typer.testing import CliRunner

from flows.cli import app
from tasks import pipeline
from tasks.errors import StorageError
from tasks.storage import keys as s3keys
from tasks.storage.client import ObjectStore, read_object
from tasks.storage.index import update_index

pytestmark = pytest.mark.integration


@pytest.fixture
def store(s3_store) -> ObjectStore:
    """The test bucket's store (the bucket is created by the first publish)."""
    return s3_store


def make_bundle(folder: Path, year: int, when: str, signed: int, pdf: bool = False) -> Path:
    """A small bundle with the files the index links to, and its manifest."""
    files = {
        "metrics.json": json.dumps(
            {"year": year, "agreements": {"signed": signed}, "financial_usd": {"total": 2.5e6}}
        ).encode(),
        "report.html": b"<html><body>report</body></html>",
        "tables.xlsx": b"PK\x03\x04 not really a workbook",
        "tables/agreements.csv": b"agreement_id\r\n",
    }
    if pdf:
        files["report.pdf"] = b"%PDF-1.7 not really a pdf"
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    entries = [
        {"path": p, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
        for p, d in files.items()
    ]
    (folder / "manifest.json").write_text(json.dumps({"files": entries, "created_at": when}))
    return folder


def publish(store: ObjectStore, tmp_path: Path, year: int, run_id: str, when: str, **kw):
    """Publish a small bundle of `year` as `run_id`, made at `when`."""
    folder = make_bundle(tmp_path / run_id, year, when, **kw)
    return pipeline.publish(folder, year, run_id, store)


def index_json(store: ObjectStore) -> dict:
    found = read_object(store.client, store.bucket, "reports/index.json")
    return json.loads(found[0])


class _Hrefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        self.hrefs += [v for k, v in attrs if k == "href" and not v.startswith("#")]


def test_publish_rewrites_the_index_and_every_link_resolves(store, tmp_path):
    publish(store, tmp_path, 2024, "run-a", "2025-01-01T06:00:00+00:00", signed=88)
    publish(store, tmp_path, 2024, "run-b", "2025-02-01T06:00:00+00:00", signed=89, pdf=True)
    publish(store, tmp_path, 2023, "run-c", "2024-01-01T06:00:00+00:00", signed=70)
    index = index_json(store)
    assert [y["year"] for y in index["years"]] == [2024, 2023]
    assert index["years"][0]["latest"]["run_id"] == "run-b"
    assert index["years"][0]["latest"]["headline"]["agreements.signed"] == 89
    assert [r["run_id"] for r in index["years"][0]["earlier"]] == ["run-a"]
    head = store.client.head_object(Bucket=store.bucket, Key="reports/index.html")
    assert head["ContentType"].startswith("text/html")
    page = read_object(store.client, store.bucket, "reports/index.html")[0].decode()
    parser = _Hrefs()
    parser.feed(page)
    assert "2024/run-b/report.pdf" in parser.hrefs and "2024/run-a/tables.xlsx" in parser.hrefs
    assert len(parser.hrefs) == 4 + 3 + 3  # run-b with its PDF, run-a, run-c
    for href in parser.hrefs:  # relative to reports/index.html, each one an object
        key = normpath(f"reports/{href}")
        head = store.client.head_object(Bucket=store.bucket, Key=key)
        assert head["ResponseMetadata"]["HTTPStatusCode"] == 200 and head["ContentLength"] > 0


def test_unchanged_bucket_leaves_the_index_alone_and_rebuild_restores_it(store, tmp_path):
    publish(store, tmp_path, 2024, "run-a", "2025-01-01T06:00:00+00:00", signed=88)
    before = read_object(store.client, store.bucket, "reports/index.json")
    assert update_index(store) is False
    assert (
        read_object(store.client, store.bucket, "reports/index.json")[1]["ETag"]
        == before[1]["ETag"]
    )
    store.client.delete_object(Bucket=store.bucket, Key="reports/index.html")
    assert update_index(store) is True  # a missing page is written again
    assert read_object(store.client, store.bucket, "reports/index.html") is not None


def _fail_on(store: ObjectStore, event: str, key: str) -> None:
    """Make the store's client fail (connection closed) on one call to `key`."""

    def fail(params, **_):
        if params.get("Key") == key:
            raise ConnectionClosedError(endpoint_url="http://127.0.0.1")

    store.client.meta.events.register(event, fail)


@pytest.mark.parametrize(
    ("event", "key"),
    [
        ("before-parameter-build.s3.GetObject", "reports/2024/run-b/metrics.json"),  # while listing
        ("before-parameter-build.s3.PutObject", "reports/index.json"),  # while writing
    ],
)
def test_failed_update_leaves_the_previous_index(store, tmp_path, event, key):
    publish(store, tmp_path, 2024, "run-a", "2025-01-01T06:00:00+00:00", signed=88)
    before = {
        name: read_object(store.client, store.bucket, f"reports/{name}")[0]
        for name in ("index.json", "index.html")
    }
    broken = ObjectStore(store.bucket, store.prefix, store.endpoint_url)
    _fail_on(broken, event, key)
    publish_run = make_bundle(tmp_path / "run-b", 2024, "2025-02-01T06:00:00+00:00", signed=89)
    with pytest.raises(StorageError):
        pipeline.publish(publish_run, 2024, "run-b", broken)
    for name, content in before.items():
        assert read_object(store.client, store.bucket, f"reports/{name}")[0] == content
    assert update_index(store) is True  # the next update (or `prm index`) catches up
    assert index_json(store)["years"][0]["latest"]["run_id"] == "run-b"


def test_a_concurrent_writer_is_not_overwritten_with_an_older_listing(store, tmp_path):
    """Another publish writes index.json between our read and our write: ours is refused
    (conditional PUT), we list the bucket again, and find the index already holds both runs.
    An unconditional write would have replaced it with our older listing (run-a only)."""
    publish(store, tmp_path, 2024, "run-a", "2025-01-01T06:00:00+00:00", signed=88)
    other = ObjectStore(store.bucket, store.prefix, store.endpoint_url)
    make_bundle(tmp_path / "run-b", 2024, "2025-02-01T06:00:00+00:00", signed=89)
    raced = []

    def race(params, **_):
        if params.get("Key") == "reports/index.json" and not raced:
            raced.append(True)  # once: the other publish lands now, index included
            pipeline.publish(tmp_path / "run-b", 2024, "run-b", other)

    store.client.meta.events.register("before-parameter-build.s3.PutObject", race)
    when = datetime(2030, 1, 1, tzinfo=UTC)
    store.client.delete_object(Bucket=store.bucket, Key="reports/index.html")  # force a write
    assert update_index(store, now=when) is False  # the other writer's index is the newest
    index = index_json(store)
    assert raced and index["years"][0]["latest"]["run_id"] == "run-b"
    assert [r["run_id"] for r in index["years"][0]["earlier"]] == ["run-a"]


def test_index_keys():
    assert s3keys.index_key("reports", "index.json") == "reports/index.json"
    assert s3keys.index_key("", "index.html") == "index.html"
    with pytest.raises(StorageError):
        s3keys.index_key("reports", "../x")


class _SigningProxy(BaseHTTPRequestHandler):
    """A reverse proxy that serves `/site/<path>` from `PREFIX/<path>` with its own client,
    as a company proxy in front of the store would (folder URLs serve index.html)."""

    store: ObjectStore

    def do_GET(self):  # noqa: N802 (http.server's name)
        path = unquote(urlsplit(self.path).path)
        if not path.startswith("/site/"):
            self.send_error(404)
            return
        relative = path.removeprefix("/site/") or "index.html"
        found = read_object(self.store.client, self.store.bucket, f"reports/{relative}")
        if found is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", found[1]["ContentType"])
        self.end_headers()
        self.wfile.write(found[0])

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy(store):
    """The proxy on a free 127.0.0.1 port, serving the test bucket's prefix at /site/."""
    handler = type("Proxy", (_SigningProxy,), {"store": store})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/site/"
    server.shutdown()


def test_every_link_works_when_a_proxy_serves_the_prefix(store, tmp_path, proxy):
    publish(store, tmp_path, 2024, "run-a", "2025-01-01T06:00:00+00:00", signed=88, pdf=True)
    publish(store, tmp_path, 2023, "run-c", "2024-01-01T06:00:00+00:00", signed=70)
    with urllib.request.urlopen(proxy) as response:  # the folder URL, as a colleague types it
        page = response.read().decode()
    parser = _Hrefs()
    parser.feed(page)
    assert len(parser.hrefs) == 4 + 3
    for href in parser.hrefs:
        with urllib.request.urlopen(urljoin(proxy, href)) as response:
            assert response.status == 200 and response.read()


def test_cli_runs_every_year_rebuilds_the_index_and_links_it(store, tmp_path):
    publish(store, tmp_path, 2024, "run-a", "2025-01-01T06:00:00+00:00", signed=88)
    publish(store, tmp_path, 2023, "run-c", "2024-01-01T06:00:00+00:00", signed=70)
    runner = CliRunner()
    listed = runner.invoke(app, ["runs"])
    assert listed.exit_code == 0, listed.output
    assert "Published runs for 2023" in listed.stdout and "Published runs for 2024" in listed.stdout
    assert listed.stdout.index("2023") < listed.stdout.index("run-a")
    for name in ("index.json", "index.html"):
        store.client.delete_object(Bucket=store.bucket, Key=f"reports/{name}")
    rebuilt = runner.invoke(app, ["index"])
    assert rebuilt.exit_code == 0 and rebuilt.stdout.endswith("index.html: rebuilt\n")
    assert runner.invoke(app, ["index"]).stdout.endswith("already up to date\n")
    assert [y["year"] for y in index_json(store)["years"]] == [2024, 2023]
    link = runner.invoke(app, ["link", "--index", "--expires", "1h"])
    assert link.exit_code == 0 and "X-Amz-Expires=3600" in link.stdout
    assert link.stdout.count("\n") == 1  # the URL alone on stdout, for scripts
    # the page's relative links carry no signature: on this private bucket the user is told
    assert "on a private bucket open a run with `prm link --year YEAR" in link.stderr
    with urllib.request.urlopen(link.stdout.strip()) as response:  # what a browser gets
        assert response.headers["Content-Type"].startswith("text/html")
        assert "run-a" in response.read().decode()
    neither = runner.invoke(app, ["link"])
    assert neither.exit_code == 1 and neither.stderr.startswith("prm: give --year")
