"""The value parsers on tiny columns: ASCII digits only, control and invisible characters."""

import pandas as pd
import pytest

from tasks.ingest import parse


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
