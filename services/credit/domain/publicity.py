"""How long a penalty is public, when it may be repaired, and when a listing ends (NDRC Order 36, SAMR 44/45)."""
from dataclasses import dataclass
from datetime import date, timedelta

from .rules import CreditRules


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for dom in (day.day, 30, 29, 28):  # the 31st of a shorter month ends on its last day
        try:
            return date(year, month, dom)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def publicity_until(rules: CreditRules, severity: str, decided_on: date) -> date | None:
    """The last day a penalty is public; None when it is not published at all."""
    rule = rules.publicity[severity]
    return add_months(decided_on, rule.months) if rule.published else None


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    from_date: date
    reasons: tuple[str, ...]


def repair_eligibility(rules: CreditRules, *, severity: str, decided_on: date, today: date,
                       obligations_met: bool, commitment: bool) -> Eligibility:
    """NDRC Order 36: the minimum period by severity reached, obligations fully met, a credit commitment made."""
    from_date = add_months(decided_on, rules.publicity[severity].repair_after_months)
    reasons = []
    if today < from_date:
        reasons.append(f"a {severity} record may be repaired from {from_date.isoformat()}")
    if not obligations_met:
        reasons.append("the obligations of the decision are not fully met")
    if not commitment:
        reasons.append("no public credit commitment was made")
    return Eligibility(eligible=not reasons, from_date=from_date, reasons=tuple(reasons))


def listing_dates(rules: CreditRules, listed_on: date) -> tuple[date, date]:
    """When removal may be requested (after 1 year) and when the listing ends at the latest (3 years)."""
    return (listed_on + timedelta(days=rules.removal_request_after_days),
            listed_on + timedelta(days=rules.remove_by_days))
