"""Agreements and contributions validated a part at a time, in file order, so that a loader
can write each part while the next one is checked (`tasks.ingest.overlap`).

Each part gets the very verdicts validating all the rows at once gives: a key repeats when
any earlier row of the entity had it, found once over all of them. Loaders write rows in
key order (`load_bulk.in_key_order`), so parts written one after the other are only in that
order when the file is: where the keys that may be loaded (neither empty nor repeated) do
not increase down the file, the entity comes in one part.
"""

from collections.abc import Iterator

import numpy as np
import pandas as pd

from models.contract import KEYS
from tasks.ingest import parse
from tasks.ingest.read import RawRecords
from tasks.ingest.validate import (
    Known,
    Parents,
    check_agreements,
    check_contributions,
    partner_ids,
    references,
)

# Rows validated and written at a time: the loader starts on them while the rest are
# checked; smaller parts cost more per row to validate. A table's first part is a fifth of
# that and each next one twice the one before, so the loader gets to work, and keeps at
# work, from the first rows on.
PART_ROWS = 250_000

Checked = tuple[pd.DataFrame, pd.DataFrame]  # valid rows, rejections


def agreement_parts(raw: RawRecords, known: Known, first: Parents, rows: int) -> Iterator[Checked]:
    """The agreements checked `rows` at a time (`first`: the partners and rates)."""
    ids = partner_ids(known, first)
    for part, repeated in _parts(raw.tables["agreements"], "agreements", rows):
        yield check_agreements(part, ids, repeated)


def contribution_parts(
    raw: RawRecords, known: Known, parents: Parents, rows: int
) -> Iterator[Checked]:
    """The contributions checked `rows` at a time, against `parents` and the database."""
    referred = references(known, parents)
    for part, repeated in _parts(raw.tables["contributions"], "contributions", rows):
        yield check_contributions(part, referred, repeated)


def joined(parts: list[Checked]) -> Checked:
    """The parts' valid rows and rejections as one table each (as checked at once)."""
    if len(parts) == 1:
        return parts[0]
    rows, rejected = zip(*parts, strict=True)
    return pd.concat(rows, ignore_index=True), pd.concat(rejected, ignore_index=True)


def _parts(
    frame: pd.DataFrame, entity: str, rows: int
) -> Iterator[tuple[pd.DataFrame, np.ndarray]]:
    """Slices of the entity's table, a fifth of `rows` rows first, each next one twice the one
    before up to `rows` (one slice when its file is not in key order), each with its rows
    whose key an earlier row of the whole table had."""
    keys = frame[KEYS[entity][0]]
    repeated = parse.repeated(keys)
    if rows >= len(frame) or not parse.increasing(keys, parse.filled(keys) & ~repeated):
        yield frame, repeated
        return
    start, size = 0, max(rows // 5, 1)
    while start < len(frame):
        part = slice(start, start + size)
        yield frame.iloc[part], repeated[part]
        start, size = start + size, min(2 * size, rows)
