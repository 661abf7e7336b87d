"""The explainable risk score: each factor's weight, value and the records behind it add up to the score."""
from dataclasses import dataclass
from datetime import date, timedelta

from .rules import CreditRules


@dataclass(frozen=True)
class PenaltyFact:
    record_id: str
    severity: str
    decided_on: date


@dataclass(frozen=True)
class Facts:
    """What is known about a subject, as record ids (the explanation shows them)."""

    penalties: tuple[PenaltyFact, ...] = ()  # neither repaired nor revoked
    listings: tuple[str, ...] = ()  # active
    open_cases: tuple[str, ...] = ()
    clusters: tuple[tuple[str, date], ...] = ()
    complaints: tuple[tuple[str, date], ...] = ()
    repairs: tuple[str, ...] = ()  # approved


@dataclass(frozen=True)
class FactorScore:
    key: str
    what: str
    weight: float
    value: int
    contribution: float
    records: tuple[str, ...]


@dataclass(frozen=True)
class Score:
    base: float
    score: float
    tier: str
    factors: tuple[FactorScore, ...]


@dataclass(frozen=True)
class Horizon:
    """A dated fact counts only when it is later than its kind's day here; older ones need not be loaded."""

    penalties: date
    clusters: date
    complaints: date


def horizon(today: date) -> Horizon:
    return Horizon(penalties=today - timedelta(days=1095), clusters=today - timedelta(days=365),
                   complaints=today - timedelta(days=90))


def _evidence(facts: Facts, today: date) -> dict[str, tuple[str, ...]]:
    year_ago, since = today - timedelta(days=365), horizon(today)
    recent = [p for p in facts.penalties if p.decided_on > year_ago]
    return {
        "penalty_serious_recent": tuple(p.record_id for p in recent if p.severity == "serious"),
        "penalty_general_recent": tuple(p.record_id for p in recent if p.severity == "general"),
        "penalty_minor_recent": tuple(p.record_id for p in recent if p.severity == "minor"),
        "penalty_older": tuple(p.record_id for p in facts.penalties if since.penalties < p.decided_on <= year_ago),
        "listed": facts.listings[:1],
        "open_cases": facts.open_cases,
        "complaint_clusters": tuple(i for i, on in facts.clusters if on > since.clusters),
        "complaints_recent": tuple(i for i, on in facts.complaints if on > since.complaints),
        "repairs": facts.repairs,
    }


def score(rules: CreditRules, facts: Facts, today: date) -> Score:
    """The same facts on the same day always give the same score; the contributions add up to it."""
    evidence = _evidence(facts, today)
    factors = []
    for factor in rules.factors:
        records = evidence.get(factor.key, ())
        value = len(records) if factor.cap is None else min(len(records), factor.cap)
        factors.append(FactorScore(key=factor.key, what=factor.what, weight=factor.weight, value=value,
                                   contribution=factor.weight * value, records=tuple(sorted(records))))
    total = rules.base + sum(f.contribution for f in factors)
    return Score(base=rules.base, score=total, tier=rules.tier(total), factors=tuple(factors))


def explain(result: Score) -> dict:
    """The score as the profile shows it: each factor with its weight, value, contribution and records."""
    return {"base": result.base, "score": result.score, "tier": result.tier,
            "factors": [{"key": f.key, "what": f.what, "weight": f.weight, "value": f.value,
                         "contribution": f.contribution, "records": list(f.records)} for f in result.factors]}
