"""The written report (Markdown and self-contained HTML) and the one place numbers are formatted."""

import math


def fmt_usd_m(usd: float, decimals: int = 1) -> str:
    """USD as millions with the given decimals, e.g. 33_800_000 -> '33.8'."""
    return f"{usd / 1e6:,.{decimals}f}"


def fmt_pct(share: float) -> str:
    """A share 0..1 as a whole percentage, e.g. 0.9201 -> '92%' ('<1%' for a sliver above 0)."""
    if 0 < share < 0.005:
        return "<1%"
    return f"{math.floor(share * 100 + 0.5)}%"


def chart_titles(year: int) -> dict[str, str]:
    """The title of each chart of year Y (used by the charts and as the report's captions)."""
    return {
        "partners_by_type": f"BDT partners by type ({year})",
        "by_region": f"Signed agreements and financial contributions by region ({year})",
        "by_priority": f"Signed agreements and financial contributions by ITU-D priority ({year})",
        "trend": "Number of signed agreements and financial contributions (in USD million), "
        f"{year - 4}–{year}",
    }
