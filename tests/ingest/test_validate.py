"""Validation in memory: three-row text tables in, loadable rows and rejections out.

No database, no files: `validate(raw, known)` gets the text tables `read` would give and what
the database already holds as plain frames.
"""

from decimal import Decimal

import pandas as pd
import pytest

from models.codes import ENTITIES
from models.contract import COLUMNS
from tasks.ingest.read import RawRecords
from tasks.ingest.validate import Known, validate


def table(entity: str, *rows: dict[str, str]) -> pd.DataFrame:
    """A text table of `entity` as read from `<entity>.csv` (missing cells are "")."""
    records = [
        {**dict.fromkeys(COLUMNS[entity], ""), **row, "_file": f"{entity}.csv", "_row": number}
        for number, row in enumerate(rows, start=1)
    ]
    return pd.DataFrame(records, columns=[*COLUMNS[entity], "_file", "_row"], dtype=object)


def raw(**tables: pd.DataFrame) -> RawRecords:
    """Raw records with these tables (the other entities empty)."""
    return RawRecords("memory", {e: tables.get(e, table(e)) for e in ENTITIES}, "fp")


def nothing_known() -> Known:
    """An empty database."""
    agreements = pd.DataFrame({"agreement_id": [], "signed_on": pd.Series(dtype="datetime64[s]")})
    rates = pd.DataFrame(
        {
            "currency": pd.Series(dtype=object),
            "valid_from": pd.Series(dtype="datetime64[s]"),
            "units_per_usd": pd.Series(dtype=object),
        }
    )
    return Known(set(), agreements, rates)


PARTNERS = table(
    "partners",
    {"partner_id": "P1", "name": "Alpha", "partner_type": "Academia"},
    {"partner_id": "P2", "name": "Beta", "partner_type": "GOVERNMENT", "country": "KEN"},
    {"partner_id": "P1", "name": "Alpha again", "partner_type": "ACADEMIA"},
)
AGREEMENTS = table(
    "agreements",
    {"agreement_id": "A1", "partner_id": "P1", "signed_on": "2024-03-01", "region": "Africa",
     "priority": "MULTI"},
    {"agreement_id": "A2", "partner_id": "P9", "signed_on": "2024-04-01", "region": "EUR",
     "priority": "MULTI"},
    {"agreement_id": "A3", "partner_id": "P2", "signed_on": "2024-13-01", "region": "EUR",
     "priority": "MULTI"},
)  # fmt: skip
CONTRIBUTIONS = table(
    "contributions",
    {"contribution_id": "C1", "agreement_id": "A1", "source": "partner", "amount": "1,000.50",
     "currency": "EUR"},
    {"contribution_id": "C2", "agreement_id": "A2", "source": "ITU", "amount": "5",
     "currency": "USD"},
    {"contribution_id": "C3", "agreement_id": "A1", "source": "ITU", "amount": "5",
     "currency": "CHF"},
)  # fmt: skip
RATES = table(
    "exchange_rates", {"currency": "EUR", "valid_from": "2024-01-01", "units_per_usd": "0.8"}
)


@pytest.fixture
def validated():
    tables = {"partners": PARTNERS, "agreements": AGREEMENTS, "contributions": CONTRIBUTIONS}
    return validate(raw(**tables, exchange_rates=RATES), nothing_known())


def reasons(validated, entity: str) -> dict[str, str]:
    """Rejected keys of an entity with their reason."""
    rejected = validated.rejected[entity]
    return dict(zip(rejected["key"], rejected["reason"], strict=True))


def test_every_row_is_loaded_or_rejected_once(validated):
    for entity in ENTITIES:
        loaded, rejected = len(validated.rows[entity]), len(validated.rejected[entity])
        assert validated.read[entity] == loaded + rejected


def test_labels_become_codes_and_the_first_duplicate_stays(validated):
    partners = validated.rows["partners"].set_index("partner_id")
    assert partners.loc["P1", "name"] == "Alpha"
    assert partners.loc["P1", "partner_type"] == "ACADEMIA"
    assert reasons(validated, "partners") == {"P1": "duplicate_key"}
    assert validated.rows["agreements"].set_index("agreement_id").loc["A1", "region"] == "AFR"


def test_references_and_dates_are_checked_in_the_contracts_order(validated):
    assert reasons(validated, "agreements") == {"A2": "unknown_partner", "A3": "invalid_value"}
    rejected = validated.rejected["agreements"].set_index("key")
    assert rejected.loc["A3", "column"] == "signed_on" and rejected.loc["A3", "row"] == 3
    # a rejected agreement takes its contributions with it; CHF has no rate
    assert reasons(validated, "contributions") == {
        "C2": "unknown_agreement",
        "C3": "no_exchange_rate",
    }


def test_money_is_converted_at_the_signing_dates_rate(validated):
    (c1,) = validated.rows["contributions"].itertuples()
    assert c1.contribution_id == "C1" and c1.source == "PARTNER"
    assert Decimal(str(c1.amount)) == Decimal("1000.50")
    assert Decimal(str(c1.amount_usd)) == Decimal("1250.63")  # 1000.50 / 0.8, half up


def test_references_resolve_against_what_the_database_holds():
    known = nothing_known()
    known.partner_ids.add("P9")
    result = validate(raw(agreements=AGREEMENTS.iloc[[1]]), known)
    assert list(result.rows["agreements"]["agreement_id"]) == ["A2"]
    assert result.rejected["agreements"].empty


def test_a_missing_required_value_is_named_by_its_column():
    result = validate(
        raw(partners=table("partners", {"partner_id": "P1", "name": "Alpha"})), nothing_known()
    )
    (rejection,) = result.rejected["partners"].itertuples()
    assert (rejection.reason, rejection.column) == ("missing_value", "partner_type")


def test_the_contract_declares_every_entity_once():
    from models.contract import KEYS, LOAD_ORDER, TABLES

    assert set(COLUMNS) == set(KEYS) == set(TABLES) == set(LOAD_ORDER) == set(ENTITIES)
    assert all(COLUMNS[entity][key] for entity, keys in KEYS.items() for key in keys)


def test_an_amount_that_converts_to_usd_0_00_is_rejected_not_loaded_as_money():
    # 0.01 JPY at 150 per USD is 0.0000667 USD: stored to the cent it would be 0.00, a
    # contribution of nothing that would still count its agreement and partner as financial
    contributions = table(
        "contributions",
        {"contribution_id": "C1", "agreement_id": "A1", "source": "PARTNER", "amount": "0.01",
         "currency": "JPY"},
        {"contribution_id": "C2", "agreement_id": "A1", "source": "PARTNER", "amount": "0.75",
         "currency": "JPY"},
        {"contribution_id": "C3", "agreement_id": "A1", "source": "PARTNER", "amount": "0.01",
         "currency": "USD"},
    )  # fmt: skip
    rates = table(
        "exchange_rates", {"currency": "JPY", "valid_from": "2024-01-01", "units_per_usd": "150"}
    )
    known = nothing_known()
    known.partner_ids.add("P1")
    result = validate(
        raw(agreements=AGREEMENTS.iloc[[0]], contributions=contributions, exchange_rates=rates),
        known,
    )
    (rejection,) = result.rejected["contributions"].itertuples()
    assert (rejection.key, rejection.reason, rejection.column, rejection.value) == (
        "C1",
        "invalid_value",
        "amount",
        "0.01",
    )
    assert (
        rejection.message == "amount is USD 0.00 at the JPY rate of 2024-01-01 (under half a cent)"
    )
    # half a cent and more rounds up to a cent: loaded
    loaded = result.rows["contributions"].set_index("contribution_id")["amount_usd"]
    assert {k: Decimal(str(v)) for k, v in loaded.items()} == {
        "C2": Decimal("0.01"),
        "C3": Decimal("0.01"),
    }


def test_a_repeated_exchange_rate_is_keyed_by_currency_and_valid_from():
    rates = table(
        "exchange_rates",
        {"currency": "EUR", "valid_from": "2024-01-01", "units_per_usd": "0.8"},
        {"currency": "EUR", "valid_from": "2024-02-01", "units_per_usd": "0.9"},
        {"currency": "eur", "valid_from": "2024-01-01", "units_per_usd": "0.85"},
    )
    result = validate(raw(exchange_rates=rates), nothing_known())
    (rejection,) = result.rejected["exchange_rates"].itertuples()
    assert (rejection.row, rejection.key, rejection.reason) == (
        3,
        "eur 2024-01-01",
        "duplicate_key",
    )
    assert rejection.message == "currency and valid_from repeat a key seen earlier"
