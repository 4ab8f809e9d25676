"""The TDAG document's settings: the repository's report.toml, a run's override, the year."""

from datetime import date

import pytest

from tasks.errors import PrmError
from tasks.report.document_settings import load_document_settings


def test_defaults_are_the_seed_values_and_follow_the_year():
    settings = load_document_settings(2024)
    assert settings.document.number.startswith("TDAG25/")
    assert settings.document.annex_number == "TDAG25/INF/1"
    assert settings.document.meeting == "32nd Meeting, Geneva, Switzerland, 12-16 May 2025"
    assert settings.document.source == "Director, Telecommunication Development Bureau"
    assert settings.contact.email == "eun-ju.kim@itu.int"
    later = load_document_settings(2025)
    assert later.document.annex_number == "TDAG26/INF/1"
    assert later.document.date == date(2026, 4, 1)
    assert later.document.meeting == "Meeting of TDAG, Geneva, 2026"  # the 2024 table stays out


def test_a_run_overrides_only_the_keys_it_gives(tmp_path):
    override = tmp_path / "mine.toml"
    override.write_text(
        '[document]\nnumber = "TDAG{yy}/17"\ndate = 2025-03-20\n'
        '[contact]\nphone = "+41 22 730 0000"\n'
        '[years.2023.contact]\nname = "Someone else"\n',
        encoding="utf-8",
    )
    settings = load_document_settings(2024, override)
    assert settings.document.number == "TDAG25/17"
    assert settings.document.date == date(2025, 3, 20)
    assert settings.document.long_date() == "20 March 2025"
    assert settings.contact.phone == "+41 22 730 0000"
    assert settings.contact.name.startswith("Ms Eun Ju Kim")  # not 2023's


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[document]\nnumbr = "x"\n', "document.numbr: Extra inputs are not permitted"),
        ('[document]\ndate = "soon"\n', "document.date"),
        ("[document\n", "not valid TOML"),
    ],
)
def test_a_bad_override_is_one_clear_error(tmp_path, text, message):
    override = tmp_path / "bad.toml"
    override.write_text(text, encoding="utf-8")
    with pytest.raises(PrmError, match="report settings") as error:
        load_document_settings(2024, override)
    assert message in str(error.value)


def test_a_missing_override_file_is_named(tmp_path):
    with pytest.raises(PrmError, match="nothere.toml"):
        load_document_settings(2024, tmp_path / "nothere.toml")
