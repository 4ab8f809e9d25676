"""A reference reading of the bundled sample, independent of prm's own code.

Plain pandas/openpyxl, following DATA_CONTRACT.md sections 1-3 row by row, so that
tests/test_sample_data.py can check the sample against the seed without trusting prm.
"""

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import openpyxl
import pandas as pd

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
YEAR = 2024

# Contract section 3, transcribed (code -> label).
CODES = {
    "partner_type": {
        "ACADEMIA": "Academia",
        "FINANCIAL_INSTITUTION": "Financial institutions",
        "GOVERNMENT": "Governmental entities",
        "INTL_REGIONAL_ORG": "Int'l & Reg. Org.",
        "PRIVATE_SECTOR": "Private sector (incl. Foundations)",
        "UN_ORGANIZATION": "UN organizations",
    },
    "membership_category": {
        "MEMBER_STATE": "Member States",
        "SECTOR_MEMBER": "ITU-D Sector Members",
        "ASSOCIATE": "Associates",
        "ACADEMIA": "Academia",
        "REGIONAL_INTL_ORG": "Regional and other International Organizations",
    },
    "region": {
        "AFR": "Africa",
        "AMS": "Americas",
        "ARB": "Arab States",
        "ASP": "Asia and the Pacific",
        "CIS": "Commonwealth of Independent States",
        "EUR": "Europe",
        "MULTI": "Multi regions",
    },
    "priority": {
        "CONNECTIVITY": "Affordable connectivity",
        "DIGITAL_TRANSFORMATION": "Digital Transformation",
        "ENABLING_ENVIRONMENT": "Enabling policy & regulatory envir.",
        "INCLUSIVE_SECURE": "Inclusive & secure telecom/ICTs for sustainable dev.",
        "MULTI": "Multi-priorities",
    },
    "source": {"PARTNER": "PARTNER", "ITU": "ITU"},
    "status": {"active": "active", "cancelled": "cancelled"},
}
REQUIRED = {
    "partners": ["partner_id", "name", "partner_type"],
    "agreements": ["agreement_id", "partner_id", "signed_on", "region", "priority"],
    "contributions": ["contribution_id", "agreement_id", "source", "amount", "currency"],
    "exchange_rates": ["currency", "valid_from", "units_per_usd"],
}
KEYS = {"partners": "partner_id", "agreements": "agreement_id", "contributions": "contribution_id"}

# The seed report's figures, as printed (charts: the chart data at the end of the seed text).

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"(\d+|\d{1,3}(,\d{3})+)(\.\d+)?")


def header(name: object) -> str:
    """Contract header matching: case, surrounding spaces, inner spaces/hyphens."""
    return re.sub(r"[\s-]+", "_", str(name).strip().lower())


def read_entity(entity: str) -> pd.DataFrame:
    """Every row of an entity from `entity*.csv` and `entity` sheets, with file and row."""
    frames = []
    for path in sorted(SAMPLE.iterdir()):
        if path.name.startswith(entity) and path.suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            frame["_row"] = range(1, len(frame) + 1)
        elif path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, data_only=True)
            if entity not in book.sheetnames:
                continue
            rows = list(book[entity].iter_rows(values_only=True))
            frame = pd.DataFrame(rows[1:], columns=list(rows[0]), dtype=object)
            frame["_row"] = range(2, len(frame) + 2)
        else:
            continue
        frame.columns = [c if c == "_row" else header(c) for c in frame.columns]
        frame["_file"] = path.name
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def text(value: object) -> str:
    """A trimmed cell; '' for empty."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def parse_date(value: object) -> date | None:
    """ISO date text or a date cell; None when invalid."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not _DATE.fullmatch(text(value)):
        return None
    try:
        return date.fromisoformat(text(value))
    except ValueError:
        return None


def parse_number(value: object) -> Decimal | None:
    """Plain decimal, numeric cell or comma-grouped decimal; None when invalid."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    if not _NUMBER.fullmatch(text(value)):
        return None
    try:
        return Decimal(text(value).replace(",", ""))
    except InvalidOperation:
        return None


def parse_code(kind: str, value: object) -> str | None:
    """Code or label, case-insensitive with spaces collapsed; None when unknown."""

    def norm(s: str) -> str:
        return re.sub(r"\s+", " ", s.strip()).casefold()

    wanted = norm(text(value))
    for code, label in CODES[kind].items():
        if wanted in (norm(code), norm(label)):
            return code
    return None


def validate(row: pd.Series, entity: str, seen: set, known: dict) -> tuple[str | None, dict]:
    """(reason, parsed values) of one row under contract section 2."""
    if any(text(row.get(col)) == "" for col in REQUIRED[entity]):
        return "missing_value", {}
    parsed = {col: text(row.get(col)) for col in row.index if not col.startswith("_")}
    parsers = {
        "partner_type": lambda v: parse_code("partner_type", v),
        "region": lambda v: parse_code("region", v),
        "priority": lambda v: parse_code("priority", v),
        "source": lambda v: parse_code("source", v),
        "signed_on": parse_date,
        "valid_from": parse_date,
        "amount": parse_number,
        "units_per_usd": parse_number,
    }
    for col, parse in parsers.items():
        if col in REQUIRED[entity]:
            parsed[col] = parse(row[col])
            if parsed[col] is None or (isinstance(parsed[col], Decimal) and parsed[col] <= 0):
                return "invalid_value", {}
    for col, kind in (("membership_category", "membership_category"), ("status", "status")):
        if col in parsed and parsed[col] != "":
            parsed[col] = parse_code(kind, parsed[col])
            if parsed[col] is None:
                return "invalid_value", {}
    key = KEYS.get(entity)
    if key and parsed[key] in seen:
        return "duplicate_key", {}
    if entity == "agreements" and parsed["partner_id"] not in known["partners"]:
        return "unknown_partner", {}
    if entity == "contributions":
        agreement = known["agreements"].get(parsed["agreement_id"])
        if agreement is None:
            return "unknown_agreement", {}
        rate = rate_on(known["rates"], parsed["currency"], agreement["signed_on"])
        if rate is None:
            return "no_exchange_rate", {}
        parsed["amount_usd"] = (parsed["amount"] / rate).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
    return None, parsed


def rate_on(rates: pd.DataFrame, currency: str, day: date) -> Decimal | None:
    """Units per USD valid on `day` (latest valid_from on or before it)."""
    if currency.upper() == "USD":
        return Decimal(1)
    valid = rates[(rates.currency == currency.upper()) & (rates.valid_from <= day)]
    return None if valid.empty else valid.sort_values("valid_from").iloc[-1].units_per_usd


def reference_ingestion() -> dict:
    """The sample ingested by the reference rules: loaded frames and rejections."""
    """The sample ingested by the reference rules: loaded frames and rejections."""
    known: dict = {"partners": {}, "agreements": {}, "rates": None}
    loaded: dict = {}
    rejections = []
    for entity in ("exchange_rates", "partners", "agreements", "contributions"):
        good, seen = [], set()
        for _, row in read_entity(entity).iterrows():
            reason, parsed = validate(row, entity, seen, known)
            if entity in KEYS:
                seen.add(text(row.get(KEYS[entity])))
            if reason:
                rejections.append((row["_file"], int(row["_row"]), reason))
            else:
                good.append(parsed)
        frame = pd.DataFrame(good)
        loaded[entity] = frame
        if entity == "exchange_rates":
            frame["currency"] = frame["currency"].str.upper()
            known["rates"] = frame
        else:
            known[entity] = {r[KEYS[entity]]: r for r in good}
    return {**loaded, "rejections": rejections}
