"""The seed report's 2024 figures (and trend) that the sample must reproduce.

`data/README.md` explains how the amounts were recovered from the seed's chart shares.
"""

from decimal import Decimal

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
