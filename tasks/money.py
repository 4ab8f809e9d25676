"""Money: the one place amounts are parsed, converted to USD and rounded.

Amounts are Decimal end to end; USD is rounded to the cent, half away from zero, once, when
a contribution is converted. Sums of cents are exact, so aggregates need no rounding beyond
turning them into plain JSON numbers with `usd_number`.
"""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    """`amount` rounded to the cent, half up (the report's rounding)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_usd(amount: Decimal, units_per_usd: Decimal) -> Decimal:
    """USD value of `amount` at a rate of `units_per_usd` units per USD, to the cent."""
    return to_cents(amount / units_per_usd)


def usd_number(amount: Decimal | float | int | None) -> float:
    """A USD amount as a plain JSON number with at most two decimals (None -> 0)."""
    if amount is None:
        return 0.0
    return float(to_cents(Decimal(str(amount))))


def share(part: Decimal | float | int, whole: Decimal | float | int) -> float:
    """`part / whole` as a fraction 0..1 (0 when `whole` is 0).

    Divided as binary floating point, the way a spreadsheet does: this reproduces the seed
    report's chart data to its last printed digit (exact decimal division differs from it
    in the 17th significant digit for about half of the shares).
    """
    if not whole:
        return 0.0
    return float(part) / float(whole)
