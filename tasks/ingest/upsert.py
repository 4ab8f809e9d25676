"""The upsert of both databases: `INSERT ... ON CONFLICT (key) DO UPDATE`, for changed rows only.

A row whose key exists gets every other column replaced, but only when some value differs
(`IS DISTINCT FROM` on PostgreSQL, `IS NOT` on SQLite: NULL-safe): re-ingesting an unchanged
register rewrites nothing, so PostgreSQL makes no new row versions (no table bloat, little
WAL) and each row's `ingestion_id` stays the ingestion that last changed it.
"""

from sqlalchemy import Table, or_
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

PROVENANCE = "ingestion_id"  # written with a change, not a change by itself


def changed_rows_replaced(statement: PostgresInsert | SqliteInsert, table: Table, keys: list[str]):
    """`statement` (an INSERT into `table`) upserting by `keys`, replacing changed rows only."""
    values = [c for c in table.columns if c.name not in keys]
    differs = or_(
        *(c.is_distinct_from(statement.excluded[c.name]) for c in values if c.name != PROVENANCE)
    )
    return statement.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: statement.excluded[c.name] for c in values},
        where=differs,
    )
