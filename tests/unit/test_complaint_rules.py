"""Pure complaint rules: the state machine, statutory deadlines across holidays, early warning, stats."""
from datetime import datetime, timezone
from typing import get_args

import pytest

from services.complaints.domain import lifecycle
from services.complaints.domain.deadlines import DeadlineRules
from services.complaints.domain.early_warning import AbuseRule, ClusterRule
from services.complaints.domain.stats import StatKey, median_hours
from services.complaints.schemas import Status
from shared.workdays import WorkingCalendar

CAL = WorkingCalendar()
SEP_29_10AM_BEIJING = datetime(2026, 9, 29, 2, 0, tzinfo=timezone.utc)


def test_schema_statuses_are_the_state_machine_statuses():
    assert set(get_args(Status)) == set(lifecycle.STATUSES)


@pytest.mark.parametrize(("status", "kind", "allowed"), [
    ("received", "complaint", ["accept", "reject", "reclassify", "identify_subject", "forward"]),
    ("received", "report", ["accept", "reject", "reclassify", "identify_subject"]),
    ("held", "complaint", ["accept", "reject", "reclassify", "identify_subject", "release", "forward"]),
    ("forwarded", "complaint", ["platform_response"]),
    ("mediating", "complaint", ["mediation", "escalate", "close"]),
    ("mediation_failed", "complaint", ["escalate", "close"]),
    ("verifying", "report", ["extend", "escalate", "close"]),
    ("escalated", "report", ["close"]),
    ("closed", "complaint", []),
    ("rejected", "report", []),
])
def test_allowed_actions_per_status(status, kind, allowed):
    assert lifecycle.allowed_actions(status, kind) == allowed


def test_refusal_names_the_allowed_actions():
    with pytest.raises(lifecycle.TransitionNotAllowed) as caught:
        lifecycle.check("mediation", "received", "complaint")
    assert caught.value.allowed == lifecycle.allowed_actions("received", "complaint")
    assert "accept" in str(caught.value) and "'received'" in str(caught.value)


def test_where_actions_lead():
    assert lifecycle.status_after_acceptance("complaint") == "mediating"
    assert lifecycle.status_after_acceptance("report") == "verifying"
    assert lifecycle.status_after_platform_response("resolved") == "closed"
    assert lifecycle.status_after_platform_response("unresolved") == "received"
    assert lifecycle.status_after_mediation("success") == "closed"
    assert lifecycle.status_after_mediation("expired") == "mediation_failed"


def test_every_open_step_status_has_a_deadline_rule():
    rules = DeadlineRules()
    for step in lifecycle.STEP_OF_STATUS.values():
        assert rules.due(step, SEP_29_10AM_BEIJING, CAL) > SEP_29_10AM_BEIJING


def test_acceptance_deadline_skips_the_national_day_week_and_counts_the_adjusted_saturday():
    # Sep 30 (1), Oct 1-7 holiday, Oct 8 (2), Oct 9 (3), Sat Oct 10 adjusted working day (4), Oct 12-14 (5-7).
    due = DeadlineRules().due("acceptance", SEP_29_10AM_BEIJING, CAL)
    assert due == datetime(2026, 10, 14, 15, 59, 59, 999999, tzinfo=timezone.utc)  # end of Oct 14, Beijing


def test_platform_deadline_and_verification_extension_are_configurable():
    rules = DeadlineRules(platform_response=3, verification=2, verification_extension=1)
    assert rules.due("platform_response", SEP_29_10AM_BEIJING, CAL).date().isoformat() == "2026-10-09"
    due = rules.due("verification", SEP_29_10AM_BEIJING, CAL)
    assert due.date().isoformat() == "2026-10-08"
    assert rules.extended(due, CAL).date().isoformat() == "2026-10-09"


@pytest.mark.parametrize(("count", "alerted", "due"), [
    (4, 0, False), (5, 0, True), (6, 5, False), (9, 5, False), (10, 5, True), (12, 10, False), (15, 10, True),
])
def test_cluster_alerts_at_the_threshold_and_again_per_step(count, alerted, due):
    assert ClusterRule(threshold=5).alert_due(count, alerted) is due


def test_abuse_thresholds_are_more_than():
    rule = AbuseRule(max_complaints=20, max_subjects=10)
    assert rule.reasons(20, 10) == []
    assert rule.reasons(21, 3) == ["more than 20 complaints in 30 days"]
    assert rule.reasons(11, 11) == ["against more than 10 subjects in 30 days"]


def test_stat_scopes_and_median():
    assert StatKey("taobao", None, "food_safety", "closed").scopes() == [("all", ""), ("platform", "taobao")]
    assert median_hours({}) is None
    assert median_hours({5: 1}) == 5
    assert median_hours({1: 1, 3: 1}) == 2
    assert median_hours({1: 2, 10: 1}) == 1
    assert median_hours({2: 1, 4: 2, 100: 1}) == 4
