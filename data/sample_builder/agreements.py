"""Agreement tables: the 2024 funded agreements, titles, and the filler years' weights."""

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
# Whole currency units a contribution in that currency is rounded to in the filler years.
ROUND_UNITS = {"COP": 1_000_000, "JPY": 100_000, "KRW": 1_000_000}
# 2019 and 2025: a few agreements outside the trend window (agreements, financial ones).
OUTSIDE_WINDOW = {2019: (6, 4), 2025: (5, 3)}
