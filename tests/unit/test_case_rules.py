"""Pure case rules: state machines, referral targets, decisions and severity, deadlines across holidays."""
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from services.cases.domain import lifecycle
from services.cases.domain.deadlines import CaseDeadlines
from services.cases.domain.decisions import SeverityRule, advice, decision_problem
from services.cases.domain.referrals import missing_documents, referral_problem
from shared.registry import Registry
from shared.workdays import WorkingCalendar

REGISTRY = Registry.load()
CAL = WorkingCalendar()
SEVERITY = SeverityRule.from_data(yaml.safe_load(
    (Path(__file__).parents[2] / "services" / "cases" / "severity.yaml").read_text(encoding="utf-8")))
SEP_30_BEIJING_NOON = datetime(2026, 9, 30, 4, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("kind", "sender", "receiver", "ok"), [
    ("criminal", "440105-amr", "440100-psb", True),
    ("criminal", "440105-amr", "330100-psb", False),
    ("takedown", "440100-amr", "440000-ca", True),
    ("takedown", "440100-amr", "440100-cac", True),
    ("takedown", "440100-amr", "440100-tax", False),
    ("function", "440105-amr", "440100-tax", True),
    ("function", "440105-amr", "440106-amr", False),
    ("cross_region", "440105-amr", "330106-amr", True),
    ("cross_region", "440105-amr", "440106-amr", False),
    ("upward", "440105-amr", "440100-amr", True),
    ("upward", "440100-amr", "440105-amr", False),
    ("downward", "440100-amr", "440105-amr", True),
    ("downward", "440105-amr", "440100-amr", False),
    ("jurisdiction", "440105-amr", "440106-amr", True),
    ("jurisdiction", "440105-amr", "440105-amr", False),
    ("jurisdiction", "440105-amr", "999999-amr", False),
])
def test_each_referral_kind_goes_to_the_right_kind_of_agency(kind, sender, receiver, ok):
    assert (referral_problem(REGISTRY, kind, sender, receiver) is None) is ok


def test_a_criminal_transfer_names_the_missing_documents():
    assert missing_documents("criminal", ["transfer_letter"]) == [
        "investigation_report", "seized_items_list", "test_or_appraisal_reports"]
    assert missing_documents("function", []) == []


@pytest.mark.parametrize(("outcome", "measures", "fine", "severity"), [
    ("penalty", ["warning"], None, "minor"),
    ("penalty", ["fine"], Decimal("50000"), "general"),
    ("penalty", ["fine"], Decimal("1000000"), "serious"),
    ("penalty", ["warning", "licence_revocation"], None, "serious"),
    ("soft_measure", ["interview"], None, "minor"),
    ("no_penalty", [], None, "minor"),
])
def test_severity_follows_the_measures_and_the_fine(outcome, measures, fine, severity):
    assert SEVERITY.severity(outcome, measures, fine) == severity


@pytest.mark.parametrize(("args", "field"), [
    (("penalty", [], None, "basis", None), "measures"),
    (("penalty", ["fine"], None, "basis", None), "fine_amount"),
    (("penalty", ["warning"], Decimal(5), "basis", None), "fine_amount"),
    (("penalty", ["warning"], None, None, None), "legal_basis"),
    (("soft_measure", ["fine"], None, None, None), "measures"),
    (("no_penalty", [], None, None, "because"), "ground"),
    (("no_penalty", ["warning"], None, None, "no_fault"), "measures"),
])
def test_decisions_that_do_not_hold_together_name_the_field(args, field):
    assert decision_problem(*args)[0] == field


def test_valid_decisions_pass_and_advice_names_the_doctrines():
    assert decision_problem("penalty", ["fine"], Decimal(1), "《广告法》第五十五条", None) is None
    assert decision_problem("no_penalty", [], None, None, "first_violation_minor") is None
    assert advice(first_violation=False, in_observation=False) == []
    notes = advice(first_violation=True, in_observation=True)
    assert "首违不罚" in notes[0] and "观察期" in notes[1]


def test_state_machines():
    assert lifecycle.allowed(lifecycle.CASE_COMMANDS, "decided") == ["close"]
    assert lifecycle.allowed(lifecycle.REFERRAL_COMMANDS, "pending") == ["accept", "reject", "forward"]
    assert lifecycle.allowed(lifecycle.REFERRAL_COMMANDS, "review_requested") == ["accept", "reject"]
    assert lifecycle.referral_after_reject("pending") == "rejected"
    assert lifecycle.referral_after_reject("review_requested") == "rejected_final"
    with pytest.raises(lifecycle.TransitionNotAllowed, match="allowed now: close"):
        lifecycle.check("case", lifecycle.CASE_COMMANDS, "decide", "decided")


def test_deadlines_across_national_day():
    rules = CaseDeadlines()
    # Working days skip Oct 1-7 and count the adjusted Saturday Oct 10; calendar days do not skip anything.
    assert rules.clue_due(SEP_30_BEIJING_NOON, CAL).date().isoformat() == "2026-10-27"
    assert rules.referral_due("criminal", "pending", SEP_30_BEIJING_NOON, CAL).date().isoformat() == "2026-10-03"
    assert rules.referral_due("function", "pending", SEP_30_BEIJING_NOON, CAL).date().isoformat() == "2026-10-15"
    assert rules.case_due(SEP_30_BEIJING_NOON, CAL).date().isoformat() == "2026-12-29"
    assert rules.referral_due("function", "completed", SEP_30_BEIJING_NOON, CAL) is None
