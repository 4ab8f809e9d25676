"""Ingestion against the contract (sections 1-3), on SQLite and PostgreSQL."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from models.tables import Agreement, Contribution, Ingestion, Partner, Rejection
from tasks.errors import SourceError
from tests.ingest.helpers import (
    AGREEMENTS,
    CONTRIBUTIONS,
    PARTNERS,
    RATES,
    base_source,
    count,
    ingest,
    rows,
    write_source,
)


def test_clean_source_loads_everything_with_codes_and_conversion(db_url, tmp_path):
    result = ingest(base_source(tmp_path / "src"), db_url)
    assert result.loaded == {
        "partners": 2,
        "agreements": 2,
        "contributions": 2,
        "exchange_rates": 3,
    }
    assert sum(result.rejected.values()) == 0
    partners = {p.partner_id: p for p in rows(db_url, Partner)}
    assert partners["P2"].partner_type == "GOVERNMENT"  # label -> code
    assert partners["P2"].membership_category == "MEMBER_STATE"
    assert partners["P2"].country == "COL"
    assert {a.agreement_id: a.priority for a in rows(db_url, Agreement)}["A2"] == (
        "DIGITAL_TRANSFORMATION"
    )
    c1 = {c.contribution_id: c for c in rows(db_url, Contribution)}["C1"]
    # signed 2024-03-05: the latest rate on or before is 2024-03-01 (0.92), not 2024-04-01
    assert c1.rate_valid_from == date(2024, 3, 1)
    assert Decimal(c1.units_per_usd) == Decimal("0.92")
    assert Decimal(str(c1.amount_usd)) == Decimal("1086956.52")
    assert Decimal(str(c1.amount)) == Decimal("1000000.00")


@pytest.mark.parametrize(
    ("entity", "text", "reason", "column"),
    [
        ("partners", "P3,,GOVERNMENT,,", "missing_value", "name"),
        ("partners", "P3,X,NOT_A_TYPE,,", "invalid_value", "partner_type"),
        ("partners", "P3,X,GOVERNMENT,Gold members,", "invalid_value", "membership_category"),
        ("partners", "P3,X,GOVERNMENT,,France", "invalid_value", "country"),
        ("partners", "P1,Again,GOVERNMENT,,", "duplicate_key", "partner_id"),
        ("partners", "P" + "9" * 64 + ",Long id,GOVERNMENT,,", "invalid_value", "partner_id"),
        ("agreements", "A3,P1,t,05/03/2024,AFR,MULTI,", "invalid_value", "signed_on"),
        ("agreements", "A3,P1,t,2024-02-30,AFR,MULTI,", "invalid_value", "signed_on"),
        ("agreements", "A3,P1,t,2024-02-01,Mars,MULTI,", "invalid_value", "region"),
        ("agreements", "A3,P1,t,2024-02-01,AFR,Everything,", "invalid_value", "priority"),
        ("agreements", "A3,P1,t,2024-02-01,AFR,MULTI,paused", "invalid_value", "status"),
        ("agreements", "A3,P404,t,2024-02-01,AFR,MULTI,", "unknown_partner", "partner_id"),
        ("agreements", "A3,P1,t,,AFR,MULTI,", "missing_value", "signed_on"),
        ("contributions", "C3,A1,DONOR,5,USD", "invalid_value", "source"),
        ("contributions", "C3,A1,ITU,0,USD", "invalid_value", "amount"),
        ("contributions", "C3,A1,ITU,-10,USD", "invalid_value", "amount"),
        ("contributions", "C3,A1,ITU,1.5e6,USD", "invalid_value", "amount"),
        ("contributions", 'C3,A1,ITU,"1,00,000",USD', "invalid_value", "amount"),
        ("contributions", "C3,A1,ITU,10.005,USD", "invalid_value", "amount"),
        ("contributions", "C3,A1,ITU,10,US Dollars", "invalid_value", "currency"),
        ("contributions", "C3,A404,ITU,10,USD", "unknown_agreement", "agreement_id"),
        ("contributions", "C3,A1,ITU,10,JPY", "no_exchange_rate", "currency"),
        ("contributions", "C2,A1,ITU,10,USD", "duplicate_key", "contribution_id"),
        ("contributions", "C3,A1,,10,USD", "missing_value", "source"),
        ("exchange_rates", "EUR,2024-01-01,0.91", "duplicate_key", "currency"),
        ("exchange_rates", "CHF,2024-01-01,0", "invalid_value", "units_per_usd"),
        ("exchange_rates", "CHF,2024-01-01,", "missing_value", "units_per_usd"),
    ],
)
def test_each_rule_rejects_with_its_reason(db_url, tmp_path, entity, text, reason, column):
    defaults = {
        "partners": PARTNERS,
        "agreements": AGREEMENTS,
        "contributions": CONTRIBUTIONS,
        "exchange_rates": RATES,
    }
    source = base_source(tmp_path / "src", **{entity: defaults[entity] + text + "\n"})
    result = ingest(source, db_url)
    rejected = result.rejections
    assert len(rejected) == 1, rejected.to_string()
    row = rejected.iloc[0]
    assert (row.entity, row.reason, row.column) == (entity, reason, column)
    assert row.file == f"{entity}.csv"
    assert row.row == defaults[entity].count("\n")  # the new line is the last data row
    assert row.message
    for name in result.read:
        assert result.read[name] == result.loaded[name] + result.rejected[name]
    stored = rows(db_url, Rejection)
    assert [(r.entity, r.reason, r.row) for r in stored] == [(entity, reason, row.row)]


def test_first_fault_in_contract_order_wins(db_url, tmp_path):
    # missing name AND invalid type AND duplicate key: missing_value is the reason
    source = base_source(tmp_path / "src", partners=PARTNERS + "P1,,NOPE,,\n")
    row = ingest(source, db_url).rejections.iloc[0]
    assert (row.reason, row.column) == ("missing_value", "name")


def test_rejected_agreement_takes_its_contributions(db_url, tmp_path):
    agreements = AGREEMENTS + "A9,P1,t,not a date,AFR,MULTI,\n"
    contributions = CONTRIBUTIONS + "C9,A9,ITU,10,USD\n"
    source = base_source(tmp_path / "src", agreements=agreements, contributions=contributions)
    rejected = ingest(source, db_url).rejections.set_index("key")
    assert rejected.loc["A9", "reason"] == "invalid_value"
    assert rejected.loc["C9", "reason"] == "unknown_agreement"


def test_headers_bom_spaces_thousands_and_labels(db_url, tmp_path):
    src = tmp_path / "src"
    base_source(src)
    header = " Partner ID , NAME ,Partner-Type, Membership Category ,Country,Extra column\n"
    text = header + "P7 , Academia Uni , academia ,  academia ,CHE,ignored\n"
    text += "P8,Foundation,Private  sector (incl. FOUNDATIONS),"
    text += "regional and other international organizations,,\n"
    (src / "partners_more.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (src / "contributions.csv").write_text(CONTRIBUTIONS + 'C5,A2,PARTNER,"12,345.67",USD\n')
    result = ingest(src, db_url)
    assert sum(result.rejected.values()) == 0, result.rejections.to_string()
    p7 = {p.partner_id: p for p in rows(db_url, Partner)}["P7"]
    assert (p7.name, p7.partner_type, p7.membership_category) == (
        "Academia Uni",
        "ACADEMIA",
        "ACADEMIA",
    )
    p8 = {p.partner_id: p for p in rows(db_url, Partner)}["P8"]
    assert (p8.partner_type, p8.membership_category) == ("PRIVATE_SECTOR", "REGIONAL_INTL_ORG")
    c5 = {c.contribution_id: c for c in rows(db_url, Contribution)}["C5"]
    assert Decimal(str(c5.amount_usd)) == Decimal("12345.67")


def test_workbook_sheets_dates_numbers_and_row_numbers(db_url, tmp_path):
    src = tmp_path / "src"
    base_source(src)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Agreements"
    sheet.append(["Agreement ID", "Partner ID", "Title", "Signed On", "Region", "Priority"])
    sheet.append(["X1", "P1", "From Excel", datetime(2024, 5, 2), "EUR", "MULTI"])
    sheet.append([None, None, None, None, None, None])  # blank spreadsheet row 3
    sheet.append(["X2", "P1", "Bad date", 45321, "EUR", "MULTI"])  # row 4: a number, not a date
    contributions = workbook.create_sheet("contributions")
    contributions.append(["contribution_id", "agreement_id", "source", "amount", "currency"])
    contributions.append(["XC1", "X1", "PARTNER", 2500000.5, "USD"])
    workbook.create_sheet("notes").append(["ignored sheet"])
    workbook.save(src / "register.xlsx")
    result = ingest(src, db_url)
    rejected = result.rejections
    assert list(zip(rejected.file, rejected.row, rejected.reason, strict=True)) == [
        ("register.xlsx [Agreements]", 4, "invalid_value")
    ]
    x1 = {a.agreement_id: a for a in rows(db_url, Agreement)}["X1"]
    assert x1.signed_on == date(2024, 5, 2)
    xc1 = {c.contribution_id: c for c in rows(db_url, Contribution)}["XC1"]
    assert Decimal(str(xc1.amount)) == Decimal("2500000.50")
    assert result.read["agreements"] == 4  # 2 CSV + 2 sheet rows; the blank row is not a row


def test_same_source_twice_changes_nothing(db_url, tmp_path):
    source = base_source(tmp_path / "src")
    first = ingest(source, db_url)
    before = [rows(db_url, m) for m in (Partner, Agreement, Contribution)]
    second = ingest(source, db_url)
    # nothing was rewritten: every row still names the first ingestion as its last writer
    assert [rows(db_url, m) for m in (Partner, Agreement, Contribution)] == before
    assert {c.ingestion_id for c in before[2]} == {first.ingestion_id}
    assert first.fingerprint == second.fingerprint
    assert count(db_url, Ingestion) == 2


def test_later_drop_with_changed_amount_replaces_it(db_url, tmp_path):
    first = ingest(base_source(tmp_path / "one"), db_url)
    later = write_source(
        tmp_path / "two", contributions=CONTRIBUTIONS.replace("500,USD", "750,USD")
    )
    result = ingest(later, db_url)  # agreements come from the database
    assert result.loaded["contributions"] == 2
    c1, c2 = sorted(rows(db_url, Contribution), key=lambda c: c.contribution_id)
    assert Decimal(str(c2.amount_usd)) == Decimal("750.00")
    # the changed row names the ingestion that changed it; the unchanged one keeps its writer
    assert (c1.ingestion_id, c2.ingestion_id) == (first.ingestion_id, result.ingestion_id)
    assert count(db_url, Contribution) == 2


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("agreements.csv", "agreement_id,partner_id\nA1,P1\n", "missing required column"),
        ("partners.csv", b"partner_id,name\n\xff\xfe\x00bad", "not UTF-8"),
        ("register.xlsx", b"this is not a workbook", "not a readable .xlsx"),
        ("contributions.csv", 'a,b\n"unterminated\n', "not a readable CSV"),
    ],
)
def test_unreadable_file_fails_and_leaves_database_untouched(
    db_url, tmp_path, name, content, problem
):
    ingest(base_source(tmp_path / "one"), db_url)
    before = [rows(db_url, m) for m in (Partner, Agreement, Contribution, Ingestion, Rejection)]
    src = tmp_path / "two"
    base_source(src, partners=PARTNERS + "P5,New,GOVERNMENT,,\n")
    target = src / name
    target.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(SourceError) as error:
        ingest(src, db_url)
    assert name in str(error.value) and problem in str(error.value)
    assert "\n" not in str(error.value)
    after = [rows(db_url, m) for m in (Partner, Agreement, Contribution, Ingestion, Rejection)]
    assert before == after


def test_cancelled_agreement_is_kept_and_flagged(db_url, tmp_path):
    agreements = AGREEMENTS + "A5,P2,Withdrawn,2024-07-01,EUR,MULTI,Cancelled\n"
    ingest(base_source(tmp_path / "src", agreements=agreements), db_url)
    a5 = {a.agreement_id: a for a in rows(db_url, Agreement)}["A5"]
    assert a5.status == "cancelled"
