"""Which file or sheet every good row goes to, with its headers and spelling."""

from __future__ import annotations

from datetime import date

from models.codes import MEMBERSHIP_CATEGORIES, PARTNER_TYPES, PRIORITIES, REGIONS

from .builder import Builder
from .partners import SHEET_PARTNERS
from .records import Agreement
from .style import Style

PARTNER_HEADER = ["Partner ID", "Name", "Partner Type", "Membership Category", "Country"]
AGREEMENT_HEADER = [
    "agreement_id",
    " partner_id ",
    "Title",
    "Signed-On",
    "REGION",
    "Priority",
    "status",
    "notes",
]
CONTRIBUTION_HEADER = ["contribution_id", "agreement_id", "Source", "Amount", "Currency"]
RATE_HEADER = ["Currency", "Valid From", "Units per USD"]
SHEET_AGREEMENT_HEADER = [
    "Agreement ID",
    "Partner ID",
    "Title",
    "Signed On",
    "Region",
    "Priority",
    "Status",
]
SHEET_CONTRIBUTION_HEADER = ["Contribution ID", "Agreement ID", "Source", "Amount", "Currency"]
IN_WORKBOOK_FROM = date(2024, 10, 1)


def partner_row(builder: Builder, style: Style, key: str) -> list:
    """A partners row (membership empty when not an ITU member)."""
    _, name, partner_type, membership, country = builder.partners[key]
    return [
        builder.partner_ids[key],
        name,
        style.code(PARTNER_TYPES, partner_type),
        style.code(MEMBERSHIP_CATEGORIES, membership),
        country,
    ]


def agreement_row(builder: Builder, style: Style, a: Agreement) -> list:
    """An agreements row with a date object (formatted by the writer)."""
    return [
        a.agreement_id,
        builder.partner_ids[a.partner],
        a.title,
        a.signed_on,
        style.code(REGIONS, a.region),
        style.code(PRIORITIES, a.priority),
        style.status(a.status),
    ]


def in_workbook(a: Agreement) -> bool:
    """Last-quarter 2024 agreements are the workbook's (register additions)."""
    return a.signed_on >= IN_WORKBOOK_FROM and a.signed_on.year == 2024


def layout(builder: Builder) -> dict[str, list[list]]:
    """Every file's and sheet's good rows, in file order (header first)."""
    style = Style()
    sheet_partners = set(SHEET_PARTNERS)
    tables: dict[str, list[list]] = {
        "partners.csv": [PARTNER_HEADER],
        "agreements.csv": [AGREEMENT_HEADER],
        "contributions.csv": [CONTRIBUTION_HEADER],
        "exchange_rates.csv": [RATE_HEADER],
        "sheet:partners": [PARTNER_HEADER],
        "sheet:agreements": [SHEET_AGREEMENT_HEADER],
        "sheet:contributions": [SHEET_CONTRIBUTION_HEADER],
    }
    for key, _ in sorted(builder.partner_ids.items(), key=lambda kv: kv[1]):
        target = "sheet:partners" if key in sheet_partners else "partners.csv"
        tables[target].append(partner_row(builder, style, key))
    for a in sorted(builder.agreements, key=lambda a: a.agreement_id):
        sheet = in_workbook(a)
        row = agreement_row(builder, style, a)
        tables["sheet:agreements" if sheet else "agreements.csv"].append(
            row if sheet else [*row[:3], row[3].isoformat(), *row[4:], ""]
        )
    items = sorted(
        ((a, c) for a in builder.agreements for c in a.contributions),
        key=lambda ac: ac[1].contribution_id,
    )
    for a, c in items:
        if in_workbook(a) and c.amount == c.amount.to_integral_value():
            tables["sheet:contributions"].append(
                [
                    c.contribution_id,
                    c.agreement_id,
                    style.source(c.source),
                    int(c.amount),
                    c.currency,
                ]
            )
        else:
            tables["contributions.csv"].append(
                [
                    c.contribution_id,
                    c.agreement_id,
                    style.source(c.source),
                    style.amount(c.amount),
                    c.currency,
                ]
            )
    for currency, series in builder.rates.items():
        for day, value in series:
            tables["exchange_rates.csv"].append([currency, day.isoformat(), str(value)])
    return tables
