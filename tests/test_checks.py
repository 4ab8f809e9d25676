"""The checks `prm` makes before any work: each failure is one line naming the thing and the fix.

Run through the command line (in-process mode) as a user meets them, and nothing is written
when a check fails. How fast each fails is measured by bench/cli_speed.py, not here.
"""

import os
import shutil
import socket
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from models.db import get_engine
from tasks.checks import check_database, check_year
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
