"""The report's four chart groups, drawn from the metrics as matplotlib Figures (no file I/O).

Figures are built with `matplotlib.figure.Figure` directly (no pyplot, no global state) at A4
text width; the writer module (tasks.report.bundle) renders and saves them. Labels come from
models.codes, numbers are formatted by tasks.report.documents, colours from the one palette below.
"""

import math
import textwrap
from collections.abc import Sequence

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from models.codes import PARTNER_TYPES, label
from models.metrics import Breakdown, Metrics
from tasks.report.documents import chart_titles, fmt_pct, fmt_usd_m

# Okabe-Ito, the colour-blind-safe palette every chart uses.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
}
TYPE_COLOURS = ("blue", "orange", "green", "purple", "sky_blue", "vermillion")
COUNT_COLOUR = OKABE_ITO["blue"]
MONEY_COLOUR = OKABE_ITO["orange"]
ITU_COLOUR = OKABE_ITO["green"]
PARTNERS_COLOUR = OKABE_ITO["orange"]
GREY = "#BBBBBB"

WIDTH_IN = 16 / 2.54  # A4 text width
BASE_FONT_PT = 8
# Text sizes are resolved when a text is created, so the charts are built inside this context.
STYLE = {"font.size": BASE_FONT_PT, "axes.titlesize": BASE_FONT_PT + 1, "legend.fontsize": 7.5}
AGREEMENTS_LABEL = "Number of agreements"
MONEY_LABEL = "Financial contributions"
ITU_LABEL = "ITU contributions (USD M)"
PARTNERS_LABEL = "Partners' contributions (USD M)"


def build_charts(metrics: Metrics) -> dict[str, Figure]:
    """The four report charts of year Y, keyed partners_by_type, by_region, by_priority, trend."""
    titles = chart_titles(metrics.year)
    with matplotlib.rc_context(STYLE):
        return {
            "partners_by_type": partners_by_type_chart(metrics, titles["partners_by_type"]),
            "by_region": breakdown_chart(metrics.by_region, titles["by_region"], wrap=24),
            "by_priority": breakdown_chart(metrics.by_priority, titles["by_priority"], wrap=24),
            "trend": trend_chart(metrics, titles["trend"]),
        }


def _new_figure(height_in: float, title: str) -> Figure:
    """An empty A4-wide figure with the chart's (wrapped) title."""
    fig = Figure(figsize=(WIDTH_IN, height_in), layout="constrained")
    fig.suptitle(textwrap.fill(title, 58), fontsize=BASE_FONT_PT + 2, fontweight="bold")
    return fig


def _text_colour(hex_colour: str) -> str:
    """Black or white, whichever reads better on the given fill."""
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


def partners_by_type_chart(metrics: Metrics, title: str) -> Figure:
    """Donut of partners by type: % on the ring, counts and % in the legend, total in centre."""
    counts = [metrics.partners.by_type.get(code, 0) for code in PARTNER_TYPES]
    total = metrics.partners.total
    colours = [OKABE_ITO[name] for name in TYPE_COLOURS]
    fig = _new_figure(3.3, title)
    ax = fig.add_subplot()
    ax.set_title(f"Number of partners (total: {total})", fontsize=BASE_FONT_PT + 1)
    ring = {"width": 0.4, "edgecolor": "white", "linewidth": 1}
    if sum(counts) == 0:
        ax.pie([1], colors=[GREY], wedgeprops=ring)
    else:
        wedges, _ = ax.pie(
            counts, colors=colours, startangle=90, counterclock=False, wedgeprops=ring
        )
        _label_ring(ax, wedges, counts, colours)
    ax.text(0, 0, f"{total}\npartners", ha="center", va="center", fontsize=BASE_FONT_PT + 3)
    legend = [
        f"{label(PARTNER_TYPES, code)}: {n} ({fmt_pct(n / total if total else 0)})"
        for code, n in zip(PARTNER_TYPES, counts, strict=True)
    ]
    handles = [_patch(colour) for colour in colours]
    fig.legend(handles, legend, loc="outside right center", frameon=False)
    ax.set_aspect("equal")
    return fig


def _patch(colour: str) -> Patch:
    """A legend swatch of one colour."""
    return Patch(facecolor=colour, edgecolor="white")


def _label_ring(ax: Axes, wedges: Sequence, counts: list[int], colours: list[str]) -> None:
    """Print each slice's percentage on the ring when the slice is wide enough to hold it."""
    total = sum(counts)
    for wedge, n, colour in zip(wedges, counts, colours, strict=True):
        if n / total < 0.04:
            continue
        angle = math.radians((wedge.theta1 + wedge.theta2) / 2)
        x, y = 0.8 * math.cos(angle), 0.8 * math.sin(angle)
        ax.text(x, y, fmt_pct(n / total), ha="center", va="center", color=_text_colour(colour))


def breakdown_chart(rows: list[Breakdown], title: str, wrap: int) -> Figure:
    """Grouped horizontal bars: each code's share of agreements and of financial contributions."""
    fig = _new_figure(0.45 * len(rows) + 1.3, title)
    ax = fig.add_subplot()
    positions = range(len(rows))
    height = 0.38
    count_y = [p - height / 2 for p in positions]
    money_y = [p + height / 2 for p in positions]
    count_shares = [row.agreements_share * 100 for row in rows]
    money_shares = [row.financial_share * 100 for row in rows]
    ax.barh(count_y, count_shares, height, color=COUNT_COLOUR, label=AGREEMENTS_LABEL)
    ax.barh(money_y, money_shares, height, color=MONEY_COLOUR, label=MONEY_LABEL)
    for row, y in zip(rows, count_y, strict=True):
        text = f"{fmt_pct(row.agreements_share)} ({row.agreements})"
        ax.text(row.agreements_share * 100 + 1, y, text, va="center")
    for row, y in zip(rows, money_y, strict=True):
        text = f"{fmt_pct(row.financial_share)} (USD {fmt_usd_m(row.financial_usd, 1)} M)"
        ax.text(row.financial_share * 100 + 1, y, text, va="center")
    ax.set_yticks(list(positions), [textwrap.fill(row.label, wrap) for row in rows])
    ax.invert_yaxis()
    top = max([*count_shares, *money_shares, 1.0])
    ax.set_xlim(0, min(top * 1.45 + 8, 140))
    ax.set_xticks([t for t in range(0, 101, 20) if t <= top * 1.45 + 8])
    ax.set_xlabel("Share of the year's total (%)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside lower center", frameon=False, ncols=2)
    return fig


def trend_chart(metrics: Metrics, title: str) -> Figure:
    """Stacked bars of ITU and partners' USD millions per year, agreements as a line (2nd axis)."""
    years = [t.year for t in metrics.trend]
    itu_m = [t.itu_usd / 1e6 for t in metrics.trend]
    partners_m = [t.partners_usd / 1e6 for t in metrics.trend]
    counts = [t.agreements for t in metrics.trend]
    fig = _new_figure(3.4, title)
    ax = fig.add_subplot()
    x = list(range(len(years)))
    ax.bar(x, itu_m, 0.55, color=ITU_COLOUR, label=ITU_LABEL)
    ax.bar(x, partners_m, 0.55, bottom=itu_m, color=PARTNERS_COLOUR, label=PARTNERS_LABEL)
    top_usd = max([i + p for i, p in zip(itu_m, partners_m, strict=True)] + [1.0])
    ax.set_ylim(0, top_usd * 1.65)
    _label_stack(ax, x, itu_m, partners_m, top_usd)
    ax.set_xticks(x, [str(year) for year in years])
    ax.set_ylabel("USD million")
    ax.spines[["top"]].set_visible(False)
    line_ax = ax.twinx()
    _draw_count_line(line_ax, x, counts)
    handles = [*ax.get_legend_handles_labels()[0], *line_ax.get_legend_handles_labels()[0]]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
    return fig


def _label_stack(
    ax: Axes, x: list[int], itu_m: list[float], partners_m: list[float], top_usd: float
) -> None:
    """Print each segment's USD million: inside when tall enough, else beside the bar."""
    min_inside = top_usd * 0.07
    for xi, itu, partners in zip(x, itu_m, partners_m, strict=True):
        for value, bottom, colour in ((itu, 0, ITU_COLOUR), (partners, itu, PARTNERS_COLOUR)):
            if value <= 0:
                continue
            text = fmt_usd_m(value * 1e6, 1)
            if value >= min_inside:
                ax.text(
                    xi,
                    bottom + value / 2,
                    text,
                    ha="center",
                    va="center",
                    color=_text_colour(colour),
                )
            else:
                y = max(bottom + value / 2, top_usd * 0.04)
                ax.text(xi + 0.3, y, text, ha="left", va="center")


def _draw_count_line(ax: Axes, x: list[int], counts: list[int]) -> None:
    """Agreements per year as a labelled line, kept above the bars by the axis range."""
    top = max([*counts, 1])
    ax.plot(x, counts, color=COUNT_COLOUR, marker="o", linewidth=2, label=AGREEMENTS_LABEL)
    for xi, n in zip(x, counts, strict=True):
        ax.annotate(
            str(n),
            (xi, n),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            color=COUNT_COLOUR,
            fontweight="bold",
        )
    # The lower part of this axis is left empty so the line runs above the bars; the values
    # are printed on the points, so the axis itself carries no ticks.
    ax.set_ylim(-top * 1.7, top * 1.2)
    ax.set_yticks([])
    ax.spines[["top", "right"]].set_visible(False)
