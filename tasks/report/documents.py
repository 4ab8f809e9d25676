"""The sentences of the report that carry figures, and the one place numbers are formatted.

The report follows the 2024 TDAG document (seed): its fixed prose is in `tasks.report.prose`,
the document's blocks in `tasks.report.content`; every format (Markdown, HTML, DOCX, PDF)
prints these sentences as they are built here from the metrics.
"""

import math
import re

from markupsafe import Markup

from models.codes import MEMBERSHIP_CATEGORIES, label
from models.metrics import Change, Metrics

CHART_NAMES = ("partners_by_type", "by_region", "by_priority", "trend")


def fmt_usd_m(usd: float, decimals: int = 1) -> str:
    """USD as millions with the given decimals, e.g. 33_800_000 -> '33.8'."""
    return f"{usd / 1e6:,.{decimals}f}"


def _under_smallest(usd: float, decimals: int) -> bool:
    """True for an amount above 0 that rounds to 0 million at `decimals`."""
    return 0 < usd / 1e6 < 10**-decimals / 2


def usd_million_words(usd: float, decimals: int = 1) -> str:
    """USD in words as in the report: 'USD 33.8 million' ('less than USD 0.1 million')."""
    if _under_smallest(usd, decimals):
        return f"less than USD {10**-decimals:.{decimals}f} million"
    return f"USD {fmt_usd_m(usd, decimals)} million"


def rounded_usd_million_words(usd: float, about: str) -> str:
    """'`about` USD 33.8 million' for a rounded amount; 'less than USD 0.1 million' as it is
    (an amount is not 'approximately less than' anything)."""
    words = usd_million_words(usd)
    return words if _under_smallest(usd, 1) else f"{about} {words}"


def fmt_pct(share: float) -> str:
    """A share 0..1 as a whole percentage, e.g. 0.9201 -> '92%' ('<1%' for a sliver above 0)."""
    if 0 < share < 0.005:
        return "<1%"
    return f"{math.floor(share * 100 + 0.5)}%"


def fmt_change_pct(ratio: float) -> str:
    """A relative change as a signed whole percentage, e.g. 0.391 -> '+39%'."""
    return f"{'+' if ratio >= 0 else '-'}{math.floor(abs(ratio) * 100 + 0.5)}%"


def chart_titles(year: int) -> dict[str, str]:
    """The title of each chart of year Y (used by the charts and as the report's captions)."""
    return {
        "partners_by_type": f"BDT partners by type ({year})",
        "by_region": f"Signed agreements and financial contributions by region ({year})",
        "by_priority": f"Signed agreements and financial contributions by ITU-D priority ({year})",
        "trend": "Number of signed agreements and financial contributions (in USD million), "
        f"{year - 4}–{year}",
    }


def _plural(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _enumerate(items: list[str]) -> str:
    """'a', 'a and b', 'a, b, and c' (the seed's serial comma)."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def headline_sentence(metrics: Metrics) -> str:
    """Agreements signed in Y, those with money, the total and who contributed it."""
    year, signed = metrics.year, metrics.agreements.signed
    money = metrics.financial_usd
    opening = (
        f"In {year}, through the collaborative efforts of ITU memberships, partners and BDT staff "
        "(both in the regions and at headquarters), the ITU/BDT signed "
    )
    if signed == 0:
        return opening + "no partnership agreement."
    agreements = _plural(signed, "partnership agreement", "partnership agreements")
    if metrics.agreements.with_financial == 0 or money.total == 0:
        return opening + f"{agreements}, none of which included financial contributions."
    return opening + (
        f"{agreements} out of which {metrics.agreements.with_financial} included financial "
        f"contributions totalling {rounded_usd_million_words(money.total, 'approximately')}, "
        f"with {fmt_pct(money.partner_share)} contributed by BDT partners and "
        f"{fmt_pct(money.itu_share)} by ITU."
    )


def partners_sentence(metrics: Metrics) -> str:
    """Introduces the partners-by-type chart (a year with partners only)."""
    total = metrics.partners.total
    if metrics.agreements.signed == 1:
        opening = "This partnership agreement was signed with"
    else:
        opening = "These partnership agreements were signed with"
    if total == 1:
        return f"{opening} 1 partner, whose type is shown below:"
    return f"{opening} {total} partners of different type, distributed as follows:"


def membership_sentence(metrics: Metrics) -> str:
    """The partners' ITU membership categories, zero categories left out (a year with
    partners only)."""
    counts = metrics.partners.by_membership
    present = [code for code in MEMBERSHIP_CATEGORIES if counts.get(code, 0) > 0]
    basis = "based on ITU Membership categories."
    if metrics.partners.total == 1:
        if not present:
            return f"This partner is not an ITU member, {basis}"
        return f"This partner is among the {label(MEMBERSHIP_CATEGORIES, present[0])}, {basis}"
    if not present:
        return f"None of these partners is an ITU member, {basis}"
    items = [f"{counts[code]} {label(MEMBERSHIP_CATEGORIES, code)}" for code in present]
    return f"These partners included {_enumerate(items)}, {basis}"


def financial_partners_sentence(metrics: Metrics) -> str:
    """How many of the year's partners signed financial contributions, and for how much."""
    partners, year = metrics.partners, metrics.year
    if partners.total == 0:
        return f"No BDT partner signed a financial contribution in {year}."
    if partners.financial == 0:
        if partners.total == 1:
            return f"The BDT partner signed no financial contribution in {year}."
        return (
            f"None of the {partners.total} BDT partners signed a financial contribution in {year}."
        )
    return (
        f"Out of the {_plural(partners.total, 'BDT partner', 'BDT partners')}, "
        f"{partners.financial} signed financial "
        "contribution(s) for a total amount of "
        f"{rounded_usd_million_words(partners.financial_usd, 'about')} "
        "distributed as detailed below:"
    )


def trend_sentence(metrics: Metrics) -> str:
    """Introduces the five-year chart; praises the year only when money actually grew."""
    first, last = metrics.trend[0].year, metrics.trend[-1].year
    sentence = (
        f"The number of agreements and financial contributions signed between {first} and "
        f"{last} are presented in the chart below"
    )
    if metrics.year_over_year.financial_usd_total.change > 0:
        sentence += (
            ", highlighting the significant resource mobilization achieved in the past year to "
            "support the implementation of development projects, regional and global "
            "initiatives, and activities at national, regional, and global levels"
        )
    return sentence + "."


def _movement(change: Change, what: str, fmt) -> str:
    """'rose from X to Y (+n%)', 'fell ...' or 'was unchanged at X' for one figure."""
    if change.change == 0:
        return f"{what} was unchanged at {fmt(change.current)}"
    verb = "rose" if change.change > 0 else "fell"
    pct = f" ({fmt_change_pct(change.change_pct)})" if change.change_pct is not None else ""
    return f"{what} {verb} from {fmt(change.previous)} to {fmt(change.current)}{pct}"


def year_over_year_sentence(metrics: Metrics) -> str:
    """Year Y against Y-1: agreements signed and financial contributions."""
    yoy = metrics.year_over_year
    agreements = _movement(yoy.agreements, "the number of agreements signed", lambda v: f"{v:.0f}")
    money = yoy.financial_usd_total
    if money.current == 0 and money.previous == 0:
        financial = "no financial contribution was signed in either year"
    else:
        financial = _movement(money, "financial contributions", usd_million_words)
    return f"Compared with {yoy.previous_year}, {agreements}, and {financial}."


def data_quality_sentence(metrics: Metrics) -> str:
    """Which ingestion the data-quality figures describe and how many rows it rejected."""
    quality = metrics.data_quality
    rejected = sum(quality.rejected.values())
    read = sum(quality.read.values())
    which = (
        f"as loaded by ingestion {quality.ingestion_id}"
        if quality.ingestion_id is not None
        else "as it stands in the database"
    )
    rows = _plural(rejected, "row was", "rows were")
    return (
        f"The figures come from the partner register {which}: of the "
        f"{_plural(read, 'row', 'rows')} read, {rows} rejected, each listed with its reason "
        "in rejections.csv."
    )


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#])")
_ENTITY_START = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


def escape_markdown(value: object) -> str:
    """Text that Markdown prints literally: no HTML, entities, links, emphasis or table breaks.

    An `&` that would start an entity (`&lt;`, `&#60;`) becomes `&amp;`, so a name written
    `&lt;script&gt;` shows as written, not as `<script>`; a lone `&` (AT&T) stays readable.
    """
    if isinstance(value, Markup):
        return str(value)
    text = _ENTITY_START.sub("&amp;", str(value)).replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")
