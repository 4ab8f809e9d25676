"""The rows that must be rejected: one per reason, none changing a reported figure."""

from __future__ import annotations

from .builder import Builder
from .layout import in_workbook
from .writer import WORKBOOK


def next_contribution_id(tables: dict[str, list[list]], year: int) -> str:
    """The first unused contribution id of a year."""
    used = [
        row[0]
        for name in ("contributions.csv", "sheet:contributions")
        for row in tables[name][1:]
        if row[0].startswith(f"CON-{year}-")
    ]
    return f"CON-{year}-{max(int(i[-4:]) for i in used) + 1:04d}"


def insert_sorted(table: list[list], row: list) -> None:
    """Insert a data row in id order (after any row with the same id)."""
    position = next((i for i, r in enumerate(table[1:], 1) if r[0] > row[0]), len(table))
    table.insert(position, row)


def add_bad_rows(builder: Builder, tables: dict[str, list[list]]) -> None:
    """One row per rejection reason; none of them may change a reported figure."""
    ids = builder.partner_ids
    agreements = tables["agreements.csv"]
    contributions = tables["contributions.csv"]
    # invalid_value: a day-first date. Its contribution then has no agreement.
    insert_sorted(
        agreements,
        [
            "AGR-2024-091",
            ids["ncc"],
            "Cybersecurity capacity building (Africa)",
            "15/03/2024",
            "AFR",
            "INCLUSIVE_SECURE",
            "",
            "date typed by hand",
        ],
    )
    contributions.append(
        [next_contribution_id(tables, 2024), "AGR-2024-091", "PARTNER", "75000.00", "USD"]
    )
    # unknown_partner: a partner id nobody registered.
    insert_sorted(
        agreements,
        [
            "AGR-2023-089",
            "P0999",
            "Digital skills for youth (Americas)",
            "2023-11-20",
            "Americas",
            "Digital Transformation",
            "",
            "",
        ],
    )
    # duplicate_key: a contribution id repeated with a different amount (the first stays).
    original = next(
        r
        for r in contributions[1:]
        if r[0].startswith("CON-2024-")
        and r[4] == "USD"
        and r[3].replace(",", "") in ("410000", "410000.00")
    )
    contributions.insert(
        contributions.index(original) + 1,
        [original[0], original[1], original[2], "41000.00", "USD"],
    )
    # no_exchange_rate: KRW has no rate before 2020.
    first_2019 = next(
        a
        for a in sorted(builder.agreements, key=lambda a: a.agreement_id)
        if a.signed_on.year == 2019
    )
    insert_sorted(
        contributions,
        [
            next_contribution_id(tables, 2019),
            first_2019.agreement_id,
            "PARTNER",
            "150,000,000",
            "KRW",
        ],
    )
    # missing_value: an amount left empty in the workbook.
    funded_q4 = next(
        a
        for a in sorted(builder.agreements, key=lambda a: a.agreement_id)
        if in_workbook(a) and a.contributions and a.status == "active"
    )
    tables["sheet:contributions"].append(
        [next_contribution_id(tables, 2024), funded_q4.agreement_id, "PARTNER", None, "USD"]
    )
    contributions[1:] = sorted(contributions[1:], key=lambda r: r[0])


def bad_rows(tables: dict[str, list[list]]) -> list[tuple[str, int, str]]:
    """(file, row as the contract numbers it, key) of the rows the generator made bad."""
    found = []
    for name, table in tables.items():
        seen = set()
        for index, row in enumerate(table[1:], 1):
            number = index + 1 if name.startswith("sheet:") else index
            file = f"{WORKBOOK}[{name[6:]}]" if name.startswith("sheet:") else name
            bad = (
                row[0] in seen
                or "P0999" in row
                or "15/03/2024" in row
                or "AGR-2024-091" in row[1:2]
                or None in row
                or "KRW" in row
                and "2019" in row[0]
            )
            if bad and name != "exchange_rates.csv":
                found.append((file, number, row[0]))
            seen.add(row[0])
    return found
