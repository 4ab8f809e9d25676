"""The two lists of document INF/1 as DataFrames: every agreement, every financial partner.

Both come from the year's agreement list (`aggregate.agreements_in_year`, USD to the cent), so
they add up to the report's figures: the agreements' `total_usd` to `financial_usd.total`,
the financial partners' `usd` to `partners.financial_usd`. annex_inf1.docx and the sheets of
tables.xlsx print these same frames.
"""

import numpy as np
import pandas as pd

from models.codes import PARTNER_TYPES, label

FINANCIAL_PARTNER_COLUMNS = (
    "rank",
    "partner_id",
    "partner_name",
    "partner_type",
    "usd",
    "agreements",
)


def with_shares(agreements: pd.DataFrame) -> pd.DataFrame:
    """The agreements with `itu_share` and `partner_share` of each one's total (empty when 0)."""
    table = agreements.copy()
    total = table["total_usd"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        for source in ("itu", "partner"):
            share = table[f"{source}_usd"].to_numpy(dtype="float64") / total
            table[f"{source}_share"] = np.where(total > 0, share, np.nan)
    return table


def financial_partners(agreements: pd.DataFrame) -> pd.DataFrame:
    """Every partner with PARTNER contributions in the year, ranked as the report's top 10:
    largest USD first, ties by name (code-point = byte order), then partner_id.

    Sums are taken in whole cents, so they add up exactly to the report's total.
    """
    paying = agreements[agreements["partner_usd"] > 0]
    cents = (paying["partner_usd"].to_numpy(dtype="float64") * 100).round().astype("int64")
    grouped = (
        pd.DataFrame(
            {
                "partner_id": paying["partner_id"].to_numpy(dtype=object),
                "partner_name": paying["partner_name"].to_numpy(dtype=object),
                "partner_type": paying["partner_type"].to_numpy(dtype=object),
                "cents": cents,
            }
        )
        .groupby(["partner_id", "partner_name", "partner_type"], sort=False)["cents"]
        .agg(["sum", "size"])
        .reset_index()
    )
    grouped["order"] = -grouped["sum"]
    ranked = grouped.sort_values(["order", "partner_name", "partner_id"], kind="stable")
    return pd.DataFrame(
        {
            "rank": np.arange(1, len(ranked) + 1),
            "partner_id": ranked["partner_id"].to_numpy(dtype=object),
            "partner_name": ranked["partner_name"].to_numpy(dtype=object),
            "partner_type": ranked["partner_type"].to_numpy(dtype=object),
            "usd": ranked["sum"].to_numpy(dtype="int64") / 100,
            "agreements": ranked["size"].to_numpy(dtype="int64"),
        },
        columns=list(FINANCIAL_PARTNER_COLUMNS),
    )


def type_label(code: object) -> str:
    """A partner type's label ('' when missing)."""
    return "" if code is None or code != code else label(PARTNER_TYPES, str(code))
