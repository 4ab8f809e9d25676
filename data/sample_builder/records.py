"""The rows the generator builds in memory (codes, Decimal amounts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass
class Agreement:
    """An agreement as the generator builds it (codes, not labels)."""

    agreement_id: str
    partner: str
    title: str
    signed_on: date
    region: str
    priority: str
    status: str = "active"
    contributions: list[Contribution] = field(default_factory=list)


@dataclass
class Contribution:
    """A contribution: `amount` in `currency`; `amount_usd` as the contract converts it."""

    contribution_id: str
    agreement_id: str
    source: str
    amount: Decimal | None
    currency: str
    amount_usd: Decimal | None = None
