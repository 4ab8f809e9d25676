"""Money columns as Arrow decimals (`tasks.ingest.decimals`): the same values as `Decimal`,
the same floats SQLite got from `float(Decimal)`, and the column's limits kept."""

import random
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from models.tables import MONEY, RATE
from tasks.ingest import decimals


def _random_scaled(rng: random.Random, digits: int, count: int) -> list[int]:
    return [rng.randrange(1, 10 ** rng.randint(1, digits)) for _ in range(count)]


@pytest.mark.parametrize("numeric", [MONEY, RATE], ids=["money", "rate"])
def test_cells_floats_and_texts_are_those_of_the_decimal(numeric):
    rng = random.Random(numeric.scale)
    scaled = _random_scaled(rng, numeric.precision, 20_000)
    scaled += [1, 10**numeric.precision - 1, 10**numeric.scale, 5 * 10 ** (numeric.scale - 1)]
    scaled += [-1, -(10**numeric.precision - 1)]  # the type holds negatives too
    present = np.array([i % 7 != 3 for i in range(len(scaled))])
    values = decimals.from_scaled(np.array(scaled), present, numeric)
    expected = [
        Decimal(s).scaleb(-numeric.scale) if p else None
        for s, p in zip(scaled, present, strict=True)
    ]
    assert decimals.is_decimal_column(values)
    assert values.to_numpy(dtype=object, na_value=None).tolist() == expected
    assert decimals.floats(values) == [None if d is None else float(d) for d in expected]
    texts = [None if d is None else f"{d:.{numeric.scale}f}" for d in expected]
    assert decimals.texts(values).tolist() == texts
    scaled_back, present_back = decimals.scaled_values(values)
    assert present_back.tolist() == present.tolist()
    assert scaled_back[present].tolist() == np.array(scaled)[present].tolist()


def test_a_slice_reads_its_own_cells():
    values = decimals.from_scaled(np.arange(1, 11), np.ones(10, dtype=bool), MONEY)
    part = values.iloc[3:6]  # an Arrow array with an offset
    assert decimals.floats(part) == [0.04, 0.05, 0.06]
    assert decimals.texts(part).tolist() == ["0.04", "0.05", "0.06"]
    assert decimals.floats(values.take([9, 0])) == [0.1, 0.01]


def test_a_value_wider_than_the_column_is_refused():
    too_wide = np.array([10**MONEY.precision], dtype=np.int64)
    with pytest.raises(ValueError, match="more than 15 digits"):
        decimals.from_scaled(too_wide, np.array([True]), MONEY)
    # a missing cell's placeholder is not a value
    assert decimals.from_scaled(too_wide, np.array([False]), MONEY).isna().all()


def test_a_plain_column_is_not_an_arrow_decimal_one():
    assert not decimals.is_decimal_column(pd.Series([Decimal("1.00")], dtype=object))
    assert not decimals.is_decimal_column(pd.Series([1.0]))
