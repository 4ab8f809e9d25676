"""The written report: the seed's sentences from the metrics, escaping, and a year without money."""

import base64
import html
import re

import markdown
import pytest

from models.metrics import Metrics
from tasks.report import written
from tasks.report.content import build_content
from tasks.report.document_settings import load_document_settings
from tasks.report.documents import (
    CHART_NAMES,
    fmt_change_pct,
    fmt_pct,
    fmt_usd_m,
    usd_million_words,
)
from tests.fixtures_metrics import seed_metrics, seed_metrics_dict, zero_money_metrics

PNGS = {name: f"png-of-{name}".encode() for name in CHART_NAMES}


def render_markdown(metrics: Metrics, charts_dir_rel: str = "charts") -> str:
    content = build_content(metrics, load_document_settings(metrics.year))
    return written.render_markdown(content, metrics, charts_dir_rel)


def render_html(metrics: Metrics, pngs: dict[str, bytes]) -> str:
    return written.render_html(
        build_content(metrics, load_document_settings(metrics.year)), metrics, pngs
    )


SEED_SENTENCES = [
    "the ITU/BDT signed 89 partnership agreements out of which 53 included financial "
    "contributions totalling approximately USD 33.8 million, with 92% contributed by BDT "
    "partners and 8% by ITU.",
    "These partnership agreements were signed with 73 partners of different type",
    "These partners included 19 Member States, 7 ITU-D Sector Members, 3 Academia, and 2 "
    "Regional and other International Organizations, based on ITU Membership categories.",
    "Out of the 73 BDT partners, 33 signed financial contribution(s) for a total amount of "
    "about USD 31.1 million",
    "For 2024, BDT’s top 10 financial partners were:",
    "## 3. Partnerships and results of resource mobilization in 2024",
    "## 4. Key Actions and Outcomes",
    "## 5. Way forward",
    "## Annex: Data quality",
]


def test_number_formats():
    assert fmt_usd_m(33_800_000) == "33.8"
    assert usd_million_words(19_820_000, 2) == "USD 19.82 million"
    assert usd_million_words(20_000) == "less than USD 0.1 million"
    assert usd_million_words(0) == "USD 0.0 million"
    assert fmt_pct(0.9201) == "92%"
    assert fmt_pct(0.125) == "13%"  # half up, not banker's rounding
    assert fmt_pct(0.003) == "<1%"
    assert fmt_pct(0) == "0%"
    assert fmt_change_pct(0.391) == "+39%"
    assert fmt_change_pct(-0.12) == "-12%"


@pytest.mark.parametrize("sentence", SEED_SENTENCES)
def test_markdown_has_the_seed_sentences(sentence):
    assert sentence in render_markdown(seed_metrics())


def test_markdown_top_10_table_and_charts():
    text = render_markdown(seed_metrics(), charts_dir_rel="charts")
    assert "| Partner | Signed financial contributions (in USD as per date of signature) |" in text
    assert "| European Union represented by the European Commission | USD 19.82 million |" in text
    assert "| Ministry of Science and ICT, Korea Rep. | USD 0.37 million |" in text
    for name in CHART_NAMES:
        assert f"(charts/{name}.png)" in text
    assert "![BDT partners by type (2024)](charts/partners_by_type.png)" in text


def test_year_over_year_sentence():
    text = render_markdown(seed_metrics())
    assert (
        "Compared with 2023, the number of agreements signed rose from 88 to 89 (+1%), and "
        "financial contributions rose from USD 24.3 million to USD 33.8 million (+39%)."
    ) in text
    assert "highlighting the significant resource mobilization" in text


def test_membership_sentence_skips_zero_categories():
    data = seed_metrics_dict()
    data["partners"]["by_membership"].update(SECTOR_MEMBER=0, ASSOCIATE=1)
    text = render_markdown(Metrics.model_validate(data))
    assert "These partners included 19 Member States, 1 Associates, 3 Academia, and 2" in text
    assert "ITU-D Sector Members" not in text


def test_zero_money_year_wording():
    text = render_markdown(zero_money_metrics())
    assert "signed 89 partnership agreements, none of which included financial contributions." in (
        text
    )
    assert "None of the 73 BDT partners signed a financial contribution in 2024." in text
    assert "top 0" not in text and "| Partner |" not in text
    assert "no financial contribution was signed in either year" in text
    assert "highlighting the significant resource mobilization" not in text
    assert "0%" not in text.split("## 4.")[0]  # no meaningless shares of nothing


def test_falling_year_is_not_praised():
    data = seed_metrics_dict()
    data["year_over_year"]["financial_usd_total"].update(
        previous=40_000_000.0, change=-6_200_000.0, change_pct=-0.155
    )
    text = render_markdown(Metrics.model_validate(data))
    assert "financial contributions fell from USD 40.0 million to USD 33.8 million (-16%)" in text
    assert "highlighting the significant resource mobilization" not in text


def _with_partner_name(name: str) -> Metrics:
    data = seed_metrics_dict()
    data["top_financial_partners"][0]["name"] = name
    return Metrics.model_validate(data)


def test_html_escapes_partner_names():
    metrics = _with_partner_name('<script>alert("x")</script> A|B [x](javascript:y)')
    page = render_html(metrics, PNGS)
    assert "<script" not in page
    assert "&lt;script&gt;" in page
    assert 'href="javascript' not in page
    text = render_markdown(metrics)
    assert "<script" not in text
    assert "A\\|B" in text  # a pipe cannot break the Markdown table
    cell = render_html(_with_partner_name("A|B *b* _i_ #1"), PNGS)
    assert "<td>A|B *b* _i_ #1</td>" in cell  # printed literally, in one table cell


@pytest.mark.parametrize("name", ["&lt;script&gt;", "&#60;b&#x3E;", "AT&T &amp; co"])
def test_html_shows_entities_in_names_as_written(name):
    page = render_html(_with_partner_name(name), PNGS)
    cells = re.findall(r"<td>([^<]*)</td>", page)
    assert name in [html.unescape(cell) for cell in cells]  # what a browser shows
    assert "<script" not in page and "<b>" not in page


def test_html_is_self_contained_and_complete():
    page = render_html(seed_metrics(), PNGS)
    assert page.startswith("<!DOCTYPE html>")
    sources = re.findall(r'<img[^>]* src="([^"]+)"', page)
    assert sources == [
        "data:image/png;base64," + base64.b64encode(PNGS[name]).decode() for name in CHART_NAMES
    ]
    assert "<td>Foreign, Commonwealth &amp; Development Office, United Kingdom</td>" in page
    assert "USD 19.82 million" in page
    assert "<h2>Annex: Data quality</h2>" in page
    assert "<td>Unknown agreement</td>" in page and "unknown_agreement" not in page
    assert "<td>eun-ju.kim@itu.int</td>" in page  # the contact block
    assert "@media print" in page


def test_html_is_what_markdown_makes_of_the_text_with_the_charts_in_it():
    """The charts' data URIs go into the HTML after the conversion (20x faster): the page
    holds, byte for byte, what Markdown makes of the text with the data URIs in it."""
    metrics = seed_metrics()
    content = build_content(metrics, load_document_settings(metrics.year))
    pngs = {name: bytes(range(256)) * 40 + name.encode() for name in CHART_NAMES}  # + and /
    text = written.render_markdown(content, metrics, "charts")
    for name in CHART_NAMES:
        uri = "data:image/png;base64," + base64.b64encode(pngs[name]).decode()
        text = text.replace(f"](charts/{name}.png)", f"]({uri})")
    body = markdown.markdown(text, extensions=["tables", "footnotes"], output_format="html")
    page = written.render_html(content, metrics, pngs)
    assert body.count("<img ") == len(CHART_NAMES) and body in page
    assert written.CHART_SRC not in page


def test_html_needs_every_chart():
    with pytest.raises(ValueError, match="trend"):
        render_html(seed_metrics(), {k: v for k, v in PNGS.items() if k != "trend"})


def test_an_amount_under_the_rounding_is_not_approximately_less_than_anything():
    data = seed_metrics_dict()
    data["financial_usd"].update(total=40_000.0, partners=30_000.0, itu=10_000.0)
    data["partners"].update(financial_usd=30_000.0)
    text = render_markdown(Metrics.model_validate(data))
    assert "contributions totalling less than USD 0.1 million, with" in text
    assert "for a total amount of less than USD 0.1 million distributed" in text
    assert "approximately less than" not in text and "about less than" not in text


def _with_partners(metrics: Metrics, signed: int, total: int, members: dict[str, int]) -> Metrics:
    """`metrics` with `signed` agreements and `total` partners of these membership counts."""
    data = metrics.model_dump(mode="json")
    data["agreements"]["signed"] = signed
    data["partners"].update(total=total, by_membership={"NONE": total - sum(members.values())})
    data["partners"]["by_membership"].update(members)
    data["partners"]["financial"] = min(data["partners"]["financial"], total)
    return Metrics.model_validate(data)


def test_one_partner_is_worded_in_the_singular():
    text = render_markdown(_with_partners(seed_metrics(), 1, 1, {}))
    assert "This partnership agreement was signed with 1 partner, whose type is shown below:" in (
        text
    )
    assert "This partner is not an ITU member, based on ITU Membership categories." in text
    assert "Out of the 1 BDT partner, 1 signed financial contribution(s)" in text
    member = render_markdown(_with_partners(zero_money_metrics(), 2, 1, {"MEMBER_STATE": 1}))
    assert "These partnership agreements were signed with 1 partner, whose type" in member
    assert "This partner is among the Member States, based on ITU Membership categories." in (
        member
    )
    assert "The BDT partner signed no financial contribution in 2024." in member


def test_a_year_without_partners_says_nothing_about_these_partners():
    text = render_markdown(_with_partners(zero_money_metrics(), 0, 0, {}))
    assert "No BDT partner signed a financial contribution in 2024." in text
    assert "None of these partners" not in text and "of the 0" not in text
    assert "ITU Membership categories" not in text
