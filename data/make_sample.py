"""Write the bundled sample (data/sample/) that reproduces the seed report's 2024 figures.

Run: `.venv/bin/python data/make_sample.py`. Deterministic: a fixed random seed drives titles,
dates, formatting and the 2019-2023 filler, and the workbook is zipped with fixed timestamps,
so every run writes the same bytes. The script checks its own rows against the seed figures
(`SEED_*` below) before writing anything; `data/README.md` explains the construction.
"""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl

from models.codes import MEMBERSHIP_CATEGORIES, PARTNER_TYPES, PRIORITIES, REGIONS

RANDOM_SEED = 20240
OUT = Path(__file__).resolve().parent / "sample"
WORKBOOK = "register_2024_additions.xlsx"
CENT = Decimal("0.01")

# Seed figures recovered to the cent: the seed's chart shares are amount / total with these
# amounts (every share * 3,382,619,048 cents is an integer, and amount / total in binary
# floating point gives the printed 17-digit value).
SEED_TOTAL = Decimal("33826190.48")
SEED_REGION_USD = {
    "AFR": Decimal("17142242.79"),
    "AMS": Decimal("4255257.76"),
    "ARB": Decimal("100082.00"),
    "ASP": Decimal("1271872.00"),
    "CIS": Decimal("200000.00"),
    "EUR": Decimal("440254.43"),
    "MULTI": Decimal("10416481.50"),
}
SEED_PRIORITY_USD = {
    "CONNECTIVITY": Decimal("20437045.72"),
    "DIGITAL_TRANSFORMATION": Decimal("4428457.00"),
    "ENABLING_ENVIRONMENT": Decimal("3908433.76"),
    "INCLUSIVE_SECURE": Decimal("1177849.00"),
    "MULTI": Decimal("3874405.00"),
}
SEED_REGION_AGREEMENTS = {
    "AFR": 19,
    "AMS": 11,
    "ARB": 5,
    "ASP": 12,
    "CIS": 4,
    "EUR": 4,
    "MULTI": 34,
}
SEED_PRIORITY_AGREEMENTS = {
    "CONNECTIVITY": 15,
    "DIGITAL_TRANSFORMATION": 35,
    "ENABLING_ENVIRONMENT": 15,
    "INCLUSIVE_SECURE": 10,
    "MULTI": 14,
}
# year: (agreements, ITU USD million, partners USD million), as the trend chart prints them.
SEED_TREND = {
    2020: (42, "3.1", "12.4"),
    2021: (72, "3.9", "15.6"),
    2022: (75, "1.0", "9.0"),
    2023: (88, "2.1", "22.2"),
    2024: (89, "2.7", "31.1"),
}
SEED_TOP10 = [
    ("eu", "19.82"),
    ("unicef", "1.82"),
    ("undrr", "1.75"),
    ("giz", "1.09"),
    ("wmo", "0.96"),
    ("aus_ditrdca", "0.65"),
    ("gbr_fcdo", "0.56"),
    ("col_mintic", "0.43"),
    ("eygs", "0.41"),
    ("kor_msit", "0.37"),
]

GOV, UN, INTL, FIN, ACAD, PRIV = (
    "GOVERNMENT",
    "UN_ORGANIZATION",
    "INTL_REGIONAL_ORG",
    "FINANCIAL_INSTITUTION",
    "ACADEMIA",
    "PRIVATE_SECTOR",
)
MS, SM, AC, RO = "MEMBER_STATE", "SECTOR_MEMBER", "ACADEMIA", "REGIONAL_INTL_ORG"

# (key, name, partner_type, membership_category, country). The first 73 are the 2024 partners.
PARTNERS_2024 = [
    (
        "aus_ditrdca",
        "Department of Infrastructure, Transport, Regional Development, "
        "Communications and the Arts, Australia",
        GOV,
        MS,
        "AUS",
    ),
    ("gbr_fcdo", "Foreign, Commonwealth & Development Office, United Kingdom", GOV, MS, "GBR"),
    (
        "col_mintic",
        "Ministerio de Tecnologías de la Información y las Comunicaciones, Colombia",
        GOV,
        MS,
        "COL",
    ),
    ("kor_msit", "Ministry of Science and ICT, Korea Rep.", GOV, MS, "KOR"),
    ("jpn_mic", "Ministry of Internal Affairs and Communications, Japan", GOV, MS, "JPN"),
    (
        "deu_bmz",
        "Federal Ministry for Economic Cooperation and Development, Germany",
        GOV,
        MS,
        "DEU",
    ),
    ("fin_mfa", "Ministry for Foreign Affairs, Finland", GOV, MS, "FIN"),
    ("che_ofcom", "Federal Office of Communications, Switzerland", GOV, MS, "CHE"),
    ("rwa_minict", "Ministry of ICT and Innovation, Rwanda", GOV, MS, "RWA"),
    ("jor_modee", "Ministry of Digital Economy and Entrepreneurship, Jordan", GOV, MS, "JOR"),
    ("egy_mcit", "Ministry of Communications and Information Technology, Egypt", GOV, MS, "EGY"),
    (
        "kaz_mdd",
        "Ministry of Digital Development, Innovations and Aerospace Industry, Kazakhstan",
        GOV,
        MS,
        "KAZ",
    ),
    ("est_meac", "Ministry of Economic Affairs and Communications, Estonia", GOV, MS, "EST"),
    ("bra_mcom", "Ministry of Communications, Brazil", GOV, MS, "BRA"),
    ("tha_mdes", "Ministry of Digital Economy and Society, Thailand", GOV, MS, "THA"),
    (
        "ken_micde",
        "Ministry of Information, Communications and the Digital Economy, Kenya",
        GOV,
        MS,
        "KEN",
    ),
    (
        "zaf_dcdt",
        "Department of Communications and Digital Technologies, South Africa",
        GOV,
        MS,
        "ZAF",
    ),
    ("bel_fpsfa", "Federal Public Service Foreign Affairs, Belgium", GOV, MS, "BEL"),
    ("nld_mfa", "Ministry of Foreign Affairs, Netherlands", GOV, MS, "NLD"),
    ("giz", "Deutsche Gesellschaft für Internationale Zusammenarbeit GmbH", GOV, None, "DEU"),
    ("kor_nia", "National Information Society Agency, Korea Rep.", GOV, None, "KOR"),
    ("jica", "Japan International Cooperation Agency", GOV, None, "JPN"),
    ("sida", "Swedish International Development Cooperation Agency", GOV, None, "SWE"),
    ("expertise_france", "Expertise France", GOV, None, "FRA"),
    ("enabel", "Enabel, Belgian Development Agency", GOV, None, "BEL"),
    ("luxdev", "Luxembourg Agency for Development Cooperation (LuxDev)", GOV, None, "LUX"),
    ("ca_kenya", "Communications Authority of Kenya", GOV, None, "KEN"),
    ("anacom", "Autoridade Nacional de Comunicações (ANACOM), Portugal", GOV, None, "PRT"),
    (
        "tdra",
        "Telecommunications and Digital Government Regulatory Authority, United Arab Emirates",
        GOV,
        None,
        "ARE",
    ),
    ("ncc", "Nigerian Communications Commission", GOV, None, "NGA"),
    ("ane_col", "Agencia Nacional del Espectro, Colombia", GOV, None, "COL"),
    ("imda", "Infocomm Media Development Authority, Singapore", GOV, None, "SGP"),
    ("unicef", "United Nations Children's Fund", UN, None, "USA"),
    ("undrr", "United Nations Office for Disaster Risk Reduction", UN, None, "CHE"),
    ("wmo", "World Meteorological Organization", UN, None, "CHE"),
    ("undp", "United Nations Development Programme", UN, None, "USA"),
    ("unesco", "United Nations Educational, Scientific and Cultural Organization", UN, None, "FRA"),
    ("fao", "Food and Agriculture Organization of the United Nations", UN, None, "ITA"),
    ("ilo", "International Labour Organization", UN, None, "CHE"),
    (
        "unwomen",
        "United Nations Entity for Gender Equality and the Empowerment of Women",
        UN,
        None,
        "USA",
    ),
    ("unhcr", "Office of the United Nations High Commissioner for Refugees", UN, None, "CHE"),
    ("who", "World Health Organization", UN, None, "CHE"),
    ("unctad", "United Nations Conference on Trade and Development", UN, None, "CHE"),
    ("unops", "United Nations Office for Project Services", UN, None, "DNK"),
    ("uneca", "United Nations Economic Commission for Africa", UN, None, "ETH"),
    ("unfpa", "United Nations Population Fund", UN, None, "USA"),
    ("wfp", "World Food Programme", UN, None, "ITA"),
    ("eu", "European Union represented by the European Commission", INTL, None, "BEL"),
    ("atu", "African Telecommunications Union", INTL, RO, "KEN"),
    ("apt", "Asia-Pacific Telecommunity", INTL, RO, "THA"),
    ("auc", "African Union Commission", INTL, None, "ETH"),
    ("smart_africa", "Smart Africa Secretariat", INTL, None, "RWA"),
    ("oecd", "Organisation for Economic Co-operation and Development", INTL, None, "FRA"),
    ("wb", "International Bank for Reconstruction and Development (World Bank)", FIN, None, "USA"),
    ("afdb", "African Development Bank", FIN, None, "CIV"),
    ("idb", "Inter-American Development Bank", FIN, None, "USA"),
    ("isdb", "Islamic Development Bank", FIN, None, "SAU"),
    ("polito", "Politecnico di Torino", ACAD, AC, "ITA"),
    ("uct", "University of Cape Town", ACAD, AC, "ZAF"),
    ("kaist", "Korea Advanced Institute of Science and Technology", ACAD, AC, "KOR"),
    ("cmu_africa", "Carnegie Mellon University Africa", ACAD, None, "RWA"),
    ("strathmore", "Strathmore University", ACAD, None, "KEN"),
    ("uniandes", "Universidad de los Andes", ACAD, None, "COL"),
    ("huawei", "Huawei Technologies Co., Ltd.", PRIV, SM, "CHN"),
    ("microsoft", "Microsoft Corporation", PRIV, SM, "USA"),
    ("ericsson", "Telefonaktiebolaget LM Ericsson", PRIV, SM, "SWE"),
    ("nokia", "Nokia Corporation", PRIV, SM, "FIN"),
    ("cisco", "Cisco Systems, Inc.", PRIV, SM, "USA"),
    ("orange", "Orange S.A.", PRIV, SM, "FRA"),
    ("telefonica", "Telefónica, S.A.", PRIV, SM, "ESP"),
    ("eygs", "EYGS LPP", PRIV, None, "GBR"),
    ("gates", "Bill & Melinda Gates Foundation", PRIV, None, "USA"),
    ("mcgovern", "Patrick J. McGovern Foundation", PRIV, None, "USA"),
]
# Partners with agreements in other years only (or only a cancelled 2024 agreement).
PARTNERS_OTHER = [
    ("adb", "Asian Development Bank", FIN, None, "PHL"),
    ("caf", "CAF - Development Bank of Latin America and the Caribbean", FIN, None, "VEN"),
    ("iom", "International Organization for Migration", UN, None, "CHE"),
    ("unep", "United Nations Environment Programme", UN, None, "KEN"),
    ("sdg_fund", "Joint SDG Fund", UN, None, "USA"),
    ("cmr_minpostel", "Ministry of Posts and Telecommunications, Cameroon", GOV, MS, "CMR"),
    ("vnm_mic", "Ministry of Information and Communications, Viet Nam", GOV, MS, "VNM"),
    ("idn_komdigi", "Ministry of Communication and Digital Affairs, Indonesia", GOV, MS, "IDN"),
    ("pol_mc", "Ministry of Digital Affairs, Poland", GOV, MS, "POL"),
    ("norad", "Norwegian Agency for Development Cooperation", GOV, None, "NOR"),
    ("lbn_tra", "Telecommunications Regulatory Authority, Lebanon", GOV, None, "LBN"),
    (
        "mex_atdt",
        "Agencia de Transformación Digital y Telecomunicaciones, Mexico",
        GOV,
        None,
        "MEX",
    ),
    ("dco", "Digital Cooperation Organization", INTL, None, "SAU"),
    ("aicto", "Arab Information and Communication Technologies Organization", INTL, RO, "TUN"),
    ("rcc", "Regional Commonwealth in the Field of Communications", INTL, RO, "RUS"),
    ("gsma", "GSMA Ltd.", PRIV, SM, "GBR"),
    ("intel", "Intel Corporation", PRIV, SM, "USA"),
    ("qualcomm", "Qualcomm Incorporated", PRIV, SM, "USA"),
    ("vodafone", "Vodafone Group Plc", PRIV, SM, "GBR"),
    ("isoc", "Internet Society", PRIV, None, "USA"),
    ("unige", "University of Geneva", ACAD, AC, "CHE"),
]
# 2024 partners first registered in the workbook's `partners` sheet (their agreements are
# signed in the last quarter and also listed in the workbook).
SHEET_PARTNERS = ("apt", "imda", "kaist", "telefonica")
CANCELLED_PARTNER = "lbn_tra"

# Exchange rates: (first month, units per USD then, at 2025-12, decimals). Monthly UN-style
# rates are drawn around the straight line between the two anchors.
RATE_ANCHORS = {
    "AUD": (date(2019, 1, 1), "1.402", "1.575", 3),
    "CHF": (date(2019, 1, 1), "0.985", "0.885", 3),
    "COP": (date(2019, 1, 1), "3160", "4250", 2),
    "EUR": (date(2019, 1, 1), "0.873", "0.955", 3),
    "GBP": (date(2019, 1, 1), "0.785", "0.792", 3),
    "JPY": (date(2019, 1, 1), "109.5", "154.0", 2),
    "KRW": (date(2020, 1, 1), "1180", "1455", 2),  # no KRW rate before 2020
    "SEK": (date(2019, 1, 1), "9.05", "10.85", 3),
}
# Mid-month revisions (UN rates are revised within a month after large moves).
RATE_REVISIONS = [
    ("COP", date(2020, 3, 20)),
    ("GBP", date(2022, 9, 28)),
    ("EUR", date(2024, 6, 17)),
]
LAST_RATE_MONTH = date(2025, 12, 1)

# The 2024 agreements with contributions: (partner, region, priority, month, contributions),
# a contribution being (source P=PARTNER/I=ITU, currency, amount). Amount "BAL" marks the
# balancing USD contributions: one per region/priority cell of a spanning tree of the
# region x priority graph, computed so the region and priority totals are the seed's to the cent.
FINANCIAL_2024 = [
    # Africa
    ("eu", "AFR", "CONNECTIVITY", 3, [("P", "EUR", "11850000"), ("I", "USD", "BAL")]),
    ("eu", "AFR", "MULTI", 9, [("P", "EUR", "630000")]),
    ("unicef", "AFR", "CONNECTIVITY", 9, [("P", "USD", "320000")]),
    ("giz", "AFR", "DIGITAL_TRANSFORMATION", 5, [("P", "EUR", "730000")]),
    ("giz", "AFR", "ENABLING_ENVIRONMENT", 10, [("P", "EUR", "310000")]),
    ("gbr_fcdo", "AFR", "ENABLING_ENVIRONMENT", 8, [("P", "GBP", "455000"), ("I", "USD", "BAL")]),
    ("wb", "AFR", "DIGITAL_TRANSFORMATION", 2, [("P", "USD", "150000")]),
    ("afdb", "AFR", "CONNECTIVITY", 4, [("P", "USD", "60000"), ("I", "USD", "60000")]),
    ("afdb", "AFR", "ENABLING_ENVIRONMENT", 11, [("P", "USD", "60000")]),
    ("orange", "AFR", "DIGITAL_TRANSFORMATION", 6, [("P", "EUR", "150000")]),
    ("gates", "AFR", "INCLUSIVE_SECURE", 7, [("P", "USD", "170000")]),
    ("unwomen", "AFR", "INCLUSIVE_SECURE", 3, [("P", "USD", "BAL")]),
    ("uneca", "AFR", "DIGITAL_TRANSFORMATION", 1, [("P", "USD", "75000")]),
    ("huawei", "AFR", "CONNECTIVITY", 12, [("P", "USD", "150000"), ("I", "USD", "50000")]),
    ("ca_kenya", "AFR", "DIGITAL_TRANSFORMATION", 4, [("I", "USD", "BAL")]),
    ("smart_africa", "AFR", "MULTI", 10, [("I", "USD", "BAL")]),
    # Americas
    ("eu", "AMS", "ENABLING_ENVIRONMENT", 11, [("P", "EUR", "1885000")]),
    (
        "col_mintic",
        "AMS",
        "DIGITAL_TRANSFORMATION",
        5,
        [("P", "COP", "1750000000"), ("I", "USD", "200000")],
    ),
    ("idb", "AMS", "ENABLING_ENVIRONMENT", 6, [("P", "USD", "BAL")]),
    ("undp", "AMS", "INCLUSIVE_SECURE", 2, [("P", "USD", "110000"), ("I", "USD", "90000")]),
    ("microsoft", "AMS", "DIGITAL_TRANSFORMATION", 9, [("P", "USD", "80000")]),
    ("cisco", "AMS", "DIGITAL_TRANSFORMATION", 3, [("P", "USD", "100000"), ("I", "USD", "80000")]),
    (
        "mcgovern",
        "AMS",
        "DIGITAL_TRANSFORMATION",
        7,
        [("P", "USD", "90000"), ("I", "USD", "60000")],
    ),
    ("gates", "AMS", "INCLUSIVE_SECURE", 10, [("P", "USD", "50000"), ("I", "USD", "50000")]),
    ("bra_mcom", "AMS", "CONNECTIVITY", 8, [("I", "USD", "350000")]),
    ("uniandes", "AMS", "DIGITAL_TRANSFORMATION", 12, [("I", "USD", "250000")]),
    # Arab States, Asia and the Pacific, CIS, Europe
    ("jor_modee", "ARB", "DIGITAL_TRANSFORMATION", 4, [("P", "USD", "60000")]),
    ("isdb", "ARB", "INCLUSIVE_SECURE", 9, [("P", "USD", "BAL")]),
    ("aus_ditrdca", "ASP", "CONNECTIVITY", 6, [("P", "AUD", "730000")]),
    ("aus_ditrdca", "ASP", "ENABLING_ENVIRONMENT", 12, [("P", "AUD", "290000")]),
    (
        "kor_msit",
        "ASP",
        "DIGITAL_TRANSFORMATION",
        4,
        [("P", "KRW", "505000000"), ("I", "USD", "BAL")],
    ),
    ("jpn_mic", "ASP", "CONNECTIVITY", 7, [("P", "JPY", "25000000")]),
    ("kaz_mdd", "CIS", "DIGITAL_TRANSFORMATION", 5, [("P", "USD", "BAL")]),
    ("nokia", "EUR", "DIGITAL_TRANSFORMATION", 3, [("P", "EUR", "100000"), ("I", "USD", "BAL")]),
    ("fin_mfa", "EUR", "ENABLING_ENVIRONMENT", 8, [("P", "EUR", "120000")]),
    # Multi regions
    ("eu", "MULTI", "CONNECTIVITY", 6, [("P", "EUR", "4150000")]),
    ("unicef", "MULTI", "CONNECTIVITY", 2, [("P", "USD", "1500000")]),
    ("undrr", "MULTI", "MULTI", 4, [("P", "USD", "1750000"), ("I", "USD", "BAL")]),
    ("wmo", "MULTI", "MULTI", 7, [("P", "CHF", "860000")]),
    ("eygs", "MULTI", "DIGITAL_TRANSFORMATION", 9, [("P", "USD", "410000")]),
    ("wb", "MULTI", "DIGITAL_TRANSFORMATION", 5, [("P", "USD", "50000")]),
    ("undp", "MULTI", "DIGITAL_TRANSFORMATION", 6, [("P", "USD", "120000")]),
    (
        "microsoft",
        "MULTI",
        "DIGITAL_TRANSFORMATION",
        11,
        [("P", "USD", "80000"), ("I", "USD", "40000")],
    ),
    ("unesco", "MULTI", "INCLUSIVE_SECURE", 3, [("P", "USD", "70000"), ("I", "USD", "50000")]),
    ("unesco", "MULTI", "DIGITAL_TRANSFORMATION", 10, [("P", "USD", "50000")]),
    ("ilo", "MULTI", "INCLUSIVE_SECURE", 2, [("P", "USD", "60000"), ("I", "USD", "50000")]),
    ("ilo", "MULTI", "INCLUSIVE_SECURE", 9, [("P", "USD", "50000")]),
    ("ericsson", "MULTI", "CONNECTIVITY", 5, [("P", "SEK", "1000000")]),
    ("che_ofcom", "MULTI", "ENABLING_ENVIRONMENT", 6, [("P", "CHF", "80000")]),
    ("est_meac", "MULTI", "DIGITAL_TRANSFORMATION", 10, [("P", "EUR", "90000")]),
    ("oecd", "MULTI", "ENABLING_ENVIRONMENT", 3, [("I", "USD", "100000")]),
    ("unhcr", "MULTI", "INCLUSIVE_SECURE", 6, [("I", "USD", "180000")]),
    ("kor_nia", "MULTI", "DIGITAL_TRANSFORMATION", 11, [("I", "CHF", "80000")]),
]

# Titles by priority; the region label (or "global") is appended.
TITLE_STEMS = {
    "CONNECTIVITY": [
        "Last-mile connectivity for rural communities",
        "Giga school connectivity",
        "Broadband infrastructure mapping",
        "Satellite connectivity for remote areas",
        "Affordable broadband access programme",
    ],
    "DIGITAL_TRANSFORMATION": [
        "Digital transformation centres",
        "E-government services",
        "Digital skills for youth",
        "Smart villages and smart islands",
        "Digital innovation ecosystems",
        "AI for public services",
    ],
    "ENABLING_ENVIRONMENT": [
        "Regulatory capacity building",
        "Spectrum management modernization",
        "Policy and regulatory frameworks for digital markets",
        "Universal service fund reform",
    ],
    "INCLUSIVE_SECURE": [
        "Cybersecurity capacity building",
        "Digital inclusion of persons with disabilities",
        "Women in ICT leadership",
        "Child online protection",
        "Emergency telecommunications preparedness",
    ],
    "MULTI": [
        "Early warnings for all",
        "Partner2Connect commitments",
        "Joint programme on digital development",
        "Implementation of regional initiatives",
    ],
}
REGION_WEIGHTS = {"AFR": 22, "AMS": 12, "ARB": 8, "ASP": 14, "CIS": 5, "EUR": 6, "MULTI": 33}
PRIORITY_WEIGHTS = {
    "CONNECTIVITY": 18,
    "DIGITAL_TRANSFORMATION": 36,
    "ENABLING_ENVIRONMENT": 16,
    "INCLUSIVE_SECURE": 14,
    "MULTI": 16,
}
COUNTRY_CURRENCY = {
    "AUS": "AUD",
    "BEL": "EUR",
    "CHE": "CHF",
    "COL": "COP",
    "DEU": "EUR",
    "EST": "EUR",
    "FIN": "EUR",
    "FRA": "EUR",
    "GBR": "GBP",
    "ITA": "EUR",
    "JPN": "JPY",
    "KOR": "KRW",
    "LUX": "EUR",
    "NLD": "EUR",
    "PRT": "EUR",
    "SWE": "SEK",
}
# Whole currency units a contribution in that currency is rounded to in the filler years.
ROUND_UNITS = {"COP": 1_000_000, "JPY": 100_000, "KRW": 1_000_000}
# 2019 and 2025: a few agreements outside the trend window (agreements, financial ones).
OUTSIDE_WINDOW = {2019: (6, 4), 2025: (5, 3)}


@dataclass
class Agreement:
    """An agreement as the generator builds it (codes, not labels)."""

    agreement_id: str
    partner: str
    title: str
    signed_on: date
    region: str
    priority: str
    status: str = "active"
    contributions: list[Contribution] = field(default_factory=list)


@dataclass
class Contribution:
    """A contribution: `amount` in `currency`; `amount_usd` as the contract converts it."""

    contribution_id: str
    agreement_id: str
    source: str
    amount: Decimal | None
    currency: str
    amount_usd: Decimal | None = None


def month_starts(first: date, last: date) -> list[date]:
    """First days of every month from `first` to `last`."""
    days, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        days.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def make_rates(rng: random.Random) -> dict[str, list[tuple[date, Decimal]]]:
    """Monthly rates per currency (plus the mid-month revisions), sorted by valid_from."""
    rates: dict[str, list[tuple[date, Decimal]]] = {}
    for currency, (first, start, end, decimals) in RATE_ANCHORS.items():
        months = month_starts(first, LAST_RATE_MONTH)
        revisions = [day for cur, day in RATE_REVISIONS if cur == currency]
        days = sorted(months + revisions)
        step = Decimal(1).scaleb(-decimals)
        series = []
        for i, day in enumerate(days):
            line = float(start) + (float(end) - float(start)) * i / (len(days) - 1)
            value = Decimal(str(line * (1 + rng.gauss(0, 0.012)))).quantize(step)
            series.append((day, value))
        rates[currency] = series
    return rates


def rate_on(rates: dict[str, list[tuple[date, Decimal]]], currency: str, day: date) -> Decimal:
    """The rate whose valid_from is the latest on or before `day` (KeyError when none)."""
    if currency == "USD":
        return Decimal(1)
    valid = [value for start, value in rates.get(currency, []) if start <= day]
    if not valid:
        raise KeyError(f"no {currency} rate on {day}")
    return valid[-1]


def to_usd(amount: Decimal, units_per_usd: Decimal) -> Decimal:
    """amount / units_per_usd to the cent, half-up, refusing values near a half-cent tie."""
    exact = amount / units_per_usd
    cents = exact * 100
    gap = abs(cents % 1 - Decimal("0.5"))
    assert gap > Decimal("0.001"), f"{amount}/{units_per_usd} is too close to a half cent"
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


class Builder:
    """Builds the sample's rows in memory (codes, Decimal amounts) from the tables above."""

    def __init__(self) -> None:
        self.rng = random.Random(RANDOM_SEED)
        self.rates = make_rates(self.rng)
        partners = PARTNERS_2024 + PARTNERS_OTHER
        self.partner_ids = {p[0]: f"P{i:04d}" for i, p in enumerate(partners, start=1)}
        self.partners = {p[0]: p for p in partners}
        self.agreements: list[Agreement] = []

    def title(self, region: str, priority: str) -> str:
        """A plausible agreement title."""
        where = "global" if region == "MULTI" else REGIONS[region]
        return f"{self.rng.choice(TITLE_STEMS[priority])} ({where})"

    def currency_for(self, partner: str, day: date) -> str:
        """The partner's home currency when a rate exists on `day`, else USD."""
        currency = COUNTRY_CURRENCY.get(self.partners[partner][4], "USD")
        try:
            rate_on(self.rates, currency, day)
        except KeyError:
            return "USD"
        return currency

    def contribution(self, agreement: Agreement, source: str, currency: str, amount: str) -> None:
        """Attach a contribution (amount "BAL" = to be balanced later, in USD)."""
        value = None if amount == "BAL" else Decimal(amount)
        item = Contribution("", agreement.agreement_id, source, value, currency)
        if value is not None:
            item.amount_usd = to_usd(value, rate_on(self.rates, currency, agreement.signed_on))
        agreement.contributions.append(item)

    def build_2024(self) -> None:
        """The 89 agreements of 2024 (53 with contributions) and the cancelled one."""
        rng = self.rng
        for partner, region, priority, month, items in FINANCIAL_2024:
            day = date(2024, month, rng.randint(1, 28))
            agreement = Agreement("", partner, self.title(region, priority), day, region, priority)
            for source, currency, amount in items:
                self.contribution(
                    agreement, "PARTNER" if source == "P" else "ITU", currency, amount
                )
            self.agreements.append(agreement)
        self.balance_2024()
        used = {a.partner for a in self.agreements}
        idle = [p[0] for p in PARTNERS_2024 if p[0] not in used]
        idle += rng.sample(sorted(used - set(SHEET_PARTNERS)), 36 - len(idle))
        regions = [code for code, n in SEED_REGION_AGREEMENTS.items() for _ in range(n)]
        priorities = [code for code, n in SEED_PRIORITY_AGREEMENTS.items() for _ in range(n)]
        for agreement in self.agreements:
            regions.remove(agreement.region)
            priorities.remove(agreement.priority)
        rng.shuffle(regions)
        rng.shuffle(priorities)
        for partner, region, priority in zip(idle, regions, priorities, strict=True):
            month = rng.randint(10, 12) if partner in SHEET_PARTNERS else rng.randint(1, 12)
            day = date(2024, month, rng.randint(1, 28))
            self.agreements.append(
                Agreement("", partner, self.title(region, priority), day, region, priority)
            )
        cancelled = Agreement(
            "",
            CANCELLED_PARTNER,
            self.title("ARB", "ENABLING_ENVIRONMENT"),
            date(2024, 5, 14),
            "ARB",
            "ENABLING_ENVIRONMENT",
            status="cancelled",
        )
        self.contribution(cancelled, "PARTNER", "USD", "250000")
        self.contribution(cancelled, "ITU", "USD", "40000")
        self.agreements.append(cancelled)

    def balance_2024(self) -> None:
        """Solve the "BAL" contributions so region and priority totals equal the seed's.

        The balancing contributions sit on the cells of a spanning tree of the bipartite
        region-priority graph, so peeling leaves (a region or priority with one unknown left)
        determines each of them uniquely.
        """
        unknown: list[tuple[Agreement, Contribution]] = [
            (a, c) for a in self.agreements for c in a.contributions if c.amount is None
        ]
        known_region = {code: Decimal(0) for code in SEED_REGION_USD}
        known_priority = {code: Decimal(0) for code in SEED_PRIORITY_USD}
        for a in self.agreements:
            for c in a.contributions:
                if c.amount is not None:
                    known_region[a.region] += c.amount_usd
                    known_priority[a.priority] += c.amount_usd
        while unknown:
            left = len(unknown)
            for node, targets, known, attr in (
                ("region", SEED_REGION_USD, known_region, "region"),
                ("priority", SEED_PRIORITY_USD, known_priority, "priority"),
            ):
                for code in targets:
                    mine = [(a, c) for a, c in unknown if getattr(a, attr) == code]
                    if len(mine) != 1:
                        continue
                    agreement, item = mine[0]
                    item.amount = item.amount_usd = targets[code] - known[code]
                    assert item.amount > 0, f"balancing {node} {code} is {item.amount}"
                    known_region[agreement.region] += item.amount
                    known_priority[agreement.priority] += item.amount
                    unknown.remove((agreement, item))
            assert len(unknown) < left, "the balancing cells do not form a spanning tree"
        assert known_region == SEED_REGION_USD and known_priority == SEED_PRIORITY_USD

    def build_year(
        self, year: int, count: int, financial: int, itu_m: str, partners_m: str
    ) -> None:
        """Filler agreements of another year whose totals round to the given USD millions.

        The targets are drawn within +/- USD 30,000 of the printed value; the last contribution
        of each source is in USD and takes up the remainder.
        """
        rng = self.rng
        pool = sorted(set(self.partner_ids) - set(SHEET_PARTNERS) - {CANCELLED_PARTNER})
        made = []
        for _ in range(count):
            region = rng.choices(list(REGION_WEIGHTS), list(REGION_WEIGHTS.values()))[0]
            priority = rng.choices(list(PRIORITY_WEIGHTS), list(PRIORITY_WEIGHTS.values()))[0]
            day = date(year, rng.randint(1, 12), rng.randint(1, 28))
            made.append(
                Agreement("", rng.choice(pool), self.title(region, priority), day, region, priority)
            )
        funded = rng.sample(made, financial)
        with_itu = rng.sample(funded, max(2, financial // 3))
        for source, target_m, agreements in (
            ("PARTNER", partners_m, funded),
            ("ITU", itu_m, with_itu),
        ):
            target = (
                Decimal(target_m) * 1_000_000 + Decimal(rng.randint(-3_000_000, 3_000_000)) / 100
            )
            weights = [rng.lognormvariate(0, 1) for _ in agreements]
            total_weight = sum(weights)
            running = Decimal(0)
            for i, (agreement, weight) in enumerate(zip(agreements, weights, strict=True)):
                if i == len(agreements) - 1:
                    self.contribution(agreement, source, "USD", str(target - running))
                    assert agreement.contributions[-1].amount > 0
                    continue
                share = float(target) * weight / total_weight
                if source == "ITU":
                    currency = "CHF" if rng.random() < 0.3 else "USD"
                else:
                    currency = self.currency_for(agreement.partner, agreement.signed_on)
                rate = rate_on(self.rates, currency, agreement.signed_on)
                unit = ROUND_UNITS.get(currency, 1000)
                amount = max(unit, round(share * float(rate) / unit) * unit)
                self.contribution(agreement, source, currency, str(amount))
                running += agreement.contributions[-1].amount_usd
        self.agreements.extend(made)

    def number(self) -> None:
        """Agreement ids by year and signing date; contribution ids in the same order."""
        self.agreements.sort(key=lambda a: (a.signed_on, a.partner))
        per_year: dict[int, int] = {}
        for agreement in self.agreements:
            n = per_year[agreement.signed_on.year] = per_year.get(agreement.signed_on.year, 0) + 1
            agreement.agreement_id = f"AGR-{agreement.signed_on.year}-{n:03d}"
        per_year = {}
        for agreement in self.agreements:
            for item in agreement.contributions:
                year = agreement.signed_on.year
                n = per_year[year] = per_year.get(year, 0) + 1
                item.contribution_id = f"CON-{year}-{n:04d}"
                item.agreement_id = agreement.agreement_id

    def build(self) -> None:
        """Every good row of the sample."""
        self.build_2024()
        for year, (count, itu_m, partners_m) in SEED_TREND.items():
            if year != 2024:
                self.build_year(year, count, round(count * 0.6), itu_m, partners_m)
        for year, (count, financial) in OUTSIDE_WINDOW.items():
            self.build_year(year, count, financial, "0.4", "2.5")
        cancelled = Agreement(
            "",
            "mex_atdt",
            self.title("AMS", "DIGITAL_TRANSFORMATION"),
            date(2021, 9, 13),
            "AMS",
            "DIGITAL_TRANSFORMATION",
            status="cancelled",
        )
        self.contribution(cancelled, "PARTNER", "USD", "180000")
        self.agreements.append(cancelled)
        self.number()


def millions(usd: Decimal, places: int) -> Decimal:
    """USD in millions, rounded half-up as the report prints it."""
    return (usd / 1_000_000).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def check(builder: Builder) -> None:
    """Assert every seed figure on the in-memory rows (the test re-derives them from files)."""
    live = [a for a in builder.agreements if a.status == "active"]
    for year, (count, itu_m, partners_m) in SEED_TREND.items():
        rows = [a for a in live if a.signed_on.year == year]
        items = [(a, c) for a in rows for c in a.contributions]
        itu = sum((c.amount_usd for _, c in items if c.source == "ITU"), Decimal(0))
        partner = sum((c.amount_usd for _, c in items if c.source == "PARTNER"), Decimal(0))
        assert len(rows) == count, (year, len(rows))
        assert (millions(itu, 1), millions(partner, 1)) == (Decimal(itu_m), Decimal(partners_m))
    rows = [a for a in live if a.signed_on.year == 2024]
    assert sum(1 for a in rows if a.contributions) == 53
    total = sum((c.amount_usd for a in rows for c in a.contributions), Decimal(0))
    assert total == SEED_TOTAL
    partners = {a.partner for a in rows}
    assert len(partners) == 73
    by_type = {code: 0 for code in PARTNER_TYPES}
    by_membership = {code: 0 for code in MEMBERSHIP_CATEGORIES} | {"NONE": 0}
    for key in partners:
        by_type[builder.partners[key][2]] += 1
        by_membership[builder.partners[key][3] or "NONE"] += 1
    assert list(by_type.values()) == [6, 4, 32, 6, 10, 15], by_type
    assert list(by_membership.values()) == [19, 7, 0, 3, 2, 42], by_membership
    paid: dict[str, Decimal] = {}
    for a in rows:
        for c in a.contributions:
            if c.source == "PARTNER":
                paid[a.partner] = paid.get(a.partner, Decimal(0)) + c.amount_usd
    assert len(paid) == 33
    ranked = sorted(paid.items(), key=lambda kv: (-kv[1], builder.partners[kv[0]][1]))
    got = [(key, str(millions(usd, 2))) for key, usd in ranked[:10]]
    assert got == SEED_TOP10, got
    assert millions(sum(paid.values(), Decimal(0)), 1) == Decimal("31.1")
    assert millions(total, 1) == Decimal("33.8")


class Style:
    """How a value is spelled in the files: code or label, case, spacing, number format."""

    def __init__(self) -> None:
        self.rng = random.Random(RANDOM_SEED + 1)

    def code(self, codes, code: str | None) -> str:
        """A code cell: the code, its label, or the label in another case or spacing."""
        if code is None:
            return ""
        roll = self.rng.random()
        if roll < 0.45:
            return code
        text = codes[code]
        if roll < 0.85:
            return text
        if roll < 0.93:
            return text.upper() if self.rng.random() < 0.5 else text.lower()
        return "  " + text.replace(" ", "  ", 1) + " "

    def source(self, source: str) -> str:
        """PARTNER/ITU in varying case."""
        return self.rng.choice([source, source, source.lower(), source.title()])

    def amount(self, amount: Decimal) -> str:
        """A CSV amount: plain, with cents, or with thousands separators."""
        roll = self.rng.random()
        if amount >= 1000 and roll < 0.3:
            return f"{amount:,.2f}"
        if amount == amount.to_integral_value() and roll < 0.7:
            return str(int(amount))
        return f"{amount:.2f}"

    def status(self, status: str) -> str:
        """Empty (= active) mostly."""
        if status == "cancelled":
            return status
        return self.rng.choice(["", "", "", "", "active", "Active"])


PARTNER_HEADER = ["Partner ID", "Name", "Partner Type", "Membership Category", "Country"]
AGREEMENT_HEADER = [
    "agreement_id",
    " partner_id ",
    "Title",
    "Signed-On",
    "REGION",
    "Priority",
    "status",
    "notes",
]
CONTRIBUTION_HEADER = ["contribution_id", "agreement_id", "Source", "Amount", "Currency"]
RATE_HEADER = ["Currency", "Valid From", "Units per USD"]
SHEET_AGREEMENT_HEADER = [
    "Agreement ID",
    "Partner ID",
    "Title",
    "Signed On",
    "Region",
    "Priority",
    "Status",
]
SHEET_CONTRIBUTION_HEADER = ["Contribution ID", "Agreement ID", "Source", "Amount", "Currency"]
IN_WORKBOOK_FROM = date(2024, 10, 1)


def partner_row(builder: Builder, style: Style, key: str) -> list:
    """A partners row (membership empty when not an ITU member)."""
    _, name, partner_type, membership, country = builder.partners[key]
    return [
        builder.partner_ids[key],
        name,
        style.code(PARTNER_TYPES, partner_type),
        style.code(MEMBERSHIP_CATEGORIES, membership),
        country,
    ]


def agreement_row(builder: Builder, style: Style, a: Agreement) -> list:
    """An agreements row with a date object (formatted by the writer)."""
    return [
        a.agreement_id,
        builder.partner_ids[a.partner],
        a.title,
        a.signed_on,
        style.code(REGIONS, a.region),
        style.code(PRIORITIES, a.priority),
        style.status(a.status),
    ]


def in_workbook(a: Agreement) -> bool:
    """Last-quarter 2024 agreements are the workbook's (register additions)."""
    return a.signed_on >= IN_WORKBOOK_FROM and a.signed_on.year == 2024


def layout(builder: Builder) -> dict[str, list[list]]:
    """Every file's and sheet's rows, good and bad, in file order (header first)."""
    style = Style()
    sheet_partners = set(SHEET_PARTNERS)
    tables: dict[str, list[list]] = {
        "partners.csv": [PARTNER_HEADER],
        "agreements.csv": [AGREEMENT_HEADER],
        "contributions.csv": [CONTRIBUTION_HEADER],
        "exchange_rates.csv": [RATE_HEADER],
        "sheet:partners": [PARTNER_HEADER],
        "sheet:agreements": [SHEET_AGREEMENT_HEADER],
        "sheet:contributions": [SHEET_CONTRIBUTION_HEADER],
    }
    for key, _ in sorted(builder.partner_ids.items(), key=lambda kv: kv[1]):
        target = "sheet:partners" if key in sheet_partners else "partners.csv"
        tables[target].append(partner_row(builder, style, key))
    for a in sorted(builder.agreements, key=lambda a: a.agreement_id):
        sheet = in_workbook(a)
        row = agreement_row(builder, style, a)
        tables["sheet:agreements" if sheet else "agreements.csv"].append(
            row if sheet else [*row[:3], row[3].isoformat(), *row[4:], ""]
        )
    items = sorted(
        ((a, c) for a in builder.agreements for c in a.contributions),
        key=lambda ac: ac[1].contribution_id,
    )
    for a, c in items:
        if in_workbook(a) and c.amount == c.amount.to_integral_value():
            tables["sheet:contributions"].append(
                [
                    c.contribution_id,
                    c.agreement_id,
                    style.source(c.source),
                    int(c.amount),
                    c.currency,
                ]
            )
        else:
            tables["contributions.csv"].append(
                [
                    c.contribution_id,
                    c.agreement_id,
                    style.source(c.source),
                    style.amount(c.amount),
                    c.currency,
                ]
            )
    for currency, series in builder.rates.items():
        for day, value in series:
            tables["exchange_rates.csv"].append([currency, day.isoformat(), str(value)])
    add_bad_rows(builder, tables)
    return tables


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


def cell(value):
    """An Excel cell value: None for empty text."""
    return None if value == "" else value


def write_workbook(tables: dict[str, list[list]], path: Path) -> None:
    """The register workbook: real date and number cells, fixed timestamps (same bytes)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in ("partners", "agreements", "contributions"):
        sheet = book.create_sheet(name)
        for row in tables[f"sheet:{name}"]:
            sheet.append([cell(v) for v in row])
        for row in sheet.iter_rows(min_row=2):
            for item in row:
                if isinstance(item.value, date):
                    item.number_format = "yyyy-mm-dd"
                elif isinstance(item.value, int):
                    item.number_format = "#,##0.00"
    notes = book.create_sheet("notes")
    notes.append(
        [
            "Register additions, last quarter 2024 (sheets partners, agreements, "
            "contributions); this sheet is not read."
        ]
    )
    fixed = datetime(2025, 1, 15, 9, 0, 0)
    book.properties.creator = "prm data/make_sample.py"
    book.properties.created = fixed
    buffer = io.BytesIO()
    book.save(buffer)
    stamp = fixed.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(buffer) as raw, zipfile.ZipFile(path, "w") as out:
        for info in raw.infolist():
            data = raw.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            entry = zipfile.ZipInfo(info.filename, date_time=fixed.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(entry, data)


def write(tables: dict[str, list[list]]) -> None:
    """All files of data/sample/ (partners.csv with a BOM, as Excel exports it)."""
    OUT.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        if name.startswith("sheet:"):
            continue
        encoding = "utf-8-sig" if name == "partners.csv" else "utf-8"
        with open(OUT / name, "w", encoding=encoding, newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(table)
    write_workbook(tables, OUT / WORKBOOK)


def summary(builder: Builder) -> list[str]:
    """The exact 2024 and trend totals the sample gives (for README and the integrator)."""
    live = [a for a in builder.agreements if a.status == "active"]
    lines = []
    for year in SEED_TREND:
        items = [c for a in live if a.signed_on.year == year for c in a.contributions]
        itu = sum((c.amount_usd for c in items if c.source == "ITU"), Decimal(0))
        partner = sum((c.amount_usd for c in items if c.source == "PARTNER"), Decimal(0))
        count = sum(1 for a in live if a.signed_on.year == year)
        lines.append(f"trend {year}: agreements {count}, itu_usd {itu}, partners_usd {partner}")
    paid: dict[str, Decimal] = {}
    for a in live:
        if a.signed_on.year == 2024:
            for c in a.contributions:
                if c.source == "PARTNER":
                    paid[a.partner] = paid.get(a.partner, Decimal(0)) + c.amount_usd
    ranked = sorted(paid.items(), key=lambda kv: (-kv[1], builder.partners[kv[0]][1]))
    for key, usd in ranked[:10]:
        lines.append(f"top10 {builder.partner_ids[key]} {usd} {builder.partners[key][1]}")
    return lines


def main() -> None:
    """Build, check against the seed, write data/sample/, print the bad rows and totals."""
    builder = Builder()
    builder.build()
    check(builder)
    tables = layout(builder)
    write(tables)
    for file, row, key in bad_rows(tables):
        print(f"bad row: {file} row {row} key {key}")
    for line in summary(builder):
        print(line)


if __name__ == "__main__":
    main()
