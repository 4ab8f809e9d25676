"""money and rates: at most 15 significant digits, what both databases store exactly

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 15:00:00

SQLite keeps a Numeric as a REAL (a binary double: 15 significant decimal digits round-trip
exactly), so Numeric(18, 2) stored 9999999999999999.99 as 10000000000000000 there. Money
becomes Numeric(15, 2) (up to 9 999 999 999 999.99) and rates Numeric(15, 8) (up to
9 999 999.99999999 units per USD): every stored value, and its cents in the report's sums,
is exact on both databases. Validation derives its bounds from these columns. A database
holding a larger value fails this upgrade on PostgreSQL (numeric field overflow) rather than
silently rounding it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BEFORE = {"money": sa.Numeric(18, 2), "rate": sa.Numeric(20, 8)}
AFTER = {"money": sa.Numeric(15, 2), "rate": sa.Numeric(15, 8)}
COLUMNS = {
    "contribution": {"amount": "money", "units_per_usd": "rate", "amount_usd": "money"},
    "exchange_rate": {"units_per_usd": "rate"},
}


def _retype(types: dict, was: dict) -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, kind in columns.items():
                batch_op.alter_column(
                    column, existing_type=was[kind], type_=types[kind], existing_nullable=False
                )


def upgrade() -> None:
    _retype(AFTER, BEFORE)


def downgrade() -> None:
    _retype(BEFORE, AFTER)
