"""The bundled sample (data/sample/) gives every figure of the 2024 seed report.

Checked against an independent reference reading (tests/sample_reference.py: plain
pandas/openpyxl following DATA_CONTRACT.md, no prm code), with the seed's printed figures
transcribed below and section 4's counting rules applied here.
"""

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from tests.sample_reference import CODES, YEAR, read_entity, reference_ingestion

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


@pytest.fixture(scope="module")
def loaded() -> dict:
    """The sample ingested by the reference rules: loaded frames and rejections."""
    return reference_ingestion()


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
