"""prm reproduces the seed report (2024) from the bundled sample, through its own pipeline.

Every figure below is transcribed from shared/seed/000_5bb630ed01e80492.txt and asserted at
the precision the seed prints it: counts exactly, USD millions to the printed decimals,
percentages to whole numbers, and the chart data's shares to the last printed digit.
"""

import pytest

from models.codes import MEMBERSHIP_CATEGORIES, NO_MEMBERSHIP
from models.db import get_engine, upgrade
from tasks.ingest.sources import open_source
from tasks.pipeline import ingest_source
from tasks.report.aggregate import compute_metrics
from tests.conftest import at

SAMPLE = "data/sample"
YEAR = 2024

TOP_10 = [  # partner, "USD x.xx million"
    ("European Union represented by the European Commission", 19.82),
    ("United Nations Children's Fund", 1.82),
    ("United Nations Office for Disaster Risk Reduction", 1.75),
    ("Deutsche Gesellschaft für Internationale Zusammenarbeit GmbH", 1.09),
    ("World Meteorological Organization", 0.96),
    (
        "Department of Infrastructure, Transport, Regional Development, Communications and the "
        "Arts, Australia",
        0.65,
    ),
    ("Foreign, Commonwealth & Development Office, United Kingdom", 0.56),
    ("Ministerio de Tecnologías de la Información y las Comunicaciones, Colombia", 0.43),
    ("EYGS LPP", 0.41),
    ("Ministry of Science and ICT, Korea Rep.", 0.37),
]
# chart "BDT Partners by type (2024)": share of the 73 partners
TYPE_SHARES = {
    "ACADEMIA": 8.2191780821917804e-2,
    "FINANCIAL_INSTITUTION": 5.4794520547945202e-2,
    "GOVERNMENT": 0.43835616438356162,
    "INTL_REGIONAL_ORG": 8.2191780821917804e-2,
    "PRIVATE_SECTOR": 0.13698630136986301,
    "UN_ORGANIZATION": 0.20547945205479451,
}
# chart "Signed agreements and financial contributions by regions (2024)"
REGION_SHARES = {  # code: (share of agreements, share of money)
    "AFR": (0.21348314606741572, 0.50677426416478932),
    "AMS": (0.12359550561797752, 0.12579772358687433),
    "ARB": (5.6179775280898875e-2, 2.9587133100067615e-3),
    "ASP": (0.1348314606741573, 3.7600213974789874e-2),
    "CIS": (4.49438202247191e-2, 5.912578305802765e-3),
    "EUR": (4.49438202247191e-2, 1.301519395925781e-2),
    "MULTI": (0.38202247191011235, 0.30794131269847924),
}
# chart "... by ITU-D priorities (2024)"
PRIORITY_SHARES = {
    "MULTI": (0.15730337078651685, 0.1145386147544688),
    "INCLUSIVE_SECURE": (0.11235955056179775, 3.4820622224557403e-2),
    "ENABLING_ENVIRONMENT": (0.16853932584269662, 0.11554460329521565),
    "DIGITAL_TRANSFORMATION": (0.39325842696629215, 0.13091799393190198),
    "CONNECTIVITY": (0.16853932584269662, 0.60417816579385619),
}
# chart "Number of signed agreements and financial contributions (in USD million)"
TREND = {  # year: (agreements, ITU USD M, partners USD M)
    2020: (42, 3.1, 12.4),
    2021: (72, 3.9, 15.6),
    2022: (75, 1.0, 9.0),
    2023: (88, 2.1, 22.2),
    2024: (89, 2.7, 31.1),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def seed_metrics(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'prm.db'}"
    else:
        url = request.getfixturevalue("db_url_pg")
    upgrade(get_engine(url))
    ingest_source(open_source(str(SAMPLE)), get_engine(url))
    return at(url, compute_metrics, YEAR)


@pytest.fixture
def db_url_pg(empty_pg_database):
    return empty_pg_database


def millions(usd: float, decimals: int) -> float:
    return round(usd / 1e6, decimals)


def test_headline_sentence(seed_metrics):
    m = seed_metrics
    # "signed 89 partnership agreements out of which 53 included financial contributions
    #  totalling approximately USD 33.8 million, with 92% contributed by BDT partners and 8% by ITU"
    assert (m.agreements.signed, m.agreements.with_financial) == (89, 53)
    assert millions(m.financial_usd.total, 1) == 33.8
    assert round(m.financial_usd.partner_share * 100) == 92
    assert round(m.financial_usd.itu_share * 100) == 8
    assert millions(m.financial_usd.partners, 1) == 31.1
    assert millions(m.financial_usd.itu, 1) == 2.7


def test_partners_by_type_and_membership(seed_metrics):
    m = seed_metrics.partners
    assert m.total == 73
    assert {code: n / m.total for code, n in m.by_type.items()} == TYPE_SHARES
    # "19 Member States, 7 ITU-D Sector Members, 3 Academia, and 2 Regional and other ..."
    assert m.by_membership == {
        "MEMBER_STATE": 19,
        "SECTOR_MEMBER": 7,
        "ASSOCIATE": 0,
        "ACADEMIA": 3,
        "REGIONAL_INTL_ORG": 2,
        NO_MEMBERSHIP: 42,
    }
    assert list(m.by_membership)[:5] == list(MEMBERSHIP_CATEGORIES)
    # "Out of the 73 BDT partners, 33 signed financial contribution(s) ... about USD 31.1 million"
    assert m.financial == 33
    assert millions(m.financial_usd, 1) == 31.1


def test_top_ten_financial_partners(seed_metrics):
    top = [(p.name, millions(p.usd, 2)) for p in seed_metrics.top_financial_partners]
    assert top == TOP_10


@pytest.mark.parametrize(
    ("attribute", "expected"), [("by_region", REGION_SHARES), ("by_priority", PRIORITY_SHARES)]
)
def test_region_and_priority_shares_to_the_last_digit(seed_metrics, attribute, expected):
    rows = {
        row.code: (row.agreements_share, row.financial_share)
        for row in getattr(seed_metrics, attribute)
    }
    assert rows == expected


def test_five_year_trend(seed_metrics):
    trend = {
        t.year: (t.agreements, millions(t.itu_usd, 1), millions(t.partners_usd, 1))
        for t in seed_metrics.trend
    }
    assert trend == TREND
