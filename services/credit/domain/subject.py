"""A market subject's standing: its score and tier, scored again from the facts whenever they change."""
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.domain import Aggregate
from shared.events.payloads.credit import CreditTierChanged

from .rules import CreditRules
from .scoring import Facts, explain, score


@dataclass(kw_only=True, eq=False)
class Subject(Aggregate):
    uscc: str
    name: str | None = None
    region: str | None = None
    score: float = 100.0
    tier: str = "A"  # an unknown subject counts as A
    explanation: dict = field(default_factory=dict)
    updated_at: datetime

    @property
    def id(self) -> str:
        return self.uscc

    def rescore(self, facts: Facts, *, rules: CreditRules, today: date, at: datetime, name: str | None = None,
                region: str | None = None) -> None:
        """Score the facts of today; credit.tier_changed when the tier moves."""
        before, result = self.tier, score(rules, facts, today)
        self.score, self.tier, self.explanation = result.score, result.tier, explain(result)
        self.name, self.region = name or self.name, region or self.region
        self.updated_at = at
        if result.tier != before:
            self.record("credit.tier_changed", CreditTierChanged(uscc=self.uscc, from_tier=before,
                                                                 to_tier=result.tier, score=result.score))
