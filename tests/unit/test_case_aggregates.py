"""The cases aggregates on their own: each command against its state machine, its deadline on the working
calendar, the events and case timeline steps it records. No database, no broker."""
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from services.cases.domain.assist import Assist
from services.cases.domain.case import Case
from services.cases.domain.clue import Clue
from services.cases.domain.deadlines import CaseDeadlines, Schedule
from services.cases.domain.decisions import SeverityRule
from services.cases.domain.joint_action import JointAction
from services.cases.domain.lifecycle import TransitionNotAllowed
from services.cases.domain.referral import Referral
from shared.errors import Conflict, InvalidInput, NotFound
from shared.events.payloads.common import SubjectRef
from shared.registry import Registry
from shared.workdays import WorkingCalendar

SCHEDULE = Schedule(CaseDeadlines(), WorkingCalendar())
REGISTRY = Registry.load()
SEVERITY = SeverityRule.from_data(yaml.safe_load(
    (Path(__file__).parents[2] / "services" / "cases" / "severity.yaml").read_text(encoding="utf-8")))
SEP_29_10AM_BEIJING = datetime(2026, 9, 29, 2, 0, tzinfo=timezone.utc)
AT = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
SUBJECT = SubjectRef(uscc="91440105MA5X9K2L4L", name="某店", region="440105")


def clue(*, at: datetime = AT, clue_id: str = "clue-1", **details) -> Clue:
    made = Clue.register(id=clue_id, source="monitoring", source_ref=f"m-{clue_id}", subject=SUBJECT,
                         category="fake_reviews", agency="440105-amr", summary="刷单", complaint_ids=["c-1"],
                         by="officer", at=at, schedule=SCHEDULE, **details)
    made.take()
    return made


def filed(**details) -> Case:
    case = Case.file(clue(), id="case-1", reason=None, by="officer", at=AT, schedule=SCHEDULE, **details)
    case.take()
    return case


def types(aggregate) -> list[str]:
    return [event.type for event in aggregate.recorded]


def test_a_clue_registered_is_announced_off_any_timeline_and_due_in_15_working_days():
    made = Clue.register(id="clue-1", source="monitoring", source_ref="m-1", subject=SUBJECT,
                         category="fake_reviews", agency="440105-amr", summary="刷单", complaint_ids=["c-1", "c-1"],
                         by="officer", at=SEP_29_10AM_BEIJING, schedule=SCHEDULE)
    events, steps = made.take()
    assert [e.type for e in events] == ["clue.registered"] and steps == []
    assert made.status == "pending"
    # National Day week off, Saturday 10 October worked: the 15th working day is 26 October
    assert made.due_at == datetime(2026, 10, 26, 15, 59, 59, 999999, tzinfo=timezone.utc)


def test_a_clue_is_extended_once_and_dismissed_with_its_reason():
    pending = clue()
    due = pending.due_at
    pending.extend(reason="needs a site visit", schedule=SCHEDULE)
    assert pending.due_at == SCHEDULE.clue_extended(due) and pending.extended
    with pytest.raises(Conflict, match="already extended once"):
        pending.extend(reason="again", schedule=SCHEDULE)
    pending.dismiss(reason="no violation", at=AT)
    assert (pending.status, pending.due_at, pending.reason) == ("dismissed", None, "no violation")
    assert types(pending) == ["clue.verified"] and pending.recorded[0].payload.decision == "dismiss"
    with pytest.raises(TransitionNotAllowed, match="allowed now: none"):
        pending.dismiss(reason="twice", at=AT)


def test_filing_a_clue_opens_a_case_due_in_90_calendar_days_and_lists_both_events_on_its_first_step():
    source = clue()
    case = Case.file(source, id="case-1", reason="violation found", by="officer", at=AT, schedule=SCHEDULE)
    assert (source.status, source.case_id, source.due_at) == ("filed", "case-1", None)
    assert (case.status, case.agency, case.subject_key) == ("filed", "440105-amr", SUBJECT.uscc)
    assert case.due_at == SCHEDULE.case_due(AT)
    events, steps = case.take()
    assert [(e.type, e.subject) for e in events] == [("clue.verified", "clue-1"), ("case.filed", "case-1")]
    assert [s.action for s in steps] == ["filed"] and steps[0].events == [e.ref for e in events]
    assert steps[0].due_at == case.due_at
    with pytest.raises(TransitionNotAllowed):  # a clue is verified once
        Case.file(source, id="case-2", reason=None, by="officer", at=AT, schedule=SCHEDULE)


def test_a_second_clue_joins_the_open_case_with_its_complaints():
    case = filed()
    second = clue(clue_id="clue-2")
    second.complaint_ids = ["c-1", "c-2"]
    case.join(second, reason=None, by="officer-2", at=AT)
    assert (second.status, second.case_id) == ("joined", "case-1")
    assert case.clue_ids == ["clue-1", "clue-2"] and case.complaint_ids == ["c-1", "c-2"]
    assert types(case) == ["clue.verified"] and case.recorded[0].payload.joined_existing_case
    assert [s.action for s in case.steps] == ["clue_joined"]


def test_a_case_goes_filed_investigating_decided_closed_and_refuses_what_its_state_does_not_allow():
    case = filed()
    with pytest.raises(TransitionNotAllowed, match="allowed now: investigate, extend, refer"):
        case.close(note=None, by="officer", at=AT)
    case.investigate(note=None, by="officer", at=AT)
    assert case.status == "investigating"
    due = case.due_at
    case.extend(reason="complex", by="officer", at=AT, schedule=SCHEDULE)
    assert case.due_at == SCHEDULE.case_extended(due)
    with pytest.raises(Conflict, match="already extended"):
        case.extend(reason="again", by="officer", at=AT, schedule=SCHEDULE)
    case.decide(outcome="penalty", measures=["fine"], fine_amount=Decimal("200000"), legal_basis="电子商务法第十七条",
                ground=None, subjective_intent=True, severity_rule=SEVERITY, by="officer", at=AT, schedule=SCHEDULE)
    assert (case.status, case.due_at, case.decided_on) == ("decided", None, date(2026, 11, 2))
    case.close(note=None, by="officer", at=AT)
    assert types(case) == ["case.decided", "case.closed"] and case.closed_at == AT
    assert [s.action for s in case.steps] == ["investigation_started", "extended", "decided", "closed"]


def test_a_decision_that_does_not_hold_together_is_refused_before_anything_changes():
    case = filed()
    with pytest.raises(InvalidInput, match="a fine needs its amount"):
        case.decide(outcome="penalty", measures=["fine"], fine_amount=None, legal_basis="x", ground=None,
                    subjective_intent=None, severity_rule=SEVERITY, by="officer", at=AT, schedule=SCHEDULE)
    assert case.status == "filed" and case.recorded == []


def test_a_referral_puts_the_case_under_investigation_and_a_criminal_one_waits_for_approval():
    case = filed()
    criminal = Referral.refer(case, id="r-1", to_agency="440100-psb", kind="criminal", reason="涉嫌犯罪",
                              documents=["transfer_letter", "investigation_report", "seized_items_list",
                                         "test_or_appraisal_reports"], registry=REGISTRY, by="officer", at=AT,
                              schedule=SCHEDULE)
    assert case.status == "investigating" and not criminal.transferred
    assert criminal.recorded == [] and [s.action for s in criminal.steps] == ["referral_reported"]
    assert criminal.due_at == SCHEDULE.referral_due("criminal", "awaiting_approval", AT)
    with pytest.raises(TransitionNotAllowed):
        criminal.accept(note=None, by="police", at=AT, schedule=SCHEDULE)
    criminal.approve(note=None, by="head", at=AT, schedule=SCHEDULE)
    assert criminal.transferred and types(criminal) == ["case.referred"]
    assert [s.action for s in criminal.steps] == ["referral_reported", "referral_approved", "referred"]
    with pytest.raises(InvalidInput, match="must carry"):
        Referral.refer(case, id="r-2", to_agency="440100-psb", kind="criminal", reason="x", documents=[],
                       registry=REGISTRY, by="officer", at=AT, schedule=SCHEDULE)


def test_a_refusal_is_reviewable_once_and_accepting_a_jurisdiction_referral_hands_the_case_over():
    referral = Referral.refer(filed(), id="r-1", to_agency="440106-amr", kind="jurisdiction", reason="管辖",
                              documents=[], registry=REGISTRY, by="officer", at=AT, schedule=SCHEDULE)
    assert types(referral) == ["case.referred"] and referral.recorded[0].subject == "case-1"
    referral.reject(reason="not ours", by="r", at=AT, schedule=SCHEDULE)
    referral.review(reason="it is", by="s", at=AT, schedule=SCHEDULE)
    referral.reject(reason="still not", by="r", at=AT, schedule=SCHEDULE)
    assert referral.status == "rejected_final" and referral.due_at is None
    with pytest.raises(TransitionNotAllowed, match="allowed now: none"):
        referral.review(reason="again", by="s", at=AT, schedule=SCHEDULE)
    other = Referral.refer(filed(), id="r-2", to_agency="440106-amr", kind="jurisdiction", reason="管辖",
                           documents=[], registry=REGISTRY, by="officer", at=AT, schedule=SCHEDULE)
    assert other.accept(note=None, by="r", at=AT, schedule=SCHEDULE)
    assert other.due_at == SCHEDULE.referral_due("jurisdiction", "accepted", AT)
    other.report_outcome(summary="fined", by="r", at=AT, schedule=SCHEDULE)
    assert types(other)[-2:] == ["referral.accepted", "referral.outcome_reported"]


def test_a_referral_is_forwarded_only_to_a_third_agency():
    referral = Referral.refer(filed(), id="r-1", to_agency="440106-amr", kind="jurisdiction", reason="管辖",
                              documents=[], registry=REGISTRY, by="officer", at=AT, schedule=SCHEDULE)
    with pytest.raises(InvalidInput, match="another competent agency"):
        referral.forward(to_agency="440105-amr", reason="x", by="r", at=AT, schedule=SCHEDULE)
    referral.forward(to_agency="440104-amr", reason="theirs", by="r", at=AT, schedule=SCHEDULE)
    assert (referral.to_agency, referral.forwarded_from, referral.status) == ("440104-amr", ["440106-amr"],
                                                                             "pending")


def test_an_assist_is_due_in_10_working_days_and_answered_once():
    case = filed()
    with pytest.raises(InvalidInput, match="ask another agency"):
        Assist.ask(case, id="a-1", to_agency="440105-amr", text="x", by="officer", at=AT, schedule=SCHEDULE)
    assist = Assist.ask(case, id="a-1", to_agency="440100-tax", text="账目", by="officer", at=AT, schedule=SCHEDULE)
    assert assist.due_at == SCHEDULE.assist_due(AT) and case.status == "investigating"
    assist.respond(findings="ok", by="tax", at=AT)
    assert (assist.status, assist.due_at) == ("responded", None)
    with pytest.raises(Conflict, match="already answered"):
        assist.respond(findings="again", by="tax", at=AT)
    assert types(assist) == ["assist.requested", "assist.responded"]


def test_a_joint_action_completes_with_its_last_task():
    case = filed()
    with pytest.raises(InvalidInput, match="at least one participant"):
        JointAction.start(case, id="j-1", participants=["440105-amr"], tasks=[], by="officer", at=AT)
    action = JointAction.start(case, id="j-1", participants=["440100-cac", "440105-amr"],
                               tasks=[("440105-amr", "检查"), ("440100-cac", "下架")], by="officer", at=AT)
    assert action.participants == ["440100-cac"] and action.parties == ("440105-amr", "440100-cac")
    first, second = action.tasks
    action.complete_task(first.id, result=None, by="amr", at=AT)
    assert action.status == "active"
    with pytest.raises(Conflict, match="already done"):
        action.complete_task(first.id, result=None, by="amr", at=AT)
    with pytest.raises(NotFound):
        action.complete_task("nope", result=None, by="amr", at=AT)
    action.complete_task(second.id, result="done", by="cac", at=AT)
    assert (action.status, action.completed_at) == ("completed", AT)
    assert types(action) == ["joint_action.started", "joint_action.task_completed", "joint_action.task_completed",
                             "joint_action.completed"]
    assert [s.actor for s in action.steps][-1] == "system"


def test_a_case_closed_takes_nothing_more():
    case = filed()
    case.decide(outcome="soft_measure", measures=["guidance"], fine_amount=None, legal_basis=None, ground=None,
                subjective_intent=None, severity_rule=SEVERITY, by="officer", at=AT, schedule=SCHEDULE)
    for start in (lambda: Assist.ask(case, id="a", to_agency="440100-tax", text="x", by="o", at=AT,
                                     schedule=SCHEDULE),
                  lambda: Referral.refer(case, id="r", to_agency="440106-amr", kind="jurisdiction", reason="x",
                                         documents=[], registry=REGISTRY, by="o", at=AT, schedule=SCHEDULE),
                  lambda: JointAction.start(case, id="j", participants=["440100-cac"], tasks=[], by="o", at=AT)):
        with pytest.raises(TransitionNotAllowed, match="allowed now: close"):
            start()


def test_overdue_is_reported_once_per_due_date_on_the_case_timeline_but_a_clues_off_it():
    pending, case = clue(), filed()
    pending.mark_overdue(at=AT)
    case.mark_overdue(at=AT)
    assert pending.overdue_for == pending.due_at and pending.steps == []
    assert types(pending) == ["clue.overdue"] and types(case) == ["case.overdue"]
    assert case.steps[0].detail == {"what": "case", "id": "case-1", "step": "conclusion"}
