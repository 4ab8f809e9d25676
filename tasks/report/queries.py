"""The report's SQL (contract section 4): Core queries that group in the database.

Each function builds a query and runs nothing; `tasks.report.aggregate` runs them. The same SQL
serves SQLite and PostgreSQL. Money is summed as whole cents (BIGINT): SQLite keeps Numeric
as REAL, so summing integer cents is the one way both backends give exact, equal totals (and
exact ties in the top list); `tasks.report.aggregate` turns cents back into USD.

A year Y is the range `date(Y,1,1) <= signed_on < date(Y+1,1,1)` (uses ix_agreement_signed_on);
cancelled agreements are left out of every query.
"""

from datetime import date

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    Subquery,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    select,
)

from models.codes import ENTITIES, NO_MEMBERSHIP
from models.tables import Agreement, Contribution, Ingestion, Partner, Rejection

# A status of models.codes.AGREEMENT_STATUSES: agreements in it count nowhere.
CANCELLED = "cancelled"
PARTNER_SOURCE = "PARTNER"
ITU_SOURCE = "ITU"
# Byte-order collation per backend, so ties in the top list are broken alike on both.
BINARY_COLLATION = {"postgresql": "C", "sqlite": "BINARY"}

A = Agreement.__table__
C = Contribution.__table__
P = Partner.__table__
R = Rejection.__table__
ING = Ingestion.__table__


def counted_in_years(first_year: int, last_year: int) -> ColumnElement[bool]:
    """Agreements signed in years first_year..last_year (inclusive) and not cancelled."""
    return and_(
        A.c.signed_on >= date(first_year, 1, 1),
        A.c.signed_on < date(last_year + 1, 1, 1),
        A.c.status != CANCELLED,
    )


def usd_cents_sum(source: str | None = None) -> ColumnElement[int]:
    """SUM of contributions' amount_usd in whole cents (0 when none), of one source or all."""
    cents = cast(func.round(C.c.amount_usd * literal(100)), BigInteger)
    if source is not None:
        cents = case((C.c.source == source, cents), else_=0)
    return cast(func.coalesce(func.sum(cents), 0), BigInteger)


def agreement_money(first_year: int, last_year: int) -> Subquery:
    """One row per counted agreement of the years: its codes and contributions' cents/counts."""
    return (
        select(
            A.c.agreement_id,
            A.c.partner_id,
            A.c.region,
            A.c.priority,
            A.c.signed_on,
            usd_cents_sum(PARTNER_SOURCE).label("partner_cents"),
            usd_cents_sum(ITU_SOURCE).label("itu_cents"),
            func.count(C.c.agreement_id).label("contributions"),
            func.count(case((C.c.source == PARTNER_SOURCE, 1))).label("partner_contributions"),
        )
        .select_from(A.outerjoin(C, C.c.agreement_id == A.c.agreement_id))
        .where(counted_in_years(first_year, last_year))
        .group_by(A.c.agreement_id, A.c.partner_id, A.c.region, A.c.priority, A.c.signed_on)
        .subquery("agreement_money")
    )


def _total(column: ColumnElement) -> ColumnElement[int]:
    """SUM of an integer column as BIGINT, 0 over no rows."""
    return cast(func.coalesce(func.sum(column), 0), BigInteger)


def headline_query(year: int) -> Select:
    """One row: signed, with_financial, partner_cents, itu_cents, partners, financial_partners."""
    am = agreement_money(year, year)
    return select(
        func.count().label("signed"),
        _total(case((am.c.contributions > 0, 1), else_=0)).label("with_financial"),
        _total(am.c.partner_cents).label("partner_cents"),
        _total(am.c.itu_cents).label("itu_cents"),
        func.count(func.distinct(am.c.partner_id)).label("partners"),
        func.count(func.distinct(case((am.c.partner_contributions > 0, am.c.partner_id)))).label(
            "financial_partners"
        ),
    ).select_from(am)


def breakdown_query(year: int, column: str) -> Select:
    """Rows (code, agreements, cents) of year's agreements grouped by `region` or `priority`."""
    am = agreement_money(year, year)
    code = am.c[column]
    return (
        select(
            code.label("code"),
            func.count().label("agreements"),
            _total(am.c.partner_cents + am.c.itu_cents).label("cents"),
        )
        .group_by(code)
        .order_by(code)
    )


def partner_mix_query(year: int, column: str) -> Select:
    """Rows (code, partners): year's distinct partners by `partner_type` or membership."""
    code = P.c[column]
    if column == "membership_category":
        code = func.coalesce(code, NO_MEMBERSHIP)
    partner_ids = select(A.c.partner_id).where(counted_in_years(year, year))
    return (
        select(code.label("code"), func.count().label("partners"))
        .where(P.c.partner_id.in_(partner_ids))
        .group_by(code)
        .order_by(code)
    )


def top_partners_query(year: int, limit: int, dialect: str) -> Select:
    """Rows (partner_id, name, partner_type, cents): PARTNER money in Y, largest first."""
    am = agreement_money(year, year)
    cents = _total(am.c.partner_cents)
    name = P.c.name.collate(BINARY_COLLATION[dialect]) if dialect in BINARY_COLLATION else P.c.name
    return (
        select(P.c.partner_id, P.c.name, P.c.partner_type, cents.label("cents"))
        .select_from(am.join(P, P.c.partner_id == am.c.partner_id))
        .where(am.c.partner_contributions > 0)
        .group_by(P.c.partner_id, P.c.name, P.c.partner_type)
        .order_by(cents.desc(), name, P.c.partner_id)
        .limit(limit)
    )


def trend_query(first_year: int, last_year: int) -> Select:
    """Rows (year, agreements, partner_cents, itu_cents) for the years that have agreements."""
    am = agreement_money(first_year, last_year)
    signed_year = extract("year", am.c.signed_on)
    return (
        select(
            signed_year.label("year"),
            func.count().label("agreements"),
            _total(am.c.partner_cents).label("partner_cents"),
            _total(am.c.itu_cents).label("itu_cents"),
        )
        .group_by(signed_year)
        .order_by(signed_year)
    )


def ingestion_query(ingestion_id: int | None) -> Select:
    """The ingestion row `ingestion_id`, or the most recent one when None."""
    query = select(ING)
    if ingestion_id is not None:
        return query.where(ING.c.id == ingestion_id)
    return query.order_by(ING.c.id.desc()).limit(1)


def latest_ingestion_id_query() -> Select:
    """One value: the id of the most recent ingestion (NULL when there is none)."""
    return select(func.max(ING.c.id))


def rejection_counts_query(ingestion_id: int) -> Select:
    """Rows (reason, rejections) of one ingestion."""
    return (
        select(R.c.reason, func.count().label("rejections"))
        .where(R.c.ingestion_id == ingestion_id)
        .group_by(R.c.reason)
        .order_by(R.c.reason)
    )


def agreement_list_query(year: int) -> Select:
    """One row per counted agreement of Y with its partner and cents per source (like INF/1)."""
    return (
        select(
            A.c.agreement_id,
            A.c.signed_on,
            A.c.partner_id,
            P.c.name.label("partner_name"),
            P.c.partner_type,
            P.c.membership_category,
            A.c.region,
            A.c.priority,
            A.c.title,
            usd_cents_sum(PARTNER_SOURCE).label("partner_cents"),
            usd_cents_sum(ITU_SOURCE).label("itu_cents"),
            usd_cents_sum().label("total_cents"),
        )
        .select_from(
            A.join(P, P.c.partner_id == A.c.partner_id).outerjoin(
                C, C.c.agreement_id == A.c.agreement_id
            )
        )
        .where(counted_in_years(year, year))
        .group_by(
            A.c.agreement_id,
            A.c.signed_on,
            A.c.partner_id,
            P.c.name,
            P.c.partner_type,
            P.c.membership_category,
            A.c.region,
            A.c.priority,
            A.c.title,
        )
        .order_by(A.c.signed_on, A.c.agreement_id)
    )


def rejection_list_query(ingestion_id: int) -> Select:
    """The rejections of one ingestion, by entity (contract order), file, row."""
    entity_order = case(
        {entity: position for position, entity in enumerate(ENTITIES)},
        value=R.c.entity,
        else_=len(ENTITIES),
    )
    return (
        select(
            R.c.entity,
            R.c.file,
            R.c.row,
            R.c.key,
            R.c.column,
            R.c.value,
            R.c.reason,
            R.c.message,
        )
        .where(R.c.ingestion_id == ingestion_id)
        .order_by(entity_order, R.c.entity, R.c.file, R.c.row, R.c.id)
    )
