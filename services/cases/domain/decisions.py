"""Decisions: which measures belong to which outcome, their severity (a rule kept as data), and the advice
an officer sees for a first violation or a subject in its observation period (首违不罚, 观察期, 过罚相当)."""
from dataclasses import dataclass
from decimal import Decimal

PENALTY_MEASURES = ("warning", "criticism", "fine", "confiscation", "suspension", "licence_revocation",
                    "qualification_downgrade", "ordered_closure", "practice_ban")
SOFT_MEASURES = ("guidance", "interview", "caution")  # 行政指导, 约谈, 警示告诫
NO_PENALTY_GROUNDS = ("minor_corrected", "first_violation_minor", "no_fault")  # Order 2 Art. 20, Penalty Law Art. 33


@dataclass(frozen=True)
class SeverityRule:
    serious_measures: frozenset[str]
    general_measures: frozenset[str]
    serious_fine_at_least: Decimal

    @classmethod
    def from_data(cls, data: dict) -> "SeverityRule":
        return cls(serious_measures=frozenset(data["serious_measures"]),
                   general_measures=frozenset(data["general_measures"]),
                   serious_fine_at_least=Decimal(str(data["serious_fine_at_least"])))

    def severity(self, outcome: str, measures: list[str], fine: Decimal | None) -> str:
        if outcome != "penalty":
            return "minor"
        if self.serious_measures.intersection(measures) or (fine is not None and fine >= self.serious_fine_at_least):
            return "serious"
        return "general" if self.general_measures.intersection(measures) else "minor"


def decision_problem(outcome: str, measures: list[str], fine: Decimal | None, legal_basis: str | None,
                     ground: str | None) -> tuple[str, str] | None:
    """(field, why) when a decision does not hold together; None when it does."""
    if outcome == "penalty":
        if not measures or any(m not in PENALTY_MEASURES for m in measures):
            return "measures", f"a penalty needs measures from {', '.join(PENALTY_MEASURES)}"
        if ("fine" in measures) != (fine is not None and fine > 0):
            return "fine_amount", "a fine needs its amount, and an amount needs the measure fine"
        if not legal_basis:
            return "legal_basis", "a penalty needs its legal basis"
    elif outcome == "soft_measure":
        if not measures or any(m not in SOFT_MEASURES for m in measures):
            return "measures", f"soft measures are {', '.join(SOFT_MEASURES)}"
        if fine is not None:
            return "fine_amount", "soft measures carry no fine"
    elif outcome == "no_penalty":
        if ground not in NO_PENALTY_GROUNDS:
            return "ground", f"no penalty needs a ground: {', '.join(NO_PENALTY_GROUNDS)}"
        if measures or fine is not None:
            return "measures", "no penalty carries no measures or fine"
    return None


def advice(*, first_violation: bool, in_observation: bool) -> list[str]:
    """What the officer should weigh: inclusive prudent supervision."""
    notes = []
    if first_violation:
        notes.append("first violation: no penalty may apply if the harm is minor and promptly corrected (首违不罚)")
    if in_observation:
        notes.append("the subject is in an observation period: prefer soft measures (观察期, 柔性执法)")
    return notes
