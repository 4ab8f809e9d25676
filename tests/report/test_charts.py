"""The report charts: titles, contract labels and printed values, read from the figure objects."""

import io

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from models.codes import PARTNER_TYPES, PRIORITIES, REGIONS
from tasks.report.charts import (
    AGREEMENTS_LABEL,
    ITU_LABEL,
    MONEY_LABEL,
    PARTNERS_LABEL,
    build_charts,
)
from tests.fixtures_metrics import seed_metrics, zero_money_metrics


def _texts(fig: Figure) -> list[str]:
    """Every text of a figure (titles, labels, annotations, legends), line breaks as spaces."""
    return [t.get_text().replace("\n", " ") for t in fig.findobj(Text) if t.get_text()]


def _suptitle(fig: Figure) -> str:
    return fig.get_suptitle().replace("\n", " ")


@pytest.fixture(scope="module")
def charts() -> dict[str, Figure]:
    return build_charts(seed_metrics())


def test_four_charts_with_the_seed_titles(charts):
    assert set(charts) == {"partners_by_type", "by_region", "by_priority", "trend"}
    assert _suptitle(charts["partners_by_type"]) == "BDT partners by type (2024)"
    assert _suptitle(charts["by_region"]) == (
        "Signed agreements and financial contributions by region (2024)"
    )
    assert "by ITU-D priority (2024)" in _suptitle(charts["by_priority"])
    assert _suptitle(charts["trend"]) == (
        "Number of signed agreements and financial contributions (in USD million), 2020–2024"
    )


def test_partners_by_type_shows_total_and_every_type_with_count_and_percent(charts):
    texts = _texts(charts["partners_by_type"])
    assert "Number of partners (total: 73)" in texts
    legend = charts["partners_by_type"].legends[0]
    entries = [t.get_text() for t in legend.get_texts()]
    assert [e.split(":")[0] for e in entries] == list(PARTNER_TYPES.values())
    assert "Governmental entities: 32 (44%)" in entries
    assert "UN organizations: 15 (21%)" in entries
    assert "44%" in texts  # printed on the ring too


@pytest.mark.parametrize(("name", "labels"), [("by_region", REGIONS), ("by_priority", PRIORITIES)])
def test_breakdowns_label_every_code_zeros_included(charts, name, labels):
    ax = charts[name].axes[0]
    ticks = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert ticks == list(labels.values())
    assert ax.get_xlabel() == "Share of the year's total (%)"
    legend = [t.get_text() for t in charts[name].legends[0].get_texts()]
    assert legend == [AGREEMENTS_LABEL, MONEY_LABEL]


def test_region_chart_prints_shares_counts_and_money(charts):
    texts = _texts(charts["by_region"])
    assert "21% (19)" in texts  # Africa, agreements
    assert "51% (USD 17.1 M)" in texts  # Africa, money
    assert "38% (34)" in texts  # Multi regions
    assert "<1% (USD 0.1 M)" in texts  # Arab States: a sliver, not "0%"


def test_trend_chart_prints_yearly_values_and_agreements_line(charts):
    fig = charts["trend"]
    bars_ax, line_ax = fig.axes
    assert [t.get_text() for t in bars_ax.get_xticklabels()] == [str(y) for y in range(2020, 2025)]
    assert bars_ax.get_ylabel() == "USD million"
    texts = _texts(fig)
    for value in ("31.1", "2.7", "22.2", "1.0", "89", "42"):
        assert value in texts
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [ITU_LABEL, PARTNERS_LABEL, AGREEMENTS_LABEL]
    assert list(line_ax.lines[0].get_ydata()) == [42, 72, 75, 88, 89]


def test_zero_money_year_draws():
    charts = build_charts(zero_money_metrics())
    for fig in charts.values():
        fig.savefig(io.BytesIO(), format="png", dpi=50)
    texts = _texts(charts["by_region"])
    assert "0% (USD 0.0 M)" in texts
    assert "Number of partners (total: 73)" in _texts(charts["partners_by_type"])


def test_no_partners_at_all_draws():
    metrics = zero_money_metrics()
    metrics.partners.total = 0
    metrics.partners.by_type = dict.fromkeys(PARTNER_TYPES, 0)
    fig = build_charts(metrics)["partners_by_type"]
    fig.savefig(io.BytesIO(), format="png", dpi=50)
    assert "Number of partners (total: 0)" in _texts(fig)
