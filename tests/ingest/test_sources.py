"""A source that cannot give what ingestion needs fails it, naming the source or the file,
whoever reads it (the flows read without the command's checks)."""

import os
from pathlib import Path

import pytest
from openpyxl import Workbook

from tasks.errors import SourceError
from tasks.ingest.read import read_source
from tasks.ingest.sources import LocalSource

NOTHING = "no partner-register files (partners/agreements/contributions/exchange_rates .csv/.xlsx)"
PARTNERS = "partner_id,name,partner_type\nP1,Union,GOVERNMENT\n"


def test_a_folder_with_nothing_to_read_fails(tmp_path):
    (tmp_path / "notes.txt").write_text("not read\n")
    book = Workbook()
    book.active.title = "summary"  # a workbook is read, but no sheet is named after an entity
    book.save(tmp_path / "register.xlsx")
    with pytest.raises(SourceError) as failed:
        read_source(LocalSource(tmp_path))
    assert str(failed.value) == f"{NOTHING} in {tmp_path}"


def test_a_link_that_leads_nowhere_fails_the_read_naming_it(tmp_path):
    (tmp_path / "partners.csv").write_text(PARTNERS)
    (tmp_path / "partners_more.csv").symlink_to(tmp_path / "gone.csv")
    (tmp_path / "notes_link.txt").symlink_to(tmp_path / "gone.txt")  # not an export: ignored
    with pytest.raises(SourceError) as failed:
        read_source(LocalSource(tmp_path))
    assert str(failed.value) == (
        f"{tmp_path / 'partners_more.csv'}: a link to {tmp_path / 'gone.csv'}, "
        "which cannot be opened (No such file or directory)"
    )
    (tmp_path / "partners_more.csv").unlink()
    assert len(read_source(LocalSource(tmp_path)).tables["partners"]) == 1


def test_a_pipe_fails_the_read_instead_of_blocking_it(tmp_path):
    (tmp_path / "partners.csv").write_text(PARTNERS)
    os.mkfifo(tmp_path / "partners_z.csv")
    with pytest.raises(SourceError, match=r"partners_z\.csv: not a regular file"):
        read_source(LocalSource(tmp_path))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_fails_the_read(tmp_path):
    locked = Path(tmp_path / "partners.csv")
    locked.write_text(PARTNERS)
    locked.chmod(0)
    with pytest.raises(SourceError, match=r"partners\.csv: cannot be read \(Permission denied\)"):
        read_source(LocalSource(tmp_path))
