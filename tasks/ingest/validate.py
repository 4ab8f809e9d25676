"""Validate each entity's rows (contract section 2): every row is loaded or rejected, once.

Checks run in the contract's reason order (missing, invalid, duplicate, unknown partner,
unknown agreement, no exchange rate); a row keeps the first fault it meets. All checks are
vectorised over whole columns or computed once per distinct value (codes, currencies); numbers
are read in one pass (`parse.read_numbers`) and amounts converted to USD in whole cents
(`fx.usd_cents`).
"""

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Column

from models.codes import (
    AGREEMENT_STATUSES,
    CONTRIBUTION_SOURCES,
    DEFAULT_AGREEMENT_STATUS,
    MEMBERSHIP_CATEGORIES,
    PARTNER_TYPES,
    PRIORITIES,
    REGIONS,
)
from models.tables import MONEY, Contribution, ExchangeRate
from tasks.ingest import decimals, parse
from tasks.ingest.fx import convert_to_usd
from tasks.ingest.read import RawRecords
from tasks.ingest.verdicts import STORED_AS_GIVEN, Verdicts


def _digits(column: Column) -> tuple[int, int]:
    """(decimal places, digits before the point) a Numeric column holds."""
    numeric = column.type
    return numeric.scale, numeric.precision - numeric.scale


# What fits the columns (models/tables.py): larger values are rejected, never rounded and
# never left for the database to refuse (PostgreSQL) or to store approximately (SQLite).
MONEY_PLACES, MONEY_DIGITS = _digits(Contribution.__table__.c.amount)
RATE_PLACES, RATE_DIGITS = _digits(ExchangeRate.__table__.c.units_per_usd)
USD_PLACES, USD_DIGITS = _digits(Contribution.__table__.c.amount_usd)
USD_MAX = Decimal(10) ** USD_DIGITS - Decimal(1).scaleb(-USD_PLACES)  # 9999999999999.99


@dataclass
class Known:
    """What the database already holds that references may point to."""

    partner_ids: set[str]
    agreements: pd.DataFrame  # agreement_id, signed_on (datetime64)
    rates: pd.DataFrame  # currency, valid_from (datetime64), units_per_usd (Decimal)


@dataclass
class Validated:
    """Rows ready to load (typed, in table columns) and rows rejected, per entity."""

    source: str
    fingerprint: str
    rows: dict[str, pd.DataFrame]
    rejected: dict[str, pd.DataFrame]
    read: dict[str, int]


@dataclass
class Parents:
    """The validated partners, exchange rates and agreements: what contributions refer to."""

    rows: dict[str, pd.DataFrame]  # partners, exchange_rates, agreements
    rejected: dict[str, pd.DataFrame]


def validate(raw: RawRecords, known: Known) -> Validated:
    """Split every entity's rows into loadable rows and rejections, resolving references."""
    return validate_contributions(raw, known, validate_parents(raw, known))


def validate_parents(raw: RawRecords, known: Known) -> Parents:
    """Partners, exchange rates and agreements (agreements' partners resolved)."""
    first = partners_and_rates(raw)
    agreements = check_agreements(raw.tables["agreements"], partner_ids(known, first))
    return with_agreements(first, *agreements)


def partners_and_rates(raw: RawRecords) -> Parents:
    """The partners and exchange rates: the parents that refer to nothing."""
    partners, partners_out = _partners(raw.tables["partners"])
    rates, rates_out = _exchange_rates(raw.tables["exchange_rates"])
    return Parents(
        {"partners": partners, "exchange_rates": rates},
        {"partners": partners_out, "exchange_rates": rates_out},
    )


def partner_ids(known: Known, parents: Parents) -> set[str]:
    """The partners agreements may refer to: the database's and this ingestion's."""
    return known.partner_ids | set(parents.rows["partners"]["partner_id"])


def with_agreements(parents: Parents, rows: pd.DataFrame, rejected: pd.DataFrame) -> Parents:
    """`parents` (partners, rates) with the agreements' valid rows and rejections."""
    return Parents(parents.rows | {"agreements": rows}, parents.rejected | {"agreements": rejected})


def validate_contributions(raw: RawRecords, known: Known, parents: Parents) -> Validated:
    """The contributions, against the agreements and rates of the database and of `parents`;
    with `parents`, every entity's rows."""
    checked = check_contributions(raw.tables["contributions"], references(known, parents))
    return with_contributions(raw, parents, *checked)


@dataclass(frozen=True)
class References:
    """What contributions refer to: each agreement's signing date (indexed by agreement_id;
    its keys as Arrow text too, for `parse.looked_up`) and the exchange rates."""

    signed_on: pd.Series
    agreement_keys: pa.Array
    rates: pd.DataFrame


def references(known: Known, parents: Parents) -> References:
    """The agreements and exchange rates of the database and of `parents` (this ingestion's
    win where both have the same key)."""
    agreements, rates = parents.rows["agreements"], parents.rows["exchange_rates"]
    all_agreements = _union(
        known.agreements, agreements[["agreement_id", "signed_on"]], "agreement_id"
    )
    signed_on = all_agreements.set_index("agreement_id")["signed_on"]
    all_rates = _union(known.rates, rates, ["currency", "valid_from"])
    return References(signed_on, parse.table_keys(signed_on), all_rates)


def with_contributions(
    raw: RawRecords, parents: Parents, rows: pd.DataFrame, rejected: pd.DataFrame
) -> Validated:
    """Every entity's rows: `parents` and the contributions' valid rows and rejections."""
    return Validated(
        raw.source,
        raw.fingerprint,
        parents.rows | {"contributions": rows},
        parents.rejected | {"contributions": rejected},
        {entity: len(frame) for entity, frame in raw.tables.items()},
    )


def _union(known: pd.DataFrame, new: pd.DataFrame, key: str | list[str]) -> pd.DataFrame:
    """Known rows overridden by this ingestion's rows with the same key."""
    both = pd.concat([known, new[known.columns]], ignore_index=True)
    return both.drop_duplicates(subset=key, keep="last")


def _as_given(ok: pd.DataFrame, entity: str) -> pd.DataFrame:
    """The valid rows with the columns stored as given in Python strings, as the loaders
    take them (Arrow text would be converted there, cell by cell, on every path)."""
    return ok.assign(**{c: ok[c].astype(object) for c in STORED_AS_GIVEN[entity]})


def _partners(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    v = Verdicts("partners", frame)
    v.missing()
    v.unreadable_text()
    v.too_long()
    partner_type = parse.parse_code(frame["partner_type"], PARTNER_TYPES)
    v.invalid("partner_type", partner_type.isna(), "is not a code or label of table A")
    membership = parse.parse_code(frame["membership_category"], MEMBERSHIP_CATEGORIES)
    v.invalid("membership_category", membership.isna(), "is not a code or label of table B")
    v.invalid("country", ~parse.is_country(frame["country"]), "is not an ISO 3166-1 alpha-3 code")
    v.duplicates(frame[["partner_id"]])
    ok = _as_given(frame[v.ok], "partners")
    rows = pd.DataFrame(
        {
            "partner_id": ok["partner_id"],
            "name": ok["name"],
            "partner_type": partner_type[v.ok],
            "membership_category": membership[v.ok].where(ok["membership_category"] != "", None),
            "country": parse.upper(ok["country"]).replace("", None),
        }
    )
    return rows.reset_index(drop=True), v.rejections()


def _exchange_rates(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    v = Verdicts("exchange_rates", frame)
    v.missing()
    v.unreadable_text()
    v.invalid("currency", ~parse.is_currency(frame["currency"]), "is not an ISO 4217 code")
    valid_from = parse.parse_date(frame["valid_from"])
    v.invalid("valid_from", valid_from.isna(), "is not a date YYYY-MM-DD")
    units_per_usd = _check_number(v, "units_per_usd", RATE_PLACES, RATE_DIGITS).decimals()
    units_per_usd.index = frame.index
    currency = parse.upper(frame["currency"])
    v.duplicates(pd.DataFrame({"currency": currency, "valid_from": valid_from}))
    rows = pd.DataFrame(
        {
            "currency": currency[v.ok],
            "valid_from": valid_from[v.ok],
            "units_per_usd": units_per_usd[v.ok],
        }
    )
    return rows.reset_index(drop=True), v.rejections()


def check_agreements(
    frame: pd.DataFrame, partner_ids: set[str], repeated: np.ndarray | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agreements' valid rows and rejections (`repeated`: the rows whose key an earlier row
    had, found beforehand when `frame` is a part of the agreements read)."""
    v = Verdicts("agreements", frame)
    v.missing()
    v.unreadable_text()
    v.too_long()
    signed_on = parse.parse_date(frame["signed_on"])
    v.invalid("signed_on", signed_on.isna(), "is not a date YYYY-MM-DD")
    region = parse.parse_code(frame["region"], REGIONS)
    v.invalid("region", region.isna(), "is not a code or label of table C")
    priority = parse.parse_code(frame["priority"], PRIORITIES)
    v.invalid("priority", priority.isna(), "is not a code or label of table D")
    status = parse.parse_code(frame["status"], AGREEMENT_STATUSES)
    v.invalid("status", status.isna(), "is not active or cancelled")
    v.duplicates(frame[["agreement_id"]], repeated)
    unknown = ~frame["partner_id"].isin(partner_ids)
    v.flag(unknown, "unknown_partner", "partner_id", "partner_id is not a known partner")
    ok = _as_given(frame[v.ok], "agreements")
    rows = pd.DataFrame(
        {
            "agreement_id": ok["agreement_id"],
            "partner_id": ok["partner_id"],
            "title": ok["title"].replace("", None),
            "signed_on": signed_on[v.ok],
            "region": region[v.ok],
            "priority": priority[v.ok],
            "status": status[v.ok].where(ok["status"] != "", DEFAULT_AGREEMENT_STATUS),
        }
    )
    return rows.reset_index(drop=True), v.rejections()


def check_contributions(
    frame: pd.DataFrame, references: References, repeated: np.ndarray | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contributions' valid rows and rejections (`repeated` as for `check_agreements`)."""
    v = Verdicts("contributions", frame)
    v.missing()
    v.unreadable_text()
    v.too_long()
    source = parse.upper(frame["source"])
    v.invalid("source", ~source.isin(CONTRIBUTION_SOURCES), "is not PARTNER or ITU")
    amount = _check_number(v, "amount", MONEY_PLACES, MONEY_DIGITS)
    v.invalid("currency", ~parse.is_currency(frame["currency"]), "is not an ISO 4217 code")
    v.duplicates(frame[["contribution_id"]], repeated)
    signed_on = parse.looked_up(
        frame["agreement_id"], references.signed_on, references.agreement_keys
    )
    v.flag(signed_on.isna(), "unknown_agreement", "agreement_id", "agreement_id is not known")
    currency = parse.upper(frame["currency"])
    checked = v.ok.to_numpy()
    cents = amount.scaled(MONEY_PLACES, checked)
    converted = convert_to_usd(
        pd.Series(cents[checked], index=frame.index[checked]),
        currency[checked],
        signed_on[checked],
        references.rates,
    )
    no_rate = converted["units_per_usd"].isna().reindex(frame.index, fill_value=False)
    v.flag(no_rate, "no_exchange_rate", "currency", "no rate on or before the signing date")
    v.invalid(
        "amount",
        converted["too_large"].reindex(frame.index, fill_value=False),
        f"in USD is over {USD_MAX:,}, the largest amount stored",
    )
    _flag_under_cent(v, converted, currency)
    loaded = v.ok.to_numpy()
    ok = _as_given(frame[loaded], "contributions")
    amounts = decimals.from_scaled(cents[loaded], np.ones(loaded.sum(), dtype=bool), MONEY)
    rows = converted.loc[ok.index].assign(
        contribution_id=ok["contribution_id"],
        agreement_id=ok["agreement_id"],
        source=source[loaded],
        amount=amounts.set_axis(ok.index),
        currency=currency[loaded],
    )
    columns = ["contribution_id", "agreement_id", "source", "amount", "currency"]
    columns += ["units_per_usd", "rate_valid_from", "amount_usd"]
    return rows[columns].reset_index(drop=True), v.rejections()


def _flag_under_cent(v: Verdicts, converted: pd.DataFrame, currency: pd.Series) -> None:
    """Reject amounts that convert to USD 0.00: money is stored to the cent, and a
    contribution of nothing would count its agreement and partner as financial."""
    zero = converted.index[converted["under_cent"].to_numpy(dtype=bool)]
    if zero.empty:
        return
    rated = pd.DataFrame(
        {"currency": currency[zero], "day": converted.loc[zero, "rate_valid_from"]}
    )
    for (code, day), rows in rated.groupby(["currency", "day"]).groups.items():
        v.invalid(
            "amount",
            v.frame.index.isin(rows),
            f"is USD 0.00 at the {code} rate of {day:%Y-%m-%d} (under half a cent)",
        )


def _check_number(v: Verdicts, column: str, places: int, digits: int) -> parse.Numbers:
    """Flag values that are not decimals, not > 0, or beyond the column's precision.

    Returns what was read of the column (`parse.Numbers`: its Decimal or scaled values).
    """
    numbers = parse.read_numbers(v.frame[column])
    index = v.frame.index
    v.invalid(
        column,
        pd.Series(~numbers.valid, index=index),
        "is not a number (e.g. 1250000.50 or 1,250,000.50)",
    )
    v.invalid(column, pd.Series(~numbers.positive, index=index), "must be greater than 0")
    fraction = pd.Series(numbers.places, index=index)
    v.invalid(column, fraction > places, f"has more than {places} decimals")
    whole = pd.Series(numbers.whole_digits, index=index)
    v.invalid(column, whole > digits, f"has more than {digits} digits")
    return numbers
