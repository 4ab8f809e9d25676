"""The database tables: the partner register as loaded, and the record of each ingestion.

Every column says its unit and meaning. Money is Numeric (never float): amounts as given,
rates as published, and USD rounded to the cent by `tasks.money`. Codes are the contract's
codes (`models.codes`), never labels.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Index, Numeric
from sqlmodel import Field, SQLModel

# At most 15 significant digits: what SQLite's REAL (a binary double) holds exactly, so every
# value and its cents are the same on both databases (migration 0003). Validation rejects
# larger values with a reason (its bounds are read from these columns).
# Money: up to 9 999 999 999 999.99 in any currency, to the cent.
MONEY = Numeric(15, 2)
# Exchange rates: units of a currency per 1 USD (e.g. 0.9234 EUR, 15812.5 VND), up to
# 9 999 999.99999999.
RATE = Numeric(15, 8)


class Partner(SQLModel, table=True):
    """A partner of BDT (partners*.csv / sheet `partners`)."""

    __tablename__ = "partner"

    partner_id: str = Field(primary_key=True, max_length=64, description="stable key, unique")
    name: str = Field(max_length=400, description="display name")
    partner_type: str = Field(max_length=32, description="code of contract table A")
    membership_category: str | None = Field(
        default=None, max_length=32, description="code of table B; NULL = not an ITU member"
    )
    country: str | None = Field(default=None, max_length=3, description="ISO 3166-1 alpha-3")
    ingestion_id: int | None = Field(default=None, description="ingestion that last wrote it")


class Agreement(SQLModel, table=True):
    """A partnership agreement (agreements*.csv / sheet `agreements`)."""

    __tablename__ = "agreement"
    __table_args__ = (Index("ix_agreement_signed_on", "signed_on"),)

    agreement_id: str = Field(primary_key=True, max_length=64, description="stable key, unique")
    partner_id: str = Field(foreign_key="partner.partner_id", max_length=64, index=True)
    title: str | None = Field(default=None, max_length=1000)
    signed_on: date = Field(description="date of signature; the report year is its year")
    region: str = Field(max_length=16, description="code of contract table C")
    priority: str = Field(max_length=32, description="code of contract table D")
    status: str = Field(
        default="active", max_length=16, description="active | cancelled (counts nowhere)"
    )
    ingestion_id: int | None = Field(default=None, description="ingestion that last wrote it")


class Contribution(SQLModel, table=True):
    """A financial contribution to an agreement, as given and converted to USD."""

    __tablename__ = "contribution"
    # An agreement's money read from the index alone (the report's joins and sums never
    # touch the table rows, whatever their physical order): migration 0002.
    __table_args__ = (
        Index("ix_contribution_agreement_money", "agreement_id", "source", "amount_usd"),
    )

    contribution_id: str = Field(primary_key=True, max_length=64, description="stable key")
    agreement_id: str = Field(foreign_key="agreement.agreement_id", max_length=64)
    source: str = Field(max_length=8, description="PARTNER (the agreement's partner) or ITU")
    amount: Decimal = Field(sa_column=Column(MONEY, nullable=False), description="in `currency`")
    currency: str = Field(max_length=3, description="ISO 4217 code, as given")
    units_per_usd: Decimal = Field(
        sa_column=Column(RATE, nullable=False),
        description="rate used: units of `currency` per USD (1 for USD)",
    )
    rate_valid_from: date | None = Field(
        default=None, description="valid_from of the rate used; NULL for USD"
    )
    amount_usd: Decimal = Field(
        sa_column=Column(MONEY, nullable=False),
        description="amount / units_per_usd, USD at the signature date's rate, to the cent",
    )
    ingestion_id: int | None = Field(default=None, description="ingestion that last wrote it")


class ExchangeRate(SQLModel, table=True):
    """A UN operational rate of exchange: 1 USD = `units_per_usd` units from `valid_from`."""

    __tablename__ = "exchange_rate"

    currency: str = Field(primary_key=True, max_length=3, description="ISO 4217 code")
    valid_from: date = Field(primary_key=True, description="first day the rate applies")
    units_per_usd: Decimal = Field(sa_column=Column(RATE, nullable=False))
    ingestion_id: int | None = Field(default=None, description="ingestion that last wrote it")


class Ingestion(SQLModel, table=True):
    """One ingestion of one source: what was read, loaded and rejected, per entity."""

    __tablename__ = "ingestion"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=1000, description="folder path or s3:// prefix")
    fingerprint: str = Field(max_length=64, index=True, description="SHA-256 of the input files")
    started_at: datetime = Field(description="UTC")
    finished_at: datetime | None = Field(default=None, description="UTC")
    partners_read: int = 0
    partners_loaded: int = 0
    partners_rejected: int = 0
    agreements_read: int = 0
    agreements_loaded: int = 0
    agreements_rejected: int = 0
    contributions_read: int = 0
    contributions_loaded: int = 0
    contributions_rejected: int = 0
    exchange_rates_read: int = 0
    exchange_rates_loaded: int = 0
    exchange_rates_rejected: int = 0


class Rejection(SQLModel, table=True):
    """A rejected input row, with where it was and why (contract section 2)."""

    __tablename__ = "rejection"

    id: int | None = Field(default=None, primary_key=True)
    ingestion_id: int = Field(foreign_key="ingestion.id", index=True)
    entity: str = Field(max_length=32, description="partners | agreements | ...")
    file: str = Field(max_length=1000, description="file name (and sheet) in the source")
    row: int = Field(description="1 = first data row; for a sheet, the spreadsheet row")
    key: str | None = Field(default=None, max_length=200)
    column: str | None = Field(default=None, max_length=64)
    value: str | None = Field(default=None, max_length=1000)
    reason: str = Field(max_length=32, description="one of models.codes.REASONS")
    message: str = Field(max_length=1000)
