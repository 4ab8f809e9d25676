"""The checks `prm` makes before any work: each failure is one line naming the thing and the fix.

Run through the command line (in-process mode) as a user meets them, and nothing is written
when a check fails. How fast each fails is measured by bench/cli_speed.py, not here.
"""

import os
import shutil
import socket
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from models.db import get_engine
from tasks.checks import check_database, check_output_folder, check_year
from tasks.errors import PrmError
from tests.conftest import use_s3_credentials

SAMPLE = str(Path(__file__).resolve().parents[1] / "data" / "sample")


def prm(*args: str):
    return CliRunner().invoke(app, list(args))


def one_line_failure(result) -> str:
    """The single stderr line of a failed command (exit 1, nothing on stdout)."""
    assert result.exit_code == 1, result.output
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    assert result.stdout == ""
    return result.stderr.strip()


def run_args(tmp_path: Path, *extra: str, year: str = "2024", source: str = SAMPLE) -> list[str]:
    db = f"sqlite:///{tmp_path / 'prm.db'}"
    return ["run", "--source", source, "--year", year, "--db", db, "--no-upload", *extra]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_year_range_is_2000_to_the_current_year():
    today = datetime(2026, 3, 1, tzinfo=UTC)
    assert check_year(2000, today) == 2000 and check_year(2026, today) == 2026
    with pytest.raises(PrmError, match="^year 1999 is before 2000"):
        check_year(1999, today)
    with pytest.raises(PrmError) as later:
        check_year(2027, today)
    assert str(later.value) == (
        "year 2027 is later than the current year 2026: "
        "a report can only cover a year that has begun"
    )


def test_a_later_year_is_refused_before_anything_is_written(tmp_path):
    next_year = str(datetime.now(UTC).year + 1)
    line = one_line_failure(prm(*run_args(tmp_path, year=next_year)))
    assert line.startswith(f"prm: year {next_year} is later than the current year")
    assert not (tmp_path / "prm.db").exists()
    assert one_line_failure(prm(*run_args(tmp_path, year="1999"))).startswith("prm: year 1999")


def test_missing_source_folder_names_it_and_the_fix(tmp_path):
    line = one_line_failure(prm(*run_args(tmp_path, source=str(tmp_path / "nope"))))
    assert (
        line
        == f"prm: {tmp_path / 'nope'}: source folder not found (give --source an existing folder)"
    )
    assert not (tmp_path / "prm.db").exists()
    line = one_line_failure(prm("ingest", "--source", str(tmp_path / "nope")))
    assert "source folder not found" in line


def test_a_file_given_as_source_is_not_a_folder(tmp_path):
    (tmp_path / "partners.csv").write_text("partner_id\n")
    line = one_line_failure(prm(*run_args(tmp_path, source=str(tmp_path / "partners.csv"))))
    assert line == (
        f"prm: {tmp_path / 'partners.csv'}: not a folder; give --source the folder that holds "
        f"the exports ({tmp_path}), every matching file of it is read"
    )


NOTHING = "no partner-register files (partners/agreements/contributions/exchange_rates .csv/.xlsx)"


@pytest.mark.parametrize("command", ["run", "ingest"])
def test_a_source_without_register_files_is_refused_before_work(tmp_path, command):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "notes.txt").write_text("not an export\n")
    (folder / "partners").mkdir()  # a sub-folder is not read, whatever its name
    args = run_args(tmp_path, source=str(folder))
    if command == "ingest":
        args = ["ingest", *args[1:3], *args[5:7]]  # --source, --db
    assert one_line_failure(prm(*args)) == f"prm: {NOTHING} in {folder}"
    assert not (tmp_path / "prm.db").exists()


def test_a_matching_file_that_cannot_be_opened_is_refused_before_work(tmp_path):
    folder = tmp_path / "exports"
    shutil.copytree(SAMPLE, folder)
    link = folder / "partners_more.csv"
    link.symlink_to(tmp_path / "nowhere.csv")
    line = one_line_failure(prm(*run_args(tmp_path, source=str(folder))))
    assert line == (
        f"prm: {link}: a link to {tmp_path / 'nowhere.csv'}, which cannot be opened "
        "(No such file or directory)"
    )
    link.unlink()
    os.mkfifo(folder / "contributions_pipe.csv")  # reading it would wait for ever
    line = one_line_failure(prm(*run_args(tmp_path, source=str(folder))))
    assert line.startswith(f"prm: {folder / 'contributions_pipe.csv'}: not a regular file")
    assert not (tmp_path / "prm.db").exists()


def test_a_rejections_file_that_cannot_be_written_stops_the_ingest_before_it_starts(tmp_path):
    db = f"sqlite:///{tmp_path / 'prm.db'}"
    folder = tmp_path / "out"
    folder.mkdir()
    line = one_line_failure(
        prm("ingest", "--source", SAMPLE, "--db", db, "--rejections", str(folder))
    )
    assert (
        line == f"prm: {folder}: is a folder; give --rejections a file name (e.g. {folder}/out.csv)"
    )
    (tmp_path / "a-file").write_text("")
    under_a_file = tmp_path / "a-file" / "rejections.csv"
    line = one_line_failure(
        prm("ingest", "--source", SAMPLE, "--db", db, "--rejections", str(under_a_file))
    )
    assert line.startswith(f"prm: {under_a_file}: cannot be written")
    assert not (tmp_path / "prm.db").exists()  # nothing ingested, not even the schema
    new_folder = tmp_path / "new" / "rejections.csv"  # a folder that does not exist is made
    result = prm("ingest", "--source", SAMPLE, "--db", db, "--rejections", str(new_folder))
    assert result.exit_code == 0, result.output
    assert new_folder.read_text().startswith("entity,")


def test_upload_needs_a_bucket(tmp_path, monkeypatch):
    monkeypatch.delenv("PRM_S3_BUCKET", raising=False)
    args = [a for a in run_args(tmp_path) if a != "--no-upload"]
    line = one_line_failure(prm(*args))
    assert line == "prm: no bucket configured: set --bucket or PRM_S3_BUCKET"


def test_a_database_that_does_not_answer_is_one_line_without_the_password(tmp_path):
    port = free_port()
    args = run_args(tmp_path)
    args[args.index("--db") + 1] = f"postgresql://prm:hunter2@127.0.0.1:{port}/prm"
    assert one_line_failure(prm(*args)) == (
        f"prm: database postgresql+psycopg://prm:***@127.0.0.1:{port}/prm does not answer "
        "(Connection refused): check --db or PRM_DATABASE_URL"
    )


def test_report_refuses_a_database_that_does_not_exist_and_creates_nothing(tmp_path):
    typo = tmp_path / "typo" / "prm.db"
    args = ["report", "--year", "2024", "--no-upload"]
    line = one_line_failure(prm(*args, "--db", f"sqlite:///{typo}"))
    assert line == (
        f"prm: database sqlite:///{typo} does not exist "
        "(run prm ingest first, or check --db / PRM_DATABASE_URL)"
    )
    default = tmp_path / "var" / "prm.db"  # PRM_DATA_DIR (tests/conftest.py), nothing there
    assert one_line_failure(prm(*args)).startswith(f"prm: database sqlite:///{default} does not")
    assert not typo.parent.exists() and not default.parent.exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgres://prm:hunter2@db/prm", "database URL postgres://prm:***@db/prm: write "
         "postgresql+psycopg://... (or postgresql://...; prm uses psycopg 3)"),
        ("postgresql+psycopg2://db/prm", "database URL postgresql+psycopg2://db/prm: write "
         "postgresql+psycopg://... (or postgresql://...; prm uses psycopg 3)"),
        ("mysql://db/prm", "database URL mysql://db/prm: only SQLite and PostgreSQL are "
         "supported (e.g. sqlite:///path/to/prm.db or postgresql+psycopg://user@host:5432/db)"),
        ("postgresql://prm:hunter2@db:notaport/prm", "the database URL has a port that is not "
         "a number"),
        ("postgresql://db:99999/prm", "database URL postgresql://db:99999/prm: port 99999 is "
         "not 1-65535"),
        ("not a url", "the database URL cannot be parsed"),
    ],
)  # fmt: skip
def test_a_database_url_prm_cannot_use_is_one_line_naming_the_fix(tmp_path, url, reason):
    for command in (run_args(tmp_path), ["report", "--year", "2024", "--no-upload", "--db", ""]):
        command[command.index("--db") + 1] = url
        line = one_line_failure(prm(*command))
        assert line.startswith(f"prm: {reason}") and "check --db or PRM_DATABASE_URL" in line
        assert "hunter2" not in line
    assert not (tmp_path / "var").exists()


@pytest.mark.integration
def test_a_database_that_refuses_is_one_line(pg_database):
    wrong = get_engine(pg_database.rsplit("/", 1)[0] + "/prm_no_such_database")
    with pytest.raises(PrmError, match="refused the connection .*does not exist.*check --db"):
        check_database(wrong)
    check_database(get_engine(pg_database))  # the session's own database answers


@pytest.mark.integration
def test_refused_credentials_are_one_line(tmp_path, s3_store, s3_server, monkeypatch):
    use_s3_credentials(monkeypatch, s3_server.access_key, "not-the-secret")
    args = [a for a in run_args(tmp_path) if a != "--no-upload"]
    line = one_line_failure(prm(*args))
    assert line.startswith("prm: S3 refused the credentials (SignatureDoesNotMatch)")
    assert "not-the-secret" not in line and not (tmp_path / "prm.db").exists()


@pytest.mark.integration
def test_unreachable_endpoint_and_s3_source_are_one_line(tmp_path, s3_store):
    down = f"http://127.0.0.1:{free_port()}"
    args = [a for a in run_args(tmp_path) if a != "--no-upload"]
    line = one_line_failure(prm(*args, "--endpoint-url", down))
    assert line.startswith(f"prm: cannot reach S3 endpoint {down} while checking the credentials")
    source = f"s3://{s3_store.bucket}/incoming/"
    line = one_line_failure(prm(*run_args(tmp_path, source=source)))
    assert line == f"prm: bucket {s3_store.bucket} does not exist at {s3_store.endpoint_url}"
    s3_store.client.create_bucket(Bucket=s3_store.bucket)
    line = one_line_failure(prm(*run_args(tmp_path, "--endpoint-url", down, source=source)))
    assert line.startswith(f"prm: cannot reach S3 endpoint {down} while opening the source")
    assert replace(s3_store, quick=True).client.meta.config.connect_timeout == 1


@pytest.mark.integration
def test_an_s3_source_without_register_files_is_refused_before_work(tmp_path, s3_store):
    s3_store.client.create_bucket(Bucket=s3_store.bucket)
    s3_store.client.put_object(Bucket=s3_store.bucket, Key="src/partners.csv", Body=b"x\n")
    for prefix in ("nothing/", "src/partners.csv"):  # empty, and a file's key as the prefix
        source = f"s3://{s3_store.bucket}/{prefix}"
        line = one_line_failure(prm(*run_args(tmp_path, source=source)))
        assert line == f"prm: {NOTHING} in s3://{s3_store.bucket}/{prefix.rstrip('/')}/"
    line = one_line_failure(prm("ingest", "--source", "s3://"))
    assert line == "prm: s3://: no bucket in the URI; give --source s3://BUCKET/PREFIX/"
    assert not (tmp_path / "prm.db").exists()


def test_an_output_folder_that_is_a_file_is_refused_before_work(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    line = one_line_failure(prm(*run_args(tmp_path, "--out", str(a_file))))
    assert line == f"prm: {a_file}: is a file; give --out a folder (it is made if missing)"
    line = one_line_failure(prm(*run_args(tmp_path, "--out", str(a_file / "bundle"))))
    assert (
        line == f"prm: {a_file / 'bundle'}: cannot be written (check {a_file} and its permissions)"
    )
    assert not (tmp_path / "prm.db").exists()
    line = one_line_failure(prm("fetch", "--year", "2024", "--dest", str(a_file)))
    assert line == f"prm: {a_file}: is a file; give --dest a folder (it is made if missing)"


def test_an_output_folder_that_cannot_be_made_is_refused_before_work(tmp_path):
    # root's access check says /proc can be written; making a folder there fails
    line = one_line_failure(prm(*run_args(tmp_path, "--out", "/proc/prm-x/bundle")))
    assert line.startswith("prm: /proc/prm-x/bundle: cannot be written (/proc/prm-x: ")
    assert not (tmp_path / "prm.db").exists() and not Path("/proc/prm-x").exists()
    check_output_folder(tmp_path / "new" / "bundle", "--out")  # can be made: it is not made
    assert not (tmp_path / "new").exists()


def test_an_sqlite_file_that_cannot_be_made_is_one_line_before_work(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    line = one_line_failure(prm("ingest", "--source", SAMPLE, "--db", f"sqlite:///{a_file}/x.db"))
    assert line == (
        f"prm: database {a_file / 'x.db'}: cannot be written (check {a_file} and its "
        "permissions): check --db or PRM_DATABASE_URL"
    )
    line = one_line_failure(prm("ingest", "--source", SAMPLE, "--db", f"sqlite:///{tmp_path}"))
    assert line == f"prm: database sqlite:///{tmp_path} is a folder: give the SQLite file's path"


def test_an_endpoint_url_without_its_scheme_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PRM_S3_BUCKET", "prm-bucket")
    line = one_line_failure(prm("runs", "--endpoint-url", "127.0.0.1:23999"))
    assert line == (
        "prm: S3 endpoint URL '127.0.0.1:23999' is not http(s)://host[:port]: give "
        "--endpoint-url or PRM_S3_ENDPOINT_URL with its scheme (e.g. http://127.0.0.1:23999)"
    )
    monkeypatch.setenv("PRM_S3_ENDPOINT_URL", "ftp://key:hunter2@store.example:21")
    args = [a for a in run_args(tmp_path) if a != "--no-upload"]
    line = one_line_failure(prm(*args))
    assert line.startswith("prm: S3 endpoint URL 'ftp://store.example:21' is not http(s)://")
    assert "hunter2" not in line and not (tmp_path / "prm.db").exists()


def test_an_unreachable_prefect_api_is_one_line_before_work(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_API_URL": url, "PYTHONPATH": str(Path(SAMPLE).parents[1])}
    command = [sys.executable, "-m", "flows.cli", *run_args(tmp_path)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, ""), done.stderr
    assert done.stderr == (
        f"prm: cannot reach the Prefect API at {url} (ConnectError): start the server, "
        "or check PREFECT_API_URL (unset, prm runs in-process)\n"
    )
    assert not (tmp_path / "prm.db").exists()
