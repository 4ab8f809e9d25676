"""The pydantic model of metrics.json (contract sections 4 and 5).

Money is USD as plain numbers rounded to the cent; shares are fractions 0..1. Keys beyond
the contract's (labels, year-over-year change) are additions the contract allows.
"""

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgreementCounts(_Strict):
    signed: int = Field(ge=0, description="agreements signed in Y, cancelled excluded")
    with_financial: int = Field(ge=0, description="of those, with at least one contribution")


class FinancialUSD(_Strict):
    total: float = Field(ge=0, description="USD, all sources")
    partners: float = Field(ge=0, description="USD, source PARTNER")
    itu: float = Field(ge=0, description="USD, source ITU")
    partner_share: float = Field(ge=0, le=1)
    itu_share: float = Field(ge=0, le=1)


class PartnerCounts(_Strict):
    total: int = Field(ge=0, description="distinct partners with an agreement signed in Y")
    financial: int = Field(ge=0, description="distinct partners with a PARTNER contribution")
    financial_usd: float = Field(ge=0, description="USD of those PARTNER contributions")
    by_type: dict[str, int] = Field(description="partner_type code -> partners, zeros included")
    by_membership: dict[str, int] = Field(description="membership code or NONE -> partners")


class TopPartner(_Strict):
    rank: int = Field(ge=1)
    partner_id: str
    name: str
    partner_type: str
    usd: float = Field(ge=0, description="PARTNER contributions in Y, USD")


class Breakdown(_Strict):
    code: str
    label: str
    agreements: int = Field(ge=0)
    agreements_share: float = Field(ge=0, le=1, description="of agreements.signed")
    financial_usd: float = Field(ge=0, description="all sources, USD")
    financial_share: float = Field(ge=0, le=1, description="of financial_usd.total")


class TrendYear(_Strict):
    year: int
    agreements: int = Field(ge=0)
    itu_usd: float = Field(ge=0)
    partners_usd: float = Field(ge=0)
    total_usd: float = Field(ge=0)


class Change(_Strict):
    """A figure of year Y against Y-1."""

    current: float
    previous: float
    change: float = Field(description="current - previous")
    change_pct: float | None = Field(description="change / previous; null when previous is 0")


class YearOverYear(_Strict):
    previous_year: int
    agreements: Change
    financial_usd_total: Change
    partners_usd: Change
    itu_usd: Change


class DataQuality(_Strict):
    ingestion_id: int | None = Field(default=None, description="the ingestion described")
    read: dict[str, int]
    loaded: dict[str, int]
    rejected: dict[str, int]
    rejections_by_reason: dict[str, int]


class Metrics(_Strict):
    year: int
    agreements: AgreementCounts
    financial_usd: FinancialUSD
    partners: PartnerCounts
    top_financial_partners: list[TopPartner]
    by_region: list[Breakdown]
    by_priority: list[Breakdown]
    trend: list[TrendYear]
    year_over_year: YearOverYear
    data_quality: DataQuality
