"""The fault corpus: the inputs of the fault-and-abuse probe (issue 14), each with what
ingesting it must do. Files are built here at test time; nothing binary is committed.

Every case is a second drop ingested into a database holding `REGISTER`. It either loads
with exactly the rejections listed (entity, row, column, reason; the rest of the drop
loaded), or fails naming its file, leaving the database as it was.
"""

from dataclasses import dataclass, field

from tests.faults.workbooks import LAST_ROW, dimension_bomb, with_name_xml

PARTNERS = "partner_id,name,partner_type,membership_category,country\n"
AGREEMENTS = "agreement_id,partner_id,title,signed_on,region,priority,status\n"
CONTRIBUTIONS = "contribution_id,agreement_id,source,amount,currency\n"
RATES = "currency,valid_from,units_per_usd\n"

REGISTER = {
    "partners.csv": PARTNERS + "P1,European Union,INTL_REGIONAL_ORG,,BEL\n",
    "agreements.csv": AGREEMENTS + "A1,P1,Connect,2024-03-05,AFR,CONNECTIVITY,\n",
    "contributions.csv": CONTRIBUTIONS + "C1,A1,PARTNER,1000,EUR\n",
    "exchange_rates.csv": RATES + "EUR,2024-01-01,0.90\n",
}
HUGE = 16 * 1024 * 1024  # characters of the probe's huge cell


@dataclass(frozen=True)
class Case:
    """A drop and what ingesting it must do."""

    name: str
    files: dict[str, str | bytes]
    rejected: list[tuple[str, int, str, str]] = field(default_factory=list)
    failed: str | None = None  # the file failed: words its message must hold
    loaded: dict[str, int] = field(default_factory=dict)  # rows loaded per entity
    peak_mb: int | None = None  # reading the drop must stay under this peak memory


def _partners_book() -> bytes:
    header = ["partner_id", "name", "partner_type"]
    return dimension_bomb([header, ["P9", "Nine", "GOVERNMENT"]])


def cases() -> list[Case]:
    """Every case of the corpus (the files are built on each call)."""
    contribution = CONTRIBUTIONS + "C9,A1,PARTNER,{},USD\n"
    return [
        Case(
            "usd_only_drop",
            {"contributions.csv": contribution.format(100)},
            loaded={"contributions": 1},
        ),
        Case(
            "sheet_declaring_a_million_rows",
            {"register.xlsx": _partners_book()},
            rejected=[("partners", LAST_ROW, "name", "missing_value")],
            loaded={"partners": 1},
            peak_mb=1024,
        ),
        Case(
            "amount_over_the_column",
            {"contributions.csv": contribution.format("9999999999999999.99")},
            rejected=[("contributions", 1, "amount", "invalid_value")],
        ),
        Case(
            "largest_amount",
            {"contributions.csv": contribution.format("9999999999999.99")},
            loaded={"contributions": 1},
        ),
        Case(
            "usd_over_the_column",
            {
                "exchange_rates.csv": RATES + "XTS,2024-01-01,0.00000001\n",
                "contributions.csv": CONTRIBUTIONS + "C9,A1,PARTNER,1000000,XTS\n",
            },
            rejected=[("contributions", 1, "amount", "invalid_value")],
            loaded={"exchange_rates": 1},
        ),
        Case(
            "rate_over_the_column",
            {"exchange_rates.csv": RATES + "XTS,2024-01-01,12345678.5\n"},
            rejected=[("exchange_rates", 1, "units_per_usd", "invalid_value")],
        ),
        Case(
            "nul_in_a_name",
            {"partners.csv": PARTNERS + "P9,Ni\x00ne,GOVERNMENT,,\n"},
            rejected=[("partners", 1, "name", "invalid_value")],
        ),
        Case(
            "nul_in_a_key",
            {"contributions.csv": CONTRIBUTIONS + "C\x009,A1,ITU,5,USD\n"},
            rejected=[("contributions", 1, "contribution_id", "invalid_value")],
        ),
        Case(
            "escape_in_an_amount",
            {"contributions.csv": contribution.format("1\x1b00")},
            rejected=[("contributions", 1, "amount", "invalid_value")],
        ),
        Case(
            "nul_in_a_header",
            {"partners.csv": "partner_id,na\x00me,partner_type\nP9,N,ACADEMIA\n"},
            failed="missing required column",
        ),
        Case(
            "nul_in_a_workbook_cell",
            {"register.xlsx": with_name_xml("P9", "Ni&#0;ne")},
            failed="not a readable .xlsx",
        ),
        Case(
            "arabic_indic_amount",
            {"contributions.csv": contribution.format("١٠٠")},
            rejected=[("contributions", 1, "amount", "invalid_value")],
        ),
        Case(
            "full_width_amount",
            {"contributions.csv": contribution.format("１００")},
            rejected=[("contributions", 1, "amount", "invalid_value")],
        ),
        Case(
            "arabic_indic_rate",
            {"exchange_rates.csv": RATES + "XTS,2024-01-01,٠.٩\n"},
            rejected=[("exchange_rates", 1, "units_per_usd", "invalid_value")],
        ),
        Case(
            "full_width_date",
            {"agreements.csv": AGREEMENTS + "A9,P1,t,２０２４-０１-０１,AFR,MULTI,\n"},
            rejected=[("agreements", 1, "signed_on", "invalid_value")],
        ),
        Case(
            "zero_width_space_in_a_key",
            {"partners.csv": PARTNERS + "P\u200b1,Twin,GOVERNMENT,,\n"},
            rejected=[("partners", 1, "partner_id", "invalid_value")],
        ),
        Case(
            "rtl_override_in_a_key",
            {"agreements.csv": AGREEMENTS + "A\u202e9,P1,t,2024-01-01,AFR,MULTI,\n"},
            rejected=[("agreements", 1, "agreement_id", "invalid_value")],
        ),
        Case(
            "zero_width_space_in_a_reference",
            {"contributions.csv": CONTRIBUTIONS + "C9,A1\u200b,ITU,5,USD\n"},
            rejected=[("contributions", 1, "agreement_id", "invalid_value")],
        ),
        Case(
            "huge_cell",
            {"partners.csv": PARTNERS + f"P9,{'x' * HUGE},GOVERNMENT,,\n"},
            rejected=[("partners", 1, "name", "invalid_value")],
        ),
        Case(
            "extra_field_on_every_row",
            {"contributions.csv": CONTRIBUTIONS + "C9,A1,ITU,5,USD,x\nC8,A1,ITU,6,USD,y\n"},
            failed="row 1 has 6 fields, the header 5",
        ),
        Case(
            "two_extra_fields_on_every_row",
            {"partners.csv": PARTNERS + "P9,Nine,GOVERNMENT,,,x,y\nP8,Eight,ACADEMIA,,,x,y\n"},
            failed="row 1 has 7 fields, the header 5",
        ),
        Case(
            "trailing_comma_on_every_row",
            {"agreements.csv": AGREEMENTS + "A9,P1,t,2024-01-01,AFR,MULTI,,\n"},
            failed="row 1 has 8 fields, the header 7",
        ),
        Case("not_utf8", {"partners.csv": b"partner_id,name\n\xff\xfe\x00"}, failed="not UTF-8"),
        Case(
            "truncated_workbook",
            {"register.xlsx": _partners_book()[:2000]},
            failed="not a readable .xlsx",
        ),
    ]
