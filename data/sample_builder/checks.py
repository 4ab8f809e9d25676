"""Assert the built rows give every seed figure; summarise the exact totals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from models.codes import MEMBERSHIP_CATEGORIES, PARTNER_TYPES

from .builder import Builder
from .seed_figures import SEED_TOP10, SEED_TOTAL, SEED_TREND


def millions(usd: Decimal, places: int) -> Decimal:
    """USD in millions, rounded half-up as the report prints it."""
    return (usd / 1_000_000).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def check(builder: Builder) -> None:
    """Assert every seed figure on the in-memory rows (the test re-derives them from files)."""
    live = [a for a in builder.agreements if a.status == "active"]
    for year, (count, itu_m, partners_m) in SEED_TREND.items():
        rows = [a for a in live if a.signed_on.year == year]
        items = [(a, c) for a in rows for c in a.contributions]
        itu = sum((c.amount_usd for _, c in items if c.source == "ITU"), Decimal(0))
        partner = sum((c.amount_usd for _, c in items if c.source == "PARTNER"), Decimal(0))
        assert len(rows) == count, (year, len(rows))
        assert (millions(itu, 1), millions(partner, 1)) == (Decimal(itu_m), Decimal(partners_m))
    rows = [a for a in live if a.signed_on.year == 2024]
    assert sum(1 for a in rows if a.contributions) == 53
    total = sum((c.amount_usd for a in rows for c in a.contributions), Decimal(0))
    assert total == SEED_TOTAL
    partners = {a.partner for a in rows}
    assert len(partners) == 73
    by_type = {code: 0 for code in PARTNER_TYPES}
    by_membership = {code: 0 for code in MEMBERSHIP_CATEGORIES} | {"NONE": 0}
    for key in partners:
        by_type[builder.partners[key][2]] += 1
        by_membership[builder.partners[key][3] or "NONE"] += 1
    assert list(by_type.values()) == [6, 4, 32, 6, 10, 15], by_type
    assert list(by_membership.values()) == [19, 7, 0, 3, 2, 42], by_membership
    paid: dict[str, Decimal] = {}
    for a in rows:
        for c in a.contributions:
            if c.source == "PARTNER":
                paid[a.partner] = paid.get(a.partner, Decimal(0)) + c.amount_usd
    assert len(paid) == 33
    ranked = sorted(paid.items(), key=lambda kv: (-kv[1], builder.partners[kv[0]][1]))
    got = [(key, str(millions(usd, 2))) for key, usd in ranked[:10]]
    assert got == SEED_TOP10, got
    assert millions(sum(paid.values(), Decimal(0)), 1) == Decimal("31.1")
    assert millions(total, 1) == Decimal("33.8")


def summary(builder: Builder) -> list[str]:
    """The exact 2024 and trend totals the sample gives (for README and the integrator)."""
    live = [a for a in builder.agreements if a.status == "active"]
    lines = []
    for year in SEED_TREND:
        items = [c for a in live if a.signed_on.year == year for c in a.contributions]
        itu = sum((c.amount_usd for c in items if c.source == "ITU"), Decimal(0))
        partner = sum((c.amount_usd for c in items if c.source == "PARTNER"), Decimal(0))
        count = sum(1 for a in live if a.signed_on.year == year)
        lines.append(f"trend {year}: agreements {count}, itu_usd {itu}, partners_usd {partner}")
    paid: dict[str, Decimal] = {}
    for a in live:
        if a.signed_on.year == 2024:
            for c in a.contributions:
                if c.source == "PARTNER":
                    paid[a.partner] = paid.get(a.partner, Decimal(0)) + c.amount_usd
    ranked = sorted(paid.items(), key=lambda kv: (-kv[1], builder.partners[kv[0]][1]))
    for key, usd in ranked[:10]:
        lines.append(f"top10 {builder.partner_ids[key]} {usd} {builder.partners[key][1]}")
    return lines
