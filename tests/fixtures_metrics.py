"""Realistic inputs for the report tests: the seed's 2024 figures as a `Metrics` object.

The counts and USD amounts are those of the 2024 TDAG report (seed/000_5bb630ed01e80492.txt);
per-region and per-priority money is the seed's chart shares times its USD 33.8 million.
"""

from datetime import date

import pandas as pd

from models.codes import (
    ENTITIES,
    MEMBERSHIP_CATEGORIES,
    NO_MEMBERSHIP,
    PARTNER_TYPES,
    PRIORITIES,
    REASONS,
    REGIONS,
    label,
)
from models.metrics import Metrics

PARTNERS_USD = 31_100_000.0
ITU_USD = 2_700_000.0
TOTAL_USD = PARTNERS_USD + ITU_USD

TOP_10 = [
    ("EU", "European Union represented by the European Commission", "INTL_REGIONAL_ORG", 19.82),
    ("UNICEF", "United Nations Children's Fund", "UN_ORGANIZATION", 1.82),
    ("UNDRR", "United Nations Office for Disaster Risk Reduction", "UN_ORGANIZATION", 1.75),
    ("GIZ", "Deutsche Gesellschaft für Internationale Zusammenarbeit GmbH", "GOVERNMENT", 1.09),
    ("WMO", "World Meteorological Organization", "UN_ORGANIZATION", 0.96),
    (
        "AUS-DITRDCA",
        "Department of Infrastructure, Transport, Regional Development, Communications and "
        "the Arts, Australia",
        "GOVERNMENT",
        0.65,
    ),
    ("GBR-FCDO", "Foreign, Commonwealth & Development Office, United Kingdom", "GOVERNMENT", 0.56),
    (
        "COL-MINTIC",
        "Ministerio de Tecnologías de la Información y las Comunicaciones, Colombia",
        "GOVERNMENT",
        0.43,
    ),
    ("EYGS", "EYGS LPP", "PRIVATE_SECTOR", 0.41),
    ("KOR-MSIT", "Ministry of Science and ICT, Korea Rep.", "GOVERNMENT", 0.37),
]

BY_TYPE = {
    "ACADEMIA": 6,
    "FINANCIAL_INSTITUTION": 4,
    "GOVERNMENT": 32,
    "INTL_REGIONAL_ORG": 6,
    "PRIVATE_SECTOR": 10,
    "UN_ORGANIZATION": 15,
}
BY_MEMBERSHIP = {
    "MEMBER_STATE": 19,
    "SECTOR_MEMBER": 7,
    "ASSOCIATE": 0,
    "ACADEMIA": 3,
    "REGIONAL_INTL_ORG": 2,
    NO_MEMBERSHIP: 42,
}
# code -> (agreements, share of the USD total) as in the seed's charts
REGION_FIGURES = {
    "AFR": (19, 0.50677426416478932),
    "AMS": (11, 0.12579772358687433),
    "ARB": (5, 0.0029587133100067615),
    "ASP": (12, 0.037600213974789874),
    "CIS": (4, 0.005912578305802765),
    "EUR": (4, 0.01301519395925781),
    "MULTI": (34, 0.30794131269847924),
}
PRIORITY_FIGURES = {
    "CONNECTIVITY": (15, 0.60417816579385619),
    "DIGITAL_TRANSFORMATION": (35, 0.13091799393190198),
    "ENABLING_ENVIRONMENT": (15, 0.11554460329521565),
    "INCLUSIVE_SECURE": (10, 0.034820622224557403),
    "MULTI": (14, 0.1145386147544688),
}
# year -> (agreements, ITU USD million, partners USD million)
TREND = {
    2020: (42, 3.1, 12.4),
    2021: (72, 3.9, 15.6),
    2022: (75, 1.0, 9.0),
    2023: (88, 2.1, 22.2),
    2024: (89, 2.7, 31.1),
}


def _breakdown(codes, figures: dict[str, tuple[int, float]], signed: int) -> list[dict]:
    return [
        {
            "code": code,
            "label": label(codes, code),
            "agreements": figures[code][0],
            "agreements_share": figures[code][0] / signed,
            "financial_usd": round(figures[code][1] * TOTAL_USD, 2),
            "financial_share": figures[code][1],
        }
        for code in codes
    ]


def _change(current: float, previous: float) -> dict:
    change = current - previous
    return {
        "current": current,
        "previous": previous,
        "change": change,
        "change_pct": change / previous if previous else None,
    }


def _trend() -> list[dict]:
    return [
        {
            "year": year,
            "agreements": count,
            "itu_usd": itu * 1e6,
            "partners_usd": partners * 1e6,
            "total_usd": round((itu + partners) * 1e6, 2),
        }
        for year, (count, itu, partners) in TREND.items()
    ]


def _data_quality() -> dict:
    read = {"partners": 80, "agreements": 95, "contributions": 120, "exchange_rates": 12}
    rejected = {"partners": 1, "agreements": 2, "contributions": 3, "exchange_rates": 0}
    by_reason = dict.fromkeys(REASONS, 0) | {"missing_value": 2, "unknown_agreement": 4}
    return {
        "ingestion_id": 7,
        "read": read,
        "loaded": {entity: read[entity] - rejected[entity] for entity in ENTITIES},
        "rejected": rejected,
        "rejections_by_reason": by_reason,
    }


def seed_metrics_dict() -> dict:
    """The seed's 2024 figures as a metrics.json-shaped dict (edit a copy to vary a test)."""
    signed = 89
    return {
        "year": 2024,
        "agreements": {"signed": signed, "with_financial": 53},
        "financial_usd": {
            "total": TOTAL_USD,
            "partners": PARTNERS_USD,
            "itu": ITU_USD,
            "partner_share": PARTNERS_USD / TOTAL_USD,
            "itu_share": ITU_USD / TOTAL_USD,
        },
        "partners": {
            "total": 73,
            "financial": 33,
            "financial_usd": PARTNERS_USD,
            "by_type": dict(BY_TYPE),  # copies: tests edit the dict they get
            "by_membership": dict(BY_MEMBERSHIP),
        },
        "top_financial_partners": [
            {"rank": i, "partner_id": pid, "name": name, "partner_type": kind, "usd": m * 1e6}
            for i, (pid, name, kind, m) in enumerate(TOP_10, start=1)
        ],
        "by_region": _breakdown(REGIONS, REGION_FIGURES, signed),
        "by_priority": _breakdown(PRIORITIES, PRIORITY_FIGURES, signed),
        "trend": _trend(),
        "year_over_year": {
            "previous_year": 2023,
            "agreements": _change(89, 88),
            "financial_usd_total": _change(TOTAL_USD, 24_300_000.0),
            "partners_usd": _change(PARTNERS_USD, 22_200_000.0),
            "itu_usd": _change(ITU_USD, 2_100_000.0),
        },
        "data_quality": _data_quality(),
    }


def seed_metrics() -> Metrics:
    """The seed's 2024 report figures as a validated `Metrics`."""
    return Metrics.model_validate(seed_metrics_dict())


def zero_money_metrics() -> Metrics:
    """A year with agreements and partners but no financial contribution at all."""
    data = seed_metrics_dict()
    data["agreements"]["with_financial"] = 0
    data["financial_usd"] = dict.fromkeys(data["financial_usd"], 0.0)
    data["partners"].update(financial=0, financial_usd=0.0)
    data["top_financial_partners"] = []
    for row in data["by_region"] + data["by_priority"]:
        row.update(financial_usd=0.0, financial_share=0.0)
    data["trend"] = [dict(t, itu_usd=0.0, partners_usd=0.0, total_usd=0.0) for t in data["trend"]]
    yoy = data["year_over_year"]
    for key in ("financial_usd_total", "partners_usd", "itu_usd"):
        yoy[key] = _change(0.0, 0.0)
    return Metrics.model_validate(data)


def seed_agreements() -> pd.DataFrame:
    """A few agreements of year 2024 shaped like the integrator's frame (one per top partner)."""
    rows = []
    for i, (pid, name, kind, m) in enumerate(TOP_10[:4], start=1):
        rows.append(
            {
                "agreement_id": f"AG-2024-{i:03d}",
                "signed_on": date(2024, i, 15),
                "partner_id": pid,
                "partner_name": name,
                "partner_type": kind,
                "membership_category": "MEMBER_STATE" if kind == "GOVERNMENT" else None,
                "region": list(REGIONS)[i],
                "priority": list(PRIORITIES)[i],
                "title": f"Project {i}",
                "partner_usd": m * 1e6,
                "itu_usd": 1000.0 * i,
                "total_usd": m * 1e6 + 1000.0 * i,
            }
        )
    return pd.DataFrame(rows)


def all_labels() -> dict[str, list[str]]:
    """Every contract label the charts must show, per code list."""
    return {
        "partner_type": list(PARTNER_TYPES.values()),
        "membership": list(MEMBERSHIP_CATEGORIES.values()),
        "region": list(REGIONS.values()),
        "priority": list(PRIORITIES.values()),
    }
