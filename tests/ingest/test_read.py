"""Reading CSV files: pyarrow's parser gives exactly the table pandas' parser gave."""

import pandas as pd
import pytest
from openpyxl import Workbook

from tasks.errors import SourceError
from tasks.ingest.read import _conform, read_source
from tasks.ingest.read_csv import TEXT, parse_csv
from tasks.ingest.sources import open_source

HEADER = "contribution_id,agreement_id,source,amount,currency\n"
EDGE_CASES = {
    "plain": HEADER + "C1,A1,PARTNER,100,EUR\nC2,A1,ITU,5.5,USD\n",
    "no final newline": HEADER + "C1,A1,PARTNER,100,EUR",
    "crlf": HEADER.replace("\n", "\r\n") + "C1,A1,PARTNER,100,EUR\r\nC2,A2,ITU,7,CHF\r\n",
    "blank lines count as rows": HEADER + "C1,A1,PARTNER,1,EUR\n\n\nC2,A1,ITU,2,EUR\n\n",
    "blank crlf lines": HEADER + "C1,A1,PARTNER,1,EUR\r\n\r\nC2,A1,ITU,2,EUR\r\n",
    "row of empty cells": HEADER + ",,,,\nC1,A1,PARTNER,1,EUR\n",
    "quoted newline": HEADER + 'C1,A1,PARTNER,"1,000",EUR\n"C\n2",A1,ITU,"2\n\n",EUR\n',
    "quoted quotes": HEADER + '"C""1",A1,PARTNER,1,EUR\n',
    "padded cells": HEADER + "  C1 ,\tA1,PARTNER ,\u00a01\u3000, EUR\x1c\nC2,A1,ITU, 2,usd \n",
    "quoted padding": HEADER + '" C1","A1 ",ITU,"  3  ",EUR\n',
    "non-ASCII": HEADER + "C\u00e9,A\u0663,PARTNER,\u0661\u0662,EUR\n",
    "short row": HEADER + "C1,A1,PARTNER\nC2,A1,ITU,2,EUR\n",
    "duplicate headers": "contribution_id,Contribution ID,agreement_id,source,amount,amount,"
    "currency\nC1,X,A1,ITU,1,2,EUR\n",
    "header case and spaces": " Contribution-ID ,AGREEMENT ID,Source,Amount,Currency,Extra\n"
    "C1,A1,ITU,1,EUR,x\n",
    "header only": HEADER,
    "empty cells": HEADER + "C1,,,,\n,A1,ITU,,\n",
    "lone carriage returns": HEADER.replace("\n", "\r") + "C1,A1,ITU,1,EUR\r",
    "stray quotes": HEADER + 'C1,a"b,ITU,1,EUR\n"C2"x,A1,ITU,1,EUR\n "C3",A1,ITU,1,EUR\n',
    "unnamed column": "contribution_id,,agreement_id,source,amount,currency\nC1,x,A1,ITU,1,EUR\n",
}
READ_BY_PANDAS = {"short row"}  # pyarrow refuses a row with a missing field


def _as_read(text: str, arrow: bool) -> pd.DataFrame:
    return _conform("contributions.csv", "contributions", parse_csv(text, arrow=arrow), 1)


@pytest.mark.parametrize("case", EDGE_CASES)
def test_pyarrow_reads_what_pandas_reads(case):
    """Same columns, cells (trimmed), row numbers and dtype through either parser."""
    text = EDGE_CASES[case]
    parsed_by_arrow = all(dtype == TEXT for dtype in parse_csv(text).dtypes)
    assert parsed_by_arrow == (case not in READ_BY_PANDAS)
    fast, before = _as_read(text, arrow=True), _as_read(text, arrow=False)
    pd.testing.assert_frame_equal(fast, before)
    assert all(fast[c].dtype == TEXT for c in ["contribution_id", "amount", "currency"])


def test_padding_is_trimmed_as_python_strips():
    frame = _as_read(EDGE_CASES["padded cells"], arrow=True)
    assert frame["contribution_id"].tolist() == ["C1", "C2"]
    assert frame["amount"].tolist() == ["1", "2"]  # no-break space and ideographic space
    assert frame["currency"].tolist() == ["EUR", "usd"]  # \x1c is white space to Python


def test_blank_lines_keep_the_row_numbers():
    frame = _as_read(EDGE_CASES["blank lines count as rows"], arrow=True)
    assert frame["_row"].tolist() == [1, 4]


@pytest.mark.parametrize(
    "text",
    [HEADER + 'C1,A1,ITU,"1,EUR\n', HEADER + "C1,A1,ITU,1,EUR\nC2,A1,ITU,1,EUR,extra\n"],
    ids=["unclosed quote", "too many fields"],
)
def test_unreadable_csv_fails_with_the_file_named(tmp_path, text):
    (tmp_path / "contributions.csv").write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=r"contributions\.csv: not a readable CSV"):
        read_source(open_source(str(tmp_path)))


@pytest.mark.parametrize(("separator", "named"), [(";", "';'"), ("\t", "tabs")])
def test_a_csv_separated_by_semicolons_fails_saying_so(tmp_path, separator, named):
    """Excel in fr-CH/de-CH saves "CSV" with ';': its header is there, its separator is not."""
    text = (HEADER + 'C1,A1,ITU,1,EUR\nC2,A1,ITU,"1,5",CHF\n').replace(",", separator)
    (tmp_path / "contributions.csv").write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as error:
        read_source(open_source(str(tmp_path)))
    assert str(error.value) == (
        f"contributions.csv: separated by {named}, but prm reads comma-separated CSV; save it "
        "with ',' as the list separator, or as an .xlsx workbook with a sheet named contributions"
    )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('P1,"Quote "Two" x",GOVERNMENT\n', "row 1"),
        ('P1,Alpha,ACADEMIA\n\nP2,"Beta" Ltd,GOVERNMENT\n', "row 3"),  # blank lines count
        ('P1,"He said ""hi"" "then",ACADEMIA\n', "row 1"),
    ],
    ids=["inner quotes", "after a blank line", "after a doubled quote"],
)
def test_a_quoted_field_that_goes_on_after_its_closing_quote_fails_the_file(tmp_path, text, where):
    """Both parsers would join the parts (`Quote Two" x"`): a value the file does not hold."""
    (tmp_path / "partners.csv").write_text("partner_id,name,partner_type\n" + text)
    with pytest.raises(SourceError) as error:
        read_source(open_source(str(tmp_path)))
    assert str(error.value) == (
        f"partners.csv: not a readable CSV ({where}: a quoted field goes on after its closing "
        'quote; write a quote inside a quoted field as two quotes "")'
    )


def test_literal_and_doubled_quotes_are_read_as_written(tmp_path):
    (tmp_path / "partners.csv").write_text(
        "partner_id,name,partner_type\n"
        'P1,Company "X" Ltd,ACADEMIA\n'
        'P2,"Quote ""Two"" x",GOVERNMENT\n'
        'P3, "Gamma",GOVERNMENT\n'
    )
    names = read_source(open_source(str(tmp_path))).tables["partners"]["name"].tolist()
    assert names == ['Company "X" Ltd', 'Quote "Two" x', '"Gamma"']


def test_a_missing_column_is_still_named_when_semicolons_are_in_the_header(tmp_path):
    (tmp_path / "contributions.csv").write_text(
        "contribution_id;agreement_id;source;amount\nC1;A1;ITU;1\n", encoding="utf-8"
    )
    with pytest.raises(SourceError, match=r"contributions\.csv: missing required column\(s\) "):
        read_source(open_source(str(tmp_path)))


@pytest.mark.parametrize(
    ("extra", "fields"), [(",x", 6), (",x,y", 7), (",", 6)], ids=["one", "two", "empty"]
)
@pytest.mark.parametrize("arrow", [True, False], ids=["arrow", "pandas"])
def test_extra_fields_on_every_row_fail_the_file(tmp_path, extra, fields, arrow):
    """pandas would make the extra leading fields an index: the file fails, naming the row."""
    text = HEADER + f"C1,A1,ITU,1,EUR{extra}\nC2,A1,ITU,2,EUR{extra}\n"
    expected = (
        rf"contributions\.csv: not a readable CSV \(row 1 has {fields} fields, the header 5\)"
    )
    if not arrow:
        text = text.replace("ITU", "IT\0U")  # a NUL character: pandas' parser from the start
    (tmp_path / "contributions.csv").write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match=expected):
        read_source(open_source(str(tmp_path)))


def test_bom_and_workbook_read_alike(tmp_path):
    """A CSV with a BOM and a workbook sheet of the same rows give the same text."""
    rows = [["C1", "A1", "PARTNER", "1,000.50", "EUR"], ["C2", "A1", " itu ", "7", "usd"]]
    csv_folder, xlsx_folder = tmp_path / "csv", tmp_path / "xlsx"
    csv_folder.mkdir()
    xlsx_folder.mkdir()
    lines = [HEADER.strip()] + [",".join(f'"{cell}"' for cell in row) for row in rows]
    (csv_folder / "contributions.csv").write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode())
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "contributions"
    for row in [HEADER.strip().split(","), *rows]:
        sheet.append(row)
    workbook.save(xlsx_folder / "register.xlsx")
    from_csv = read_source(open_source(str(csv_folder))).tables["contributions"]
    from_xlsx = read_source(open_source(str(xlsx_folder))).tables["contributions"]
    columns = ["contribution_id", "agreement_id", "source", "amount", "currency"]
    pd.testing.assert_frame_equal(from_csv[columns], from_xlsx[columns])
    assert from_csv["source"].tolist() == ["PARTNER", "itu"]
    assert from_xlsx["_row"].tolist() == [2, 3]


def test_only_ingested_cells_are_arrow_text():
    """pyarrow's presence leaves the project's other string columns on Python storage."""
    import tasks.report  # noqa: F401  (the packages that make frames set it on import)

    assert pd.Series(["a"]).dtype.storage == "python"
    assert TEXT.storage == "pyarrow"
