"""Reading a folder ahead on a thread (`tasks.ingest.read_ahead`): the same frames, bytes,
fingerprint, errors and stored rows as reading the folder when the pipeline asks; its
modules load without pandas; every ingest module that loads pandas sets its string storage."""

import pkgutil
import subprocess
import sys

import pandas as pd
import pyarrow as pa
import pytest
from openpyxl import Workbook

import tasks.ingest
from models.db import get_engine, upgrade
from models.tables import Agreement, Contribution, ExchangeRate, Ingestion, Partner, Rejection
from tasks.errors import SourceError
from tasks.ingest.read import read_source
from tasks.ingest.read_ahead import ReadAhead, read_ahead
from tasks.ingest.read_arrow import arrow_table
from tasks.ingest.sources import LocalSource, open_source
from tasks.pipeline import ingest_source, read
from tests.ingest.helpers import CONTRIBUTIONS, PARTNERS, base_source, rows

# a BOM, a padded cell, a second contributions file read by pandas' parser (a NUL: rejected
# as a control character), rows to reject, a workbook sheet and a file that is not read
MIXED = {
    "contributions.csv": "\ufeff" + CONTRIBUTIONS + "C3,A9,ITU,5,USD\nC4,A2, ITU ,x,USD\n",
    "contributions_2.csv": CONTRIBUTIONS.replace("C1,", "C5,").replace("C2,", "C\x006,"),
    "notes.csv": "not,read\n",
}


def _mixed(folder):
    base_source(folder)
    for name, text in MIXED.items():
        (folder / name).write_text(text, encoding="utf-8")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Partners"
    for row in [line.split(",") for line in PARTNERS.replace("P1", "P7").splitlines()]:
        sheet.append(row)
    workbook.save(folder / "register.xlsx")
    return folder


def test_a_folder_read_ahead_gives_the_same_records(tmp_path):
    folder = _mixed(tmp_path / "src")
    expected = read_source(open_source(str(folder)))
    progress = []
    ahead = read_ahead(str(folder))
    got = read(ahead, lambda *args: progress.append(args))
    assert (got.source, got.fingerprint, got.files) == (
        expected.source,
        expected.fingerprint,
        expected.files,
    )
    assert "register.xlsx" in got.files and "notes.csv" not in got.files
    for entity, frame in expected.tables.items():
        pd.testing.assert_frame_equal(got.tables[entity], frame)
    assert [p[0] for p in progress] == ["read"] * len(expected.files)


def test_csv_files_are_parsed_on_the_thread_and_handed_over_once(tmp_path):
    folder = _mixed(tmp_path / "src")
    ahead = ReadAhead(LocalSource(folder))
    text = (folder / "contributions.csv").read_text(encoding="utf-8-sig")
    table = ahead.arrow_table("contributions.csv")
    assert isinstance(table, pa.Table) and table.equals(arrow_table(text))
    assert ahead.arrow_table("contributions.csv") is None  # parsed now if asked again
    assert ahead.arrow_table("contributions_2.csv") is None  # a NUL: pandas' parser reads it
    content = (folder / "agreements.csv").read_bytes()
    assert ahead.read_bytes("agreements.csv") == content == ahead.read_bytes("agreements.csv")
    assert ahead.list_files() == LocalSource(folder).list_files()


class _UnreadablePartners(LocalSource):
    """A folder whose partners file cannot be read."""

    def read_bytes(self, name: str) -> bytes:
        if name == "partners.csv":
            raise SourceError(f"{name}: cannot be read (Permission denied)")
        return super().read_bytes(name)


@pytest.mark.parametrize(
    ("agreements", "error"),
    [
        ("agreement_id,title\nA1,x\n", r"agreements.csv: missing required column\(s\) partner_id"),
        (None, "partners.csv: cannot be read"),
    ],
    ids=["an earlier file's error first", "the unreadable file's"],
)
def test_errors_are_raised_as_and_where_reading_the_folder_raises_them(tmp_path, agreements, error):
    base_source(tmp_path / "src")
    if agreements:
        (tmp_path / "src" / "agreements.csv").write_text(agreements, encoding="utf-8")
    source = _UnreadablePartners(tmp_path / "src")
    messages = []
    for reading in (source, ReadAhead(source)):
        with pytest.raises(SourceError, match=error) as raised:
            read(reading)
        messages.append(str(raised.value))
    assert messages[0] == messages[1]


def test_a_folder_that_is_not_utf8_or_missing_fails_alike(tmp_path):
    folder = base_source(tmp_path / "src")
    (tmp_path / "src" / "partners.csv").write_bytes(PARTNERS.encode("utf-16"))
    for uri in (folder, str(tmp_path / "missing")):
        errors = []
        for reading in (open_source(uri), read_ahead(uri)):
            with pytest.raises(SourceError) as raised:
                read(reading)
            errors.append(str(raised.value))
        assert errors[0] == errors[1]


def test_an_s3_source_is_not_read_ahead():
    assert read_ahead("s3://bucket/prefix/") is None


TABLES = (Partner, ExchangeRate, Agreement, Contribution, Rejection)


def test_the_same_rows_are_stored(empty_database, tmp_path):
    folder = str(_mixed(tmp_path / "src"))
    stored = []
    for reading in (open_source(folder), read_ahead(folder)):
        db_url = empty_database()  # on PostgreSQL: the same database, emptied
        engine = get_engine(db_url)
        upgrade(engine)
        result = ingest_source(reading, engine)
        assert result.rejected["contributions"] == 3
        ingestion = [
            (i.source, i.fingerprint, i.contributions_loaded) for i in rows(db_url, Ingestion)
        ]
        stored.append([*(rows(db_url, table) for table in TABLES), ingestion])
    assert stored[0] == stored[1]


def _in_a_fresh_process(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_reading_ahead_loads_no_pandas():
    loaded = _in_a_fresh_process(
        "import sys, tasks.ingest.read_ahead; print('pandas' in sys.modules)"
    )
    assert loaded == "False"


@pytest.mark.parametrize("module", [m.name for m in pkgutil.iter_modules(tasks.ingest.__path__)])
def test_every_ingest_module_that_loads_pandas_keeps_its_python_strings(module):
    shown = _in_a_fresh_process(
        f"import sys, tasks.ingest.{module}\n"
        "pandas = sys.modules.get('pandas')\n"
        "print(pandas.get_option('mode.string_storage') if pandas else 'no pandas')"
    )
    assert shown in ("python", "no pandas")
