"""The bundled sample (data/sample/) gives every figure of the 2024 seed report.

An independent reference: plain pandas/openpyxl reading of the sample as DATA_CONTRACT.md
sections 1-4 describe it (no prm code), with the seed's printed figures transcribed below.
"""

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

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
SEED = {
    "signed": 89,
    "with_financial": 53,
    "total_m1": "33.8",
    "partners_m1": "31.1",
    "itu_m1": "2.7",
    "partner_pct": 92,
    "itu_pct": 8,
    "partners": 73,
    "financial_partners": 33,
    "by_type": {
        "ACADEMIA": 6,
        "FINANCIAL_INSTITUTION": 4,
        "GOVERNMENT": 32,
        "INTL_REGIONAL_ORG": 6,
        "PRIVATE_SECTOR": 10,
        "UN_ORGANIZATION": 15,
    },
    "type_shares": {
        "ACADEMIA": "8.2191780821917804E-2",
        "FINANCIAL_INSTITUTION": "5.4794520547945202E-2",
        "GOVERNMENT": "0.43835616438356162",
        "INTL_REGIONAL_ORG": "8.2191780821917804E-2",
        "PRIVATE_SECTOR": "0.13698630136986301",
        "UN_ORGANIZATION": "0.20547945205479451",
    },
    "membership": {
        "MEMBER_STATE": 19,
        "SECTOR_MEMBER": 7,
        "ACADEMIA": 3,
        "REGIONAL_INTL_ORG": 2,
        "ASSOCIATE": 0,
    },
    "top10": [
        ("European Union represented by the European Commission", "19.82"),
        ("United Nations Children's Fund", "1.82"),
        ("United Nations Office for Disaster Risk Reduction", "1.75"),
        ("Deutsche Gesellschaft für Internationale Zusammenarbeit GmbH", "1.09"),
        ("World Meteorological Organization", "0.96"),
        (
            "Department of Infrastructure, Transport, Regional Development, Communications "
            "and the Arts, Australia",
            "0.65",
        ),
        ("Foreign, Commonwealth & Development Office, United Kingdom", "0.56"),
        ("Ministerio de Tecnologías de la Información y las Comunicaciones, Colombia", "0.43"),
        ("EYGS LPP", "0.41"),
        ("Ministry of Science and ICT, Korea Rep.", "0.37"),
    ],
    # code: (agreements share, financial share), as the charts' data print them.
    "region": {
        "AFR": ("0.21348314606741572", "0.50677426416478932"),
        "AMS": ("0.12359550561797752", "0.12579772358687433"),
        "ARB": ("5.6179775280898875E-2", "2.9587133100067615E-3"),
        "ASP": ("0.1348314606741573", "3.7600213974789874E-2"),
        "CIS": ("4.49438202247191E-2", "5.912578305802765E-3"),
        "EUR": ("4.49438202247191E-2", "1.301519395925781E-2"),
        "MULTI": ("0.38202247191011235", "0.30794131269847924"),
    },
    "priority": {
        "MULTI": ("0.15730337078651685", "0.1145386147544688"),
        "INCLUSIVE_SECURE": ("0.11235955056179775", "3.4820622224557403E-2"),
        "ENABLING_ENVIRONMENT": ("0.16853932584269662", "0.11554460329521565"),
        "DIGITAL_TRANSFORMATION": ("0.39325842696629215", "0.13091799393190198"),
        "CONNECTIVITY": ("0.16853932584269662", "0.60417816579385619"),
    },
    # year: (agreements, ITU USD M, partners USD M)
    "trend": {
        2020: (42, "3.1", "12.4"),
        2021: (72, "3.9", "15.6"),
        2022: (75, "1.0", "9.0"),
        2023: (88, "2.1", "22.2"),
        2024: (89, "2.7", "31.1"),
    },
}
# The rows the sample holds on purpose to be rejected: (file, row, reason).
EXPECTED_REJECTIONS = {
    ("agreements.csv", 285, "unknown_partner"),
    ("agreements.csv", 357, "invalid_value"),
    ("contributions.csv", 7, "no_exchange_rate"),
    ("contributions.csv", 281, "duplicate_key"),
    ("contributions.csv", 286, "unknown_agreement"),
    ("register_2024_additions.xlsx", 16, "missing_value"),
}

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


@pytest.fixture(scope="module")
def loaded() -> dict:
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


@pytest.fixture(scope="module")
def year_rows(loaded: dict) -> dict:
    """2024 agreements (not cancelled) joined with partners and their contributions."""
    agreements = loaded["agreements"].copy()
    agreements["status"] = agreements["status"].replace("", "active")
    agreements = agreements[agreements.status == "active"]
    agreements["year"] = agreements.signed_on.map(lambda d: d.year)
    contributions = loaded["contributions"].merge(
        agreements[["agreement_id", "partner_id", "year", "region", "priority"]], on="agreement_id"
    )
    return {"agreements": agreements, "contributions": contributions}


def millions(usd: Decimal, places: int) -> str:
    """USD in millions as printed (half-up)."""
    step = Decimal(1).scaleb(-places)
    return str((usd / 1_000_000).quantize(step, rounding=ROUND_HALF_UP))


def usd_sum(frame: pd.DataFrame) -> Decimal:
    """Sum of amount_usd (exact)."""
    return sum(frame.amount_usd, Decimal(0))


def test_the_bad_rows_are_rejected_one_per_reason(loaded: dict) -> None:
    assert set(loaded["rejections"]) == EXPECTED_REJECTIONS
    assert len(loaded["rejections"]) == len(EXPECTED_REJECTIONS)
    assert {reason for _, _, reason in loaded["rejections"]} == {
        "missing_value",
        "invalid_value",
        "duplicate_key",
        "unknown_partner",
        "unknown_agreement",
        "no_exchange_rate",
    }


def test_the_sample_uses_both_formats_and_several_currencies(loaded: dict) -> None:
    assert set(read_entity("agreements")._file) == {
        "agreements.csv",
        "register_2024_additions.xlsx",
    }
    assert set(read_entity("contributions")._file) == {
        "contributions.csv",
        "register_2024_additions.xlsx",
    }
    assert {"EUR", "CHF", "GBP", "AUD", "KRW", "COP"} <= set(loaded["contributions"].currency)
    assert (loaded["agreements"].status == "cancelled").sum() >= 1


def test_headline_figures(year_rows: dict) -> None:
    agreements = year_rows["agreements"][year_rows["agreements"].year == YEAR]
    money = year_rows["contributions"][year_rows["contributions"].year == YEAR]
    assert len(agreements) == SEED["signed"]
    assert money.agreement_id.nunique() == SEED["with_financial"]
    total, partners = usd_sum(money), usd_sum(money[money.source == "PARTNER"])
    itu = usd_sum(money[money.source == "ITU"])
    assert total == partners + itu
    assert (millions(total, 1), millions(partners, 1), millions(itu, 1)) == (
        SEED["total_m1"],
        SEED["partners_m1"],
        SEED["itu_m1"],
    )
    assert round(100 * partners / total) == SEED["partner_pct"]
    assert round(100 * itu / total) == SEED["itu_pct"]


def test_partners_by_type_and_membership(loaded: dict, year_rows: dict) -> None:
    agreements = year_rows["agreements"][year_rows["agreements"].year == YEAR]
    partners = loaded["partners"].set_index("partner_id").loc[agreements.partner_id.unique()]
    assert len(partners) == SEED["partners"]
    by_type = partners.partner_type.value_counts().to_dict()
    assert {code: by_type.get(code, 0) for code in CODES["partner_type"]} == SEED["by_type"]
    for code, share in SEED["type_shares"].items():
        assert by_type[code] / len(partners) == float(share)
    membership = partners.membership_category.replace("", "NONE").value_counts().to_dict()
    expected = SEED["membership"] | {"NONE": SEED["partners"] - sum(SEED["membership"].values())}
    assert {code: membership.get(code, 0) for code in expected} == expected


def test_financial_partners_and_top_ten(loaded: dict, year_rows: dict) -> None:
    money = year_rows["contributions"]
    paid = money[(money.year == YEAR) & (money.source == "PARTNER")]
    per_partner = paid.groupby("partner_id").amount_usd.apply(lambda s: sum(s, Decimal(0)))
    names = loaded["partners"].set_index("partner_id").name
    ranked = sorted(per_partner.items(), key=lambda kv: (-kv[1], names[kv[0]]))
    assert len(ranked) == SEED["financial_partners"]
    assert millions(sum(per_partner, Decimal(0)), 1) == SEED["partners_m1"]
    assert [(names[key], millions(usd, 2)) for key, usd in ranked[:10]] == SEED["top10"]


@pytest.mark.parametrize("dimension", ["region", "priority"])
def test_agreements_and_money_by_region_and_priority(year_rows: dict, dimension: str) -> None:
    agreements = year_rows["agreements"][year_rows["agreements"].year == YEAR]
    money = year_rows["contributions"][year_rows["contributions"].year == YEAR]
    total = usd_sum(money)
    assert set(agreements[dimension]) | set(SEED[dimension]) == set(CODES[dimension])
    for code, (count_share, money_share) in SEED[dimension].items():
        count = int((agreements[dimension] == code).sum())
        usd = usd_sum(money[money[dimension] == code])
        assert count / len(agreements) == float(count_share), code
        # Binary floating point, as the seed's charts computed them: equal to the last bit.
        assert float(usd) / float(total) == float(money_share), code
        # Exact division is within one unit in the last place of the printed value.
        assert abs(usd / total - Decimal(money_share)) < Decimal("1e-16"), code
        assert usd == usd.quantize(Decimal("0.01"))


def test_trend(year_rows: dict) -> None:
    agreements, money = year_rows["agreements"], year_rows["contributions"]
    for year, (count, itu_m, partners_m) in SEED["trend"].items():
        assert (agreements.year == year).sum() == count, year
        of_year = money[money.year == year]
        assert millions(usd_sum(of_year[of_year.source == "ITU"]), 1) == itu_m, year
        assert millions(usd_sum(of_year[of_year.source == "PARTNER"]), 1) == partners_m, year
