"""How a value is spelled in the files (a second random stream, so rows stay fixed)."""

from __future__ import annotations

import random
from decimal import Decimal

from .builder import RANDOM_SEED


class Style:
    """How a value is spelled in the files: code or label, case, spacing, number format."""

    def __init__(self) -> None:
        self.rng = random.Random(RANDOM_SEED + 1)

    def code(self, codes, code: str | None) -> str:
        """A code cell: the code, its label, or the label in another case or spacing."""
        if code is None:
            return ""
        roll = self.rng.random()
        if roll < 0.45:
            return code
        text = codes[code]
        if roll < 0.85:
            return text
        if roll < 0.93:
            return text.upper() if self.rng.random() < 0.5 else text.lower()
        return "  " + text.replace(" ", "  ", 1) + " "

    def source(self, source: str) -> str:
        """PARTNER/ITU in varying case."""
        return self.rng.choice([source, source, source.lower(), source.title()])

    def amount(self, amount: Decimal) -> str:
        """A CSV amount: plain, with cents, or with thousands separators."""
        roll = self.rng.random()
        if amount >= 1000 and roll < 0.3:
            return f"{amount:,.2f}"
        if amount == amount.to_integral_value() and roll < 0.7:
            return str(int(amount))
        return f"{amount:.2f}"

    def status(self, status: str) -> str:
        """Empty (= active) mostly."""
        if status == "cancelled":
            return status
        return self.rng.choice(["", "", "", "", "active", "Active"])
