"""Pure credit rules: the explained score, tier boundaries, publicity and repair periods, reproducible draws."""
from collections import Counter
from datetime import date

import pytest

from services.credit.domain.draws import NotEnoughInspectors, draw
from services.credit.domain.publicity import add_months, listing_dates, publicity_until, repair_eligibility
from services.credit.domain.scoring import Facts, PenaltyFact, score
from services.credit.rules_file import load_rules

RULES = load_rules()
TODAY = date(2026, 11, 23)


def test_the_explanation_adds_up_to_the_score_and_names_the_records():
    facts = Facts(penalties=(PenaltyFact("p1", "serious", date(2026, 6, 1)), PenaltyFact("p2", "general",
                                                                                       date(2024, 6, 1))),
                  listings=("l1",), open_cases=("c1", "c2"), clusters=(("k1", date(2026, 10, 1)),),
                  complaints=tuple((f"q{i}", date(2026, 11, 1)) for i in range(14)), repairs=("r1",))
    result = score(RULES, facts, TODAY)
    assert result.score == result.base + sum(f.contribution for f in result.factors)
    by_key = {f.key: f for f in result.factors}
    assert by_key["penalty_serious_recent"].records == ("p1",) and by_key["penalty_older"].records == ("p2",)
    assert by_key["complaints_recent"].value == 10  # capped
    assert result.score == 100 - 30 - 3 - 40 - 10 - 6 - 10 + 3 and result.tier == "D"
    assert score(RULES, facts, TODAY) == result  # same facts, same day: same score


@pytest.mark.parametrize(("value", "tier"), [(100, "A"), (90, "A"), (89.5, "B"), (75, "B"), (74, "C"),
                                             (60, "C"), (59.99, "D"), (-200, "D")])
def test_tier_boundaries(value, tier):
    assert RULES.tier(value) == tier


def test_publicity_and_repair_periods_by_severity():
    decided = date(2026, 1, 31)
    assert publicity_until(RULES, "minor", decided) is None
    assert publicity_until(RULES, "general", decided) == date(2027, 1, 31)
    assert publicity_until(RULES, "serious", decided) == date(2029, 1, 31)
    assert add_months(decided, 1) == date(2026, 2, 28)
    early = repair_eligibility(RULES, severity="serious", decided_on=decided, today=date(2026, 12, 1),
                               obligations_met=True, commitment=True)
    assert not early.eligible and early.from_date == date(2027, 1, 31)
    late = repair_eligibility(RULES, severity="serious", decided_on=decided, today=date(2027, 1, 31),
                              obligations_met=True, commitment=False)
    assert late.reasons == ("no public credit commitment was made",)
    assert listing_dates(RULES, date(2026, 11, 23)) == (date(2027, 11, 23), date(2029, 11, 22))


def test_draws_are_reproducible_respect_shares_and_conflicts():
    population = {f"U{i:04d}": tier for i, tier in enumerate(["A"] * 100 + ["B"] * 50 + ["C"] * 10 + ["D"] * 4)}
    inspectors = [f"I{i}" for i in range(6)]
    conflicts = {u: ["I0", "I1"] for u in population}
    args = dict(shares={"A": 0.05, "B": 0.2, "C": 0.6, "D": 1.0}, inspectors=inspectors, conflicts=conflicts,
                per_subject=2)
    first, again = draw(population, seed="2026-Q4", **args), draw(population, seed="2026-Q4", **args)
    other = draw(population, seed="2027-Q1", **args)
    assert first == again and first != other
    assert Counter(d.tier for d in first) == {"A": 5, "B": 10, "C": 6, "D": 4}
    assert all(not {"I0", "I1"} & set(d.inspectors) and len(d.inspectors) == 2 for d in first)
    with pytest.raises(NotEnoughInspectors):
        draw(population, seed="x", **{**args, "inspectors": ["I0", "I1", "I2"]})
