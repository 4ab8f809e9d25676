"""The data contract's codes and labels (section 3): the one place parsing, SQL and charts use.

Each code list keeps the contract's order, which is also the order tables and charts show.
A cell may hold the code or the label; `lookup` maps either (case-insensitive, spaces
collapsed) to the code.
"""

import re
from types import MappingProxyType

PARTNER_TYPES = MappingProxyType(
    {
        "ACADEMIA": "Academia",
        "FINANCIAL_INSTITUTION": "Financial institutions",
        "GOVERNMENT": "Governmental entities",
        "INTL_REGIONAL_ORG": "Int'l & Reg. Org.",
        "PRIVATE_SECTOR": "Private sector (incl. Foundations)",
        "UN_ORGANIZATION": "UN organizations",
    }
)

MEMBERSHIP_CATEGORIES = MappingProxyType(
    {
        "MEMBER_STATE": "Member States",
        "SECTOR_MEMBER": "ITU-D Sector Members",
        "ASSOCIATE": "Associates",
        "ACADEMIA": "Academia",
        "REGIONAL_INTL_ORG": "Regional and other International Organizations",
    }
)
# A partner with no membership category counts under this code (contract section 4).
NO_MEMBERSHIP = "NONE"
NO_MEMBERSHIP_LABEL = "Not an ITU member"

REGIONS = MappingProxyType(
    {
        "AFR": "Africa",
        "AMS": "Americas",
        "ARB": "Arab States",
        "ASP": "Asia and the Pacific",
        "CIS": "Commonwealth of Independent States",
        "EUR": "Europe",
        "MULTI": "Multi regions",
    }
)

PRIORITIES = MappingProxyType(
    {
        "CONNECTIVITY": "Affordable connectivity",
        "DIGITAL_TRANSFORMATION": "Digital Transformation",
        "ENABLING_ENVIRONMENT": "Enabling policy & regulatory envir.",
        "INCLUSIVE_SECURE": "Inclusive & secure telecom/ICTs for sustainable dev.",
        "MULTI": "Multi-priorities",
    }
)

CONTRIBUTION_SOURCES = MappingProxyType({"PARTNER": "Partners", "ITU": "ITU"})

AGREEMENT_STATUSES = MappingProxyType({"active": "Active", "cancelled": "Cancelled"})
DEFAULT_AGREEMENT_STATUS = "active"

BASE_CURRENCY = "USD"

ENTITIES = ("partners", "agreements", "contributions", "exchange_rates")

# Reason codes, in the order that decides a row's reason when it has several faults.
REASONS = (
    "missing_value",
    "invalid_value",
    "duplicate_key",
    "unknown_partner",
    "unknown_agreement",
    "no_exchange_rate",
)

# How the documents name entities and reasons (the codes stay in CSVs and metrics.json).
ENTITY_LABELS = {
    "partners": "Partners",
    "agreements": "Agreements",
    "contributions": "Contributions",
    "exchange_rates": "Exchange rates",
}
REASON_LABELS = {
    "missing_value": "Missing value",
    "invalid_value": "Invalid value",
    "duplicate_key": "Duplicate key",
    "unknown_partner": "Unknown partner",
    "unknown_agreement": "Unknown agreement",
    "no_exchange_rate": "No exchange rate",
}
REASON_MEANINGS = {
    "missing_value": "a required value is empty",
    "invalid_value": "a date, number or code that cannot be read",
    "duplicate_key": "its key repeats an earlier row of the same ingestion",
    "unknown_partner": "refers to a partner that does not exist",
    "unknown_agreement": "refers to an agreement that does not exist (or was rejected)",
    "no_exchange_rate": "no rate for its currency on the signing date",
}

_SPACES = re.compile(r"\s+")


def normalise_text(value: str) -> str:
    """Case-folded text with runs of white space collapsed: the matching form of codes/labels."""
    return _SPACES.sub(" ", value.strip()).casefold()


def lookup_table(codes: MappingProxyType) -> dict[str, str]:
    """Matching form of every code and label -> code."""
    table: dict[str, str] = {}
    for code, label in codes.items():
        table[normalise_text(code)] = code
        table[normalise_text(label)] = code
    return table


def lookup(codes: MappingProxyType, value: str) -> str | None:
    """The code a cell names (by code or label), or None when it names none."""
    return lookup_table(codes).get(normalise_text(value))


def label(codes: MappingProxyType, code: str) -> str:
    """The contract's label of a code (the code itself if it has none)."""
    if code == NO_MEMBERSHIP and codes is MEMBERSHIP_CATEGORIES:
        return NO_MEMBERSHIP_LABEL
    return codes.get(code, code)
