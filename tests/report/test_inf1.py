"""The INF/1 lists (financial partners ranked as the top 10, shares) and the fast Word table."""

import numpy as np
import pandas as pd
import pytest
from lxml import etree

from tasks.report import docx_table
from tasks.report.docx_table import Column, escaped, table_chunks
from tasks.report.inf1 import financial_partners, with_shares

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _agreements() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "agreement_id": ["A1", "A2", "A3", "A4"],
            "partner_id": ["P2", "P1", "P3", "P2"],
            "partner_name": ["Beta", "Alpha", "Gamma", "Beta"],
            "partner_type": ["GOVERNMENT", "ACADEMIA", "UN_ORGANIZATION", "GOVERNMENT"],
            "partner_usd": [0.10, 0.30, 0.0, 0.20],
            "itu_usd": [0.0, 0.10, 0.0, 0.05],
            "total_usd": [0.10, 0.40, 0.0, 0.25],
        }
    )


def test_financial_partners_sum_in_cents_and_rank_ties_by_name():
    partners = financial_partners(_agreements())
    # Beta 0.10 + 0.20 = 0.30 exactly (not 0.30000000000000004), tied with Alpha: name first
    assert partners["partner_name"].tolist() == ["Alpha", "Beta"]
    assert partners["usd"].tolist() == [0.3, 0.3]
    assert partners["rank"].tolist() == [1, 2] and partners["agreements"].tolist() == [1, 2]


def test_shares_of_each_agreement_and_none_without_money():
    table = with_shares(_agreements())
    assert table["itu_share"].tolist()[:2] == [0.0, 0.25]
    assert table["partner_share"].tolist()[1] == pytest.approx(0.75)
    assert np.isnan(table.loc[2, "partner_share"])


def test_escaped_texts_are_xml_safe_and_missing_is_empty():
    texts = escaped(["A & B <x>", None, "plain", "bell\x07", "A & B <x>"])
    assert texts.tolist() == ["A &amp; B &lt;x&gt;", "", "plain", "bell", "A &amp; B &lt;x&gt;"]


@pytest.mark.parametrize("per_chunk", [2, 5_000])
def test_table_xml_has_every_row_whatever_the_chunks(monkeypatch, per_chunk):
    monkeypatch.setattr(docx_table, "ROWS_PER_CHUNK", per_chunk)
    columns = [Column("Name", 5), Column("USD", 3, right=True)]
    cells = [escaped(["a", "b & c", "d", "e", "f"]), escaped(["1.00", "2.00", "3", "4", "5"])]
    xml = "".join(table_chunks(columns, cells, ["Total", "15.00"]))
    table = etree.fromstring(f'<w:body xmlns:w="{W[1:-1]}">{xml}</w:body>')[0]
    rows = [["".join(c.itertext()) for c in r.iter(f"{W}tc")] for r in table.iter(f"{W}tr")]
    assert rows[0] == ["Name", "USD"] and rows[-1] == ["Total", "15.00"]
    assert rows[1:-1] == [["a", "1.00"], ["b & c", "2.00"], ["d", "3"], ["e", "4"], ["f", "5"]]
    assert table.find(f"{W}tr/{W}trPr/{W}tblHeader") is not None
