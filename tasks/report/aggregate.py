"""Aggregating: metrics.json, the list of agreements and the rejections, from the database.

Every figure is grouped in the database by the queries of `tasks.report.queries` (a handful of rows
comes back, whatever the number of contributions); this module only shapes those rows into
the contract's `Metrics` and into DataFrames. Money comes back as whole cents and becomes USD
here, through `tasks.money`.
"""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal

import pandas as pd
from sqlalchemy import Connection, Engine, Result, Row, select

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
from models.contract import REJECTION_COLUMNS
from models.metrics import (
    AgreementCounts,
    Breakdown,
    Change,
    DataQuality,
    FinancialUSD,
    Metrics,
    PartnerCounts,
    TopPartner,
    TrendYear,
    YearOverYear,
)
from models.tables import Ingestion
from tasks.errors import PrmError
from tasks.frames import rows_frame
from tasks.money import share, usd_number
from tasks.report import queries

TOP_PARTNERS = 10
TREND_YEARS = 5
AGREEMENT_COLUMNS = (
    "agreement_id",
    "signed_on",
    "partner_id",
    "partner_name",
    "partner_type",
    "membership_category",
    "region",
    "priority",
    "title",
    "partner_usd",
    "itu_usd",
    "total_usd",
)


def compute_metrics(connection: Connection, year: int, ingestion_id: int | None = None) -> Metrics:
    """The metrics of year `year` (contract section 4), with the data quality of an ingestion.

    Args:
        connection: a connection to the database (`snapshot` gives one seeing one state).
        year: the report year Y (calendar year of signed_on).
        ingestion_id: the ingestion `data_quality` describes; None = the most recent one.

    Returns:
        The validated `Metrics` of metrics.json.
    """
    headline = connection.execute(queries.headline_query(year)).one()
    total_cents = headline.partner_cents + headline.itu_cents
    trend = trend_years(connection.execute(queries.trend_query(year - TREND_YEARS + 1, year)), year)
    return Metrics(
        year=year,
        agreements=AgreementCounts(signed=headline.signed, with_financial=headline.with_financial),
        financial_usd=financial_usd(headline.partner_cents, headline.itu_cents),
        partners=_partners(connection, year, headline),
        top_financial_partners=_top_partners(connection, year),
        by_region=_breakdowns(connection, year, "region", REGIONS, headline.signed, total_cents),
        by_priority=_breakdowns(
            connection, year, "priority", PRIORITIES, headline.signed, total_cents
        ),
        trend=trend,
        year_over_year=year_over_year(trend[-1], trend[-2]),
        data_quality=_data_quality(connection, ingestion_id),
    )


def agreements_in_year(connection: Connection, year: int) -> pd.DataFrame:
    """The agreements signed in `year` (cancelled excluded), one row each, with their USD.

    Columns are AGREEMENT_COLUMNS; partner_usd/itu_usd/total_usd are floats to the cent (0 with
    no contribution); ordered by signed_on, agreement_id. Like document INF/1.
    """
    return agreements_frame(_frame(connection.execute(queries.agreement_list_query(year))))


def agreements_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The agreement list from its query's rows: cents become USD floats, AGREEMENT_COLUMNS."""
    frame = rows.copy()
    for source in ("partner", "itu", "total"):
        cents = frame.pop(f"{source}_cents")
        frame[f"{source}_usd"] = (cents.astype("int64") / 100).round(2).astype("float64")
    return frame[list(AGREEMENT_COLUMNS)]


def rejections_of(connection: Connection, ingestion_id: int | None) -> pd.DataFrame:
    """The rejections of ingestion `ingestion_id` (the latest when None), REJECTION_COLUMNS.

    Ordered by entity (contract order), file, row; empty (with the columns) when none.
    """
    if ingestion_id is None:
        ingestion_id = connection.execute(queries.latest_ingestion_id_query()).scalar()
    if ingestion_id is None:
        return pd.DataFrame([], columns=list(REJECTION_COLUMNS))
    return _frame(connection.execute(queries.rejection_list_query(ingestion_id)))


def ingestion_fingerprint(connection: Connection, ingestion_id: int | None) -> str:
    """The input fingerprint an ingestion recorded ("" when there is none)."""
    if ingestion_id is None:
        return ""
    table = Ingestion.__table__
    query = select(table.c.fingerprint).where(table.c.id == ingestion_id)
    return connection.scalar(query) or ""


def _frame(result: Result) -> pd.DataFrame:
    """The result's rows as a DataFrame with its column names."""
    return rows_frame(result.all(), list(result.keys()))


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One connection and one read transaction: every query in it sees the same state.

    PostgreSQL: a REPEATABLE READ transaction. SQLite (WAL): an explicit BEGIN, whose first
    read fixes the snapshot until the end. A concurrent ingestion cannot make the report's
    figures, lists and data quality disagree.
    """
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            if engine.dialect.name == "sqlite":  # the driver opens none for reads on its own
                connection.exec_driver_sql("BEGIN")
            yield connection


def _usd(cents: int | Decimal) -> Decimal:
    """Whole cents as an exact Decimal amount of USD."""
    return Decimal(int(cents)) / 100


def financial_usd(partner_cents: int, itu_cents: int) -> FinancialUSD:
    """Total, partner and ITU USD with their shares of the total."""
    total_cents = partner_cents + itu_cents
    return FinancialUSD(
        total=usd_number(_usd(total_cents)),
        partners=usd_number(_usd(partner_cents)),
        itu=usd_number(_usd(itu_cents)),
        partner_share=share(_usd(partner_cents), _usd(total_cents)),
        itu_share=share(_usd(itu_cents), _usd(total_cents)),
    )


def _by_code(codes: Iterable[str], rows: Iterable[Row]) -> dict[str, int]:
    """Every code with its count (zeros included), then any other code the rows hold."""
    counts = dict.fromkeys(codes, 0)
    for code, count in rows:
        counts[code] = counts.get(code, 0) + int(count)
    return counts


def _partners(connection: Connection, year: int, headline: Row) -> PartnerCounts:
    """Distinct partners of the year, financial ones, and their mix by type and membership."""
    by_type = connection.execute(queries.partner_mix_query(year, "partner_type"))
    by_membership = connection.execute(queries.partner_mix_query(year, "membership_category"))
    return PartnerCounts(
        total=headline.partners,
        financial=headline.financial_partners,
        financial_usd=usd_number(_usd(headline.partner_cents)),
        by_type=_by_code(PARTNER_TYPES, by_type),
        by_membership=_by_code([*MEMBERSHIP_CATEGORIES, NO_MEMBERSHIP], by_membership),
    )


def _top_partners(connection: Connection, year: int) -> list[TopPartner]:
    """The first TOP_PARTNERS partners by PARTNER USD in the year, ranked from 1."""
    query = queries.top_partners_query(year, TOP_PARTNERS, connection.dialect.name)
    return [
        TopPartner(
            rank=rank,
            partner_id=row.partner_id,
            name=row.name,
            partner_type=row.partner_type,
            usd=usd_number(_usd(row.cents)),
        )
        for rank, row in enumerate(connection.execute(query), start=1)
    ]


def _breakdowns(
    connection: Connection,
    year: int,
    column: str,
    codes: Mapping[str, str],
    signed: int,
    total_cents: int,
) -> list[Breakdown]:
    """Agreements and USD by `column` (region or priority): every code, in contract order."""
    found = {row.code: row for row in connection.execute(queries.breakdown_query(year, column))}
    ordered = [*codes, *sorted(set(found) - set(codes))]
    breakdowns = []
    for code in ordered:
        row = found.get(code)
        agreements = row.agreements if row else 0
        cents = row.cents if row else 0
        breakdowns.append(
            Breakdown(
                code=code,
                label=label(codes, code),
                agreements=agreements,
                agreements_share=share(agreements, signed),
                financial_usd=usd_number(_usd(cents)),
                financial_share=share(_usd(cents), _usd(total_cents)),
            )
        )
    return breakdowns


def trend_years(rows: Iterable[Row], year: int) -> list[TrendYear]:
    """TREND_YEARS years ending with `year`, oldest first; years without agreements are zeros."""
    found = {int(row.year): row for row in rows}
    trend = []
    for each_year in range(year - TREND_YEARS + 1, year + 1):
        row = found.get(each_year)
        partner_cents = row.partner_cents if row else 0
        itu_cents = row.itu_cents if row else 0
        trend.append(
            TrendYear(
                year=each_year,
                agreements=row.agreements if row else 0,
                itu_usd=usd_number(_usd(itu_cents)),
                partners_usd=usd_number(_usd(partner_cents)),
                total_usd=usd_number(_usd(partner_cents + itu_cents)),
            )
        )
    return trend


def _change(current: float, previous: float) -> Change:
    """`current` against `previous`: difference, and its ratio to `previous` (None when 0)."""
    change = Decimal(str(current)) - Decimal(str(previous))
    return Change(
        current=current,
        previous=previous,
        change=float(change),
        change_pct=float(change / Decimal(str(previous))) if previous else None,
    )


def year_over_year(current: TrendYear, previous: TrendYear) -> YearOverYear:
    """Year Y's agreements and USD against Y-1's."""
    return YearOverYear(
        previous_year=previous.year,
        agreements=_change(current.agreements, previous.agreements),
        financial_usd_total=_change(current.total_usd, previous.total_usd),
        partners_usd=_change(current.partners_usd, previous.partners_usd),
        itu_usd=_change(current.itu_usd, previous.itu_usd),
    )


def _data_quality(connection: Connection, ingestion_id: int | None) -> DataQuality:
    """Read/loaded/rejected per entity and rejections per reason of one ingestion.

    Raises:
        PrmError: `ingestion_id` is given but no such ingestion exists.
    """
    ingestion = connection.execute(queries.ingestion_query(ingestion_id)).one_or_none()
    if ingestion is None and ingestion_id is not None:
        raise PrmError(f"ingestion {ingestion_id} does not exist in the database")
    columns = ingestion._mapping if ingestion is not None else {}
    counts = {
        kind: {entity: columns.get(f"{entity}_{kind}", 0) for entity in ENTITIES}
        for kind in ("read", "loaded", "rejected")
    }
    reasons = dict.fromkeys(REASONS, 0)
    if ingestion is not None:
        reasons = _by_code(
            REASONS, connection.execute(queries.rejection_counts_query(ingestion.id))
        )
    return DataQuality(
        ingestion_id=ingestion.id if ingestion is not None else None,
        rejections_by_reason=reasons,
        **counts,
    )
