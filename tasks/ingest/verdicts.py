"""The first fault of each row of one entity's table, and its rejection record.

A row keeps the first fault it meets, in the order the checks run (`tasks.ingest.validate`
runs them in the contract's reason order); rejected rows are recorded with the column, the
value as it is safe to store and show, and a message.
"""

import numpy as np
import pandas as pd

from models.contract import COLUMNS, KEYS, REJECTION_COLUMNS, TABLES
from models.tables import Rejection
from tasks.ingest import parse

# Columns stored as given (codes, dates and numbers are checked by their parsers instead).
STORED_AS_GIVEN = {
    "partners": ["partner_id", "name"],
    "agreements": ["agreement_id", "partner_id", "title"],
    "contributions": ["contribution_id", "agreement_id"],
    "exchange_rates": [],
}
# Keys and references, which must be visible text (`parse.is_visible_key`).
IDENTIFIERS = {
    "partners": ["partner_id"],
    "agreements": ["agreement_id", "partner_id"],
    "contributions": ["contribution_id", "agreement_id"],
    "exchange_rates": [],
}


def _mask(rows: pd.Series | np.ndarray) -> np.ndarray:
    """A row mask as a boolean array (missing = False)."""
    if isinstance(rows, pd.Series):
        return rows.fillna(False).to_numpy(dtype=bool)
    return rows


class Verdicts:
    """The first fault found for each row of one entity's table."""

    def __init__(self, entity: str, frame: pd.DataFrame) -> None:
        self.entity, self.frame = entity, frame
        self.reason = pd.Series(None, index=frame.index, dtype=object)
        self.column = pd.Series(None, index=frame.index, dtype=object)
        self.message = pd.Series(None, index=frame.index, dtype=object)
        self._ok = np.ones(len(frame), dtype=bool)  # no fault yet (kept beside `reason`)
        self._present: dict[str, np.ndarray] = {}

    @property
    def ok(self) -> pd.Series:
        return pd.Series(self._ok, index=self.frame.index)

    def flag(self, faulty: pd.Series | np.ndarray, reason: str, column: str, message: str) -> None:
        """Record `reason` for the rows in `faulty` that have no fault yet."""
        new = _mask(faulty) & self._ok
        if not new.any():
            return
        self._ok &= ~new
        self.reason[new], self.column[new], self.message[new] = reason, column, message

    def present(self, column: str) -> np.ndarray:
        """Rows where `column` is not empty (computed once per column)."""
        if column not in self._present:
            self._present[column] = parse.filled(self.frame[column])
        return self._present[column]

    def missing(self) -> None:
        for column, required in COLUMNS[self.entity].items():
            if required:
                self.flag(~self.present(column), "missing_value", column, f"{column} is required")

    def invalid(self, column: str, bad: pd.Series | np.ndarray, what: str) -> None:
        self.flag(self.present(column) & _mask(bad), "invalid_value", column, f"{column} {what}")

    def unreadable_text(self) -> None:
        """Control characters in any cell, invisible characters in keys and references."""
        for column in COLUMNS[self.entity]:
            control = parse.has_control(self.frame[column])
            self.invalid(column, control, "contains a control character")
        for column in IDENTIFIERS[self.entity]:
            invisible = ~parse.is_visible_key(self.frame[column])
            self.invalid(column, invisible, "contains an invisible or control character")

    def too_long(self) -> None:
        table = TABLES[self.entity].__table__
        for column in STORED_AS_GIVEN[self.entity]:
            length = getattr(table.c[column].type, "length", None)
            if length:
                too_long = parse.text_lengths(self.frame[column]) > length
                self.invalid(column, too_long, f"is over {length} chars")

    def duplicates(self, key_values: pd.DataFrame, repeated: np.ndarray | None = None) -> None:
        """Rows whose key an earlier row had (`repeated`: found beforehand, over all the
        entity's rows when this table is a part of them)."""
        if repeated is None:
            repeated = _repeated(key_values)
        columns = KEYS[self.entity]
        named = f"{' and '.join(columns)} repeat" if len(columns) > 1 else f"{columns[0]} repeats"
        self.flag(repeated, "duplicate_key", columns[0], f"{named} a key seen earlier")

    def rejections(self) -> pd.DataFrame:
        bad = ~self.ok
        frame = self.frame[bad].astype(object)  # Python strings, as the rejections store them
        columns = self.column[bad]
        values = pd.Series(None, index=frame.index, dtype=object)
        for column in columns.unique():
            values[columns == column] = frame.loc[columns == column, column]
        return pd.DataFrame(
            {
                "entity": self.entity,
                "file": _storable(frame["_file"], "file"),
                "row": frame["_row"].astype(int),
                "key": _storable(_key_text(frame, KEYS[self.entity]), "key").replace("", None),
                "column": self.column[bad],
                "value": _storable(values.fillna(""), "value").replace("", None),
                "reason": self.reason[bad],
                "message": self.message[bad],
            },
            columns=REJECTION_COLUMNS,
        ).reset_index(drop=True)


def _key_text(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Each row's key as written: its cells joined by a space (`EUR 2024-01-01` for an
    exchange rate), empty ones left out."""
    key = frame[columns[0]].fillna("")
    for column in columns[1:]:
        key = (key + " " + frame[column].fillna("")).str.strip()
    return key


def _repeated(key_values: pd.DataFrame) -> np.ndarray | pd.Series:
    """True for the rows whose key values an earlier row had (a missing value: never)."""
    if key_values.shape[1] == 1:
        return parse.repeated(key_values.iloc[:, 0])
    return key_values.duplicated(keep="first") & key_values.notna().all(axis=1)


def _storable(values: pd.Series, column: str) -> pd.Series:
    """Cells of a rejection as its `column` stores them: cut to the column's length, what is
    not printable escaped but tabs and line breaks (a rejected 16 MB cell, or one holding
    NUL or a zero-width space, is recorded and visible, not refused by the database)."""
    length = Rejection.__table__.c[column].type.length
    return parse.per_distinct(values, lambda text: parse.shown(text, length, keep="\t\n\r"))
