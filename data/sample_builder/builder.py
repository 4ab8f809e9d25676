"""The Builder: every good agreement and contribution of the sample, in memory."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from models.codes import REGIONS

from .agreements import (
    FINANCIAL_2024,
    OUTSIDE_WINDOW,
    PRIORITY_WEIGHTS,
    REGION_WEIGHTS,
    ROUND_UNITS,
    TITLE_STEMS,
)
from .partners import (
    CANCELLED_PARTNER,
    COUNTRY_CURRENCY,
    PARTNERS_2024,
    PARTNERS_OTHER,
    SHEET_PARTNERS,
)
from .rates import make_rates, rate_on, to_usd
from .records import Agreement, Contribution
from .seed_figures import (
    SEED_PRIORITY_AGREEMENTS,
    SEED_PRIORITY_USD,
    SEED_REGION_AGREEMENTS,
    SEED_REGION_USD,
    SEED_TREND,
)

RANDOM_SEED = 20240  # the spelling in the files (`Style`) draws from RANDOM_SEED + 1


class Builder:
    """Builds the sample's rows in memory (codes, Decimal amounts) from the data tables."""

    def __init__(self) -> None:
        self.rng = random.Random(RANDOM_SEED)
        self.rates = make_rates(self.rng)
        partners = PARTNERS_2024 + PARTNERS_OTHER
        self.partner_ids = {p[0]: f"P{i:04d}" for i, p in enumerate(partners, start=1)}
        self.partners = {p[0]: p for p in partners}
        self.agreements: list[Agreement] = []

    def title(self, region: str, priority: str) -> str:
        """A plausible agreement title."""
        where = "global" if region == "MULTI" else REGIONS[region]
        return f"{self.rng.choice(TITLE_STEMS[priority])} ({where})"

    def currency_for(self, partner: str, day: date) -> str:
        """The partner's home currency when a rate exists on `day`, else USD."""
        currency = COUNTRY_CURRENCY.get(self.partners[partner][4], "USD")
        try:
            rate_on(self.rates, currency, day)
        except KeyError:
            return "USD"
        return currency

    def contribution(self, agreement: Agreement, source: str, currency: str, amount: str) -> None:
        """Attach a contribution (amount "BAL" = to be balanced later, in USD)."""
        value = None if amount == "BAL" else Decimal(amount)
        item = Contribution("", agreement.agreement_id, source, value, currency)
        if value is not None:
            item.amount_usd = to_usd(value, rate_on(self.rates, currency, agreement.signed_on))
        agreement.contributions.append(item)

    def build_2024(self) -> None:
        """The 89 agreements of 2024 (53 with contributions) and the cancelled one."""
        rng = self.rng
        for partner, region, priority, month, items in FINANCIAL_2024:
            day = date(2024, month, rng.randint(1, 28))
            agreement = Agreement("", partner, self.title(region, priority), day, region, priority)
            for source, currency, amount in items:
                self.contribution(
                    agreement, "PARTNER" if source == "P" else "ITU", currency, amount
                )
            self.agreements.append(agreement)
        self.balance_2024()
        used = {a.partner for a in self.agreements}
        idle = [p[0] for p in PARTNERS_2024 if p[0] not in used]
        idle += rng.sample(sorted(used - set(SHEET_PARTNERS)), 36 - len(idle))
        regions = [code for code, n in SEED_REGION_AGREEMENTS.items() for _ in range(n)]
        priorities = [code for code, n in SEED_PRIORITY_AGREEMENTS.items() for _ in range(n)]
        for agreement in self.agreements:
            regions.remove(agreement.region)
            priorities.remove(agreement.priority)
        rng.shuffle(regions)
        rng.shuffle(priorities)
        for partner, region, priority in zip(idle, regions, priorities, strict=True):
            month = rng.randint(10, 12) if partner in SHEET_PARTNERS else rng.randint(1, 12)
            day = date(2024, month, rng.randint(1, 28))
            self.agreements.append(
                Agreement("", partner, self.title(region, priority), day, region, priority)
            )
        cancelled = Agreement(
            "",
            CANCELLED_PARTNER,
            self.title("ARB", "ENABLING_ENVIRONMENT"),
            date(2024, 5, 14),
            "ARB",
            "ENABLING_ENVIRONMENT",
            status="cancelled",
        )
        self.contribution(cancelled, "PARTNER", "USD", "250000")
        self.contribution(cancelled, "ITU", "USD", "40000")
        self.agreements.append(cancelled)

    def balance_2024(self) -> None:
        """Solve the "BAL" contributions so region and priority totals equal the seed's.

        The balancing contributions sit on the cells of a spanning tree of the bipartite
        region-priority graph, so peeling leaves (a region or priority with one unknown left)
        determines each of them uniquely.
        """
        unknown: list[tuple[Agreement, Contribution]] = [
            (a, c) for a in self.agreements for c in a.contributions if c.amount is None
        ]
        known_region = {code: Decimal(0) for code in SEED_REGION_USD}
        known_priority = {code: Decimal(0) for code in SEED_PRIORITY_USD}
        for a in self.agreements:
            for c in a.contributions:
                if c.amount is not None:
                    known_region[a.region] += c.amount_usd
                    known_priority[a.priority] += c.amount_usd
        while unknown:
            left = len(unknown)
            for node, targets, known, attr in (
                ("region", SEED_REGION_USD, known_region, "region"),
                ("priority", SEED_PRIORITY_USD, known_priority, "priority"),
            ):
                for code in targets:
                    mine = [(a, c) for a, c in unknown if getattr(a, attr) == code]
                    if len(mine) != 1:
                        continue
                    agreement, item = mine[0]
                    item.amount = item.amount_usd = targets[code] - known[code]
                    assert item.amount > 0, f"balancing {node} {code} is {item.amount}"
                    known_region[agreement.region] += item.amount
                    known_priority[agreement.priority] += item.amount
                    unknown.remove((agreement, item))
            assert len(unknown) < left, "the balancing cells do not form a spanning tree"
        assert known_region == SEED_REGION_USD and known_priority == SEED_PRIORITY_USD

    def build_year(
        self, year: int, count: int, financial: int, itu_m: str, partners_m: str
    ) -> None:
        """Filler agreements of another year whose totals round to the given USD millions.

        The targets are drawn within +/- USD 30,000 of the printed value; the last contribution
        of each source is in USD and takes up the remainder.
        """
        rng = self.rng
        pool = sorted(set(self.partner_ids) - set(SHEET_PARTNERS) - {CANCELLED_PARTNER})
        made = []
        for _ in range(count):
            region = rng.choices(list(REGION_WEIGHTS), list(REGION_WEIGHTS.values()))[0]
            priority = rng.choices(list(PRIORITY_WEIGHTS), list(PRIORITY_WEIGHTS.values()))[0]
            day = date(year, rng.randint(1, 12), rng.randint(1, 28))
            made.append(
                Agreement("", rng.choice(pool), self.title(region, priority), day, region, priority)
            )
        funded = rng.sample(made, financial)
        with_itu = rng.sample(funded, max(2, financial // 3))
        for source, target_m, agreements in (
            ("PARTNER", partners_m, funded),
            ("ITU", itu_m, with_itu),
        ):
            target = (
                Decimal(target_m) * 1_000_000 + Decimal(rng.randint(-3_000_000, 3_000_000)) / 100
            )
            weights = [rng.lognormvariate(0, 1) for _ in agreements]
            total_weight = sum(weights)
            running = Decimal(0)
            for i, (agreement, weight) in enumerate(zip(agreements, weights, strict=True)):
                if i == len(agreements) - 1:
                    self.contribution(agreement, source, "USD", str(target - running))
                    assert agreement.contributions[-1].amount > 0
                    continue
                share = float(target) * weight / total_weight
                if source == "ITU":
                    currency = "CHF" if rng.random() < 0.3 else "USD"
                else:
                    currency = self.currency_for(agreement.partner, agreement.signed_on)
                rate = rate_on(self.rates, currency, agreement.signed_on)
                unit = ROUND_UNITS.get(currency, 1000)
                amount = max(unit, round(share * float(rate) / unit) * unit)
                self.contribution(agreement, source, currency, str(amount))
                running += agreement.contributions[-1].amount_usd
        self.agreements.extend(made)

    def number(self) -> None:
        """Agreement ids by year and signing date; contribution ids in the same order."""
        self.agreements.sort(key=lambda a: (a.signed_on, a.partner))
        per_year: dict[int, int] = {}
        for agreement in self.agreements:
            n = per_year[agreement.signed_on.year] = per_year.get(agreement.signed_on.year, 0) + 1
            agreement.agreement_id = f"AGR-{agreement.signed_on.year}-{n:03d}"
        per_year = {}
        for agreement in self.agreements:
            for item in agreement.contributions:
                year = agreement.signed_on.year
                n = per_year[year] = per_year.get(year, 0) + 1
                item.contribution_id = f"CON-{year}-{n:04d}"
                item.agreement_id = agreement.agreement_id

    def build(self) -> None:
        """Every good row of the sample."""
        self.build_2024()
        for year, (count, itu_m, partners_m) in SEED_TREND.items():
            if year != 2024:
                self.build_year(year, count, round(count * 0.6), itu_m, partners_m)
        for year, (count, financial) in OUTSIDE_WINDOW.items():
            self.build_year(year, count, financial, "0.4", "2.5")
        cancelled = Agreement(
            "",
            "mex_atdt",
            self.title("AMS", "DIGITAL_TRANSFORMATION"),
            date(2021, 9, 13),
            "AMS",
            "DIGITAL_TRANSFORMATION",
            status="cancelled",
        )
        self.contribution(cancelled, "PARTNER", "USD", "180000")
        self.agreements.append(cancelled)
        self.number()
