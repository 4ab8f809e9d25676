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
from models.contract import COLUMNS, KEYS, REJECTION_COLUMNS, TABLES
from models.tables import MONEY, Contribution, ExchangeRate, Rejection
from tasks.ingest import decimals, parse
from tasks.ingest.fx import convert_to_usd
from tasks.ingest.read import RawRecords

# Columns stored as given (codes, dates and numbers are checked by their parsers instead).
STORED_AS_GIVEN = {
    "partners": ["partner_id", "name"],
    "agreements": ["agreement_id", "partner_id", "title"],
    "contributions": ["contribution_id", "agreement_id"],
    "exchange_rates": [],
}
# Keys and references, which must be visible text (`parse.is_visible_key`).
IDENTIFIERS = {
    "partners": ["partner_id"],
    "agreements": ["agreement_id", "partner_id"],
    "contributions": ["contribution_id", "agreement_id"],
    "exchange_rates": [],
}


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


def _mask(rows: pd.Series | np.ndarray) -> np.ndarray:
    """A row mask as a boolean array (missing = False)."""
    if isinstance(rows, pd.Series):
        return rows.fillna(False).to_numpy(dtype=bool)
    return rows


class Verdicts:
    """The first fault found for each row of one entity's table."""

    def __init__(self, entity: str, frame: pd.DataFrame) -> None:
        self.entity, self.frame = entity, frame
        self.reason = pd.Series(None, index=frame.index, dtype=object)
        self.column = pd.Series(None, index=frame.index, dtype=object)
        self.message = pd.Series(None, index=frame.index, dtype=object)
        self._ok = np.ones(len(frame), dtype=bool)  # no fault yet (kept beside `reason`)
        self._present: dict[str, np.ndarray] = {}

    @property
    def ok(self) -> pd.Series:
        return pd.Series(self._ok, index=self.frame.index)

    def flag(self, faulty: pd.Series | np.ndarray, reason: str, column: str, message: str) -> None:
        """Record `reason` for the rows in `faulty` that have no fault yet."""
        new = _mask(faulty) & self._ok
        if not new.any():
            return
        self._ok &= ~new
        self.reason[new], self.column[new], self.message[new] = reason, column, message

    def present(self, column: str) -> np.ndarray:
        """Rows where `column` is not empty (computed once per column)."""
        if column not in self._present:
            self._present[column] = parse.filled(self.frame[column])
        return self._present[column]

    def missing(self) -> None:
        for column, required in COLUMNS[self.entity].items():
            if required:
                self.flag(~self.present(column), "missing_value", column, f"{column} is required")

    def invalid(self, column: str, bad: pd.Series | np.ndarray, what: str) -> None:
        self.flag(self.present(column) & _mask(bad), "invalid_value", column, f"{column} {what}")

    def unreadable_text(self) -> None:
        """Control characters in any cell, invisible characters in keys and references."""
        for column in COLUMNS[self.entity]:
            control = parse.has_control(self.frame[column])
            self.invalid(column, control, "contains a control character")
        for column in IDENTIFIERS[self.entity]:
            invisible = ~parse.is_visible_key(self.frame[column])
            self.invalid(column, invisible, "contains an invisible or control character")

    def too_long(self) -> None:
        table = TABLES[self.entity].__table__
        for column in STORED_AS_GIVEN[self.entity]:
            length = getattr(table.c[column].type, "length", None)
            if length:
                too_long = parse.text_lengths(self.frame[column]) > length
                self.invalid(column, too_long, f"is over {length} chars")

    def duplicates(self, key_values: pd.DataFrame) -> None:
        if key_values.shape[1] == 1:
            repeated = parse.repeated(key_values.iloc[:, 0])
        else:
            repeated = key_values.duplicated(keep="first") & key_values.notna().all(axis=1)
        column = KEYS[self.entity][0]
        self.flag(repeated, "duplicate_key", column, f"{column} repeats a key seen earlier")

    def rejections(self) -> pd.DataFrame:
        bad = ~self.ok
        frame = self.frame[bad].astype(object)  # Python strings, as the rejections store them
        key_column = KEYS[self.entity][0]
        columns = self.column[bad]
        values = pd.Series(None, index=frame.index, dtype=object)
        for column in columns.unique():
            values[columns == column] = frame.loc[columns == column, column]
        return pd.DataFrame(
            {
                "entity": self.entity,
                "file": _storable(frame["_file"], "file"),
                "row": frame["_row"].astype(int),
                "key": _storable(frame[key_column], "key").replace("", None),
                "column": self.column[bad],
                "value": _storable(values.fillna(""), "value").replace("", None),
                "reason": self.reason[bad],
                "message": self.message[bad],
            },
            columns=REJECTION_COLUMNS,
        ).reset_index(drop=True)


def _storable(values: pd.Series, column: str) -> pd.Series:
    """Cells of a rejection as its `column` stores them: cut to the column's length, what is
    not printable escaped but tabs and line breaks (a rejected 16 MB cell, or one holding
    NUL or a zero-width space, is recorded and visible, not refused by the database)."""
    length = Rejection.__table__.c[column].type.length
    return parse.per_distinct(values, lambda text: parse.shown(text, length, keep="\t\n\r"))


def validate(raw: RawRecords, known: Known) -> Validated:
    """Split every entity's rows into loadable rows and rejections, resolving references."""
    partners, partners_out = _partners(raw.tables["partners"])
    rates, rates_out = _exchange_rates(raw.tables["exchange_rates"])
    partner_ids = known.partner_ids | set(partners["partner_id"])
    agreements, agreements_out = _agreements(raw.tables["agreements"], partner_ids)
    all_agreements = _union(
        known.agreements, agreements[["agreement_id", "signed_on"]], "agreement_id"
    )
    all_rates = _union(known.rates, rates, ["currency", "valid_from"])
    contributions, contributions_out = _contributions(
        raw.tables["contributions"], all_agreements, all_rates
    )
    rows = {
        "partners": partners,
        "agreements": agreements,
        "contributions": contributions,
        "exchange_rates": rates,
    }
    rejected = {
        "partners": partners_out,
        "agreements": agreements_out,
        "contributions": contributions_out,
        "exchange_rates": rates_out,
    }
    read = {entity: len(frame) for entity, frame in raw.tables.items()}
    return Validated(raw.source, raw.fingerprint, rows, rejected, read)


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


def _agreements(frame: pd.DataFrame, partner_ids: set[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
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
    v.duplicates(frame[["agreement_id"]])
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


def _contributions(
    frame: pd.DataFrame, agreements: pd.DataFrame, rates: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    v = Verdicts("contributions", frame)
    v.missing()
    v.unreadable_text()
    v.too_long()
    source = parse.upper(frame["source"])
    v.invalid("source", ~source.isin(CONTRIBUTION_SOURCES), "is not PARTNER or ITU")
    amount = _check_number(v, "amount", MONEY_PLACES, MONEY_DIGITS)
    v.invalid("currency", ~parse.is_currency(frame["currency"]), "is not an ISO 4217 code")
    v.duplicates(frame[["contribution_id"]])
    signed_on = parse.looked_up(
        frame["agreement_id"], agreements.set_index("agreement_id")["signed_on"]
    )
    v.flag(signed_on.isna(), "unknown_agreement", "agreement_id", "agreement_id is not known")
    currency = parse.upper(frame["currency"])
    checked = v.ok.to_numpy()
    cents = amount.scaled(MONEY_PLACES, checked)
    converted = convert_to_usd(
        pd.Series(cents[checked], index=frame.index[checked]),
        currency[checked],
        signed_on[checked],
        rates,
    )
    no_rate = converted["units_per_usd"].isna().reindex(frame.index, fill_value=False)
    v.flag(no_rate, "no_exchange_rate", "currency", "no rate on or before the signing date")
    v.invalid(
        "amount",
        converted["too_large"].reindex(frame.index, fill_value=False),
        f"in USD is over {USD_MAX:,}, the largest amount stored",
    )
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
