"""The value parsers on tiny columns: ASCII digits only, control and invisible characters; the
same answers on Arrow text (what reading gives) as on Python text."""

import pandas as pd
import pytest

from tasks.ingest import parse
from tasks.ingest.read_csv import TEXT


def column(*cells: str) -> pd.Series:
    return pd.Series(list(cells), dtype=object)


@pytest.mark.parametrize("text", ["١٠٠", "１００", "1٠0", "１,０００.５", "٠.٩"])
def test_numbers_in_other_scripts_digits_are_not_numbers(text):
    assert not parse.read_numbers(column(text, "100")).valid[0]
    assert parse.read_numbers(column(text, "100")).valid[1]


def test_dates_in_other_scripts_digits_are_not_dates():
    parsed = parse.parse_date(column("٢٠٢٤-٠١-٠١", "２０２４-０１-０１", "2024-01-01"))
    assert parsed.isna().tolist() == [True, True, False]


def test_control_characters_are_found_in_any_cell_but_tabs_and_line_breaks():
    cells = column("plain", "nul\x00", "esc\x1b", "del\x7f", "c1\x85", "tab\tlf\ncr\r", "")
    assert parse.has_control(cells).tolist() == [False, True, True, True, True, False, False]


def test_keys_must_be_visible_text():
    cells = column("P1", "P 1", "Pé", "P\u200b1", "A\u202e9", "P\u00a01", "P\t1", "\ufeffP1")
    assert parse.is_visible_key(cells).tolist() == [
        *(True, True, True),
        *(False, False, False, False, False),
    ]


@pytest.mark.parametrize(
    ("text", "limit", "keep", "expected"),
    [
        ("Ni\x00ne", 100, "", "Ni\\x00ne"),
        ("P\u200b1", 100, "", "P\\u200b1"),
        ("a\tb\nc", 100, "\t\n", "a\tb\nc"),
        ("a\tb", 100, "", "a\\tb"),
        ("x" * 50, 10, "", "xxxxxxx..."),
        ("exactly10!", 10, "", "exactly10!"),
    ],
)
def test_shown_escapes_what_is_not_printable_and_cuts(text, limit, keep, expected):
    assert parse.shown(text, limit, keep) == expected


NUMBERS = [
    "1250000.50", "1,250,000.50", "-5", "0", "0.00", "007", "000.010", "1,25", "12,345.678",
    "", "abc", "1.2.3", "--5", "5.", ".5", "\u0661\u0662", "99999999999999999.99", "0.5",
]  # fmt: skip


def _both(cells: list[str]) -> tuple[pd.Series, pd.Series]:
    return pd.Series(pd.array(cells, dtype=TEXT)), pd.Series(cells, dtype=object)


@pytest.mark.parametrize("ascii_only", [True, False])
def test_numbers_read_alike(ascii_only):
    cells = [c for c in NUMBERS if c.isascii()] if ascii_only else NUMBERS
    arrow, python = (parse.read_numbers(values) for values in _both(cells))
    assert isinstance(arrow.plain, list) != ascii_only  # ASCII text is read by pyarrow
    for field in ["valid", "positive"]:
        assert getattr(arrow, field).tolist() == getattr(python, field).tolist()
    valid = python.valid
    for field in ["whole_digits", "places"]:
        assert getattr(arrow, field)[valid].tolist() == getattr(python, field)[valid].tolist()
    assert arrow.decimals().tolist() == python.decimals().tolist()
    rows = python.positive & (python.places <= 2) & (python.whole_digits <= 16)
    assert arrow.scaled(2, rows).tolist() == python.scaled(2, rows).tolist()
    assert python.scaled(2, rows)[cells.index("1,250,000.50")] == 125_000_050


def test_filled_distinct_lengths_and_repeats_alike():
    cells = ["b", "", "a", "b", "é", "", "a"]
    arrow, python = _both(cells)
    assert parse.filled(arrow).tolist() == parse.filled(python).tolist()
    assert parse.upper(arrow).tolist() == parse.upper(python).tolist() == [c.upper() for c in cells]
    assert parse.text_lengths(arrow).tolist() == parse.text_lengths(python).tolist()
    assert parse.repeated(arrow).tolist() == [False, False, False, True, False, True, True]
    assert parse.repeated(python).tolist() == parse.repeated(arrow).tolist()


def test_looked_up_is_map():
    table = pd.Series(pd.to_datetime(["2024-01-02", "2023-05-06"]), index=["A1", "A2"])
    arrow, python = _both(["A2", "A9", "A1", ""])
    found = parse.looked_up(arrow, table)
    pd.testing.assert_series_equal(found, python.map(table))
    assert found.isna().tolist() == [False, True, False, True]


def test_control_and_invisible_characters_found_alike():
    cells = ["plain", "nul\x00", "esc\x1b", "del\x7f", "c1\x85", "tab\tlf\ncr\r", "", "P\u200b1"]
    cells += ["Pé", "P\u00a01", "A\u202e9", "\ufeffP1", "P 1", "\u00a0"]
    arrow, python = _both(cells)
    assert parse.has_control(arrow).tolist() == parse.has_control(python).tolist()
    assert parse.has_control(arrow)[:6].tolist() == [False, True, True, True, True, False]
    assert parse.is_visible_key(arrow).tolist() == parse.is_visible_key(python).tolist()
